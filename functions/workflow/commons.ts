import { makeDynamoShipmentRepository } from '../../shared/adapters/aws/dynamo-shipment-repository.ts';
import { documents } from '../commons/clients.ts';
import { config } from '../commons/config.ts';

export { engine } from './engine.ts';

/** Shipments and their task tokens, wired once per execution environment. */
export const shipments = makeDynamoShipmentRepository(documents, { tableName: config.tableName });

/** The workflow's tunables, set by the stack from quartermaster.config.json. */
export const fulfilmentPolicy = {
  ...(process.env.FULFILMENT_MAX_RESOURCE_ATTEMPTS
    ? { maxResourceAttempts: Number(process.env.FULFILMENT_MAX_RESOURCE_ATTEMPTS) }
    : {}),
  ...(process.env.FULFILMENT_HOLD_TAGS ? { holdTags: process.env.FULFILMENT_HOLD_TAGS.split(',') } : {}),
};
