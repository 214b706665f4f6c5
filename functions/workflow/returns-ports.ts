import { makeDynamoReturnRepository } from '../../shared/adapters/aws/dynamo-return-repository.ts';
import { DEFAULT_RETURN_POLICY, type ReturnPolicy } from '../../shared/usecases/create-return.ts';
import { documents } from '../commons/clients.ts';
import { config } from '../commons/config.ts';

/** Ports of the returns handlers (API, partner callbacks, workflow steps), wired once per environment. */
export const returns = makeDynamoReturnRepository(documents, { tableName: config.tableName });

/** `RETURN_WINDOW_DAYS` and `RETURN_RECEIPT_TIMEOUT_SECONDS`, set by the stack from the configuration. */
export function returnPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): ReturnPolicy {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    windowDays: number('RETURN_WINDOW_DAYS', DEFAULT_RETURN_POLICY.windowDays),
    receiptTimeoutSeconds: number(
      'RETURN_RECEIPT_TIMEOUT_SECONDS',
      DEFAULT_RETURN_POLICY.receiptTimeoutSeconds,
    ),
  };
}

export { returnsEngine } from './returns-engine.ts';
