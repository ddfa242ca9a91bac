/**
 * The one place a kafkajs client is made, for every check in every process (the CLI and the Lambdas alike):
 * every kafkajs patch is applied before the first client, and a patch that no longer matches the installed
 * kafkajs is reported once as a process warning instead of going unnoticed.
 */
import { Kafka, type KafkaConfig, type logCreator, logLevel } from 'kafkajs';
import type { ConnectionSettings } from '../../config/fields';
import { kafkaClientOptions, type ResolvedCredentials } from './client-options';
import { applyKafkajsPatches, missingPatches, type PatchReport } from './kafkajs-patches';

let warned = false;

/** Applies the patches (once) and warns once about any that did not apply. */
export function patchedKafkajs(): PatchReport {
  const report = applyKafkajsPatches();
  if (!warned) {
    warned = true;
    for (const line of missingPatches(report)) process.emitWarning(line, { code: 'STREAMPROBE_KAFKAJS_PATCH' });
  }
  return report;
}

/** A kafkajs client from raw options, patched. Prefer kafkaClient, which applies the connection settings. */
export function createKafka(config: KafkaConfig): Kafka {
  patchedKafkajs();
  return new Kafka(config);
}

export interface ClientSpec {
  /** How to reach the cluster, and the run budget the client's timeouts are derived from. */
  readonly connection: ConnectionSettings & { readonly brokers: readonly string[]; readonly runTimeoutMs: number };
  readonly clientId: string;
  readonly logCreator: logCreator;
  /** SCRAM credentials read from a secret; otherwise the connection's own. */
  readonly credentials?: ResolvedCredentials;
  /** The seed brokers in the order to try them, asked again for every new connection. Default: the connection's. */
  readonly brokers?: () => string[];
  /** This check's own timeouts and retries, over the defaults. */
  readonly overrides?: Pick<KafkaConfig, 'connectionTimeout' | 'requestTimeout' | 'retry'>;
}

/** A client of one cluster, with its TLS and SASL and the project's bounded timeouts. */
export function kafkaClient(spec: ClientSpec): Kafka {
  const options = kafkaClientOptions(spec.connection, spec.clientId, spec.logCreator, spec.credentials, spec.brokers ?? spec.connection.brokers);
  return createKafka({ ...options, logLevel: logLevel.INFO, ...spec.overrides });
}
