/** The local broker the CLI starts never outlives it: not even a kill -9 of the CLI leaves the JVM behind. */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local-kafka/broker';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the local broker', () => {
  it('stops when the process that started it is killed with SIGKILL', async () => {
    const holder = spawn(process.execPath, ['-r', 'tsx/cjs', join(PROJECT_ROOT, 'test', 'helpers', 'hold-broker.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      holder.stdout.on('data', (d) => {
        out += d;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line).pid);
      });
      holder.once('exit', (code) => reject(new Error(`the holder exited (${code}) before its broker started`)));
    });
    expect(alive(pid)).toBe(true);
    holder.kill('SIGKILL');
    const deadline = Date.now() + 30_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(alive(pid), `broker JVM ${pid} still running 30 s after its parent was killed`).toBe(false);
  }, 150_000);

  it('stops when the built streamprobe command is killed with SIGKILL mid-session', async () => {
    const cli = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'bin', 'streamprobe.js'), 'run', '--every', '1s', '--log-level', 'SILENT'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    cli.stderr.on('data', (d) => (stderr += d));
    const deadline = Date.now() + 120_000;
    while (!/HEALTHY|DEGRADED|FAILED/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const port = Number(/local broker ready at 127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]);
    expect(port, stderr).toBeGreaterThan(0);
    cli.kill('SIGKILL');
    const listening = () =>
      new Promise<boolean>((r) => {
        const socket = connect(port, '127.0.0.1', () => (socket.destroy(), r(true)));
        socket.once('error', () => r(false));
      });
    const killedAt = Date.now();
    while ((await listening()) && Date.now() - killedAt < 30_000) await new Promise((r) => setTimeout(r, 250));
    expect(await listening(), `the broker still listens on ${port} 30 s after the command was killed`).toBe(false);
  }, 180_000);
});
