import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  checkEventDocs,
  formatJson,
  renderEventDocs,
  writeEventDocs,
} from '../../scripts/generate-event-docs.ts';
import { newOrder, type Order, PlaceOrderRequestSchema } from '../../shared/domain/order.ts';
import {
  type CatalogEvent,
  DETAIL_TYPES,
  type DetailType,
  EVENT_CATALOG,
  EventValidationError,
  eventEnvelopeSchemaFor,
  exampleEvent,
  parseEvent,
} from '../../shared/events/catalog.ts';
import {
  eventJsonSchema,
  eventJsonSchemas,
  JSON_SCHEMA_DIALECT,
  type JsonSchema,
  schemaRegistryEntries,
} from '../../shared/events/json-schema.ts';
import { orderCancelled, orderCreated } from '../../shared/events/order-events.ts';

interface SchemaValidator {
  validateSchema(schema: JsonSchema): boolean;
  compile(schema: JsonSchema): ((data: unknown) => boolean) & { errors?: unknown };
}

// ajv (a devDependency) compiles every published schema as draft 2020-12.
async function loadAjv(): Promise<SchemaValidator> {
  {
    const [{ default: ajvModule }, { default: formatsModule }] = await Promise.all([
      import('ajv/dist/2020.js'),
      import('ajv-formats'),
    ]);
    const instance = new ajvModule.default({ allErrors: true, strict: true, strictTypes: false });
    formatsModule.default(instance);
    return {
      validateSchema: (schema) => instance.validateSchema(schema) === true,
      compile: (schema) => instance.compile(schema),
    };
  }
}

const ajv = await loadAjv();

/** Parses and expects an EventValidationError; returns it for assertions. */
function rejectionOf(input: unknown): EventValidationError {
  try {
    parseEvent(input);
  } catch (error) {
    if (error instanceof EventValidationError) return error;
    throw error;
  }
  throw new Error('expected parseEvent to reject the event');
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** An example event with `data` replaced (deep-cloned, so the catalog's examples stay untouched). */
function withData(type: DetailType, patch: (data: Record<string, unknown>) => void): unknown {
  const event = clone(exampleEvent(type)) as unknown as { data: Record<string, unknown> };
  patch(event.data);
  return event;
}

/** Non-test TypeScript under the folders the flows live in. */
function flowSources(): { file: string; text: string }[] {
  const roots = ['shared', 'functions', 'workflows'];
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && path !== join('shared', 'events', 'catalog.ts'))
        out.push({ file: path, text: readFileSync(path, 'utf8') });
    }
  };
  for (const root of roots) walk(root);
  return out;
}

