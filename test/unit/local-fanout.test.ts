import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { StreamPoller } from '../../local/dynamodb/stream-poller.ts';
import type { StreamRecord, StreamsClient } from '../../local/dynamodb/streams-client.ts';
import { LocalEventBus } from '../../local/eventbridge/local-bus.ts';
import type { InvokeResult, LambdaService } from '../../local/lambda/lambda-service.ts';
import { LocalQueue } from '../../local/sqs/local-queue.ts';

function record(
  seq: number,
  entity = 'OUTBOX',
  eventName: StreamRecord['eventName'] = 'INSERT',
): StreamRecord {
  return {
    eventID: `e${seq}`,
    eventName,
    dynamodb: { SequenceNumber: String(seq), NewImage: { entity: { S: entity } } },
  };
}

function fakeStream(records: StreamRecord[]): StreamsClient {
  let served = false;
  return {
    shardIds: async () => ['shard-1'],
    iterator: async () => 'it-0',
    records: async () => {
      const out = served ? [] : records;
      served = true;
      return { records: out, next: 'it-1' };
    },
  } as unknown as StreamsClient;
}

function fakeLambda(respond: (batch: StreamRecord[], call: number) => InvokeResult) {
  const batches: string[][] = [];
  const lambda = {
    invoke: async (_name: string, event: { Records: StreamRecord[] }) => {
      batches.push(event.Records.map((r) => r.dynamodb.SequenceNumber));
      return respond(event.Records, batches.length);
    },
  } as unknown as LambdaService;
  return { lambda, batches };
}

const baseConfig = {
  logicalId: 'Mapping',
  functionName: 'publisher',
  streamArn: 'arn:local',
  templateStreamArn: 'arn:template',
  startingPosition: 'TRIM_HORIZON' as const,
  batchSize: 2,
  filters: [{ eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['OUTBOX'] } } } }],
  bisectOnError: true,
  reportBatchItemFailures: true,
  maximumRetryAttempts: 2,
  region: 'us-east-1',
};

describe('local DynamoDB stream poller', () => {
  it('applies the filter and batch size, and retries from the first reported failure', async () => {
    let failed = false;
    const { lambda, batches } = fakeLambda((batch) => {
      if (!failed && batch.some((r) => r.dynamodb.SequenceNumber === '3')) {
        failed = true;
        return { ok: true, payload: { batchItemFailures: [{ itemIdentifier: '3' }] } };
      }
      return { ok: true, payload: { batchItemFailures: [] } };
    });
    const stream = fakeStream([
      record(1),
      record(2, 'ORDER'),
      record(3),
      record(4, 'OUTBOX', 'MODIFY'),
      record(5),
    ]);
    const poller = new StreamPoller(stream, lambda, baseConfig);
    (poller as unknown as { running: boolean }).running = true;
    await poller.pollOnce();
    expect(batches).toEqual([['1', '3'], ['3'], ['5']]);
    expect(poller.delivered.map((r) => r.dynamodb.SequenceNumber)).toEqual(['1', '3', '5']);
  });

  it('an iterator DynamoDB refuses (trimmed/expired) is replaced, resuming after the last record read', async () => {
    const requested: string[] = [];
    let calls = 0;
    const stream = {
      shardIds: async () => ['shard-1'],
      iterator: async (_arn: string, _shard: string, type: string, after?: string) => {
        requested.push(after ? `${type}:${after}` : type);
        return `it-${requested.length}`;
      },
      records: async () => {
        calls++;
        if (calls === 1) return { records: [record(1)], next: 'stale' };
        if (calls === 2)
          throw new Error(
            'TrimmedDataAccessException: The operation attempted to read past the oldest stream record',
          );
        return calls === 3 ? { records: [record(2)], next: 'it-next' } : { records: [], next: 'it-next' };
      },
    } as unknown as StreamsClient;
    const { lambda } = fakeLambda(() => ({ ok: true, payload: { batchItemFailures: [] } }));
    const errors: string[] = [];
    const poller = new StreamPoller(stream, lambda, baseConfig, 100, (e) => errors.push(e.message));
    (poller as unknown as { running: boolean }).running = true;
    for (let i = 0; i < 3; i++) await poller.pollOnce();
    expect(requested).toEqual(['TRIM_HORIZON', 'AFTER_SEQUENCE_NUMBER:1']);
    expect(poller.delivered.map((r) => r.dynamodb.SequenceNumber)).toEqual(['1', '2']);
    expect(errors.join()).toMatch(/TrimmedDataAccess.*re-reading after 1/);
  });

  it('bisects a failing batch, then sends what still fails to the on-failure destination', async () => {
    const { lambda, batches } = fakeLambda((batch) =>
      batch.some((r) => r.dynamodb.SequenceNumber === '2')
        ? { ok: false, error: { errorType: 'Error', errorMessage: 'poison' } }
        : { ok: true, payload: null },
    );
    const failures: unknown[] = [];
    const poller = new StreamPoller(fakeStream([record(1), record(2)]), lambda, {
      ...baseConfig,
      onFailure: (r) => failures.push(r),
    });
    (poller as unknown as { running: boolean }).running = true;
    await poller.pollOnce();
    expect(batches[0]).toEqual(['1', '2']);
    expect(batches[1]).toEqual(['1']);
    expect(batches.slice(2).every((b) => b.join() === '2')).toBe(true);
    expect(failures).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'RetryAttemptsExhausted' }),
        DDBStreamBatchInfo: expect.objectContaining({ startSequenceNumber: '2', endSequenceNumber: '2' }),
      }),
    ]);
  });
});

