/** What the console reads from the API (the fields it shows; responses may carry more). */

// The same lists the API validates against (pure modules, bundled into the console as they are).
export { CANCEL_REASONS } from '../../shared/domain/cancel-reasons.ts';
export { ORDER_STATUSES } from '../../shared/domain/order-status.ts';

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface Actor {
  type: string;
  id: string;
}

export interface OrderLine {
  lineId: string;
  sku: string;
  quantity: number;
  unitPrice: number;
  description?: string;
  status: string;
  quantities: Record<string, number>;
}

export interface StatusChange {
  at: string;
  from: string | null;
  to: string;
  by: Actor;
  reason: string;
  note?: string;
}

export interface Order {
  orderId: string;
  channel: string;
  externalId?: string;
  customer: { customerId: string; email?: string; name?: string };
  currency: string;
  lines: OrderLine[];
  delivery: { method: string; service?: string; locationId?: string; address?: Record<string, unknown> };
  status: string;
  totals: { subtotal: number; units: number };
  cancellation?: { reason: string; at: string; by: Actor };
  tags: string[];
  createdAt: string;
  updatedAt: string;
  version: number;
  history?: StatusChange[];
  /** Exposed once fulfilment adds them to the order view. */
  shipments?: Record<string, unknown>[];
  reservations?: Record<string, unknown>[];
}

export interface EventEnvelope {
  eventId: string;
  type: string;
  version: number;
  occurredAt: string;
  orderId?: string;
  channel?: string;
  correlationId: string;
  data: Record<string, unknown>;
}

export interface Reservation {
  lineId: string;
  sku: string;
  locationId: string;
  quantity: number;
  consumed: number;
  released: number;
  createdAt: string;
  updatedAt: string;
}

export interface OrderActivity {
  orderId: string;
  events: EventEnvelope[];
  reservations: Reservation[];
}

export interface ExecutionSummary {
  name: string;
  stateMachine: string;
  executionArn: string;
  status: string;
  startDate: string;
  stopDate?: string;
}

export interface ExecutionStep {
  name: string;
  type: string;
  outcome: 'running' | 'succeeded' | 'failed';
  enteredAt: string;
  exitedAt?: string;
  input?: unknown;
  output?: unknown;
  attempts?: number;
  failures: { type: string; at: string; error?: string; cause?: string }[];
}

export interface ExecutionDetail extends ExecutionSummary {
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  steps: ExecutionStep[];
  events: { id: number; type: string; timestamp: string; details?: Record<string, unknown> }[];
}

/** `GET /ops/orders/stalled`: an unsettled order with no live fulfilment run. */
export interface StalledOrder {
  orderId: string;
  status: string;
  createdAt: string;
  reservedUnits: number;
  /** Absent when no run ever started. */
  lastRun?: { execution: string; status: string; error?: string; stopDate?: string };
}

/** `POST /ops/orders/{orderId}/resume`: 202 `started` (a new run) or 200 `running` (one is live). */
export interface ResumeOutcome {
  orderId: string;
  outcome: 'started' | 'running';
  execution: string;
  previous?: { execution: string; status: string; error?: string; cause?: string };
}
