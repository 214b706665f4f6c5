import { expect } from 'vitest';
import type { BusEvent } from '../../local/eventbridge/local-bus.ts';
import type { HistoryEvent } from '../../local/stepfunctions/execution-store.ts';
import { apiClient, demoOrder, type TestStack } from './local-stack.ts';

/**
 * Helpers for fulfilment workflow integration tests against a running local stack (the same ones
 * test/integration/fulfilment.test.ts uses inline): place orders, wait for ShipmentRequested, answer
 * as the location's partner, wait for the execution, and check the inventory invariants.
 */
export const PARTNER_BY_LOCATION: Record<string, string> = {
  'dc-newark': 'partner-east',
  'store-nyc-soho': 'partner-east',
  'dc-reno': 'partner-west',
  'vendor-acme': 'partner-west',
};

export interface Requested {
  shipmentId: string;
  locationId: string;
  kind?: string;
  lines: { lineId: string; sku: string; quantity: number }[];
}

export interface OrderView {
  status: string;
  lines: { lineId: string; sku: string; status: string; quantities: Record<string, number> }[];
  history: { to: string; reason: string }[];
}

export interface Position {
  locationId: string;
  onHand: number;
  reserved: number;
  safetyStock: number;
  ats: number;
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  // A machine under heavy load (shared CI runners) may set QM_TEST_WAIT_MS; the assertions stay the same.
  ms = Number(process.env.QM_TEST_WAIT_MS ?? 25_000),
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function fulfilmentHarness(stack: () => TestStack, machineArn: () => string) {
  let seq = 0;
  const as = (channel: string) => apiClient(stack().api, stack().runtime.keyFor(channel));

  const published = (): BusEvent[] =>
    stack().runtime.fanout!.buses.flatMap((bus) => bus.archives.flatMap((a) => a.events));
  const detailOf = (e: BusEvent) =>
    e.detail as { type: string; orderId?: string; data: Record<string, unknown> };
  const eventsOf = (orderId: string, type: string) =>
    published()
      .map(detailOf)
      .filter((d) => d.orderId === orderId && d.type === type);

  const shipmentRequested = (orderId: string, count = 1) =>
    until(`${count} ShipmentRequested for ${orderId}`, () => {
      const requested = eventsOf(orderId, 'ShipmentRequested').map((d) => d.data as unknown as Requested);
      return requested.length >= count ? requested : undefined;
    });

  async function placeOrder(
    lines: { sku: string; quantity: number; unitPrice: number }[],
    overrides: Record<string, unknown> = {},
  ): Promise<string> {
    const response = await as('web')('POST', '/orders', demoOrder({ lines, ...overrides }), {
      idempotencyKey: `fulfil-more-${Date.now()}-${seq++}`,
    });
    expect(response.status).toBe(201);
    return (response.body as { orderId: string }).orderId;
  }

  const report = (shipment: Requested, body: Record<string, unknown>, channel?: string) =>
    as(channel ?? PARTNER_BY_LOCATION[shipment.locationId]!)(
      'POST',
      `/fulfillments/${shipment.shipmentId}/events`,
      { eventId: `${shipment.shipmentId}-${String(body.type)}`, ...body },
    );
  const ship = (shipment: Requested) =>
    report(shipment, { type: 'shipped', tracking: { carrier: 'ups', trackingNumber: `1Z${seq++}` } });

  const executionArn = (orderId: string) =>
    `${machineArn().replace(':stateMachine:', ':execution:')}:${orderId}`;

  async function finished(orderId: string) {
    const sfn = stack().runtime.stepFunctions;
    const arn = executionArn(orderId);
    await until(`execution ${orderId}`, async () =>
      (await sfn.listExecutions({ stateMachineArn: machineArn() })).executions.find(
        (e) => e.executionArn === arn,
      ),
    );
    const record = await sfn.waitForExecution(arn);
    const { events } = await sfn.getExecutionHistory({ executionArn: arn });
    return { record, events };
  }
  const statesEntered = (events: HistoryEvent[]) =>
    events
      .filter((e) => e.type.endsWith('StateEntered'))
      .map((e) => (e as { stateEnteredEventDetails?: { name: string } }).stateEnteredEventDetails?.name);

  const order = async (orderId: string) => (await as('web')('GET', `/orders/${orderId}`)).body as OrderView;
  const inventory = async (sku: string) =>
    (await as('ops')('GET', `/inventory/${sku}`)).body as { positions: Position[] };
  const at = async (sku: string, locationId: string): Promise<Position | undefined> =>
    (await inventory(sku)).positions.find((p) => p.locationId === locationId);

  /** on hand ≥ reserved ≥ 0 and ATS = max(0, on hand − reserved − safety stock) at every location. */
  async function assertInventoryInvariants(skus: string[]) {
    for (const sku of skus) {
      for (const p of (await inventory(sku)).positions) {
        expect(p.reserved, `${sku}@${p.locationId}`).toBeGreaterThanOrEqual(0);
        expect(p.onHand, `${sku}@${p.locationId}`).toBeGreaterThanOrEqual(p.reserved);
        expect(p.ats, `${sku}@${p.locationId}`).toBe(Math.max(0, p.onHand - p.reserved - p.safetyStock));
      }
    }
  }

  return {
    as,
    published,
    eventsOf,
    shipmentRequested,
    placeOrder,
    report,
    ship,
    executionArn,
    finished,
    statesEntered,
    order,
    inventory,
    at,
    assertInventoryInvariants,
  };
}
