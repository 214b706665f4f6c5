import { describe, expect, it } from 'vitest';
import { haversineKm } from '../../shared/domain/geo.ts';
import type { InventoryPosition } from '../../shared/domain/inventory.ts';
import { availableToSell } from '../../shared/domain/inventory.ts';
import {
  LocationSchema,
  locationFromPutRequest,
  PutLocationRequestSchema,
} from '../../shared/domain/location.ts';
import { candidatePositions } from '../../shared/sourcing/candidates.ts';
import { planNaive } from '../../shared/sourcing/plan-naive.ts';
import { planShipments } from '../../shared/sourcing/plan-shipments.ts';
import { DEFAULT_PREFERENCE_PENALTY } from '../../shared/sourcing/types.ts';
import {
  at,
  FREE_SHIPPING,
  line,
  location,
  reasonCodes,
  request,
  sources,
  stock,
} from '../support/sourcing-fixtures.ts';

describe('domain schemas', () => {
  it('availableToSell subtracts reserved and safety stock and never goes negative', () => {
    expect(availableToSell({ onHand: 10, reserved: 3, safetyStock: 2 })).toBe(5);
    expect(availableToSell({ onHand: 2, reserved: 3, safetyStock: 2 })).toBe(0);
  });

  it('PUT /locations/{id} rejects unknown fields and defaults transferToStores', () => {
    const body = {
      name: 'Leeds DC',
      type: 'warehouse',
      geo: { lat: 53.8, lon: -1.55 },
      capabilities: ['ship', 'returns'],
      dailyShipmentCapacity: 5000,
      shipmentFixedCost: 250,
      unitHandlingCost: 40,
      status: 'active',
    };
    const parsed = PutLocationRequestSchema.parse(body);
    expect(parsed.transferToStores).toBe(false);
    expect(LocationSchema.parse(locationFromPutRequest('DC-LEEDS', parsed)).locationId).toBe('DC-LEEDS');
    expect(PutLocationRequestSchema.safeParse({ ...body, colour: 'red' }).success).toBe(false);
    expect(PutLocationRequestSchema.safeParse({ ...body, type: 'depot' }).success).toBe(false);
    expect(PutLocationRequestSchema.safeParse({ ...body, capabilities: ['ship', 'ship'] }).success).toBe(
      false,
    );
    expect(PutLocationRequestSchema.safeParse({ ...body, dailyShipmentCapacity: 1.5 }).success).toBe(false);
  });

  it('haversine: one degree of longitude on the equator is about 111.2 km', () => {
    expect(haversineKm(at(0), at(1))).toBeCloseTo(111.195, 2);
    expect(haversineKm(at(0), at(0))).toBe(0);
  });
});

