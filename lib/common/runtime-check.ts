/**
 * Runs a Lambda's own configuration schema over the environment the construct gives it, so a deploy can
 * never ship a function that rejects its environment at cold start. Values only known at deploy time
 * (tokens: a secret's ARN, a parameter) are left to the cold-start check: each gets a stand-in, so that
 * what depends on its presence (a SCRAM secret instead of a user name) and everything else is checked.
 */
import { Token } from 'aws-cdk-lib';
import { ConfigError, type FieldNamer, rawConfigFromEnv } from '../../lambda/config/fields';
import { type AuthMode, ENV } from '../../lambda/contract';
import { TargetConfigError } from './props';

export interface RuntimeCheck<C> {
  /** What is configured and its name, for the message: target "orders", pipeline "billing-flow". */
  readonly kind: string;
  readonly name: string;
  /** The Lambda's field-to-variable map, and its parser. */
  readonly variables: Readonly<Record<string, string>>;
  readonly parse: (raw: Record<string, unknown>, name: FieldNamer) => C;
  /** The construct prop behind each runtime field, where the two names differ. */
  readonly propOf?: Readonly<Record<string, string>>;
}

/** Stand-ins for tokens of fields with a format; any other token stands in as a plain word. */
const FORMATTED_STAND_INS: Readonly<Record<string, string>> = {
  brokers: 'deploy-time.invalid:9092',
  inputBrokers: 'deploy-time.invalid:9092',
  outputBrokers: 'deploy-time.invalid:9092',
  region: 'us-east-1',
  scramSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:deploy-time',
  outputScramSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:deploy-time',
  tlsCaPem: '-----BEGIN CERTIFICATE-----',
  outputTlsCaPem: '-----BEGIN CERTIFICATE-----',
};

/**
 * The configuration the Lambda will read, with every default the runtime schema gives: a construct reads
 * what it needs back from here instead of knowing the defaults itself. A token's value is its stand-in.
 */
export function checkRuntimeEnvironment<C>(check: RuntimeCheck<C>, env: Readonly<Record<string, string>>): C {
  const fieldOf = new Map(Object.entries(check.variables).map(([field, variable]) => [variable, field]));
  const known = Object.fromEntries(
    Object.entries(env).map(([variable, value]) => [
      variable,
      Token.isUnresolved(value) ? (FORMATTED_STAND_INS[fieldOf.get(variable) ?? ''] ?? 'deploy-time-value') : value,
    ]),
  );
  try {
    return check.parse(rawConfigFromEnv(known, check.variables), (field) => check.propOf?.[field] ?? field);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const [first, ...rest] = error.issues;
    const [field, ...problem] = first!.split(': ');
    throw new TargetConfigError(
      check.name,
      field!,
      `is not accepted by the ${check.kind === 'target' ? 'probe' : check.kind} Lambda, which would reject it at cold start: ${problem.join(': ')}${rest.length ? ` (also: ${rest.join('; ')})` : ''}`,
      check.kind,
    );
  }
}

/** The environment a construct passes, without the settings it leaves unset. */
export function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * The variables every check's Lambda reads alike: how it reaches its cluster (the pipeline's input; its
 * output has variables of its own), and where its metrics go. `region` only when a connection signs with it.
 */
export function connectionEnvironment(
  c: { readonly auth: AuthMode; readonly tls: boolean; readonly scramSecretArn?: string },
  tlsCaPem: string | undefined,
  region: string | undefined,
): Record<string, string | undefined> {
  return { [ENV.auth]: c.auth, [ENV.tls]: String(c.tls), [ENV.tlsCaPem]: tlsCaPem, [ENV.scramSecretArn]: c.scramSecretArn, [ENV.region]: region };
}

/** Metrics go to the CloudWatch API from a Lambda, in `namespace` (unset: the schema's default). */
export function metricsEnvironment(namespace: string | undefined, highResolution?: boolean): Record<string, string | undefined> {
  return { [ENV.metricsNamespace]: namespace, [ENV.metricsSink]: 'api', [ENV.metricsHighResolution]: highResolution?.toString() };
}
