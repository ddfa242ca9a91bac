/**
 * Every change this project makes to kafkajs (2.2.4, unmaintained since 2023), applied once per process by
 * the client factory before its first client. Each patch recognises the kafkajs internals it changes and
 * leaves an unknown version alone; the report says which applied, so a kafkajs that stopped matching is
 * seen (a warning at the first client, and a failing test) instead of quietly losing what the patch gave.
 */
import { registerCompressionCodecs } from './codecs';
import { keepFetchAnswers } from './fetch-answers';
import { scopeMetadataErrors } from './metadata-scope';
import { keepProduceAnswers } from './produce-answers';
import { stampRequests } from './request-stamps';

/** What each patch gives; a patch that did not apply loses exactly this. */
export const KAFKAJS_PATCHES = {
  compressionCodecs: { apply: registerCompressionCodecs, gives: 'reading snappy, lz4 and zstd batches' },
  metadataScope: { apply: scopeMetadataErrors, gives: 'runs that survive a leaderless partition of another topic' },
  produceAnswers: { apply: keepProduceAnswers, gives: 'judging each partition on its own produce answer' },
  fetchAnswers: { apply: keepFetchAnswers, gives: 'judging each partition on its own fetch answer' },
  requestStamps: { apply: stampRequests, gives: 'latency samples timed at the wire' },
} as const;

export type KafkajsPatch = keyof typeof KAFKAJS_PATCHES;
export type PatchReport = Readonly<Record<KafkajsPatch, boolean>>;

let applied: PatchReport | undefined;

/** Applies every patch once (later calls return the first report). */
export function applyKafkajsPatches(): PatchReport {
  applied ??= Object.fromEntries(Object.entries(KAFKAJS_PATCHES).map(([name, p]) => [name, p.apply()])) as Record<KafkajsPatch, boolean>;
  return applied;
}

/** One line per patch that did not apply, saying what is lost. */
export function missingPatches(report: PatchReport): string[] {
  return (Object.keys(report) as KafkajsPatch[])
    .filter((name) => !report[name])
    .map((name) => `kafkajs patch ${name} did not apply to this kafkajs version, so it goes without ${KAFKAJS_PATCHES[name].gives}`);
}
