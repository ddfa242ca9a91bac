/**
 * StreamProbeRoundTrip: everything that probes one Kafka target. Drop it into any CDK app: the probe Lambda,
 * its schedule, its log group, least-privilege permissions, and the alarms that page.
 */
import { Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { roundTripCommitGroup } from '../../../lambda/contract';
import type { AlarmTopicProps } from '../../common/alarm-kit';
import { grantMsk, grantSecret } from '../../common/cluster-access';
import { ScheduledCheck } from '../../common/scheduled-check';
import { ProbeAlarms, type TargetAlarms } from './alarms';

export { mskResourceArn } from '../../common/cluster-access';

import { type ResolvedTarget, type RoundTripProps, resolveTarget } from './props';

export interface StreamProbeRoundTripProps extends RoundTripProps, AlarmTopicProps {}

/** @deprecated Renamed StreamProbeRoundTripProps; this name goes in the next release. */
export type StreamProbeTargetConstructProps = StreamProbeRoundTripProps;

export class StreamProbeRoundTrip extends Construct {
  readonly target: ResolvedTarget;
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly alarms: TargetAlarms;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: StreamProbeRoundTripProps) {
    super(scope, id);
    const { target: t, environment } = resolveTarget(props, Stack.of(this).region);
    this.target = t;

    const check = new ScheduledCheck(
      this,
      {
        handler: 'roundtrip',
        description: `streamprobe canary for ${t.probeName}`,
        environment,
        schedule: t.schedule,
        timeout: t.lambdaTimeout,
        memorySize: t.memorySize,
        logRetention: t.logRetention,
        namespace: t.namespace,
        vpc: props.vpc,
        vpcSubnets: props.vpcSubnets,
        securityGroups: props.securityGroups,
      },
      { fn: 'Probe' },
    );
    this.logGroup = check.logGroup;
    this.function = check.function;
    this.rule = check.rule!;
    this.grantPermissions(check, t, props);
    const alarms = new ProbeAlarms(this, 'Alarms', t, check);
    alarms.routeTo(props);
    this.alarms = alarms.alarms;
  }

  private grantPermissions(check: ScheduledCheck, t: ResolvedTarget, props: StreamProbeRoundTripProps): void {
    if (t.auth === 'msk-iam' && t.mskClusterArn) {
      grantMsk(check, {
        clusterArn: t.mskClusterArn,
        sid: 'Msk',
        manageTopics: [t.topic],
        // The probe joins no group; it commits offsets for this one, which never has a member.
        groups: [{ name: roundTripCommitGroup(t.probeName) }],
      });
    }
    if (t.scramSecretArn) grantSecret(check, 'ReadScramSecret', t.scramSecretArn, props.scramSecretKeyArn);
    check.acknowledgeWildcards();
  }
}

/** @deprecated Renamed StreamProbeRoundTrip (every check is named by its kind); this name goes in the next release. */
export const StreamProbeTarget = StreamProbeRoundTrip;
/** @deprecated Renamed StreamProbeRoundTrip. */
export type StreamProbeTarget = StreamProbeRoundTrip;
