import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { MAX_INVENTORY_BUCKETS } from '../shared/adapters/aws/inventory-buckets.ts';
import { DEFAULT_SCOPES, SCOPES } from '../shared/domain/caller.ts';
import { DEFAULT_LAMBDA_BUNDLE_CHOICES } from './bundling/lambda-bundle.ts';

/**
 * Deployment configuration: which sales channels exist (each gets its own API key and usage plan),
 * and the knobs an operator sets per environment. Validated, so a typo fails synth instead of deploy.
 */
export const ChannelConfigSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/),
    description: z.string().optional(),
    /** Admin keys (ops tools) may read and act on every channel's orders. */
    admin: z.boolean().default(false),
    /** What the key may do besides its own orders (see shared/domain/caller.ts). */
    scopes: z.array(z.enum(SCOPES)).default(DEFAULT_SCOPES),
    /** Fulfilment partners (scope `fulfillment`): the locations whose shipments this key may report on. */
    locationIds: z.array(z.string().min(1).max(64)).min(1).optional(),
    throttle: z.strictObject({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() }),
    quota: z
      .strictObject({ limit: z.number().int().positive(), period: z.enum(['DAY', 'WEEK', 'MONTH']) })
      .optional(),
  })
  // `admin: true` and the `admin` scope say the same thing; either makes an ops key.
  .transform((channel) => {
    const admin = channel.admin || channel.scopes.includes('admin');
    return {
      ...channel,
      admin,
      scopes:
        admin && !channel.scopes.includes('admin') ? [...channel.scopes, 'admin' as const] : channel.scopes,
    };
  })
  .refine((channel) => !channel.scopes.includes('fulfillment') || channel.locationIds !== undefined, {
    path: ['locationIds'],
    message: 'a key with the fulfillment scope needs locationIds (the locations it reports for)',
  })
  .refine((channel) => channel.locationIds === undefined || channel.scopes.includes('fulfillment'), {
    path: ['locationIds'],
    message: 'locationIds only mean something with the fulfillment scope',
  });
export type ChannelConfig = z.infer<typeof ChannelConfigSchema>;

const PartnerAuthSchema = z.discriminatedUnion('type', [
  /** The secret holds the key value; sent in `header`. */
  z.strictObject({ type: z.literal('api-key'), header: z.string().min(1) }),
  /** The secret holds `{"username": …, "password": …}`. */
  z.strictObject({ type: z.literal('basic') }),
  /** Client credentials; the secret holds `{"clientId": …, "clientSecret": …}`. */
  z.strictObject({ type: z.literal('oauth'), tokenUrl: z.url() }),
]);

/**
 * A partner system that receives OMS events. Partners are configuration, not code: adding one adds a
 * rule with its pattern and its own delivery path (queue or API destination) and dead-letter queue.
 */
export const PartnerConfigSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/),
  description: z.string().optional(),
  endpoint: z.url(),
  auth: PartnerAuthSchema,
  /**
   * Name of an existing Secrets Manager secret (created by the operator, never in code or config):
   * the Standard Webhooks signing secret (`whsec_…`) for `signed`, the auth credentials for `api-destination`.
   */
  secretName: z.string().min(1),
  eventPattern: z
    .strictObject({
      detailTypes: z.array(z.string().min(1)).min(1).optional(),
      channels: z.array(z.string().min(1)).min(1).optional(),
      locationIds: z.array(z.string().min(1)).min(1).optional(),
    })
    .default({}),
  rateLimitPerSecond: z.number().int().positive().max(300),
  /**
   * `signed`: rule → queue → a sender that signs Standard Webhooks (API destinations cannot compute
   * an HMAC). `api-destination`: EventBridge delivers directly with the connection's auth.
   */
  delivery: z.enum(['signed', 'api-destination']),
  /** `signed` only: deliveries tried before a message moves to the partner's dead-letter queue. */
  maxReceives: z.number().int().min(1).max(1000).default(10),
});
export type PartnerConfig = z.infer<typeof PartnerConfigSchema>;

