import { type CapacityCharge, type CapacityUsage, capacityRefunds } from '../../shared/domain/capacity.ts';
import type { InventoryPosition } from '../../shared/domain/inventory.ts';
import type { Location } from '../../shared/domain/location.ts';
import type { Order, StatusChange } from '../../shared/domain/order.ts';
import type { DomainEvent } from '../../shared/events/envelope.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import type { IdGenerator } from '../../shared/ports/id-generator.ts';
import type {
  AdjustmentBatch,
  CapacityDayKey,
  CapacityTake,
  ConsumeReservationsResult,
  Consumption,
  CreateHoldResult,
  Hold,
  InventoryStore,
  PositionKey,
  PositionReservation,
  Reservation,
  WriteOutcome,
} from '../../shared/ports/inventory-store.ts';
import type { LocationRepository } from '../../shared/ports/location-repository.ts';
import type { OrderRepository } from '../../shared/ports/order-repository.ts';

const key = (k: PositionKey) => `${k.sku}\u0000${k.locationId}`;
const reservationKey = (orderId: string, lineId: string, locationId: string) =>
  `${orderId}\u0000${lineId}\u0000${locationId}`;
const copy = <T>(value: T): T => structuredClone(value);
const dayKey = (k: CapacityDayKey) => `${k.locationId}\u0000${k.day}`;
const chargeKey = (orderId: string, k: CapacityDayKey) => `${orderId}\u0000${dayKey(k)}`;

/**
 * The inventory store in memory, with the same conditions as the DynamoDB adapter: every write
 * checks all of them first and then applies all of its changes at once, like a transaction.
 * `beforeNextWrite` runs a callback just before the next write's check, to play a concurrent writer.
 */
export class InMemoryInventoryStore implements InventoryStore {
  readonly positions = new Map<string, InventoryPosition>();
  readonly reservations = new Map<string, Reservation>();
  readonly holds = new Map<string, Hold>();
  readonly batches = new Map<string, AdjustmentBatch>();
  readonly consumptions = new Map<string, Consumption>();
  readonly capacityUsage = new Map<string, CapacityUsage>();
  readonly capacityCharges = new Map<string, CapacityCharge>();
  private interleaved: (() => void)[] = [];

  beforeNextWrite(callback: () => void): void {
    this.interleaved.push(callback);
  }

  private interleave(): void {
    this.interleaved.shift()?.();
  }

  seed(position: Partial<InventoryPosition> & PositionKey & { onHand: number }): void {
    this.positions.set(key(position), {
      reserved: 0,
      safetyStock: 0,
      inbound: [],
      syncSequence: 1,
      updatedAt: '2025-01-01T00:00:00.000Z',
      ...position,
    });
  }

  position(sku: string, locationId: string): InventoryPosition | undefined {
    return this.positions.get(key({ sku, locationId }));
  }

  async listPositions(sku: string) {
    return [...this.positions.values()].filter((p) => p.sku === sku).map(copy);
  }

  async getPosition(k: PositionKey) {
    const p = this.positions.get(key(k));
    return p ? copy(p) : undefined;
  }

  async syncPosition(command: Parameters<InventoryStore['syncPosition']>[0]) {
    this.interleave();
    const existing = this.positions.get(key(command));
    if (existing && existing.syncSequence >= command.sequence) {
      return { outcome: 'stale' as const, storedSequence: existing.syncSequence };
    }
    const position: InventoryPosition = {
      sku: command.sku,
      locationId: command.locationId,
      onHand: command.onHand,
      reserved: existing?.reserved ?? 0,
      safetyStock: command.safetyStock ?? existing?.safetyStock ?? 0,
      inbound: command.inbound ?? existing?.inbound ?? [],
      syncSequence: command.sequence,
      updatedAt: command.at,
    };
    this.positions.set(key(command), position);
    return { outcome: 'applied' as const, position: copy(position), created: existing === undefined };
  }

  async applyAdjustments(command: Parameters<InventoryStore['applyAdjustments']>[0]) {
    this.interleave();
    const stored = this.batches.get(command.batch.batchId);
    if (stored) return { outcome: 'batch-exists' as const, batch: copy(stored) };
    for (const delta of command.positions) {
      const p = this.positions.get(key(delta));
      if (delta.expectedOnHand === undefined ? p !== undefined : p === undefined)
        return { outcome: 'changed' as const };
      if (p && (p.onHand !== delta.expectedOnHand || p.reserved > p.onHand + delta.delta)) {
        return { outcome: 'changed' as const };
      }
    }
    for (const delta of command.positions) {
      const p = this.positions.get(key(delta));
      if (p) {
        p.onHand += delta.delta;
        p.updatedAt = command.batch.appliedAt;
      } else {
        this.seed({ sku: delta.sku, locationId: delta.locationId, onHand: delta.delta, syncSequence: 0 });
      }
    }
    this.batches.set(command.batch.batchId, copy(command.batch));
    return { outcome: 'applied' as const };
  }

