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

/** The rule as it is written on the command line: "jsonpath:$.id", "regex:…". */
export function ruleText(rule: MatchRule): string {
  switch (rule.by) {
    case 'key':
      return 'key';
    case 'header':
      return rule.name ? `header:${rule.name}` : 'header';
    case 'jsonPath':
      return `jsonpath:${rule.path}`;
    case 'regex':
      return `regex:${rule.pattern}`;
  }
}

/**
 * Checks a rule once, at start-up: a pattern that does not compile, or whose capture of the id is not
 * plain (none, or several unnamed), can never match or would match the wrong text.
 */
export function checkMatchRule(rule: MatchRule): string | undefined {
  try {
    if (rule.by === 'jsonPath') parseJsonPath(rule.path);
    if (rule.by === 'regex') {
      const re = new RegExp(rule.pattern);
      const groups = new RegExp(`${re.source}|`).exec('')!;
      if (groups.length < 2) return 'needs a capture group around the id, e.g. "order-(sp[0-9a-z]+)"';
      if (groups.length > 2 && !(groups.groups && 'id' in groups.groups))
        return `has ${groups.length - 1} capture groups: name the id's (?<id>...) or make the others non-capturing (?:...)`;
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
      return idIn(m?.groups?.id ?? m?.[1]);
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

/**
 * A canary id anywhere in the record (the canary header first: Kafka Streams and Kafka Connect copy
 * headers), for an output the rule found nothing in: a canary that came out where the rule does not look.
 */
export function anyCanaryId(record: OutputRecord): string | undefined {
  return idIn(record.headers[CANARY_HEADER]) ?? idIn(record.key) ?? idIn(record.value);
}

/** Why the rule found no id in a record, for the error that names it. */
export function whyNoMatch(rule: MatchRule, record: OutputRecord): string {
  switch (rule.by) {
    case 'key':
      return record.key === null ? 'the record has no key' : 'its key holds no canary id';
    case 'header':
      return `it has no ${rule.name ?? CANARY_HEADER} header with a canary id`;
    case 'regex':
      return record.value === null ? 'the record has no value' : `the pattern captures no canary id in its value`;
    case 'jsonPath': {
      if (record.value === null) return 'the record has no value';
      try {
        JSON.parse(record.value);
      } catch {
        return 'its value is not JSON';
      }
      return `its value has no canary id at ${rule.path}`;
    }
  }
}
