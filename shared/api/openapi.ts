import { z } from 'zod';
import { LocationSchema, PutLocationRequestSchema } from '../domain/location.ts';
import { OrderSchema, PlaceOrderRequestSchema, StatusChangeSchema } from '../domain/order.ts';
import { CreateReturnRequestSchema, ReturnEventRequestSchema, RmaViewSchema } from '../domain/return.ts';
import { FulfillmentEventRequestSchema, ShipmentViewSchema } from '../domain/shipment.ts';
import { AdjustInventoryRequestSchema } from '../usecases/adjust-inventory.ts';
import { AllocateOrderRequestSchema } from '../usecases/allocate-order.ts';
import { CancelOrderRequestSchema } from '../usecases/cancel-order.ts';
import { LocationViewSchema } from '../usecases/get-location.ts';
import { OrderActivitySchema, StateMachineViewSchema } from '../usecases/get-order-activity.ts';
import { HoldInventoryRequestSchema } from '../usecases/hold-inventory.ts';
import { HoldOrderRequestSchema } from '../usecases/hold-order.ts';
import { ReleaseOrderHoldRequestSchema } from '../usecases/release-order-hold.ts';
import {
  ReconcileReportSchema,
  ReconcileRequestSchema,
  ResumeOutcomeSchema,
  StalledOrderSchema,
} from '../usecases/resume-fulfilment.ts';
import { SyncInventoryRequestSchema } from '../usecases/sync-inventory.ts';
import { ExecutionDetailSchema, ExecutionSummarySchema } from '../usecases/workflow-executions.ts';
import { accessOf, type RouteAccess, scopeLabel } from './route-access.ts';

/**
 * The OpenAPI 3.1 description of the REST API, generated from the same zod schemas the handlers
 * validate with, so the document cannot drift from the code. Served at GET /openapi.json.
 */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int().optional(),
  detail: z.string(),
  instance: z.string().optional(),
  requestId: z.string().optional(),
  errors: z
    .array(z.object({ pointer: z.string(), field: z.string(), message: z.string() }))
    .optional()
    .describe('One entry per bad field'),
});

export const OrderViewSchema = OrderSchema.extend({ history: z.array(StatusChangeSchema) });
const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional() });

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  summary: string;
  request?: z.ZodType;
  /** Absent when the response is described only loosely (an object). */
  response?: z.ZodType;
  success: number[];
  errors: number[];
  requiredHeaders?: string[];
  /** Headers the route honours when sent (e.g. an Idempotency-Key that is required only sometimes). */
  optionalHeaders?: { name: string; description: string }[];
  /** Longer text than the summary (CommonMark). */
  description?: string;
  query?: string[];
  apiKey?: boolean;
}

