/**
 * Runs a Lambda's own configuration schema over the environment the construct gives it, so a deploy can
 * never ship a function that rejects its environment at cold start. Values only known at deploy time
 * (tokens) are left to the cold-start check; required ones get a stand-in so everything else is checked.
 */
import { Token } from 'aws-cdk-lib';
import { ConfigError, rawConfigFromEnv, type FieldNamer } from '../lambda/config';
import { TargetConfigError } from './target-props';

export interface RuntimeCheck {
  /** What is configured and its name, for the message: target "orders", pipeline "billing-flow". */
  readonly kind: string;
  readonly name: string;
  /** The Lambda's field-to-variable map, and its parser. */
  readonly variables: Readonly<Record<string, string>>;
  readonly parse: (raw: Record<string, unknown>, name: FieldNamer) => unknown;
  /** The construct prop behind each runtime field, where the two names differ. */
  readonly propOf?: Readonly<Record<string, string>>;
  /** Stand-ins for required values that are tokens at synth time. */
  readonly standIns?: Readonly<Record<string, string>>;
}

export function checkRuntimeEnvironment(check: RuntimeCheck, env: Readonly<Record<string, string>>): void {
  const known = Object.fromEntries(Object.entries(env).filter(([, v]) => !Token.isUnresolved(v)));
  for (const [variable, standIn] of Object.entries(check.standIns ?? {})) {
    if (env[variable] !== undefined && Token.isUnresolved(env[variable])) known[variable] = standIn;
  }
  try {
    check.parse(rawConfigFromEnv(known, check.variables), (field) => check.propOf?.[field] ?? field);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const [first, ...rest] = error.issues;
    const [field, ...problem] = first!.split(': ');
    throw new TargetConfigError(check.name, field!, `is not accepted by the ${check.kind === "target" ? "probe" : check.kind} Lambda, which would reject it at cold start: ${problem.join(': ')}${rest.length ? ` (also: ${rest.join('; ')})` : ''}`, check.kind);
  }
}

/** The environment a construct passes, without the settings it leaves unset. */
export function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
