import { DomainError, notFound } from '../domain/errors.ts';
import type { Order } from '../domain/order.ts';
import { assertTransition, type OrderStatus } from '../domain/order-status.ts';
import {
  CANCELLABLE_SHIPMENT_STATUSES,
  LIVE_SHIPMENT_STATUSES,
  locationDone,
  type Shipment,
  type ShipmentKind,
  type ShipmentLine,
  shipmentIdFor,
  WORKFLOW_ERRORS,
  WorkflowError,
} from '../domain/shipment.ts';
import { allocationSummary, type ReservedUnits } from '../events/inventory-events.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { InventoryStore } from '../ports/inventory-store.ts';
import type { LocationRepository } from '../ports/location-repository.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import type { ShipmentRepository } from '../ports/shipment-repository.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';
import { makeAllocateOrder } from './allocate-order.ts';
import { orderEvent, orderReleasedEvent, shipmentRequestEvent } from './fulfilment-events.ts';
import {
  assertNotCancelled,
  changeOrder,
  isLineDone,
  progressChange,
  WORKFLOW_ACTOR,
  withoutFailure,
} from './fulfilment-order.ts';
import { releaseActiveReservations, releaseUnneededReservations } from './release-reservations.ts';

export interface FulfilmentPolicy {
  /** Orders carrying one of these tags wait ON_HOLD for a release before they are sourced. */
  holdTags: readonly string[];
  /** Re-sourcing rounds after rejections or timeouts before the lines are backordered. */
  maxResourceAttempts: number;
  /** SLA given to a location in ShipmentRequested / DropShipRequested. */
  shipmentSlaHours: number;
}

export const DEFAULT_FULFILMENT_POLICY: FulfilmentPolicy = {
  holdTags: ['review', 'fraud-review', 'hold'],
  maxResourceAttempts: 2,
  shipmentSlaHours: 48,
};

/** A shipment the allocate step planned; the Map state requests each one. */
export interface PlannedShipment {
  shipmentId: string;
  locationId: string;
  kind: ShipmentKind;
  toLocationId?: string;
  lines: ShipmentLine[];
}

/** The loop state the workflow carries between rounds. */
export interface FulfilmentLoop {
  round: number;
  resourceAttempts: number;
  excludedLocationIds: string[];
  /**
   * A run started by ops to resume an order whose earlier run ended abnormally
   * (POST /ops/orders/{orderId}/resume): Allocate also hands back the order's live shipments, so this
   * run waits on them again (Request shipment adopts each one: a fresh token, no second request).
   */
  resume?: boolean;
}

export interface ShipmentOutcome {
  outcome: 'shipped' | 'failed';
  shipmentId: string;
  locationId: string;
}

export type NextStep = 'resource' | 'backorder' | 'complete' | 'cancelled';

/** A safety net against a definition bug looping forever; no real order needs this many rounds. */
const MAX_ROUNDS = 25;

/**
 * The order went ON_HOLD after the hold check (before Allocate, or after it but before a shipment was
 * released): the workflow waits for release-hold, then allocates again.
 */
const onHold = (orderId: string) =>
  new WorkflowError(WORKFLOW_ERRORS.orderOnHold, `Order ${orderId} is on hold; waiting for its release`);

const pair = (lineId: string, locationId: string) => `${lineId}\u0000${locationId}`;

/**
 * The fulfilment workflow's steps, one function per Task state. Each is idempotent (a retried
 * step, or one that ran before a crash, changes nothing twice) and raises `OrderCancelled` as soon
 * as it sees the order cancelled, which the state machine routes to its Cancelled end.
 */