  async getAdjustmentBatch(batchId: string) {
    const batch = this.batches.get(batchId);
    return batch ? copy(batch) : undefined;
  }

  async listReservations(orderId: string) {
    return [...this.reservations.values()].filter((r) => r.orderId === orderId).map(copy);
  }

  private canReserve(positions: readonly PositionReservation[]): boolean {
    return positions.every((r) => {
      const p = this.positions.get(key(r));
      return (
        p !== undefined &&
        p.onHand === r.expectedOnHand &&
        p.safetyStock === r.expectedSafetyStock &&
        p.reserved <= r.expectedOnHand - r.expectedSafetyStock - r.quantity
      );
    });
  }

  /** The same conditions as the DynamoDB capacity ledger: the charge as read, the day within its limit. */
  private canTakeCapacity(orderId: string, takes: readonly CapacityTake[]): boolean {
    return takes.every((take) => {
      const charge = this.capacityCharges.get(chargeKey(orderId, take));
      const chargeAsRead =
        take.expected === undefined
          ? charge === undefined
          : charge?.units === take.expected.units && charge.shipments === take.expected.shipments;
      const added = take.measure === 'units' ? take.units : take.shipments;
      const usage = this.capacityUsage.get(dayKey(take));
      const used = (take.measure === 'units' ? usage?.units : usage?.shipments) ?? 0;
      return chargeAsRead && (added === 0 || used + added <= take.limit);
    });
  }

  private addCapacity(orderId: string, key: CapacityDayKey, units: number, shipments: number, at: string) {
    const usage = this.capacityUsage.get(dayKey(key)) ?? { ...key, units: 0, shipments: 0 };
    usage.units += units;
    usage.shipments += shipments;
    this.capacityUsage.set(dayKey(key), usage);
    const charge = this.capacityCharges.get(chargeKey(orderId, key)) ?? {
      orderId,
      ...key,
      units: 0,
      shipments: 0,
      updatedAt: at,
    };
    charge.units += units;
    charge.shipments += shipments;
    charge.updatedAt = at;
    this.capacityCharges.set(chargeKey(orderId, key), charge);
  }

  async getCapacityUsage(keys: readonly CapacityDayKey[]) {
    return keys.map(
      (k) =>
        copy(this.capacityUsage.get(dayKey(k))) ?? {
          locationId: k.locationId,
          day: k.day,
          units: 0,
          shipments: 0,
        },
    );
  }

  async listCapacityCharges(orderId: string) {
    return [...this.capacityCharges.values()].filter((c) => c.orderId === orderId).map(copy);
  }

  async reserveForOrder(command: Parameters<InventoryStore['reserveForOrder']>[0]): Promise<WriteOutcome> {
    this.interleave();
    if (!this.canReserve(command.positions)) return 'changed';
    for (const change of command.reservations) {
      const existing = this.reservations.get(
        reservationKey(command.orderId, change.lineId, change.locationId),
      );
      if (existing?.quantity !== change.expectedQuantity) return 'changed';
    }
    if (!this.canTakeCapacity(command.orderId, command.capacity ?? [])) return 'changed';
    for (const take of command.capacity ?? []) {
      this.addCapacity(command.orderId, take, take.units, take.shipments, command.at);
    }
    for (const r of command.positions) this.positions.get(key(r))!.reserved += r.quantity;
    for (const change of command.reservations) {
      const k = reservationKey(command.orderId, change.lineId, change.locationId);
      const existing = this.reservations.get(k);
      if (existing) {
        existing.quantity += change.quantity;
        existing.updatedAt = command.at;
      } else {
        this.reservations.set(k, {
          orderId: command.orderId,
          lineId: change.lineId,
          sku: change.sku,
          locationId: change.locationId,
          quantity: change.quantity,
          consumed: 0,
          released: 0,
          createdAt: command.at,
          updatedAt: command.at,
        });
      }
    }
    return 'applied';
  }

  async releaseReservations(
    command: Parameters<InventoryStore['releaseReservations']>[0],
  ): Promise<WriteOutcome> {
    this.interleave();
    for (const change of command.reservations) {
      const r = this.reservations.get(reservationKey(command.orderId, change.lineId, change.locationId));
      if (r?.quantity !== change.expectedQuantity) return 'changed';
    }
    for (const change of command.reservations) {
      const r = this.reservations.get(reservationKey(command.orderId, change.lineId, change.locationId))!;
      r.quantity -= change.quantity;
      r.released += change.quantity;
      this.positions.get(key(change))!.reserved -= change.quantity;
    }
    const after = [...this.reservations.values()].filter((r) => r.orderId === command.orderId);
    const charges = [...this.capacityCharges.values()].filter((c) => c.orderId === command.orderId);
    for (const refund of capacityRefunds(charges, after)) {
      this.addCapacity(command.orderId, refund, -refund.units, -refund.shipments, command.at);
    }
    return 'applied';
  }

