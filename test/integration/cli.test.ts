/**
 * The command line as a user meets it, built and run with plain node: help and version on standard output, every bad flag refused before
 * anything starts (no broker download, no local broker), with a message naming the flag or variable.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../local-kafka/broker';
import { SwitchableProxy } from '../helpers/proxy';

/** The built command, as `npm install` links it (global setup builds dist/). */
const CLI = join(PROJECT_ROOT, 'dist', 'bin', 'streamprobe.js');
const kafka = inject('kafka');

function streamprobe(args: string[], env: Record<string, string> = {}, base: NodeJS.ProcessEnv = process.env) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...base, ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

/** As streamprobe(), without blocking this process (which may be serving the proxy the command goes through). */
function streamprobeAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('streamprobe CLI', () => {
  it('--help prints the usage on standard output and exits 0, for every command', () => {
    for (const args of [['--help'], ['run', '--help'], ['pipeline', '--help'], ['lag', '--help']]) {
      const r = streamprobe(args);
      expect([args, r.code, r.stderr]).toEqual([args, 0, '']);
      expect(r.stdout).toMatch(/^usage: streamprobe/);
    }
  });

  it('--version prints the package version', () => {
    const r = streamprobe(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`streamprobe ${require('../../package.json').version}`);
  });

  it('refuses bad flags before starting anything, naming the flag', () => {
    const cases: Array<[string[], RegExp]> = [
      [['run', '--every', '5'], /--every: "5" is not a duration.*a unit is required: 5s or 5ms\?/],
      [['run', '--runs', '3'], /--runs needs --every/],
      [['lag', '--brokers', 'a:1', '--group', 'g', '--runs', '2'], /--runs needs --every/],
      [['pipeline', '--input-topic', 'a', '--output-topic', 'b', '--deadline', '30'], /--deadline: "30" is not a duration/],
      [['pipeline', '--input-topic', 'a', '--output-topic', 'b', '--match', 'xpath:/a'], /--match: must be key, header/],
      [['run', '--brokers', 'a:1', '--auth', 'scram-sha-512', '--username', 'u'], /STREAMPROBE_SASL_PASSWORD: is required for auth scram-sha-512/],
      [['lag', '--brokers', 'a:1'], /--group: name at least one consumer group, or set --group-pattern/],
      [['load', '--rate', '5000', '--duration', '5s'], /--rate: "5000" is not a rate above 0: records per second \(5000\/s\) or bytes per second/],
      // Without brokers these used to start the local broker first and complain after.
      [['pipeline', '--input-topic', 'a', '--output-topic', 'b', '--metrics', 'foo'], /--metrics: "foo" is not one of api, emf, none/],
      [['pipeline', '--input-topic', 'a', '--output-topic', 'b', '--log-level', 'LOUD'], /--log-level: "LOUD" is not one of DEBUG, INFO, WARN, ERROR, SILENT/],
      [['run', '--metrics', 'api'], /--metrics api: needs a region \(--region or AWS_REGION\) or --metrics-endpoint/],
      [['run', '--topic', 'bad topic!'], /--topic \(STREAMPROBE_TOPIC\): a valid Kafka topic name/],
      // A flag named after the config field, or mistyped: the nearest real one is suggested.
      [['run', '--metrics-sink', 'none'], /^unknown option --metrics-sink: did you mean --metrics\? \(--help lists every option\)$/m],
      [['load', '--rates', '5/s'], /unknown option --rates: did you mean --rate\?/],
      [['lag', '--brokers', 'a:1', '--groups', 'g'], /unknown option --groups: did you mean --group\?/],
    ];
    const noRegion = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'AWS_REGION' && k !== 'AWS_DEFAULT_REGION'));
    for (const [args, message] of cases) {
      const r = streamprobe(args, {}, noRegion);
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.stderr).toMatch(message);
      expect(r.stderr, 'nothing was started').not.toMatch(/starting a local Apache Kafka broker|fetching Apache Kafka jars/);
    }
  });

  it('writes every JSON log line to standard output, errors included, so `> logs.jsonl` keeps them', () => {
    const r = streamprobe(['run', '--brokers', '127.0.0.1:9', '--timeout', '6s', '--quiet']);
    expect(r.code).toBe(1);
    const events = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).event);
    expect(events).toEqual(expect.arrayContaining(['run_summary', 'run_error']));
    expect(r.stderr).not.toMatch(/"level":"ERROR"/);
  });

  it('publishes to a CloudWatch emulator from a clean shell (no AWS credentials), as the README recipe says', async () => {
    const moto = inject('moto');
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    const namespace = `CliRecipe${Date.now()}`;
    const r = streamprobe(
      ['run', '--brokers', kafka.plaintext, '--metrics', 'api', '--metrics-endpoint', moto.endpoint, '--namespace', namespace, '--quiet'],
      {},
      clean,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/metrics_error/);
    const client = new CloudWatchClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const listed = await client.send(new ListMetricsCommand({ Namespace: namespace }));
    expect(listed.Metrics!.map((m) => m.MetricName)).toEqual(expect.arrayContaining(['EndToEndLatency', 'RunSucceeded']));
  });

  it('accepts host names with underscores (Docker, Kubernetes): an unreachable one is a failed check, not a usage error', () => {
    const r = streamprobe(['lag', '--brokers', 'kafka_1.invalid:9092', '--group', 'g', '--timeout', '6s', '--quiet', '--log-level', 'SILENT']);
    expect(r.code, r.stderr).toBe(1);
  });

  it('lag: a group pattern that matches no group says so, on screen and in the log, and exits 1', () => {
    const r = streamprobe(['lag', '--brokers', kafka.plaintext, '--group-pattern', '^no-such-group-anywhere-', '--timeout', '6s']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('no consumer group matches the group pattern');
    const events = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    expect(events).toContainEqual(expect.objectContaining({ event: 'lag_check', succeeded: true, groups: 0, patternMatched: 0 }));
    expect(events).toContainEqual(expect.objectContaining({ event: 'lag_pattern_unmatched' }));
  });
});