/**
 * How callers authenticate. Every mode keeps the per-channel API keys (they name the channel and bind
 * its usage plan); `iam` and `jwt` add a second factor API Gateway checks before any handler runs.
 */
export const AuthConfigSchema = z
  .strictObject({
    /** `apiKey`: the channel key alone. `iam`: SigV4-signed requests (execute-api:Invoke) plus the key. `jwt`: a bearer token from `jwt.issuer` for `jwt.audience` plus the key. */
    mode: z.enum(['apiKey', 'iam', 'jwt']).default('apiKey'),
    jwt: z
      .strictObject({
        /** OIDC issuer URL (`iss`); its JWKS is read from `<issuer>/.well-known/jwks.json`. */
        issuer: z.url(),
        /** Accepted `aud` (ID tokens) or `client_id` (Cognito access tokens). */
        audience: z.array(z.string().min(1)).min(1),
        /** Authorization header the token comes in. */
        header: z.string().min(1).default('Authorization'),
      })
      .optional(),
  })
  .refine((auth) => auth.mode !== 'jwt' || auth.jwt !== undefined, {
    message: 'auth.mode "jwt" needs auth.jwt { issuer, audience }',
    path: ['jwt'],
  });
export type AuthConfig = z.infer<typeof AuthConfigSchema>;

