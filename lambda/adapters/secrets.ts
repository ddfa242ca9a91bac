/**
 * Reads SCRAM credentials from Secrets Manager at run time, so the password is never in an environment
 * variable or a template. The secret holds JSON: {"username": "...", "password": "..."}.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ResolvedCredentials } from './kafka/client-options';

export function parseScramSecret(secretString: string | undefined, arn: string): ResolvedCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString ?? '');
  } catch {
    // The message must not quote the secret: it may be the bare password.
    throw new Error(`secret ${arn} is not JSON with "username" and "password"`);
  }
  const { username, password } = (parsed ?? {}) as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || !username || typeof password !== 'string' || !password) {
    throw new Error(`secret ${arn} must hold non-empty "username" and "password" strings`);
  }
  return { username, password };
}

/** A credentials provider that reads the secret once per container and keeps it while warm. */
export function scramSecretProvider(arn: string, client = new SecretsManagerClient({})): () => Promise<ResolvedCredentials> {
  let cached: Promise<ResolvedCredentials> | undefined;
  return () => {
    cached ??= client
      .send(new GetSecretValueCommand({ SecretId: arn }))
      .then((out) => parseScramSecret(out.SecretString, arn))
      .catch((error: unknown) => {
        cached = undefined; // try again next run
        throw error;
      });
    return cached;
  };
}
