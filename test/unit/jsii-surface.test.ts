/**
 * The construct library's surface as jsii sees it: every type the main entry exports must be one jsii can
 * carry to Python, Java, .NET and Go (interfaces of readonly fields, named types, no TypeScript-only
 * types). jsii compiles a copy of lib/ and lambda/ staged as scripts/build-python.ts stages it; the
 * assembly it writes is what language bindings are generated from.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileJsii, stageJsiiPackage } from '../../scripts/build-python';

interface Assembly {
  readonly types: Record<
    string,
    { readonly kind: string; readonly datatype?: boolean; readonly interfaces?: string[]; readonly properties?: Array<{ readonly name: string }> }
  >;
}

function compileWithJsii(): { ok: boolean; output: string; assembly?: Assembly } {
  const dir = stageJsiiPackage(mkdtempSync(join(tmpdir(), 'streamprobe-jsii-')));
  try {
    const output = compileJsii(dir);
    return { ok: true, output, assembly: JSON.parse(readFileSync(join(dir, '.jsii'), 'utf8')) as Assembly };
  } catch (error) {
    return { ok: false, output: (error as Error).message };
  }
}

describe('the construct library under jsii', () => {
  it('compiles with no error, and carries every construct with its props as a struct', () => {
    const { ok, output, assembly } = compileWithJsii();
    expect(ok, output).toBe(true);
    const type = (name: string) => assembly!.types[`streamprobe.${name}`];
    for (const construct of ['StreamProbeRoundTrip', 'StreamProbePipeline', 'StreamProbeLagCheck', 'StreamProbeLoadTest', 'AlarmTopic', 'ProbeDashboard'])
      expect(type(construct)?.kind, construct).toBe('class');
    for (const props of ['StreamProbeRoundTripProps', 'StreamProbePipelineProps', 'StreamProbeLagCheckProps', 'StreamProbeLoadTestProps'])
      expect(type(props), props).toMatchObject({ kind: 'interface', datatype: true });
    // Props a Python user sets by keyword (its own and its bases'): the cluster, the thresholds, the paging topic.
    const names = (t: string): string[] => [
      ...(assembly!.types[t]?.properties ?? []).map((p) => p.name),
      ...(assembly!.types[t]?.interfaces ?? []).flatMap(names),
    ];
    expect(names('streamprobe.StreamProbeRoundTripProps')).toEqual(expect.arrayContaining(['brokers', 'probeName', 'thresholds', 'pagingTopic']));
  }, 300_000);
});