export const QuartermasterConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  stageName: z
    .string()
    .regex(/^[a-zA-Z0-9_]+$/)
    .default('v1'),
  channels: z.array(ChannelConfigSchema).min(1),
  /** Protects the order table from `cdk destroy` and console deletes; on for production. */
  deletionProtection: z.boolean().default(true),
  logRetentionDays: z.number().int().positive().default(30),
  /** Customer-managed KMS key for the tables (otherwise AWS-owned keys). */
  customerManagedKey: z.boolean().default(false),
  events: z
    .strictObject({
      /** Days the archive keeps every published event (0 = forever), for replay. */
      archiveRetentionDays: z.number().int().min(0).default(365),
    })
    .default({ archiveRetentionDays: 365 }),
  partners: z.array(PartnerConfigSchema).default([]),
  /**
   * Hot-SKU inventory buckets (docs/inventory.md "Hot SKUs"): a position's stock split over N items so
   * reservations spread their writes. Every function gets the same setting (they must agree).
   */
  inventoryBuckets: z
    .strictObject({
      default: z.number().int().min(1).max(MAX_INVENTORY_BUCKETS).optional(),
      skus: z.record(z.string().min(1), z.number().int().min(1).max(MAX_INVENTORY_BUCKETS)).optional(),
    })
    .optional(),
  /** The order fulfilment workflow (docs/workflows.md). Durations in seconds. */
  fulfilment: z
    .strictObject({
      /** How long a location has to ship a released shipment before it is re-sourced. */
      shipmentTimeoutSeconds: z.number().int().min(60).default(172_800),
      /** A location must accept (or report again) within this, or the shipment is re-sourced. */
      shipmentHeartbeatSeconds: z.number().int().min(30).default(86_400),
      /**
       * A location silent past the heartbeat is escalated (ShipmentOverdue) and gets this much longer
       * to accept or ship before the shipment is re-sourced.
       */
      escalationGraceSeconds: z.number().int().min(60).default(43_200),
      /** How long backordered lines wait for stock before they are cancelled and refunded. */
      backorderTimeoutSeconds: z.number().int().min(60).default(259_200),
      /** How long an order waits ON_HOLD for a release. */
      holdTimeoutSeconds: z.number().int().min(60).default(259_200),
      /** Re-sourcing rounds after rejections/timeouts before the lines are backordered. */
      maxResourceAttempts: z.number().int().min(0).max(10).default(2),
      /** Orders with one of these tags wait ON_HOLD for review. */
      holdTags: z.array(z.string().min(1)).default(['review', 'fraud-review', 'hold']),
    })
    // Step Functions requires HeartbeatSeconds < TimeoutSeconds on a Task.
    .refine((f) => f.shipmentHeartbeatSeconds < f.shipmentTimeoutSeconds, {
      path: ['shipmentHeartbeatSeconds'],
      message:
        'must be less than shipmentTimeoutSeconds (Step Functions requires the heartbeat within the timeout)',
    })
    .default({
      shipmentTimeoutSeconds: 172_800,
      shipmentHeartbeatSeconds: 86_400,
      escalationGraceSeconds: 43_200,
      backorderTimeoutSeconds: 259_200,
      holdTimeoutSeconds: 259_200,
      maxResourceAttempts: 2,
      holdTags: ['review', 'fraud-review', 'hold'],
    }),
  /** Pickup in store (click & collect, docs/workflows.md "Pickup"). */
  pickup: z
    .strictObject({
      /**
       * Days a pickup waits at the counter after ready-for-pickup before it is cancelled as
       * not-collected (restocked, refunded). Fractions allowed (0.5 = 12 hours).
       */
      holdDays: z.number().positive().max(90).default(7),
    })
    .default({ holdDays: 7 }),
  /** Returns (RMA) and the returns workflow (docs/workflows.md). */
  returns: z
    .strictObject({
      /** Days after shipment or delivery during which a return may be authorised. */
      windowDays: z.number().int().min(1).max(365).default(30),
      /** How long an RMA waits for the goods before it expires (seconds). */
      receiptTimeoutSeconds: z.number().int().min(60).default(2_592_000),
      /** How long the payment service has to confirm a refund (seconds). */
      refundTimeoutSeconds: z.number().int().min(60).default(604_800),
    })
    .default({ windowDays: 30, receiptTimeoutSeconds: 2_592_000, refundTimeoutSeconds: 604_800 }),
  auth: AuthConfigSchema.default({ mode: 'apiKey' }),
  /** A WAF web ACL on the API stage: AWS managed rule groups and a per-IP rate limit. */
  waf: z
    .union([
      z.boolean(),
      z.strictObject({
        /** Requests per IP per 5 minutes before WAF blocks the address. */
        rateLimitPer5Minutes: z.number().int().min(10).default(2000),
      }),
    ])
    .default(false),
  /** The ops console as a static site (S3 + CloudFront); its API routes exist either way. */
  console: z.strictObject({ enabled: z.boolean().default(false) }).default({ enabled: false }),
  /** How Lambda functions are bundled; docs/coldstart.md weighs both choices against cold start. */
  lambda: z
    .strictObject({
      /** `runtime`: the AWS SDK v3 the nodejs24.x runtime ships. `bundled`: package-lock's, in every bundle. */
      awsSdk: z.enum(['runtime', 'bundled']).default(DEFAULT_LAMBDA_BUNDLE_CHOICES.awsSdk),
      /** `active`: Lambda active tracing only. `powertools`: plus the Powertools Tracer's handler and AWS call subsegments. */
      tracing: z.enum(['active', 'powertools']).default(DEFAULT_LAMBDA_BUNDLE_CHOICES.tracing),
    })
    .default(DEFAULT_LAMBDA_BUNDLE_CHOICES),
  alarms: z
    .strictObject({
      /** Subscribed to the alarm topic (confirm the subscription email once deployed). */
      email: z.email().optional(),
    })
    .default({}),
});
export type QuartermasterConfig = z.infer<typeof QuartermasterConfigSchema>;

export const DEFAULT_CONFIG_FILE = 'quartermaster.config.json';

export function loadConfig(file = DEFAULT_CONFIG_FILE): QuartermasterConfig {
  if (!existsSync(file)) throw new Error(`Configuration file ${file} not found`);
  const result = QuartermasterConfigSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!result.success) {
    throw new Error(`Configuration file ${file} is not valid:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
