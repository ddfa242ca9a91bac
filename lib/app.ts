/**
 * The whole stack the repository's app deploys from a config file (cdk.json's streamprobe.config or
 * STREAMPROBE_CONFIG), for TypeScript CDK apps: `import { StreamProbeStack } from 'streamprobe/app'`. The
 * constructs themselves are the main entry, `streamprobe`, in every CDK language.
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
export { TargetConfigError } from './common/props';
export { StreamProbeStack, type StreamProbeStackProps } from './stack';
