/**
 * Runs a real Java application from jars fetched from Maven Central (a Kafka Streams app, MirrorMaker 2)
 * for the tests: its output goes to a log file, `ready` says when it works, and it can be killed, paused
 * and resumed like a process an operator runs.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

export interface RunningApp {
  readonly logFile: string;
  /** SIGKILL: the application is gone, as after a crash. */
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
}

export interface JavaApp {
  readonly name: string;
  readonly libs: string;
  readonly mainClass: string;
  readonly args: readonly string[];
  readonly heapMb: number;
  readonly logFile: string;
  readonly ready: () => Promise<boolean>;
  readonly timeoutMs: number;
}

export async function startJavaApp(app: JavaApp): Promise<RunningApp> {
  const out = createWriteStream(app.logFile);
  await new Promise((r) => out.once('open', r));
  const child = spawn('java', [`-Xmx${app.heapMb}m`, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', `${app.libs}/*`, app.mainClass, ...app.args], {
    stdio: ['ignore', out, out],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + app.timeoutMs;
  while (!(await app.ready().catch(() => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${app.name} did not become ready: ${readFileSync(app.logFile, 'utf8').slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    logFile: app.logFile,
    async kill() {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
  };
}
