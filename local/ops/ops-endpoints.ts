import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalFanout } from '../eventbridge/fanout-from-template.ts';
import type { LocalEventBus, LocalRule } from '../eventbridge/local-bus.ts';
import type { LocalQueue } from '../sqs/local-queue.ts';

/*
 * Local operations endpoints of the embedded runtime, for what an operator does on AWS with the
 * console or CLI when a partner was down:
 *
 *   GET  /_local/queues                      queues: depth, in flight, dead-letter flag   (sqs get-queue-attributes)
 *   GET  /_local/queues/{name}/messages      peek without receiving                        (console "poll for messages")
 *   POST /_local/queues/{name}/redrive       dead-letter queue → its source                (sqs start-message-move-task)
 *   GET  /_local/archives                    archives and their event counts               (events list-archives)
 *   POST /_local/archives/{name}/replay      {startTime, endTime, rules?, partners?}       (events start-replay, FilterArns)
 *
 * `{name}` is the queue's or archive's local name or its template logical id.
 */

export const OPS_PATH_PREFIXES = ['/_local/queues', '/_local/archives'] as const;

/** True for requests these endpoints serve (the runtime routes them here before the API). */
export function isOpsRequest(req: IncomingMessage): boolean {
  const path = new URL(req.url ?? '/', 'http://local').pathname;
  return OPS_PATH_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

class OpsProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendProblem(res: ServerResponse, problem: OpsProblem): void {
  res.writeHead(problem.status, { 'Content-Type': 'application/problem+json' });
  res.end(
    JSON.stringify({
      type: `https://quartermaster.dev/problems/local-ops-${problem.title.toLowerCase().replaceAll(' ', '-')}`,
      title: problem.title,
      status: problem.status,
      detail: problem.message,
    }),
  );
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new OpsProblem(400, 'Invalid body', 'The request body must be a JSON object.');
}

function findQueue(fanout: LocalFanout, name: string): LocalQueue {
  const queue = fanout.queues.find((q) => q.name === name || q.logicalId === name || q.arn === name);
  if (!queue)
    throw new OpsProblem(404, 'No such queue', `No local queue ${name}; GET /_local/queues lists them.`);
  return queue;
}

function findArchive(fanout: LocalFanout, name: string): { bus: LocalEventBus; archiveName: string } {
  for (const bus of fanout.buses)
    for (const archive of bus.archives)
      if (archive.name === name || archive.logicalId === name) return { bus, archiveName: archive.name };
  throw new OpsProblem(404, 'No such archive', `No local archive ${name}; GET /_local/archives lists them.`);
}

function queueSummary(fanout: LocalFanout, queue: LocalQueue) {
  const now = Date.now();
  const visible = queue.messages.filter((m) => m.visibleAt <= now).length;
  const uses = fanout.deadLetterQueues.get(queue.logicalId) ?? [];
  return {
    name: queue.name,
    logicalId: queue.logicalId,
    arn: queue.arn,
    depth: queue.messages.length,
    visible,
    inFlight: queue.messages.length - visible,
    deadLetterQueue: uses.length > 0,
    ...(uses.length ? { deadLetterFor: uses } : {}),
    ...(queue.deadLetter
      ? {
          redrivePolicy: {
            deadLetterQueue: queue.deadLetter.queue.name,
            maxReceiveCount: queue.deadLetter.maxReceiveCount,
          },
        }
      : {}),
  };
}

/**
 * Moves a dead-letter queue's messages back: to the queue they were dead-lettered from (SQS redrive,
 * as start-message-move-task does), or, for an EventBridge target's DLQ (no source queue), to that
 * rule target again (locally; on AWS, replay the archive window to that rule instead).
 */
function redrive(fanout: LocalFanout, dlq: LocalQueue) {
  if (!fanout.deadLetterQueues.has(dlq.logicalId))
    throw new OpsProblem(
      409,
      'Not a dead-letter queue',
      `${dlq.name} is no queue's, rule target's or function's dead-letter queue; nothing to redrive.`,
    );
  const sources = fanout.queues.filter((q) => q.deadLetter?.queue === dlq);
  let movedToQueue = 0;
  let redelivered = 0;
  const left: string[] = [];
  for (const message of [...dlq.messages]) {
    const { DeadLetterQueueSourceArn: sourceArn, ...attributes } = message.attributes;
    const source =
      fanout.queues.find((q) => q.arn === sourceArn) ?? (sources.length === 1 ? sources[0] : undefined);
    const deadLettered = fanout.deadLettered.get(message.messageId);
    if (source) {
      dlq.delete(message.messageId);
      source.send(message.body, attributes);
      movedToQueue++;
    } else if (deadLettered?.bus.redeliver(deadLettered.ruleArn, deadLettered.targetId, deadLettered.event)) {
      dlq.delete(message.messageId);
      fanout.deadLettered.delete(message.messageId);
      redelivered++;
    } else left.push(message.messageId);
  }
  return { queue: dlq.name, movedToQueue, redeliveredToTarget: redelivered, left };
}

function parseTime(value: unknown, field: string): Date {
  const time = typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (!time || Number.isNaN(time.getTime()))
    throw new OpsProblem(
      400,
      'Invalid replay',
      `${field} must be an ISO 8601 date-time (or epoch milliseconds).`,
    );
  return time;
}

const stringList = (value: unknown, field: string): string[] | undefined => {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string') || value.length === 0)
    throw new OpsProblem(400, 'Invalid replay', `${field} must be a non-empty array of strings.`);
  return value as string[];
};

/**
 * Replays the archive's events with EventStartTime ≤ time < EventEndTime to the bus's rules, or to the
 * chosen ones only (rule names, logical ids or ARNs — StartReplay's Destination.FilterArns — or partner ids).
 */
function replay(fanout: LocalFanout, archiveName: string, body: Record<string, unknown>) {
  const { bus, archiveName: name } = findArchive(fanout, archiveName);
  const start = parseTime(body.startTime, 'startTime');
  const end = parseTime(body.endTime, 'endTime');
  if (end <= start) throw new OpsProblem(400, 'Invalid replay', 'endTime must be after startTime.');
  const ruleRefs = stringList(body.rules, 'rules');
  const partners = stringList(body.partners, 'partners');
  let chosen: LocalRule[] | undefined;
  if (ruleRefs || partners) {
    chosen = [];
    for (const ref of ruleRefs ?? []) {
      const rule = bus.findRule(ref);
      if (!rule)
        throw new OpsProblem(
          400,
          'Invalid replay',
          `No rule ${ref} on bus ${bus.name} (rules: ${bus.rules.map((r) => r.name).join(', ')}).`,
        );
      chosen.push(rule);
    }
    for (const partner of partners ?? []) {
      const rules = bus.rules.filter((r) => r.partner === partner);
      if (!rules.length)
        throw new OpsProblem(
          400,
          'Invalid replay',
          `No rule on bus ${bus.name} delivers to partner ${partner}.`,
        );
      chosen.push(...rules);
    }
  }
  const replayName = typeof body.replayName === 'string' ? body.replayName : `local-replay-${Date.now()}`;
  const result = bus.replay(name, {
    replayName,
    start,
    end,
    ...(chosen ? { ruleNames: chosen.map((r) => r.arn) } : {}),
  });
  return {
    replayName: result.replayName,
    archive: name,
    eventBus: bus.name,
    eventStartTime: start.toISOString(),
    eventEndTime: end.toISOString(),
    rules: (chosen ?? bus.rules).map((r) => r.name),
    events: result.events,
    state: 'RUNNING',
  };
}

/** Serves the ops endpoints; answers 404/409 problems when the path or state does not fit. */
export async function handleOpsRequest(
  req: IncomingMessage,
  res: ServerResponse,
  fanout: LocalFanout | undefined,
): Promise<void> {
  try {
    const path = new URL(req.url ?? '/', 'http://local').pathname
      .split('/')
      .filter(Boolean)
      .map(decodeURIComponent);
    if (!fanout)
      throw new OpsProblem(
        409,
        'Event fan-out is off',
        'Queues and archives exist only when the runtime runs the event fan-out (npm start runs it).',
      );
    const [, collection, name, action, ...rest] = path;
    const method = req.method ?? 'GET';
    if (collection === 'queues') {
      if (!name && method === 'GET')
        return send(res, 200, { queues: fanout.queues.map((q) => queueSummary(fanout, q)) });
      if (name && action === 'messages' && !rest.length && method === 'GET') {
        const queue = findQueue(fanout, name);
        return send(res, 200, {
          ...queueSummary(fanout, queue),
          messages: queue.messages.map((m) => ({
            messageId: m.messageId,
            body: m.body,
            attributes: m.attributes,
            receiveCount: m.receiveCount,
            sentAt: new Date(m.sentAt).toISOString(),
          })),
        });
      }
      if (name && action === 'redrive' && !rest.length && method === 'POST') {
        await readJson(req);
        return send(res, 200, redrive(fanout, findQueue(fanout, name)));
      }
    }
    if (collection === 'archives') {
      if (!name && method === 'GET')
        return send(res, 200, {
          archives: fanout.buses.flatMap((bus) =>
            bus.archives.map((a) => ({
              name: a.name,
              logicalId: a.logicalId,
              eventBus: bus.name,
              eventCount: a.events.length,
              rules: bus.rules.map((r) => ({
                name: r.name,
                arn: r.arn,
                ...(r.partner ? { partner: r.partner } : {}),
              })),
            })),
          ),
        });
      if (name && action === 'replay' && !rest.length && method === 'POST')
        return send(res, 202, replay(fanout, name, await readJson(req)));
    }
    throw new OpsProblem(404, 'Not found', `No local ops endpoint ${method} /${path.join('/')}.`);
  } catch (error) {
    if (error instanceof OpsProblem) return sendProblem(res, error);
    if (!res.headersSent)
      sendProblem(res, new OpsProblem(500, 'Local runtime error', (error as Error).message));
  }
}
