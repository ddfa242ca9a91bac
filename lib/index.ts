/**
 * streamprobe's construct library: add a canary probe, a pipeline canary or a consumer-lag check to your
 * own CDK app, or the whole stack the repository's app deploys. Each construct validates its props at
 * synth time (naming the prop) and deploys a pre-bundled Lambda, its schedule, least-privilege IAM, and
 * alarms that page through one composite per check.
 */

export {
  type AppConfig,
  AppConfigError,
  appConfigSchema,
  type LagCheckEntry,
  loadAppConfig,
  type PipelineEntry,
  parseAppConfig,
  type TargetConfig,
} from './app-config';
export { type GroupAlarms, type LagCheckAlarms, type LagThresholds, StreamProbeLagCheck, type StreamProbeLagCheckProps } from './checks/lag/construct';
export { StreamProbeLoadTest, type StreamProbeLoadTestProps } from './checks/load/construct';
export { type PipelineAlarms, type PipelineThresholds, StreamProbePipeline, type StreamProbePipelineProps } from './checks/pipeline/construct';
export type { TargetAlarms } from './checks/roundtrip/alarms';
export { StreamProbeRoundTrip, type StreamProbeRoundTripProps, StreamProbeTarget, type StreamProbeTargetConstructProps } from './checks/roundtrip/construct';
export type { AlarmThresholds, RoundTripProps, StreamProbeTargetProps } from './checks/roundtrip/props';
export type { AlarmTopicProps } from './common/alarm-kit';
export { AlarmTopic } from './common/alarm-topic';
export { type CheckDeploymentProps, type ClusterAuthProps, TargetConfigError } from './common/props';
export { ProbeDashboard } from './dashboard';
export { StreamProbeStack, type StreamProbeStackProps } from './stack';
