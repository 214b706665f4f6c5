import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { maskPii } from './mask-pii.ts';

/**
 * Logger, Tracer and Metrics, created once per execution environment (module scope), as in
 * Powertools' examples/app. Service name and namespace come from the Function construct's environment.
 */
export const logger = new Logger({ jsonReplacerFn: maskPii });
export const tracer = new Tracer();
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Quartermaster',
});
