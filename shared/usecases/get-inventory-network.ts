import { notFound, validationError } from '../domain/errors.ts';
import { availableToSell, type InboundStock } from '../domain/inventory.ts';
import { canServePickup, canShipToCustomers, type Location } from '../domain/location.ts';
import { SkuSchema } from '../domain/order.ts';
import type { InventoryStore } from '../ports/inventory-store.ts';
import type { LocationRepository } from '../ports/location-repository.ts';

export interface NetworkPosition {
  locationId: string;
  /** Absent when the position names a location that is not (or no longer) in the network. */
  location?: Pick<Location, 'name' | 'type' | 'status'>;
  onHand: number;
  reserved: number;
  safetyStock: number;
  ats: number;
  inbound: InboundStock[];
  /** Active and able to ship to customers: counts toward what a storefront can sell. */
  shippable: boolean;
  /** Active and offering pickup. */
  pickup: boolean;
  syncSequence: number;
  updatedAt: string;
}

export interface InventoryNetwork {
  sku: string;
  positions: NetworkPosition[];
  totals: {
    onHand: number;
    reserved: number;
    safetyStock: number;
    /** Σ ATS over every location (each location's ATS is never negative). */
    ats: number;
    /** Σ ATS over active ship-capable locations: what `GET /availability` shows. */
    shippableAts: number;
    inbound: number;
  };
}

/** `GET /inventory/{sku}`: the SKU at every location, with ATS, and network totals. */
export function makeGetInventoryNetwork(deps: { inventory: InventoryStore; locations: LocationRepository }) {
  return async function getInventoryNetwork(input: { sku: string }): Promise<InventoryNetwork> {
    const sku = SkuSchema.safeParse(input.sku);
    if (!sku.success) {
      throw validationError('The SKU is not valid', [
        { pointer: '', field: 'path:sku', message: sku.error.issues[0]?.message ?? 'is not valid' },
      ]);
    }
    const [stored, locations] = await Promise.all([
      deps.inventory.listPositions(sku.data),
      deps.locations.all(),
    ]);
    if (stored.length === 0) throw notFound('Inventory for SKU', sku.data);
    const byId = new Map(locations.map((location) => [location.locationId, location]));
    const positions = stored
      .map((position): NetworkPosition => {
        const location = byId.get(position.locationId);
        const active = location?.status === 'active';
        return {
          locationId: position.locationId,
          ...(location
            ? { location: { name: location.name, type: location.type, status: location.status } }
            : {}),
          onHand: position.onHand,
          reserved: position.reserved,
          safetyStock: position.safetyStock,
          ats: availableToSell(position),
          inbound: position.inbound,
          shippable: active && location !== undefined && canShipToCustomers(location),
          pickup: active && location !== undefined && canServePickup(location),
          syncSequence: position.syncSequence,
          updatedAt: position.updatedAt,
        };
      })
      .sort((a, b) => (a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0));
    const sum = (pick: (p: NetworkPosition) => number) => positions.reduce((total, p) => total + pick(p), 0);
    return {
      sku: sku.data,
      positions,
      totals: {
        onHand: sum((p) => p.onHand),
        reserved: sum((p) => p.reserved),
        safetyStock: sum((p) => p.safetyStock),
        ats: sum((p) => p.ats),
        shippableAts: sum((p) => (p.shippable ? p.ats : 0)),
        inbound: sum((p) => p.inbound.reduce((total, i) => total + i.quantity, 0)),
      },
    };
  };
}
