/**
 * The construct library's surface as jsii sees it: every type the main entry exports must be one jsii can
 * carry to Python, Java, .NET and Go (interfaces of readonly fields, named types, no TypeScript-only
 * types). jsii compiles a copy of lib/ and lambda/ with a package.json of its own; the assembly it writes
 * is what language bindings are generated from.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

interface Assembly {
  readonly types: Record<
    string,
    { readonly kind: string; readonly datatype?: boolean; readonly interfaces?: string[]; readonly properties?: Array<{ readonly name: string }> }
  >;
}

function compileWithJsii(): { code: number | null; output: string; assembly?: Assembly } {
  const dir = mkdtempSync(join(tmpdir(), 'streamprobe-jsii-'));
  for (const d of ['lib', 'lambda']) cpSync(join(ROOT, d), join(dir, d), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  writeFileSync(join(dir, 'README.md'), '# streamprobe\n');
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: pkg.name,
      version: pkg.version,
      description: pkg.description,
      license: pkg.license,
      author: { name: 'streamprobe', url: 'https://example.invalid' },
      repository: { type: 'git', url: 'https://example.invalid/streamprobe.git' },
      main: 'lib/index.js',
      types: 'lib/index.d.ts',
      dependencies: pkg.dependencies,
      bundledDependencies: Object.keys(pkg.dependencies),
      peerDependencies: pkg.peerDependencies,
      devDependencies: { 'aws-cdk-lib': pkg.devDependencies['aws-cdk-lib'], constructs: pkg.devDependencies.constructs },
      jsii: { outdir: 'dist-jsii', targets: { python: { distName: 'streamprobe', module: 'streamprobe' } }, tsc: { outDir: '.', rootDir: '.' } },
    }),
  );
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'jsii', 'bin', 'jsii'), '--silence-warnings=reserved-word'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  const output = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) return { code: r.status, output };
  return { code: r.status, output, assembly: JSON.parse(readFileSync(join(dir, '.jsii'), 'utf8')) as Assembly };
}

describe('the construct library under jsii', () => {
  it('compiles with no error, and carries every construct with its props as a struct', () => {
    const { code, output, assembly } = compileWithJsii();
    expect(
      code,
      output
        .split('\n')
        .filter((l) => /error JSII|Errors:/.test(l))
        .join('\n'),
    ).toBe(0);
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
