import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, CfnOutput, DockerImage, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { RestApiOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { buildSync } from 'esbuild';
import type { Api } from './api.ts';
import { stateMachineNamePrefix } from './ops-api.ts';

/** The console's static files (console/): index.html, styles.css and src/main.ts bundled to app.js. */
export const CONSOLE_DIRECTORY = 'console';

/**
 * Builds the console into `outputDir` with esbuild (the same bundle the local runtime serves at
 * /console). Runs at synth time, only for stacks whose assets are bundled.
 */
export function buildConsole(outputDir: string, root = process.cwd()): void {
  mkdirSync(outputDir, { recursive: true });
  for (const file of ['index.html', 'styles.css']) {
    cpSync(join(root, CONSOLE_DIRECTORY, file), join(outputDir, file));
  }
  buildSync({
    entryPoints: [join(root, CONSOLE_DIRECTORY, 'src', 'main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    outfile: join(outputDir, 'app.js'),
    logLevel: 'warning',
  });
}

export interface OpsConsoleProps {
  api: Api;
  /** Deploy the console as a static site (private S3 bucket behind CloudFront). */
  site: boolean;
  /** The API stage (`/<stageName>/*` goes to the API through the distribution). */
  stageName: string;
}

/**
 * The ops console: its read routes on the REST API (always, so the local runtime's /console has them
 * too), and optionally the static site on AWS: a private, encrypted, SSL-only bucket served by
 * CloudFront through origin access control. CloudFront also forwards `/<stage>/*` to the REST API, so
 * the console calls the API on its own origin (no CORS), as it does locally.
 */
export class OpsConsole extends Construct {
  readonly distribution?: Distribution;
  readonly bucket?: IBucket;

  constructor(scope: Construct, id: string, props: OpsConsoleProps) {
    super(scope, id);
    const { api } = props;
    const stack = Stack.of(this);
    const ops = { service: 'ops-api' };

    api.addRoute('GET', '/ops/orders/{orderId}/events', {
      ...ops,
      name: 'GetOrderEvents',
      entry: 'functions/ops/order-events.ts',
      description: 'GET /ops/orders/{orderId}/events: outbox events and reservations of an order (ops)',
      tableActions: ['GetItem', 'Query'],
    });

    const prefix = stateMachineNamePrefix(this);
    const definitions = api.addRoute('GET', '/ops/state-machines/{name}', {
      ...ops,
      name: 'GetStateMachine',
      entry: 'functions/ops/state-machine-definition.ts',
      description: 'GET /ops/state-machines/{name}: a state machine definition for the console diagram (ops)',
      tableActions: [],
    });
    definitions.addEnvironment(
      'STATE_MACHINE_ARN_PREFIX',
      stack.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: prefix,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    definitions.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:DescribeStateMachine'],
        resources: [
          stack.formatArn({
            service: 'states',
            resource: 'stateMachine',
            resourceName: `${prefix}*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    Validations.of(definitions.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:${prefix}*]`,
      reason: `Read-only DescribeStateMachine on this stack's state machines, all named ${prefix}… (no other state machine in the account matches).`,
    });

    if (!props.site) return;

    const logs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logging writes with ACLs.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      logs,
      'AwsSolutions-S1',
      'This bucket receives the access logs of the console (CloudFront and S3); logging it to itself would loop.',
    );

    const bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'site/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    this.bucket = bucket;

    const { stageName } = props;
    const distribution = new Distribution(this, 'Distribution', {
      comment: `${stack.stackName} ops console`,
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
      },
      additionalBehaviors: {
        // The API on the console's origin: no CORS, nothing cached, the x-api-key header forwarded.
        [`/${stageName}/*`]: {
          origin: new RestApiOrigin(api.api, { originPath: '' }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });
    this.distribution = distribution;
    acknowledge(
      distribution,
      'AwsSolutions-CFR1',
      'The ops console is used by an operations team wherever they are; access is controlled by the admin API key, not geography.',
    );
    acknowledge(
      distribution,
      'AwsSolutions-CFR2',
      'A CloudFront web ACL must live in us-east-1; the API behind it has the optional regional WAF (config `waf`), and the static files are public code.',
    );
    acknowledge(
      distribution,
      'AwsSolutions-CFR4',
      'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the TLS policy; configure a custom domain and certificate to set TLSv1.2_2021.',
    );

    const deployment = new BucketDeployment(this, 'Deploy', {
      destinationBucket: bucket,
      distribution,
      sources: [
        Source.asset(CONSOLE_DIRECTORY, {
          // Bundled locally with esbuild (never in Docker); skipped when the stack is not bundled.
          bundling: {
            image: DockerImage.fromRegistry('local-bundling-only'),
            local: {
              tryBundle(outputDir) {
                buildConsole(outputDir);
                return true;
              },
            },
          },
        }),
        // Same origin: the console calls the API at /<stage> through the distribution.
        Source.jsonData('config.json', { apiUrl: `/${stageName}`, localEndpoints: false }),
      ],
      memoryLimit: 256,
    });
    acknowledgeDeploymentProvider(stack, deployment, bucket);

    new CfnOutput(this, 'ConsoleUrl', {
      value: `https://${distribution.distributionDomainName}/`,
      description: 'The ops console (paste the ops API key once per browser session)',
    });
  }
}

function acknowledge(resource: IConstruct, id: string, reason: string): void {
  Validations.of(resource).acknowledge({ id, reason });
}

/**
 * The BucketDeployment provider is CDK's own singleton custom resource (a Lambda function that copies
 * the asset into the bucket at deploy time); its code, runtime and role are CDK's, not ours.
 */
function acknowledgeDeploymentProvider(stack: Stack, deployment: BucketDeployment, bucket: IBucket): void {
  const provider = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  const copies =
    'The CDK BucketDeployment provider copies the console asset from the CDK asset bucket into the console bucket: object-level wildcards within those two buckets.';
  const reasons: [string, string][] = [
    [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'The CDK BucketDeployment provider role uses AWSLambdaBasicExecutionRole for its own logs.',
    ],
    ...[
      'Action::s3:GetObject*',
      'Action::s3:GetBucket*',
      'Action::s3:List*',
      'Action::s3:DeleteObject*',
      'Action::s3:Abort*',
      'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
      `Resource::<${stack.getLogicalId(bucket.node.defaultChild as CfnBucket)}.Arn>/*`,
    ].map((evidence): [string, string] => [`AwsSolutions-IAM5[${evidence}]`, copies]),
    [
      'AwsSolutions-IAM5[Resource::*]',
      'cloudfront:CreateInvalidation has no resource-level scoping in the CDK provider policy; it invalidates this distribution after each deploy.',
    ],
    ['AwsSolutions-L1', 'CDK pins the BucketDeployment provider runtime; it runs only at deploy time.'],
    ['Serverless-LambdaDLQ', 'Invoked synchronously by CloudFormation as a custom resource.'],
    ['Serverless-LambdaDefaultMemorySize', 'Set via BucketDeployment memoryLimit.'],
    ['Serverless-LambdaLatestVersion', 'CDK pins the BucketDeployment provider runtime.'],
    ['Serverless-LambdaTracing', 'A deploy-time custom resource; nothing to trace at run time.'],
    ['Serverless-LambdaAsyncFailureDestination', 'Invoked synchronously by CloudFormation.'],
  ];
  for (const target of [provider, deployment.handlerRole].filter((t): t is IConstruct => t !== undefined)) {
    for (const [id, reason] of reasons) acknowledge(target, id, reason);
  }
}
