import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { accessOf, decideAccess, routeKey } from '../../shared/api/route-access.ts';
import { forbidden } from '../../shared/domain/errors.ts';
import { config } from '../commons/config.ts';
import { type ChannelKeyConfig, callerFromEvent } from './request.ts';

let channelKeys: Map<string, ChannelKeyConfig> | undefined;

/**
 * middy middleware: the route's access rule (shared/api/route-access.ts) is checked before the handler
 * runs, for every API route, so a key without the route's scope is refused (403) before any read or
 * write. A route without a declared rule is refused to every key: forgetting a rule fails closed.
 */
export function routeAccess(): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    before: async (request) => {
      const { httpMethod, resource } = request.event;
      const access = accessOf(httpMethod, resource);
      if (access?.public) return;
      if (!access) throw forbidden(`No access rule is declared for ${routeKey(httpMethod, resource)}`);
      channelKeys ??= config.channelKeys;
      const decision = decideAccess(callerFromEvent(request.event, channelKeys), httpMethod, resource);
      if (!decision.allowed) throw forbidden(decision.reason);
    },
  };
}
