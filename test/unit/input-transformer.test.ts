import { describe, expect, test } from 'vitest';
import {
  applyInputPath,
  applyInputTransformer,
  type CfnTargetInput,
  type InputTransformer,
  transformTargetInput,
  validateInputTransformer,
} from '../../local/eventbridge/input-transformer.ts';

const event = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'OrderPlaced',
  source: 'quartermaster.orders',
  account: '123456789012',
  time: '2026-03-14T09:26:53Z',
  region: 'eu-west-1',
  resources: [],
  detail: {
    orderId: 'ORD-1001',
    'customer-id': 'C-9',
    total: 42.5,
    express: true,
    giftMessage: null,
    note: 'say "hi"\nthanks',
    address: { city: 'Dublin', lines: ['1 Main St', 'Apt 2'] },
    lines: [
      { sku: 'SKU-1', qty: 2 },
      { sku: 'SKU-2', qty: 1 },
    ],
  },
};

const paths = {
  orderId: '$.detail.orderId',
  customer: '$.detail.customer-id',
  total: '$.detail.total',
  express: '$.detail.express',
  gift: '$.detail.giftMessage',
  note: '$.detail.note',
  address: '$.detail.address',
  firstSku: '$.detail.lines[0].sku',
  skus: '$.detail.lines[*].sku',
  missing: '$.detail.nothing.here',
  source: '$.source',
};

type Case = [name: string, template: string, expected: string];

const cases: Case[] = [
  ['JSON: string value as JSON', '{"id": <orderId>}', '{"id": "ORD-1001"}'],
  ['JSON: number value as JSON', '{"total": <total>}', '{"total": 42.5}'],
  ['JSON: boolean value as JSON', '{"express": <express>}', '{"express": true}'],
  ['JSON: null value as JSON', '{"gift": <gift>}', '{"gift": null}'],
  // AWS: a path the event does not have creates no variable; nothing is written for it (not null).
  ['JSON: missing path writes nothing', '{"x": <missing>}', '{"x": }'],
  [
    'JSON: object value as JSON',
    '{"a": <address>}',
    '{"a": {"city":"Dublin","lines":["1 Main St","Apt 2"]}}',
  ],
  ['JSON: dashed key in path', '{"c": <customer>}', '{"c": "C-9"}'],
  ['JSON: array index path', '{"s": <firstSku>}', '{"s": "SKU-1"}'],
  ['JSON: wildcard path yields an array', '{"s": <skus>}', '{"s": ["SKU-1","SKU-2"]}'],
  ['JSON: value escaped as JSON', '{"n": <note>}', '{"n": "say \\"hi\\"\\nthanks"}'],
  [
    'JSON: inside a string, inserted as text',
    '{"m": "order <orderId> placed"}',
    '{"m": "order ORD-1001 placed"}',
  ],
  [
    'JSON: inside a string, quotes and newlines escaped',
    '{"m": "note: <note>"}',
    '{"m": "note: say \\"hi\\"\\nthanks"}',
  ],
  ['JSON: inside a string, number as text', '{"m": "total <total>"}', '{"m": "total 42.5"}'],
  ['JSON: inside a string, missing is empty', '{"m": "x<missing>y"}', '{"m": "xy"}'],
  [
    'JSON: inside a string, object as escaped JSON',
    '{"m": "<address>"}',
    '{"m": "{\\"city\\":\\"Dublin\\",\\"lines\\":[\\"1 Main St\\",\\"Apt 2\\"]}"}',
  ],
  [
    'JSON: escaped quotes around a placeholder stay in the string',
    '{"m": "order \\"<orderId>\\" is <express>"}',
    '{"m": "order \\"ORD-1001\\" is true"}',
  ],
  [
    'JSON: same variable in and out of strings',
    '{"id": <orderId>, "m": "<orderId>!"}',
    '{"id": "ORD-1001", "m": "ORD-1001!"}',
  ],
  ['JSON: array template', '[9, <orderId>, true]', '[9, "ORD-1001", true]'],
  [
    'JSON: undefined placeholder left as written',
    '{"m": "<b>bold</b>", "x": <orderId>}',
    '{"m": "<b>bold</b>", "x": "ORD-1001"}',
  ],
  ['JSON: static template untouched', '{"fixed": "yes"}', '{"fixed": "yes"}'],
  [
    'string template: value inside the quotes',
    '"instance <orderId> is in <source>"',
    '"instance ORD-1001 is in quartermaster.orders"',
  ],
  [
    'plain text: strings verbatim',
    '<orderId> is in state <source>',
    'ORD-1001 is in state quartermaster.orders',
  ],
  ['plain text: object as JSON', '<address>', '{"city":"Dublin","lines":["1 Main St","Apt 2"]}'],
  ['plain text: quoted placeholder escaped', 'order "<note>"', 'order "say \\"hi\\"\\nthanks"'],
  ['plain text: missing is empty', 'x=<missing>.', 'x=.'],
];

