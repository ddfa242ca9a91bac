/**
 * Folds a run's errors for the log: identical errors (same phase, type and message, as when one failed
 * request fails every partition in it) become one line with a count and the partitions, and the list is
 * capped so a bad run cannot write megabytes of stacks.
 */
import type { ErrorInfo } from '../check-report';
import type { RunReport } from './report';

export const DEFAULT_MAX_ERRORS = 20;

export function aggregateErrors(errors: readonly ErrorInfo[], max: number = DEFAULT_MAX_ERRORS): { errors: ErrorInfo[]; omitted: number } {
  const groups = new Map<string, { first: ErrorInfo; count: number; partitions: number[] }>();
  for (const e of errors) {
    const key = JSON.stringify([e.phase, e.type, e.message.replace(/partition \d+/g, 'partition N')]);
    const group = groups.get(key) ?? { first: e, count: 0, partitions: [] };
    group.count += e.count ?? 1;
    for (const p of e.partitions ?? (e.partition === undefined ? [] : [e.partition])) if (!group.partitions.includes(p)) group.partitions.push(p);
    groups.set(key, group);
  }
  const folded = [...groups.values()].map(
    ({ first, count, partitions }): ErrorInfo =>
      count === 1
        ? first
        : {
            ...first,
            count,
            ...(partitions.length ? { partitions: partitions.sort((a, b) => a - b) } : {}),
          },
  );
  let omitted = 0;
  for (const e of folded.slice(max)) omitted += e.count ?? 1;
  return { errors: folded.slice(0, max), omitted };
}

/** How many errors these lines stand for, each folded line counted as many times as it occurred. */
export function countErrors(errors: readonly ErrorInfo[]): number {
  return errors.reduce((n, e) => n + (e.count ?? 1), 0);
}

/** Every error of a run, listed or omitted, identical ones counted each time. */
export function errorCount(r: RunReport): number {
  return countErrors(r.errors) + r.errorsOmitted;
}
