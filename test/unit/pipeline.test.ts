import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambda/config/pipeline';
import { newCanaryId, sentAtOf } from '../../lambda/core/pipeline/canary-id';
import { decodeCarryOver, encodeCarryOver } from '../../lambda/core/pipeline/carry-over';
import { anyCanaryId, checkMatchRule, extractId, parseJsonPath, whyNoMatch } from '../../lambda/core/pipeline/match';
import { type PipelineRunInput, reconcilePipeline } from '../../lambda/core/pipeline/reconcile';
import { CANARY_HEADER, mentionsId, PIPELINE_HEADER, renderCanary, unknownPlaceholders } from '../../lambda/core/pipeline/template';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

describe('pipeline canary ids', () => {
  it('are lowercase letters and digits that carry their send time', () => {
    const id = newCanaryId(T0, () => 0.5);
    expect(id).toMatch(/^sp[0-9a-z]{15}$/);
    expect(sentAtOf(id)).toBe(T0);
    expect(sentAtOf('hello')).toBeUndefined();
    // What a word-splitting, lowercasing application does to text keeps the id whole.
    expect(`Canary ${id}, please`.toLowerCase().split(/\W+/)).toContain(id);
  });
});

describe('pipeline canary templates', () => {
  it('fill the placeholders in value, key and headers, and always add the canary header', () => {
    const r = renderCanary(
      { value: '{"orderId":"{{id}}","at":"{{sentAtIso}}","ms":{{sentAtMs}}}', key: 'k-{{id}}', headers: { source: '{{pipeline}}' } },
      { id: 'spx', sentAtMs: T0, pipeline: 'orders' },
    );
    expect(JSON.parse(r.value)).toEqual({ orderId: 'spx', at: '2026-11-22T10:00:00.000Z', ms: T0 });
    expect(r.key).toBe('k-spx');
    expect(r.headers).toEqual({ source: 'orders', [CANARY_HEADER]: 'spx', [PIPELINE_HEADER]: 'orders' });
  });

  it('say which placeholders are unknown, and whether the id is there at all', () => {
    expect(unknownPlaceholders('{{id}} {{ sentAt }} {{pipeline}}')).toEqual(['sentAt']);
    expect(mentionsId('x {{ id }} y')).toBe(true);
    expect(mentionsId('x {{pipeline}}')).toBe(false);
    expect(mentionsId(undefined)).toBe(false);
  });
});

