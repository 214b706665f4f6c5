import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../examples/partner-webhook-receiver/receiver.ts';
import { apiClient, demoOrder, sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * The ops console end to end: the local runtime serves it at /console; headless Debian Chromium
 * (driven by playwright-core; browsers cannot be downloaded here) signs in with the ops key, lists
 * orders, opens one (history, events sent, workflow execution, a dead-lettered webhook delivery and its
 * retry) and cancels it. Screenshots go to test-artifacts/screenshots/ (git-ignored).
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');
const SECRET = `whsec_${Buffer.from('local-secret-console').toString('base64')}`;

let stack: TestStack;
let receiver: WebhookReceiver;
let failDeliveries = true;
let context: BrowserContext;
let page: Page;
let profile: string;
let ops: ReturnType<typeof apiClient>;
let web: ReturnType<typeof apiClient>;
const orderIds: string[] = [];

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the console browser test needs Debian's chromium (apt-get install -y chromium; .ci/run installs it), or CHROMIUM_PATH.`,
    );
  mkdirSync(SHOTS, { recursive: true });
  receiver = await startWebhookReceiver({
    secret: SECRET,
    respondWith: () => (failDeliveries ? 503 : undefined),
  });
  stack = await startTestStack({
    // Partners as configuration: web-analytics receives web OrderCreated, dead-letters after 3 receives.
    stack: sharedStack('test/fixtures/partners.config.json'),
    eventFanout: {
      partners: { 'web-analytics': { url: receiver.url, secret: SECRET } },
      visibilityTimeoutMs: 100,
      pollIntervalMs: 50,
    },
  });
  ops = apiClient(stack.api, stack.runtime.keyFor('ops'));
  web = apiClient(stack.api, stack.runtime.keyFor('web'));
  for (const [i, customerId] of ['console-ada', 'console-grace'].entries()) {
    const created = await web('POST', '/orders', demoOrder({ customer: { customerId } }), {
      idempotencyKey: `console-${Date.now()}-${i}`,
    });
    expect(created.status).toBe(201);
    orderIds.push((created.body as { orderId: string }).orderId);
  }

  profile = mkdtempSync(join(tmpdir(), 'qm-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('dialog', (dialog) => void dialog.accept());
  page.setDefaultTimeout(15_000);
}, 120_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await stack?.close();
  await receiver?.close();
});

describe('ops read routes the console uses', () => {
  test('GET /ops/orders/{id}/events: the events the order announced and its reservations (admin only)', async () => {
    const [orderId] = orderIds;
    const activity = await ops('GET', `/ops/orders/${orderId}/events`);
    expect(activity.status).toBe(200);
    // The fulfilment workflow runs meanwhile, so later events (and reservations) may be there too.
    expect(activity.body).toMatchObject({
      orderId,
      events: expect.arrayContaining([expect.objectContaining({ type: 'OrderCreated', orderId })]),
      reservations: expect.any(Array),
    });
    const { events } = activity.body as { events: { type: string }[] };
    expect(events[0]?.type).toBe('OrderCreated');
    expect((await web('GET', `/ops/orders/${orderId}/events`)).status).toBe(403);
    expect((await ops('GET', '/ops/orders/ord_00000000000000000000000000/events')).status).toBe(404);
  });

  test('GET /ops/state-machines/{name}: the ASL of a state machine of this stack', async () => {
    const machines = stack.runtime.stepFunctions.listStateMachines();
    if (!machines.length) {
      expect((await ops('GET', '/ops/state-machines/OrderFulfilment')).status).toBe(404);
      return;
    }
    const first = machines[0]!;
    const short = first.name.replace(/^Quartermaster-/, '');
    const described = await ops('GET', `/ops/state-machines/${short}`);
    expect(described.status).toBe(200);
    expect(described.body).toMatchObject({
      name: first.name,
      definition: { StartAt: expect.any(String), States: expect.any(Object) },
    });
    expect((await ops('GET', '/ops/state-machines/NoSuchMachine')).status).toBe(404);
    expect((await web('GET', `/ops/state-machines/${short}`)).status).toBe(403);
  });
});

