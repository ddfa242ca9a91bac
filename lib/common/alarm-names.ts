/**
 * CloudWatch's PutMetricAlarm silently overwrites an alarm of the same name, so two alarms of one stack that
 * share a name leave one check without its paging at deploy. Names carry the check's kind, so checks of
 * different kinds never collide; within a kind a name can still run into another's (lag check "a" watching
 * group "b" and lag check "a-b" both make streamprobe-lag-a-b-stopped). This fails synth instead, naming both.
 */
import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct, type IConstruct } from 'constructs';

const GUARD_ID = 'StreamProbeAlarmNames';

/** Adds the stack's one alarm-name check (once, whichever check asks first). */
export function guardAlarmNames(scope: IConstruct): void {
  const stack = Stack.of(scope);
  if (stack.node.tryFindChild(GUARD_ID)) return;
  const guard = new Construct(stack, GUARD_ID);
  guard.node.addValidation({ validate: () => duplicateAlarmNames(stack) });
}

/** One message per name that two alarms of the stack share, naming the constructs that made them. */
export function duplicateAlarmNames(stack: Stack): string[] {
  const owners = new Map<string, string[]>();
  for (const c of stack.node.findAll()) {
    const name = c instanceof cloudwatch.CfnAlarm ? c.alarmName : c instanceof cloudwatch.CfnCompositeAlarm ? c.alarmName : undefined;
    const resolved = name === undefined ? undefined : stack.resolve(name);
    if (typeof resolved !== 'string') continue;
    owners.set(resolved, [...(owners.get(resolved) ?? []), c.node.scope!.node.path]);
  }
  return [...owners]
    .filter(([, paths]) => paths.length > 1)
    .map(([name, paths]) => `alarm name "${name}" is made by both ${paths.join(' and ')}: CloudWatch would keep only one of them; rename one of the checks`);
}
