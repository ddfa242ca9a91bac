/**
 * The layers hold by themselves: lambda/core is pure (no I/O, no SDK, no client library), the CDK code
 * never reaches into the Lambda's adapters or handlers, and one factory makes every kafkajs client.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');

function sources(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, folder))) {
    const path = join(folder, entry);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|mts|cjs)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every module a file imports or requires: relative ones resolved to a path from the project root. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((s) => (s.startsWith('.') ? relative(ROOT, resolve(join(ROOT, dirname(file)), s)) : s));
}

/** Pure modules outside core that core may read: names and limits, no behaviour. */
const CORE_MAY_IMPORT = ['lambda/contract', 'lambda/metrics-contract', 'hdr-histogram-js'];

describe('layering', () => {
  it('lambda/core imports only itself, the shared names and a pure histogram', () => {
    const offending = sources('lambda/core').flatMap((file) =>
      importsOf(file)
        .filter((m) => !m.startsWith('lambda/core/') && !CORE_MAY_IMPORT.includes(m))
        .map((m) => `${file} imports ${m}`),
    );
    expect(offending).toEqual([]);
  });

  it('lib/ (the CDK code) never imports the Lambda adapters, handlers or runtimes, nor a client SDK', () => {
    const offending = sources('lib').flatMap((file) =>
      importsOf(file)
        .filter((m) => /^lambda\/(adapters|handlers|runtime)\b/.test(m) || /^(kafkajs|@aws-sdk\/)/.test(m) || /-runtime$/.test(m))
        .map((m) => `${file} imports ${m}`),
    );
    expect(offending).toEqual([]);
  });

  it('one place makes kafkajs clients: no new Kafka() outside the factory in product code', () => {
    const factory = 'lambda/adapters/kafka/client.ts';
    const offending = ['lambda', 'bin', 'lib', 'local-kafka']
      .flatMap(sources)
      .filter((file) => file !== factory && /new Kafka\(/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(offending).toEqual([]);
    expect(readFileSync(join(ROOT, factory), 'utf8')).toContain('new Kafka(');
  });

  it('reads imports as the checks above need: packages by name, relative paths from the project root', () => {
    expect(importsOf('lambda/adapters/kafka/client.ts')).toContain('kafkajs');
    expect(importsOf('lambda/adapters/kafka/client.ts')).toContain('lambda/adapters/kafka/kafkajs-patches');
  });
});