describe('local queue', () => {
  it('moves a message to the dead-letter queue after maxReceiveCount receives, and redrives it back', () => {
    const dlq = new LocalQueue('Dlq', 'arn:dlq', 'dlq', 0);
    const queue = new LocalQueue('Q', 'arn:q', 'q', 0);
    queue.deadLetter = { queue: dlq, maxReceiveCount: 2 };
    queue.send('hello');
    expect(queue.receive(1)).toHaveLength(1);
    expect(queue.receive(1)).toHaveLength(1);
    expect(queue.receive(1)).toHaveLength(0);
    expect(dlq.messages.map((m) => m.body)).toEqual(['hello']);
    expect(dlq.redriveTo(queue)).toBe(1);
    expect(queue.receive(1)[0]).toMatchObject({ body: 'hello', receiveCount: 1 });
  });
});

describe('local event bus', () => {
  it('delivers to an API destination with header parameters, retries, then dead-letters', async () => {
    const seen: { status: number; id: string | undefined }[] = [];
    let answers = [500, 200];
    const server = createServer((req, res) => {
      const status = answers.shift() ?? 500;
      seen.push({ status, id: req.headers['webhook-id'] as string | undefined });
      res.writeHead(status).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const bus = new LocalEventBus('Bus', 'bus', 'arn:bus', '000000000000', 'us-east-1', () => 1);
    const dead: string[] = [];
    bus.archives.push({ logicalId: 'Archive', name: 'archive', pattern: { source: ['qm'] }, events: [] });
    bus.rules.push({
      logicalId: 'Rule',
      name: 'rule',
      arn: 'arn:rule',
      pattern: { source: ['qm'], 'detail-type': ['OrderCreated'] },
      enabled: true,
      targets: [
        {
          id: 't',
          arn: 'arn:dest',
          InputPath: '$.detail',
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600 },
          deadLetter: (input) => dead.push(input),
          delivery: {
            async deliver(input, event) {
              const detail = event.detail as { eventId: string };
              const response = await fetch(url, {
                method: 'POST',
                body: input,
                headers: { 'webhook-id': detail.eventId },
              });
              if (response.status >= 400) throw new Error(String(response.status));
            },
          },
        },
      ],
    });
    const detail = JSON.stringify({ eventId: 'evt_1' });
    bus.putEvents([{ Source: 'qm', DetailType: 'OrderCreated', Detail: detail }]);
    bus.putEvents([{ Source: 'qm', DetailType: 'OrderCancelled', Detail: detail }]);
    await bus.settled();
    expect(seen).toEqual([
      { status: 500, id: 'evt_1' },
      { status: 200, id: 'evt_1' },
    ]);
    answers = [];
    bus.replay('archive');
    await bus.settled();
    expect(seen).toHaveLength(5); // the replayed OrderCreated: 3 attempts (1 + 2 retries), all 500
    expect(dead).toEqual([detail]);
    expect(bus.archives[0]!.events).toHaveLength(2);
    server.close();
  });

  it('an input transformer path the event lacks: delivered as AWS would (nothing written), and the bus warns once', async () => {
    const bus = new LocalEventBus('Bus', 'bus', 'arn:bus', '000000000000', 'us-east-1', () => 1);
    const warnings: string[] = [];
    bus.warn = (message) => warnings.push(message);
    const bodies: string[] = [];
    bus.rules.push({
      logicalId: 'Rule',
      name: 'rule',
      arn: 'arn:rule',
      pattern: { source: ['qm'] },
      enabled: true,
      targets: [
        {
          id: 't',
          arn: 'arn:dest',
          InputTransformer: {
            InputPathsMap: { id: '$.detail.eventId', orderId: '$.detail.orderId' },
            InputTemplate: '{"id":<id>,"orderId":<orderId>}',
          },
          retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 3600 },
          delivery: {
            async deliver(input) {
              bodies.push(input);
            },
          },
        },
      ],
    });
    const detail = JSON.stringify({ eventId: 'evt_1', type: 'InventoryChanged' });
    bus.putEvents([{ Source: 'qm', DetailType: 'InventoryChanged', Detail: detail }]);
    bus.putEvents([{ Source: 'qm', DetailType: 'InventoryChanged', Detail: detail }]);
    await bus.settled();
    expect(bodies).toEqual(['{"id":"evt_1","orderId":}', '{"id":"evt_1","orderId":}']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/<orderId> = \$\.detail\.orderId is not in a InventoryChanged event/);
  });
});
