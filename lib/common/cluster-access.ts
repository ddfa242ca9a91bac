/**
 * Least-privilege access of a check's role to a cluster: MSK IAM actions scoped to the cluster, the topics
 * and the consumer groups the check really uses, and read access to its own SCRAM secret. Every check grants
 * through here, so a pipeline's input and output and a lag check are scoped the way the canary is.
 */
import { Fn, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { ScheduledCheck } from './scheduled-check';

/** MSK resource ARNs for topics and groups, derived from the cluster ARN (…:cluster/name/uuid). */
export function mskResourceArn(clusterArn: string, kind: 'topic' | 'group', name: string): string {
  if (!Token.isUnresolved(clusterArn)) return `${clusterArn.replace(':cluster/', `:${kind}/`)}/${name}`;
  // An ARN known only at deploy time (a cluster of the same app, an import): CloudFormation does the same.
  const parts = Fn.split(':cluster/', clusterArn, 2);
  return Fn.join('', [Fn.select(0, parts), `:${kind}/`, Fn.select(1, parts), `/${name}`]);
}

/**
 * The resource as cdk-nag names it in a finding id: a deploy-time ARN is flattened the way cdk-nag
 * flattens a template value (joins joined, Ref and GetAtt in angle brackets, anything else as JSON).
 */
function findingResource(scope: Construct, arn: string): string {
  if (!Token.isUnresolved(arn)) return arn;
  const flatten = (node: unknown): string => {
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
    const n = node as { 'Fn::Join'?: [string, unknown[]]; 'Fn::GetAtt'?: [unknown, unknown]; Ref?: unknown };
    if (n['Fn::Join']) return n['Fn::Join'][1].map(flatten).join(n['Fn::Join'][0]);
    if (n['Fn::GetAtt']) return `<${flatten(n['Fn::GetAtt'][0])}.${flatten(n['Fn::GetAtt'][1])}>`;
    if (n.Ref) return `<${flatten(n.Ref)}>`;
    return JSON.stringify(node);
  };
  return flatten(Stack.of(scope).resolve(arn));
}

export interface MskAccess {
  readonly clusterArn: string;
  /** Statement ids start with this (one cluster, one prefix). */
  readonly sid: string;
  readonly writeTopics?: readonly string[];
  readonly readTopics?: readonly string[];
  /** Topics the check creates or alters (the canary's own). */
  readonly manageTopics?: readonly string[];
  /** Group names or name patterns (ending in *) the check joins or describes, with why a pattern is needed. */
  readonly groups?: ReadonlyArray<{ readonly name: string; readonly why?: string; readonly deletes?: boolean }>;
  /** Describe every group and topic and read every topic (a lag check with a pattern), with why. */
  readonly everything?: string;
}

export function grantMsk(check: ScheduledCheck, a: MskAccess): void {
  const { role } = check;
  const topic = (name: string) => mskResourceArn(a.clusterArn, 'topic', name);
  role.addToPolicy(
    new iam.PolicyStatement({ sid: `${a.sid}Connect`, actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], resources: [a.clusterArn] }),
  );
  const topicActions = new Map<string, Set<string>>();
  const add = (names: readonly string[] | undefined, actions: string[]) => {
    for (const n of names ?? [])
      for (const action of ['kafka-cluster:DescribeTopic', ...actions]) (topicActions.get(n) ?? topicActions.set(n, new Set()).get(n)!).add(action);
  };
  add(a.writeTopics, ['kafka-cluster:WriteData']);
  add(a.readTopics, ['kafka-cluster:ReadData']);
  add(a.manageTopics, ['kafka-cluster:CreateTopic', 'kafka-cluster:AlterTopic', 'kafka-cluster:WriteData', 'kafka-cluster:ReadData']);
  const byActions = new Map<string, string[]>();
  for (const [name, actions] of topicActions) {
    const key = [...actions].sort().join(',');
    byActions.set(key, [...(byActions.get(key) ?? []), topic(name)]);
  }
  [...byActions].forEach(([actions, resources], i) => {
    role.addToPolicy(new iam.PolicyStatement({ sid: `${a.sid}Topics${i || ''}`, actions: actions.split(','), resources }));
  });
  for (const [i, g] of (a.groups ?? []).entries()) {
    const arn = mskResourceArn(a.clusterArn, 'group', g.name);
    const actions = ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup', ...(g.deletes ? ['kafka-cluster:DeleteGroup'] : [])];
    role.addToPolicy(new iam.PolicyStatement({ sid: `${a.sid}Groups${i || ''}`, actions, resources: [arn] }));
    if (g.name.includes('*')) {
      check.wildcardFindings.push(`AwsSolutions-IAM5[Resource::${findingResource(role, arn)}]`);
      check.wildcardReasons.push(g.why ?? `the check's own groups (${g.name}).`);
    }
  }
  if (a.everything) {
    const topics = mskResourceArn(a.clusterArn, 'topic', '*');
    const groups = mskResourceArn(a.clusterArn, 'group', '*');
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: `${a.sid}DescribeAll`,
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData', 'kafka-cluster:DescribeGroup'],
        resources: [topics, groups],
      }),
    );
    check.wildcardFindings.push(
      `AwsSolutions-IAM5[Resource::${findingResource(role, topics)}]`,
      `AwsSolutions-IAM5[Resource::${findingResource(role, groups)}]`,
    );
    check.wildcardReasons.push(a.everything);
  }
}

/** Read one SCRAM secret (and decrypt it, through Secrets Manager only, when its key is given). */
export function grantSecret(check: ScheduledCheck, sid: string, secretArn: string, keyArn?: string): void {
  check.role.addToPolicy(new iam.PolicyStatement({ sid, actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [secretArn] }));
  if (keyArn) {
    check.role.addToPolicy(
      new iam.PolicyStatement({
        sid: sid.replace(/^Read/, 'Decrypt'),
        actions: ['kms:Decrypt'],
        resources: [keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(check.role).region}.amazonaws.com` } },
      }),
    );
  }
}
