/** Every check's runtime is made the same way: createRuntime(kind, options), for the Lambdas, the CLI and the tests. */

import type { ProbeLogger } from '../adapters/logger';
import type { CheckKind } from '../contract';
import { type Check, CheckRuntime, type ReportSink } from './check-runtime';
import { LagCheck, type LagOptions } from './lag';
import { LoadCheck, type LoadOptions } from './load';
import { PipelineCheck, type PipelineOptions } from './pipeline';
import { RoundTripCheck, type RoundTripOptions } from './roundtrip';

export { type Check, CheckRuntime, type CredentialsProvider, type ReportSink } from './check-runtime';
export { LagCheck } from './lag';
export { LoadCheck } from './load';
export { PipelineCheck } from './pipeline';
export { RoundTripCheck } from './roundtrip';

export interface OptionsByKind {
  readonly roundtrip: RoundTripOptions;
  readonly pipeline: PipelineOptions;
  readonly lag: LagOptions;
  readonly load: LoadOptions;
}

export type RuntimeOptionsOf<K extends CheckKind> = OptionsByKind[K] & { readonly logger: ProbeLogger; readonly sinks?: readonly ReportSink[] };

const CHECKS: { readonly [K in CheckKind]: (options: RuntimeOptionsOf<K>) => Check<K> } = {
  roundtrip: (o) => new RoundTripCheck(o),
  pipeline: (o) => new PipelineCheck(o),
  lag: (o) => new LagCheck(o),
  load: (o) => new LoadCheck(o),
};

export function createRuntime<K extends CheckKind>(kind: K, options: RuntimeOptionsOf<K>): CheckRuntime<K> {
  const make = CHECKS[kind] as (o: RuntimeOptionsOf<K>) => Check<K>;
  return new CheckRuntime(make(options), options);
}
