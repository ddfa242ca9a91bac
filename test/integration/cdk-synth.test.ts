/**
 * The infrastructure as `cdk synth` really writes it (offline, no AWS credentials), checked by template
 * assertions, cdk-nag (part of synth) and cfn-lint.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambda/contract';
import { planBudget } from '../../lambda/core/budget';
import { fallbackDatum, lagCheckToDatums, loadReportToDatums, pipelineReportToDatums, reportToDatums } from '../../lambda/core/metric-datums';
import { encodeEvent } from '../../lambda/core/roundtrip/event';
import { failedReport, reconcile } from '../../lambda/core/roundtrip/reconcile';
import { METRICS } from '../../lambda/metrics-contract';
import { VENV_BIN } from '../../scripts/local-moto';
import { readTemplate, synth } from '../helpers/cdk';

const CLUSTER = 'arn:aws:kafka:eu-west-1:123456789012:cluster/payments/6f1c2a3b-1111-2222-3333-444455556666-7';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_audit-AbCdEf';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';

const CONFIG = {
  stackName: 'ProbeTest',
  alarmEmails: ['oncall@example.com'],
  targets: [
    { probeName: 'orders', brokers: ['b-1.orders.internal:9092', 'b-2.orders.internal:9092'], runbookUrl: 'https://wiki.example.com/kafka-runbook' },
    {
      probeName: 'payments',
      brokers: 'b-1.payments.internal:9098,b-2.payments.internal:9098',
      auth: 'msk-iam',
      mskClusterArn: CLUSTER,
      vpc: { vpcId: 'vpc-0abc1234def567890', subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829'], securityGroupIds: ['sg-0c3d4e5f607182930'] },
      thresholds: { endToEndLatencyMs: 500, latencyStatistic: 'Maximum', availabilityPercent: 99.9 },
    },
    {
      probeName: 'audit',
      brokers: ['b-1.audit.internal:9096'],
      auth: 'scram-sha-512',
      scramSecretArn: SECRET,
      scramSecretKeyArn: KEY,
      scheduleMinutes: 5,
      runTimeoutSeconds: 60,
      logRetentionDays: 90,
      topic: 'audit-canary',
    },
  ],
  pipelines: [
    {
      pipelineName: 'wordcount',
      inputBrokers: ['b-1.orders.internal:9092'],
      inputTopic: 'text-in',
      outputTopic: 'counts-out',
      match: 'key',
      keyTemplate: '{{id}}',
      headers: { source: '{{pipeline}}' },
      deadlineSeconds: 120,
      runbookUrl: 'https://wiki.example.com/wordcount',
    },
    {
      pipelineName: 'mirror',
      inputBrokers: ['b-1.payments.internal:9098'],
      inputTopic: 'payments',
      auth: 'msk-iam',
      mskClusterArn: CLUSTER,
      outputBrokers: ['b-1.audit.internal:9096'],
      outputTopic: 'primary.payments',
      outputAuth: 'scram-sha-512',
      outputScramSecretArn: SECRET,
      scramSecretKeyArn: KEY,
    },
  ],
  lagChecks: [
    {
      checkName: 'billing',
      brokers: 'b-1.payments.internal:9098',
      groups: ['billing-writer', 'ledger'],
      groupPattern: '^etl-',
      timeLagThresholdSeconds: 30,
      auth: 'msk-iam',
      mskClusterArn: CLUSTER,
    },
  ],
  loadTests: [
    {
      loadTestName: 'capacity',
      brokers: 'b-1.payments.internal:9098',
      rate: '5MB/s',
      durationSeconds: 60,
      maxDurationSeconds: 300,
      auth: 'msk-iam',
      mskClusterArn: CLUSTER,
    },
  ],
};

type Resources = Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, any> }>;

let template: Template;
let resources: Resources;
let outdir: string;

function byType(type: string): Array<[string, Resources[string]]> {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

function functionOf(probe: string): [string, Resources[string]] {
  const found = byType('AWS::Lambda::Function').find(([, r]) => r.Properties.Environment?.Variables?.[ENV.probeName] === probe);
  if (!found) throw new Error(`no probe function for ${probe}`);
  return found;
}

function alarmsOf(probe: string): Record<string, Resources[string]['Properties']> {
  return Object.fromEntries(
    byType('AWS::CloudWatch::Alarm')
      .filter(([, r]) => String(r.Properties.AlarmName).startsWith(`streamprobe-roundtrip-${probe}-`))
      .map(([, r]) => [String(r.Properties.AlarmName).slice(`streamprobe-roundtrip-${probe}-`.length), r.Properties]),
  );
}

function policyStatementsOf(probe: string): any[] {
  const [, fn] = functionOf(probe);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return byType('AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

beforeAll(async () => {
  const result = await synth(CONFIG);
  expect(result.code, result.output).toBe(0);
  outdir = result.outdir;
  const json = readTemplate(outdir, 'ProbeTest');
  template = Template.fromJSON(json);
  resources = json.Resources as Resources;
}, 240_000);

describe('cdk synth', () => {
  it('synthesizes the default app offline, with no AWS credentials, nag-clean', async () => {
    const result = await synth(undefined);
    expect(result.code, result.output).toBe(0);
    expect(result.output).not.toMatch(/AwsSolutions-\w+/);
    const json = readTemplate(result.outdir, 'StreamProbe');
    expect(Object.values(json.Resources as Resources).filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(1);
  });

  it('reports no cdk-nag finding, and every acknowledgement names a specific rule with a specific reason', () => {
    const report = JSON.parse(require('node:fs').readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports ?? []).toEqual([]);
    const suppressions = Object.values(resources).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) {
      expect(s.id).toMatch(/^AwsSolutions-[A-Z]+\d+/);
      expect(s.reason.length, s.id).toBeGreaterThan(60);
    }
    const iam5 = suppressions.filter((s: { id: string }) => s.id.startsWith('AwsSolutions-IAM5'));
    for (const s of iam5) expect(s.id, 'IAM5 is acknowledged per finding, never wholesale').toMatch(/^AwsSolutions-IAM5\[Resource::.+\]$/);
  });

  it('passes cfn-lint with no error or warning', () => {
    const templates = readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => join(outdir, f));
    const lint = spawnSync(join(VENV_BIN, 'cfn-lint'), templates, { encoding: 'utf8' });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  });
});

describe('the probe Lambda', () => {
  it('is nodejs22.x on arm64, one run at a time, with its timeout above the run budget', () => {
    for (const [probe, runTimeoutS] of [
      ['orders', 20],
      ['payments', 20],
      ['audit', 60],
    ] as const) {
      const [, fn] = functionOf(probe);
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], ReservedConcurrentExecutions: 1, MemorySize: 256 });
      const env = fn.Properties.Environment.Variables;
      expect(Number(env[ENV.runTimeoutMs])).toBe(runTimeoutS * 1000);
      expect(fn.Properties.Timeout).toBe(runTimeoutS + 10);
      expect(env[ENV.metricsSink]).toBe('api');
      // No consumer group, so no session timeout to outlive a frozen container.
      expect(env.STREAMPROBE_SESSION_TIMEOUT_MS).toBeUndefined();
      expect(
        Object.keys(env)
          .filter((k) => k.startsWith('STREAMPROBE_'))
          .every((k) => Object.values(ENV).includes(k as never)),
      ).toBe(true);
    }
  });

  it('has its own log group with a retention period', () => {
    const [, fn] = functionOf('audit');
    const groupId = fn.Properties.LoggingConfig.LogGroup.Ref;
    expect(resources[groupId]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 90 } });
    const [, orders] = functionOf('orders');
    expect(resources[orders.Properties.LoggingConfig.LogGroup.Ref]!.Properties.RetentionInDays).toBe(30);
  });

  it('is scheduled by EventBridge at the configured rate, without retries', () => {
    const rateOf = (probe: string) => {
      const [fnId] = functionOf(probe);
      const rule = byType('AWS::Events::Rule').find(([, r]) => r.Properties.Targets[0].Arn['Fn::GetAtt'][0] === fnId)![1];
      return rule.Properties;
    };
    expect(rateOf('orders')).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [expect.objectContaining({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } })],
    });
    expect(rateOf('audit').ScheduleExpression).toBe('rate(5 minutes)');
  });

  it('runs in the given VPC subnets and security groups for a private cluster', () => {
    const [, fn] = functionOf('payments');
    expect(fn.Properties.VpcConfig).toEqual({
      SubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829'],
      SecurityGroupIds: ['sg-0c3d4e5f607182930'],
    });
    expect(functionOf('orders')[1].Properties.VpcConfig).toBeUndefined();
  });

  it('never carries a secret value: SCRAM comes from the secret ARN at run time', () => {
    const [, fn] = functionOf('audit');
    const env = fn.Properties.Environment.Variables;
    expect(env[ENV.scramSecretArn]).toBe(SECRET);
    expect(env[ENV.saslPassword]).toBeUndefined();
    expect(env[ENV.auth]).toBe('scram-sha-512');
    expect(env[ENV.tls]).toBe('true');
  });
});

describe('least privilege', () => {
  it('limits PutMetricData to the probe namespace', () => {
    const statements = policyStatementsOf('orders');
    expect(statements).toContainEqual({
      Sid: 'PublishMetrics',
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'StreamProbe' } },
    });
  });

  it('scopes MSK IAM to the cluster, the canary topic and the one group the probe commits to, no wildcard', () => {
    const statements = policyStatementsOf('payments');
    const byId = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(byId.MskConnect).toMatchObject({ Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], Resource: CLUSTER });
    expect(byId.MskTopics.Resource).toBe(`${CLUSTER.replace(':cluster/', ':topic/')}/streamprobe-canary`);
    expect(byId.MskGroups).toMatchObject({
      Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
      Resource: `${CLUSTER.replace(':cluster/', ':group/')}/streamprobe-roundtrip-payments`,
    });
    expect(fnEnv('payments')[ENV.region]).toEqual({ Ref: 'AWS::Region' });
  });

  it('reads only its own secret, and decrypts only through Secrets Manager', () => {
    const byId = Object.fromEntries(policyStatementsOf('audit').map((s) => [s.Sid, s]));
    expect(byId.ReadScramSecret).toMatchObject({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: SECRET });
    expect(byId.DecryptScramSecret).toMatchObject({
      Action: 'kms:Decrypt',
      Resource: KEY,
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': expect.any(Array) } } },
    });
  });

  it('grants no action wildcard, and Resource * only where AWS allows nothing narrower', () => {
    const statements = byType('AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    for (const s of statements) {
      for (const action of [s.Action].flat()) expect(action).not.toMatch(/\*$/);
      if ([s.Resource].flat().includes('*')) expect(['PublishMetrics', 'LambdaVpcNetworkInterfaces']).toContain(s.Sid);
    }
    expect(byType('AWS::IAM::Role').every(([, r]) => !r.Properties.ManagedPolicyArns)).toBe(true);
  });
});

function fnEnv(probe: string) {
  return functionOf(probe)[1].Properties.Environment.Variables;
}

/** Round-trip alarms the composite names: those that notify too, then the holds and gates that only decide it. */
const PAGING = ['availability', 'failed-runs', 'lambda-errors', 'latency', 'loss', 'slow-broker'];
const SILENT = [
  'failed-lately',
  'failed-within-20m',
  'has-run',
  'latency-lately',
  'latency-near',
  'maintenance',
  'on-and-off',
  'outage',
  'scheduled',
  'slow-broker-lately',
  'slow-broker-near',
  'stopped',
];
const FAILURE_WINDOWS = ['failed-runs', 'failed-lately', 'failed-within-20m', 'on-and-off', 'outage'];
const PIPELINE_ALARMS = [
  'availability',
  'duplicated',
  'has-run',
  'lambda-errors',
  'late',
  'latency',
  'latency-severe',
  'latency-severe-lately',
  'latency-severe-near',
  'loss',
  'maintenance',
  'scheduled',
  'stopped',
  'unexpected',
  ...FAILURE_WINDOWS,
];
const GROUP_ALARMS = [
  'time-lag',
  'time-lag-severe',
  'time-lag-severe-lately',
  'time-lag-severe-near',
  'stopped',
  'stopped-lately',
  'stalled',
  'retention-loss',
];
const NOTIFYING = ['broker-missing', 'corrupt', 'duplicates', 'late', 'leaderless-broker', 'metrics-fallback', 'offset-commits', 'out-of-order', 'slow-runs'];

