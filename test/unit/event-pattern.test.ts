import { describe, expect, test } from 'vitest';
import {
  type EventPattern,
  matchesEventPattern,
  validateEventPattern,
} from '../../local/eventbridge/event-pattern.ts';

/** A Quartermaster-shaped event; cases override `detail` or top-level fields as needed. */
const baseEvent = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'OrderPlaced',
  source: 'quartermaster.orders',
  account: '123456789012',
  time: '2026-03-14T09:26:53Z',
  region: 'eu-west-1',
  resources: ['arn:aws:dynamodb:eu-west-1:123456789012:table/orders'],
  detail: {
    orderId: 'ORD-1001',
    status: 'PLACED',
    channel: 'Web',
    total: 42.5,
    itemCount: 3,
    priority: 3.0,
    express: true,
    giftMessage: null,
    couponCode: '',
    customer: { id: 'C-9', tier: 'gold', email: 'Ada@Example.COM' },
    lines: [
      { sku: 'SKU-1', qty: 2, warehouse: 'DUB' },
      { sku: 'SKU-2', qty: 1, warehouse: 'AMS' },
    ],
    tags: ['fragile', 'b2b'],
    sourceIp: '10.0.0.33',
    sourceIpV6: '2001:db8::ff00:42:8329',
    file: 'invoices/2026/ORD-1001.pdf',
    note: 'price is 5* off',
  },
};

function event(
  detail: Record<string, unknown> = {},
  top: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...baseEvent, ...top, detail: { ...baseEvent.detail, ...detail } };
}

type Case = [name: string, pattern: EventPattern, event: unknown, expected: boolean];

