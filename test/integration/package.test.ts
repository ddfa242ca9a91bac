/**
 * The package as a platform team meets it: `npm pack`, installed into a CDK app of their own with its own
 * aws-cdk-lib (not the version this repository pins), a TypeScript stack using the constructs with the
 * tokens CDK users pass (a parameter's ARN, a secret's ARN), `cdk synth`, and the `streamprobe` command
 * through npx. The pre-bundled handler it deploys is run against the real broker, with plain node.
 */
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CACHE_DIR, PROJECT_ROOT } from '../../local-kafka/broker';
import { uniqueName } from '../helpers/kafka';

const kafka = inject('kafka');
/** Older than the repository's pin, inside the package's peer range: the user's own copy. */
const USER_CDK_VERSION = '2.270.0';
const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };

function run(command: string, args: string[], options: SpawnSyncOptions & { cwd: string }) {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000, ...options, env: { ...process.env, npm_config_loglevel: 'error', ...options.env } });
  const result = { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
  return result;
}

function mustRun(command: string, args: string[], options: SpawnSyncOptions & { cwd: string }) {
  const r = run(command, args, options);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

const USER_APP = `
import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { StreamProbeLagCheck, StreamProbeLoadTest, StreamProbePipeline, StreamProbeTarget } from 'streamprobe';
import { ENV } from 'streamprobe/config';
import { StreamProbeStack } from 'streamprobe/app';

const app = new App();
const stack = new Stack(app, 'UserStack');
const clusterArn = new CfnParameter(stack, 'ClusterArn', { type: 'String' }).valueAsString;
const pagingTopic = new sns.Topic(stack, 'Pages');
const scram = new secretsmanager.Secret(stack, 'Scram');

new StreamProbeTarget(stack, 'Orders', {
  probeName: 'orders', brokers: ['b-1.orders.example:9098', 'b-2.orders.example:9098'], auth: 'msk-iam', mskClusterArn: clusterArn,
  thresholds: { endToEndLatency: Duration.millis(800) }, pagingTopic,
});
new StreamProbePipeline(stack, 'Enrich', {
  pipelineName: 'enrich', inputBrokers: ['b-1.orders.example:9096'], inputTopic: 'orders', outputTopic: 'orders-enriched',
  auth: 'scram-sha-512', scramSecretArn: scram.secretArn, deadline: Duration.seconds(30), pagingTopic,
});
new StreamProbeLagCheck(stack, 'Lag', {
  checkName: 'billing', brokers: ['b-1.orders.example:9098'], auth: 'msk-iam', mskClusterArn: clusterArn, groups: ['billing'], pagingTopic,
});
new StreamProbeLoadTest(stack, 'Capacity', { loadTestName: 'capacity', brokers: ['b-1.orders.example:9098'], auth: 'msk-iam', mskClusterArn: clusterArn, rate: '5MB/s' });
// The runtime contract is importable too: the variable the probe reads its brokers from.
if (ENV.brokers !== 'STREAMPROBE_BROKERS') throw new Error('streamprobe/config: unexpected ENV.brokers ' + ENV.brokers);
// The whole stack from a config file is TypeScript-only, on a subpath of its own.
if (typeof StreamProbeStack !== 'function') throw new Error('streamprobe/app: no StreamProbeStack');
app.synth();
`;

describe('the packed package in a user CDK app', () => {
  let app: string;

  beforeAll(() => {
    mkdirSync(join(CACHE_DIR, 'run'), { recursive: true });
    app = mkdtempSync(join(CACHE_DIR, 'run', 'user-app-'));
    // dist/ is built by the global setup; pack it as published (prepack would rebuild it).
    const packed = mustRun('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', app], { cwd: PROJECT_ROOT });
    const tarball = join(app, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'user-cdk-app', private: true, dependencies: { 'aws-cdk-lib': USER_CDK_VERSION, constructs: '^10.0.0' } }, null, 2),
    );
    mustRun('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app });
    writeFileSync(join(app, 'app.ts'), USER_APP);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, skipLibCheck: true, types: [] }, files: ['app.ts'] }),
    );
    // The user's own TypeScript compile: the package's declarations must type the constructs and the config.
    mustRun(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app });
  }, 600_000);

  it("installs with the user's aws-cdk-lib as the only copy (a peer, not a second copy)", () => {
    const cdkCopies = (dir: string): string[] => {
      const found: string[] = [];
      const walk = (nm: string) => {
        if (!existsSync(nm)) return;
        for (const entry of readdirSync(nm)) {
          if (entry === 'aws-cdk-lib') found.push(join(nm, entry));
          if (!entry.startsWith('.')) walk(join(nm, entry, 'node_modules'));
        }
      };
      walk(join(dir, 'node_modules'));
      return found;
    };
    expect(cdkCopies(app)).toEqual([join(app, 'node_modules', 'aws-cdk-lib')]);
    expect(JSON.parse(readFileSync(join(app, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8')).version).toBe(USER_CDK_VERSION);
    expect(existsSync(join(app, 'node_modules', 'esbuild'))).toBe(false);
  });

  it('synthesizes the three checks and the load test with pre-bundled handlers, tokens resolved into IAM', () => {
    mustRun(join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--app', 'node app.js', '--output', 'cdk.out', '--quiet'], { cwd: app });
    const template = JSON.parse(readFileSync(join(app, 'cdk.out', 'UserStack.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: any; Metadata?: Record<string, string> }>;
    };
    const resources = Object.values(template.Resources);
    const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(4);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    }
    // Every function's asset is a bundle from the package, with no node_modules beside it.
    const assets = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Metadata?.['aws:asset:path']);
    for (const asset of assets) {
      const dir = join(app, 'cdk.out', asset!);
      expect(readdirSync(dir)).toEqual(['index.js']);
    }
    // The MSK topic ARN derived from a parameter is built by CloudFormation, not by string replacement.
    const policies = JSON.stringify(resources.filter((r) => r.Type === 'AWS::IAM::Policy'));
    expect(policies).toContain('"Fn::Split":[":cluster/",{"Ref":"ClusterArn"}]');
    expect(policies).toContain('":topic/"');
    expect(resources.filter((r) => r.Type === 'AWS::CloudWatch::CompositeAlarm')).toHaveLength(3);
  });

  it('runs the streamprobe command through npx: --version and run --help', () => {
    const v = mustRun('npx', ['--no-install', 'streamprobe', '--version'], { cwd: app });
    expect(v.stdout.trim()).toBe(`streamprobe ${version}`);
    const help = mustRun('npx', ['--no-install', 'streamprobe', 'run', '--help'], { cwd: app });
    expect(help.stdout).toContain('usage: streamprobe run');
    expect(help.stderr.trim()).toBe('');
  });

  it('measures a healthy round trip with the installed command against a real broker', () => {
    const r = run(
      'npx',
      ['--no-install', 'streamprobe', 'run', '--brokers', kafka.plaintext, '--probe-name', uniqueName('npx'), '--topic', uniqueName('npx-canary')],
      { cwd: app },
    );
    expect(r.code, r.stderr).toBe(0);
    const summary = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.event === 'run_summary');
    expect(summary).toMatchObject({ outcome: 'healthy', counts: { sent: 1, received: 1, lost: 0 } });
  });

  it('starts its own local broker when no --brokers is given, caching downloads outside node_modules', () => {
    // The clone's cache already holds the same jars (same pom): the installed command must find them there.
    const r = run('npx', ['--no-install', 'streamprobe', 'run', '--log-level', 'SILENT'], { cwd: app, env: { STREAMPROBE_CACHE_DIR: CACHE_DIR } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/local broker ready at 127\.0\.0\.1:\d+/);
    expect(r.stderr).toContain('HEALTHY');
    expect(readdirSync(join(app, 'node_modules', 'streamprobe'))).not.toContain('.cache');
  });

  it('the deployed bundle runs as Lambda runs it: handler export, environment, a healthy run', () => {
    const probe = uniqueName('bundle');
    const script = `
      const { dirname, join } = require('path');
      const { handler } = require(join(dirname(require.resolve('streamprobe/package.json')), 'dist', 'handlers', 'roundtrip', 'index.js'));
      const end = Date.now() + 30000;
      handler({}, { functionName: 'streamprobe-probe', awsRequestId: 'r1', getRemainingTimeInMillis: () => end - Date.now() })
        .then((r) => { console.error(JSON.stringify(r)); process.exit(0); }, (e) => { console.error(e); process.exit(1); });`;
    const r = run(process.execPath, ['-e', script], {
      cwd: app,
      env: {
        STREAMPROBE_PROBE_NAME: probe,
        STREAMPROBE_BROKERS: kafka.plaintext,
        STREAMPROBE_TOPIC: uniqueName('bundle-canary'),
        STREAMPROBE_METRICS_SINK: 'none',
        AWS_REGION: 'eu-west-1',
      },
    });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stderr.trim().split('\n').at(-1)!);
    expect(result).toMatchObject({ outcome: 'healthy', sent: 1, received: 1, lost: 0 });
    const summary = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.event === 'run_summary');
    expect(summary).toMatchObject({ probe, function_name: 'streamprobe-probe' });
  });
});
