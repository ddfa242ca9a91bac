/**
 * The runtime configuration of streamprobe's checks (`streamprobe/config`): the environment variables each
 * Lambda reads, their schemas, and the metric names and dimensions they publish, for code that sets up or
 * reads a deployed check without the CDK constructs.
 */
export { ENV, PIPELINE_ENV, LAG_ENV, LOAD_ENV, AUTH_MODES, METRIC_SINKS, DEFAULT_NAMESPACE, DEFAULT_TOPIC, type AuthMode, type MetricSink } from './contract';
export { ConfigError, type ConnectionSettings } from './config/fields';
export { configFromEnv, parseConfig, type ProbeConfig } from './config/roundtrip';
export { parsePipelineConfig, pipelineConfigFromEnv, type PipelineConfig } from './config/pipeline';
export { parseLagConfig, lagConfigFromEnv, type LagConfig } from './config/lag';
export { parseLoadConfig, loadConfigFromEnv, type LoadConfig } from './config/load';
export type { LoadReport } from './core/load/report';
export { DIMENSIONS, METRICS, type MetricName } from './metrics-contract';