describe('applyInputTransformer', () => {
  test.each(cases)('%s', (_name, template, expected) => {
    const transformer: InputTransformer = { InputPathsMap: paths, InputTemplate: template };
    expect(validateInputTransformer(transformer)).toEqual([]);
    expect(applyInputTransformer(transformer, event)).toBe(expected);
  });

  test('JSON template output parses as JSON', () => {
    const out = applyInputTransformer(
      {
        InputPathsMap: paths,
        InputTemplate: '{"id": <orderId>, "m": "<note> <address>", "a": <address>, "x": "<missing>"}',
      },
      event,
    );
    expect(JSON.parse(out)).toEqual({
      id: 'ORD-1001',
      m: 'say "hi"\nthanks {"city":"Dublin","lines":["1 Main St","Apt 2"]}',
      a: event.detail.address,
      x: '',
    });
  });

  test('a path the event does not have is reported (the local runtime warns: AWS leaves the value out)', () => {
    const reported: [string, string][] = [];
    const out = applyInputTransformer(
      { InputPathsMap: paths, InputTemplate: '{"id": <orderId>, "x": <missing>}' },
      event,
      { onMissingPath: (variable, path) => reported.push([variable, path]) },
    );
    expect(reported).toEqual([['missing', '$.detail.nothing.here']]);
    expect(() => JSON.parse(out)).toThrow();
  });

  test('a JSON null in the event is a value, not a missing path', () => {
    const reported: string[] = [];
    const out = applyInputTransformer({ InputPathsMap: paths, InputTemplate: '{"gift": <gift>}' }, event, {
      onMissingPath: (variable) => reported.push(variable),
    });
    expect(out).toBe('{"gift": null}');
    expect(reported).toEqual([]);
  });

  test.each<[string, string, unknown]>([
    ['rule name as JSON', '{"rule": <aws.events.rule-name>}', { rule: 'orders-to-partners' }],
    [
      'rule arn',
      '{"arn": <aws.events.rule-arn>}',
      { arn: 'arn:aws:events:eu-west-1:123456789012:rule/orders-to-partners' },
    ],
    [
      'ingestion time from context',
      '{"t": <aws.events.event.ingestion-time>}',
      { t: '2026-03-14T09:26:54Z' },
    ],
    [
      'rule name inside a string',
      '{"m": "<aws.events.rule-name> triggered"}',
      { m: 'orders-to-partners triggered' },
    ],
    ['whole event with detail', '{"e": <aws.events.event.json>}', { e: event }],
    [
      'event envelope without detail',
      '{"e": <aws.events.event>}',
      { e: Object.fromEntries(Object.entries(event).filter(([key]) => key !== 'detail')) },
    ],
  ])('predefined variable: %s', (_name, template, expected) => {
    const out = applyInputTransformer({ InputTemplate: template }, event, {
      ruleName: 'orders-to-partners',
      ruleArn: 'arn:aws:events:eu-west-1:123456789012:rule/orders-to-partners',
      ingestionTime: '2026-03-14T09:26:54Z',
    });
    expect(JSON.parse(out)).toEqual(expected);
  });

  test('ingestion time defaults to the event time', () => {
    expect(applyInputTransformer({ InputTemplate: '"<aws.events.event.ingestion-time>"' }, event)).toBe(
      '"2026-03-14T09:26:53Z"',
    );
  });

  test('whole event as escaped text inside a string', () => {
    const out = applyInputTransformer({ InputTemplate: '{"raw": "<aws.events.event.json>"}' }, event);
    expect(JSON.parse(JSON.parse(out).raw)).toEqual(event);
  });

  test('an invalid JSON path throws', () => {
    expect(() =>
      applyInputTransformer({ InputPathsMap: { x: 'detail.orderId' }, InputTemplate: '<x>' }, event),
    ).toThrow(/must start with "\$"/);
  });
});

