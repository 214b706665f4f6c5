import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKey,
  ApiKeySourceType,
  AuthorizationType,
  type IAuthorizer,
  type IResource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Period,
  RequestValidator,
  ResponseType,
  RestApi,
  TokenAuthorizer,
} from 'aws-cdk-lib/aws-apigateway';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { ORDER_INDEXES } from '../../shared/adapters/aws/order-keys.ts';
import type { AuthConfig, ChannelConfig, QuartermasterConfig } from '../config.ts';
import { grantTableActions } from './grants.ts';
import { QmFunction } from './qm-function.ts';

export interface ApiProps {
  table: Table;
  channels: ChannelConfig[];
  stageName: string;
  logRetention: RetentionDays;
  /** Default: per-channel API keys only. */
  auth?: AuthConfig;
  /** A WAF web ACL on the stage (false: none). */
  waf?: QuartermasterConfig['waf'];
}

const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

const PROBLEM_TYPES: {
  type: ResponseType;
  status: string;
  title: string;
  slug: string;
  detail?: string;
  errors?: { pointer: string; field: string; message: string }[];
}[] = [
  { type: ResponseType.INVALID_API_KEY, status: '403', title: 'Forbidden', slug: 'api-key-invalid' },
  { type: ResponseType.UNAUTHORIZED, status: '401', title: 'Unauthorized', slug: 'unauthorized' },
  { type: ResponseType.ACCESS_DENIED, status: '403', title: 'Forbidden', slug: 'access-denied' },
  {
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: '404',
    title: 'Not found',
    slug: 'no-such-route',
    // API Gateway's own message ("Missing Authentication Token") misleads for an unknown route.
    detail: '"No such route: check the method and the path"',
  },
  { type: ResponseType.THROTTLED, status: '429', title: 'Too many requests', slug: 'throttled' },
  { type: ResponseType.QUOTA_EXCEEDED, status: '429', title: 'Quota exceeded', slug: 'quota-exceeded' },
  {
    type: ResponseType.BAD_REQUEST_PARAMETERS,
    status: '400',
    title: 'Request is not valid',
    slug: 'validation',
    // Like every other 400, errors[] names the field (the handler's malformed-key 400 has the same
    // entry). A gateway response cannot compute which parameter is missing, so this is static and
    // addRoute allows no other required parameter.
    errors: [
      {
        pointer: '',
        field: `header:${IDEMPOTENCY_KEY_HEADER}`,
        message: 'is required: send a unique key per order so a retried request is not captured twice',
      },
    ],
  },
  {
    type: ResponseType.REQUEST_TOO_LARGE,
    status: '413',
    title: 'Payload too large',
    slug: 'payload-too-large',
  },
  { type: ResponseType.DEFAULT_4XX, status: '', title: 'Request rejected', slug: 'request-rejected' },
  { type: ResponseType.DEFAULT_5XX, status: '', title: 'Gateway error', slug: 'gateway-error' },
];

/**
 * The REST API sales channels call. Each channel has its own API key and usage plan (throttle and
 * quota); the handlers learn the channel from the key id API Gateway validated.
 */
export class Api extends Construct {
  readonly api: RestApi;
  readonly functions: Record<string, QmFunction> = {};
  readonly apiKeys: Record<string, ApiKey> = {};
  readonly accessLogs: LogGroup;
  /** The JWT token authorizer (auth mode `jwt`). */
  readonly authorizer?: IAuthorizer;
  readonly webAcl?: CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.accessLogs = accessLogs;
    this.api = new RestApi(this, 'RestApi', {
      restApiName: `${Stack.of(this).stackName}-api`,
      description: 'Quartermaster order capture API',
      apiKeySourceType: ApiKeySourceType.HEADER,
      cloudWatchRole: true,
      deployOptions: {
        stageName: props.stageName,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        // Stage-wide ceiling; per-channel limits come from the usage plans below.
        throttlingRateLimit: 1000,
        throttlingBurstLimit: 2000,
      },
    });

    for (const response of PROBLEM_TYPES) {
      this.api.addGatewayResponse(`Problem${response.slug}`, {
        type: response.type,
        ...(response.status ? { statusCode: response.status } : {}),
        responseHeaders: { 'Content-Type': "'application/problem+json'" },
        templates: {
          'application/json': `{"type":"https://quartermaster.dev/problems/${response.slug}","title":"${response.title}",${response.status ? `"status":${response.status},` : ''}"detail":${response.detail ?? '$context.error.messageString'},${response.errors ? `"errors":${JSON.stringify(response.errors)},` : ''}"requestId":"$context.requestId"}`,
        },
      });
    }

