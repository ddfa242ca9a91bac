/** Each check's serializer by kind, and the dispatch every writer goes through. */
import type { CheckKind } from '../contract';
import type { AnyCheckReport, CheckReport, DetailsByKind } from './check-report';
import { lagSerializer } from './lag/serialize';
import { loadSerializer } from './load/serialize';
import type { Datum, DatumOptions } from './metric-datums';
import { pipelineSerializer } from './pipeline/serialize';
import { roundTripSerializer } from './roundtrip/serialize';
import type { CheckSerializer, LogLine } from './serializer';

export const SERIALIZERS: { readonly [K in CheckKind]: CheckSerializer<K> } = {
  roundtrip: roundTripSerializer,
  pipeline: pipelineSerializer,
  lag: lagSerializer,
  load: loadSerializer,
};

function serializerOf(report: AnyCheckReport): CheckSerializer<CheckKind> {
  return SERIALIZERS[report.kind] as unknown as CheckSerializer<CheckKind>;
}

/** The report of a check of kind `kind` from what it measured. */
export function checkReport<K extends CheckKind>(kind: K, details: DetailsByKind[K]): CheckReport<K> {
  return (SERIALIZERS[kind] as CheckSerializer<K>).envelope(details);
}

export const datumsOf = (report: AnyCheckReport, options: DatumOptions = {}): Datum[] => serializerOf(report).datums(report, options);
export const logLinesOf = (report: AnyCheckReport): LogLine[] => serializerOf(report).logLines(report);
export const screenOf = (report: AnyCheckReport): string => serializerOf(report).screen(report);
export const handlerResultOf = (report: AnyCheckReport): Record<string, unknown> => serializerOf(report).result(report);
