/**
 * Configuration of a consumer-lag check: which cluster, which groups (a list, a pattern, or both), and the
 * rules behind each group's status. One schema for the CLI, the Lambda and the construct.
 */
import * as z from 'zod/mini';
import { LAG_ENV, PROBE_NAME_PATTERN } from '../contract';
import type { StatusRules } from '../core/lag/group-status';
import {
  bool,
  brokerList,
  type ConnectionSettings,
  configError,
  connectionFields,
  connectionIssues,
  envNamer,
  type FieldNamer,
  int,
  metricsFields,
  rawConfigFromEnv,
  resolveConnection,
  runTimeoutField,
} from './fields';

/**
 * Kafka takes any string as a group id (`svc/orders@v2`). Left out: commas (the variable lists groups with
 * them), double quotes (a composite alarm's rule quotes alarm names) and control characters; at most 200
 * keeps alarm names within CloudWatch's 255.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses.
const GROUP_PATTERN = /^[^,"\u0000-\u001f\u007f]{1,200}$/;

const groupList = z.pipe(
  z.transform((v: unknown) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  ),
  z.array(z.string().check(z.regex(GROUP_PATTERN, 'each group id: 1 to 200 characters, without commas, double quotes or control characters')), {
    error: 'must be a list of consumer group ids',
  }),
);

const pattern = z.string().check(
  z.refine((p) => {
    try {
      new RegExp(p);
      return true;
    } catch {
      return false;
    }
  }, 'must be a valid regular expression'),
);

const schema = z
  .strictObject({
    checkName: z._default(z.string().check(z.regex(PROBE_NAME_PATTERN, 'letters, digits, ".", "_" or "-", at most 64')), 'lag'),
    brokers: brokerList,
    groups: z._default(groupList, []),
    groupPattern: z.optional(pattern),
    /** A group whose oldest unread record is older than this is LAGGING. */
    timeLagThresholdMs: z._default(int(1, 86_400_000), 60_000),
    /** Members present, records waiting, and no lagging partition committed for this long: STALLED. */
    stallAfterMs: z._default(int(1000, 86_400_000), 120_000),
    /** Also publish time and offset lag per topic-partition (a metric series each: they cost). */
    partitionMetrics: z._default(bool, false),
    runTimeoutMs: runTimeoutField(),
    ...connectionFields,
    ...metricsFields,
  })
  .check(
    z.superRefine((c, ctx) => {
      for (const [path, message] of connectionIssues(c)) ctx.addIssue({ code: 'custom', path: [path], message, input: c });
      if (c.groups.length === 0 && c.groupPattern === undefined) {
        ctx.addIssue({ code: 'custom', path: ['groups'], message: 'name at least one consumer group, or set @{groupPattern}', input: c });
      }
    }),
  );

export type LagConfig = Omit<z.output<typeof schema>, 'groupPattern' | keyof ConnectionSettings> & ConnectionSettings & StatusRules & { groupPattern?: RegExp };

export function parseLagConfig(raw: Record<string, unknown>, name: FieldNamer = (f) => f): LagConfig {
  const result = schema.safeParse(raw);
  if (!result.success) throw configError(result.error.issues, raw, name);
  const c = result.data;
  return { ...c, ...resolveConnection(c), groupPattern: c.groupPattern === undefined ? undefined : new RegExp(c.groupPattern) };
}

/** The lag Lambda's configuration, from its STREAMPROBE_* variables; errors name the variable. */
export function lagConfigFromEnv(env: NodeJS.ProcessEnv): LagConfig {
  return parseLagConfig(rawConfigFromEnv(env, LAG_ENV), envNamer(LAG_ENV));
}
