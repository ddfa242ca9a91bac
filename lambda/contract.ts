/**
 * Names shared by the Lambda code and the CDK code: environment keys now, metric names (see metrics.ts).
 * Both sides import from here, so an alarm or a setting can never point at a name nobody uses.
 */

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
  sessionTimeoutMs: 'STREAMPROBE_SESSION_TIMEOUT_MS',
  auth: 'STREAMPROBE_AUTH',
  tls: 'STREAMPROBE_TLS',
  tlsCaPem: 'STREAMPROBE_TLS_CA_PEM',
  tlsRejectUnauthorized: 'STREAMPROBE_TLS_REJECT_UNAUTHORIZED',
  saslUsername: 'STREAMPROBE_SASL_USERNAME',
  saslPassword: 'STREAMPROBE_SASL_PASSWORD',
  saslSecretArn: 'STREAMPROBE_SASL_SECRET_ARN',
  region: 'STREAMPROBE_REGION',
  metricsNamespace: 'STREAMPROBE_METRICS_NAMESPACE',
  metricsSink: 'STREAMPROBE_METRICS_SINK',
  metricsHighResolution: 'STREAMPROBE_METRICS_HIGH_RESOLUTION',
} as const;

export type ConfigField = keyof typeof ENV;

export const AUTH_MODES = ['none', 'scram-sha-256', 'scram-sha-512', 'msk-iam'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export const METRIC_SINKS = ['api', 'emf', 'both', 'none'] as const;
export type MetricSink = (typeof METRIC_SINKS)[number];

export const DEFAULT_TOPIC = 'streamprobe-canary';
export const DEFAULT_NAMESPACE = 'StreamProbe';
export const PROBE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** A bootstrap broker, host:port: checked at cold start and, for the same string, at synth time. */
export const BROKER_PATTERN = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** Consumer group of one probe container. Unique per container: a new container never waits on a dead member. */
export function consumerGroupPrefix(probeName: string): string {
  return `streamprobe-${probeName}`;
}
