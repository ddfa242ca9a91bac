/**
 * What every streamprobe check deploys the same way: its Lambda (bundled from the handler, one run at a
 * time, never retried), its log group, a role that may publish only into its namespace, the VPC placement
 * of a private cluster, and the EventBridge schedule.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { type Duration, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { CheckKind } from '../../lambda/contract';

/** A deployed check's handler: lambda/handlers/<kind>.ts, bundled as handlers/<kind>/index.js. */
export type HandlerName = CheckKind;
const PROJECT_ROOT = path.join(__dirname, '..', '..');
export const handlerEntry = (name: HandlerName) => path.join(PROJECT_ROOT, 'lambda', 'handlers', `${name}.ts`);
/**
 * The installed package ships each handler bundled (dist/handlers/<name>/index.js), so a user's CDK app
 * needs neither esbuild nor our lock file; a clone has no such folder and bundles from source.
 */
export const bundledHandler = (name: HandlerName) => path.join(__dirname, '..', '..', 'handlers', name);

/** How a handler is bundled, here from source and by the package build: the same options both ways. */
export const HANDLER_BUNDLING = {
  minify: true,
  target: 'node22',
  format: OutputFormat.CJS,
  // The SDK is bundled at the version the tests ran against, not the one the runtime happens to carry.
  externalModules: [],
  forceDockerBundling: false,
};

export interface ScheduledCheckProps {
  readonly handler: HandlerName;
  /** Says what the function checks, in its description, its role's and its schedule's. */
  readonly description: string;
  readonly environment: Record<string, string>;
  /** How often it runs; none for an on-demand function (the load test), invoked by hand or by a pipeline. */
  readonly schedule: Duration | undefined;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: logs.RetentionDays;
  readonly namespace: string;
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * Not a construct of its own: its resources are the caller's children, so their logical ids stay what they
 * were before this was shared (an alarm or a function with a fixed name cannot be replaced in place).
 */
export class ScheduledCheck {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** The schedule's rule; none for an on-demand function. */
  readonly rule: events.Rule | undefined;
  /** AwsSolutions-IAM5 findings the caller acknowledges, with their reasons, once its own grants are added. */
  readonly wildcardFindings: string[] = ['AwsSolutions-IAM5[Resource::*]'];
  readonly wildcardReasons: string[] = [
    'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited to the namespace by a cloudwatch:namespace condition.',
  ];

  constructor(scope: Construct, props: ScheduledCheckProps, ids: { fn: string } = { fn: 'Function' }) {
    this.logGroup = new logs.LogGroup(scope, 'Logs', { retention: props.logRetention });
    this.role = new iam.Role(scope, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: props.description });
    this.logGroup.grantWrite(this.role);

    const common: lambda.FunctionOptions = {
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      // One run at a time: overlapping runs would share a topic or a group and steal each other's records.
      reservedConcurrentExecutions: 1,
      role: this.role,
      logGroup: this.logGroup,
      description: props.description,
      environment: { ...props.environment, POWERTOOLS_LOG_LEVEL: 'INFO' },
      // Lambda retries failed asynchronous invocations twice by default: a retried run reports a stale
      // picture and overlaps the next one. The next scheduled run is the retry.
      retryAttempts: 0,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
    };
    const bundled = bundledHandler(props.handler);
    this.function = existsSync(path.join(bundled, 'index.js'))
      ? new lambda.Function(scope, ids.fn, { ...common, code: lambda.Code.fromAsset(bundled), handler: 'index.handler', runtime: lambda.Runtime.NODEJS_22_X })
      : new NodejsFunction(scope, ids.fn, {
          ...common,
          runtime: lambda.Runtime.NODEJS_22_X,
          entry: handlerEntry(props.handler),
          handler: 'handler',
          projectRoot: PROJECT_ROOT,
          depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
          bundling: HANDLER_BUNDLING,
        });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The runtime is pinned to nodejs22.x on purpose: streamprobe is tested on it, and a runtime change must be a deliberate, tested upgrade rather than a side effect of a CDK release.',
    });

    const schedule = props.schedule;
    this.rule =
      schedule &&
      new events.Rule(scope, 'Schedule', {
        description: `${props.description}: every ${schedule.toMinutes()} min`,
        schedule: events.Schedule.rate(schedule),
        // A retried run would report a stale picture; the next scheduled run is the retry.
        targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: schedule })],
      });

    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PublishMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': props.namespace } },
      }),
    );
    if (props.vpc) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'LambdaVpcNetworkInterfaces',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
      this.wildcardReasons.push('Lambda VPC networking: ec2 network-interface actions do not support resource-level permissions.');
    }
  }

  /** Acknowledges the role's wildcard findings, each with every reason, after the caller added its own. */
  acknowledgeWildcards(): void {
    for (const id of this.wildcardFindings) Validations.of(this.role).acknowledge({ id, reason: this.wildcardReasons.join(' ') });
  }
}
