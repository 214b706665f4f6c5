import { makeListExecutions } from '../../shared/usecases/workflow-executions.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { executions } from './workflow-executions.ts';

const listExecutions = makeListExecutions({ executions });

/** GET /ops/executions?status=&stateMachine=&limit=&cursor=: the workflow executions (admin). */
export const handler = apiHandler(async (event) => {
  return json(200, await listExecutions({ query: event.queryStringParameters ?? {} }));
});
