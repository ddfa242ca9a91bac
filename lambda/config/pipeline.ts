/**
 * Configuration of a pipeline canary: where canaries go in, where they come out, what they look like and
 * how to recognise them. Validated once at start-up, naming every bad field, like the canary's own config.
 */
import * as z from 'zod/mini';
import { PIPELINE_ENV, PROBE_NAME_PATTERN } from '../contract';
import { checkMatchRule, type MatchRule } from '../core/pipeline/match';
import { CANARY_HEADER, mentionsId, PIPELINE_HEADER, unknownPlaceholders } from '../core/pipeline/template';
import {
  authMode,
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

export const DEFAULT_VALUE_TEMPLATE = '{"canary":"{{id}}","sentAt":"{{sentAtIso}}"}';

const topic = z.string({ error: 'must be a string' }).check(z.regex(/^[A-Za-z0-9._-]{1,249}$/, 'a valid Kafka topic name'));

/** "key", "header", "header:<name>", "jsonpath:<$.path>" or "regex:<pattern with a capture group>". */
export function parseMatch(text: string): MatchRule {
  const [kind, ...rest] = text.split(':');
  const arg = rest.join(':');
  switch (kind) {
    case 'key':
      return { by: 'key' };
    case 'header':
      return arg ? { by: 'header', name: arg } : { by: 'header' };
    case 'jsonpath':
      return { by: 'jsonPath', path: arg };
    case 'regex':
      return { by: 'regex', pattern: arg };
    default:
      throw new Error('must be key, header, header:<name>, jsonpath:<$.path> or regex:<pattern>');
  }
}

/** Extra canary headers, name to template: an object, or its JSON (from an environment variable). */
const headerTemplates = z.pipe(
  z.transform((v: unknown) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }),
  z.record(z.string().check(z.minLength(1)), z.string(), { error: 'must be an object of header name to template, e.g. {"source":"{{pipeline}}"}' }),
);

const schema = z
  .strictObject({
    pipelineName: z.string({ error: 'must be a string' }).check(z.regex(PROBE_NAME_PATTERN, 'letters, digits, ".", "_" or "-", at most 64')),
    inputBrokers: brokerList,
    inputTopic: topic,
    /** Another cluster for the output (a mirror, a replicator); default: the input's. */
    outputBrokers: z.optional(brokerList),
    outputTopic: topic,
    valueTemplate: z._default(z.string().check(z.minLength(1, 'must not be empty')), DEFAULT_VALUE_TEMPLATE),
    keyTemplate: z.optional(z.string()),
    headers: z.optional(headerTemplates),
    match: z._default(z.string(), 'header'),
    /** Outputs each canary must produce: 1, N (fan-out) or 0 (the application must filter canaries out). */
    expectOutputs: z._default(int(0, 1000), 1),
    /** How long the application may take, from send to the last expected output; may exceed a run. */
    deadlineMs: z._default(int(1000, 86_400_000), 60_000),
    canariesPerRun: z._default(int(1, 100), 1),
    runTimeoutMs: runTimeoutField(),
    /** How to reach the input cluster (and the output cluster, unless the output settings say otherwise). */
    ...connectionFields,
    outputAuth: z.optional(authMode),
    outputTls: connectionFields.tls,
    outputTlsCaPem: connectionFields.tlsCaPem,
    outputSaslUsername: connectionFields.saslUsername,
    outputSaslPassword: connectionFields.saslPassword,
    outputScramSecretArn: connectionFields.scramSecretArn,
    ...metricsFields,
  })
  .check(
    z.superRefine((c, ctx) => {
      const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message, input: c });
      for (const [path, message] of connectionIssues(c)) issue(path, message);
      // An output reached as the input is has the input's issues, already reported once.
      const ownOutput = [c.outputAuth, c.outputTls, c.outputTlsCaPem, c.outputSaslUsername, c.outputSaslPassword, c.outputScramSecretArn].some(
        (v) => v !== undefined,
      );
      if (ownOutput)
        for (const [path, message] of connectionIssues(outputConnection(c), (n) => `output${n[0]!.toUpperCase()}${n.slice(1)}`)) issue(path, message);
      if (Object.keys(c.headers ?? {}).some((n) => n === CANARY_HEADER || n === PIPELINE_HEADER))
        issue('headers', `${CANARY_HEADER} and ${PIPELINE_HEADER} are set by streamprobe`);
      const templates: Array<[string, string | undefined]> = [
        ['valueTemplate', c.valueTemplate],
        ['keyTemplate', c.keyTemplate],
        ...Object.values(c.headers ?? {}).map((t) => ['headers', t] as [string, string]),
      ];
      for (const [field, template] of templates) {
        const unknown = unknownPlaceholders(template ?? '');
        if (unknown.length)
          issue(field, `unknown placeholder(s) ${unknown.map((u) => `{{${u}}}`).join(', ')}: use {{id}}, {{sentAtMs}}, {{sentAtIso}} or {{pipeline}}`);
      }
      let rule: MatchRule;
      try {
        rule = parseMatch(c.match);
      } catch (error) {
        issue('match', (error as Error).message);
        return;
      }
      const broken = checkMatchRule(rule);
      if (broken) issue('match', broken);
      // The application may move the id (from the value into the key, say), but it must be in the record to
      // begin with; only the canary header always carries it.
      if (rule.by !== 'header' && !mentionsId(c.valueTemplate) && !mentionsId(c.keyTemplate) && !Object.values(c.headers ?? {}).some(mentionsId)) {
        issue('valueTemplate', `must contain {{id}} (or keyTemplate must) when canaries are matched by ${rule.by}`);
      }
    }),
  );

