/**
 * Finds the canary id in an output record: in its key, in a header, at a JSON path of its value, or by a
 * regular expression on its value. The id is whatever survived the application's transformation.
 */
import { CANARY_ID_IN_TEXT, CANARY_ID_PATTERN } from './canary-id';
import { CANARY_HEADER } from './template';

export type MatchRule =
  | { readonly by: 'key' }
  | { readonly by: 'header'; readonly name?: string }
  | { readonly by: 'jsonPath'; readonly path: string }
  | { readonly by: 'regex'; readonly pattern: string };

export interface OutputRecord {
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** `$.a.b[0].c` as a list of property names and indexes; throws on what it cannot read. */
export function parseJsonPath(path: string): Array<string | number> {
  if (!path.startsWith('$')) throw new Error('must start with $');
  const steps: Array<string | number> = [];
  const re = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']+)'\]/y;
  let at = 1;
  while (at < path.length) {
    re.lastIndex = at;
    const m = re.exec(path);
    if (!m) throw new Error(`cannot read "${path.slice(at)}" (use $.name, $['name'] or [index])`);
    steps.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]!));
    at = re.lastIndex;
  }
  return steps;
}

/** Checks a rule once, at start-up: a pattern that does not compile or captures nothing can never match. */
export function checkMatchRule(rule: MatchRule): string | undefined {
  try {
    if (rule.by === 'jsonPath') parseJsonPath(rule.path);
    if (rule.by === 'regex') {
      const re = new RegExp(rule.pattern);
      if (new RegExp(`${re.source}|`).exec('')!.length < 2) return 'needs a capture group around the id, e.g. "order-(sp[0-9a-z]+)"';
    }
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

function idIn(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  if (CANARY_ID_PATTERN.test(text)) return text;
  return text.match(CANARY_ID_IN_TEXT)?.[0];
}

export function extractId(rule: MatchRule, record: OutputRecord): string | undefined {
  switch (rule.by) {
    case 'key':
      return idIn(record.key);
    case 'header':
      return idIn(record.headers[rule.name ?? CANARY_HEADER]);
    case 'regex': {
      const m = record.value === null ? null : new RegExp(rule.pattern).exec(record.value);
      return idIn(m?.[1]);
    }
    case 'jsonPath': {
      if (record.value === null) return undefined;
      let node: unknown;
      try {
        node = JSON.parse(record.value);
      } catch {
        return undefined;
      }
      for (const step of parseJsonPath(rule.path)) {
        if (node === null || typeof node !== 'object') return undefined;
        node = (node as Record<string | number, unknown>)[step];
      }
      return typeof node === 'string' ? idIn(node) : undefined;
    }
  }
}
