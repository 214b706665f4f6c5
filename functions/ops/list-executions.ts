import { requireScope } from '../../shared/domain/caller.ts';
import { makeListExecutions } from '../../shared/usecases/workflow-executions.ts';
import { config } from '../commons/config.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent } from '../http/request.ts';
import { executions } from './workflow-executions.ts';

const listExecutions = makeListExecutions({ executions });

/** GET /ops/executions?status=&stateMachine=&limit=&cursor=: the workflow executions (admin). */
export const handler = apiHandler(async (event) => {
  requireScope(callerFromEvent(event, config.channelKeys), 'admin');
  return json(200, await listExecutions({ query: event.queryStringParameters ?? {} }));
});