type Parsed = z.output<typeof schema>;

/**
 * The output cluster's connection: the input's, with whatever output settings are given on top. Credentials
 * go together: an output secret or user replaces the input's pair, and an output auth that is not SCRAM
 * takes none.
 */
function outputConnection(c: Omit<Parsed, 'tls'> & { tls?: boolean }) {
  const auth = c.outputAuth ?? c.auth;
  // The input's SCRAM credentials carry over only to an output that speaks SCRAM and names none of its own.
  const ownCredentials = c.outputSaslUsername !== undefined || c.outputScramSecretArn !== undefined || !auth.startsWith('scram');
  return {
    ...c,
    auth,
    tls: c.outputTls ?? (c.outputAuth === undefined ? c.tls : undefined),
    tlsCaPem: c.outputTlsCaPem ?? c.tlsCaPem,
    saslUsername: ownCredentials ? c.outputSaslUsername : c.saslUsername,
    saslPassword: ownCredentials ? c.outputSaslPassword : c.saslPassword,
    scramSecretArn: ownCredentials ? c.outputScramSecretArn : c.scramSecretArn,
  };
}

const connectionOf = (c: Omit<ConnectionSettings, 'tls'> & { tls?: boolean }): ConnectionSettings => {
  const { auth, tls, tlsCaPem, tlsCertPem, tlsKeyPem, tlsRejectUnauthorized, saslUsername, saslPassword, scramSecretArn, region } = c;
  return resolveConnection({ auth, tls, tlsCaPem, tlsCertPem, tlsKeyPem, tlsRejectUnauthorized, saslUsername, saslPassword, scramSecretArn, region });
};

export type PipelineConfig = Omit<Parsed, 'match' | 'outputBrokers' | keyof ConnectionSettings | `output${string}`> & {
  match: MatchRule;
  outputBrokers: string[];
  outputTopic: string;
  input: ConnectionSettings;
  output: ConnectionSettings;
  /** The flag or variable that set each setting a run can find wrong, for its errors. */
  names: { readonly inputTopic: string; readonly outputTopic: string; readonly match: string };
};

export function parsePipelineConfig(raw: Record<string, unknown>, name: FieldNamer = (f) => f): PipelineConfig {
  const result = schema.safeParse(raw);
  if (!result.success) throw configError(result.error.issues, raw, name);
  const c = result.data;
  return {
    ...c,
    match: parseMatch(c.match),
    outputBrokers: c.outputBrokers ?? c.inputBrokers,
    input: connectionOf(c),
    output: connectionOf(outputConnection(c)),
    names: { inputTopic: name('inputTopic'), outputTopic: name('outputTopic'), match: name('match') },
  };
}

/** The pipeline Lambda's configuration, from its STREAMPROBE_* variables; errors name the variable. */
export function pipelineConfigFromEnv(env: NodeJS.ProcessEnv): PipelineConfig {
  return parsePipelineConfig(rawConfigFromEnv(env, PIPELINE_ENV), envNamer(PIPELINE_ENV));
}