export const API_ROUTES: ApiRoute[] = [
  {
    method: 'POST',
    path: '/orders',
    summary: 'Capture an order, exactly once per Idempotency-Key',
    request: PlaceOrderRequestSchema,
    response: OrderSchema,
    success: [200, 201],
    errors: [400, 403, 409, 413, 415, 422, 429],
    requiredHeaders: ['Idempotency-Key'],
  },
  {
    method: 'GET',
    path: '/orders',
    summary: 'List orders by customer, status or channel, newest first',
    response: page(OrderSchema),
    success: [200],
    errors: [400, 403, 429],
    query: ['customerId', 'status', 'channel', 'createdFrom', 'createdTo', 'limit', 'cursor'],
  },
  {
    method: 'GET',
    path: '/orders/{orderId}',
    summary: 'Read an order with its status history',
    response: OrderViewSchema,
    success: [200],
    errors: [403, 404, 429],
  },
  {
    method: 'POST',
    path: '/orders/{orderId}/cancel',
    summary: 'Cancel an order before shipment, or (with `lines`) only some units of some lines',
    description:
      'Without `lines` the whole order is cancelled (refused with 409 once a shipment shipped): OrderCancelled, reservations released, in-flight shipments cancelled, the fulfilment execution ends in Cancelled. Repeating it returns the cancelled order.\n\n' +
      'With `lines` only those units are cancelled: backordered units, units reserved but not yet released to a location, and the units of an order not yet sourced. Units in a requested or accepted shipment are refused with 409 (the problem names the location and shipment): cancel the whole order instead, or wait for the location to reject. The cancelled units are recorded with OrderLinesCancelled and RefundRequested, their reservations are given back, and an execution waiting for stock that is no longer needed goes on at once. Cancelling every remaining unit this way is a whole-order cancellation.\n\n' +
      'Retries: a line without `quantity` means every cancellable unit, so a repeat finds nothing left and changes nothing. A line with `quantity` requires an `Idempotency-Key`; the key is recorded with the change, a retry with the same key returns the order without cancelling again, and the same key with a different request is a 422.',
    request: CancelOrderRequestSchema,
    response: OrderSchema,
    success: [200],
    errors: [400, 403, 404, 409, 422, 429],
    optionalHeaders: [
      {
        name: 'Idempotency-Key',
        description: 'Required when a line has a quantity; a retry with the same key cancels nothing twice',
      },
    ],
  },
  {
    method: 'POST',
    path: '/orders/{orderId}/allocate',
    summary: 'Source and reserve the open lines of an order',
    request: AllocateOrderRequestSchema,
    success: [200],
    errors: [400, 403, 404, 409, 429],
  },
  {
    method: 'POST',
    path: '/orders/{orderId}/hold',
    summary:
      'Put an order not yet released to a location on hold (CREATED, ALLOCATED, PARTIALLY_ALLOCATED or BACKORDERED → ON_HOLD, OrderOnHold with previousStatus; `hold.previousStatus` records it) with a reason; its reservations stay, and no shipment is requested (a held backordered order is not woken by arriving stock) until release-hold. Repeating it changes nothing; an order with a shipment out (RELEASED or later) or a terminal one is 409 saying why',
    request: HoldOrderRequestSchema,
    response: OrderSchema,
    success: [200],
    errors: [400, 403, 404, 409, 429],
  },
  {
    method: 'POST',
    path: '/orders/{orderId}/release-hold',
    summary:
      'Release an order ON_HOLD back to the status it was held from (`hold.previousStatus`: CREATED, ALLOCATED, PARTIALLY_ALLOCATED or BACKORDERED; OrderReleasedFromHold); its fulfilment workflow allocates again and releases (a backordered one is woken)',
    request: ReleaseOrderHoldRequestSchema,
    response: OrderSchema,
    success: [200],
    errors: [400, 403, 404, 409, 429],
  },
  {
    method: 'POST',
    path: '/fulfillments/{shipmentId}/events',
    summary:
      'A fulfilment partner reports on a shipment released to its location: accepted, shipped (with tracking), delivered or rejected; for a pickup shipment ready-for-pickup (sets pickupBy) and picked-up (whole shipment only: a partial lines list is 409); idempotent on eventId',
    request: FulfillmentEventRequestSchema,
    response: ShipmentViewSchema,
    success: [200],
    errors: [400, 403, 404, 409, 429],
  },
  {
    method: 'GET',
    path: '/orders/{orderId}/shipments',
    summary: "An order's shipments (a fulfilment partner: only those released to its locations)",
    description:
      'The channel that owns the order sees every shipment (with status and tracking); a fulfilment partner key sees only the shipments released to its locations, and an order with none of them is a 404. Cursor-paginated by shipment id.',
    response: page(ShipmentViewSchema),
    success: [200],
    errors: [400, 403, 404, 429],
    query: ['limit', 'cursor'],
  },
  {
    method: 'GET',
    path: '/fulfillments',
    summary: 'Open shipments (REQUESTED or ACCEPTED) at the partner’s locations, oldest request first',
    description:
      'What a partner still has to ship, to catch up after missed ShipmentRequested/DropShipRequested webhooks. `status=open` (the default) lists REQUESTED and ACCEPTED shipments; `locationId` narrows to one of the key’s locations (required with an admin key). Cursor-paginated.',
    response: page(ShipmentViewSchema),
    success: [200],
    errors: [400, 403, 429],
    query: ['status', 'locationId', 'limit', 'cursor'],
  },
  {
    method: 'PUT',
    path: '/locations/{locationId}',
    summary: 'Create or replace a location',
    request: PutLocationRequestSchema,
    response: LocationSchema,
    success: [200, 201],
    errors: [400, 403, 429],
  },
  {
    method: 'GET',
    path: '/locations/{locationId}',
    summary: 'Read a location, with its capacity used and remaining today',
    response: LocationViewSchema,
    success: [200],
    errors: [403, 404, 429],
  },
  {
    method: 'GET',
    path: '/locations',
    summary: 'List locations',
    response: page(LocationSchema),
    success: [200],
    errors: [400, 403, 429],
    query: ['type', 'status', 'capability', 'limit', 'cursor'],
  },
  {
    method: 'PUT',
    path: '/inventory/{sku}/{locationId}',
    summary: 'Absolute on-hand sync from a WMS/POS, ordered by sequence',
    request: SyncInventoryRequestSchema,
    success: [200],
    errors: [400, 403, 404, 409, 429],
  },
  {
    method: 'POST',
    path: '/inventory/adjustments',
    summary: 'Apply inventory deltas with reasons, all or nothing',
    request: AdjustInventoryRequestSchema,
    success: [200],
    errors: [400, 403, 404, 409, 422, 429],
  },
  {
    method: 'GET',
    path: '/inventory/{sku}',
    summary: 'The network view of a SKU',
    success: [200],
    errors: [400, 403, 404, 429],
  },
  {
    method: 'GET',
    path: '/availability',
    summary: 'Available-to-sell per SKU, pickup stores nearby, and delivery promises per service level',
    description:
      'With `country` (and `postalCode`, `lat`/`lon` for distance bands) each SKU gets `delivery`: per service level (`serviceLevel` limits it to one) the earliest promise — `shipDate`, `shipBy`, `promisedBy`, `transitDays`, `locationId` — of an active shipping location holding `quantity` units (default 1). Levels no location can meet are left out. See docs/inventory.md, "Delivery promise".',
    success: [200],
    errors: [400, 403, 429],
    query: ['sku', 'lat', 'lon', 'postalCode', 'stores', 'radiusKm', 'country', 'quantity', 'serviceLevel'],
  },
  {
    method: 'POST',
    path: '/reservations',
    summary: 'Hold stock for a cart, with a TTL',
    request: HoldInventoryRequestSchema,
    success: [200, 201],
    errors: [400, 403, 409, 429],
  },
  {
    method: 'DELETE',
    path: '/reservations/{holdId}',
    summary: 'Release a hold',
    success: [200],
    errors: [403, 404, 429],
  },
  {
    method: 'GET',
    path: '/ops/executions',
    summary: 'Workflow executions (one per order for fulfilment), newest first per state machine',
    response: page(ExecutionSummarySchema),
    success: [200],
    errors: [400, 403, 429],
    query: ['status', 'stateMachine', 'limit', 'cursor'],
  },
  {
    method: 'GET',
    path: '/ops/executions/{name}',
    summary: 'One workflow execution by name (e.g. the order id) with its history, state by state',
    response: ExecutionDetailSchema,
    success: [200],
    errors: [400, 403, 404, 429],
    query: ['stateMachine'],
  },
  {
    method: 'POST',
    path: '/ops/orders/{orderId}/resume',
    summary:
      'Resume the fulfilment of an order whose run ended abnormally: a new run <orderId>-r<n> from its stored state (idempotent)',
    response: ResumeOutcomeSchema,
    success: [200, 202],
    errors: [403, 404, 409, 429],
  },
  {
    method: 'GET',
    path: '/ops/orders/stalled',
    summary: 'Unsettled orders with no live fulfilment run, and the units they still reserve',
    response: z.object({ items: z.array(StalledOrderSchema) }),
    success: [200],
    errors: [400, 403, 429],
    query: ['limit', 'olderThanSeconds'],
  },
  {
    method: 'POST',
    path: '/ops/orders/reconcile',
    summary: 'Resume, release the reservations of, or only report every stalled order; says what it did',
    request: ReconcileRequestSchema,
    response: ReconcileReportSchema,
    success: [200],
    errors: [400, 403, 429],
  },
  {
    method: 'GET',
    path: '/ops/orders/{orderId}/events',
    summary: 'The events an order announced (its outbox) and its reservations, for the ops console',
    response: OrderActivitySchema,
    success: [200],
    errors: [403, 404, 429],
  },
  {
    method: 'GET',
    path: '/ops/state-machines/{name}',
    summary: 'A state machine of this deployment with its definition (ASL), for the ops console diagram',
    response: StateMachineViewSchema,
    success: [200],
    errors: [403, 404, 429],
  },
  {
    method: 'POST',
    path: '/orders/{orderId}/returns',
    summary:
      'Authorise a return (RMA) of shipped units, by mail to a returns warehouse or in a store; exactly once per Idempotency-Key',
    request: CreateReturnRequestSchema,
    response: RmaViewSchema,
    success: [200, 201],
    errors: [400, 403, 404, 409, 413, 415, 422, 429],
    requiredHeaders: ['Idempotency-Key'],
  },
  {
    method: 'GET',
    path: '/returns/{rmaId}',
    summary: 'Read a return (RMA) with its status, received and restocked units and refund',
    response: RmaViewSchema,
    success: [200],
    errors: [403, 404, 429],
  },
  {
    method: 'POST',
    path: '/returns/{rmaId}/events',
    summary:
      'The return location reports receipt with a per-line inspection (restock or dispose); the payment service reports the refund issued or failed; idempotent on eventId',
    request: ReturnEventRequestSchema,
    response: RmaViewSchema,
    success: [200, 202],
    errors: [400, 403, 404, 409, 413, 415, 429],
  },
  {
    method: 'GET',
    path: '/openapi.json',
    summary: 'This document',
    success: [200],
    errors: [],
    apiKey: false,
  },
];

