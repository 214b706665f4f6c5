#!/usr/bin/env -S npx tsx
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * The ops CLI: `npm run oms -- <command>` or `npx quartermaster <command>`. Talks HTTP to the API of
 * the local runtime (default) or a deployed stack (QM_API_URL + QM_API_KEY, or --url / --key).
 * Tables for people, --json for scripts; an API error prints its problem+json and exits 1.
 */

export const LOCAL_API = 'http://127.0.0.1:3000/v1';
export const LOCAL_OPS_KEY = 'quartermaster-ops-local-key';

const USAGE = `Usage: quartermaster <command> [options]

  orders list --status S | --channel C | --customer ID  [--limit N] [--cursor C]
  orders show <orderId>
  orders cancel <orderId> --reason R [--note TEXT]
  inventory show <sku>
  inventory sync <sku> <locationId> --on-hand N --sequence N [--safety-stock N]
  inventory adjust <sku> <locationId> --delta N --reason R [--batch-id ID] [--note TEXT]
  inventory seed <file.json>        [{ "sku", "locationId", "onHand", "safetyStock"? }, …]
  executions list [--status S] [--state-machine NAME]
  executions show <executionName>
  dlq list
  dlq redrive <queue>
  events replay --archive NAME --from ISO --to ISO [--rule NAME]

Options: --url URL (env QM_API_URL, default ${LOCAL_API}), --key KEY (env QM_API_KEY, default the
local ops key), --json (machine-readable output), --help`;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Rewrites the current line (progress); a no-op when the output is not a terminal. */
  progress: (line: string) => void;
  tty: boolean;
}

const OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  status: { type: 'string' },
  channel: { type: 'string' },
  customer: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  reason: { type: 'string' },
  note: { type: 'string' },
  'on-hand': { type: 'string' },
  sequence: { type: 'string' },
  'safety-stock': { type: 'string' },
  delta: { type: 'string' },
  'batch-id': { type: 'string' },
  'state-machine': { type: 'string' },
  archive: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  rule: { type: 'string' },
} as const;

