import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../examples/partner-webhook-receiver/receiver.ts';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import type { SynthesizedStack } from '../../local/template/template.ts';
import { apiClient, demoOrder, sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';

/** What a timed-out wait prints to explain itself (set by the test that waits). */
let diagnose: (() => Promise<unknown>) | undefined;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 45_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) {
      if (diagnose) console.error(`[diagnose] ${what}:`, await diagnose());
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const orderIdOf = (body: unknown) => (body as { orderId?: string }).orderId;

interface QueueSummary {
  name: string;
  depth: number;
}

/**
 * The process is killed while a fulfilment execution waits for its partner, then started again on
 * the same tables and execution store. As on AWS, the execution carries on: the new runtime resumes
 * it from its journal (no step runs twice: one ShipmentRequested), the task token the partner holds
 * still works, and the partner's `shipped` completes the order and the execution. The kill is
 * simulated by starting a runtime on a copy of the store taken while the execution ran (what a
 * SIGKILL leaves on disk); a graceful stop and restart (which keeps it RUNNING) is shown too.
 */
describe('fault injection: the process is killed during an execution and restarted', () => {
  const EAST_SECRET = `whsec_${Buffer.from('local-secret-east-wms').toString('base64')}`;
  const prefix = `tcrash${randomUUID().slice(0, 6)}-`;
  const dirs: string[] = [];
  let first: TestStack | undefined;
  let second: TestStack | undefined;
  let eastWms: WebhookReceiver;
  let template: SynthesizedStack;

  // Three runtimes on the same tables (prefix) and the same synthesized template (synthesized once).
  const start = (storeDirectory: string) =>
    startTestStack({
      stack: structuredClone(template),
      namePrefix: prefix,
      eventFanout: {
        partners: { 'east-wms': { url: eastWms.url, secret: EAST_SECRET } },
        visibilityTimeoutMs: 200,
        pollIntervalMs: 50,
      },
      // A 1-day heartbeat is ~14 min: the execution is still waiting when the process dies and after.
      stepFunctions: { timeScale: 0.01, storeDirectory },
    });

  beforeAll(async () => {
    eastWms = await startWebhookReceiver({ secret: EAST_SECRET });
    template = sharedStack('test/fixtures/fulfilment.config.json');
  }, 300_000);
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await eastWms?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test("the waiting execution is resumed where it was; the partner's callback on its old token completes the order", async () => {
    const store = mkdtempSync(join(tmpdir(), 'qm-crash-store-'));
    const killedStore = mkdtempSync(join(tmpdir(), 'qm-crash-killed-'));
    dirs.push(store, killedStore);
    first = await start(store);
    expect(first.runtime.interruptedExecutions).toEqual([]);
    await seedDemoInventory(first.api, (channel) => first!.runtime.keyFor(channel));
    const web = apiClient(first.api, first.runtime.keyFor('web'));
    const created = await web(
      'POST',
      '/orders',
      demoOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 2, unitPrice: 1999 }] }),
      {
        idempotencyKey: `crash-kill-${Date.now()}`,
      },
    );
    expect(created.status).toBe(201);
    const orderId = orderIdOf(created.body)!;
    diagnose = async () => ({
      received: eastWms.received.map((r) => (r.body as { type?: string }).type),
      execution: first?.runtime.stepFunctions.executions
        .list({})
        .filter((e) => e.name === orderId)
        .map((e) => ({ status: e.status, error: e.error, cause: e.cause })),
      order: (await apiClient(first!.api, first!.runtime.keyFor('ops'))('GET', `/orders/${orderId}`)).body,
      queues: JSON.stringify(
        (
          (await (
            await fetch(`${first!.runtime.url}/_local/queues`, {
              headers: { 'x-api-key': first!.runtime.keyFor('ops') },
            })
          ).json()) as { queues: QueueSummary[] }
        ).queues.map((q) => `${q.name}:${q.depth}`),
      ),
      lambda: JSON.stringify(
        Object.fromEntries(
          [...first!.runtime.lambda.stats.entries()]
            .filter(([name]) => /Publish|Start/.test(name))
            .map(([name, s]) => [name, { invocations: s.invocations, errors: s.errors }]),
        ),
      ),
      archived: first!.runtime.fanout?.buses[0]?.archives[0]?.events
        .filter((e) => (e.detail as { orderId?: string }).orderId === orderId)
        .map((e) => e['detail-type']),
    });
    const shipment = await until(
      `ShipmentRequested at the east WMS (${orderId})`,
      () =>
        eastWms.received
          .map(
            (r) =>
              r.body as {
                type?: string;
                orderId?: string;
                data?: { shipmentId: string; locationId: string };
              },
          )
          .find((b) => b.orderId === orderId && b.type === 'ShipmentRequested'),
      // Capture, allocation and delivery to the partner, on a machine shared with other suites.
      120_000,
    );
    const machine = first.runtime.stepFunctions
      .listStateMachines()
      .find((m) => m.name.endsWith('-OrderFulfilment'))!;
    const executionArn = `${machine.stateMachineArn.replace(':stateMachine:', ':execution:')}:${orderId}`;
    expect(first.runtime.stepFunctions.executions.get(executionArn)?.status).toBe('RUNNING');
    const reservedBefore = await reservedAt(first, 'TSHIRT-BLK-M', shipment.data!.locationId);

    // SIGKILL: the disk keeps what was written while the execution ran.
    cpSync(store, killedStore, { recursive: true });
    await first.close();
    first = undefined;
    // A graceful stop keeps it RUNNING too, and the next runtime resumes it.
    second = await start(store);
    expect(second.runtime.interruptedExecutions).toEqual([]);
    expect(second.runtime.resumedExecutions).toEqual([{ executionArn, name: orderId }]);
    expect(second.runtime.stepFunctions.executions.get(executionArn)?.status).toBe('RUNNING');
    await second.close();
    second = undefined;

    second = await start(killedStore);
    const runtime = second.runtime;
    expect(runtime.interruptedExecutions).toEqual([]);
    expect(runtime.resumedExecutions).toEqual([{ executionArn, name: orderId }]);
    expect(runtime.stepFunctions.executions.get(executionArn)?.status).toBe('RUNNING');
    const opsApi = apiClient(second.api, runtime.keyFor('ops'));
    const viewed = await opsApi('GET', `/ops/executions/${orderId}`);
    expect(viewed.status).toBe(200);
    expect(viewed.body).toMatchObject({ name: orderId, status: 'RUNNING' });
    const order = await opsApi('GET', `/orders/${orderId}`);
    expect(order.body).toMatchObject({ status: 'RELEASED' });
    expect(await reservedAt(second, 'TSHIRT-BLK-M', shipment.data!.locationId)).toBe(reservedBefore);

    // The partner ships on the shipment it was sent before the crash: its task token still works.
    const partner = ['dc-reno', 'vendor-acme'].includes(shipment.data!.locationId)
      ? 'partner-west'
      : 'partner-east';
    const partnerApi = apiClient(second.api, runtime.keyFor(partner));
    const accepted = await partnerApi('POST', `/fulfillments/${shipment.data!.shipmentId}/events`, {
      type: 'accepted',
      eventId: `${shipment.data!.shipmentId}-accepted`,
    });
    expect(accepted.status).toBe(200);
    const shipped = await partnerApi('POST', `/fulfillments/${shipment.data!.shipmentId}/events`, {
      type: 'shipped',
      eventId: `${shipment.data!.shipmentId}-shipped`,
      tracking: { carrier: 'ups', trackingNumber: '1ZCRASH' },
    });
    expect(shipped.status).toBe(200);
    const done = await runtime.stepFunctions.waitForExecution(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    const completed = await opsApi('GET', `/orders/${orderId}`);
    expect((completed.body as { status: string }).status).toMatch(/^(SHIPPED|COMPLETED)$/);
    // The shipped units left the reservation (consumed), exactly once.
    expect(await reservedAt(second, 'TSHIRT-BLK-M', shipment.data!.locationId)).toBe(reservedBefore - 2);

    // One execution, one request to the partner across three runtimes; its history is one story.
    expect(
      runtime.stepFunctions.executions
        .list({ stateMachineArn: machine.stateMachineArn })
        .filter((e) => e.name === orderId),
    ).toHaveLength(1);
    const requested = eastWms.received.filter(
      (r) =>
        (r.body as { orderId?: string; type?: string }).orderId === orderId &&
        (r.body as { type?: string }).type === 'ShipmentRequested',
    );
    expect(requested).toHaveLength(1);
    const { events } = await runtime.stepFunctions.getExecutionHistory({ executionArn });
    expect(events.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
    expect(
      events.filter(
        (e) =>
          e.type === 'TaskStateEntered' &&
          (e.stateEnteredEventDetails as { name?: string } | undefined)?.name === 'Allocate',
      ),
    ).toHaveLength(1);
  }, 400_000);

  test('ops resume an order whose run ended abnormally: listed as stalled, a new run <orderId>-r1 settles what the partner did meanwhile', async () => {
    const s = second!;
    const { runtime } = s;
    const opsApi = apiClient(s.api, runtime.keyFor('ops'));
    const created = await apiClient(s.api, runtime.keyFor('web'))(
      'POST',
      '/orders',
      demoOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: 1999 }] }),
      { idempotencyKey: `resume-${Date.now()}` },
    );
    expect(created.status).toBe(201);
    const orderId = orderIdOf(created.body)!;
    const requestsFor = () =>
      eastWms.received
        .map(
          (r) =>
            r.body as { type?: string; orderId?: string; data?: { shipmentId: string; locationId: string } },
        )
        .filter((b) => b.orderId === orderId && b.type === 'ShipmentRequested');
    const shipment = await until(`ShipmentRequested (${orderId})`, () => requestsFor()[0], 120_000);
    const machine = runtime.stepFunctions
      .listStateMachines()
      .find((m) => m.name.endsWith('-OrderFulfilment'))!;
    const executionArn = `${machine.stateMachineArn.replace(':stateMachine:', ':execution:')}:${orderId}`;
    await until('the run waits for the shipment', () =>
      runtime.stepFunctions.tokens.waiting(executionArn).length ? true : undefined,
    );
    // The run ends abnormally (on AWS: a failure, an abort, a timeout) while the order is RELEASED.
    await runtime.stepFunctions.stopExecution({ executionArn, error: 'Ops.Test', cause: 'ended abnormally' });

    const stalled = await opsApi('GET', '/ops/orders/stalled?olderThanSeconds=0');
    expect(stalled.status).toBe(200);
    expect(
      (stalled.body as { items: { orderId: string }[] }).items.find((i) => i.orderId === orderId),
    ).toEqual({
      orderId,
      status: 'RELEASED',
      createdAt: expect.any(String),
      reservedUnits: 1,
      lastRun: { execution: orderId, status: 'ABORTED', error: 'Ops.Test', stopDate: expect.any(String) },
    });
    const report = await opsApi('POST', '/ops/orders/reconcile', { action: 'report', olderThanSeconds: 0 });
    expect(report.status).toBe(200);
    expect(
      (report.body as { orders: { orderId: string; result: unknown }[] }).orders.find(
        (o) => o.orderId === orderId,
      )?.result,
    ).toEqual({});

    // The partner accepts while no run waits: its token is dead, the order stays RELEASED.
    const partnerApi = apiClient(
      s.api,
      runtime.keyFor(
        ['dc-reno', 'vendor-acme'].includes(shipment.data!.locationId) ? 'partner-west' : 'partner-east',
      ),
    );
    const accepted = await partnerApi('POST', `/fulfillments/${shipment.data!.shipmentId}/events`, {
      type: 'accepted',
      eventId: `${shipment.data!.shipmentId}-accepted`,
    });
    expect(accepted.status).toBe(200);
    expect(((await opsApi('GET', `/orders/${orderId}`)).body as { status: string }).status).toBe('RELEASED');

    const resumed = await opsApi('POST', `/ops/orders/${orderId}/resume`);
    expect(resumed.status).toBe(202);
    expect(resumed.body).toEqual({
      orderId,
      outcome: 'started',
      execution: `${orderId}-r1`,
      previous: { execution: orderId, status: 'ABORTED', error: 'Ops.Test', cause: 'ended abnormally' },
    });
    // The new run adopts the accepted shipment and waits on it with its own token: the partner's
    // shipped report now ends it.
    await until('the resumed run waits for the shipment', () =>
      runtime.stepFunctions.tokens.waiting(`${executionArn}-r1`).length ? true : undefined,
    );
    const shipped = await partnerApi('POST', `/fulfillments/${shipment.data!.shipmentId}/events`, {
      type: 'shipped',
      eventId: `${shipment.data!.shipmentId}-shipped`,
      tracking: { carrier: 'ups', trackingNumber: '1ZRESUME' },
    });
    expect(shipped.status).toBe(200);
    const done = await runtime.stepFunctions.waitForExecution(`${executionArn}-r1`);
    expect(done.status).toBe('SUCCEEDED');
    expect(((await opsApi('GET', `/orders/${orderId}`)).body as { status: string }).status).toMatch(
      /^(SHIPPED|COMPLETED)$/,
    );
    // The shipment was adopted, not requested again.
    expect(requestsFor()).toHaveLength(1);
    const after = await opsApi('GET', '/ops/orders/stalled?olderThanSeconds=0');
    expect((after.body as { items: { orderId: string }[] }).items.map((i) => i.orderId)).not.toContain(
      orderId,
    );

    // Nothing left to resume: 409; only ops may resume; an unknown order is 404.
    expect((await opsApi('POST', `/ops/orders/${orderId}/resume`)).status).toBe(409);
    expect(
      (await apiClient(s.api, runtime.keyFor('web'))('POST', `/ops/orders/${orderId}/resume`)).status,
    ).toBe(403);
    expect((await opsApi('POST', '/ops/orders/ord_00000000000000000000000000/resume')).status).toBe(404);
  }, 400_000);
});

async function reservedAt(s: TestStack, sku: string, locationId: string): Promise<number> {
  const response = await apiClient(s.api, s.runtime.keyFor('ops'))('GET', `/inventory/${sku}`);
  const positions = (response.body as { positions: { locationId: string; reserved: number }[] }).positions;
  return positions.find((p) => p.locationId === locationId)!.reserved;
}
