import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { APIGatewayProxyEventSchema } from '@aws-lambda-powertools/parser/schemas/api-gateway';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { logger, metrics, tracer } from '../commons/powertools.ts';
import { httpProblems } from './http-problems.ts';
import { routeAccess } from './route-access.ts';

type ApiFn = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * The wiring every API handler shares: Powertools context/tracing/metrics, the event checked against
 * Powertools' API Gateway schema, the route's scope rule enforced (shared/api/route-access.ts), and
 * errors mapped to problem+json in one place.
 */
export function apiHandler(fn: ApiFn) {
  return middy(fn)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(httpProblems(logger, metrics))
    .use(parser({ schema: APIGatewayProxyEventSchema }))
    .use(routeAccess());
}