  async consumeReservations(
    command: Parameters<InventoryStore['consumeReservations']>[0],
  ): Promise<ConsumeReservationsResult> {
    this.interleave();
    const consumptionKey = `${command.orderId}\u0000${command.shipmentId}`;
    if (this.consumptions.has(consumptionKey)) return 'already-confirmed';
    for (const change of command.reservations) {
      const r = this.reservations.get(reservationKey(command.orderId, change.lineId, change.locationId));
      if (r?.quantity !== change.expectedQuantity) return 'changed';
    }
    for (const position of command.positions) {
      const p = this.positions.get(key(position));
      if (!p || p.onHand !== position.expectedOnHand || p.reserved < position.quantity) return 'changed';
    }
    for (const change of command.reservations) {
      const r = this.reservations.get(reservationKey(command.orderId, change.lineId, change.locationId))!;
      r.quantity -= change.quantity;
      r.consumed += change.quantity;
    }
    for (const position of command.positions) {
      const p = this.positions.get(key(position))!;
      p.onHand = Math.max(0, position.expectedOnHand - position.quantity);
      p.reserved -= position.quantity;
    }
    this.consumptions.set(consumptionKey, {
      orderId: command.orderId,
      shipmentId: command.shipmentId,
      reservations: command.reservations.map(({ lineId, sku, locationId, quantity }) => ({
        lineId,
        sku,
        locationId,
        quantity,
      })),
      confirmedAt: command.at,
    });
    return 'applied';
  }

  async getConsumption(orderId: string, shipmentId: string) {
    const c = this.consumptions.get(`${orderId}\u0000${shipmentId}`);
    return c ? copy(c) : undefined;
  }

  async createHold(command: Parameters<InventoryStore['createHold']>[0]): Promise<CreateHoldResult> {
    this.interleave();
    const existing = this.holds.get(command.hold.holdId);
    if (existing) return { outcome: 'exists', hold: copy(existing) };
    if (!this.canReserve(command.positions)) return { outcome: 'changed' };
    for (const r of command.positions) this.positions.get(key(r))!.reserved += r.quantity;
    this.holds.set(command.hold.holdId, copy(command.hold));
    return { outcome: 'created' };
  }

  async getHold(holdId: string) {
    const hold = this.holds.get(holdId);
    return hold ? copy(hold) : undefined;
  }

  async endHold(command: Parameters<InventoryStore['endHold']>[0]) {
    this.interleave();
    const hold = this.holds.get(command.hold.holdId);
    if (hold?.status !== 'active') return 'not-active' as const;
    hold.status = command.status;
    hold.endedAt = command.at;
    for (const allocation of hold.allocations)
      this.positions.get(key(allocation))!.reserved -= allocation.quantity;
    return 'ended' as const;
  }

  async listExpiredHolds(now: string, limit: number) {
    return [...this.holds.values()]
      .filter((hold) => hold.status === 'active' && hold.heldUntil <= now)
      .sort((a, b) => (a.heldUntil < b.heldUntil ? -1 : 1))
      .slice(0, limit)
      .map(copy);
  }
}

export class InMemoryLocationRepository implements LocationRepository {
  readonly locations = new Map<string, Location>();

  constructor(locations: readonly Location[] = []) {
    for (const location of locations) this.locations.set(location.locationId, copy(location));
  }

  async put(location: Location) {
    const created = !this.locations.has(location.locationId);
    this.locations.set(location.locationId, copy(location));
    return { created };
  }

  async get(locationId: string) {
    const location = this.locations.get(locationId);
    return location ? copy(location) : undefined;
  }

  async all() {
    return [...this.locations.values()].sort((a, b) => (a.locationId < b.locationId ? -1 : 1)).map(copy);
  }
}

/** Just enough of the order repository for allocation: get, and update with optimistic concurrency. */
export class InMemoryOrderRepository implements OrderRepository {
  readonly orders = new Map<string, Order>();
  readonly historyLog = new Map<string, StatusChange[]>();
  readonly events: DomainEvent[] = [];

  add(order: Order): void {
    this.orders.set(order.orderId, copy(order));
  }

  async create(): Promise<never> {
    throw new Error('not used by these tests');
  }

  async list(): Promise<never> {
    throw new Error('not used by these tests');
  }

  async get(orderId: string) {
    const order = this.orders.get(orderId);
    return order ? copy(order) : undefined;
  }

  async history(orderId: string) {
    return copy(this.historyLog.get(orderId) ?? []);
  }

  async update(command: Parameters<OrderRepository['update']>[0]) {
    const current = this.orders.get(command.order.orderId);
    if (!current || current.version !== command.expectedVersion) return 'version-conflict' as const;
    this.orders.set(command.order.orderId, copy(command.order));
    this.historyLog.set(command.order.orderId, [
      ...(this.historyLog.get(command.order.orderId) ?? []),
      ...command.history,
    ]);
    this.events.push(...copy(command.events));
    return 'updated' as const;
  }
}

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private current = new Date('2025-06-01T12:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

export function sequentialIds(): IdGenerator {
  let n = 0;
  const next = () => String(++n).padStart(26, '0');
  return { orderId: () => `ord_${next()}`, eventId: () => next() };
}