describe('alarms', () => {
  it('builds the paging and the notifying alarms and one composite per target', () => {
    for (const probe of ['orders', 'payments', 'audit']) {
      expect(Object.keys(alarmsOf(probe)).sort()).toEqual([...PAGING, ...SILENT, ...NOTIFYING].sort());
    }
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 6);
  });

  it('latency: a statistic that behaves with few samples, 3 runs in a row, silence keeps the state, and it clears below 80%', () => {
    expect(alarmsOf('orders').latency).toMatchObject({
      MetricName: 'EndToEndLatency',
      Namespace: 'StreamProbe',
      ExtendedStatistic: 'p90',
      Threshold: 1000,
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'ignore',
      Dimensions: [{ Name: 'Probe', Value: 'orders' }],
      Unit: 'Milliseconds',
    });
    expect(alarmsOf('payments').latency).toMatchObject({ Statistic: 'Maximum', Threshold: 500 });
    expect(alarmsOf('orders')['slow-broker']).toMatchObject({
      MetricName: 'SlowestBrokerLatency',
      Statistic: 'Maximum',
      Threshold: 1000,
      TreatMissingData: 'ignore',
    });
    // The hold: above the threshold in 3 of the last 15, and above the clear level in one of the last 4.
    expect(alarmsOf('orders')['latency-lately']).toMatchObject({ ExtendedStatistic: 'p90', Threshold: 1000, EvaluationPeriods: 15, DatapointsToAlarm: 3 });
    expect(alarmsOf('orders')['latency-near']).toMatchObject({ ExtendedStatistic: 'p90', Threshold: 800, EvaluationPeriods: 4, DatapointsToAlarm: 1 });
    expect(alarmsOf('payments')['slow-broker-near']).toMatchObject({ Statistic: 'Maximum', Threshold: 400 });
  });

  it('availability keeps its state through silence; failed runs are counted over windows of time; loss, published only when non-zero, reads silence as zero', () => {
    expect(alarmsOf('payments').availability).toMatchObject({
      MetricName: 'EndToEndAvailability',
      Statistic: 'Average',
      Threshold: 99.9,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'ignore',
    });
    const a = alarmsOf('orders');
    expect(a.loss).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 2, DatapointsToAlarm: 1 });
    expect(a.loss.Metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Expression: 'FILL(m, 0)' }),
        expect.objectContaining({
          Id: 'm',
          ReturnData: false,
          MetricStat: expect.objectContaining({ Stat: 'Sum', Metric: expect.objectContaining({ MetricName: 'MessagesLost' }) }),
        }),
      ]),
    );
    const failed = {
      MetricName: 'EndToEndAvailability',
      Statistic: 'Minimum',
      Threshold: 50,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'notBreaching',
    };
    expect(a['failed-runs']).toMatchObject({ ...failed, EvaluationPeriods: 60, DatapointsToAlarm: 3 });
    expect(a['failed-lately']).toMatchObject({ ...failed, EvaluationPeriods: 4, DatapointsToAlarm: 1 });
    expect(a['failed-within-20m']).toMatchObject({ ...failed, EvaluationPeriods: 20, DatapointsToAlarm: 1 });
    expect(a.outage).toMatchObject({ ...failed, EvaluationPeriods: 40, DatapointsToAlarm: 10 });
    expect(a['on-and-off']).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 40, DatapointsToAlarm: 3 });
    expect(a['on-and-off'].Metrics[0]).toMatchObject({ Expression: 'ABS(DIFF(IF(m < 50, 1, 0)))', ReturnData: true });
    // Windows are of time: at a 5-minute schedule the hour is 12 periods.
    expect(alarmsOf('audit')['failed-runs']).toMatchObject({ Period: 300, EvaluationPeriods: 12, DatapointsToAlarm: 3 });
    expect(alarmsOf('audit')['failed-lately']).toMatchObject({ EvaluationPeriods: 1 });
  });

  it('heartbeat: no successful run for 3 schedule intervals, gated so a fresh deployment does not page but one never invoked does', () => {
    expect(alarmsOf('orders').stopped).toMatchObject({
      MetricName: 'RunSucceeded',
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
    expect(alarmsOf('orders')['has-run']).toMatchObject({
      MetricName: 'RunSucceeded',
      Statistic: 'SampleCount',
      TreatMissingData: 'ignore',
      EvaluationPeriods: 1,
    });
    const [fnId] = functionOf('orders');
    const [ruleId] = byType('AWS::Events::Rule').find(([, r]) => JSON.stringify(r.Properties.Targets).includes(`"${fnId}"`))!;
    expect(alarmsOf('orders').scheduled).toMatchObject({
      Namespace: 'AWS/Events',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: ruleId } }],
      TreatMissingData: 'breaching',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 1,
    });
    // At a 5-minute schedule every alarm judges 5-minute periods, but the heartbeat: one-minute periods over
    // 3 intervals, so CloudWatch's look-back past its periods is minutes, not intervals.
    const audit = alarmsOf('audit');
    expect(audit.stopped).toMatchObject({ Period: 60, EvaluationPeriods: 15, DatapointsToAlarm: 15 });
    const { stopped: _stopped, ...rest } = audit;
    for (const alarm of Object.values(rest)) expect(alarm.Period ?? alarm.Metrics?.[1]?.MetricStat?.Period).toBeGreaterThanOrEqual(300);
  });

  it('Lambda errors are watched too (a throttled run is one the heartbeat misses), and the function never retries a run', () => {
    expect(alarmsOf('orders')['lambda-errors']).toMatchObject({ MetricName: 'Errors', Namespace: 'AWS/Lambda', Statistic: 'Sum', Threshold: 0 });
    expect(alarmsOf('orders')['lambda-throttles']).toBeUndefined();
    const [fnId] = functionOf('orders');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: fnId }, MaximumRetryAttempts: 0 });
  });

  it('integrity alarms notify without paging', () => {
    const a = alarmsOf('orders');
    expect(a.duplicates).toMatchObject({ MetricName: 'MessagesDuplicated', TreatMissingData: 'notBreaching' });
    expect(a['metrics-fallback']).toMatchObject({ MetricName: 'MetricsFallback', Threshold: 0 });
    expect(a['slow-runs']).toMatchObject({ MetricName: 'RunDuration', Statistic: 'Maximum', Threshold: 14_000 });
    // It can fire: a run that measures until its cut-off (overdue events) lasts longer than the threshold.
    const budget = planBudget(0, 20_000);
    expect(budget.measureBy).toBeGreaterThan(a['slow-runs'].Threshold);
  });

  it('children notify on ALARM and OK; the heartbeat parts stay silent; only the composite pages', () => {
    const topicId = (display: string) => byType('AWS::SNS::Topic').find(([, t]) => t.Properties.DisplayName.includes(display))![0];
    const pagingId = topicId('pages on-call');
    const notifyId = topicId('does not page');
    for (const [name, alarm] of Object.entries(alarmsOf('orders'))) {
      expect(alarm.AlarmDescription).toContain('Runbook: https://wiki.example.com/kafka-runbook');
      const expected = SILENT.includes(name) ? undefined : [{ Ref: notifyId }];
      expect(alarm.AlarmActions, name).toEqual(expected);
      expect(alarm.OKActions, name).toEqual(expected);
    }
    const composite = byType('AWS::CloudWatch::CompositeAlarm').find(([, c]) => c.Properties.AlarmName === 'streamprobe-roundtrip-orders-pages')!;
    expect(composite[1].Properties.AlarmActions).toEqual([{ Ref: pagingId }]);
    expect(composite[1].Properties.OKActions).toEqual([{ Ref: pagingId }]);
    const rule = JSON.stringify(composite[1].Properties.AlarmRule);
    for (const name of [...PAGING, ...SILENT]) expect(rule).toContain(`:alarm:streamprobe-roundtrip-orders-${name}\\"`);
    for (const name of NOTIFYING) expect(rule).not.toContain(`:alarm:streamprobe-roundtrip-orders-${name}\\"`);
    expect(rule).toContain('OK(\\"arn:');
    const children = byType('AWS::CloudWatch::Alarm').filter(([, a]) =>
      [...PAGING, ...SILENT].some((n) => a.Properties.AlarmName === `streamprobe-roundtrip-orders-${n}`),
    );
    for (const [id] of children) expect((composite[1] as { DependsOn?: string[] }).DependsOn).toContain(id);
  });

  it('a maintenance alarm per check holds its pages while an operator sets it to ALARM, and keeps the state it is set to', () => {
    for (const name of ['streamprobe-roundtrip-orders-', 'streamprobe-pipeline-wordcount-', 'streamprobe-lag-billing-']) {
      const maintenance = byType('AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.AlarmName === `${name}maintenance`)![1].Properties;
      // Nothing publishes its metric, and missing data keeps the state: set-alarm-state sticks.
      expect(maintenance).toMatchObject({ Namespace: 'StreamProbe/Maintenance', TreatMissingData: 'ignore', EvaluationPeriods: 1 });
      expect(maintenance.AlarmActions).toBeUndefined();
      const rule = JSON.stringify(
        byType('AWS::CloudWatch::CompositeAlarm').find(([, c]) => c.Properties.AlarmName === `${name}pages`)![1].Properties.AlarmRule,
      );
      expect(rule).toContain(`NOT (ALARM(\\"arn:`);
      expect(rule).toContain(`:alarm:${name}maintenance\\")`);
    }
  });

  it('every alarm of every check names its own entry of the runbook, which the runbook has', () => {
    const runbook = readFileSync(join(__dirname, '..', '..', 'docs', 'RUNBOOK.md'), 'utf8');
    const anchors = new Set([...runbook.matchAll(/<a id="([a-z0-9-]+)"><\/a>/g)].map((m) => m[1]!));
    const alarms = [...byType('AWS::CloudWatch::Alarm'), ...byType('AWS::CloudWatch::CompositeAlarm')].map(([, a]) => a.Properties);
    expect(alarms.length).toBeGreaterThan(100);
    for (const a of alarms) {
      const entry = /Runbook: (?:https?:\/\/\S+#|.*section ")([a-z0-9-]+)/.exec(String(a.AlarmDescription))?.[1];
      expect(entry && anchors.has(entry), `${a.AlarmName}: ${a.AlarmDescription}`).toBe(true);
    }
    // A runbook given as a URL links each alarm to its section.
    expect(alarmsOf('orders').latency.AlarmDescription).toMatch(/Runbook: https:\/\/wiki\.example\.com\/kafka-runbook#roundtrip-latency$/);
    expect(alarmsOf('payments').latency.AlarmDescription).toMatch(/Runbook: docs\/RUNBOOK\.md in the streamprobe repository, section "roundtrip-latency"$/);
  });

  it('pages through a topic CloudWatch can use: a KMS key of its own, shared with the notification topic, and a topic policy for alarms of this account', () => {
    const [pagingId, paging] = byType('AWS::SNS::Topic').find(([, t]) => t.Properties.DisplayName === 'streamprobe: pages on-call')!;
    const keyId = paging.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    // One customer managed key ($1 a month) serves both topics.
    const notification = byType('AWS::SNS::Topic').find(([, t]) => t.Properties.DisplayName.includes('does not page'))![1];
    expect(notification.Properties.KmsMasterKeyId['Fn::GetAtt'][0]).toBe(keyId);
    template.resourceCountIs('AWS::KMS::Key', 1);
    const key = resources[keyId]!.Properties;
    expect(key.EnableKeyRotation).toBe(true);
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Sid: 'CloudWatchAlarmsEncryptNotifications',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    const policy = byType('AWS::SNS::TopicPolicy').find(([, p]) => p.Properties.Topics.some((t: any) => t.Ref === pagingId))![1];
    expect(policy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({ Sid: 'CloudWatchAlarmsPublish', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
      ]),
    );
  });

  it('the synth-time delivery check ran and found nothing', () => {
    const report = JSON.parse(require('node:fs').readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    expect(JSON.stringify(report)).not.toContain('StreamProbe-AlarmDelivery');
  });
});

describe('the metrics contract between Lambda and alarms', () => {
  it('every alarm and dashboard metric is one the Lambda publishes, with the same unit and dimensions', () => {
    // What the Lambda code really emits, for a report in which every counter is non-zero, and for a failed run.
    const sent = [0, 1].map((p) => ({ partition: p, seq: 0, sentAt: 1, ackedAt: 2 }));
    const ctx = {
      probe: 'orders',
      runId: 'r',
      topic: 't',
      startedAt: new Date().toISOString(),
      warm: false,
      timings: { connectMs: 5, prepareMs: 1, runMs: 9 },
      leaders: { 0: 1, 1: 1 },
      brokers: [1, 2],
      expectedBrokers: 3,
    };
    const own = encodeEvent({ probe: 'orders', run: 'r', partition: 0, seq: 0, sentAt: 1, wallAt: 1 }, 100);
    const report = reconcile({
      ...ctx,
      errors: [],
      sent: [...sent, { partition: 0, seq: 1, sentAt: 1, error: { phase: 'send', type: 'E', message: 'x' } }, { partition: 1, seq: 1, sentAt: 1, ackedAt: 2 }],
      received: [
        { partition: 0, offset: '5', arrivedAt: 3, value: own },
        { partition: 0, offset: '6', arrivedAt: 3, value: own },
        { partition: 1, offset: '1', arrivedAt: 3, value: encodeEvent({ probe: 'orders', run: 'r', partition: 1, seq: 1, sentAt: 1, wallAt: 1 }, 100) },
        { partition: 1, offset: '2', arrivedAt: 3, value: encodeEvent({ probe: 'orders', run: 'r', partition: 1, seq: 0, sentAt: 1, wallAt: 1 }, 100) },
        { partition: 1, offset: '3', arrivedAt: 3, value: 'junk' },
        { partition: 1, offset: '4', arrivedAt: 3, value: own.replace('"p":0', '"p":9') },
        { partition: 1, offset: '7', arrivedAt: 3, value: encodeEvent({ probe: 'orders', run: 'earlier', partition: 1, seq: 0, sentAt: 1, wallAt: 1 }, 100) },
      ],
      pending: [
        { eventId: 'earlier/0/0', partition: 0, offset: '1', sentAt: 0 },
        { eventId: 'earlier/1/0', partition: 1, offset: '0', sentAt: 0 },
      ],
    });
    expect(report.counts).toMatchObject({ lost: 1, late: 1 });
    const published = new Map<string, string>();
    const committed = { ...report, offsetCommit: { group: 'streamprobe-roundtrip-orders', coordinator: 1, latencyMs: 2 } };
    const commitFailed = { ...report, offsetCommit: { group: 'streamprobe-roundtrip-orders', error: { phase: 'commit' as const, type: 'E', message: 'x' } } };
    for (const d of [...reportToDatums(committed), ...reportToDatums(commitFailed), ...reportToDatums(failedReport(ctx, []))]) {
      published.set(JSON.stringify([d.MetricName, d.Dimensions.map((x) => x.Name).sort()]), d.Unit);
    }
    published.set(
      JSON.stringify(['MetricsFallback', ['Probe']]),
      fallbackDatum({ kind: 'roundtrip', name: report.probe, startedAt: report.startedAt }, 1).Unit,
    );
    published.set(JSON.stringify(['MetricsFallback', ['Pipeline']]), fallbackDatum({ kind: 'pipeline', name: 'p', startedAt: report.startedAt }, 1).Unit);
    // A pipeline run in which every counter is non-zero: its metrics are in the contract too.
    const pipelineRun = {
      pipeline: 'orders-flow',
      runId: 'p',
      startedAt: new Date().toISOString(),
      outcome: 'degraded' as const,
      latencySamples: [5],
      availability: 50,
      counts: {
        sent: 1,
        acknowledged: 1,
        sendFailed: 0,
        onTime: 1,
        late: 1,
        lost: 1,
        duplicated: 1,
        unexpected: 1,
        filtered: 0,
        afterDeadline: 0,
        unknown: 0,
        unmatched: 0,
        inFlight: 0,
      },
      problems: [],
      errors: [],
      runMs: 1,
    };
    for (const d of pipelineReportToDatums(pipelineRun)) published.set(JSON.stringify([d.MetricName, d.Dimensions.map((x) => x.Name).sort()]), d.Unit);
    // Lag checks of a stopped and a stalled group with every counter non-zero: theirs too.
    const partitions = [{ topic: 't', partition: 0, offsetLag: 3n, timeLagMs: 5 }];
    const groups = ['STOPPED', 'STALLED'].map((status) => ({
      group: `billing-${status}`,
      exists: true,
      status,
      members: 1,
      maxTimeLagMs: 5,
      totalOffsetLag: 3n,
      laggingPartitions: 1,
      retentionLost: 2n,
      partitions,
    }));
    const lagCheck = {
      check: 'lag',
      checkedAt: new Date().toISOString(),
      succeeded: true,
      groups: [...groups, { ...groups[0]!, group: 'typo', exists: false }],
    };
    for (const d of [...lagCheckToDatums(lagCheck, { partitionMetrics: true }), ...lagCheckToDatums({ ...lagCheck, succeeded: false })]) {
      published.set(JSON.stringify([d.MetricName, d.Dimensions.map((x) => x.Name).sort()]), d.Unit);
    }
    // A load test with every figure present, and one that could not start.
    const load = {
      loadTest: 'capacity',
      startedAt: new Date().toISOString(),
      outcome: 'met',
      errorRate: 0.01,
      counts: { lost: 1 },
      throughput: { produceRecordsPerSecond: 1000, consumeRecordsPerSecond: 1000 },
      latency: { endToEnd: { p50: 1, p99: 2, max: 3 }, produce: { p99: 1 } },
    };
    for (const d of loadReportToDatums(load)) published.set(JSON.stringify([d.MetricName, d.Dimensions.map((x) => x.Name).sort()]), d.Unit);
    expect(new Set([...published.keys()].map((k) => JSON.parse(k)[0]))).toEqual(new Set(Object.keys(METRICS)));

    // Every metric an alarm reads, its own or one its expression reads.
    const watched = byType('AWS::CloudWatch::Alarm')
      .flatMap(([, a]) =>
        a.Properties.Metrics
          ? a.Properties.Metrics.filter((q: any) => q.MetricStat).map((q: any) => ({
              AlarmName: a.Properties.AlarmName,
              ...q.MetricStat.Metric,
              Unit: q.MetricStat.Unit,
            }))
          : [a.Properties],
      )
      .filter((a) => a.Namespace === 'StreamProbe');
    // Lambda errors and the schedule's gate read AWS's own metrics; the maintenance hold a metric nothing publishes.
    expect(watched.filter((a) => a.Dimensions[0].Name === 'Probe').length).toBe(3 * (PAGING.length + SILENT.length + NOTIFYING.length - 3));
    // Lag: three sets of group alarms (two named groups, and the pattern's), and the check's own (failing, its
    // failure windows, stopped, has-run, unknown-groups).
    expect(watched.filter((a) => a.Dimensions[0].Name !== 'Probe').length).toBe(2 * (PIPELINE_ALARMS.length - 3) + 3 * GROUP_ALARMS.length + 4 + 5);
    for (const a of watched) {
      const key = JSON.stringify([a.MetricName, a.Dimensions.map((d: { Name: string }) => d.Name).sort()]);
      expect(published.has(key), `alarm ${a.AlarmName} watches ${key}`).toBe(true);
      expect(a.Unit).toBe(published.get(key));
    }

    const body = JSON.stringify(byType('AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardBody);
    const names = [...body.matchAll(/\\"(StreamProbe)\\",\\"(\w+)\\"/g)].map((m) => m[2]!);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(Object.keys(METRICS), name).toContain(name);
    expect(body).toContain('MetricName=\\\\\\"EndToEndLatency\\\\\\"');
  });
});

describe('the dashboard', () => {
  it('shows latency percentiles, availability, loss, heartbeat, per-broker latency and alarm states for every target', () => {
    const dashboards = byType('AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]![1].Properties.DashboardBody);
    for (const title of [
      'End-to-end latency (ms)',
      'Availability (%)',
      'Loss, duplicates and other problems',
      'Heartbeat',
      'per leader broker',
      'Alarms: orders',
      'Alarms: payments',
      'Alarms: audit',
      'Pipeline latency (ms)',
      'Alarms: pipeline wordcount',
      'Time lag per group (ms)',
      'Alarms: lag check billing',
    ]) {
      expect(body).toContain(title);
    }
    for (const stat of ['p50', 'p90', 'p99']) expect(body).toContain(`\\"stat\\":\\"${stat}\\"`);
  });
});

describe('pipeline canary and lag check', () => {
  const fnWith = (variable: string, value: string) =>
    byType('AWS::Lambda::Function').find(([, r]) => r.Properties.Environment?.Variables?.[variable] === value)!;
  const named = (prefix: string) =>
    Object.fromEntries(
      byType('AWS::CloudWatch::Alarm')
        .filter(([, r]) => String(r.Properties.AlarmName).startsWith(prefix))
        .map(([, r]) => [String(r.Properties.AlarmName).slice(prefix.length), r.Properties]),
    );
  const composite = (name: string) => byType('AWS::CloudWatch::CompositeAlarm').find(([, r]) => r.Properties.AlarmName === name)![1].Properties;

  it('each gets its own scheduled Lambda, configured through its own variables, one run at a time', () => {
    const [, pipeline] = fnWith('STREAMPROBE_PIPELINE_NAME', 'wordcount');
    expect(pipeline.Properties).toMatchObject({ Runtime: 'nodejs22.x', ReservedConcurrentExecutions: 1, Timeout: 30 });
    expect(pipeline.Properties.Environment.Variables).toMatchObject({
      STREAMPROBE_INPUT_TOPIC: 'text-in',
      STREAMPROBE_OUTPUT_TOPIC: 'counts-out',
      STREAMPROBE_MATCH: 'key',
      STREAMPROBE_KEY_TEMPLATE: '{{id}}',
      STREAMPROBE_DEADLINE_MS: '120000',
      STREAMPROBE_HEADERS: '{"source":"{{pipeline}}"}',
    });
    const [, lag] = fnWith('STREAMPROBE_LAG_CHECK_NAME', 'billing');
    expect(lag.Properties.Environment.Variables).toMatchObject({
      STREAMPROBE_GROUPS: 'billing-writer,ledger',
      STREAMPROBE_GROUP_PATTERN: '^etl-',
      STREAMPROBE_TIME_LAG_THRESHOLD_MS: '30000',
    });
    template.resourceCountIs('AWS::Events::Rule', 6);
  });

  it('reach secured clusters with least privilege: MSK IAM scoped to the topics and groups they use, SCRAM from the secret', () => {
    const statementsOf = (variable: string, value: string) => {
      const [, fn] = fnWith(variable, value);
      const roleId = fn.Properties.Role['Fn::GetAtt'][0];
      return Object.fromEntries(
        byType('AWS::IAM::Policy')
          .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
          .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
          .map((st: any) => [st.Sid, st]),
      );
    };
    const [, mirror] = fnWith('STREAMPROBE_PIPELINE_NAME', 'mirror');
    expect(mirror.Properties.Environment.Variables).toMatchObject({
      STREAMPROBE_AUTH: 'msk-iam',
      STREAMPROBE_TLS: 'true',
      STREAMPROBE_OUTPUT_AUTH: 'scram-sha-512',
      STREAMPROBE_OUTPUT_SCRAM_SECRET_ARN: SECRET,
    });
    expect(JSON.stringify(mirror.Properties.Environment.Variables)).not.toMatch(/PASSWORD/);
    const p = statementsOf('STREAMPROBE_PIPELINE_NAME', 'mirror');
    const topic = (name: string) => `${CLUSTER.replace(':cluster/', ':topic/')}/${name}`;
    expect(p.MskInputTopics).toMatchObject({ Resource: topic('payments') });
    expect(p.MskInputTopics.Action).toEqual(expect.arrayContaining(['kafka-cluster:WriteData', 'kafka-cluster:ReadData']));
    // The predecessor's canaries are read back by offset, in no group: the input side has no group permission at all.
    expect(p.MskInputGroups).toBeUndefined();
    expect(JSON.stringify(p)).not.toMatch(/:group\/[^"]*recover/);
    expect(p.ReadScramSecret).toMatchObject({ Resource: SECRET });
    expect(p.MskOutputConnect).toBeUndefined(); // the output is SCRAM, not IAM
    const lag = statementsOf('STREAMPROBE_LAG_CHECK_NAME', 'billing');
    expect(lag.MskDescribeAll.Action).toEqual(['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData', 'kafka-cluster:DescribeGroup']);
    expect(JSON.stringify(lag)).not.toMatch(/WriteData|AlterTopic|CreateTopic/);
  });

  it('pipeline: latency (half the deadline by default), confirmed loss, availability and the heartbeat page through one composite', () => {
    const a = named('streamprobe-pipeline-wordcount-');
    expect(Object.keys(a).sort()).toEqual([...PIPELINE_ALARMS].sort());
    expect(a.latency).toMatchObject({
      MetricName: 'PipelineLatency',
      Statistic: 'Maximum',
      Threshold: 60_000,
      TreatMissingData: 'ignore',
      Dimensions: [{ Name: 'Pipeline', Value: 'wordcount' }],
    });
    expect(a.loss).toMatchObject({ Threshold: 0, EvaluationPeriods: 2, DatapointsToAlarm: 1, TreatMissingData: 'notBreaching' });
    expect(JSON.stringify(a.loss.Metrics)).toContain('PipelineCanariesLost');
    expect(a.stopped).toMatchObject({ MetricName: 'PipelineRunSucceeded', Statistic: 'Maximum', TreatMissingData: 'breaching', EvaluationPeriods: 3 });
    expect(a.latency.AlarmDescription).toContain('Runbook: https://wiki.example.com/wordcount');
    const rule = JSON.stringify(composite('streamprobe-pipeline-wordcount-pages').AlarmRule);
    for (const child of ['latency', 'loss', 'availability', 'lambda-errors', 'stopped', 'has-run', 'scheduled'])
      expect(rule).toContain(`alarm:streamprobe-pipeline-wordcount-${child}`);
    expect(rule).not.toMatch(/wordcount-late[^n]/);
  });

  it("lag: per named group time lag, stopped, stalled and retention loss; the same over the pattern's groups; the check's own failure and heartbeat", () => {
    const a = named('streamprobe-lag-billing-');
    for (const group of ['billing-writer', 'ledger', 'any']) {
      expect(Object.keys(a)).toEqual(expect.arrayContaining(GROUP_ALARMS.map((k) => `${group}-${k}`)));
    }
    // Above the threshold for 20 minutes, or twice it for 3 checks unless the group was empty lately.
    expect(a['ledger-time-lag']).toMatchObject({
      MetricName: 'ConsumerGroupMaxTimeLag',
      Threshold: 30_000,
      EvaluationPeriods: 20,
      DatapointsToAlarm: 20,
      TreatMissingData: 'ignore',
    });
    expect(a['ledger-time-lag-severe']).toMatchObject({ Threshold: 60_000, EvaluationPeriods: 3, DatapointsToAlarm: 3 });
    // Every consumer deploy sends the severe lag to ALARM: it notifies nobody; the sustained lag does.
    expect(a['ledger-time-lag-severe']!.AlarmActions).toBeUndefined();
    expect(a['ledger-time-lag']!.AlarmActions).toHaveLength(1);
    expect(a['ledger-time-lag-severe-near']).toMatchObject({ Threshold: 30_000, EvaluationPeriods: 4, DatapointsToAlarm: 1 });
    expect(a['ledger-stopped-lately']).toMatchObject({ MetricName: 'ConsumerGroupStopped', EvaluationPeriods: 10, DatapointsToAlarm: 1 });
    expect(a['ledger-time-lag']!.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'LagCheck', Value: 'billing' },
        { Name: 'ConsumerGroup', Value: 'ledger' },
      ]),
    );
    // Empty for 5 minutes is a deploy: the 6th check in a row pages.
    expect(a['ledger-stopped']).toMatchObject({
      MetricName: 'ConsumerGroupStopped',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 6,
      DatapointsToAlarm: 6,
      TreatMissingData: 'notBreaching',
    });
    expect(a['any-time-lag']).toMatchObject({ MetricName: 'LagCheckMaxTimeLag', Dimensions: [{ Name: 'LagCheck', Value: 'billing' }] });
    expect(a.failing).toMatchObject({ MetricName: 'LagCheckSucceeded', Statistic: 'Average', ComparisonOperator: 'LessThanThreshold' });
    const rule = JSON.stringify(composite('streamprobe-lag-billing-pages').AlarmRule);
    for (const child of ['ledger-stopped', 'billing-writer-retention-loss', 'any-stalled', 'failing', 'stopped', 'has-run', 'scheduled', ...FAILURE_WINDOWS])
      expect(rule).toContain(`alarm:streamprobe-lag-billing-${child}`);
    expect(rule).toContain('NOT (ALARM(');
    expect(rule).not.toContain('unknown-groups');
  });
});

describe('the on-demand load test', () => {
  it('is a Lambda nothing schedules, with room for its longest load, no alarms, and IAM scoped to its topic', () => {
    const [logicalId, fn] = byType('AWS::Lambda::Function').find(([, r]) => r.Properties.Environment?.Variables?.STREAMPROBE_LOAD_TEST_NAME === 'capacity')!;
    // 300 s of load, a 10 s drain, and 60 s to prepare and report.
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Timeout: 370, MemorySize: 1024, ReservedConcurrentExecutions: 1 });
    expect(fn.Properties.Environment.Variables).toMatchObject({
      STREAMPROBE_LOAD_RATE: '5MB/s',
      STREAMPROBE_LOAD_DURATION_MS: '60000',
      STREAMPROBE_METRICS_SINK: 'api',
    });
    const targeted = byType('AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties.Targets).includes(logicalId));
    expect(targeted).toEqual([]);
    expect(byType('AWS::CloudWatch::Alarm').filter(([, r]) => JSON.stringify(r.Properties).includes(logicalId))).toEqual([]);
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    const statements = byType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const resources = JSON.stringify(statements.map((st: any) => st.Resource));
    expect(resources).toContain(`${CLUSTER.replace(':cluster/', ':topic/')}/streamprobe-load`);
    // It reads its records back by offset, in no group: no group permission at all.
    expect(resources).not.toContain(':group/');
    expect(resources).not.toMatch(/:topic\/[^"]*\/\*"/);
  });

  it('refuses a load longer than Lambda can run, naming the setting', async () => {
    const result = await synth({ ...CONFIG, loadTests: [{ brokers: 'b-1:9092', maxDurationSeconds: 840, durationSeconds: 60 }] });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/streamprobe load test "load": maxDuration leaves no room in Lambda's 15 minutes \(at most 830 s\)/);
  }, 120_000);
});
