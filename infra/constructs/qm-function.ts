import { relative, resolve } from 'node:path';
import { type CfnResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  DEFAULT_LAMBDA_BUNDLE_CHOICES,
  LAMBDA_BUNDLE,
  type LambdaBundleChoices,
  lambdaBundleSettings,
} from '../bundling/lambda-bundle.ts';
import { BUNDLE_METADATA, ENTRY_METADATA, REPO_ROOT } from '../template-metadata.ts';

export { BUNDLE_METADATA, ENTRY_METADATA, REPO_ROOT } from '../template-metadata.ts';

/**
 * Construct context key holding the LambdaBundleChoices of every QmFunction below it; the stack sets
 * it from the configuration (`lambda`), DEFAULT_LAMBDA_BUNDLE_CHOICES apply without it.
 */
export const BUNDLE_CHOICES_CONTEXT = 'quartermaster:lambdaBundle';

export function bundleChoicesOf(scope: Construct): LambdaBundleChoices {
  return {
    ...DEFAULT_LAMBDA_BUNDLE_CHOICES,
    ...(scope.node.tryGetContext(BUNDLE_CHOICES_CONTEXT) as Partial<LambdaBundleChoices> | undefined),
  };
}

export interface QmFunctionProps {
  /** Handler source, relative to the repository root, exporting `handler`. */
  entry: string;
  description: string;
  service: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  memorySize?: number;
  logRetention: RetentionDays;
}

/**
 * Every Lambda function of the stack: Node 24 on arm64, X-Ray active, JSON logs into an explicit
 * log group with retention, a minified CommonJS bundle with source maps; whether the AWS SDK and the
 * Powertools Tracer are bundled follows the configuration (bundleChoicesOf); esbuild settings in
 * infra/bundling/lambda-bundle.ts.
 */
export class QmFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: QmFunctionProps) {
    const choices = bundleChoicesOf(scope);
    const { external, alias } = lambdaBundleSettings(choices);
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole: write to this function's log group only.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      entry: resolve(REPO_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      projectRoot: REPO_ROOT,
      depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.service,
        POWERTOOLS_METRICS_NAMESPACE: 'Quartermaster',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.CJS,
        minify: LAMBDA_BUNDLE.minify,
        sourceMap: LAMBDA_BUNDLE.sourcemap,
        sourcesContent: LAMBDA_BUNDLE.sourcesContent,
        target: LAMBDA_BUNDLE.target,
        mainFields: [...LAMBDA_BUNDLE.mainFields],
        bundleAwsSDK: choices.awsSdk === 'bundled',
        externalModules: external,
        esbuildArgs: {
          '--alias': Object.entries(alias).map(([name, target]) => `${name}=${target}`),
        },
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (added by tracing: ACTIVE).',
    });
    (this.node.defaultChild as CfnResource).addMetadata(
      ENTRY_METADATA,
      relative(REPO_ROOT, resolve(REPO_ROOT, props.entry)),
    );
    (this.node.defaultChild as CfnResource).addMetadata(BUNDLE_METADATA, choices);
  }
}