describe('finding the id in an output record', () => {
  const id = newCanaryId(T0, () => 0.1);
  const rec = (over: Partial<{ key: string | null; value: string | null; headers: Record<string, string> }>) => ({
    key: null,
    value: null,
    headers: {},
    ...over,
  });

  it('by key, header, JSON path or a regular expression with a capture group', () => {
    expect(extractId({ by: 'key' }, rec({ key: id }))).toBe(id);
    expect(extractId({ by: 'key' }, rec({ key: `order-${id}` }))).toBe(id);
    expect(extractId({ by: 'header' }, rec({ headers: { [CANARY_HEADER]: id } }))).toBe(id);
    expect(extractId({ by: 'jsonPath', path: '$.order.ids[1]' }, rec({ value: JSON.stringify({ order: { ids: ['a', id] } }) }))).toBe(id);
    expect(extractId({ by: 'regex', pattern: 'ref=(\\w+)' }, rec({ value: `total=3 ref=${id}` }))).toBe(id);
    expect(extractId({ by: 'regex', pattern: '(order|refund)-(?<id>\\w+)' }, rec({ value: `refund-${id}` }))).toBe(id);
  });

  it('says where a canary the rule cannot see is, and why the rule missed it', () => {
    const streamsOutput = rec({ key: 'word', value: '\u0000\u0000\u0003', headers: { [CANARY_HEADER]: id } });
    expect(extractId({ by: 'jsonPath', path: '$.canary' }, streamsOutput)).toBeUndefined();
    expect(anyCanaryId(streamsOutput)).toBe(id);
    expect(whyNoMatch({ by: 'jsonPath', path: '$.canary' }, streamsOutput)).toBe('its value is not JSON');
    expect(whyNoMatch({ by: 'jsonPath', path: '$.canary' }, rec({ value: '{"a":1}' }))).toBe('its value has no canary id at $.canary');
    expect(whyNoMatch({ by: 'key' }, rec({}))).toBe('the record has no key');
    expect(anyCanaryId(rec({ key: 'customer-42', value: 'hello' }))).toBeUndefined();
  });

  it('finds nothing in records that are not canaries, and never throws on them', () => {
    expect(extractId({ by: 'key' }, rec({ key: 'customer-42' }))).toBeUndefined();
    expect(extractId({ by: 'jsonPath', path: '$.a' }, rec({ value: 'not json' }))).toBeUndefined();
    expect(extractId({ by: 'jsonPath', path: '$.a.b' }, rec({ value: '{"a":3}' }))).toBeUndefined();
    expect(extractId({ by: 'regex', pattern: 'ref=(\\w+)' }, rec({ value: null }))).toBeUndefined();
  });

  it('rejects, at start-up, a rule that can never match', () => {
    expect(checkMatchRule({ by: 'regex', pattern: 'ref=\\w+' })).toMatch(/capture group/);
    expect(checkMatchRule({ by: 'regex', pattern: 'ref=(' })).toMatch(/Invalid regular expression/);
    // Two groups: the first would be taken for the id, and every canary would look lost.
    expect(checkMatchRule({ by: 'regex', pattern: '(order|refund)-(sp\\w+)' })).toMatch(/has 2 capture groups: name the id's \(\?<id>/);
    expect(checkMatchRule({ by: 'regex', pattern: '(?:order|refund)-(sp\\w+)' })).toBeUndefined();
    expect(checkMatchRule({ by: 'jsonPath', path: 'order.id' })).toMatch(/must start with \$/);
    expect(checkMatchRule({ by: 'jsonPath', path: "$.order['id'][0]" })).toBeUndefined();
    expect(parseJsonPath("$.order['id'][0]")).toEqual(['order', 'id', 0]);
  });
});

describe('reconciling a pipeline run', () => {
  const base = (over: Partial<PipelineRunInput>): PipelineRunInput => ({
    pipeline: 'orders',
    runId: 'r2',
    nowMs: T0 + 10_000,
    deadlineMs: 60_000,
    expectOutputs: 1,
    sent: [],
    outputs: [],
    inFlight: [],
    concluded: new Map(),
    processStartMs: T0 - 3_600_000,
    ...over,
  });
  const out = (id: string | undefined, arrivedAtMs: number, offset = '0') => ({ id, arrivedAtMs, partition: 0, offset });

  it('a canary out in its own run is on time, with its latency; a non-canary record is ignored', () => {
    const r = reconcilePipeline(base({ sent: [{ id: 'a', sentAtMs: T0, acknowledged: true }], outputs: [out('a', T0 + 120), out(undefined, T0 + 50)] }));
    expect(r.counts).toMatchObject({ sent: 1, acknowledged: 1, onTime: 1, lost: 0, inFlight: 0 });
    expect(r.latencies).toEqual([120]);
    expect(r.availability).toBe(100);
  });

  it('one not out by the end of its run stays in flight; out in a later run before its deadline it is late, not lost', () => {
    const first = reconcilePipeline(base({ runId: 'r1', sent: [{ id: 'a', sentAtMs: T0, acknowledged: true }] }));
    expect(first.counts).toMatchObject({ inFlight: 1, lost: 0 });
    expect(first.availability).toBeUndefined();
    const second = reconcilePipeline(
      base({ runId: 'r2', inFlight: first.inFlight, concluded: first.concluded, outputs: [out('a', T0 + 25_000)], nowMs: T0 + 30_000 }),
    );
    expect(second.counts).toMatchObject({ late: 1, lost: 0, inFlight: 0 });
    expect(second.latencies).toEqual([25_000]);
    expect(second.problems).toEqual([expect.objectContaining({ status: 'late', canaryId: 'a' })]);
  });

  it('one not out by its deadline is lost, once; an output after that is reported as after its deadline', () => {
    const lost = reconcilePipeline(base({ runId: 'r9', inFlight: [{ id: 'a', runId: 'r1', sentAtMs: T0, arrivals: [] }], nowMs: T0 + 60_000 }));
    expect(lost.counts).toMatchObject({ lost: 1, inFlight: 0 });
    expect(lost.availability).toBe(0);
    const after = reconcilePipeline(base({ runId: 'r10', concluded: lost.concluded, outputs: [out('a', T0 + 61_000)], nowMs: T0 + 62_000 }));
    expect(after.counts).toMatchObject({ lost: 0, afterDeadline: 1 });
  });

  it('fan-out: complete at the Nth output; fewer by the deadline is lost; more is duplicated', () => {
    const sent = [
      { id: 'a', sentAtMs: T0, acknowledged: true },
      { id: 'b', sentAtMs: T0, acknowledged: true },
    ];
    const r = reconcilePipeline(
      base({ expectOutputs: 2, sent, outputs: [out('a', T0 + 10), out('a', T0 + 30), out('a', T0 + 40), out('b', T0 + 15)], nowMs: T0 + 60_000 }),
    );
    expect(r.counts).toMatchObject({ onTime: 1, duplicated: 1, lost: 1 });
    expect(r.latencies).toEqual([30]);
  });

  it('a canary the application must filter out: silence until the deadline is the success, any output is unexpected', () => {
    const sent = [
      { id: 'a', sentAtMs: T0, acknowledged: true },
      { id: 'b', sentAtMs: T0, acknowledged: true },
    ];
    const early = reconcilePipeline(base({ expectOutputs: 0, sent, outputs: [out('b', T0 + 5)] }));
    expect(early.counts).toMatchObject({ unexpected: 1, filtered: 0, inFlight: 1 });
    const later = reconcilePipeline(base({ expectOutputs: 0, inFlight: early.inFlight, concluded: early.concluded, nowMs: T0 + 60_000 }));
    expect(later.counts).toMatchObject({ filtered: 1, unexpected: 0 });
    expect(later.availability).toBe(100);
  });

  it("after a restart: a predecessor's canary found in the log is in time when found before its deadline (no latency sample), unknown when after; one out now is late; one never out is lost", () => {
    const processStartMs = T0 + 5_000;
    const predecessors = (id: string) => ({ id, runId: 'predecessor', sentAtMs: T0, arrivals: [] });
    const r = reconcilePipeline(
      base({
        processStartMs,
        nowMs: T0 + 60_000,
        inFlight: [predecessors('found-in-time'), predecessors('out-now'), predecessors('never'), { ...predecessors('found-late'), sentAtMs: T0 - 58_000 }],
        outputs: [
          { ...out('found-in-time', T0 + 6_000), arrivedBefore: true },
          { ...out('found-late', T0 + 6_000), arrivedBefore: true },
          out('out-now', T0 + 7_000),
        ],
      }),
    );
    expect(r.counts).toMatchObject({ onTime: 0, late: 2, lost: 1, unknown: 1, unexpected: 0 });
    // Only the output read as it came is a latency sample; the restart's start-up is in no sample.
    expect(r.latencies).toEqual([7_000]);
    expect(r.problems.find((p) => p.canaryId === 'found-in-time')?.detail).toMatch(/at most 6000 ms .* not a sample/);
    expect(r.problems.find((p) => p.canaryId === 'found-late')).toMatchObject({ status: 'unknown' });
    expect(r.availability).toBeCloseTo(200 / 3);
  });

  it('a canary out only where the match rule does not look is unmatched at its deadline, neither delivered nor lost, with where it is', () => {
    const unmatched = { id: 'a', reason: 'its value is not JSON' };
    // Before the deadline it waits: an application may write other records with the canary's headers first.
    const first = reconcilePipeline(
      base({ sent: [{ id: 'a', sentAtMs: T0, acknowledged: true }], outputs: [{ ...out(undefined, T0 + 50, '7'), unmatched }], nowMs: T0 + 1000 }),
    );
    expect(first.counts).toMatchObject({ unmatched: 0, inFlight: 1 });
    const r = reconcilePipeline(base({ inFlight: first.inFlight, concluded: first.concluded, nowMs: T0 + 60_000 }));
    expect(r.counts).toMatchObject({ unmatched: 1, lost: 0, onTime: 0, inFlight: 0 });
    expect(r.availability).toBeUndefined();
    expect(r.problems).toEqual([expect.objectContaining({ status: 'unmatched', canaryId: 'a', offset: '7', detail: expect.stringMatching(/not JSON/) })]);
  });

  it('an output that comes in the same run that declares its canary lost is reported after its deadline, with where it is', () => {
    const r = reconcilePipeline(
      base({ inFlight: [{ id: 'a', runId: 'r1', sentAtMs: T0, arrivals: [] }], outputs: [out('a', T0 + 61_000, '42')], nowMs: T0 + 62_000 }),
    );
    expect(r.counts).toMatchObject({ lost: 1, afterDeadline: 1 });
    expect(r.problems).toEqual([
      expect.objectContaining({ status: 'lost', canaryId: 'a' }),
      expect.objectContaining({ status: 'after_deadline', canaryId: 'a', partition: 0, offset: '42' }),
    ]);
  });

  it('a send that failed is not in flight; ids it never sent are unexpected, or unknown when older than the process', () => {
    const processStartMs = T0;
    const r = reconcilePipeline(
      base({
        processStartMs,
        sent: [{ id: 'a', sentAtMs: T0, acknowledged: false, error: 'NOT_ENOUGH_REPLICAS' }],
        outputs: [out(newCanaryId(T0 + 5), T0 + 9), out(newCanaryId(T0 - 1000), T0 + 9)],
      }),
    );
    expect(r.counts).toMatchObject({ sendFailed: 1, inFlight: 0, unexpected: 1, unknown: 1 });
    expect(r.problems.map((p) => p.status).sort()).toEqual(['send_failed', 'unexpected', 'unknown']);
  });
});

describe('pipeline configuration', () => {
  const ok = { pipelineName: 'orders', inputBrokers: 'a:9092', inputTopic: 'in', outputTopic: 'out' };

  it('has defaults that work: match by the canary header, one output, a minute to arrive, output on the input cluster', () => {
    const c = parsePipelineConfig(ok);
    expect(c).toMatchObject({ match: { by: 'header' }, expectOutputs: 1, deadlineMs: 60_000, outputBrokers: ['a:9092'] });
  });

  it('rejects a template without the id, a match that can never find it, and unknown placeholders, naming each field', () => {
    const fail = (raw: Record<string, unknown>) => {
      try {
        parsePipelineConfig({ ...ok, ...raw }, (f) => `--${f}`);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(fail({ match: 'key', valueTemplate: 'no id here' })).toMatch(/--valueTemplate: must contain \{\{id\}\}/);
    expect(fail({ match: 'regex:ref=\\w+' })).toMatch(/--match: needs a capture group/);
    expect(fail({ match: 'xpath:/a' })).toMatch(/--match: must be key, header/);
    expect(fail({ valueTemplate: 'canary {{id}} {{sentAT}}' })).toMatch(/--valueTemplate: unknown placeholder\(s\) \{\{sentAT\}\}/);
    expect(fail({ expectOutputs: -1 })).toMatch(/--expectOutputs: must be at least 0/);
    // The id may move from the value into the key (a word-counting application): accepted.
    expect(fail({ match: 'key', valueTemplate: 'canary {{id}}' })).toBe('accepted');
  });
});

describe('pipeline connections', () => {
  const base = { pipelineName: 'p', inputBrokers: 'in:9092', inputTopic: 'a', outputTopic: 'b' };
  const scram = { auth: 'scram-sha-512', saslUsername: 'u', saslPassword: 'pw' };

  it('the output reaches its cluster like the input unless told otherwise', () => {
    expect(parsePipelineConfig({ ...base, ...scram }).output).toMatchObject({ auth: 'scram-sha-512', saslUsername: 'u', saslPassword: 'pw', tls: false });
    expect(parsePipelineConfig({ ...base, auth: 'msk-iam' }).output).toMatchObject({ auth: 'msk-iam', tls: true });
  });

  it('an output auth that is not SCRAM takes none of the input credentials; output credentials replace the pair', () => {
    expect(parsePipelineConfig({ ...base, ...scram, outputAuth: 'none' }).output).toMatchObject({
      auth: 'none',
      saslUsername: undefined,
      saslPassword: undefined,
    });
    expect(parsePipelineConfig({ ...base, ...scram, outputSaslUsername: 'v', outputSaslPassword: 'pw2' }).output).toMatchObject({
      saslUsername: 'v',
      saslPassword: 'pw2',
    });
  });

  it('names the output field that is wrong', () => {
    expect(() => parsePipelineConfig({ ...base, outputAuth: 'scram-sha-256' })).toThrow(/outputSaslUsername: is required for auth scram-sha-256/);
    expect(() => parsePipelineConfig({ ...base, outputAuth: 'msk-iam', outputTls: 'false' })).toThrow(/outputTls: msk-iam requires TLS/);
  });
});

describe('extra canary headers', () => {
  const base = { pipelineName: 'p', inputBrokers: 'in:9092', inputTopic: 'a', outputTopic: 'b' };

  it('are templates, from an object or its JSON, and may carry the id the output is matched by', () => {
    const c = parsePipelineConfig({ ...base, headers: '{"trace-id":"{{id}}","source":"{{pipeline}}"}', match: 'header:trace-id', valueTemplate: 'x' });
    const r = renderCanary({ value: c.valueTemplate, headers: c.headers }, { id: 'sp1abc', sentAtMs: 0, pipeline: 'p' });
    expect(r.headers).toMatchObject({ 'trace-id': 'sp1abc', source: 'p', [CANARY_HEADER]: 'sp1abc' });
  });

  it('cannot replace the canary headers, and a typo in a placeholder names the setting', () => {
    expect(() => parsePipelineConfig({ ...base, headers: { [CANARY_HEADER]: 'x' } })).toThrow(
      /headers: streamprobe-canary and streamprobe-pipeline are set by streamprobe/,
    );
    expect(() => parsePipelineConfig({ ...base, headers: { a: '{{idd}}' } })).toThrow(/headers: unknown placeholder\(s\) \{\{idd\}\}/);
    expect(() => parsePipelineConfig({ ...base, headers: 'not json' })).toThrow(/headers: must be an object of header name to template/);
  });
});

describe('what one pipeline process hands the next in its commit', () => {
  const a = newCanaryId(T0);
  const b = newCanaryId(T0 + 1000);
  it('round-trips the commit time and the canaries in flight with their arrivals, across partitions', () => {
    const state = {
      committedAtMs: T0 + 5000,
      inFlight: [
        { id: a, arrivals: [T0 + 120] },
        { id: b, arrivals: [] },
      ],
    };
    const chunks = encodeCarryOver(state, 3, 60);
    expect(chunks).toHaveLength(3);
    expect(chunks.every((c) => c.length <= 60)).toBe(true);
    expect(decodeCarryOver(chunks)).toEqual({ committedAtMs: T0 + 5000, inFlight: expect.arrayContaining(state.inFlight) });
    expect(decodeCarryOver(encodeCarryOver({ committedAtMs: T0, inFlight: [] }, 1))).toEqual({ committedAtMs: T0, inFlight: [] });
  });

  it('says nothing when the state is missing, foreign, corrupt or incomplete, rather than something wrong', () => {
    const ids = Array.from({ length: 10 }, (_, i) => ({ id: newCanaryId(T0 + i), arrivals: [] }));
    const tooMany = encodeCarryOver({ committedAtMs: T0, inFlight: ids }, 2, 60);
    expect(decodeCarryOver(tooMany)).toBeUndefined();
    expect(decodeCarryOver([null])).toBeUndefined();
    expect(decodeCarryOver(['consumer-app-metadata'])).toBeUndefined();
    expect(decodeCarryOver([`sp1;${T0.toString(36)};1;not-an-id`])).toBeUndefined();
    const [one] = encodeCarryOver({ committedAtMs: T0, inFlight: [{ id: a, arrivals: [] }] }, 1);
    const [other] = encodeCarryOver({ committedAtMs: T0 + 1, inFlight: [{ id: a, arrivals: [] }] }, 1);
    expect(decodeCarryOver([one!, other!])).toBeUndefined();
  });
});