describe('ops console in headless Chromium', () => {
  test('sign in with the ops key, filter orders, open one, retry its dead-lettered delivery, cancel it', async () => {
    const [first, second] = orderIds as [string, string];
    await page.goto(`${stack.runtime.url}/console`);
    await page.getByTestId('key-form').waitFor();
    await shot('01-sign-in');
    await page.getByTestId('ops-key').fill(stack.runtime.keyFor('ops'));
    await page.getByTestId('save-key').click();

    // Orders list: filter by channel.
    await page.getByTestId('orders-filters').waitFor();
    await page.getByTestId('filter-kind').selectOption('channel');
    await page.getByTestId('filter-value').fill('web');
    await page.getByTestId('filter-apply').click();
    await page.locator(`[data-testid="order-row"][data-order-id="${first}"]`).waitFor();
    await expect
      .poll(() =>
        page.getByTestId('order-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-order-id'))),
      )
      .toEqual([second, first]);
    await shot('02-orders');

    // The delivery of OrderCreated to web-analytics fails until it is dead-lettered.
    await until('the dead-lettered delivery', async () => {
      const r = await fetch(`${stack.runtime.url}/_local/queues`, {
        headers: { 'x-api-key': stack.runtime.keyFor('ops') },
      });
      const { queues } = (await r.json()) as {
        queues: { depth: number; deadLetterQueue: boolean; name: string }[];
      };
      return queues.find((q) => q.deadLetterQueue && q.name.includes('WebAnalytics') && q.depth >= 2);
    }).catch(async () => {
      // Names differ by construct id; any DLQ holding both orders' messages will do.
      return until('a dead-letter queue with both deliveries', async () => {
        const r = await fetch(`${stack.runtime.url}/_local/queues`, {
          headers: { 'x-api-key': stack.runtime.keyFor('ops') },
        });
        const { queues } = (await r.json()) as { queues: { depth: number; deadLetterQueue: boolean }[] };
        return queues.find((q) => q.deadLetterQueue && q.depth >= 2);
      });
    });

    // Order detail.
    await page.locator(`[data-testid="order-row"][data-order-id="${first}"]`).click();
    await expect.poll(() => page.getByTestId('order-id').textContent()).toBe(first);
    const listed = ((await ops('GET', `/orders/${first}`)).body as { status: string }).status;
    await expect.poll(() => page.getByTestId('order-status').textContent()).toMatch(/^[A-Z_]+$/);
    expect(['CREATED', 'ALLOCATED', 'PARTIALLY_ALLOCATED', 'BACKORDERED', 'RELEASED']).toContain(listed);
    await expect.poll(() => page.getByTestId('history-row').count()).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('history-row').first().textContent()).toContain('CREATED');
    await page.getByTestId('event-row').first().waitFor();
    expect(await page.getByTestId('events-table').textContent()).toContain('OrderCreated');

    // Workflow execution: its history when the order has one; otherwise the section says so.
    await page
      .locator(
        '[data-testid="execution-link"], [data-testid="execution-none"], [data-testid="execution-unavailable"]',
      )
      .first()
      .waitFor();
    const hasExecution = (await page.getByTestId('execution-link').count()) > 0;
    // With the fulfilment state machine in the template, every order has its execution (named by order id).
    const fulfilment = stack.runtime.stepFunctions
      .listStateMachines()
      .some((m) => m.name.endsWith('-OrderFulfilment'));
    expect(hasExecution).toBe(fulfilment);

    // The failed delivery, retried from the console once the partner is back.
    await page.getByTestId('delivery-row').first().waitFor();
    expect(await page.getByTestId('deliveries-table').textContent()).toContain('FAILED');
    await shot('03-order-detail');
    failDeliveries = false;
    await page.getByTestId('delivery-row').first().locator('button').click();
    await page.getByTestId('redrive-result').waitFor();
    expect(await page.getByTestId('redrive-result').textContent()).toMatch(
      /Moved 2 back to the queue|redelivered 2/,
    );
    await until('the retried delivery', async () =>
      receiver.received.find((w) => JSON.stringify(w.body).includes(first)),
    );
    await shot('04-delivery-retried');

    if (hasExecution) {
      await page.getByTestId('execution-link').click();
      await page.getByTestId('execution-steps').waitFor();
      expect(await page.getByTestId('execution-step').count()).toBeGreaterThan(0);
      await page.locator('[data-testid="execution-diagram"] svg').waitFor();
      expect(await page.getByTestId('diagram-visited').count()).toBeGreaterThan(0);
      await shot('05-execution');
      await page.goto(`${stack.runtime.url}/console/#/orders/${first}`);
    }

    // Cancel from the console and see the status change.
    const current = (await ops('GET', `/orders/${first}`)).body as { status: string };
    if (current.status !== 'CANCELLED') {
      await page.getByTestId('cancel-reason').waitFor();
      await page.getByTestId('cancel-reason').selectOption('fraud-suspected');
      await page.getByTestId('cancel-note').fill('chargeback risk');
      await page.getByTestId('cancel-order').click();
    }
    await expect
      .poll(() => page.getByTestId('order-status').textContent(), { timeout: 15_000 })
      .toBe('CANCELLED');
    expect(await page.getByTestId('order-history').textContent()).toContain('fraud-suspected');
    await shot('06-cancelled');
    expect(((await ops('GET', `/orders/${first}`)).body as { status: string }).status).toBe('CANCELLED');
    // Waits for three failed deliveries and a redrive: ~35 s on 2 loaded cores, over the 30 s default.
  }, 120_000);

  test('views degrade gracefully (unknown execution, unknown SKU); the inventory network; release a cart hold', async () => {
    await page.goto(`${stack.runtime.url}/console/#/executions/no-such-execution`);
    await page.getByTestId('execution-unavailable').waitFor();
    await page.goto(`${stack.runtime.url}/console/#/inventory/NO-SUCH-SKU`);
    await page.getByTestId('inventory-error').waitFor();

    const wms = apiClient(stack.api, stack.runtime.keyFor('wms'));
    const location = {
      name: 'Console DC',
      type: 'warehouse',
      geo: { lat: 40.7, lon: -74 },
      capabilities: ['ship'],
      dailyShipmentCapacity: 1000,
      shipmentFixedCost: 300,
      unitHandlingCost: 50,
      status: 'active',
    };
    expect((await ops('PUT', '/locations/dc-console', location)).status).toBeLessThan(300);
    expect(
      (await wms('PUT', '/inventory/CONSOLE-SKU/dc-console', { onHand: 12, sequence: 1 })).status,
    ).toBeLessThan(300);
    await page.goto(`${stack.runtime.url}/console/#/inventory/CONSOLE-SKU`);
    await page.getByTestId('inventory-row').first().waitFor();
    expect(await page.getByTestId('inventory-table').textContent()).toContain('dc-console');
    // A cart hold shows as reserved; releasing it from the console gives the units back.
    const hold = await web('POST', '/reservations', { lines: [{ sku: 'CONSOLE-SKU', quantity: 3 }] });
    expect(hold.status).toBe(201);
    const { holdId } = hold.body as { holdId: string };
    await page.getByTestId('sku-input').fill('CONSOLE-SKU');
    await page.getByTestId('sku-input').press('Enter');
    await page.reload();
    await expect.poll(() => page.getByTestId('ats').first().textContent()).toBe('9');
    await page.getByTestId('hold-id').fill(holdId);
    await page.getByTestId('release-hold').click();
    await expect.poll(() => page.getByTestId('release-result').textContent()).toBe('Released.');
    await page.reload();
    await expect.poll(() => page.getByTestId('ats').first().textContent()).toBe('12');
    await shot('07-inventory');
    await page.goto(`${stack.runtime.url}/console/#/queues`);
    await page.getByTestId('queues-table').waitFor();
    await shot('08-queues');
  });

  test('stalled orders: an order whose run was stopped is listed (recent ones included on request) and resumed as <orderId>-r1', async () => {
    // Its own location and stock, so the run gets as far as waiting for the shipment.
    const wms = apiClient(stack.api, stack.runtime.keyFor('wms'));
    expect(
      (
        await ops('PUT', '/locations/dc-stalled', {
          name: 'Stalled DC',
          type: 'warehouse',
          geo: { lat: 41.9, lon: -87.6 },
          capabilities: ['ship'],
          dailyShipmentCapacity: 1000,
          shipmentFixedCost: 300,
          unitHandlingCost: 50,
          status: 'active',
        })
      ).status,
    ).toBeLessThan(300);
    expect(
      (await wms('PUT', '/inventory/STALLED-SKU/dc-stalled', { onHand: 5, sequence: 1 })).status,
    ).toBeLessThan(300);
    const created = await web(
      'POST',
      '/orders',
      demoOrder({
        customer: { customerId: 'console-stalled' },
        lines: [{ sku: 'STALLED-SKU', quantity: 2, unitPrice: 1500 }],
      }),
      { idempotencyKey: `console-stalled-${Date.now()}` },
    );
    expect(created.status).toBe(201);
    const orderId = (created.body as { orderId: string }).orderId;
    const machine = stack.runtime.stepFunctions
      .listStateMachines()
      .find((m) => m.name.endsWith('-OrderFulfilment'));
    expect(machine).toBeDefined();
    const executionArn = `${machine!.stateMachineArn.replace(':stateMachine:', ':execution:')}:${orderId}`;
    await until(
      'the run waits for the shipment',
      async () => (stack.runtime.stepFunctions.tokens.waiting(executionArn).length ? true : undefined),
      60_000,
    );
    await stack.runtime.stepFunctions.stopExecution({ executionArn, error: 'Ops.Test', cause: 'test' });

    // By default (the API's 300 s) a minute-old order is not listed; "include recent" lists it.
    await page.goto(`${stack.runtime.url}/console/`);
    await page.getByRole('link', { name: 'Stalled orders' }).click();
    await page.locator('[data-testid="stalled-empty"], [data-testid="stalled-table"]').first().waitFor();
    expect(await page.locator(`[data-testid="stalled-row"][data-order-id="${orderId}"]`).count()).toBe(0);
    await page.getByTestId('stalled-include-recent').check();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/stalled?olderThanSeconds=0');
    const row = page.locator(`[data-testid="stalled-row"][data-order-id="${orderId}"]`);
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(0, 4)).toEqual([orderId, 'RELEASED', expect.any(String), '2']);
    expect(cells[4]).toBe(`${orderId} ABORTED`);
    expect(cells[5]).toBe('Ops.Test');
    expect(cells[6]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(await row.locator('a').first().getAttribute('href')).toBe(`#/orders/${orderId}`);
    await shot('09-stalled');

    await row.getByTestId('resume-order').click();
    await expect.poll(() => row.getByTestId('resumed-execution').textContent()).toBe(`${orderId}-r1`);
    expect(await row.getByTestId('resume-result').textContent()).toBe(`Started ${orderId}-r1`);
    await shot('10-resumed');
    expect(
      stack.runtime.stepFunctions.executions.list({}).find((e) => e.name === `${orderId}-r1`)?.status,
    ).toBe('RUNNING');

    // The outcome links to the new run's execution view.
    await row.getByTestId('resumed-execution').click();
    await expect.poll(() => new URL(page.url()).hash).toBe(`#/executions/${orderId}-r1`);
    await page.getByTestId('execution-steps').waitFor();

    // The new run is live: back on the list (and on Refresh), the order is no longer there.
    const listed = page.locator('[data-testid="stalled-empty"], [data-testid="stalled-table"]').first();
    await page.goBack();
    await listed.waitFor();
    expect(await row.count()).toBe(0);
    await page.getByTestId('stalled-refresh').click();
    await listed.waitFor();
    expect(await row.count()).toBe(0);
    expect(await page.getByTestId('stalled-include-recent').isChecked()).toBe(true);

    // A refused query shows the API's problem+json detail (naming the field).
    await page.goto(`${stack.runtime.url}/console/#/stalled?olderThanSeconds=-1`);
    await expect
      .poll(() => page.getByTestId('stalled-error').textContent())
      .toMatch(/olderThanSeconds.*HTTP 400/);
  }, 120_000);
});
