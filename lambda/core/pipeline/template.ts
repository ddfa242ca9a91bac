/**
 * Renders what a pipeline canary looks like on the input topic: a value (JSON or text) and an optional key
 * from templates with placeholders, plus headers. Every canary also carries the canary header, so sinks can
 * drop canaries (a Kafka Connect Filter with HasHeaderKey, a Kafka Streams filter on the header).
 */
export const CANARY_HEADER = 'streamprobe-canary';
/** Names the pipeline a canary belongs to, so a new process can find its predecessor's canaries. */
export const PIPELINE_HEADER = 'streamprobe-pipeline';
const PLACEHOLDER = /\{\{\s*(id|sentAtMs|sentAtIso|pipeline)\s*\}\}/g;

export interface CanaryTemplates {
  readonly value: string;
  readonly key?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RenderedCanary {
  readonly key?: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

export function fill(template: string, v: { id: string; sentAtMs: number; pipeline: string }): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    switch (name) {
      case 'id':
        return v.id;
      case 'sentAtMs':
        return String(v.sentAtMs);
      case 'sentAtIso':
        return new Date(v.sentAtMs).toISOString();
      default:
        return v.pipeline;
    }
  });
}

export function renderCanary(t: CanaryTemplates, v: { id: string; sentAtMs: number; pipeline: string }): RenderedCanary {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(t.headers ?? {})) headers[name] = fill(value, v);
  headers[CANARY_HEADER] = v.id;
  headers[PIPELINE_HEADER] = v.pipeline;
  return { key: t.key === undefined ? undefined : fill(t.key, v), value: fill(t.value, v), headers };
}

/** Placeholders a template names that the renderer does not know (a typo would ship literally). */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]!).filter((n) => !['id', 'sentAtMs', 'sentAtIso', 'pipeline'].includes(n));
}

export const mentionsId = (template: string | undefined) => template !== undefined && /\{\{\s*id\s*\}\}/.test(template);