export async function main(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: opts, positionals } = parsed;
  const [group, command, ...args] = positionals;
  if (opts.help || !group) {
    (opts.help ? io.out : io.err)(USAGE);
    return opts.help ? 0 : 2;
  }
  const baseUrl = (opts.url ?? env.QM_API_URL ?? LOCAL_API).replace(/\/+$/, '');
  const key = opts.key ?? env.QM_API_KEY ?? (isLocal(baseUrl) ? LOCAL_OPS_KEY : undefined);
  const api = client(baseUrl, key);
  const print = (value: unknown, columns?: string[]) =>
    io.out(opts.json ? JSON.stringify(value, null, 2) : render(value, columns));

  try {
    switch (`${group} ${command ?? ''}`.trim()) {
      case 'orders list': {
        const page = await api(
          'GET',
          `/orders${query({ status: opts.status, channel: opts.channel, customerId: opts.customer, limit: opts.limit, cursor: opts.cursor })}`,
        );
        print(page, ['orderId', 'channel', 'status', 'customer.customerId', 'totals.units', 'createdAt']);
        return 0;
      }
      case 'orders show':
        print(await api('GET', `/orders/${seg(need(args[0], 'orderId'))}`));
        return 0;
      case 'orders cancel':
        print(
          await api('POST', `/orders/${seg(need(args[0], 'orderId'))}/cancel`, {
            reason: need(opts.reason, '--reason'),
            ...(opts.note ? { note: opts.note } : {}),
          }),
        );
        return 0;
      case 'inventory show':
        print(await api('GET', `/inventory/${seg(need(args[0], 'sku'))}`), [
          'locationId',
          'onHand',
          'reserved',
          'safetyStock',
          'ats',
          'inbound',
        ]);
        return 0;
      case 'inventory sync':
        print(
          await api('PUT', `/inventory/${seg(need(args[0], 'sku'))}/${seg(need(args[1], 'locationId'))}`, {
            onHand: int(opts['on-hand'], '--on-hand'),
            sequence: int(opts.sequence, '--sequence'),
            ...(opts['safety-stock'] ? { safetyStock: int(opts['safety-stock'], '--safety-stock') } : {}),
          }),
        );
        return 0;
      case 'inventory adjust':
        print(
          await api('POST', '/inventory/adjustments', {
            ...(opts['batch-id'] ? { batchId: opts['batch-id'] } : {}),
            adjustments: [
              {
                sku: need(args[0], 'sku'),
                locationId: need(args[1], 'locationId'),
                delta: int(opts.delta, '--delta'),
                reason: need(opts.reason, '--reason'),
                ...(opts.note ? { note: opts.note } : {}),
              },
            ],
          }),
        );
        return 0;
      case 'inventory seed':
        return await seed(api, need(args[0], 'file.json'), io, opts.json);
      case 'executions list': {
        const page = await api(
          'GET',
          `/ops/executions${query({ status: opts.status, stateMachine: opts['state-machine'], limit: opts.limit })}`,
        );
        print(page, ['name', 'stateMachine', 'status', 'startDate', 'stopDate']);
        return 0;
      }
      case 'executions show':
        print(await api('GET', `/ops/executions/${seg(need(args[0], 'executionName'))}`));
        return 0;
      case 'dlq list':
        if (!isLocal(baseUrl))
          return awsHint(io, [
            'aws sqs list-queues --queue-name-prefix Quartermaster',
            '# then per queue: aws sqs get-queue-attributes --queue-url URL --attribute-names ApproximateNumberOfMessages',
          ]);
        print(await api('GET', '/_local/queues', undefined, { root: true }), [
          'name',
          'depth',
          'deadLetterQueue',
        ]);
        return 0;
      case 'dlq redrive': {
        const queue = need(args[0], 'queue');
        if (!isLocal(baseUrl))
          return awsHint(io, [
            `aws sqs start-message-move-task --source-arn "$(aws sqs get-queue-attributes --queue-url "$(aws sqs get-queue-url --queue-name ${queue} --query QueueUrl --output text)" --attribute-names QueueArn --query Attributes.QueueArn --output text)"`,
          ]);
        print(await api('POST', `/_local/queues/${seg(queue)}/redrive`, {}, { root: true }));
        return 0;
      }
      case 'events replay': {
        const archive = need(opts.archive, '--archive');
        const from = iso(opts.from, '--from');
        const to = iso(opts.to, '--to');
        if (!isLocal(baseUrl)) {
          return awsHint(io, [
            `aws events start-replay --replay-name ops-${Date.now()} --event-source-arn "$(aws events describe-archive --archive-name ${archive} --query EventSourceArn --output text)" --event-start-time ${from} --event-end-time ${to} --destination '{"Arn":"'"$(aws events describe-archive --archive-name ${archive} --query EventSourceArn --output text)"'"${opts.rule ? `,"FilterArns":["<arn of rule ${opts.rule}>"]` : ''}}'`,
          ]);
        }
        print(
          await api(
            'POST',
            `/_local/archives/${seg(archive)}/replay`,
            { startTime: from, endTime: to, ...(opts.rule ? { rules: [opts.rule] } : {}) },
            { root: true },
          ),
        );
        return 0;
      }
      default:
        io.err(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof CliError) {
      io.err(error.message);
      return error.exitCode;
    }
    io.err(`quartermaster: ${(error as Error).message}`);
    return 1;
  }
}

type Api = (method: string, path: string, body?: unknown, options?: { root?: boolean }) => Promise<unknown>;

function client(baseUrl: string, key: string | undefined): Api {
  return async (method, path, body, options = {}) => {
    const url = options.root ? `${new URL(baseUrl).origin}${path}` : `${baseUrl}${path}`;
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
    if (key) headers['x-api-key'] = key;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CliError(
        `Cannot reach ${url} (${cause}). Is the local runtime running (npm start), or QM_API_URL set?`,
        3,
      );
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    if (!response.ok) throw new CliError(problemText(response.status, parsed), 1);
    return parsed;
  };
}

/** A problem+json (RFC 9457) as lines a person can act on. */
export function problemText(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const p = body as {
      title?: string;
      detail?: string;
      errors?: { field?: string; pointer?: string; message?: string }[];
      message?: string;
    };
    const lines = [
      `Error ${status}: ${p.title ?? p.message ?? 'request failed'}${p.detail ? ` — ${p.detail}` : ''}`,
    ];
    for (const e of p.errors ?? []) lines.push(`  ${e.field ?? e.pointer ?? '?'}: ${e.message ?? ''}`);
    return lines.join('\n');
  }
  return `Error ${status}: ${String(body ?? '')}`.trim();
}

