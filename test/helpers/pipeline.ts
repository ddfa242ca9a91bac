/** A pipeline canary runtime under test: its configuration, its captured logs, and closing both. */
import { ProbeLogger } from '../../lambda/adapters/logger';
import { parsePipelineConfig } from '../../lambda/config/pipeline';
import { createRuntime, type ReportSink } from '../../lambda/runtime';
import { CapturedOutput } from './kafka';

export function pipelineUnderTest(raw: Record<string, unknown>, sinks: ReportSink[] = []) {
  const config = parsePipelineConfig(raw);
  const output = new CapturedOutput().start();
  const runtime = createRuntime('pipeline', { config, logger: new ProbeLogger({ level: 'INFO' }), sinks });
  return {
    config,
    output,
    runtime,
    async close() {
      output.stop();
      await runtime.close();
    },
  };
}
