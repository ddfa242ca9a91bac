/**
 * streamprobe's construct library: add a canary probe, a pipeline canary or a consumer-lag check to your
 * own CDK app. Each construct validates its props at synth time (naming the prop) and deploys a
 * pre-bundled Lambda, its schedule, least-privilege IAM, and alarms that page through one composite per
 * check. Its surface is what jsii can carry to every CDK language (interfaces of readonly fields, no
 * TypeScript-only types); the whole stack the repository's app deploys from a config file is
 * `streamprobe/app` (lib/app.ts), TypeScript only.
 */

export { type GroupAlarms, type LagCheckAlarms, type LagThresholds, StreamProbeLagCheck, type StreamProbeLagCheckProps } from './checks/lag/construct';
export type { ResolvedLagCheck } from './checks/lag/props';
export { StreamProbeLoadTest, type StreamProbeLoadTestProps } from './checks/load/construct';
export { type PipelineAlarms, type PipelineThresholds, StreamProbePipeline, type StreamProbePipelineProps } from './checks/pipeline/construct';
export type { ResolvedPipeline, ResolvedPipelineThresholds } from './checks/pipeline/props';
export type { NotifyingAlarms, PagingAlarms, TargetAlarms } from './checks/roundtrip/alarms';
export { StreamProbeRoundTrip, type StreamProbeRoundTripProps, StreamProbeTarget, type StreamProbeTargetConstructProps } from './checks/roundtrip/construct';
export type { AlarmThresholds, ResolvedTarget, ResolvedThresholds, RoundTripProps, StreamProbeTargetProps } from './checks/roundtrip/props';
export type { AlarmTopicProps, FailureWindows, Heartbeat, LevelAlarms, LevelHold, Periods } from './common/alarm-kit';
export { AlarmTopic, type AlarmTopicConstructProps } from './common/alarm-topic';
export type { CheckDeploymentProps, ClusterAuthProps, FunctionPlacementProps, ResolvedAuth } from './common/props';
export { ProbeDashboard, type ProbeDashboardProps } from './dashboard';
