/** The CDK app: `cdk synth` / `cdk deploy`. Targets come from cdk.json context or a config file. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AppConfigError, loadAppConfig } from '../lib/app-config';
import { TargetConfigError } from '../lib/common/props';
import { AlarmDeliveryChecks } from '../lib/nag/alarm-delivery-checks';
import { StreamProbeStack } from '../lib/stack';

const app = new App();
try {
  const config = loadAppConfig((key) => app.node.tryGetContext(key));
  new StreamProbeStack(app, config.stackName, { config });
  // Acknowledgements are written into the template metadata, so reviewers (and tests) see every reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  // Every alarm action must be deliverable: topic, key and policies let CloudWatch publish.
  Validations.of(app).addPlugins(new AlarmDeliveryChecks(app));
  app.synth();
} catch (error) {
  if (error instanceof AppConfigError || error instanceof TargetConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