describe('streamprobe run with an IPv6 bootstrap broker', () => {
  it('accepts [address]:port and measures a healthy round trip through it', async () => {
    const proxy = await SwitchableProxy.create(kafka.plaintext, '::1');
    await proxy.on();
    try {
      const r = await streamprobeAsync(['run', '--brokers', proxy.address, '--probe-name', 'ipv6', '--topic', `ipv6-${Date.now()}`, '--quiet']);
      expect(r.code, r.stderr).toBe(0);
      const summary = r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .find((e) => e.event === 'run_summary');
      expect(summary).toMatchObject({ outcome: 'healthy', counts: { sent: 1, received: 1 } });
    } finally {
      await proxy.off();
    }
  });
});

describe('streamprobe run --every with the local broker, stopped by Ctrl-C', () => {
  it('finishes the run, prints the session summary, stops the broker, and exits promptly', async () => {
    const child = spawn(process.execPath, [CLI, 'run', '--every', '1s', '--log-level', 'SILENT'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const deadline = Date.now() + 120_000;
    while (!/HEALTHY|DEGRADED|FAILED/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const port = Number(/local broker ready at 127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]);
    expect(port, stderr).toBeGreaterThan(0);
    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    const exitMs = Date.now() - interruptedAt;
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/stopping after this run/);
    expect(stderr).toMatch(/session: \d+ runs? in \d+ s \(\d+ healthy\); end-to-end p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms over \d+ events; 0 lost/);
    // The run in progress (at most its 20 s budget) plus a few seconds to close and stop the broker.
    expect(exitMs).toBeLessThan(30_000);
    const open = await new Promise<boolean>((r) => {
      const socket = connect(port, '127.0.0.1', () => (socket.destroy(), r(true)));
      socket.once('error', () => r(false));
    });
    expect(open, 'the local broker still listens after the command exited').toBe(false);
  }, 180_000);
});

describe('streamprobe pipeline with the local broker', () => {
  it('one topic as input and output (an identity pipeline): created once, every canary its own output, healthy', () => {
    const r = streamprobe(['pipeline', '--input-topic', 'demo', '--output-topic', 'demo', '--every', '1s', '--runs', '2', '--deadline', '5s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('each canary is its own output');
    expect(r.stderr.match(/pipeline local {2}HEALTHY {2}1 sent, 1 on time, 0 lost/g)).toHaveLength(2);
  }, 120_000);
});

describe('npm start, as a new user runs it', () => {
  const logFile = join(PROJECT_ROOT, '.cache', 'logs', 'streamprobe.jsonl');

  it('shows only the readable table on screen; the log file gets every JSON line of every level, valid JSON Lines from the first', async () => {
    const kept = existsSync(logFile) ? readFileSync(logFile) : undefined;
    try {
      // An unreachable CloudWatch endpoint makes ERROR (metrics_error) and WARN (metrics_fallback) lines.
      const child = spawn('npm', ['start', '--', '--runs', '2', '--timeout', '6s', '--metrics', 'api', '--metrics-endpoint', 'http://127.0.0.1:9'], {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, npm_config_loglevel: 'error' },
      });
      let screen = '';
      child.stdout.on('data', (d) => (screen += d));
      child.stderr.on('data', (d) => (screen += d));
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect(code, screen).toBe(0);
      const onScreen = screen.split('\n').filter((l) => l.trimStart().startsWith('{'));
      expect(onScreen, 'JSON on the screen').toEqual([]);
      expect(screen).toMatch(/HEALTHY/);
      expect(screen).toMatch(/session: 2 runs/);

      const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
      const parsed = lines.map((l, i) => {
        try {
          return JSON.parse(l) as { level?: string; event?: string };
        } catch {
          throw new Error(`log line ${i + 1} is not JSON: ${l.slice(0, 120)}`);
        }
      });
      const levels = new Set(parsed.map((e) => e.level).filter(Boolean));
      expect([...levels].sort()).toEqual(expect.arrayContaining(['ERROR', 'INFO', 'WARN']));
      expect(parsed.filter((e) => e.event === 'run_summary')).toHaveLength(2);
    } finally {
      if (kept) writeFileSync(logFile, kept);
    }
  }, 180_000);
});
