/**
 * An SNS topic that CloudWatch alarms can really publish to. Alarms cannot use a topic encrypted with the
 * AWS managed key `alias/aws/sns` (its key policy cannot be changed to let CloudWatch use it), so the topic
 * gets a customer managed key whose policy lets CloudWatch, and only for alarms of this account, encrypt
 * messages; and a topic policy that lets CloudWatch publish, scoped the same way.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** Alarm names streamprobe creates all start with this, so a policy can name exactly them. */
export const ALARM_NAME_PREFIX = 'streamprobe-';

export const CLOUDWATCH_PRINCIPAL = 'cloudwatch.amazonaws.com';

/** ARN pattern of the alarms allowed to use a topic: this account's streamprobe alarms, in this region. */
export function alarmSourceArn(scope: Construct): string {
  return Stack.of(scope).formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: `${ALARM_NAME_PREFIX}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

function sourceConditions(scope: Construct): Record<string, unknown> {
  return {
    StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
    ArnLike: { 'aws:SourceArn': alarmSourceArn(scope) },
  };
}

export interface AlarmTopicConstructProps {
  readonly displayName: string;
  /** Another AlarmTopic's key, to share (a customer managed key costs $1 a month; one serves every topic). */
  readonly key?: kms.Key;
}

export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmTopicConstructProps) {
    super(scope, id);
    this.key = props.key ?? this.newKey();
    this.topic = new sns.Topic(this, 'Topic', { displayName: props.displayName, masterKey: this.key, enforceSSL: true });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal(CLOUDWATCH_PRINCIPAL)],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: sourceConditions(this),
      }),
    );
  }

  private newKey(): kms.Key {
    const key = new kms.Key(this, 'Key', {
      description: 'streamprobe: encrypts its alarm topics; CloudWatch alarms may use it to publish',
      enableKeyRotation: true,
      // An alarm topic holds no data worth keeping once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsEncryptNotifications',
        principals: [new iam.ServicePrincipal(CLOUDWATCH_PRINCIPAL)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: sourceConditions(this),
      }),
    );
    return key;
  }
}
