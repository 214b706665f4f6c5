import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { problemResponse, toProblem } from './problem.ts';
import { correlationIdOf } from './request.ts';

/**
 * middy middleware: every error becomes problem+json; only unexpected ones are logged as errors
 * (client mistakes are logged at info so alarms on ERROR mean something).
 */
export function httpProblems(
  logger: Logger,
  metrics: Metrics,
): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    before: async (request) => {
      // Correlation keys: the request's id, and the order a path names (create-order adds its new id).
      const orderId = request.event.pathParameters?.orderId;
      logger.appendKeys({ correlationId: correlationIdOf(request.event), ...(orderId ? { orderId } : {}) });
    },
    after: async (request) => {
      if (request.response) {
        request.response.headers = {
          ...request.response.headers,
          'X-Correlation-Id': correlationIdOf(request.event),
        };
      }
    },
    onError: async (request) => {
      const problem = toProblem(request.error, request.event?.path);
      if (problem.status >= 500) logger.error('request failed', { error: request.error as Error });
      else logger.info('request rejected', { status: problem.status, detail: problem.detail });
      metrics.addMetric(problem.status >= 500 ? 'RequestsFailed' : 'RequestsRejected', MetricUnit.Count, 1);
      const headers: Record<string, string> = {};
      if (request.event?.requestContext) headers['X-Correlation-Id'] = correlationIdOf(request.event);
      request.response = problemResponse(problem, headers);
    },
  };
}

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
