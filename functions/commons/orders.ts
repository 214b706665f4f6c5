import { makeDynamoOrderRepository } from '../../shared/adapters/aws/dynamo-order-repository.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { ulidIdGenerator } from '../../shared/ports/id-generator.ts';
import { documents } from './clients.ts';
import { config } from './config.ts';

/** Ports shared by the order handlers, wired once per execution environment. */
export const orders = makeDynamoOrderRepository(documents, { tableName: config.tableName });
export const clock = systemClock;
export const ids = ulidIdGenerator();
export const channelKeys = config.channelKeys;