async function seed(api: Api, file: string, io: Io, json: boolean): Promise<number> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${(error as Error).message}`, 2);
  }
  const positions = (Array.isArray(raw) ? raw : ((raw as { positions?: unknown[] }).positions ?? [])) as {
    sku?: string;
    locationId?: string;
    onHand?: number;
    safetyStock?: number;
    sequence?: number;
  }[];
  if (positions.length === 0)
    throw new CliError(`${file} has no positions ([{ "sku", "locationId", "onHand" }, …])`, 2);
  const base = Date.now();
  const failures: string[] = [];
  for (const [i, p] of positions.entries()) {
    io.progress(`Seeding ${i + 1}/${positions.length}: ${p.sku} at ${p.locationId}`);
    try {
      await api('PUT', `/inventory/${seg(need(p.sku, 'sku'))}/${seg(need(p.locationId, 'locationId'))}`, {
        onHand: p.onHand,
        sequence: p.sequence ?? base + i,
        ...(p.safetyStock === undefined ? {} : { safetyStock: p.safetyStock }),
      });
    } catch (error) {
      if ((error as CliError).exitCode === 3) throw error;
      failures.push(`${p.sku} at ${p.locationId}: ${(error as Error).message.replaceAll('\n', ' ')}`);
    }
  }
  io.progress('');
  const summary = { seeded: positions.length - failures.length, failed: failures.length, failures };
  if (json) io.out(JSON.stringify(summary, null, 2));
  else {
    io.out(`Seeded ${summary.seeded} of ${positions.length} positions from ${file}`);
    for (const f of failures) io.err(`  failed: ${f}`);
  }
  return failures.length ? 1 : 0;
}

function awsHint(io: Io, commands: string[]): number {
  io.out('Against a deployed stack this runs through AWS itself; with AWS credentials:');
  for (const c of commands) io.out(`  ${c}`);
  return 0;
}

// ---------------------------------------------------------------------------------------------------

function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
}

function need(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new CliError(`Missing ${name}\n\n${USAGE}`, 2);
  return value;
}

function int(value: string | undefined, name: string): number {
  const n = Number(need(value, name));
  if (!Number.isInteger(n)) throw new CliError(`${name} must be a whole number (got ${value})`, 2);
  return n;
}

function iso(value: string | undefined, name: string): string {
  const text = need(value, name);
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new CliError(`${name} must be an ISO-8601 time (got ${text})`, 2);
  return at.toISOString();
}

const seg = encodeURIComponent;

function query(params: Record<string, string | undefined>): string {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : '';
}

/** The rows of a list response: the first array found at the top (items, orders, executions, …). */
function rowsOf(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const k of ['items', 'orders', 'executions', 'locations', 'queues'])
      if (Array.isArray(o[k])) return o[k];
    return Object.values(o).find((v) => Array.isArray(v) && v.some((x) => x && typeof x === 'object')) as
      | unknown[]
      | undefined;
  }
  return undefined;
}

const pick = (row: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
      row,
    );

const cell = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** A list as an aligned table (with the columns given, else the first row's scalar fields); an object as key: value lines. */
export function render(value: unknown, columns?: string[]): string {
  const rows = columns ? rowsOf(value) : undefined;
  if (rows) {
    const first = rows[0];
    const cols = columns?.filter((c) => rows.some((r) => pick(r, c) !== undefined));
    const use = cols?.length
      ? cols
      : first && typeof first === 'object'
        ? Object.keys(first).filter((k) => typeof (first as Record<string, unknown>)[k] !== 'object')
        : [];
    const table = [use, ...rows.map((r) => use.map((c) => cell(pick(r, c))))];
    const widths = use.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
    const lines = table.map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
    const next = (value as { nextCursor?: string }).nextCursor;
    return [
      ...lines,
      `(${rows.length} row${rows.length === 1 ? '' : 's'}${next ? `; more with --cursor ${next}` : ''})`,
    ].join('\n');
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : cell(v)}`)
      .join('\n');
  }
  return cell(value);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/quartermaster')) {
  const tty = Boolean(process.stdout.isTTY);
  const code = await main(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progress: (line) => {
      if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
      else if (line) process.stderr.write(`${line}\n`);
    },
    tty,
  });
  process.exitCode = code;
}
