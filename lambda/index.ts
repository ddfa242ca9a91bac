/**
 * The runtime configuration of streamprobe's checks (`streamprobe/config`): the environment variables each
 * Lambda reads, their schemas, and the metric names and dimensions they publish, for code that sets up or
 * reads a deployed check without the CDK constructs.
 */

export { ConfigError, type ConnectionSettings } from './config/fields';
export { type LagConfig, lagConfigFromEnv, parseLagConfig } from './config/lag';
export { type LoadConfig, loadConfigFromEnv, parseLoadConfig } from './config/load';
export { type PipelineConfig, parsePipelineConfig, pipelineConfigFromEnv } from './config/pipeline';
export { configFromEnv, type ProbeConfig, parseConfig } from './config/roundtrip';
export { AUTH_MODES, type AuthMode, DEFAULT_NAMESPACE, DEFAULT_TOPIC, ENV, LAG_ENV, LOAD_ENV, METRIC_SINKS, type MetricSink, PIPELINE_ENV } from './contract';
export type { LoadReport } from './core/load/report';
export { DIMENSIONS, METRICS, type MetricName } from './metrics-contract';