type JsonSchema = Record<string, unknown>;

/** Response schemas allow new fields (additive changes keep clients working); requests stay strict. */
function openForAdditions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(openForAdditions);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'additionalProperties' && value === false) continue;
    out[key] = openForAdditions(value);
  }
  return out;
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return io === 'output' ? (openForAdditions(rest) as JsonSchema) : rest;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  400: 'The request is not valid; `errors` names each bad field',
  403: 'Missing or invalid API key, or the key lacks the scope',
  404: 'Not found (another channel’s resources read as not found)',
  409: 'Conflict with the current state',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Idempotency-Key reused with a different request',
  429: 'Throttled or over quota (per-key usage plan)',
};

export function openApiDocument(options: { serverUrl?: string } = {}): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of API_ROUTES) {
    const parameters = [
      ...[...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...(route.requiredHeaders ?? []).map((name) => ({
        name,
        in: 'header',
        required: true,
        schema: { type: 'string', maxLength: 255 },
      })),
      ...(route.optionalHeaders ?? []).map(({ name, description }) => ({
        name,
        in: 'header',
        required: false,
        description,
        schema: { type: 'string', maxLength: 255 },
      })),
      ...(route.query ?? []).map((name) => ({
        name,
        in: 'query',
        required: false,
        schema: { type: 'string' },
      })),
    ];
    const access: RouteAccess | undefined = accessOf(route.method, route.path);
    const responses: Record<string, unknown> = {};
    for (const status of route.success) {
      responses[String(status)] = {
        description: STATUS_TEXT[status] ?? 'OK',
        content: {
          'application/json': {
            schema: route.response ? jsonSchema(route.response, 'output') : { type: 'object' },
          },
        },
      };
    }
    for (const status of route.errors) {
      responses[String(status)] = {
        description:
          status === 403 && access && !access.public
            ? `Missing or invalid API key, or the key has none of the scopes ${access.anyOf.join(', ')}`
            : (STATUS_TEXT[status] ?? 'Error'),
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      summary: route.summary,
      ...(route.description === undefined ? {} : { description: route.description }),
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, '').replace(/[/._-](\w)/g, (_m, c: string) => c.toUpperCase())}`,
      ...(route.apiKey === false
        ? { security: [] }
        : {
            // The scope rule is the one the API enforces (shared/api/route-access.ts), not a copy.
            'x-quartermaster-scope': scopeLabel(access),
            ...(access && !access.public && access.note ? { 'x-quartermaster-access': access.note } : {}),
          }),
      ...(parameters.length ? { parameters } : {}),
      ...(route.request
        ? {
            requestBody: {
              required: route.method !== 'POST' || !route.path.endsWith('/allocate'),
              content: { 'application/json': { schema: jsonSchema(route.request, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Quartermaster order management API',
      version: '1.0.0',
      description:
        'Order capture, inventory and sourcing. Money is in integer minor units. Errors are RFC 9457 problem details.',
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
      schemas: { Problem: jsonSchema(ProblemSchema, 'output') },
    },
    paths,
  };
}
