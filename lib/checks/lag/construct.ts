/**
 * StreamProbeLagCheck: the consumer-lag check deployed. Every schedule interval the Lambda reads its groups'
 * committed offsets, the log ends and starts, and the timestamp at each lagging position. Alarms per named
 * group (time lag M of N, stopped, stalled, retention loss), the same over every group a pattern finds, and
 * the check's own heartbeat, page through one composite per check.
 */
import { Stack } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { grantMsk, grantSecret } from '../../common/cluster-access';
import { ScheduledCheck } from '../../common/scheduled-check';
import { LagAlarmSet, type LagCheckAlarms } from './alarms';
import { type ResolvedLagCheck, resolveLagCheck, type StreamProbeLagCheckProps } from './props';

export { type GroupAlarms, LagAlarmSet, type LagCheckAlarms } from './alarms';
export { type LagThresholds, lagEnvironment, type ResolvedLagCheck, resolveLagCheck, type StreamProbeLagCheckProps } from './props';

export class StreamProbeLagCheck extends Construct {
  readonly check: ResolvedLagCheck;
  readonly function: NodejsFunction;
  readonly alarms: LagCheckAlarms;

  constructor(scope: Construct, id: string, props: StreamProbeLagCheckProps) {
    super(scope, id);
    const { check: c, environment } = resolveLagCheck(props, Stack.of(this).region);
    this.check = c;
    const scheduled = new ScheduledCheck(this, {
      handler: 'lag',
      description: `streamprobe consumer-lag check ${c.name}`,
      environment,
      schedule: c.schedule,
      timeout: c.lambdaTimeout,
      memorySize: props.memorySize ?? 256,
      logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      namespace: c.namespace,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
    });
    if (c.connection.auth === 'msk-iam' && c.connection.mskClusterArn) {
      grantMsk(scheduled, {
        clusterArn: c.connection.mskClusterArn,
        sid: 'Msk',
        everything:
          'A lag check describes the groups it watches (a pattern matches any) and reads one record of whatever topic they consume, by offset and in no group, which the deployment does not know: describe and read on every topic and group of this one cluster, and no write.',
      });
    }
    if (c.connection.scramSecretArn) grantSecret(scheduled, 'ReadScramSecret', c.connection.scramSecretArn, props.scramSecretKeyArn);
    scheduled.acknowledgeWildcards();
    this.function = scheduled.function;
    const alarms = new LagAlarmSet(this, 'Alarms', c, scheduled);
    alarms.routeTo(props);
    this.alarms = alarms.alarms;
  }
}
