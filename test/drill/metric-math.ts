/**
 * The part of CloudWatch metric math the synthesized alarms use, evaluated over one alarm's evaluation range:
 * numbers, metric ids, + - * /, comparisons (< > <= >= == !=, giving 1 or 0), AND/OR, and the functions
 * FILL(s, v), IF(c, a[, b]), DIFF(s), ABS(s). After the User Guide ("Metric math syntax and functions"): an
 * operation on series is defined where all its operands have a datapoint, FILL gives every period one, DIFF
 * subtracts the previous datapoint of the series (the first datapoint of the range has none), and IF without
 * a false value gives no datapoint where the condition is false.
 */

export type Series = ReadonlyArray<number | undefined>;

type Node =
  | { kind: 'num'; value: number }
  | { kind: 'id'; name: string }
  | { kind: 'call'; fn: string; args: Node[] }
  | { kind: 'bin'; op: string; left: Node; right: Node }
  | { kind: 'neg'; arg: Node };

const TOKEN = /\s*(\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|<=|>=|==|!=|[-+*/(),<>])/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`metric math: cannot read "${text.slice(at, at + 20)}" in ${text}`);
    tokens.push(m[1]!);
    at = TOKEN.lastIndex;
  }
  return tokens;
}

/** Precedence climbing: OR < AND < comparisons < + - < * / < unary minus. */
const LEVELS: ReadonlyArray<readonly string[]> = [['OR'], ['AND'], ['<', '>', '<=', '>=', '==', '!='], ['+', '-'], ['*', '/']];

export function parseExpression(text: string): Node {
  const tokens = tokenize(text);
  let i = 0;
  const expect = (t: string) => {
    if (tokens[i++] !== t) throw new Error(`metric math: expected "${t}" in ${text}`);
  };
  const level = (n: number): Node => {
    if (n === LEVELS.length) return unary();
    let left = level(n + 1);
    while (i < tokens.length && LEVELS[n]!.includes(tokens[i]!)) {
      const op = tokens[i++]!;
      left = { kind: 'bin', op, left, right: level(n + 1) };
    }
    return left;
  };
  const unary = (): Node => {
    if (tokens[i] === '-') {
      i++;
      return { kind: 'neg', arg: unary() };
    }
    return primary();
  };
  const primary = (): Node => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`metric math: ${text} ends early`);
    if (t === '(') {
      const inner = level(0);
      expect(')');
      return inner;
    }
    if (/^\d/.test(t)) return { kind: 'num', value: Number(t) };
    if (tokens[i] === '(') {
      i++;
      const args: Node[] = [];
      if (tokens[i] !== ')') {
        args.push(level(0));
        while (tokens[i] === ',') {
          i++;
          args.push(level(0));
        }
      }
      expect(')');
      return { kind: 'call', fn: t.toUpperCase(), args };
    }
    return { kind: 'id', name: t };
  };
  const node = level(0);
  if (i !== tokens.length) throw new Error(`metric math: unexpected "${tokens[i]}" in ${text}`);
  return node;
}

function binary(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '<':
      return a < b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case 'AND':
      return a !== 0 && b !== 0 ? 1 : 0;
    case 'OR':
      return a !== 0 || b !== 0 ? 1 : 0;
  }
  throw new Error(`metric math: operator ${op}`);
}

/** A scalar or a series over the range: scalars stay scalars until they meet a series. */
type Value = number | Series;

const at = (v: Value, k: number): number | undefined => (typeof v === 'number' ? v : v[k]);

/** Evaluates the expression over `length` periods, given each metric id's series over the same periods. */
export function evaluateExpression(node: Node, metrics: Readonly<Record<string, Series>>, length: number): Series {
  const value = evaluate(node, metrics, length);
  return typeof value === 'number' ? Array<number>(length).fill(value) : value;
}

function evaluate(node: Node, metrics: Readonly<Record<string, Series>>, length: number): Value {
  const each = (f: (k: number) => number | undefined): Series => Array.from({ length }, (_, k) => f(k));
  switch (node.kind) {
    case 'num':
      return node.value;
    case 'id': {
      const series = metrics[node.name];
      if (!series) throw new Error(`metric math: unknown id ${node.name}`);
      return series;
    }
    case 'neg': {
      const v = evaluate(node.arg, metrics, length);
      return typeof v === 'number' ? -v : each((k) => (v[k] === undefined ? undefined : -v[k]!));
    }
    case 'bin': {
      const l = evaluate(node.left, metrics, length);
      const r = evaluate(node.right, metrics, length);
      if (typeof l === 'number' && typeof r === 'number') return binary(node.op, l, r);
      return each((k) => {
        const a = at(l, k);
        const b = at(r, k);
        return a === undefined || b === undefined ? undefined : binary(node.op, a, b);
      });
    }
    case 'call':
      return call(node.fn, node.args, metrics, length, each);
  }
}

function call(
  fn: string,
  args: Node[],
  metrics: Readonly<Record<string, Series>>,
  length: number,
  each: (f: (k: number) => number | undefined) => Series,
): Value {
  const v = args.map((a) => evaluate(a, metrics, length));
  switch (fn) {
    case 'FILL':
      return each((k) => at(v[0]!, k) ?? (at(v[1]!, k) as number));
    case 'ABS':
      return typeof v[0] === 'number' ? Math.abs(v[0]) : each((k) => (at(v[0]!, k) === undefined ? undefined : Math.abs(at(v[0]!, k)!)));
    case 'IF':
      return each((k) => {
        const c = at(v[0]!, k);
        if (c === undefined) return undefined;
        return c !== 0 ? at(v[1]!, k) : v[2] === undefined ? undefined : at(v[2], k);
      });
    case 'DIFF': {
      let previous: number | undefined;
      return each((k) => {
        const x = at(v[0]!, k);
        if (x === undefined) return undefined;
        const d = previous === undefined ? undefined : x - previous;
        previous = x;
        return d;
      });
    }
  }
  throw new Error(`metric math: the drill does not model ${fn}`);
}
