/**
 * streamprobe's construct library: add a canary probe, a pipeline canary or a consumer-lag check to your
 * own CDK app, or the whole stack the repository's app deploys. Each construct validates its props at
 * synth time (naming the prop) and deploys a pre-bundled Lambda, its schedule, least-privilege IAM, and
 * alarms that page through one composite per check.
 */
export { StreamProbeRoundTrip, type StreamProbeRoundTripProps, StreamProbeTarget, type StreamProbeTargetConstructProps } from './checks/roundtrip/construct';
export { StreamProbePipeline, type StreamProbePipelineProps, type PipelineThresholds, type PipelineAlarms } from './checks/pipeline/construct';
export { StreamProbeLagCheck, type StreamProbeLagCheckProps, type LagThresholds, type LagCheckAlarms, type GroupAlarms } from './checks/lag/construct';
export { StreamProbeLoadTest, type StreamProbeLoadTestProps } from './checks/load/construct';
export { StreamProbeStack, type StreamProbeStackProps } from './stack';
export { AlarmTopic } from './common/alarm-topic';
export { ProbeDashboard } from './dashboard';
export type { AlarmTopicProps } from './common/alarm-kit';
export type { TargetAlarms } from './checks/roundtrip/alarms';
export { TargetConfigError, type CheckDeploymentProps, type ClusterAuthProps } from './common/props';
export type { AlarmThresholds, RoundTripProps, StreamProbeTargetProps } from './checks/roundtrip/props';
export { AppConfigError, appConfigSchema, loadAppConfig, parseAppConfig, type AppConfig, type LagCheckEntry, type PipelineEntry, type TargetConfig } from './app-config';
