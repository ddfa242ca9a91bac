/**
 * A cdk-nag rule pack that proves, at synth time, that CloudWatch can deliver every alarm action: it follows
 * each action of each alarm to its SNS topic, the topic's KMS key and both resource policies. No AWS pack
 * checks this, and no emulator models it, so without it an undeliverable page is found during an outage.
 *
 *   Validations.of(app).addPlugins(new AlarmDeliveryChecks(app));
 *
 * Topics imported by ARN cannot be inspected and are not judged; the README says what they must allow.
 */
import { type CfnResource, Stack } from 'aws-cdk-lib';
import { CfnAlarm, CfnCompositeAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnKey } from 'aws-cdk-lib/aws-kms';
import { CfnTopic, CfnTopicPolicy } from 'aws-cdk-lib/aws-sns';
import { NagMessageLevel, NagPack, type NagPackProps, NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { CLOUDWATCH_PRINCIPAL } from '../common/alarm-topic';

interface Statement {
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: string | string[];
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function allowsCloudWatch(statements: readonly Statement[], action: string): boolean {
  return statements.some((s) => {
    if (s.Effect !== 'Allow') return false;
    const services = asList((s.Principal as { Service?: string | string[] } | undefined)?.Service);
    if (!services.includes(CLOUDWATCH_PRINCIPAL)) return false;
    const [service] = action.split(':');
    return asList(s.Action).some((a) => a === action || a === `${service}:*` || a === '*' || (a.endsWith('*') && action.startsWith(a.slice(0, -1))));
  });
}

function logicalIdOf(stack: Stack, value: unknown): string | undefined {
  const resolved = stack.resolve(value) as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | string;
  if (typeof resolved !== 'object' || resolved === null) return undefined;
  return resolved.Ref ?? resolved['Fn::GetAtt']?.[0];
}

function findByLogicalId<T extends CfnResource>(stack: Stack, id: string, type: new (...args: never[]) => T): T | undefined {
  return stack.node.findAll().find((c): c is T => c instanceof type && stack.resolve((c as T).logicalId) === id);
}

/** Why CloudWatch could not deliver to the topic behind one action, or undefined when it can. */
export function deliveryProblem(stack: Stack, action: unknown): string | undefined {
  const topicId = logicalIdOf(stack, action);
  if (!topicId) return undefined; // an ARN string: an imported topic this app cannot inspect
  const topic = findByLogicalId(stack, topicId, CfnTopic);
  if (!topic) return undefined;
  const keyRef = topic.kmsMasterKeyId;
  if (typeof keyRef === 'string' && /alias\/aws\/sns$/.test(keyRef)) {
    return `topic ${topicId} is encrypted with the AWS managed key alias/aws/sns, whose key policy cannot let CloudWatch encrypt messages`;
  }
  const keyId = keyRef === undefined ? undefined : logicalIdOf(stack, keyRef);
  if (keyId) {
    const key = findByLogicalId(stack, keyId, CfnKey);
    const statements = asList((stack.resolve(key?.keyPolicy) as { Statement?: Statement[] } | undefined)?.Statement);
    for (const needed of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      if (key && !allowsCloudWatch(statements, needed)) return `the key policy of ${keyId} (topic ${topicId}) does not allow ${CLOUDWATCH_PRINCIPAL} ${needed}`;
    }
  }
  const policies = stack.node
    .findAll()
    .filter(
      (c): c is CfnTopicPolicy => c instanceof CfnTopicPolicy && asList(stack.resolve(c.topics) as unknown[]).some((t) => logicalIdOf(stack, t) === topicId),
    );
  // Without a topic policy SNS's default one lets the account's own services publish; a policy replaces it.
  if (policies.length > 0) {
    const statements = policies.flatMap((p) => asList((stack.resolve(p.policyDocument) as { Statement?: Statement[] }).Statement));
    if (!allowsCloudWatch(statements, 'sns:Publish')) return `the topic policy of ${topicId} does not allow ${CLOUDWATCH_PRINCIPAL} sns:Publish`;
  }
  return undefined;
}

function alarmActionsOf(node: CfnResource): unknown[] {
  const stack = Stack.of(node);
  if (node instanceof CfnAlarm || node instanceof CfnCompositeAlarm) {
    return [node.alarmActions, node.okActions, node.insufficientDataActions].flatMap((a) => asList(stack.resolve(a) as unknown[]));
  }
  return [];
}

/** The rule: every SNS action of an alarm reaches a topic CloudWatch may encrypt for and publish to. */
export function alarmActionsDeliverable(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnAlarm || node instanceof CfnCompositeAlarm)) return NagRuleCompliance.NOT_APPLICABLE;
  const problems = alarmActionsOf(node)
    .map((a) => deliveryProblem(Stack.of(node), a))
    .filter((p): p is string => p !== undefined);
  // Findings become part of the rule id, so keep them short and free of brackets.
  return problems.length === 0 ? NagRuleCompliance.COMPLIANT : [...new Set(problems)].map((p) => p.replace(/[[\]]/g, ''));
}

export class AlarmDeliveryChecks extends NagPack {
  readonly name = 'StreamProbeAlarmDelivery';

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'StreamProbe';
  }

  protected checkResource(node: CfnResource): void {
    this.applyRule({
      ruleSuffixOverride: 'AlarmDelivery',
      info: "CloudWatch cannot deliver this alarm's notifications: the SNS topic, its KMS key or a resource policy does not let cloudwatch.amazonaws.com publish.",
      explanation:
        'Alarms publish to SNS as the service principal cloudwatch.amazonaws.com. An encrypted topic needs a customer managed key whose policy grants it kms:GenerateDataKey* and kms:Decrypt, and a topic policy that allows it sns:Publish. Otherwise the page is dropped and only the alarm history shows the error.',
      level: NagMessageLevel.ERROR,
      node,
      rule: alarmActionsDeliverable,
    });
  }
}
