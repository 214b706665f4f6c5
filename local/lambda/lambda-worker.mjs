// One Lambda execution environment: a worker thread with its own module graph and environment
// variables, running one invocation at a time, like a Lambda sandbox. Handler sources are TypeScript,
// loaded through tsx.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { entry, handlerName, functionName, memorySize, timeoutMs, region, arn } = workerData;

let handler;
try {
  const mod = await import(entry);
  handler = mod[handlerName];
  if (typeof handler !== 'function')
    throw new Error(`${entry} does not export a function named ${handlerName}`);
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', error: serialize(error) });
}

function serialize(error) {
  return {
    errorType: error?.name ?? 'Error',
    errorMessage: error?.message ?? String(error),
    trace: String(error?.stack ?? '').split('\n'),
  };
}

parentPort.on('message', async (message) => {
  if (message.type !== 'invoke') return;
  const deadline = Date.now() + timeoutMs;
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: String(memorySize),
    awsRequestId: message.requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${process.pid}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
  process.env.AWS_LAMBDA_FUNCTION_NAME = functionName;
  process.env._X_AMZN_TRACE_ID = message.traceId;
  process.env.AWS_REGION = region;
  // Lambda's REPORT Duration: the handler's own time, without the hand-off to and from this thread.
  const started = performance.now();
  try {
    const result = await handler(JSON.parse(message.eventJson), context);
    const durationMs = performance.now() - started;
    // Serialised here, as Lambda's runtime does: the invoker gets JSON text (a result JSON cannot
    // represent fails this invocation, as it would on AWS).
    const resultJson = JSON.stringify(result ?? null) ?? 'null';
    parentPort.postMessage({ type: 'result', requestId: message.requestId, resultJson, durationMs });
  } catch (error) {
    const durationMs = performance.now() - started;
    parentPort.postMessage({
      type: 'error',
      requestId: message.requestId,
      error: serialize(error),
      durationMs,
    });
  }
});