describe('planShipments: hand-checked cases', () => {
  it('ships everything from the single location that has it all', () => {
    const plan = planShipments(
      request({
        lines: [line('1', 'A', 2), line('2', 'B', 1)],
        locations: [location('W1')],
        positions: [stock('W1', 'A', 5), stock('W1', 'B', 5)],
      }),
    );
    expect(sources(plan)).toEqual({ W1: { '1': 2, '2': 1 } });
    expect(plan.totalCost).toBe(500 + 3 * 100);
    expect(plan.shipments[0]?.cost).toEqual({
      fixed: 500,
      handling: 300,
      shipping: 0,
      total: 800,
      penalty: 0,
    });
    expect(plan.optimal).toBe(true);
    expect(plan.backordered).toEqual([]);
    expect(
      plan.reasons.some((reason) => reason.code === 'location-selected' && reason.locationId === 'W1'),
    ).toBe(true);
  });

  it('splits the order when no location has everything', () => {
    const plan = planShipments(
      request({
        lines: [line('1', 'A', 1), line('2', 'B', 1)],
        locations: [location('W1'), location('W2')],
        positions: [stock('W1', 'A', 5), stock('W2', 'B', 5)],
      }),
    );
    expect(sources(plan)).toEqual({ W1: { '1': 1 }, W2: { '2': 1 } });
    expect(plan.totalCost).toBe(2 * 600);
  });

  // N1 and N2 are ~11 km away and hold one SKU each; F is ~1001 km away and holds both.
  // Shipping: 0.5 per km per shipment → 6 from N1/N2, 500 from F. Handling is free.
  const splitOrFar = (fixed: number) =>
    planShipments(
      request({
        lines: [line('1', 'A', 1), line('2', 'B', 1)],
        locations: [
          location('N1', { geo: at(0.1), shipmentFixedCost: fixed, unitHandlingCost: 0 }),
          location('N2', { geo: at(-0.1), shipmentFixedCost: fixed, unitHandlingCost: 0 }),
          location('F', { geo: at(9), shipmentFixedCost: fixed, unitHandlingCost: 0 }),
        ],
        positions: [stock('N1', 'A', 1), stock('N2', 'B', 1), stock('F', 'A', 1), stock('F', 'B', 1)],
        shippingCost: { ...FREE_SHIPPING, perShipmentPerKm: 0.5 },
      }),
    );

  it('splits across two near locations when that is cheaper than one far location', () => {
    const plan = splitOrFar(100); // split: 2 × (100 + 6) = 212; far: 100 + 500 = 600
    expect(Object.keys(sources(plan)).sort()).toEqual(['N1', 'N2']);
    expect(plan.totalCost).toBe(212);
    expect(plan.optimal).toBe(true);
  });

  it('uses one far location when per-shipment costs make splitting dearer', () => {
    const plan = splitOrFar(1000); // split: 2 × 1006 = 2012; far: 1000 + 500 = 1500
    expect(sources(plan)).toEqual({ F: { '1': 1, '2': 1 } });
    expect(plan.totalCost).toBe(1500);
    expect(plan.shipments[0]?.cost.shipping).toBe(500);
  });

  it('skips a location with no shipment capacity left today', () => {
    const plan = planShipments(
      request({
        lines: [line('1', 'A', 1)],
        locations: [location('W1', { shipmentFixedCost: 100 }), location('W2')],
        positions: [stock('W1', 'A', 5), stock('W2', 'A', 5)],
        remainingCapacity: { W1: 0 },
      }),
    );
    expect(sources(plan)).toEqual({ W2: { '1': 1 } });
    expect(reasonCodes(plan, 'W1')).toEqual(['location-no-capacity']);
  });

  it('respects safety stock through availableToSell', () => {
    const positions: InventoryPosition[] = [
      {
        sku: 'A',
        locationId: 'W1',
        onHand: 5,
        reserved: 1,
        safetyStock: 2,
        inbound: [{ quantity: 50, expectedAt: '2030-01-01T00:00:00Z' }],
        syncSequence: 7,
        updatedAt: '2025-01-01T00:00:00Z',
      },
    ];
    const plan = planShipments(
      request({
        lines: [line('1', 'A', 3)],
        locations: [location('W1')],
        positions: candidatePositions(positions),
      }),
    );
    expect(sources(plan)).toEqual({ W1: { '1': 2 } });
    expect(plan.backordered).toEqual([{ lineId: '1', quantity: 1 }]);
  });

  it('sources a pickup order from the pickup store, with no carrier cost', () => {
    const store = location('S1', { type: 'store', capabilities: ['pickup'], geo: at(3) });
    const plan = planShipments(
      request({
        lines: [line('1', 'A', 2)],
        locations: [store, location('W1')],
        positions: [stock('S1', 'A', 2), stock('W1', 'A', 9)],
        pickupLocationId: 'S1',
        shippingCost: { ...FREE_SHIPPING, perShipment: 300 },
      }),
    );
    expect(plan.shipments).toHaveLength(1);
    expect(plan.shipments[0]).toMatchObject({ locationId: 'S1', kind: 'pickup', units: 2 });
    expect(plan.shipments[0]?.cost.shipping).toBe(0);
  });

  it('tops up a pickup with a transfer when allowed, otherwise backorders the rest', () => {
    const locations = [
      location('S1', { type: 'store', capabilities: ['pickup'], geo: at(3) }),
      location('W1', { transferToStores: true }),
      location('W2', { transferToStores: false }),
    ];
    const positions = [stock('S1', 'A', 1), stock('W1', 'A', 9), stock('W2', 'A', 9)];
    // Carrier cost of 10 per unit: store unit 100; transfer 500 + 2 × (100 + 10) = 720; total 820,
    // against 500 + 3 × 110 = 830 for transferring all three.
    const shippingCost = { ...FREE_SHIPPING, perUnit: 10 };
    const withTransfer = planShipments(
      request({ lines: [line('1', 'A', 3)], locations, positions, pickupLocationId: 'S1', shippingCost }),
    );
    expect(sources(withTransfer)).toEqual({ S1: { '1': 1 }, W1: { '1': 2 } });
    expect(withTransfer.totalCost).toBe(820);
    expect(withTransfer.shipments.find((s) => s.locationId === 'W1')).toMatchObject({
      kind: 'transfer',
      toLocationId: 'S1',
    });
    expect(reasonCodes(withTransfer, 'W2')).toEqual(['location-no-capability']);

    const noTransfer = planShipments(
      request({
        lines: [line('1', 'A', 3)],
        locations,
        positions,
        pickupLocationId: 'S1',
        policy: { allowTransferForPickup: false },
      }),
    );
    expect(sources(noTransfer)).toEqual({ S1: { '1': 1 } });
    expect(noTransfer.backordered).toEqual([{ lineId: '1', quantity: 2 }]);
    expect(reasonCodes(noTransfer, 'W1')).toEqual(['transfer-not-allowed']);
  });

  it('drop-ships a SKU that only a vendor carries, and backorders it when drop-ship is off', () => {
    const base = {
      lines: [line('1', 'A', 1), line('2', 'V', 2)],
      locations: [location('W1'), location('VEND', { type: 'vendor' })],
      positions: [stock('W1', 'A', 5), stock('VEND', 'V', 5)],
    };
    const plan = planShipments(request({ ...base, policy: { maxShipments: 1 } }));
    expect(plan.shipments.map((s) => s.locationId)).toEqual(['W1']);
    expect(plan.dropShip).toHaveLength(1);
    expect(plan.dropShip[0]).toMatchObject({ locationId: 'VEND', kind: 'drop-ship', units: 2 });
    expect(plan.reasons.find((r) => r.code === 'line-drop-shipped')?.message).toContain(
      'only vendors carry V',
    );

    const off = planShipments(request({ ...base, policy: { allowDropShip: false } }));
    expect(off.dropShip).toEqual([]);
    expect(off.backordered).toEqual([{ lineId: '2', quantity: 2 }]);
    expect(reasonCodes(off, 'VEND')).toEqual(['drop-ship-not-allowed']);
  });

  it('ships what it can and backorders the rest, or reports it unfulfillable', () => {
    const base = {
      lines: [line('1', 'A', 5)],
      locations: [location('W1')],
      positions: [stock('W1', 'A', 3)],
    };
    const plan = planShipments(request(base));
    expect(sources(plan)).toEqual({ W1: { '1': 3 } });
    expect(plan.backordered).toEqual([{ lineId: '1', quantity: 2 }]);
    expect(plan.reasons.find((r) => r.code === 'line-backordered')?.message).toContain('only 3 units of A');

    const strict = planShipments(request({ ...base, policy: { allowBackorder: false } }));
    expect(strict.backordered).toEqual([]);
    expect(strict.unfulfillable).toEqual([{ lineId: '1', quantity: 2 }]);
  });

  it('prefers shipping more units over saving money (backorders are the last resort)', () => {
    const plan = planShipments(
      request({
        lines: [line('1', 'A', 1), line('2', 'B', 1)],
        locations: [location('W1'), location('PRICEY', { shipmentFixedCost: 50_000 })],
        positions: [stock('W1', 'A', 1), stock('PRICEY', 'B', 1)],
      }),
    );
    expect(plan.backordered).toEqual([]);
    expect(Object.keys(sources(plan)).sort()).toEqual(['PRICEY', 'W1']);
  });

  it('keeps to maxShipments, keeping the lines with most units', () => {
    const plan = planShipments(
      request({
        lines: [line('1', 'A', 3), line('2', 'B', 1), line('3', 'C', 2)],
        locations: [location('W1'), location('W2'), location('W3')],
        positions: [stock('W1', 'A', 3), stock('W2', 'B', 1), stock('W3', 'C', 2)],
        policy: { maxShipments: 2 },
      }),
    );
    expect(plan.shipments).toHaveLength(2);
    expect(sources(plan)).toEqual({ W1: { '1': 3 }, W3: { '3': 2 } });
    expect(plan.backordered).toEqual([{ lineId: '2', quantity: 1 }]);
    expect(plan.reasons.find((r) => r.code === 'line-backordered')?.message).toContain('maxShipments');
  });

  it('splits a line only when allowed', () => {
    const base = {
      lines: [line('1', 'A', 5)],
      locations: [location('W1'), location('W2', { unitHandlingCost: 120 })],
      positions: [stock('W1', 'A', 3), stock('W2', 'A', 3)],
    };
    const split = planShipments(request(base));
    expect(sources(split)).toEqual({ W1: { '1': 3 }, W2: { '1': 2 } });
    expect(split.reasons.some((r) => r.code === 'line-split' && r.lineId === '1')).toBe(true);

    const whole = planShipments(request({ ...base, policy: { allowSplit: false } }));
    expect(sources(whole)).toEqual({ W1: { '1': 3 } });
    expect(whole.backordered).toEqual([{ lineId: '1', quantity: 2 }]);
  });

  it('skips excluded and paused locations and says why', () => {
    const plan = planShipments(
      request({
        lines: [line('1', 'A', 1)],
        locations: [
          location('CHEAP1', { shipmentFixedCost: 10 }),
          location('CHEAP2', { shipmentFixedCost: 10, status: 'paused' }),
          location('W3'),
        ],
        positions: [stock('CHEAP1', 'A', 1), stock('CHEAP2', 'A', 1), stock('W3', 'A', 1)],
        policy: { excludedLocationIds: ['CHEAP1'] },
      }),
    );
    expect(sources(plan)).toEqual({ W3: { '1': 1 } });
    expect(reasonCodes(plan, 'CHEAP1')).toEqual(['location-excluded']);
    expect(reasonCodes(plan, 'CHEAP2')).toEqual(['location-paused']);
  });

  it('ships from a store only with ship or ship-from-store', () => {
    const plan = planShipments(
      request({
        lines: [line('1', 'A', 1), line('2', 'B', 1)],
        locations: [
          location('S-PICKUP-ONLY', { type: 'store', capabilities: ['pickup'], shipmentFixedCost: 1 }),
          location('S-SFS', { type: 'store', capabilities: ['pickup', 'ship-from-store'] }),
          location('W1'),
        ],
        positions: [stock('S-PICKUP-ONLY', 'A', 1), stock('S-SFS', 'B', 1), stock('W1', 'A', 1)],
      }),
    );
    expect(sources(plan)).toEqual({ 'S-SFS': { '2': 1 }, W1: { '1': 1 } });
    expect(reasonCodes(plan, 'S-PICKUP-ONLY')).toEqual(['location-no-capability']);
  });

  it('expresses a type preference as a per-shipment penalty', () => {
    const base = {
      lines: [line('1', 'A', 1)],
      locations: [
        location('STORE', { type: 'store', capabilities: ['ship-from-store'], shipmentFixedCost: 400 }),
        location('WH', { shipmentFixedCost: 500 }),
      ],
      positions: [stock('STORE', 'A', 1), stock('WH', 'A', 1)],
    };
    expect(Object.keys(sources(planShipments(request(base))))).toEqual(['STORE']);
    const preferWarehouse = planShipments(request({ ...base, policy: { preference: 'prefer-warehouse' } }));
    expect(Object.keys(sources(preferWarehouse))).toEqual(['WH']);
    expect(preferWarehouse.totalCost).toBe(600);
    expect(preferWarehouse.objective).toBe(600);
    const forced = planShipments(
      request({ ...base, policy: { preference: 'prefer-warehouse', excludedLocationIds: ['WH'] } }),
    );
    expect(forced.objective - forced.totalCost).toBe(DEFAULT_PREFERENCE_PENALTY);
  });

  it('is deterministic: equal costs go to the lower location id, input order does not matter', () => {
    const lines = [line('1', 'A', 1), line('2', 'B', 2)];
    const locations = [location('W-b'), location('W-a'), location('W-c', { geo: at(2) })];
    const positions = [
      stock('W-b', 'A', 5),
      stock('W-b', 'B', 5),
      stock('W-a', 'A', 5),
      stock('W-a', 'B', 5),
    ];
    positions.push(stock('W-c', 'A', 5), stock('W-c', 'B', 5));
    const first = planShipments(request({ lines, locations, positions }));
    expect(Object.keys(sources(first))).toEqual(['W-a']);
    const again = planShipments(
      request({ lines, locations: [...locations].reverse(), positions: [...positions].reverse() }),
    );
    expect(again).toEqual(first);
    for (const mode of ['heuristic', 'auto'] as const) {
      expect(sources(planShipments(request({ lines, locations, positions, policy: { mode } })))).toEqual(
        sources(first),
      );
    }
  });

  it('heuristic mode reports a valid lower bound', () => {
    const plan = planShipments(
      request({
        lines: [line('1', 'A', 1), line('2', 'B', 1)],
        locations: [location('W1'), location('W2'), location('W3', { shipmentFixedCost: 900 })],
        positions: [stock('W1', 'A', 1), stock('W2', 'B', 1), stock('W3', 'A', 1), stock('W3', 'B', 1)],
        policy: { mode: 'heuristic' },
      }),
    );
    expect(plan.method).toBe('heuristic');
    expect(plan.lowerBound).toBeLessThanOrEqual(plan.objective);
    expect(plan.totalCost).toBe(1100);
  });

  it('planNaive takes the closest location holding the whole order', () => {
    const plan = planNaive(
      request({
        lines: [line('1', 'A', 1), line('2', 'B', 1)],
        locations: [location('NEAR', { geo: at(0.5) }), location('FAR', { geo: at(5) })],
        positions: [stock('NEAR', 'A', 1), stock('FAR', 'A', 1), stock('FAR', 'B', 1)],
      }),
    );
    expect(sources(plan)).toEqual({ FAR: { '1': 1, '2': 1 } });
    expect(plan.method).toBe('naive');
  });
});
