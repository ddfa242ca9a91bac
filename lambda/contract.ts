/**
 * Names shared by the Lambda code and the CDK code: environment keys now, metric names (see metrics.ts).
 * Both sides import from here, so an alarm or a setting can never point at a name nobody uses.
 */

/** The four checks, called by these names in every layer: folders, handlers, constructs, alarm names. */
export const CHECK_KINDS = ['roundtrip', 'pipeline', 'lag', 'load'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** How each check is named in messages and alarm descriptions. */
export const CHECK_LABELS: Readonly<Record<CheckKind, string>> = { roundtrip: 'round trip', pipeline: 'pipeline', lag: 'lag check', load: 'load test' };

/** Environment variables the probe Lambda reads, keyed by the configuration field they fill. */
export const ENV = {
  probeName: 'STREAMPROBE_PROBE_NAME',
  brokers: 'STREAMPROBE_BROKERS',
  topic: 'STREAMPROBE_TOPIC',
  minPartitions: 'STREAMPROBE_MIN_PARTITIONS',
  replicationFactor: 'STREAMPROBE_REPLICATION_FACTOR',
  expectedBrokers: 'STREAMPROBE_EXPECTED_BROKERS',
  eventsPerPartition: 'STREAMPROBE_EVENTS_PER_PARTITION',
  messageBytes: 'STREAMPROBE_MESSAGE_BYTES',
  runTimeoutMs: 'STREAMPROBE_RUN_TIMEOUT_MS',
  fetchMaxWaitMs: 'STREAMPROBE_FETCH_MAX_WAIT_MS',
  auth: 'STREAMPROBE_AUTH',
  tls: 'STREAMPROBE_TLS',
  tlsCaPem: 'STREAMPROBE_TLS_CA_PEM',
  tlsRejectUnauthorized: 'STREAMPROBE_TLS_REJECT_UNAUTHORIZED',
  saslUsername: 'STREAMPROBE_SASL_USERNAME',
  saslPassword: 'STREAMPROBE_SASL_PASSWORD',
  scramSecretArn: 'STREAMPROBE_SCRAM_SECRET_ARN',
  region: 'STREAMPROBE_REGION',
  metricsNamespace: 'STREAMPROBE_METRICS_NAMESPACE',
  metricsSink: 'STREAMPROBE_METRICS_SINK',
  metricsHighResolution: 'STREAMPROBE_METRICS_HIGH_RESOLUTION',
} as const;

export type ConfigField = keyof typeof ENV;

/** How a check reaches a cluster: the same variables for the canary, a pipeline's input and a lag check. */
const CONNECTION_ENV = {
  auth: ENV.auth,
  tls: ENV.tls,
  tlsCaPem: ENV.tlsCaPem,
  tlsRejectUnauthorized: ENV.tlsRejectUnauthorized,
  saslUsername: ENV.saslUsername,
  saslPassword: ENV.saslPassword,
  scramSecretArn: ENV.scramSecretArn,
  region: ENV.region,
} as const;

/** Environment variables of the pipeline-canary Lambda, keyed by its configuration field. */
export const PIPELINE_ENV = {
  pipelineName: 'STREAMPROBE_PIPELINE_NAME',
  inputBrokers: 'STREAMPROBE_INPUT_BROKERS',
  inputTopic: 'STREAMPROBE_INPUT_TOPIC',
  outputBrokers: 'STREAMPROBE_OUTPUT_BROKERS',
  outputTopic: 'STREAMPROBE_OUTPUT_TOPIC',
  valueTemplate: 'STREAMPROBE_VALUE_TEMPLATE',
  keyTemplate: 'STREAMPROBE_KEY_TEMPLATE',
  headers: 'STREAMPROBE_HEADERS',
  match: 'STREAMPROBE_MATCH',
  expectOutputs: 'STREAMPROBE_EXPECT_OUTPUTS',
  deadlineMs: 'STREAMPROBE_DEADLINE_MS',
  canariesPerRun: 'STREAMPROBE_CANARIES_PER_RUN',
  runTimeoutMs: ENV.runTimeoutMs,
  ...CONNECTION_ENV,
  outputAuth: 'STREAMPROBE_OUTPUT_AUTH',
  outputTls: 'STREAMPROBE_OUTPUT_TLS',
  outputTlsCaPem: 'STREAMPROBE_OUTPUT_TLS_CA_PEM',
  outputSaslUsername: 'STREAMPROBE_OUTPUT_SASL_USERNAME',
  outputSaslPassword: 'STREAMPROBE_OUTPUT_SASL_PASSWORD',
  outputScramSecretArn: 'STREAMPROBE_OUTPUT_SCRAM_SECRET_ARN',
  metricsNamespace: ENV.metricsNamespace,
  metricsSink: ENV.metricsSink,
  metricsHighResolution: ENV.metricsHighResolution,
} as const;

/** Environment variables of the consumer-lag Lambda, keyed by its configuration field. */
export const LAG_ENV = {
  checkName: 'STREAMPROBE_LAG_CHECK_NAME',
  brokers: ENV.brokers,
  groups: 'STREAMPROBE_GROUPS',
  groupPattern: 'STREAMPROBE_GROUP_PATTERN',
  timeLagThresholdMs: 'STREAMPROBE_TIME_LAG_THRESHOLD_MS',
  stallAfterMs: 'STREAMPROBE_STALL_AFTER_MS',
  partitionMetrics: 'STREAMPROBE_PARTITION_METRICS',
  runTimeoutMs: ENV.runTimeoutMs,
  ...CONNECTION_ENV,
  metricsNamespace: ENV.metricsNamespace,
  metricsSink: ENV.metricsSink,
  metricsHighResolution: ENV.metricsHighResolution,
} as const;

/** Environment variables of the on-demand load-test Lambda, keyed by its configuration field. */
export const LOAD_ENV = {
  loadTest: 'STREAMPROBE_LOAD_TEST_NAME',
  brokers: ENV.brokers,
  topic: ENV.topic,
  rate: 'STREAMPROBE_LOAD_RATE',
  durationMs: 'STREAMPROBE_LOAD_DURATION_MS',
  messageBytes: ENV.messageBytes,
  keys: 'STREAMPROBE_LOAD_KEYS',
  partitions: 'STREAMPROBE_LOAD_PARTITIONS',
  replicationFactor: ENV.replicationFactor,
  acks: 'STREAMPROBE_LOAD_ACKS',
  compression: 'STREAMPROBE_LOAD_COMPRESSION',
  drainMs: 'STREAMPROBE_LOAD_DRAIN_MS',
  maxInFlight: 'STREAMPROBE_LOAD_MAX_IN_FLIGHT',
  fetchMaxBytesPerPartition: 'STREAMPROBE_LOAD_FETCH_MAX_BYTES_PER_PARTITION',
  ...CONNECTION_ENV,
  metricsNamespace: ENV.metricsNamespace,
  metricsSink: ENV.metricsSink,
  metricsHighResolution: ENV.metricsHighResolution,
} as const;

export const DEFAULT_LOAD_TOPIC = 'streamprobe-load';

/** Consumer group of a pipeline canary's output reader: one per pipeline, so a new container resumes where the last stopped. */
export function pipelineGroupId(pipeline: string): string {
  return `streamprobe-pipeline-${pipeline}`;
}

/**
 * Variables renamed, read under their old names for one release (the new name wins when both are set):
 * the secret is a SCRAM secret, and the construct prop was always scramSecretArn.
 */
export const DEPRECATED_ENV: Readonly<Record<string, string>> = {
  STREAMPROBE_SASL_SECRET_ARN: 'STREAMPROBE_SCRAM_SECRET_ARN',
  STREAMPROBE_OUTPUT_SASL_SECRET_ARN: 'STREAMPROBE_OUTPUT_SCRAM_SECRET_ARN',
};

/** Settings of the command line itself, not of a check: where it caches the Kafka jars it downloads. */
export const TOOL_ENV = {
  cacheDir: 'STREAMPROBE_CACHE_DIR',
} as const;

export const AUTH_MODES = ['none', 'scram-sha-256', 'scram-sha-512', 'msk-iam'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export const METRIC_SINKS = ['api', 'emf', 'both', 'none'] as const;
export type MetricSink = (typeof METRIC_SINKS)[number];

export const DEFAULT_TOPIC = 'streamprobe-canary';
export const DEFAULT_NAMESPACE = 'StreamProbe';
export const PROBE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/**
 * A bootstrap broker, host:port: checked at cold start and, for the same string, at synth time. Host names
 * may hold underscores (Docker and Kubernetes names do); an IPv6 address goes in brackets, [fd00::1]:9092
 * (the Kafka adapter carries it past kafkajs, which splits a seed at its first colon).
 */
export const BROKER_PATTERN = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/;

/**
 * The round trip's own consumer group: it never has a member (the probe reads by offset), it only receives
 * the probe's offset commits, which measure the group coordinator. Named by kind, like alarms, so no probe
 * name can make it another check's group.
 */
export function roundTripCommitGroup(probeName: string): string {
  return `streamprobe-roundtrip-${probeName}`;
}

/**
 * A group streamprobe itself commits to (a round trip's or a pipeline's). A lag check's pattern never
 * reports one: its lag is the probe's schedule, not a consumer falling behind. Named groups still are.
 */
export function isStreamprobeGroup(groupId: string): boolean {
  return /^streamprobe-(roundtrip|pipeline)-/.test(groupId);
}