const cases: Case[] = [
  // --- exact values and top-level fields -------------------------------------------------------
  ['source exact match', { source: ['quartermaster.orders'] }, event(), true],
  ['source exact non-match', { source: ['quartermaster.inventory'] }, event(), false],
  ['source list is OR', { source: ['aws.ec2', 'quartermaster.orders'] }, event(), true],
  ['detail-type match', { 'detail-type': ['OrderPlaced'] }, event(), true],
  ['detail-type is case-sensitive', { 'detail-type': ['orderplaced'] }, event(), false],
  ['account match', { account: ['123456789012'] }, event(), true],
  ['region match', { region: ['eu-west-1', 'us-east-1'] }, event(), true],
  ['region non-match', { region: ['us-east-1'] }, event(), false],
  ['id match', { id: ['6a7e8feb-b491-4cf7-a9f1-bf3703467718'] }, event(), true],
  ['time prefix', { time: [{ prefix: '2026-03-14' }] }, event(), true],
  [
    'resources: any element matches',
    { resources: ['arn:aws:dynamodb:eu-west-1:123456789012:table/orders'] },
    event(),
    true,
  ],
  ['resources: no element matches', { resources: ['arn:aws:sqs:eu-west-1:123456789012:q'] }, event(), false],
  [
    'fields are ANDed (both match)',
    { source: ['quartermaster.orders'], detail: { status: ['PLACED'] } },
    event(),
    true,
  ],
  [
    'fields are ANDed (one fails)',
    { source: ['quartermaster.orders'], detail: { status: ['SHIPPED'] } },
    event(),
    false,
  ],
  ['field absent from event', { detail: { warehouse: ['DUB'] } }, event(), false],
  ['nested object match', { detail: { customer: { tier: ['gold'] } } }, event(), true],
  ['nested object non-match', { detail: { customer: { tier: ['silver'] } } }, event(), false],
  ['nested pattern against leaf field fails', { detail: { status: { code: ['PLACED'] } } }, event(), false],
  ['value pattern against object field fails', { detail: { customer: ['gold'] } }, event(), false],
  ['boolean true match', { detail: { express: [true] } }, event(), true],
  ['boolean does not match string "true"', { detail: { express: ['true'] } }, event(), false],
  ['string does not match number', { detail: { itemCount: ['3'] } }, event(), false],
  ['number exact match', { detail: { itemCount: [3] } }, event(), true],
  ['number 3 equals event 3.0', { detail: { priority: [3] } }, event(), true],
  ['number 3.0 equals event 3', { detail: { itemCount: [3.0] } }, event(), true],
  ['number 42.5 exact', { detail: { total: [42.5] } }, event(), true],
  ['number non-match', { detail: { total: [42] } }, event(), false],
  ['event that is not an object', { source: ['x'] }, 'not-an-event', false],

  // --- arrays in the event ----------------------------------------------------------------------
  ['array field: any element matches', { detail: { tags: ['b2b'] } }, event(), true],
  ['array field: no element matches', { detail: { tags: ['retail'] } }, event(), false],
  ['array of objects: field of one element', { detail: { lines: { sku: ['SKU-2'] } } }, event(), true],
  [
    'array of objects: both fields in the same element',
    { detail: { lines: { sku: ['SKU-2'], warehouse: ['AMS'] } } },
    event(),
    true,
  ],
  [
    'array of objects: fields from different elements do not combine',
    { detail: { lines: { sku: ['SKU-1'], warehouse: ['AMS'] } } },
    event(),
    false,
  ],
  ['nested arrays are flattened', { detail: { grid: ['c'] } }, event({ grid: [['a', 'b'], ['c']] }), true],
  ['empty array matches no value', { resources: ['x'] }, event({}, { resources: [] }), false],

  // --- null, absent and empty string ------------------------------------------------------------
  ['[null] matches a JSON null field', { detail: { giftMessage: [null] } }, event(), true],
  ['[null] does not match an absent field', { detail: { missing: [null] } }, event(), false],
  ['[null] does not match an empty string', { detail: { couponCode: [null] } }, event(), false],
  ['[""] matches an empty string', { detail: { couponCode: [''] } }, event(), true],
  ['[""] does not match null', { detail: { giftMessage: [''] } }, event(), false],
  ['[""] does not match an absent field', { detail: { missing: [''] } }, event(), false],

  // --- prefix / suffix --------------------------------------------------------------------------
  ['prefix match', { detail: { orderId: [{ prefix: 'ORD-' }] } }, event(), true],
  ['prefix non-match', { detail: { orderId: [{ prefix: 'INV-' }] } }, event(), false],
  ['prefix is case-sensitive', { detail: { orderId: [{ prefix: 'ord-' }] } }, event(), false],
  ['prefix never matches numbers', { detail: { itemCount: [{ prefix: '3' }] } }, event(), false],
  [
    'prefix equals-ignore-case',
    { detail: { orderId: [{ prefix: { 'equals-ignore-case': 'ord-' } }] } },
    event(),
    true,
  ],
  [
    'prefix equals-ignore-case non-match',
    { detail: { orderId: [{ prefix: { 'equals-ignore-case': 'inv-' } }] } },
    event(),
    false,
  ],
  ['suffix match', { detail: { file: [{ suffix: '.pdf' }] } }, event(), true],
  ['suffix non-match', { detail: { file: [{ suffix: '.png' }] } }, event(), false],
  ['suffix is case-sensitive', { detail: { file: [{ suffix: '.PDF' }] } }, event(), false],
  [
    'suffix equals-ignore-case',
    { detail: { file: [{ suffix: { 'equals-ignore-case': '.PDF' } }] } },
    event(),
    true,
  ],
  ['prefix OR exact in one list', { detail: { status: ['SHIPPED', { prefix: 'PLA' }] } }, event(), true],

  // --- equals-ignore-case -----------------------------------------------------------------------
  ['equals-ignore-case match', { detail: { channel: [{ 'equals-ignore-case': 'WEB' }] } }, event(), true],
  [
    'equals-ignore-case nested',
    { detail: { customer: { email: [{ 'equals-ignore-case': 'ada@example.com' }] } } },
    event(),
    true,
  ],
  [
    'equals-ignore-case non-match',
    { detail: { channel: [{ 'equals-ignore-case': 'store' }] } },
    event(),
    false,
  ],
  [
    'equals-ignore-case is not prefix',
    { detail: { channel: [{ 'equals-ignore-case': 'we' }] } },
    event(),
    false,
  ],

  // --- anything-but -----------------------------------------------------------------------------
  [
    'anything-but string: different value',
    { detail: { status: [{ 'anything-but': 'CANCELLED' }] } },
    event(),
    true,
  ],
  ['anything-but string: same value', { detail: { status: [{ 'anything-but': 'PLACED' }] } }, event(), false],
  [
    'anything-but list of strings excludes',
    { detail: { status: [{ 'anything-but': ['PLACED', 'CANCELLED'] }] } },
    event(),
    false,
  ],
  [
    'anything-but list of strings allows',
    { detail: { status: [{ 'anything-but': ['SHIPPED', 'CANCELLED'] }] } },
    event(),
    true,
  ],
  ['anything-but number excludes', { detail: { itemCount: [{ 'anything-but': 3 }] } }, event(), false],
  [
    'anything-but number 3.0 excludes 3',
    { detail: { itemCount: [{ 'anything-but': 3.0 }] } },
    event(),
    false,
  ],
  [
    'anything-but list of numbers allows',
    { detail: { itemCount: [{ 'anything-but': [1, 2] }] } },
    event(),
    true,
  ],
  [
    'anything-but string vs number field',
    { detail: { itemCount: [{ 'anything-but': '3' }] } },
    event(),
    true,
  ],
  [
    'anything-but needs the field present',
    { detail: { missing: [{ 'anything-but': 'x' }] } },
    event(),
    false,
  ],
  [
    'anything-but on array: some element differs',
    { detail: { tags: [{ 'anything-but': 'fragile' }] } },
    event(),
    true,
  ],
  [
    'anything-but on array: all elements excluded',
    { detail: { tags: [{ 'anything-but': ['fragile', 'b2b'] }] } },
    event(),
    false,
  ],
  [
    'anything-but prefix excludes',
    { detail: { orderId: [{ 'anything-but': { prefix: 'ORD-' } }] } },
    event(),
    false,
  ],
  [
    'anything-but prefix allows',
    { detail: { orderId: [{ 'anything-but': { prefix: 'INV-' } }] } },
    event(),
    true,
  ],
  ['anything-but prefix list', { region: [{ 'anything-but': { prefix: ['us-', 'eu-'] } }] }, event(), false],
  [
    'anything-but suffix excludes',
    { detail: { file: [{ 'anything-but': { suffix: '.pdf' } }] } },
    event(),
    false,
  ],
  [
    'anything-but suffix allows',
    { detail: { file: [{ 'anything-but': { suffix: '.png' } }] } },
    event(),
    true,
  ],
  [
    'anything-but equals-ignore-case excludes',
    { detail: { status: [{ 'anything-but': { 'equals-ignore-case': 'placed' } }] } },
    event(),
    false,
  ],
  [
    'anything-but equals-ignore-case list allows',
    { detail: { status: [{ 'anything-but': { 'equals-ignore-case': ['shipped', 'cancelled'] } }] } },
    event(),
    true,
  ],
  [
    'anything-but wildcard excludes',
    { detail: { file: [{ 'anything-but': { wildcard: 'invoices/*' } }] } },
    event(),
    false,
  ],
  [
    'anything-but wildcard allows',
    { detail: { file: [{ 'anything-but': { wildcard: '*/returns/*' } }] } },
    event(),
    true,
  ],

  // --- numeric ----------------------------------------------------------------------------------
  ['numeric range inside', { detail: { itemCount: [{ numeric: ['>', 0, '<=', 5] }] } }, event(), true],
  [
    'numeric range upper bound inclusive',
    { detail: { itemCount: [{ numeric: ['>', 0, '<=', 3] }] } },
    event(),
    true,
  ],
  [
    'numeric range upper bound exclusive',
    { detail: { itemCount: [{ numeric: ['>', 0, '<', 3] }] } },
    event(),
    false,
  ],
  ['numeric lower bound exclusive', { detail: { itemCount: [{ numeric: ['>', 3] }] } }, event(), false],
  ['numeric lower bound inclusive', { detail: { itemCount: [{ numeric: ['>=', 3] }] } }, event(), true],
  ['numeric = with 3.0 vs 3', { detail: { priority: [{ numeric: ['=', 3] }] } }, event(), true],
  ['numeric = exponent form', { detail: { total: [{ numeric: ['=', 4.25e1] }] } }, event(), true],
  ['numeric < non-match', { detail: { total: [{ numeric: ['<', 10] }] } }, event(), false],
  [
    'numeric ignores numeric strings',
    { detail: { orderId: [{ numeric: ['>', 0] }] } },
    event({ orderId: '7' }),
    false,
  ],
  [
    'numeric on array: any element',
    { detail: { qtys: [{ numeric: ['>=', 10] }] } },
    event({ qtys: [1, 12] }),
    true,
  ],
  [
    'numeric outside ±5e9 never matches',
    { detail: { big: [{ numeric: ['>', 0] }] } },
    event({ big: 6e9 }),
    false,
  ],

  // --- exists -----------------------------------------------------------------------------------
  ['exists true on present field', { detail: { orderId: [{ exists: true }] } }, event(), true],
  ['exists true on absent field', { detail: { missing: [{ exists: true }] } }, event(), false],
  ['exists true on null field', { detail: { giftMessage: [{ exists: true }] } }, event(), true],
  ['exists true on empty string', { detail: { couponCode: [{ exists: true }] } }, event(), true],
  ['exists false on absent field', { detail: { missing: [{ exists: false }] } }, event(), true],
  ['exists false on present field', { detail: { orderId: [{ exists: false }] } }, event(), false],
  ['exists false on null field (present)', { detail: { giftMessage: [{ exists: false }] } }, event(), false],
  [
    'exists false when the parent object is missing',
    { detail: { shipping: { carrier: [{ exists: false }] } } },
    event(),
    true,
  ],
  [
    'exists false when detail itself is missing',
    { detail: { status: [{ exists: false }] } },
    { source: 'x' },
    true,
  ],
  [
    'exists true when the parent object is missing',
    { detail: { shipping: { carrier: [{ exists: true }] } } },
    event(),
    false,
  ],
  [
    'exists true on an object field (not a leaf)',
    { detail: { customer: [{ exists: true }] } },
    event(),
    false,
  ],
  [
    'exists false on an object field (not a leaf)',
    { detail: { customer: [{ exists: false }] } },
    event(),
    true,
  ],
  ['exists true on an empty array', { resources: [{ exists: true }] }, event({}, { resources: [] }), false],
  [
    'exists false inside array elements',
    { detail: { lines: { giftWrap: [{ exists: false }] } } },
    event(),
    true,
  ],
  [
    'exists false OR value',
    { detail: { coupon: [{ exists: false }, 'SPRING'] } },
    event({ coupon: 'SPRING' }),
    true,
  ],

  // --- wildcard ---------------------------------------------------------------------------------
  ['wildcard in the middle', { detail: { file: [{ wildcard: 'invoices/*/ORD-*.pdf' }] } }, event(), true],
  ['wildcard non-match', { detail: { file: [{ wildcard: 'credit-notes/*' }] } }, event(), false],
  ['wildcard star matches empty run', { detail: { orderId: [{ wildcard: 'ORD-*1001' }] } }, event(), true],
  ['wildcard must cover the whole value', { detail: { orderId: [{ wildcard: 'ORD' }] } }, event(), false],
  ['wildcard is case-sensitive', { detail: { orderId: [{ wildcard: 'ord-*' }] } }, event(), false],
  [
    'wildcard escaped star is literal (match)',
    { detail: { note: [{ wildcard: '*5\\* off' }] } },
    event(),
    true,
  ],
  [
    'wildcard escaped star is literal (non-match)',
    { detail: { note: [{ wildcard: '*5\\* off' }] } },
    event({ note: 'price is 5x off' }),
    false,
  ],
  [
    'wildcard escaped backslash',
    { detail: { path: [{ wildcard: 'C:\\\\*' }] } },
    event({ path: 'C:\\temp' }),
    true,
  ],
  [
    'wildcard overlapping runs',
    { detail: { code: [{ wildcard: '*ab*ab' }] } },
    event({ code: 'xabab' }),
    true,
  ],
  ['wildcard never matches numbers', { detail: { itemCount: [{ wildcard: '*' }] } }, event(), false],

  // --- cidr -------------------------------------------------------------------------------------
  ['cidr v4 inside /24', { detail: { sourceIp: [{ cidr: '10.0.0.0/24' }] } }, event(), true],
  ['cidr v4 outside /24', { detail: { sourceIp: [{ cidr: '10.0.1.0/24' }] } }, event(), false],
  ['cidr v4 /8', { detail: { sourceIp: [{ cidr: '10.0.0.0/8' }] } }, event(), true],
  ['cidr v4 /0 matches any v4', { detail: { sourceIp: [{ cidr: '0.0.0.0/0' }] } }, event(), true],
  [
    'cidr v4 host bits in the base are ignored',
    { detail: { sourceIp: [{ cidr: '10.0.0.200/24' }] } },
    event(),
    true,
  ],
  [
    'cidr v4 /31 boundary',
    { detail: { ip: [{ cidr: '192.168.1.4/31' }] } },
    event({ ip: '192.168.1.5' }),
    true,
  ],
  [
    'cidr v4 /31 outside',
    { detail: { ip: [{ cidr: '192.168.1.4/31' }] } },
    event({ ip: '192.168.1.6' }),
    false,
  ],
  ['cidr v6 inside /32', { detail: { sourceIpV6: [{ cidr: '2001:db8::/32' }] } }, event(), true],
  ['cidr v6 outside /64', { detail: { sourceIpV6: [{ cidr: '2001:db8:1::/64' }] } }, event(), false],
  ['cidr v6 /127', { detail: { ip: [{ cidr: 'fe80::/127' }] } }, event({ ip: 'fe80::1' }), true],
  [
    'cidr v4 range never matches a v6 address',
    { detail: { sourceIpV6: [{ cidr: '0.0.0.0/0' }] } },
    event(),
    false,
  ],
  // EventBridge keeps an IPv4-mapped IPv6 address a plain string: no CIDR contains it, and it equals
  // only itself, never the IPv4 address it maps nor another spelling of the same mapped address.
  [
    'cidr v4 does not match an IPv4-mapped v6 string',
    { detail: { ip: [{ cidr: '10.0.0.0/24' }] } },
    event({ ip: '::ffff:10.0.0.9' }),
    false,
  ],
  [
    'cidr v6 does not match an IPv4-mapped v6 string',
    { detail: { ip: [{ cidr: '::ffff:0:0/96' }] } },
    event({ ip: '::ffff:10.0.0.9' }),
    false,
  ],
  [
    'exact v4 does not equal its IPv4-mapped v6 spelling',
    { detail: { ip: ['10.0.0.1'] } },
    event({ ip: '::ffff:10.0.0.1' }),
    false,
  ],
  [
    'exact IPv4-mapped v6 does not equal the v4 address',
    { detail: { ip: ['::ffff:10.0.0.1'] } },
    event({ ip: '10.0.0.1' }),
    false,
  ],
  [
    'exact IPv4-mapped v6 does not equal its hex spelling',
    { detail: { ip: ['::ffff:a00:1'] } },
    event({ ip: '::ffff:10.0.0.1' }),
    false,
  ],
  [
    'exact IPv4-mapped v6 equals the identical string',
    { detail: { ip: ['::ffff:10.0.0.1'] } },
    event({ ip: '::ffff:10.0.0.1' }),
    true,
  ],
  ['cidr ignores non-IP strings', { detail: { orderId: [{ cidr: '10.0.0.0/8' }] } }, event(), false],
  [
    'exact IP string matches equivalent v6 spelling',
    { detail: { ip: ['2001:db8::1'] } },
    event({ ip: '2001:0db8:0:0:0:0:0:1' }),
    true,
  ],

  // --- $or --------------------------------------------------------------------------------------
  [
    '$or at top level: second branch matches',
    { $or: [{ source: ['aws.ec2'] }, { detail: { status: ['PLACED'] } }] },
    event(),
    true,
  ],
  [
    '$or at top level: no branch matches',
    { $or: [{ source: ['aws.ec2'] }, { region: ['us-east-1'] }] },
    event(),
    false,
  ],
  [
    '$or ANDed with sibling fields',
    { source: ['aws.ec2'], $or: [{ region: ['eu-west-1'] }, { account: ['123456789012'] }] },
    event(),
    false,
  ],
  [
    '$or inside detail',
    { detail: { $or: [{ itemCount: [{ numeric: ['>', 10] }] }, { express: [true] }] } },
    event(),
    true,
  ],
  [
    'nested $or inside a $or branch',
    {
      source: ['quartermaster.orders'],
      $or: [
        { detail: { status: ['CANCELLED'] } },
        {
          detail: {
            channel: ['Web'],
            $or: [{ total: [{ numeric: ['>', 100] }] }, { customer: { tier: ['gold'] } }],
          },
        },
      ],
    },
    event(),
    true,
  ],
  [
    'nested $or: inner branches all fail',
    {
      $or: [
        { detail: { status: ['CANCELLED'] } },
        {
          detail: {
            channel: ['Web'],
            $or: [{ total: [{ numeric: ['>', 100] }] }, { customer: { tier: ['silver'] } }],
          },
        },
      ],
    },
    event(),
    false,
  ],
  [
    '$or with exists false branch',
    { detail: { $or: [{ coupon: [{ exists: false }] }, { coupon: ['SPRING'] }] } },
    event(),
    true,
  ],
];

