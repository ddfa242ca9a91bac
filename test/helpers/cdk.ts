/** Runs the real CDK CLI on the project's app, the way a user does. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, PROJECT_ROOT } from '../../local-kafka/broker';

export interface CdkResult {
  readonly code: number | null;
  readonly output: string;
  readonly outdir: string;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(CACHE_DIR, 'run', `${prefix}-`));
}

/** Environment without AWS credentials or region, as on a machine that never saw an AWS account. */
export function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')));
  return { ...env, CI: 'true', ...extra };
}

export function cdk(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 240_000): Promise<CdkResult & { args: readonly string[] }> {
  const outdir = args.includes('-o') ? args[args.indexOf('-o') + 1]! : '';
  return new Promise((resolve) => {
    const child = spawn(join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'), [...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, outdir, args });
    });
  });
}

export async function synth(config: unknown | undefined, env: NodeJS.ProcessEnv = offlineEnv()): Promise<CdkResult> {
  const dir = tempDir('synth');
  const outdir = join(dir, 'cdk.out');
  const args = ['synth', '--quiet', '-o', outdir];
  if (config !== undefined) {
    const file = join(dir, 'streamprobe.json');
    writeFileSync(file, JSON.stringify(config));
    args.push('-c', `streamprobeConfig=${file}`);
  }
  return cdk(args, env);
}

export function readTemplate(outdir: string, stack: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(outdir, `${stack}.template.json`), 'utf8'));
}
