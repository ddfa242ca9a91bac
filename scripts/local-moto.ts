/**
 * Starts moto's server (a CloudWatch API emulator) on 127.0.0.1, installed from PyPI into an ignored
 * virtualenv (.cache/venv) by the pinned scripts/python/requirements.txt.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CACHE_DIR, freePort, PROJECT_ROOT } from '../local-kafka/broker';

const VENV = join(CACHE_DIR, 'venv');
const REQUIREMENTS = join(PROJECT_ROOT, 'scripts', 'python', 'requirements.txt');
export const VENV_BIN = join(VENV, 'bin');

/**
 * Creates a virtualenv and installs pinned requirements once; later calls only check a stamp. By default
 * the project's Python tools (moto, cfn-lint) in .cache/venv.
 */
export function ensurePythonTools(
  log: (line: string) => void = () => {},
  { venv = VENV, requirements = REQUIREMENTS }: { venv?: string; requirements?: string } = {},
): string {
  const bin = join(venv, 'bin');
  const stamp = join(venv, '.requirements-stamp');
  const wanted = readFileSync(requirements, 'utf8');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return bin;
  log(`installing Python packages into .cache/${basename(venv)} (first run only)...`);
  const python = process.env.PYTHON ?? 'python3';
  const steps: Array<[string, string[]]> = [
    [python, ['-m', 'venv', venv]],
    [join(bin, 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', requirements]],
  ];
  for (const [cmd, args] of steps) {
    const result = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit ${result.status}`);
  }
  writeFileSync(stamp, wanted);
  return bin;
}

export interface LocalMoto {
  /** http://localhost:<port>: the SDK and the CDK CLI want the name, not the address. */
  readonly endpoint: string;
  readonly port: number;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function waitForHttp(url: string, deadline: number, isDead: () => boolean): Promise<void> {
  while (Date.now() < deadline) {
    if (isDead()) throw new Error('moto_server exited during start-up');
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`moto_server did not answer ${url} in time`);
}

export async function startMoto(options: { logFile?: string } = {}): Promise<LocalMoto> {
  const bin = ensurePythonTools((line) => process.stderr.write(`${line}\n`));
  const port = await freePort();
  mkdirSync(join(CACHE_DIR, 'run'), { recursive: true });
  const logFile = options.logFile ?? join(CACHE_DIR, 'run', `moto-${port}.log`);
  const out = createWriteStream(logFile);
  await new Promise((r) => out.once('open', r));
  const child = spawn(join(bin, 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', out, out] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${base}/moto-api/`, Date.now() + 60_000, () => child.exitCode !== null);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    endpoint: `http://localhost:${port}`,
    port,
    async reset() {
      await fetch(`${base}/moto-api/reset`, { method: 'POST' });
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      out.close();
    },
  };
}
