/**
 * Seeded synthetic sourcing instances shared by `bench:sourcing` and `bench:sourcing-profile`:
 * orders over a country-sized network, and symmetric networks of identical locations.
 */
import type { Location, LocationType } from '../../shared/domain/location.ts';
import type { GeoPoint } from '../../shared/domain/order.ts';
import {
  type CandidatePosition,
  DEFAULT_SOURCING_POLICY,
  type ShippingCostModel,
  type SourcingRequest,
} from '../../shared/sourcing/types.ts';

/** mulberry32: tiny, fast and good enough to make instances reproducible. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
    /** Roughly normal (sum of uniforms), mean 0, sd ≈ 1. */
    gauss: () => next() + next() + next() + next() - 2,
  };
}
type Random = ReturnType<typeof prng>;

// A France-sized box (~1000 × 900 km) with cities weighted by population.
const CITIES: { geo: GeoPoint; weight: number }[] = [
  { geo: { lat: 48.86, lon: 2.35 }, weight: 12 },
  { geo: { lat: 45.76, lon: 4.84 }, weight: 3 },
  { geo: { lat: 43.3, lon: 5.37 }, weight: 3 },
  { geo: { lat: 43.6, lon: 1.44 }, weight: 2 },
  { geo: { lat: 50.63, lon: 3.06 }, weight: 2 },
  { geo: { lat: 44.84, lon: -0.58 }, weight: 2 },
  { geo: { lat: 47.22, lon: -1.55 }, weight: 1.5 },
  { geo: { lat: 48.57, lon: 7.75 }, weight: 1.5 },
  { geo: { lat: 48.11, lon: -1.68 }, weight: 1 },
  { geo: { lat: 43.7, lon: 7.27 }, weight: 1.5 },
];
const CITY_WEIGHT = CITIES.reduce((sum, city) => sum + city.weight, 0);

function nearCity(random: Random, spreadDeg: number): GeoPoint {
  let roll = random.next() * CITY_WEIGHT;
  let city = CITIES[0]!;
  for (const candidate of CITIES) {
    roll -= candidate.weight;
    if (roll <= 0) {
      city = candidate;
      break;
    }
  }
  return {
    lat: city.geo.lat + random.gauss() * spreadDeg,
    lon: city.geo.lon + random.gauss() * spreadDeg * 1.4,
  };
}

const SHIPPING: ShippingCostModel = {
  perShipment: 350,
  perShipmentPerKm: 0.4,
  perUnit: 40,
  perUnitPerKm: 0.08,
};
const CATALOG_SIZE = 20_000;
/** Share of the catalogue only vendors carry (drop-ship only). */
const VENDOR_ONLY_SHARE = 0.04;

function buildNetwork(random: Random, size: number) {
  const locations: Location[] = [];
  const remainingCapacity: Record<string, number> = {};
  for (let i = 0; i < size; i++) {
    const roll = random.next();
    const type: LocationType =
      i < 2 || roll < 0.04 ? 'warehouse' : roll < 0.1 ? 'dark-store' : roll < 0.15 ? 'vendor' : 'store';
    const id = `${type.slice(0, 2).toUpperCase()}-${String(i).padStart(4, '0')}`;
    const common = {
      locationId: id,
      name: id,
      type,
      status: random.chance(0.04) ? 'paused' : 'active',
    } as const;
    const cost = (fixed: [number, number], handling: [number, number]) => ({
      shipmentFixedCost: random.int(...fixed),
      unitHandlingCost: random.int(...handling),
    });
    if (type === 'warehouse') {
      locations.push({
        ...common,
        geo: nearCity(random, 1.2),
        capabilities: ['ship', 'returns'],
        dailyShipmentCapacity: 20_000,
        ...cost([200, 400], [25, 60]),
        transferToStores: true,
      });
    } else if (type === 'dark-store') {
      locations.push({
        ...common,
        geo: nearCity(random, 0.15),
        capabilities: ['ship'],
        dailyShipmentCapacity: 800,
        ...cost([300, 500], [40, 90]),
        transferToStores: true,
      });
    } else if (type === 'vendor') {
      locations.push({
        ...common,
        geo: nearCity(random, 2),
        capabilities: ['ship'],
        dailyShipmentCapacity: 5_000,
        ...cost([600, 1_000], [20, 50]),
        transferToStores: false,
      });
    } else {
      locations.push({
        ...common,
        geo: nearCity(random, 0.3),
        capabilities: random.chance(0.75) ? ['pickup', 'ship-from-store', 'returns'] : ['pickup', 'returns'],
        dailyShipmentCapacity: random.int(10, 60),
        ...cost([400, 800], [80, 150]),
        transferToStores: false,
      });
      // Some stores have used up today's shipments.
      if (random.chance(0.1)) remainingCapacity[id] = 0;
    }
  }
  return { locations, remainingCapacity };
}