    const auth = props.auth ?? { mode: 'apiKey' };
    if (auth.mode === 'apiKey') {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'auth.mode apiKey: sales channels authenticate with per-channel API keys bound to usage plans (apiKeyRequired on every method); the handlers derive the channel from the validated key id. Choose auth.mode iam or jwt for an authorizer.',
      });
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        auth.mode === 'jwt'
          ? 'auth.mode jwt: a token authorizer verifies tokens of any OIDC issuer (Cognito included) against its JWKS, issuer and audience.'
          : `auth.mode ${auth.mode}: machine-to-machine API for sales channels (${auth.mode === 'iam' ? 'SigV4 and ' : ''}per-channel API keys), not Cognito end users.`,
    });
    if (!props.waf) {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'WAF is optional for the operator (config "waf": true); throttling per channel is enforced by usage plans.',
      });
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The account-level API Gateway logging role requires this AWS managed policy; it is used for execution logs only.',
    });

    const channelKeyIds: Record<
      string,
      { channel: string; admin: boolean; scopes: string[]; locationIds?: string[] }
    > = {};
    for (const channel of props.channels) {
      // A standalone key (not stage-bound): the usage plan ties it to the stage, and the functions can
      // reference its id without a dependency cycle through the deployment.
      const key = new ApiKey(this, `Key-${channel.id}`, {
        apiKeyName: `${Stack.of(this).stackName}-${channel.id}`,
        description: `Sales channel ${channel.id}${channel.admin ? ' (admin)' : ''}`,
      });
      const plan = this.api.addUsagePlan(`Plan-${channel.id}`, {
        name: `${Stack.of(this).stackName}-${channel.id}`,
        throttle: channel.throttle,
        ...(channel.quota
          ? { quota: { limit: channel.quota.limit, period: Period[channel.quota.period] } }
          : {}),
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      plan.addApiKey(key);
      this.apiKeys[channel.id] = key;
      channelKeyIds[key.keyId] = {
        channel: channel.id,
        admin: channel.admin,
        scopes: channel.scopes,
        ...(channel.locationIds ? { locationIds: channel.locationIds } : {}),
      };
    }
    if (auth.mode === 'jwt' && auth.jwt) {
      const fn = new QmFunction(this, 'JwtAuthorizer', {
        entry: 'functions/auth/jwt-authorizer.ts',
        description: 'Token authorizer: verifies bearer JWTs (issuer, audience, expiry, JWKS signature)',
        service: 'api-auth',
        environment: { JWT_ISSUER: auth.jwt.issuer, JWT_AUDIENCE: auth.jwt.audience.join(',') },
        timeout: Duration.seconds(5),
        memorySize: 256,
        logRetention: props.logRetention,
      });
      this.functions.JwtAuthorizer = fn;
      this.authorizer = new TokenAuthorizer(this, 'TokenAuthorizer', {
        handler: fn,
        identitySource: `method.request.header.${auth.jwt.header}`,
        resultsCacheTtl: Duration.minutes(5),
      });
    }
    this.authorization =
      auth.mode === 'iam'
        ? { authorizationType: AuthorizationType.IAM }
        : this.authorizer
          ? { authorizationType: AuthorizationType.CUSTOM, authorizer: this.authorizer }
          : {};

    if (props.waf) {
      this.webAcl = this.addWebAcl(props.waf === true ? 2000 : props.waf.rateLimitPer5Minutes);
    }

    const environment = {
      TABLE_NAME: props.table.tableName,
      CHANNEL_API_KEYS: Stack.of(this).toJsonString(channelKeyIds),
    };

    const validator = new RequestValidator(this, 'ParametersValidator', {
      restApi: this.api,
      validateRequestParameters: true,
      // Bodies are validated by the domain schemas in the handlers (one definition, named fields);
      // OpenAPI models for gateway-side body validation come with the OpenAPI document.
      validateRequestBody: true,
    });

    this.validator = validator;
    this.environment = environment;
    this.table = props.table;
    this.logRetention = props.logRetention;

    this.addRoute('POST', '/orders', {
      name: 'CreateOrder',
      entry: 'functions/api/create-order.ts',
      description: 'POST /orders: capture an order',
      tableActions: ['PutItem', 'GetItem', 'ConditionCheckItem'],
      requiredHeaders: ['Idempotency-Key'],
    });
    this.addRoute('GET', '/orders', {
      name: 'ListOrders',
      entry: 'functions/api/list-orders.ts',
      description: 'GET /orders: list orders',
      tableActions: ['Query'],
      indexes: Object.values(ORDER_INDEXES),
    });
    this.addRoute('GET', '/orders/{orderId}', {
      name: 'GetOrder',
      entry: 'functions/api/get-order.ts',
      description: 'GET /orders/{orderId}: read an order',
      tableActions: ['GetItem', 'Query'],
    });
    this.addRoute('GET', '/openapi.json', {
      name: 'GetOpenApi',
      entry: 'functions/api/get-openapi.ts',
      description: 'GET /openapi.json: the API description',
      tableActions: [],
      apiKeyRequired: false,
    });
    this.addRoute('POST', '/orders/{orderId}/cancel', {
      name: 'CancelOrder',
      entry: 'functions/api/cancel-order.ts',
      description: 'POST /orders/{orderId}/cancel',
      tableActions: ['GetItem', 'PutItem', 'Query', 'UpdateItem', 'ConditionCheckItem'],
    });
  }

  private readonly validator: RequestValidator;
  private readonly authorization: { authorizationType?: AuthorizationType; authorizer?: IAuthorizer };
  private readonly environment: Record<string, string>;
  private readonly table: Table;
  private readonly logRetention: RetentionDays;

  /**
   * One route = one function with exactly the table actions it needs, behind an API-key-protected
   * method. Resources along the path are created on demand.
   */
  addRoute(method: string, path: string, route: RouteProps): QmFunction {
    const otherRequired = (route.requiredHeaders ?? []).filter((h) => h !== IDEMPOTENCY_KEY_HEADER);
    if (otherRequired.length)
      throw new Error(
        `${method} ${path}: only ${IDEMPOTENCY_KEY_HEADER} may be a required header (the gateway's missing-parameter problem names it statically); check ${otherRequired.join(', ')} in the handler instead`,
      );
    let resource: IResource = this.api.root;
    for (const part of path.split('/').filter(Boolean)) {
      resource = resource.getResource(part) ?? resource.addResource(part);
    }
    const fn = new QmFunction(this, route.name, {
      entry: route.entry,
      description: route.description,
      service: route.service ?? 'orders-api',
      environment: this.environment,
      logRetention: this.logRetention,
    });
    this.functions[route.name] = fn;
    grantTableActions(fn, this.table, route.tableActions, route.indexes ?? []);
    const apiMethod = resource.addMethod(
      method,
      // No second permission for the console's test-invoke stage: it would double the stack's
      // Lambda::Permission count (one per method) and the stack stays under CloudFormation's 500.
      new LambdaIntegration(fn, { proxy: true, timeout: Duration.seconds(29), allowTestInvoke: false }),
      {
        apiKeyRequired: route.apiKeyRequired ?? true,
        // The public API description stays open; every other method gets the configured authorizer.
        ...(route.apiKeyRequired === false ? {} : this.authorization),
        requestValidator: this.validator,
        requestParameters: Object.fromEntries(
          (route.requiredHeaders ?? []).map((h) => [`method.request.header.${h}`, true]),
        ),
      },
    );
    if (route.apiKeyRequired === false) {
      Validations.of(apiMethod).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${method} ${path} is public by design (the API description), without key or authorizer.`,
      });
    }
    return fn;
  }

  /**
   * WAF on the stage: AWS managed rule groups (common exploits, known bad inputs, IP reputation) and a
   * per-IP rate-based rule, with sampled requests and CloudWatch metrics.
   */
  private addWebAcl(rateLimitPer5Minutes: number): CfnWebACL {
    const visibility = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName: name,
      sampledRequestsEnabled: true,
    });
    const managed = [
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
    ];
    const acl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${Stack.of(this).stackName}-api`),
      rules: [
        ...managed.map((name, priority) => ({
          name,
          priority,
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
          overrideAction: { none: {} },
          visibilityConfig: visibility(name),
        })),
        {
          name: 'RatePerIp',
          priority: managed.length,
          statement: { rateBasedStatement: { limit: rateLimitPer5Minutes, aggregateKeyType: 'IP' } },
          action: { block: {} },
          visibilityConfig: visibility('RatePerIp'),
        },
      ],
    });
    new CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: acl.attrArn,
    });
    return acl;
  }
}

export interface RouteProps {
  /** Construct id of the function, e.g. CreateOrder. */
  name: string;
  entry: string;
  description: string;
  service?: string;
  /** DynamoDB actions on the order table (without the `dynamodb:` prefix). */
  tableActions: string[];
  /** Indexes the function may query. */
  indexes?: string[];
  requiredHeaders?: string[];
  /** Default true; only the public API description is served without a key. */
  apiKeyRequired?: boolean;
}
