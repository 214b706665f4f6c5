import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { DEFAULT_CONFIG_FILE, loadConfig } from './config.ts';
import { acknowledgeServerlessByDesign } from './nag.ts';
import { QuartermasterStack } from './stack.ts';

/** Builds the CDK app; shared by `cdk synth`, the tests and the local runtime. */
export function buildApp(app: App, configFile?: string): QuartermasterStack {
  const file = configFile ?? (app.node.tryGetContext('config') as string | undefined) ?? DEFAULT_CONFIG_FILE;
  const stack = new QuartermasterStack(app, 'Quartermaster', {
    config: loadConfig(file),
    description: 'Quartermaster order management system',
  });
  acknowledgeServerlessByDesign(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return stack;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const app = new App();
  buildApp(app);
  app.synth();
}
