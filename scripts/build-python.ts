/**
 * Builds the construct library for the other CDK languages, the Construct Hub way: jsii compiles lib/
 * (and the lambda/ code it imports) into an assembly, and jsii-pacmak turns the assembly into a Python
 * wheel. The JavaScript the wheel carries is one bundle of lib/ with only aws-cdk-lib and constructs left
 * outside (the jsii kernel gives it the user's own), beside the pre-bundled handlers of the npm package
 * (dist/handlers, built by scripts/build-package.ts first). Everything is staged in .cache/jsii; the wheel
 * lands in .cache/jsii/dist/python. `npm run build:python`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { CACHE_DIR, PROJECT_ROOT } from '../local-kafka/broker';

export const JSII_STAGE = join(CACHE_DIR, 'jsii', 'streamprobe');
export const PYTHON_DIST = join(CACHE_DIR, 'jsii', 'dist');
/** The distribution and module name on PyPI: `pip install streamprobe`, `import streamprobe`. */
export const PYTHON_NAME = 'streamprobe';

function run(bin: string, args: string[], cwd: string): string {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'node_modules', bin), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${r.stdout}${r.stderr}`;
  if (r.status !== 0)
    throw new Error(
      `${bin} failed (exit ${r.status}):\n${
        output
          .split('\n')
          .filter((l) => /error|Error/.test(l))
          .join('\n') || output.slice(-3000)
      }`,
    );
  return output;
}

/**
 * lib/ and lambda/ copied into a package of their own, for jsii: the construct library's dependencies are
 * aws-cdk-lib and constructs (peers); the runtime's own (zod, kafkajs...) are only needed to compile, since
 * the JavaScript it ships is bundled.
 */
export function stageJsiiPackage(dir = JSII_STAGE): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const d of ['lib', 'lambda']) cpSync(join(PROJECT_ROOT, d), join(dir, d), { recursive: true });
  cpSync(join(PROJECT_ROOT, 'README.md'), join(dir, 'README.md'));
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'));
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'));
  const peer = { 'aws-cdk-lib': pkg.peerDependencies['aws-cdk-lib'], constructs: pkg.peerDependencies.constructs };
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: pkg.name,
        version: pkg.version,
        description: pkg.description,
        license: pkg.license,
        keywords: pkg.keywords,
        // jsii requires both; the npm package names neither yet, so the wheel carries a placeholder until it is published.
        author: pkg.author ?? { name: 'streamprobe', url: 'https://example.invalid/streamprobe', organization: false },
        repository: pkg.repository ?? { type: 'git', url: 'https://example.invalid/streamprobe.git' },
        main: 'lib/index.js',
        types: 'lib/index.d.ts',
        peerDependencies: peer,
        devDependencies: { ...pkg.dependencies, 'aws-cdk-lib': pkg.devDependencies['aws-cdk-lib'], constructs: pkg.devDependencies.constructs },
        files: ['lib/jsii/index.js', 'lib/**/*.d.ts', 'handlers/', '.jsii', 'README.md'],
        jsii: {
          outdir: 'dist',
          targets: { python: { distName: PYTHON_NAME, module: PYTHON_NAME } },
          tsc: { outDir: '.', rootDir: '.' },
        },
      },
      null,
      2,
    )}\n`,
  );
  return dir;
}

/** jsii over a staged package: its assembly (.jsii) and the compiled JavaScript beside the sources. */
export function compileJsii(dir = JSII_STAGE): string {
  return run('jsii/bin/jsii', ['--silence-warnings=reserved-word'], dir);
}

/** The wheel: the compiled library bundled into one file, the handlers beside it, packed by jsii-pacmak. */
export function buildPythonPackage(log: (line: string) => void = () => {}): string {
  const handlers = join(PROJECT_ROOT, 'dist', 'handlers');
  if (!existsSync(handlers)) throw new Error('dist/handlers is missing: run `npm run build` first');
  const dir = stageJsiiPackage();
  log('jsii: compiling the construct library');
  compileJsii(dir);
  // Where bundledHandler() looks from lib/jsii/index.js: <package>/handlers.
  cpSync(handlers, join(dir, 'handlers'), { recursive: true });
  buildSync({
    entryPoints: [join(dir, 'lib', 'index.js')],
    outfile: join(dir, 'lib', 'jsii', 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['aws-cdk-lib', 'constructs'],
    logLevel: 'silent',
  });
  const pkgFile = join(dir, 'package.json');
  writeFileSync(pkgFile, JSON.stringify({ ...JSON.parse(readFileSync(pkgFile, 'utf8')), main: 'lib/jsii/index.js' }, null, 2));
  log('jsii-pacmak: packaging for Python');
  rmSync(PYTHON_DIST, { recursive: true, force: true });
  run('jsii-pacmak/bin/jsii-pacmak', ['--targets', 'python', '--outdir', PYTHON_DIST], dir);
  const wheel = readdirSync(join(PYTHON_DIST, 'python')).find((f) => f.endsWith('.whl'));
  if (!wheel) throw new Error(`jsii-pacmak wrote no wheel into ${join(PYTHON_DIST, 'python')}`);
  return join(PYTHON_DIST, 'python', wheel);
}

if (require.main === module) {
  const wheel = buildPythonPackage((line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${wheel}\n`);
}
