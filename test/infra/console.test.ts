import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { buildConsole } from '../../infra/constructs/console.ts';
import type { QuartermasterStack } from '../../infra/stack.ts';

type Json = Record<string, unknown>;

let dir: string;
let app: App;
let stack: QuartermasterStack;
let template: Template;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qm-console-infra-'));
  const config = JSON.parse(readFileSync('quartermaster.config.json', 'utf8')) as Json;
  const file = join(dir, 'console.config.json');
  writeFileSync(file, JSON.stringify({ ...config, console: { enabled: true } }));
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = buildApp(app, file);
  template = Template.fromStack(stack);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ops console on AWS (console.enabled)', () => {
  test('a private, encrypted, SSL-only, versioned bucket with access logs', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'site/' }),
    });
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    const denies = policies.flatMap((p) =>
      ((p.Properties as Json).PolicyDocument as { Statement: Json[] }).Statement.filter(
        (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'),
      ),
    );
    expect(denies.length).toBeGreaterThanOrEqual(2); // site and log bucket
  });

  test('CloudFront reads the bucket through origin access control and forwards /v1/* to the API', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        Logging: Match.anyValue(),
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        CacheBehaviors: [Match.objectLike({ PathPattern: '/v1/*', ViewerProtocolPolicy: 'https-only' })],
        Origins: Match.arrayWith([
          Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: Match.anyValue() }),
        ]),
      }),
    });
    // The bucket policy allows only this distribution (cloudfront.amazonaws.com with its SourceArn).
    const allow = Object.values(template.findResources('AWS::S3::BucketPolicy'))
      .flatMap((p) => ((p.Properties as Json).PolicyDocument as { Statement: Json[] }).Statement)
      .find((s) => s.Effect === 'Allow' && JSON.stringify(s.Principal).includes('cloudfront.amazonaws.com'));
    expect(JSON.stringify(allow?.Condition)).toContain('AWS:SourceArn');
  });

  test('the deployment writes config.json pointing the console at /v1 on its own origin', () => {
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(1);
    const props = (deployments[0] as { Properties: Json }).Properties;
    // Two sources: the bundled console and config.json ({"apiUrl":"/v1"}).
    expect(props.SourceObjectKeys).toHaveLength(2);
    expect(props.DistributionId).toEqual({ Ref: expect.stringMatching(/^ConsoleDistribution/) });
    template.hasOutput('*', { Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
  });

  test('cdk-nag (AwsSolutions and Serverless): nothing unacknowledged in the console', () => {
    const findings = [new AwsSolutionsChecks(app), new ServerlessChecks(app)]
      .flatMap((checks) => checks.validateScope(stack).violations)
      .flatMap((v) =>
        v.violatingResources
          .filter((r) => /Console|CDKBucketDeployment/.test(r.constructPath ?? r.resourceLogicalId ?? ''))
          .map((r) => `${v.ruleName}: ${r.constructPath ?? r.resourceLogicalId}`),
      );
    expect(findings).toEqual([]);
  });

  test('disabled by default: the routes exist, the site does not', () => {
    const plain = Template.fromStack(buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } })));
    plain.resourceCountIs('AWS::CloudFront::Distribution', 0);
    const paths = Object.values(plain.findResources('AWS::ApiGateway::Resource')).map(
      (r) => (r.Properties as Json).PathPart,
    );
    expect(paths).toEqual(expect.arrayContaining(['state-machines', 'events']));
  });
});

describe('console bundle', () => {
  test('buildConsole writes index.html, styles.css and the esbuild bundle app.js', () => {
    const out = join(dir, 'site');
    buildConsole(out);
    for (const f of ['index.html', 'styles.css', 'app.js']) expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('src="app.js"');
    expect(readFileSync(join(out, 'app.js'), 'utf8').length).toBeGreaterThan(1000);
  });
});