describe('applyInputPath', () => {
  test.each<[string, string, unknown]>([
    ['whole event', '$', event],
    ['detail', '$.detail', event.detail],
    ['nested string', '$.detail.address.city', 'Dublin'],
    ['array element', '$.detail.address.lines[1]', 'Apt 2'],
    ['field of an array element', '$.detail.lines[1].qty', 1],
    ['wildcard over array', '$.detail.lines[*].qty', [2, 1]],
    ['dot wildcard over object', '$.detail.address.*', ['Dublin', ['1 Main St', 'Apt 2']]],
    ['bracket-quoted key', "$.detail['customer-id']", 'C-9'],
    ['JSON null value', '$.detail.giftMessage', null],
    ['missing field', '$.detail.nope', undefined],
    ['index past the end', '$.detail.lines[5]', undefined],
    ['key on a leaf', '$.detail.total.value', undefined],
  ])('%s', (_name, path, expected) => {
    expect(applyInputPath(path, event)).toEqual(expected);
  });

  test.each(['detail', '$..detail', '$.detail[-1]', '$.detail[abc]', '$detail'])(
    'rejects path %s',
    (path) => {
      expect(() => applyInputPath(path, event)).toThrow(/invalid JSON path/);
    },
  );
});

describe('transformTargetInput', () => {
  test.each<[string, CfnTargetInput, string]>([
    ['no input settings: the whole event', {}, JSON.stringify(event)],
    ['constant Input verbatim', { Input: '{"kind":"ping"}' }, '{"kind":"ping"}'],
    ['InputPath selection as JSON', { InputPath: '$.detail.address' }, JSON.stringify(event.detail.address)],
    ['InputPath to a string', { InputPath: '$.detail.orderId' }, '"ORD-1001"'],
    ['InputPath to a missing field', { InputPath: '$.detail.nope' }, 'null'],
    [
      'InputTransformer with rule name',
      {
        InputTransformer: {
          InputPathsMap: { id: '$.detail.orderId' },
          InputTemplate: '{"id": <id>, "rule": <aws.events.rule-name>}',
        },
      },
      '{"id": "ORD-1001", "rule": "orders-to-partners"}',
    ],
  ])('%s', (_name, target, expected) => {
    expect(transformTargetInput(target, event, 'orders-to-partners')).toBe(expected);
  });

  test('more than one input setting is refused', () => {
    expect(() => transformTargetInput({ Input: '{}', InputPath: '$.detail' }, event, 'r')).toThrow(
      /only one of/,
    );
  });
});

describe('validateInputTransformer', () => {
  test.each<[string, unknown, string]>([
    ['not an object', 'x', 'must be an object'],
    ['missing template', { InputPathsMap: {} }, 'InputTemplate must be a string'],
    ['empty template', { InputTemplate: '' }, 'InputTemplate must be a string'],
    ['template too long', { InputTemplate: 'x'.repeat(8193) }, 'InputTemplate must be a string'],
    ['bad key characters', { InputPathsMap: { 'order id': '$.id' }, InputTemplate: '<x>' }, 'must match'],
    [
      'reserved variable as key',
      { InputPathsMap: { 'aws.events.event': '$' }, InputTemplate: '<x>' },
      'predefined variable',
    ],
    ['path not a string', { InputPathsMap: { a: 5 }, InputTemplate: '<a>' }, 'must be a JSON path string'],
    ['bad path syntax', { InputPathsMap: { a: 'detail.a' }, InputTemplate: '<a>' }, 'must start with "$"'],
    [
      'placeholder as object key',
      { InputPathsMap: { a: '$.id' }, InputTemplate: '{<a>: 1}' },
      'as an object key',
    ],
    [
      'more than 100 variables',
      {
        InputPathsMap: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, '$.id'])),
        InputTemplate: '<v0>',
      },
      'at most 100',
    ],
  ])('rejects: %s', (_name, transformer, fragment) => {
    expect(validateInputTransformer(transformer).join('\n')).toContain(fragment);
  });
});
