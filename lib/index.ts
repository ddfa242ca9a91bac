/**
 * streamprobe's construct library: add a canary probe, a pipeline canary or a consumer-lag check to your
 * own CDK app, or the whole stack the repository's app deploys. Each construct validates its props at
 * synth time (naming the prop) and deploys a pre-bundled Lambda, its schedule, least-privilege IAM, and
 * alarms that page through one composite per check.
 */
export { StreamProbeTarget, type StreamProbeTargetConstructProps } from './probe-target';
export { StreamProbePipeline, type StreamProbePipelineProps, type PipelineThresholds, type PipelineAlarms } from './pipeline-target';
export { StreamProbeLagCheck, type StreamProbeLagCheckProps, type LagThresholds, type LagCheckAlarms, type GroupAlarms } from './lag-target';
export { StreamProbeLoadTest, type StreamProbeLoadTestProps } from './load-target';
export { StreamProbeStack, type StreamProbeStackProps } from './stack';
export { AlarmTopic } from './alarm-topic';
export { ProbeDashboard } from './dashboard';
export type { AlarmTopicProps } from './alarm-kit';
export type { TargetAlarms } from './alarms';
export {
  TargetConfigError, type AlarmThresholds, type CheckDeploymentProps, type ClusterAuthProps, type StreamProbeTargetProps,
} from './target-props';
export { AppConfigError, appConfigSchema, loadAppConfig, parseAppConfig, type AppConfig, type LagCheckEntry, type PipelineEntry, type TargetConfig } from './app-config';
