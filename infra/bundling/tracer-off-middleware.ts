/**
 * What `@aws-lambda-powertools/tracer/middleware` resolves to in Lambda bundles with
 * `lambda.tracing: "active"` (see tracer-off.ts): the middy middleware of a disabled Tracer, which
 * opens no subsegment. middy requires one of before/after/onError, hence the empty `before`.
 */
import type { captureLambdaHandler as powertoolsCaptureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';

export const captureLambdaHandler: typeof powertoolsCaptureLambdaHandler = () => ({ before: () => {} });
