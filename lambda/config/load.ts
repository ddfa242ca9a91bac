/**
 * Configuration of a load test: which cluster and topic, the target rate and duration, the record shape
 * (size, key spread, compression) and the producer's acks. One schema for the CLI, the Lambda and the
 * construct; a rate of 0, or a duration without a unit, never gets past it.
 */
import * as z from 'zod/mini';
import { DEFAULT_LOAD_TOPIC, LOAD_ENV, PROBE_NAME_PATTERN } from '../contract';
import { parseRate, type Rate, recordsPerSecond } from '../core/load/rate';
import { LOAD_HEADER_BYTES } from '../core/load/record';
import {
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
} from './fields';

export const ACKS = { all: -1, '1': 1, '0': 0 } as const;
export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
/** What one load may hold in memory: 9 bytes a record (state, partition, offset, seen). */
export const MAX_LOAD_RECORDS = 50_000_000;

const schema = z
  .strictObject({
    loadTest: z._default(z.string().check(z.regex(PROBE_NAME_PATTERN, 'letters, digits, ".", "_" or "-", at most 64')), 'load'),
    brokers: brokerList,
    topic: z._default(z.string().check(z.regex(/^[A-Za-z0-9._-]{1,249}$/, 'a valid Kafka topic name')), DEFAULT_LOAD_TOPIC),
    rate: z.pipe(
      z.string({ error: 'is required: records per second (5000/s) or bytes per second (5MB/s)' }),
      z.transform((text, ctx) => {
        const rate = parseRate(text);
        if (!rate)
          ctx.issues.push({ code: 'custom', message: `"${text}" is not a rate above 0: records per second (5000/s) or bytes per second (5MB/s)`, input: text });
        return rate as Rate;
      }),
    ),
    durationMs: int(1000, 3_600_000),
    messageBytes: z._default(int(LOAD_HEADER_BYTES, 1_000_000), 1024),
    /** Distinct keys, spread by Kafka's own partitioner; 0: no key (records spread evenly over partitions). */
    keys: z._default(int(0, 1_000_000), 0),
    /** Partitions of the topic if the load creates it; an existing topic keeps its own. */
    partitions: z._default(int(1, 10_000), 6),
    replicationFactor: z.optional(int(1, 16)),
    acks: z._default(z.enum(['all', '1', '0'], { error: 'must be all, 1 or 0' }), 'all'),
    compression: z._default(z.enum(COMPRESSIONS, { error: `must be one of ${COMPRESSIONS.join(', ')}` }), 'none'),
    /** After the last send, how long records may take to arrive before the unread are counted. */
    drainMs: z._default(int(100, 600_000), 10_000),
    /**
     * Produce requests in flight at once; records due meanwhile wait, and the wait counts as latency. One by
     * default: kafkajs may put concurrent sends to a partition on the wire out of order (each first awaits its
     * own metadata check), which would show as out-of-order records the cluster never caused.
     */
    maxInFlight: z._default(int(1, 100), 1),
    fetchMaxBytesPerPartition: z.optional(int(1024, 100_000_000)),
    ...connectionFields,
    ...metricsFields,
  })
  .check(
    z.superRefine((c, ctx) => {
      for (const [path, message] of connectionIssues(c)) ctx.addIssue({ code: 'custom', path: [path], message, input: c });
      if (!c.rate) return;
      const records = recordsPerSecond(c.rate, c.messageBytes) * (c.durationMs / 1000);
      if (records < 1) ctx.addIssue({ code: 'custom', path: ['rate'], message: 'sends no record over the duration: raise the rate or the duration', input: c });
      if (records > MAX_LOAD_RECORDS) {
        ctx.addIssue({
          code: 'custom',
          path: ['durationMs'],
          message: `${Math.round(records)} records at this rate: at most ${MAX_LOAD_RECORDS} a load (shorten it, or run several)`,
          input: c,
        });
      }
    }),
  );

export type LoadConfig = Omit<z.output<typeof schema>, keyof ConnectionSettings | 'acks'> &
  ConnectionSettings & {
    readonly acks: -1 | 0 | 1;
    readonly recordsPerSecond: number;
  };

export function parseLoadConfig(raw: Record<string, unknown>, name: FieldNamer = (f) => f): LoadConfig {
  const result = schema.safeParse(raw);
  if (!result.success) throw configError(result.error.issues, raw, name);
  const c = result.data;
  return { ...c, ...resolveConnection(c), acks: ACKS[c.acks], recordsPerSecond: recordsPerSecond(c.rate, c.messageBytes) };
}

/** The load Lambda's configuration, from its STREAMPROBE_* variables; errors name the variable. */
export function loadConfigFromEnv(env: NodeJS.ProcessEnv): LoadConfig {
  return parseLoadConfig(rawConfigFromEnv(env, LOAD_ENV), envNamer(LOAD_ENV));
}