describe('matchesEventPattern', () => {
  test.each(cases)('%s', (_name, pattern, ev, expected) => {
    expect(validateEventPattern(pattern)).toEqual([]);
    expect(matchesEventPattern(pattern, ev)).toBe(expected);
  });
});

type InvalidCase = [name: string, pattern: unknown, fragment: string];

const invalidCases: InvalidCase[] = [
  ['pattern is not an object', ['source'], 'must be a JSON object'],
  ['pattern is null', null, 'must be a JSON object'],
  ['empty pattern', {}, 'empty objects are not allowed'],
  ['empty nested object', { detail: {} }, 'detail: empty objects are not allowed'],
  ['leaf is a bare string', { source: 'quartermaster.orders' }, 'source: must be an object or an array'],
  ['leaf is a bare number', { detail: { total: 5 } }, 'detail.total: must be an object or an array'],
  ['empty value array', { source: [] }, 'source: empty arrays are not allowed'],
  ['nested array as a value', { source: [['a']] }, 'source[0]: match value must be'],
  ['unknown operator', { source: [{ prefx: 'quarter' }] }, 'unknown operator "prefx"'],
  ['two keys in one operator object', { source: [{ prefix: 'a', suffix: 'b' }] }, 'only one key allowed'],
  ['empty operator object', { source: [{}] }, 'empty match expression'],
  [
    'operator used as a field with a bare value',
    { detail: { prefix: 'ORD-' } },
    '"prefix" is a comparison operator',
  ],
  [
    'operator name as field inside $or',
    { $or: [{ numeric: [1] }, { source: ['a'] }] },
    'reserved operator name',
  ],
  ['$or inside a value array', { source: [{ $or: ['a', 'b'] }] }, '$or belongs at object level'],
  ['$or is not an array', { $or: { source: ['a'] } }, '$or must be an array of at least two'],
  ['$or with one branch', { $or: [{ source: ['a'] }] }, '$or must be an array of at least two'],
  [
    '$or branch is not an object',
    { $or: [{ source: ['a'] }, 'b'] },
    'only JSON objects are allowed in a $or',
  ],
  ['prefix with a number', { source: [{ prefix: 5 }] }, 'prefix match pattern must be a string'],
  [
    'prefix with unsupported nested form',
    { source: [{ prefix: { wildcard: 'a*' } }] },
    'unsupported prefix pattern',
  ],
  [
    'suffix equals-ignore-case not a string',
    { source: [{ suffix: { 'equals-ignore-case': 1 } }] },
    'must be a string',
  ],
  ['equals-ignore-case with a list', { source: [{ 'equals-ignore-case': ['a'] }] }, 'must be a string'],
  [
    'exists not boolean',
    { source: [{ exists: 'true' }] },
    'exists match pattern must be either true or false',
  ],
  ['numeric not an array', { detail: { n: [{ numeric: 5 }] } }, 'value of numeric must be a non-empty array'],
  ['numeric empty array', { detail: { n: [{ numeric: [] }] } }, 'value of numeric must be a non-empty array'],
  [
    'numeric unknown operator',
    { detail: { n: [{ numeric: ['!=', 5] }] } },
    'unrecognized numeric operator "!="',
  ],
  ['numeric operator without value', { detail: { n: [{ numeric: ['>'] }] } }, 'needs a value'],
  ['numeric string value', { detail: { n: [{ numeric: ['>', '5'] }] } }, 'value of > must be numeric'],
  [
    'numeric = with a second clause',
    { detail: { n: [{ numeric: ['=', 5, '<', 6] }] } },
    'must be the only comparison',
  ],
  [
    'numeric upper bound first',
    { detail: { n: [{ numeric: ['<', 5, '>', 1] }] } },
    'must be the only comparison',
  ],
  [
    'numeric range with two lower bounds',
    { detail: { n: [{ numeric: ['>', 0, '>', 5] }] } },
    'bad numeric range operator',
  ],
  [
    'numeric range bottom >= top',
    { detail: { n: [{ numeric: ['>', 5, '<', 5] }] } },
    'must be less than top',
  ],
  [
    'numeric range with too many terms',
    { detail: { n: [{ numeric: ['>', 0, '<', 5, '<', 6] }] } },
    'too many terms',
  ],
  ['numeric value out of range', { detail: { n: [{ numeric: ['>', 6e9] }] } }, 'outside the supported range'],
  ['anything-but mixed list', { detail: { s: [{ 'anything-but': ['a', 1] }] } }, 'not mixed'],
  ['anything-but with null', { detail: { s: [{ 'anything-but': null }] } }, 'value of anything-but must be'],
  [
    'anything-but list with boolean',
    { detail: { s: [{ 'anything-but': [true] }] } },
    'only strings or numbers',
  ],
  ['anything-but empty list', { detail: { s: [{ 'anything-but': [] }] } }, 'must not be empty'],
  [
    'anything-but unsupported form',
    { detail: { s: [{ 'anything-but': { numeric: ['>', 1] } }] } },
    'unsupported anything-but pattern "numeric"',
  ],
  [
    'anything-but empty prefix',
    { detail: { s: [{ 'anything-but': { prefix: '' } }] } },
    'empty prefix not allowed',
  ],
  [
    'anything-but prefix with number',
    { detail: { s: [{ 'anything-but': { prefix: 1 } }] } },
    'must be a string or a list of strings',
  ],
  [
    'anything-but bad wildcard',
    { detail: { s: [{ 'anything-but': { wildcard: 'a**' } }] } },
    'consecutive wildcard',
  ],
  ['wildcard with consecutive stars', { detail: { s: [{ wildcard: 'a**b' }] } }, 'consecutive wildcard'],
  ['wildcard with invalid escape', { detail: { s: [{ wildcard: 'a\\b' }] } }, 'invalid escape'],
  ['wildcard with trailing backslash', { detail: { s: [{ wildcard: 'a\\' }] } }, 'invalid escape'],
  ['cidr without mask', { detail: { ip: [{ cidr: '10.0.0.1' }] } }, 'exactly one "/" required'],
  ['cidr with bad address', { detail: { ip: [{ cidr: '10.0.0.256/24' }] } }, 'invalid IP address'],
  ['cidr v4 /32 is refused', { detail: { ip: [{ cidr: '10.0.0.1/32' }] } }, 'IPv4 mask bits must be < 32'],
  [
    'cidr v6 /128 is refused',
    { detail: { ip: [{ cidr: '2001:db8::1/128' }] } },
    'IPv6 mask bits must be < 128',
  ],
  ['cidr non-numeric mask', { detail: { ip: [{ cidr: '10.0.0.0/abc' }] } }, 'mask bits must be'],
];

