import type { Order } from '../../shared/domain/order.ts';
import { LIVE_SHIPMENT_STATUSES, type Shipment } from '../../shared/domain/shipment.ts';
import type { DomainEvent } from '../../shared/events/envelope.ts';
import type {
  BackorderWaiter,
  OrderWaiter,
  ShipmentRepository,
} from '../../shared/ports/shipment-repository.ts';
import type { TaskSignalOutcome, WorkflowEngine } from '../../shared/ports/workflow-engine.ts';

const copy = <T>(value: T): T => structuredClone(value);

/** Shipments and waiters in memory, with the DynamoDB adapter's conditions. */
export class InMemoryShipmentRepository implements ShipmentRepository {
  readonly shipments = new Map<string, Shipment>();
  readonly waiters = new Map<string, OrderWaiter>();
  readonly events: DomainEvent[] = [];

  /** With the orders (optional): creating a shipment is refused for an order ON_HOLD, as in DynamoDB. */
  constructor(private readonly orderStore?: { orders: Map<string, Order> }) {}

  async get(shipmentId: string) {
    const s = this.shipments.get(shipmentId);
    return s ? copy(s) : undefined;
  }
  async listByOrder(orderId: string) {
    return [...this.shipments.values()].filter((s) => s.orderId === orderId).map(copy);
  }
  async pageByOrder(
    orderId: string,
    options: { limit: number; cursor?: string; locationIds?: readonly string[] },
  ) {
    const all = (await this.listByOrder(orderId))
      .filter((s) => options.locationIds === undefined || options.locationIds.includes(s.locationId))
      .sort((a, b) => a.shipmentId.localeCompare(b.shipmentId))
      .filter((s) => options.cursor === undefined || s.shipmentId > options.cursor);
    const items = all.slice(0, options.limit);
    return { items, ...(all.length > options.limit ? { nextCursor: items.at(-1)!.shipmentId } : {}) };
  }
  async pageOpenAt(locationIds: readonly string[], options: { limit: number; cursor?: string }) {
    const key = (s: Shipment) => `${s.requestedAt}#${s.shipmentId}`;
    const all = [...this.shipments.values()]
      .filter((s) => locationIds.includes(s.locationId) && LIVE_SHIPMENT_STATUSES.includes(s.status))
      .sort((a, b) => key(a).localeCompare(key(b)))
      .filter((s) => options.cursor === undefined || key(s) > options.cursor)
      .map(copy);
    const items = all.slice(0, options.limit);
    return { items, ...(all.length > options.limit ? { nextCursor: key(items.at(-1)!) } : {}) };
  }
  async listPickupsDue(now: string, limit: number) {
    return [...this.shipments.values()]
      .filter(
        (s) =>
          s.pickupBy !== undefined &&
          s.pickupBy <= now &&
          (s.status === 'READY_FOR_PICKUP' || s.notCollectedPending === true),
      )
      .sort((a, b) => `${a.pickupBy}#${a.shipmentId}`.localeCompare(`${b.pickupBy}#${b.shipmentId}`))
      .slice(0, limit)
      .map(copy);
  }
  async request(shipment: Shipment, events: DomainEvent[]) {
    const existing = this.shipments.get(shipment.shipmentId);
    if (existing) {
      this.shipments.set(shipment.shipmentId, {
        ...existing,
        ...(shipment.taskToken === undefined ? {} : { taskToken: shipment.taskToken }),
        version: existing.version + 1,
      });
      return 'token-replaced' as const;
    }
    const order = this.orderStore?.orders.get(shipment.orderId);
    if (order?.status === 'ON_HOLD') return 'order-on-hold' as const;
    if (order) this.orderStore?.orders.set(order.orderId, { ...order, version: order.version + 1 });
    this.shipments.set(shipment.shipmentId, copy(shipment));
    this.events.push(...copy(events));
    return 'created' as const;
  }
  async update(shipment: Shipment, expectedVersion: number, events: DomainEvent[]) {
    const existing = this.shipments.get(shipment.shipmentId);
    if (!existing || existing.version !== expectedVersion) return 'conflict' as const;
    this.shipments.set(shipment.shipmentId, copy(shipment));
    this.events.push(...copy(events));
    return 'updated' as const;
  }
  async putWaiter(waiter: OrderWaiter) {
    this.waiters.set(`${waiter.orderId}#${waiter.kind}`, copy(waiter));
  }
  async listWaiters(orderId: string) {
    return [...this.waiters.values()].filter((w) => w.orderId === orderId).map(copy);
  }
  async deleteWaiter(orderId: string, kind: OrderWaiter['kind'], taskToken?: string) {
    const waiter = this.waiters.get(`${orderId}#${kind}`);
    if (taskToken !== undefined && waiter?.taskToken !== taskToken) return;
    this.waiters.delete(`${orderId}#${kind}`);
  }
  async listBackorderWaiters(sku: string, limit: number): Promise<BackorderWaiter[]> {
    return [...this.waiters.values()]
      .filter((w) => w.kind === 'backorder' && w.orderedAt)
      .flatMap((w) =>
        (w.backordered ?? [])
          .filter((b) => b.sku === sku)
          .map((b) => ({ ...b, orderId: w.orderId, orderedAt: w.orderedAt!, taskToken: w.taskToken })),
      )
      .sort((a, b) => `${a.orderedAt}#${a.orderId}`.localeCompare(`${b.orderedAt}#${b.orderId}`))
      .slice(0, limit);
  }
}

/** Records what the use cases ask of Step Functions. */
export class FakeWorkflowEngine implements WorkflowEngine {
  readonly started = new Set<string>();
  readonly signals: { kind: 'success' | 'failure' | 'heartbeat'; token: string; detail?: unknown }[] = [];
  async startFulfilment({ name }: { name: string; input: unknown }) {
    if (this.started.has(name)) return 'already-exists' as const;
    this.started.add(name);
    return 'started' as const;
  }
  async sendTaskSuccess(token: string, output: unknown): Promise<TaskSignalOutcome> {
    this.signals.push({ kind: 'success', token, detail: output });
    return 'sent';
  }
  async sendTaskFailure(token: string, error: string, cause: string): Promise<TaskSignalOutcome> {
    this.signals.push({ kind: 'failure', token, detail: { error, cause } });
    return 'sent';
  }
  async sendTaskHeartbeat(token: string): Promise<TaskSignalOutcome> {
    this.signals.push({ kind: 'heartbeat', token });
    return 'sent';
  }
}
