/**
 * The app's configuration (cdk.json context "streamprobe", or a JSON file named by the context key
 * "streamprobeConfig"), validated at synth time with messages that name the bad field.
 */
import { readFileSync } from 'node:fs';
// Classic zod here, zod/mini in the Lambdas: this runs at synth only and is never bundled, where mini's size
// is what matters; both are the one zod package.
import { z } from 'zod';
import { AUTH_MODES } from '../lambda/contract';

/**
 * A whole number. Its bounds are not repeated here: a check's Lambda schema holds those of the fields it
 * reads, its construct those of its own props, and either names the field when synth runs them.
 */
const whole = () => z.number({ error: 'must be a number' }).int('must be a whole number');
/** A whole number of seconds, minutes or days, made into a Duration: never below 1. */
const span = () => whole().min(1, 'must be at least 1');

const vpcSchema = z
  .object({
    vpcId: z.string().regex(/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a VPC id (vpc- and 8 or 17 hex digits)'),
    subnetIds: z.array(z.string().regex(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be subnet ids (subnet- and 8 or 17 hex digits)')).min(1),
    securityGroupIds: z.array(z.string().regex(/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be security group ids (sg- and 8 or 17 hex digits)')).min(1),
  })
  .strict();
const brokers = (what: string) =>
  z.union(
    [
      z.string().transform((s) =>
        s
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean),
      ),
      z.array(z.string()),
    ],
    { error: `is required: a list of host:port${what}` },
  );
const common = {
  scheduleMinutes: span().optional(),
  runTimeoutSeconds: span().optional(),
  namespace: z.string().optional(),
  highResolutionMetrics: z.boolean({ error: 'must be true or false' }).optional(),
  runbookUrl: z.string().optional(),
  memorySize: whole().optional(),
  logRetentionDays: span().optional(),
  vpc: vpcSchema.optional(),
};

const authFields = {
  auth: z.enum(AUTH_MODES, { error: `must be one of ${AUTH_MODES.join(', ')}` }).optional(),
  tls: z.boolean({ error: 'must be true or false' }).optional(),
  tlsCaPem: z.string().optional(),
  scramSecretArn: z.string().optional(),
  scramSecretKeyArn: z.string().optional(),
  mskClusterArn: z.string().optional(),
};

const targetSchema = z
  .object({
    probeName: z.string({ error: 'is required (a string)' }),
    brokers: z.union(
      [
        z.string().transform((s) =>
          s
            .split(',')
            .map((b) => b.trim())
            .filter(Boolean),
        ),
        z.array(z.string()),
      ],
      { error: 'is required: a list of host:port' },
    ),
    ...authFields,
    topic: z.string().optional(),
    minPartitions: whole().optional(),
    replicationFactor: whole().optional(),
    expectedBrokers: whole().optional(),
    eventsPerPartition: whole().optional(),
    messageBytes: whole().optional(),
    ...common,
    thresholds: z
      .object({
        endToEndLatencyMs: z.number({ error: 'must be a number of milliseconds' }).positive('must be positive').optional(),
        latencyStatistic: z.string().optional(),
        availabilityPercent: z.number({ error: 'must be a number' }).gt(0, 'must be above 0').max(100, 'must be at most 100').optional(),
        lostMessages: whole().optional(),
        datapointsToAlarm: whole().optional(),
        evaluationPeriods: whole().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const pipelineSchema = z
  .object({
    pipelineName: z.string({ error: 'is required (a string)' }),
    inputBrokers: brokers(''),
    inputTopic: z.string({ error: 'is required (a topic name)' }),
    outputBrokers: brokers(' (or leave it out: the input cluster)').optional(),
    outputTopic: z.string({ error: 'is required (a topic name)' }),
    valueTemplate: z.string().optional(),
    keyTemplate: z.string().optional(),
    headers: z.record(z.string(), z.string(), { error: 'must be an object of header name to template' }).optional(),
    match: z.string().optional(),
    expectOutputs: whole().optional(),
    deadlineSeconds: span().optional(),
    canariesPerRun: whole().optional(),
    ...authFields,
    outputAuth: authFields.auth,
    outputTls: authFields.tls,
    outputTlsCaPem: z.string().optional(),
    outputScramSecretArn: z.string().optional(),
    outputMskClusterArn: z.string().optional(),
    ...common,
    thresholds: z
      .object({
        pipelineLatencyMs: z.number({ error: 'must be a number of milliseconds' }).positive('must be positive').optional(),
        latencyForSeconds: z.number({ error: 'must be a number of seconds' }).positive('must be positive').optional(),
        latencyStatistic: z.string().optional(),
        availabilityPercent: z.number({ error: 'must be a number' }).gt(0, 'must be above 0').max(100, 'must be at most 100').optional(),
        lostCanaries: whole().optional(),
        datapointsToAlarm: whole().optional(),
        evaluationPeriods: whole().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const lagCheckSchema = z
  .object({
    checkName: z.string().optional(),
    brokers: brokers(''),
    groups: z.array(z.string(), { error: 'must be a list of consumer group ids' }).optional(),
    groupPattern: z.string().optional(),
    timeLagThresholdSeconds: z.number({ error: 'must be a number of seconds' }).positive('must be positive').optional(),
    stallAfterSeconds: z.number({ error: 'must be a number of seconds' }).positive('must be positive').optional(),
    stoppedForSeconds: z.number({ error: 'must be a number of seconds' }).positive('must be positive').optional(),
    timeLagForSeconds: z.number({ error: 'must be a number of seconds' }).positive('must be positive').optional(),
    partitionMetrics: z.boolean({ error: 'must be true or false' }).optional(),
    ...authFields,
    ...common,
    thresholds: z
      .object({
        datapointsToAlarm: whole().optional(),
        evaluationPeriods: whole().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const loadTestSchema = z
  .object({
    loadTestName: z.string().optional(),
    brokers: brokers(''),
    topic: z.string().optional(),
    rate: z.string().optional(),
    // Bounded by what Lambda's 15 minutes leave; the construct says so, naming the prop.
    durationSeconds: span().optional(),
    maxDurationSeconds: span().optional(),
    messageBytes: whole().optional(),
    keys: whole().optional(),
    partitions: whole().optional(),
    acks: z.enum(['all', '1', '0'], { error: 'must be all, 1 or 0' }).optional(),
    compression: z.enum(['none', 'gzip', 'snappy', 'lz4', 'zstd'], { error: 'must be none, gzip, snappy, lz4 or zstd' }).optional(),
    ...authFields,
    namespace: common.namespace,
    memorySize: common.memorySize,
    logRetentionDays: common.logRetentionDays,
    vpc: common.vpc,
  })
  .strict();

export const appConfigSchema = z
  .object({
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'must be a CloudFormation stack name')
      .default('StreamProbe'),
    /** An existing SNS topic that pages on-call; otherwise a new encrypted one is created. */
    alarmTopicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:/, 'must be an SNS topic ARN')
      .optional(),
    alarmEmails: z.array(z.email('must be email addresses')).default([]),
    alarmHttpsUrls: z.array(z.url({ protocol: /^https$/, error: 'must be https URLs' })).default([]),
    targets: z.array(targetSchema, { error: 'must be a list of probe targets' }).default([]),
    /** Pipeline canaries through the user's own applications. */
    pipelines: z.array(pipelineSchema, { error: 'must be a list of pipeline canaries' }).default([]),
    /** Consumer-lag checks. */
    lagChecks: z.array(lagCheckSchema, { error: 'must be a list of consumer-lag checks' }).default([]),
    /** On-demand load tests: deployed, never scheduled. */
    loadTests: z.array(loadTestSchema, { error: 'must be a list of load tests' }).default([]),
  })
  .strict()
  .refine((c) => c.targets.length + c.pipelines.length + c.lagChecks.length + c.loadTests.length > 0, {
    message: 'needs at least one of targets (canary probes), pipelines, lagChecks or loadTests',
    path: ['targets'],
  });

export type AppConfig = z.infer<typeof appConfigSchema>;
export type TargetConfig = AppConfig['targets'][number];
export type PipelineEntry = AppConfig['pipelines'][number];
export type LagCheckEntry = AppConfig['lagChecks'][number];
export type LoadTestEntry = AppConfig['loadTests'][number];
export type VpcConfig = NonNullable<TargetConfig['vpc']>;

export class AppConfigError extends Error {
  constructor(source: string, issues: readonly string[]) {
    super(`invalid streamprobe configuration (${source}):\n  - ${issues.join('\n  - ')}`);
    this.name = 'AppConfigError';
  }
}

export function parseAppConfig(raw: unknown, source: string): AppConfig {
  const result = appConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new AppConfigError(
      source,
      result.error.issues.map((i) => {
        if (i.code === 'unrecognized_keys') return `${[...i.path, ''].join('.')}unknown setting ${i.keys.join(', ')}`;
        return `${i.path.length ? i.path.join('.') : 'configuration'}: ${i.message}`;
      }),
    );
  }
  const clashes = nameClashes(result.data);
  if (clashes.length) throw new AppConfigError(source, clashes);
  return result.data;
}

/** Every check's name, where the file sets it (or would, for a default name). */
function checkNames(c: AppConfig): Array<{ readonly where: string; readonly name: string }> {
  return [
    ...c.targets.map((t, i) => ({ where: `targets[${i}].probeName`, name: t.probeName })),
    ...c.pipelines.map((p, i) => ({ where: `pipelines[${i}].pipelineName`, name: p.pipelineName })),
    ...c.lagChecks.map((l, i) => ({ where: `lagChecks[${i}].checkName`, name: l.checkName ?? 'lag' })),
    ...c.loadTests.map((l, i) => ({ where: `loadTests[${i}].loadTestName`, name: l.loadTestName ?? 'load' })),
  ];
}

/**
 * One name per check in a deployment, whatever its kind: the logs' name keys, the dashboard's rows and the
 * functions' outputs are then told apart at a glance. One message per clash, naming both entries.
 */
export function nameClashes(c: AppConfig): string[] {
  const seen = new Map<string, string>();
  const clashes: string[] = [];
  for (const { where, name } of checkNames(c)) {
    const first = seen.get(name);
    if (first) clashes.push(`${where}: "${name}" is already the name of ${first}; give every check its own name`);
    else seen.set(name, where);
  }
  return clashes;
}

/** Reads the configuration from a file named by context "streamprobeConfig", else from context "streamprobe". */
export function loadAppConfig(context: (key: string) => unknown): AppConfig {
  const file = context('streamprobeConfig');
  if (typeof file === 'string' && file.length > 0) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new AppConfigError(file, [`cannot read it as JSON: ${(error as Error).message}`]);
    }
    return parseAppConfig(raw, file);
  }
  return parseAppConfig(context('streamprobe'), 'cdk.json context "streamprobe"');
}