export function makeFulfilmentSteps(deps: {
  orders: OrderRepository;
  inventory: InventoryStore;
  locations: LocationRepository;
  shipments: ShipmentRepository;
  clock: Clock;
  ids: IdGenerator;
  policy?: Partial<FulfilmentPolicy>;
  /** To answer its own hold token when the release came first. */
  engine?: WorkflowEngine;
}) {
  const policy: FulfilmentPolicy = { ...DEFAULT_FULFILMENT_POLICY, ...deps.policy };
  const allocateOrder = makeAllocateOrder(deps);
  const base = (correlationId: string) => ({
    eventId: deps.ids.eventId(),
    occurredAt: deps.clock.now().toISOString(),
    correlationId,
  });

  async function currentOrder(orderId: string): Promise<Order> {
    const order = await deps.orders.get(orderId);
    if (!order) throw notFound('Order', orderId);
    return assertNotCancelled(order);
  }

  /**
   * The planned shipment without the units cancelled (per line) after Allocate planned it: each line
   * keeps at most `quantity − cancelled −` the units other shipments hold or shipped. A shipment
   * already written (a retried step) is left as it is.
   */
  async function withoutCancelledUnits(order: Order, planned: PlannedShipment): Promise<PlannedShipment> {
    const all = await deps.shipments.listByOrder(order.orderId);
    if (all.some((s) => s.shipmentId === planned.shipmentId)) return planned;
    const elsewhere = new Map<string, number>();
    for (const s of all) {
      if (!LIVE_SHIPMENT_STATUSES.includes(s.status) && !locationDone(s.status)) continue;
      for (const l of s.lines) elsewhere.set(l.lineId, (elsewhere.get(l.lineId) ?? 0) + l.quantity);
    }
    const byId = new Map(order.lines.map((l) => [l.lineId, l]));
    const lines = planned.lines
      .map((l) => {
        const line = byId.get(l.lineId);
        if (!line) return l;
        const allowed = line.quantity - line.quantities.cancelled - (elsewhere.get(l.lineId) ?? 0);
        return { ...l, quantity: Math.min(l.quantity, Math.max(0, allowed)) };
      })
      .filter((l) => l.quantity > 0);
    return { ...planned, lines };
  }

  /**
   * Lines and status brought up to date with the shipments. The partner's report already did this;
   * here it heals a report whose order write was lost (a crash between the two) and settles the
   * status after units were cancelled (the rest shipped: SHIPPED).
   */
  async function syncProgress(orderId: string, correlationId: string): Promise<Order> {
    const shipments = await deps.shipments.listByOrder(orderId);
    return changeOrder(deps, orderId, (order) => {
      const change = progressChange(order, shipments, {
        by: WORKFLOW_ACTOR,
        nextEvent: () => base(correlationId),
      });
      // A run that gets this far after a recorded failure (a re-drive) clears it.
      if (order.fulfilmentFailure !== undefined) {
        return change === undefined
          ? { order: withoutFailure(order) }
          : { ...change, order: withoutFailure(change.order) };
      }
      return change;
    });
  }

  /**
   * A retried Request shipment step (its first run's response was lost, or a re-drive) swapped in
   * its token after the partner already answered on the old one: the answer is repeated on the new
   * token here, so the run does not wait for the SLA timeout.
   */
  async function answerIfSettled(shipmentId: string, taskToken: string): Promise<void> {
    const stored = await deps.shipments.get(shipmentId);
    if (!stored || !deps.engine) return;
    if (locationDone(stored.status)) {
      await deps.engine.sendTaskSuccess(taskToken, { shipmentId, status: stored.status });
    } else if (stored.status === 'REJECTED' || stored.status === 'TIMED_OUT' || stored.status === 'FAILED') {
      await deps.engine.sendTaskFailure(
        taskToken,
        WORKFLOW_ERRORS.shipmentRejected,
        `${stored.locationId} ${stored.status === 'REJECTED' ? 'rejected' : `left ${stored.status}`} ${shipmentId}: ${stored.reason ?? 'no reason'}`,
      );
    }
  }

  /**
   * Lines fulfilment still has to do something about: not shipped, collected, cancelled or returned,
   * and not waiting whole at a pickup counter (a READY_FOR_PICKUP shipment is the store's part done;
   * collection or the not-collected sweep settles it later, outside the run).
   */
  async function openLines(order: Order): Promise<Order['lines']> {
    const ready = new Map<string, number>();
    for (const s of await deps.shipments.listByOrder(order.orderId)) {
      if (s.status !== 'READY_FOR_PICKUP') continue;
      for (const l of s.lines) ready.set(l.lineId, (ready.get(l.lineId) ?? 0) + l.quantity);
    }
    return order.lines.filter(
      (l) =>
        !isLineDone(l) &&
        l.quantities.shipped + (ready.get(l.lineId) ?? 0) < l.quantity - l.quantities.cancelled,
    );
  }

  /** A re-driven (or restarted) execution is going on: the failure marker no longer applies. */
  async function clearFailure(orderId: string): Promise<void> {
    await changeOrder(deps, orderId, (order) =>
      order.fulfilmentFailure === undefined ? undefined : { order: withoutFailure(order) },
    );
  }

  /**
   * The hold check: a re-driven run's failure marker is cleared; an order ON_HOLD is on hold; a
   * CREATED order carrying a hold tag (never held before) goes ON_HOLD (OrderOnHold).
   */
  async function holdCheck(input: { orderId: string; correlationId: string }): Promise<{ onHold: boolean }> {
    let order = await currentOrder(input.orderId);
    if (order.fulfilmentFailure !== undefined) {
      await clearFailure(input.orderId);
      order = await currentOrder(input.orderId);
    }
    if (order.status === 'ON_HOLD') return { onHold: true };
    const tag = order.tags.find((t) => policy.holdTags.includes(t));
    // An order held and released before (by ops, or for this tag) is not held again for its tag.
    if (order.status !== 'CREATED' || tag === undefined || order.hold !== undefined) return { onHold: false };
    await changeOrder(deps, order.orderId, (current) => {
      if (current.status !== 'CREATED' || current.hold !== undefined) return undefined;
      assertTransition(current.status, 'ON_HOLD');
      const event = orderEvent('OrderOnHold', base(input.correlationId), current, {
        orderId: current.orderId,
        reason: 'fraud-review',
        note: `tagged ${tag}`,
        previousStatus: current.status,
        by: WORKFLOW_ACTOR,
      });
      return {
        order: {
          ...current,
          status: 'ON_HOLD',
          hold: {
            previousStatus: current.status,
            reason: 'fraud-review',
            note: `tagged ${tag}`,
            at: deps.clock.now().toISOString(),
            by: WORKFLOW_ACTOR,
          },
        },
        history: [
          {
            from: current.status,
            to: 'ON_HOLD',
            by: WORKFLOW_ACTOR,
            reason: `tagged ${tag}`,
            eventId: event.eventId,
          },
        ],
        events: [event],
      };
    });
    return { onHold: true };
  }

  return {
    /**
     * Orders tagged for review go ON_HOLD (OrderOnHold) and wait for a release. Allocate does this
     * check itself now; the step stays for executions started on a definition that had the state.
     */
    checkHold: holdCheck,

    /**
     * Stores the token the workflow waits on while the order is ON_HOLD. A release that landed before
     * the token was stored found nothing to signal: seen here (re-read after the write), the step
     * answers its own token.
     */
    async awaitRelease(input: { orderId: string; taskToken: string }): Promise<{ waiting: boolean }> {
      await currentOrder(input.orderId);
      await deps.shipments.putWaiter({
        orderId: input.orderId,
        kind: 'hold',
        taskToken: input.taskToken,
        skus: [],
        createdAt: deps.clock.now().toISOString(),
      });
      const after = await currentOrder(input.orderId);
      if (after.status !== 'ON_HOLD' && deps.engine) {
        await deps.engine.sendTaskSuccess(input.taskToken, { released: true });
        return { waiting: false };
      }
      return { waiting: true };
    },

    /**
     * Sources and reserves the order's open lines (the allocate use case) and plans one shipment per
     * location for the reserved units no live shipment covers yet. After `maxResourceAttempts`
     * re-sourcing rounds every location is excluded, so what is left is backordered.
     */
    async allocate(input: {
      orderId: string;
      correlationId: string;
      loop: FulfilmentLoop;
    }): Promise<{ shipments: PlannedShipment[]; backorderedUnits: number; status: OrderStatus }> {
      // The hold check is folded in (fewer state transitions): a re-driven run's failure marker is
      // cleared, a hold tag puts a CREATED order ON_HOLD, and a held order waits for its release.
      if ((await holdCheck(input)).onHold) throw onHold(input.orderId);
      const order = await currentOrder(input.orderId);
      if (order.status === 'ON_HOLD') throw onHold(order.orderId);
      const locations = await deps.locations.all();
      const exhausted = input.loop.resourceAttempts > policy.maxResourceAttempts;
      const excludedLocationIds = exhausted
        ? locations.map((l) => l.locationId)
        : input.loop.excludedLocationIds;
      let result: Awaited<ReturnType<typeof allocateOrder>>;
      try {
        result = await allocateOrder({
          orderId: order.orderId,
          body: excludedLocationIds.length ? { excludedLocationIds: excludedLocationIds.slice(0, 100) } : {},
          correlationId: input.correlationId,
          actor: WORKFLOW_ACTOR,
        });
      } catch (error) {
        if (error instanceof DomainError && error.kind === 'conflict') {
          if (error.details.status === 'CANCELLED') {
            throw new WorkflowError(WORKFLOW_ERRORS.orderCancelled, error.message);
          }
          // Held (POST /orders/{id}/hold) while this step ran: the allocation was not written.
          if (error.details.status === 'ON_HOLD') throw onHold(order.orderId);
          if (error.details.status === undefined)
            throw new WorkflowError(WORKFLOW_ERRORS.transient, error.message);
        }
        throw error;
      }
      // A pickup ready at the counter still holds its units (a resumed run adopts it and is answered at once).
      const live = (await deps.shipments.listByOrder(order.orderId)).filter((s) =>
        CANCELLABLE_SHIPMENT_STATUSES.includes(s.status),
      );
      const covered = new Map<string, number>();
      for (const s of live) {
        for (const l of s.lines) {
          const key = pair(l.lineId, s.locationId);
          covered.set(key, (covered.get(key) ?? 0) + l.quantity);
        }
      }
      // Resumed run: the shipments an earlier run released are still out there; wait on them again.
      const adopted: PlannedShipment[] = input.loop.resume
        ? live.map((s) => ({
            shipmentId: s.shipmentId,
            locationId: s.locationId,
            kind: s.kind,
            ...(s.toLocationId === undefined ? {} : { toLocationId: s.toLocationId }),
            lines: s.lines,
          }))
        : [];
      const uncovered: ReservedUnits[] = result.reservations
        .map((r) => ({
          lineId: r.lineId,
          sku: r.sku,
          locationId: r.locationId,
          quantity: r.quantity - (covered.get(pair(r.lineId, r.locationId)) ?? 0),
        }))
        .filter((r) => r.quantity > 0);
      const summary = allocationSummary(
        result.order,
        uncovered,
        new Map(locations.map((l) => [l.locationId, l])),
      );
      const round = input.loop.round;
      const shipments: PlannedShipment[] = [
        ...adopted,
        ...summary.shipments.map((s) => ({
          shipmentId: shipmentIdFor(order.orderId, round, s.locationId, s.kind ?? 'ship'),
          locationId: s.locationId,
          kind: s.kind ?? ('ship' as const),
          ...(s.toLocationId === undefined ? {} : { toLocationId: s.toLocationId }),
          lines: s.lines,
        })),
        ...summary.dropShip.map((d) => ({
          shipmentId: shipmentIdFor(order.orderId, round, d.vendorId, 'drop-ship'),
          locationId: d.vendorId,
          kind: 'drop-ship' as const,
          lines: d.lines,
        })),
      ];
      const backorderedUnits = result.order.lines
        .filter((l) => !isLineDone(l))
        .reduce((sum, l) => sum + l.quantities.backordered, 0);
      return { shipments, backorderedUnits, status: result.order.status };
    },

    /**
     * Releases one planned shipment to its location: the shipment (with the task token the
     * workflow now waits on) and its ShipmentRequested/DropShipRequested in one write; the order
     * and its lines become RELEASED. A retry writes nothing twice; it only swaps in the new token.
     */
    async requestShipment(input: {
      orderId: string;
      correlationId: string;
      round: number;
      shipment: PlannedShipment;
      /** Every shipment Allocate planned this round (the Map's items): listed in OrderReleased. */
      roundShipments?: PlannedShipment[];
      taskToken: string;
    }): Promise<{ shipmentId: string }> {
      const order = await currentOrder(input.orderId);
      // Held (POST /orders/{id}/hold) after Allocate: nothing is released; the run waits for the
      // release, then allocates again. The write below re-checks it atomically.
      if (order.status === 'ON_HOLD') throw onHold(order.orderId);
      const now = deps.clock.now();
      // Units cancelled line by line since Allocate planned the shipment are not requested.
      const planned = await withoutCancelledUnits(order, input.shipment);
      if (planned.lines.length === 0 && deps.engine) {
        // Nothing left to request: the step answers its own token, and Reconcile settles the order.
        await deps.engine.sendTaskSuccess(input.taskToken, { skipped: 'units cancelled' });
        return { shipmentId: planned.shipmentId };
      }
      const shipment: Shipment = {
        shipmentId: planned.shipmentId,
        orderId: order.orderId,
        locationId: planned.locationId,
        kind: planned.kind,
        ...(planned.toLocationId === undefined ? {} : { toLocationId: planned.toLocationId }),
        lines: planned.lines,
        status: 'REQUESTED',
        round: input.round,
        ...shipByOf(order, planned),
        taskToken: input.taskToken,
        processedEventIds: [],
        requestedAt: now.toISOString(),
        updatedAt: now.toISOString(),
        version: 1,
      };
      const sla = new Date(now.getTime() + policy.shipmentSlaHours * 3_600_000).toISOString();
      const written = await deps.shipments.request(shipment, [
        shipmentRequestEvent(base(input.correlationId), order, shipment, sla),
      ]);
      if (written === 'order-on-hold') throw onHold(order.orderId);
      if (written === 'token-replaced') {
        // A retried step, or a resumed run adopting a shipment an earlier run released: the
        // location may have reported while no run waited on it (its token was dead). What it
        // reported is settled here; a live one now reports to this run's token.
        const stored = await deps.shipments.get(shipment.shipmentId);
        if (stored && locationDone(stored.status) && deps.engine) {
          await deps.engine.sendTaskSuccess(input.taskToken, { shipmentId: shipment.shipmentId });
          return { shipmentId: shipment.shipmentId };
        }
        if (stored?.status === 'CANCELLED') {
          throw new WorkflowError(
            WORKFLOW_ERRORS.orderCancelled,
            `Shipment ${shipment.shipmentId} was cancelled`,
          );
        }
        if (stored && !LIVE_SHIPMENT_STATUSES.includes(stored.status)) {
          throw new WorkflowError(
            WORKFLOW_ERRORS.shipmentRejected,
            `${stored.locationId} left ${stored.shipmentId} ${stored.status}: ${stored.reason ?? 'no reason'}`,
          );
        }
      }
      const lineIds = new Set(planned.lines.map((l) => l.lineId));
      // Written after the shipment: a cancellation either sees the shipment (and signals its token)
      // or is seen here.
      await changeOrder(deps, order.orderId, (current) => {
        assertNotCancelled(current);
        const release = current.status === 'ALLOCATED' || current.status === 'PARTIALLY_ALLOCATED';
        const lines = current.lines.map((l) =>
          lineIds.has(l.lineId) && l.status === 'ALLOCATED' ? { ...l, status: 'RELEASED' as const } : l,
        );
        const linesChanged = lines.some((l, i) => l !== current.lines[i]);
        if (!release && !linesChanged) return undefined;
        // The round's first shipment released moves the order to RELEASED: OrderReleased, in the same
        // write, lists what the round releases (this shipment as requested, the others as planned).
        const events = release
          ? [orderReleasedEvent(base(input.correlationId), current, planned, input.roundShipments)]
          : [];
        return {
          order: { ...current, lines, ...(release ? { status: 'RELEASED' as const } : {}) },
          events,
          history: release
            ? [
                {
                  from: current.status,
                  to: 'RELEASED',
                  by: WORKFLOW_ACTOR,
                  reason: `shipment ${shipment.shipmentId} released to ${shipment.locationId}`,
                  ...(events[0] ? { eventId: events[0].eventId } : {}),
                },
              ]
            : [],
        };
      }).catch(async (error: unknown) => {
        if (error instanceof WorkflowError && error.name === WORKFLOW_ERRORS.orderCancelled) {
          const stored = await deps.shipments.get(shipment.shipmentId);
          if (stored && stored.status === 'REQUESTED') {
            const { taskToken: _t, ...rest } = stored;
            await deps.shipments.update(
              { ...rest, status: 'CANCELLED', updatedAt: now.toISOString(), version: stored.version + 1 },
              stored.version,
              [],
            );
          }
        }
        throw error;
      });
      if (written === 'token-replaced') await answerIfSettled(shipment.shipmentId, input.taskToken);
      return { shipmentId: shipment.shipmentId };
    },

    /**
     * The location (or drop-ship vendor) went silent: no accepted report or heartbeat within the
     * heartbeat. The shipment is escalated once: `escalatedAt` and ShipmentOverdue (outbox, same
     * write), its status unchanged so the partner can still accept or ship during the grace period.
     * A shipment that shipped, was rejected or closed meanwhile is left as it is (Wait after
     * escalation sees it); a retry after the write changes nothing.
     */
    async escalateShipment(input: {
      orderId: string;
      correlationId: string;
      shipmentId: string;
      graceSeconds: number;
    }): Promise<{ escalated: boolean; escalatedAt?: string; nextDeadline?: string }> {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const shipment = await deps.shipments.get(input.shipmentId);
        if (!shipment) throw notFound('Shipment', input.shipmentId);
        if (shipment.status === 'CANCELLED') {
          throw new WorkflowError(
            WORKFLOW_ERRORS.orderCancelled,
            `Shipment ${shipment.shipmentId} was cancelled`,
          );
        }
        if (!LIVE_SHIPMENT_STATUSES.includes(shipment.status)) return { escalated: false };
        const order = await currentOrder(input.orderId);
        const deadline = (from: string) =>
          new Date(new Date(from).getTime() + input.graceSeconds * 1000).toISOString();
        if (shipment.escalatedAt !== undefined) {
          return {
            escalated: true,
            escalatedAt: shipment.escalatedAt,
            nextDeadline: deadline(shipment.escalatedAt),
          };
        }
        const escalatedAt = deps.clock.now().toISOString();
        const nextDeadline = deadline(escalatedAt);
        const event = orderEvent('ShipmentOverdue', base(input.correlationId), order, {
          shipmentId: shipment.shipmentId,
          orderId: shipment.orderId,
          locationId: shipment.locationId,
          ...(shipment.kind === 'drop-ship' ? { purchaseOrderId: shipment.shipmentId } : {}),
          kind: shipment.kind,
          lines: shipment.lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity })),
          requestedAt: shipment.requestedAt,
          escalatedAt,
          nextDeadline,
        });
        const outcome = await deps.shipments.update(
          { ...shipment, escalatedAt, updatedAt: escalatedAt, version: shipment.version + 1 },
          shipment.version,
          [event],
        );
        if (outcome === 'updated') return { escalated: true, escalatedAt, nextDeadline };
      }
      throw new WorkflowError(WORKFLOW_ERRORS.transient, `Shipment ${input.shipmentId} changed concurrently`);
    },

    /**
     * Stores the token of the wait after an escalation on the shipment, so the partner's next report
     * (POST /fulfillments/{id}/events reads the token each time) answers it. A report that landed
     * between the first wait's timeout and this write found only a dead token: seen here, the step
     * answers its own token (shipped) or fails (rejected → ShipmentRejected, cancelled →
     * OrderCancelled).
     */
    async awaitEscalatedShipment(input: {
      orderId: string;
      shipmentId: string;
      taskToken: string;
    }): Promise<{ waiting: boolean }> {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const shipment = await deps.shipments.get(input.shipmentId);
        if (!shipment) throw notFound('Shipment', input.shipmentId);
        if (locationDone(shipment.status)) {
          if (!deps.engine) return { waiting: true };
          await deps.engine.sendTaskSuccess(input.taskToken, {
            shipmentId: shipment.shipmentId,
            status: shipment.status,
          });
          return { waiting: false };
        }
        if (shipment.status === 'CANCELLED') {
          throw new WorkflowError(
            WORKFLOW_ERRORS.orderCancelled,
            `Shipment ${shipment.shipmentId} was cancelled`,
          );
        }
        if (!LIVE_SHIPMENT_STATUSES.includes(shipment.status)) {
          throw new WorkflowError(
            WORKFLOW_ERRORS.shipmentRejected,
            `${shipment.locationId} ${shipment.status === 'REJECTED' ? 'rejected' : `left ${shipment.status}`} ${shipment.shipmentId}: ${shipment.reason ?? 'no reason'}`,
          );
        }
        const outcome = await deps.shipments.update(
          {
            ...shipment,
            taskToken: input.taskToken,
            updatedAt: deps.clock.now().toISOString(),
            version: shipment.version + 1,
          },
          shipment.version,
          [],
        );
        if (outcome === 'conflict') continue;
        // A cancellation whose shipment write lost to ours signalled the old token: seen here.
        const order = await deps.orders.get(input.orderId);
        if (order?.status === 'CANCELLED') {
          const stored = await deps.shipments.get(shipment.shipmentId);
          if (stored && LIVE_SHIPMENT_STATUSES.includes(stored.status)) {
            const { taskToken: _t, ...rest } = stored;
            await deps.shipments.update(
              {
                ...rest,
                status: 'CANCELLED',
                reason: 'order cancelled',
                updatedAt: deps.clock.now().toISOString(),
                version: stored.version + 1,
              },
              stored.version,
              [],
            );
          }
          assertNotCancelled(order);
        }
        return { waiting: true };
      }
      throw new WorkflowError(WORKFLOW_ERRORS.transient, `Shipment ${input.shipmentId} changed concurrently`);
    },

    /**
     * A location rejected the shipment or did not answer in time: the shipment is closed and its
     * reservations given back, so the next round re-sources the lines without that location.
     * A shipment that shipped meanwhile (a late callback) counts as shipped.
     */
    async shipmentFailed(input: {
      orderId: string;
      shipmentId: string;
      error: { Error?: string; Cause?: string };
    }): Promise<ShipmentOutcome> {
      const shipment = await deps.shipments.get(input.shipmentId);
      if (!shipment) throw notFound('Shipment', input.shipmentId);
      const result = (outcome: ShipmentOutcome['outcome']): ShipmentOutcome => ({
        outcome,
        shipmentId: shipment.shipmentId,
        locationId: shipment.locationId,
      });
      if (locationDone(shipment.status)) return result('shipped');
      if (LIVE_SHIPMENT_STATUSES.includes(shipment.status)) {
        const { taskToken: _t, ...rest } = shipment;
        const rejected = input.error.Error === WORKFLOW_ERRORS.shipmentRejected;
        const outcome = await deps.shipments.update(
          {
            ...rest,
            status: rejected ? 'REJECTED' : 'TIMED_OUT',
            reason: rejected ? (input.error.Cause ?? 'rejected') : `no answer in time (${input.error.Error})`,
            updatedAt: deps.clock.now().toISOString(),
            version: shipment.version + 1,
          },
          shipment.version,
          [],
        );
        if (outcome === 'conflict') {
          throw new WorkflowError(
            WORKFLOW_ERRORS.transient,
            `Shipment ${shipment.shipmentId} changed concurrently`,
          );
        }
      }
      const lineIds = new Set(shipment.lines.map((l) => l.lineId));
      await releaseActiveReservations(
        deps.inventory,
        deps.clock,
        shipment.orderId,
        (r) => r.locationId === shipment.locationId && lineIds.has(r.lineId),
      );
      return result('failed');
    },

    /** Decides what follows a round: re-source failures, wait for backordered stock, or complete. */
    async reconcile(input: {
      orderId: string;
      /** Absent in executions started by a definition from before it was passed. */
      correlationId?: string;
      loop: FulfilmentLoop;
      results?: ShipmentOutcome[];
    }): Promise<FulfilmentLoop & { next: NextStep }> {
      const stored = await deps.orders.get(input.orderId);
      if (!stored) throw notFound('Order', input.orderId);
      if (stored.status === 'CANCELLED') return { ...input.loop, next: 'cancelled' };
      if (input.loop.round >= MAX_ROUNDS) {
        throw new Error(`Order ${input.orderId} did not settle after ${MAX_ROUNDS} rounds`);
      }
      const order = await syncProgress(input.orderId, input.correlationId ?? `fulfilment-${input.orderId}`);
      if (order.status === 'CANCELLED') return { ...input.loop, next: 'cancelled' };
      const failed = (input.results ?? []).filter((r) => r.outcome === 'failed');
      const nextRound = { ...input.loop, round: input.loop.round + 1 };
      if (failed.length > 0) {
        return {
          round: nextRound.round,
          resourceAttempts: input.loop.resourceAttempts + 1,
          excludedLocationIds: [
            ...new Set([...input.loop.excludedLocationIds, ...failed.map((f) => f.locationId)]),
          ],
          next: 'resource',
        };
      }
      const open = await openLines(order);
      if (open.length === 0) return { ...input.loop, next: 'complete' };
      if (open.some((l) => l.quantities.backordered > 0)) return { ...nextRound, next: 'backorder' };
      return { ...nextRound, next: 'resource' };
    },

    /** Stores the token the workflow waits on until stock arrives or the backorder deadline passes. */
    async awaitStock(input: { orderId: string; taskToken: string }): Promise<{ waiting: boolean }> {
      const order = await currentOrder(input.orderId);
      const backordered = new Map<string, number>();
      for (const l of order.lines) {
        if (l.quantities.backordered > 0 && !isLineDone(l)) {
          backordered.set(l.sku, (backordered.get(l.sku) ?? 0) + l.quantities.backordered);
        }
      }
      // On each SKU's waitlist by order date: InventoryChanged wakes the oldest orders first.
      await deps.shipments.putWaiter({
        orderId: order.orderId,
        kind: 'backorder',
        taskToken: input.taskToken,
        skus: [...backordered.keys()],
        createdAt: deps.clock.now().toISOString(),
        orderedAt: order.createdAt,
        backordered: [...backordered].map(([sku, quantity]) => ({ sku, quantity })),
      });
      // A cancellation (of the order or of the backordered lines) that came before the token was
      // stored found nothing to wake: answer our own token, so the run goes on now, not at the deadline.
      const after = await deps.orders.get(input.orderId);
      if (after?.status === 'CANCELLED') {
        await deps.shipments.deleteWaiter(input.orderId, 'backorder', input.taskToken);
        assertNotCancelled(after); // ends the run in Cancelled
      }
      const stillWaiting = after?.lines.some((l) => l.quantities.backordered > 0 && !isLineDone(l));
      if (!stillWaiting && deps.engine) {
        await deps.engine.sendTaskSuccess(input.taskToken, { wokenBy: 'cancellation' });
        await deps.shipments.deleteWaiter(input.orderId, 'backorder', input.taskToken);
        return { waiting: false };
      }
      return { waiting: true };
    },

    /**
     * The backorder deadline passed: the backordered units are cancelled (OrderLinesCancelled) and
     * refunded (RefundRequested). An order with nothing left becomes CANCELLED.
     */
    async cancelBackorderedLines(input: { orderId: string; correlationId: string }): Promise<{
      cancelledUnits: number;
    }> {
      await deps.shipments.deleteWaiter(input.orderId, 'backorder');
      let cancelledUnits = 0;
      await changeOrder(deps, input.orderId, (current) => {
        assertNotCancelled(current);
        const cancelledNow: { lineId: string; sku: string; quantity: number; amount: number }[] = [];
        const lines = current.lines.map((l) => {
          const units = isLineDone(l) ? 0 : l.quantities.backordered;
          if (units === 0) return l;
          cancelledNow.push({ lineId: l.lineId, sku: l.sku, quantity: units, amount: units * l.unitPrice });
          const cancelled = l.quantities.cancelled + units;
          return {
            ...l,
            status: cancelled >= l.quantity ? ('CANCELLED' as const) : l.status,
            quantities: { ...l.quantities, backordered: 0, cancelled },
          };
        });
        if (cancelledNow.length === 0) return undefined;
        cancelledUnits = cancelledNow.reduce((s, l) => s + l.quantity, 0);
        const allCancelled = lines.every((l) => l.status === 'CANCELLED');
        const open = lines.filter((l) => !isLineDone(l));
        let status: OrderStatus = current.status;
        if (allCancelled) status = 'CANCELLED';
        else if (
          (current.status === 'PARTIALLY_ALLOCATED' || current.status === 'BACKORDERED') &&
          open.length > 0 &&
          open.every((l) => l.quantities.backordered === 0)
        ) {
          status = 'ALLOCATED';
        }
        if (status !== current.status) assertTransition(current.status, status);
        const amount = cancelledNow.reduce((s, l) => s + l.amount, 0);
        const b = base('backorder-deadline');
        // The wait for stock timed out now: that moment is the deadline that passed.
        const deadlinePassed = orderEvent('BackorderDeadlinePassed', b, current, {
          orderId: current.orderId,
          deadline: b.occurredAt,
          lines: cancelledNow.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity })),
        });
        const linesCancelled = orderEvent(
          'OrderLinesCancelled',
          { ...b, eventId: deps.ids.eventId() },
          current,
          {
            orderId: current.orderId,
            reason: 'backorder-deadline-passed',
            lines: cancelledNow.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity })),
            status,
          },
        );
        const events = [deadlinePassed, linesCancelled];
        const refund =
          amount > 0
            ? orderEvent('RefundRequested', { ...b, eventId: deps.ids.eventId() }, current, {
                refundId: `rf_${linesCancelled.eventId}`,
                orderId: current.orderId,
                amount,
                currency: current.currency,
                reason: allCancelled ? 'cancellation' : 'partial-cancellation',
                lines: cancelledNow,
              })
            : undefined;
        return {
          order: {
            ...current,
            lines,
            status,
            ...(allCancelled
              ? {
                  cancellation: {
                    reason: 'backorder-deadline-passed',
                    at: deps.clock.now().toISOString(),
                    by: WORKFLOW_ACTOR,
                  },
                }
              : {}),
          },
          history: [
            {
              from: current.status,
              to: status,
              by: WORKFLOW_ACTOR,
              reason: `backorder deadline passed: ${cancelledUnits} unit(s) cancelled`,
              eventId: linesCancelled.eventId,
            },
          ],
          events: refund ? [...events, refund] : events,
        };
      });
      return { cancelledUnits };
    },

    /**
     * Every line is shipped, collected, cancelled or ready at a pickup counter: fulfilment's part is
     * done and the run ends. The order's status follows its units (SHIPPED, PARTIALLY_DELIVERED, or
     * COMPLETED when everything was already delivered or collected; RELEASED while a pickup waits at
     * the counter); later delivery or picked-up reports move it on from there, orders whose carrier
     * never reports delivery are closed by the delivery-window policy, and pickups not collected by
     * their pickupBy by the not-collected sweep (shared/usecases/expire-pickups.ts).
     */
    async complete(input: { orderId: string; correlationId: string }): Promise<{ status: OrderStatus }> {
      const order = await syncProgress(input.orderId, input.correlationId);
      assertNotCancelled(order);
      if ((await openLines(order)).length > 0) {
        throw new Error(`Order ${order.orderId} still has open lines and cannot be settled`);
      }
      return { status: order.status };
    },

    /**
     * The compensation path of a step that failed beyond its retries. The order is left as it
     * stands, resumable from its stored state: its status, its lines, and the stock they claim (only
     * units it no longer needs, e.g. of lines cancelled meanwhile, go back), live shipments stay
     * live (the partner may still ship them; a re-driven execution waits on them again). It gets an
     * explicit marker, `fulfilmentFailure` (error, cause, when), and a history entry naming what ops
     * can do: re-drive the execution, or cancel the order (which releases its stock). A cancelled
     * order gives back whatever is still reserved, as the cancellation does. Repeating it changes
     * nothing twice.
     */
    async compensate(input: {
      orderId: string;
      error?: { Error?: string; Cause?: string };
    }): Promise<{ released: number; held: number; status: OrderStatus }> {
      const order = await deps.orders.get(input.orderId);
      if (!order) throw notFound('Order', input.orderId);
      const units = (list: readonly { quantity: number }[]) => list.reduce((s, r) => s + r.quantity, 0);
      if (order.status === 'CANCELLED') {
        const released = await releaseActiveReservations(deps.inventory, deps.clock, input.orderId);
        return { released: units(released), held: 0, status: order.status };
      }
      const live = (await deps.shipments.listByOrder(order.orderId)).filter((s) =>
        CANCELLABLE_SHIPMENT_STATUSES.includes(s.status),
      );
      const released = await releaseUnneededReservations(deps.inventory, deps.clock, order, live);
      const held = units(
        (await deps.inventory.listReservations(order.orderId)).filter((r) => r.quantity > 0),
      );
      const error = input.error?.Error ?? 'Error';
      const cause = (input.error?.Cause ?? '').slice(0, 500);
      const stored = await changeOrder(deps, input.orderId, (current, now) => {
        if (current.status === 'CANCELLED') return undefined;
        if (current.fulfilmentFailure?.error === error && current.fulfilmentFailure.cause === cause) {
          return undefined; // a retried compensation
        }
        return {
          order: { ...current, fulfilmentFailure: { at: now, error, cause } },
          history: [
            {
              from: current.status,
              to: current.status,
              by: WORKFLOW_ACTOR,
              reason: `fulfilment failed: ${error}: ${cause.slice(0, 300)}; the order stays ${current.status} with ${held} unit(s) reserved for it${live.length ? ` and ${live.length} shipment(s) released to locations` : ''}; ops action needed: re-drive the execution, or cancel the order`,
            },
          ],
        };
      });
      return { released: units(released), held, status: stored.status };
    },
  };
}

export type FulfilmentSteps = ReturnType<typeof makeFulfilmentSteps>;

/** The ship-by the order's promise holds the location to (ship and drop-ship only). */
function shipByOf(
  order: Order,
  planned: { locationId: string; kind: Shipment['kind'] },
): { shipBy?: string } {
  if (planned.kind !== 'ship' && planned.kind !== 'drop-ship') return {};
  const promise = order.promise?.locations.find((p) => p.locationId === planned.locationId);
  return promise === undefined ? {} : { shipBy: promise.shipBy };
}
