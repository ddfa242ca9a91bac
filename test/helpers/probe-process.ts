/**
 * A probe in a process of its own (the CLI, or the deployed handler bundle invoked as Lambda would), whose
 * JSON log lines the test reads as they come, and which it can kill with SIGKILL as a recycled container
 * or a crashed host ends one.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export type LogEvent = Record<string, unknown> & { event?: string };

export interface ProbeProcess {
  readonly events: LogEvent[];
  /** Resolves when `count` log lines of `event` were written. */
  waitFor(event: string, count: number, timeoutMs: number): Promise<void>;
  /** SIGKILL: no clean-up, no last commit. */
  kill(): Promise<void>;
  /** Resolves with the exit code when the process ends by itself. */
  exited(timeoutMs: number): Promise<number | null>;
  stderr(): string;
}

export function startProbeProcess(command: string, args: readonly string[], env: Record<string, string>): ProbeProcess {
  const child: ChildProcess = spawn(command, [...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: LogEvent[] = [];
  let pending = '';
  let errors = '';
  child.stdout!.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) if (line.startsWith('{')) events.push(JSON.parse(line) as LogEvent);
  });
  child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
  const done = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const count = (event: string) => events.filter((e) => e.event === event).length;
  return {
    events,
    async waitFor(event, n, timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (count(event) < n) {
        if (child.exitCode !== null || Date.now() > until)
          throw new Error(`${n} ${event} lines did not come (${count(event)} did); stderr:\n${errors.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async kill() {
      child.kill('SIGKILL');
      await done;
    },
    exited: (timeoutMs) => Promise.race([done, new Promise<null>((r) => setTimeout(() => r(null), timeoutMs))]),
    stderr: () => errors,
  };
}