describe('the catalog and what the flows emit (issue 13.2)', () => {
  // An event is built by `orderEvent('Type', …)`, `envelope('Type', …)` or an envelope literal
  // `type: 'Type'`; a catalog entry nothing builds is a promise to partners the OMS does not keep.
  const sources = flowSources();
  const builds = (type: string) =>
    sources
      .filter(({ text }) =>
        new RegExp(`(?:orderEvent|envelope)\\(\\s*'${type}'|\\btype:\\s*'${type}'`).test(text),
      )
      .map(({ file }) => file);

  test.each(DETAIL_TYPES)('%s is built by a flow', (type) => {
    expect(builds(type), `nothing in shared/, functions/ or workflows/ emits ${type}`).not.toEqual([]);
  });

  test('every type a flow builds is in the catalog', () => {
    const built = new Set<string>();
    for (const { text } of sources)
      for (const match of text.matchAll(/(?:orderEvent|envelope)\(\s*'([A-Z][A-Za-z]+)'/g))
        built.add(match[1]!);
    expect([...built].filter((type) => !(DETAIL_TYPES as string[]).includes(type))).toEqual([]);
  });
});

describe('catalog entries', () => {
  test('every entry is versioned and documented', () => {
    expect(DETAIL_TYPES.length).toBe(31);
    for (const type of DETAIL_TYPES) {
      const entry = EVENT_CATALOG[type];
      expect(Number.isInteger(entry.version) && entry.version >= 1, type).toBe(true);
      expect(entry.description.length, type).toBeGreaterThan(20);
      expect(entry.consumers.length, type).toBeGreaterThan(0);
    }
  });

  describe.each(DETAIL_TYPES)('%s', (type) => {
    const entry = EVENT_CATALOG[type];

    test('its example is accepted by its schema unchanged', () => {
      const result = entry.schema.safeParse(clone(entry.example));
      expect(result.error).toBeUndefined();
      expect(result.data).toEqual(entry.example);
    });

    test('its example event round-trips through JSON and parseEvent', () => {
      const event = exampleEvent(type);
      expect(parseEvent(clone(event))).toEqual(event);
      expect(eventEnvelopeSchemaFor(type).parse(clone(event))).toEqual(event);
    });

    test.each(Object.keys(entry.example))('null in data.%s is rejected, naming the field', (key) => {
      const error = rejectionOf(
        withData(type, (data) => {
          data[key] = null;
        }),
      );
      expect(error.type).toBe(type);
      expect(error.issues.map((issue) => issue.path)).toContain(`data.${key}`);
      expect(error.message).toContain(`data.${key}`);
    });
  });

  test('example event ids are distinct', () => {
    expect(new Set(DETAIL_TYPES.map((type) => exampleEvent(type).eventId)).size).toBe(DETAIL_TYPES.length);
  });
});

describe('parseEvent rejects bad data, naming the field', () => {
  const REMOVE = Symbol('remove');
  // `at` is a path inside `data`; `value` replaces what is there (REMOVE deletes it).
  const cases: { type: DetailType; at: (string | number)[]; value: unknown; path: string }[] = [
    { type: 'OrderCreated', at: ['order', 'lines', 0, 'sku'], value: '', path: 'data.order.lines[0].sku' },
    { type: 'RefundRequested', at: ['amount'], value: 19.99, path: 'data.amount' },
    { type: 'RefundRequested', at: ['amount'], value: 0, path: 'data.amount' },
    { type: 'RefundIssued', at: ['currency'], value: 'XYZ', path: 'data.currency' },
    { type: 'ShipmentShipped', at: ['trackingUrl'], value: 'not a url', path: 'data.trackingUrl' },
    { type: 'ShipmentShipped', at: ['lines'], value: [], path: 'data.lines' },
    { type: 'ShipmentRequested', at: ['shipTo'], value: REMOVE, path: 'data.shipTo' },
    { type: 'ShipmentRequested', at: ['kind'], value: 'teleport', path: 'data.kind' },
    {
      type: 'ReturnInspected',
      at: ['lines', 0, 'disposition'],
      value: 'resell',
      path: 'data.lines[0].disposition',
    },
    { type: 'ReturnAuthorized', at: ['method'], value: 'courier', path: 'data.method' },
    { type: 'InventoryChanged', at: ['ats'], value: -1, path: 'data.ats' },
    { type: 'OrderAllocated', at: ['status'], value: 'BACKORDERED', path: 'data.status' },
    { type: 'OrderLinesCancelled', at: ['reason'], value: 'Not A Code', path: 'data.reason' },
    { type: 'BackorderDeadlinePassed', at: ['deadline'], value: 'tomorrow', path: 'data.deadline' },
    { type: 'ShipmentOverdue', at: ['kind'], value: 'teleport', path: 'data.kind' },
    { type: 'ShipmentOverdue', at: ['nextDeadline'], value: REMOVE, path: 'data.nextDeadline' },
  ];

  test.each(cases)('$type: $path', ({ type, at, value, path }) => {
    const event = withData(type, (data) => {
      let target: Record<string | number, unknown> = data;
      for (const key of at.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
      const last = at[at.length - 1] as string | number;
      if (value === REMOVE) delete target[last];
      else target[last] = value;
    });
    const error = rejectionOf(event);
    expect(error.issues.map((issue) => issue.path)).toContain(path);
    expect(error.message).toContain(`Invalid ${type} v1 event`);
  });

  test('an order event must carry the orderId of its data in the envelope', () => {
    const { orderId: _omitted, ...withoutOrderId } = exampleEvent('ShipmentShipped');
    expect(rejectionOf(withoutOrderId).issues.map((issue) => issue.path)).toContain('orderId');
    const mismatched = { ...exampleEvent('OrderCreated'), orderId: 'ord_01JD7W8Y3Q9T2M4N6P8R0S2V4Z' };
    expect(rejectionOf(mismatched).message).toContain('orderId: must equal the orderId in data');
  });

  test('ShipmentRequested has pickup and transfer variants besides ship', () => {
    // shipTo, serviceLevel and the delivery promise (shipBy, promisedBy) belong to ship requests.
    const {
      shipTo: _shipTo,
      serviceLevel: _service,
      shipBy: _shipBy,
      promisedBy: _promisedBy,
      ...common
    } = EVENT_CATALOG.ShipmentRequested.example as {
      shipTo: unknown;
      serviceLevel: unknown;
      shipBy: unknown;
      promisedBy: unknown;
    } & Record<string, unknown>;
    const pickup = {
      ...common,
      kind: 'pickup',
      pickupContact: { name: 'Sanne de Vries', phone: '+31 6 1234 5678' },
    };
    const transfer = {
      ...common,
      kind: 'transfer',
      toLocationId: 'store-ams-centrum',
      serviceLevel: 'standard',
    };
    for (const data of [pickup, transfer]) {
      expect(parseEvent({ ...clone(exampleEvent('ShipmentRequested')), data }).data).toEqual(data);
    }
    const error = rejectionOf({
      ...exampleEvent('ShipmentRequested'),
      data: { ...transfer, toLocationId: undefined },
    });
    expect(error.issues.map((issue) => issue.path)).toContain('data.toLocationId');
  });

  test('InventoryChanged needs no orderId', () => {
    const event = exampleEvent('InventoryChanged');
    expect(event.orderId).toBeUndefined();
    expect(parseEvent(clone(event)).type).toBe('InventoryChanged');
  });

  test('an unknown type is rejected with the known types listed', () => {
    const error = rejectionOf({ ...exampleEvent('OrderCreated'), type: 'OrderTeleported' });
    expect(error.message).toMatch(/^Unknown event type "OrderTeleported"; known types: OrderCreated, /);
    expect(error.issues).toEqual([{ path: 'type', message: 'is not a known event type' }]);
  });

  test('an unsupported version is rejected as such', () => {
    const error = rejectionOf({ ...exampleEvent('OrderCreated'), version: 2 });
    expect(error.message).toBe('OrderCreated version 2 is not supported; this catalog has version 1');
  });

  test('something that is not an envelope is rejected', () => {
    expect(rejectionOf('OrderCreated').message).toMatch(/^Not an event/);
    expect(rejectionOf([]).message).toMatch(/^Not an event/);
    expect(rejectionOf({ data: {} }).issues).toEqual([{ path: 'type', message: 'must be a string' }]);
  });

  test('parseEvent narrows by type', () => {
    const event: CatalogEvent = parseEvent(clone(exampleEvent('RefundIssued')));
    if (event.type !== 'RefundIssued') throw new Error('wrong type');
    expect(event.data.amount).toBe(2495);
  });
});

describe('the existing builders produce catalog events', () => {
  const now = '2025-03-14T09:26:53.412Z';
  const base = { eventId: '01JD7WB0Q4M3ZK8F5T2N9H6CZZ', occurredAt: now, correlationId: 'req_test' };
  const order: Order = newOrder({
    orderId: 'ord_01JD7W8Y3Q9T2M4N6P8R0S2V4X',
    channel: 'web-nl',
    now,
    request: PlaceOrderRequestSchema.parse({
      customer: { customerId: 'cus_1', email: 'a@example.com' },
      currency: 'EUR',
      lines: [
        { sku: 'TSHIRT-ORG-BLK-M', quantity: 2, unitPrice: 2495 },
        { lineId: 'gift', sku: 'MUG-STONE-350', quantity: 1, unitPrice: 0 },
      ],
      delivery: {
        method: 'ship',
        address: {
          name: 'Sanne de Vries',
          line1: 'Keizersgracht 123',
          city: 'Amsterdam',
          postalCode: '1015 CJ',
          country: 'NL',
        },
      },
    }),
  });

  test('orderCreated', () => {
    const event = orderCreated(base, order);
    expect(parseEvent(clone(event))).toEqual(event);
  });

  test('orderCancelled', () => {
    const cancelled: Order = {
      ...order,
      status: 'CANCELLED',
      cancellation: {
        reason: 'customer-request: wrong colour',
        at: now,
        by: { type: 'channel', id: 'web-nl' },
      },
    };
    const event = orderCancelled(base, cancelled, 'ALLOCATED');
    expect(parseEvent(clone(event))).toEqual(event);
  });
});

describe('JSON Schemas', () => {
  const schemas = eventJsonSchemas();

  test('one per detail-type, with distinct $ids and file names', () => {
    expect(schemas.map((s) => s.type)).toEqual(DETAIL_TYPES);
    expect(new Set(schemas.map((s) => s.schema.$id)).size).toBe(DETAIL_TYPES.length);
    expect(new Set(schemas.map((s) => s.fileName)).size).toBe(DETAIL_TYPES.length);
  });

  test.each(DETAIL_TYPES)('%s is a 2020-12 envelope schema', (type) => {
    const schema = eventJsonSchema(type);
    const properties = schema.properties ?? {};
    expect(schema.$schema).toBe(JSON_SCHEMA_DIALECT);
    expect(schema.$id).toBe(`urn:quartermaster:events:${type}:v${EVENT_CATALOG[type].version}`);
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(
      expect.arrayContaining(['eventId', 'type', 'version', 'occurredAt', 'correlationId', 'data']),
    );
    expect(schema.required?.includes('orderId')).toBe(EVENT_CATALOG[type].scope === 'order');
    expect((properties.type as JsonSchema).const).toBe(type);
    expect((properties.version as JsonSchema).const).toBe(EVENT_CATALOG[type].version);
    // Open objects: additive changes must not break consumers that validate with this schema.
    expect(JSON.stringify(schema)).not.toContain('"additionalProperties":false');
  });

  describe('compiled with ajv (2020-12)', () => {
    test.each(DETAIL_TYPES)('%s: valid schema that accepts its example and rejects a broken one', (type) => {
      const schema = eventJsonSchema(type);
      expect(ajv.validateSchema(schema)).toBe(true);
      const validate = ajv.compile(schema);
      const example = clone(exampleEvent(type));
      expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
      expect(validate({ ...example, type: 'Other' })).toBe(false);
      expect(validate({ ...example, data: 'nope' })).toBe(false);
      // Additive change: an unknown field is fine.
      expect(validate({ ...example, data: { ...example.data, addedLater: true } })).toBe(true);
    });
  });
});

describe('EventBridge schema registry entries', () => {
  const entries = schemaRegistryEntries();

  test('one OpenAPI 3 schema per detail-type, named <source>@<type>', () => {
    expect(entries.map((e) => e.name)).toEqual(DETAIL_TYPES.map((type) => `quartermaster.oms@${type}`));
    for (const entry of entries) {
      expect(entry.type).toBe('OpenApi3');
      const document = JSON.parse(entry.content) as {
        openapi: string;
        info: { version: string; title: string };
        components: { schemas: Record<string, JsonSchema & Record<string, unknown>> };
      };
      expect(document.openapi).toBe('3.0.0');
      expect(document.info.version).toBe(`${entry.version}.0.0`);
      const wrapper = document.components.schemas.AWSEvent;
      expect(wrapper?.['x-amazon-events-detail-type']).toBe(entry.detailType);
      expect(wrapper?.['x-amazon-events-source']).toBe('quartermaster.oms');
      expect(wrapper?.properties?.detail).toEqual({ $ref: `#/components/schemas/${entry.detailType}` });
      expect(document.components.schemas[entry.detailType]?.type).toBe('object');
      // OpenAPI 3.0 has no `const` or `$schema`; the generator must have used its target.
      expect(entry.content).not.toContain('"const"');
      expect(entry.content).not.toContain('"$schema"');
    }
  });
});

describe('generated docs', () => {
  test('docs/events.md and docs/events/*.schema.json are in sync with the catalog', () => {
    // If this fails, run: tsx scripts/generate-event-docs.ts
    expect(checkEventDocs()).toEqual([]);
  });

  test('rendering is deterministic and the JSON files parse back to the schemas', () => {
    const first = renderEventDocs();
    expect(renderEventDocs()).toEqual(first);
    const schemas = new Map(eventJsonSchemas().map((s) => [`docs/events/${s.fileName}`, s.schema]));
    for (const file of first.filter((f) => f.path.endsWith('.json'))) {
      expect(JSON.parse(file.content)).toEqual(schemas.get(file.path));
    }
    const doc = first.find((f) => f.path === 'docs/events.md')?.content ?? '';
    for (const heading of ['webhook-signature', 'eventId', 'Versioning', 'Ordering'])
      expect(doc).toContain(heading);
    for (const type of DETAIL_TYPES) expect(doc).toContain(`### ${type}\n`);
  });

  test('formatJson keeps short arrays on one line and long ones expanded', () => {
    const long = Array.from({ length: 20 }, (_, i) => `value-${i}`);
    expect(formatJson({ a: ['x', 'y'], b: {}, c: [] })).toBe(
      '{\n  "a": ["x", "y"],\n  "b": {},\n  "c": []\n}\n',
    );
    expect(formatJson({ long }).trimEnd().split('\n')).toHaveLength(long.length + 4);
  });

  describe('--check', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'event-docs-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('reports missing, changed and stale files; writing fixes them', () => {
      expect(checkEventDocs(dir)).toContain('docs/events.md is missing');
      writeEventDocs(dir);
      expect(checkEventDocs(dir)).toEqual([]);
      const md = join(dir, 'docs/events.md');
      writeFileSync(md, `${readFileSync(md, 'utf8')}\nhand edit\n`);
      writeFileSync(join(dir, 'docs/events/OrderTeleported.v1.schema.json'), '{}\n');
      expect(checkEventDocs(dir)).toEqual([
        'docs/events.md is out of date',
        'docs/events/OrderTeleported.v1.schema.json is not in the catalog',
      ]);
      expect(writeEventDocs(dir)).toEqual(['docs/events/OrderTeleported.v1.schema.json', 'docs/events.md']);
      expect(checkEventDocs(dir)).toEqual([]);
    });
  });
});
