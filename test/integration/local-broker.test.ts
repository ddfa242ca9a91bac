/** The local broker the CLI starts never outlives it: not even a kill -9 of the CLI leaves the JVM behind. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/local-kafka';

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
});