describe('validateEventPattern', () => {
  test.each(invalidCases)('rejects: %s', (_name, pattern, fragment) => {
    const problems = validateEventPattern(pattern);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toContain(fragment);
  });

  test.each<[string, EventPattern]>([
    ['exact values of every JSON type', { detail: { a: ['x', 1, 2.5, true, false, null, ''] } }],
    [
      'all operators together',
      {
        time: [{ prefix: '2026' }],
        detail: {
          a: [{ suffix: { 'equals-ignore-case': '.PDF' } }],
          b: [{ 'anything-but': { wildcard: ['*/lib/*', '*.tmp'] } }],
          c: [{ numeric: ['>=', -5e9, '<', 5e9] }],
          d: [{ cidr: '2001:db8::/32' }],
          e: [{ exists: false }],
          f: [{ wildcard: 'a\\*b*' }],
          g: [{ 'anything-but': [100, 200] }],
        },
      },
    ],
    ['operator name used as a nested field (legal outside $or)', { detail: { prefix: ['orders/'] } }],
    ['$or nested at several levels', { $or: [{ a: ['1'] }, { b: { $or: [{ c: ['2'] }, { d: ['3'] }] } }] }],
  ])('accepts: %s', (_name, pattern) => {
    expect(validateEventPattern(pattern)).toEqual([]);
  });

  test('reports every problem with its path', () => {
    const problems = validateEventPattern({ source: [], detail: { n: [{ numeric: ['>', 'x'] }], s: 'y' } });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^source: /);
    expect(problems[1]).toMatch(/^detail\.n\[0\]\.numeric: /);
    expect(problems[2]).toMatch(/^detail\.s: /);
  });
});
