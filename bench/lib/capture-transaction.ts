import { randomUUID } from 'node:crypto';
import type { TransactItem } from '../../shared/adapters/aws/dynamo-helpers.ts';
import { createOrderTransaction } from '../../shared/adapters/aws/dynamo-order-repository.ts';
import { DEFAULT_SCOPES } from '../../shared/domain/caller.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { ulidIdGenerator } from '../../shared/ports/id-generator.ts';
import type { CreateOrderCommand, OrderRepository } from '../../shared/ports/order-repository.ts';
import { makePlaceOrder } from '../../shared/usecases/place-order.ts';

/**
 * The TransactWriteItems POST /orders writes for a request body, built by the real place-order use
 * case and the DynamoDB adapter's own transaction builder (so the raw baseline of bench:capture writes
 * exactly what the API writes: same items, same sizes, same conditions), without sending it.
 */
export function captureTransactionBuilder(tableName: string, channel: string) {
  let captured: CreateOrderCommand | undefined;
  const recorder: Pick<OrderRepository, 'create'> = {
    async create(command) {
      captured = command;
      return { outcome: 'created' };
    },
  };
  const placeOrder = makePlaceOrder({
    orders: recorder as OrderRepository,
    clock: systemClock,
    ids: ulidIdGenerator(),
  });
  const caller = { channel, admin: false, scopes: DEFAULT_SCOPES };
  return async function build(body: unknown, idempotencyKey: string): Promise<TransactItem[]> {
    captured = undefined;
    await placeOrder({ caller, idempotencyKey, body, correlationId: randomUUID() });
    if (!captured) throw new Error('place-order did not write');
    return createOrderTransaction(captured, tableName);
  };
}

/** "IDEMPOTENCY + ORDER + HISTORY + OUTBOX": the entities one transaction writes, in order. */
export function describeTransaction(items: TransactItem[]): string {
  return items.map((item) => String(item.Put?.Item?.entity ?? Object.keys(item)[0])).join(' + ');
}
