/**
 * The ONE price file of the cost model (bench:cost). us-east-1 list prices, on-demand, no free tier,
 * first pricing tier, USD.
 *
 * ASSUMED AS OF: 2025-06-01. These figures were written from memory without internet access: CHECK
 * EVERY LINE against the AWS pricing pages linked below before using the result for a decision, and
 * update `PRICES_AS_OF` when you do.
 */
export const PRICES_AS_OF = '2025-06-01 (assumed, not re-checked: verify before use)';
export const PRICES_REGION = 'us-east-1';

export const PRICES = {
  // https://aws.amazon.com/api-gateway/pricing/ — REST API (API keys and usage plans need REST), first 333M/month.
  apiGatewayRestPerRequest: 3.5 / 1e6,

  // https://aws.amazon.com/lambda/pricing/ — Arm (the stack's functions are ARM_64, infra/constructs/qm-function.ts).
  lambdaPerRequest: 0.2 / 1e6,
  /** Arm, first 7.5 billion GB-s/month. x86 would be 0.0000166667. */
  lambdaPerGbSecond: 0.0000133334,

  // https://aws.amazon.com/step-functions/pricing/ — Standard: per state transition (retries count).
  sfnStandardPerTransition: 0.025 / 1000,
  // Express: per request plus duration at the memory used, billed in 64 MB chunks, 100 ms minimum.
  sfnExpressPerRequest: 1.0 / 1e6,
  /** First 1,000K GB-hours/month. */
  sfnExpressPerGbSecond: 0.00001667,
  sfnExpressMinMemoryGb: 64 / 1024,
  sfnExpressMinDurationMs: 100,

  // https://aws.amazon.com/dynamodb/pricing/on-demand/ — on-demand, Standard table class (after the Nov 2024 cut).
  dynamoPerWriteRequestUnit: 0.625 / 1e6,
  dynamoPerReadRequestUnit: 0.125 / 1e6,
  // Streams read by Lambda event source mappings are free (GetRecords from a Lambda trigger is not billed).

  // https://aws.amazon.com/eventbridge/pricing/ — custom events per 64 KB chunk; API destination invocations.
  eventBridgePerEvent: 1.0 / 1e6,
  eventBridgeApiDestinationPerInvocation: 0.2 / 1e6,

  // https://aws.amazon.com/sqs/pricing/ — Standard queues, per request (64 KB chunk), after the free 1M.
  sqsPerRequest: 0.4 / 1e6,

  // https://aws.amazon.com/cloudwatch/pricing/ — Logs ingestion (Standard log class), per GB.
  cloudWatchLogsPerGb: 0.5,
} as const;

export type Prices = typeof PRICES;
