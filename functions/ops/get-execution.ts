import { makeGetExecution } from '../../shared/usecases/workflow-executions.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { executions } from './workflow-executions.ts';

const getExecution = makeGetExecution({ executions });

/** GET /ops/executions/{name}: one execution with its history, state by state (admin). */
export const handler = apiHandler(async (event) => {
  return json(
    200,
    await getExecution({
      name: event.pathParameters?.name ?? '',
      query: event.queryStringParameters ?? {},
    }),
  );
});