/** Zipf-ish popularity: rank r is drawn with weight ~ 1/r. */
function popularSku(random: Random): number {
  return Math.min(CATALOG_SIZE - 1, Math.floor(Math.exp(random.next() * Math.log(CATALOG_SIZE))) - 1);
}

export function buildInstance(seed: number, lineCount: number, locationCount: number): SourcingRequest {
  const random = prng(seed);
  const { locations, remainingCapacity } = buildNetwork(random, locationCount);
  const vendors = locations.filter((l) => l.type === 'vendor');
  const skus = new Set<number>();
  while (skus.size < lineCount) skus.add(popularSku(random));
  const lines = [...skus].map((sku, i) => {
    const roll = random.next();
    return {
      lineId: String(i + 1),
      sku: `SKU-${sku}`,
      quantity: roll < 0.7 ? 1 : roll < 0.95 ? random.int(2, 3) : random.int(5, 10),
    };
  });

  const positions: CandidatePosition[] = [];
  for (const sku of skus) {
    // Popular SKUs are stocked widely; the long tail sparsely.
    const popularity = 1 - Math.log(sku + 1) / Math.log(CATALOG_SIZE);
    const vendorOnly = random.next() < VENDOR_ONLY_SHARE;
    if (vendorOnly || random.chance(0.3)) {
      for (let i = 0; i < Math.min(vendors.length, random.int(1, 2)); i++) {
        positions.push({
          sku: `SKU-${sku}`,
          locationId: random.pick(vendors).locationId,
          ats: random.int(20, 500),
        });
      }
    }
    if (vendorOnly) continue;
    for (const location of locations) {
      const chance =
        location.type === 'warehouse'
          ? 0.55 + 0.4 * popularity
          : location.type === 'dark-store'
            ? 0.15 + 0.5 * popularity
            : location.type === 'store'
              ? 0.03 + 0.35 * popularity
              : 0;
      if (!random.chance(chance)) continue;
      const ats =
        location.type === 'warehouse'
          ? random.int(1, 200)
          : location.type === 'dark-store'
            ? random.int(1, 30)
            : random.int(1, 6);
      positions.push({ sku: `SKU-${sku}`, locationId: location.locationId, ats });
    }
  }
  return {
    lines,
    delivery: { method: 'ship', destination: nearCity(random, 0.5) },
    positions,
    locations,
    remainingCapacity,
    shippingCost: SHIPPING,
    policy: {
      ...DEFAULT_SOURCING_POLICY,
      maxShipments: Math.max(3, Math.ceil(lineCount / 5)),
      allowSplit: random.chance(0.8),
      mode: 'auto',
    },
  };
}

/**
 * A symmetric network: `classes` groups of identical locations (same coordinates, costs and stock),
 * each class holding about half of the order's lines, 1–3 units each (sometimes short of the line).
 * Without splitting and with 3 shipments at most, which classes to combine is the whole question,
 * and every plan has (twins per class)^3 copies that differ only by location id.
 */
export function buildSymmetricInstance(
  seed: number,
  lineCount: number,
  locationCount: number,
): SourcingRequest {
  const random = prng(seed);
  const classes = 8;
  const lines = Array.from({ length: lineCount }, (_, i) => ({
    lineId: String(i + 1),
    sku: `SKU-${i + 1}`,
    quantity: random.int(1, 3),
  }));
  const templates = Array.from({ length: classes }, () => ({
    geo: nearCity(random, 0.8),
    fixed: random.int(200, 600),
    handling: random.int(30, 120),
    stock: lines.map((line) => (random.chance(0.5) ? random.int(Math.max(1, line.quantity - 1), 3) : 0)),
  }));
  const locations: Location[] = [];
  const positions: CandidatePosition[] = [];
  for (let i = 0; i < locationCount; i++) {
    const template = templates[i % classes]!;
    const id = `WH-${String(i).padStart(4, '0')}`;
    locations.push({
      locationId: id,
      name: id,
      type: 'warehouse',
      status: 'active',
      geo: template.geo,
      capabilities: ['ship'],
      dailyShipmentCapacity: 1_000,
      shipmentFixedCost: template.fixed,
      unitHandlingCost: template.handling,
      transferToStores: false,
    });
    template.stock.forEach((ats, k) => {
      if (ats > 0) positions.push({ sku: lines[k]!.sku, locationId: id, ats });
    });
  }
  return {
    lines,
    delivery: { method: 'ship', destination: nearCity(random, 0.5) },
    positions,
    locations,
    shippingCost: SHIPPING,
    policy: { ...DEFAULT_SOURCING_POLICY, maxShipments: 3, allowSplit: false, mode: 'auto' },
  };
}
