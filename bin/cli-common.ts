/** What the CLI's commands share: the schedule of runs and how a bad invocation ends. */
import { ConfigError } from '../lambda/config';
import { sleep } from '../lambda/adapters/deadline';
import { parseDuration } from '../lambda/core/duration';

export class UsageError extends Error {}

/** A duration flag (500ms, 10s, 2m); undefined when not given, a usage error naming the flag when bad. */
export function durationFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new UsageError(`${flag}: "${value}" is not a duration such as 500ms, 10s or 2m`);
  return ms;
}

/** Exit code 2 and the message for bad usage or configuration; anything else is not ours to explain. */
export function exitForUsage(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  throw error;
}

/** Runs once, or every interval until a run limit or Ctrl-C; returns whether the last run was healthy. */
export interface Schedule {
  readonly everyMs?: number;
  readonly runs?: number;
  readonly stopping: () => boolean;
}

export async function repeat(runOnce: () => Promise<boolean>, s: Schedule): Promise<boolean> {
  let healthy = true;
  for (let n = 1; !s.stopping(); n++) {
    const started = Date.now();
    healthy = await runOnce();
    if (s.everyMs === undefined || (s.runs !== undefined && n >= s.runs)) break;
    for (const until = started + s.everyMs; !s.stopping() && Date.now() < until;) await sleep(Math.min(200, until - Date.now()));
  }
  return healthy;
}
