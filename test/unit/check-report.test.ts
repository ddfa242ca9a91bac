/**
 * One report envelope for every check, one runtime: the envelope says the same thing as the kind's own
 * report, and the runtime plans the budget, scrubs every known secret once, logs and publishes, for any
 * check alike. The check here measures nothing real: the runtime is what is under test.
 */
import { describe, expect, it } from 'vitest';
import { ProbeLogger } from '../../lambda/adapters/logger';
import type { CheckKind } from '../../lambda/contract';
import type { RunBudget } from '../../lambda/core/budget';
import type { AnyCheckReport, DetailsByKind } from '../../lambda/core/check-report';
import type { GroupLagReport, LagCheckReport } from '../../lambda/core/lag/report';
import { failedReport } from '../../lambda/core/roundtrip/reconcile';
import { checkReport, handlerResultOf, logLinesOf, screenOf } from '../../lambda/core/serializers';
import { type Check, CheckRuntime, type ReportSink } from '../../lambda/runtime';
import { CapturedOutput } from '../helpers/kafka';

const SECRET = 'hunter2-very-secret';

function failedRoundTrip(message = 'connection refused') {
  return failedReport(
    {
      probe: 'orders',
      runId: 'r1',
      topic: 'canary',
      startedAt: '2026-12-04T10:00:00.000Z',
      warm: false,
      leaders: {},
      brokers: [],
      timings: { connectMs: 1, prepareMs: 2, runMs: 3 },
    },
    [{ phase: 'connect', type: 'KafkaJSConnectionError', message }],
  );
}

const group = (status: GroupLagReport['status']): GroupLagReport => ({
  group: 'billing',
  exists: true,
  state: 'Stable',
  members: 1,
  status,
  reasons: [],
  totalOffsetLag: 0n,
  maxOffsetLag: 0n,
  laggingPartitions: 0,
  retentionLost: 0n,
  partitions: [],
  checkedAt: '2026-12-04T10:00:00.000Z',
});

const lag = (overrides: Partial<LagCheckReport>): LagCheckReport => ({
  check: 'lag',
  runId: 'l1',
  checkedAt: '2026-12-04T10:00:00.000Z',
  succeeded: true,
  groups: [group('OK')],
  problems: [],
  errors: [],
  runMs: 12,
  partitionMetrics: false,
  ...overrides,
});

/** A check that measures what it is given: the runtime around it is real. */
class GivenCheck<K extends CheckKind> implements Check<K> {
  budgets: RunBudget[] = [];
  closed = false;
  constructor(
    readonly kind: K,
    private readonly details: DetailsByKind[K],
    private readonly runTimeoutMs = 6000,
  ) {}
  budget(startedAt: number, lambdaRemainingMs?: number): RunBudget {
    const total = Math.min(this.runTimeoutMs, (lambdaRemainingMs ?? Number.POSITIVE_INFINITY) - 1000);
    return { measureBy: startedAt + total - 1500, reportBy: startedAt + total - 100 };
  }
  async measure(budget: RunBudget): Promise<DetailsByKind[K]> {
    this.budgets.push(budget);
    return this.details;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('the report envelope', () => {
  it("says what the kind's own report says: name, run id, start, outcome, timings, problems, errors", () => {
    const details = failedRoundTrip();
    const r = checkReport('roundtrip', details);
    expect(r).toMatchObject({ kind: 'roundtrip', name: 'orders', runId: 'r1', startedAt: details.startedAt, outcome: 'failed', timings: details.timings });
    expect(r.errors).toEqual(details.errors);
    expect(r.details).toBe(details);
  });

  it('gives a lag check an outcome: failed when the cluster could not be read, degraded when a group is not OK', () => {
    expect(checkReport('lag', lag({})).outcome).toBe('healthy');
    expect(checkReport('lag', lag({ groups: [group('OK'), group('STOPPED')] })).outcome).toBe('degraded');
    expect(checkReport('lag', lag({ succeeded: false, groups: [] })).outcome).toBe('failed');
    expect(checkReport('lag', lag({})).startedAt).toBe('2026-12-04T10:00:00.000Z');
  });

  it("writes the kind's own log lines and screen text, and its handler result", () => {
    const r = checkReport('roundtrip', failedRoundTrip()) as AnyCheckReport;
    expect(logLinesOf(r).map((l) => [l.level, l.fields.event])).toEqual([
      ['error', 'run_summary'],
      ['error', 'run_error'],
    ]);
    expect(screenOf(r)).toContain('probe orders  run r1  FAILED');
    expect(handlerResultOf(r)).toEqual({ runId: 'r1', outcome: 'failed', sent: 0, received: 0, lost: 0 });
    const l = checkReport('lag', lag({ groups: [group('STOPPED')] })) as AnyCheckReport;
    expect(logLinesOf(l).map((x) => x.fields.event)).toEqual(['lag_check', 'lag_summary']);
    expect(handlerResultOf(l)).toEqual({ runId: 'l1', succeeded: true, groups: { billing: 'STOPPED' } });
  });
});

describe('the one runtime', () => {
  it('scrubs every known secret from the report once, before it is logged, published or returned', async () => {
    const check = new GivenCheck('roundtrip', failedRoundTrip(`SASL authentication failed for password ${SECRET}`));
    const published: AnyCheckReport[] = [];
    const sink: ReportSink = { publish: async (report) => void published.push(report) };
    const output = new CapturedOutput().start();
    try {
      const report = await new CheckRuntime(check, { logger: new ProbeLogger({ secrets: [SECRET] }), sinks: [sink] }).runOnce();
      expect(report.errors[0]!.message).toBe('SASL authentication failed for password [REDACTED]');
      expect(report.details.errors[0]!.message).toBe('SASL authentication failed for password [REDACTED]');
      expect(JSON.stringify(published)).not.toContain(SECRET);
      expect(output.text).not.toContain(SECRET);
      expect(output.events('run_error')[0]).toMatchObject({ errorMessage: 'SASL authentication failed for password [REDACTED]' });
    } finally {
      output.stop();
    }
  });

  it("hands the check a budget within the Lambda's remaining time and the sinks the same deadline to report by", async () => {
    const check = new GivenCheck('lag', lag({}), 20_000);
    const deadlines: number[] = [];
    const sink: ReportSink = { publish: async (_report, reportBy) => void deadlines.push(reportBy) };
    const output = new CapturedOutput().start();
    try {
      const runtime = new CheckRuntime(check, { logger: new ProbeLogger({ level: 'SILENT' }), sinks: [sink, sink] });
      const before = performance.now();
      await runtime.runOnce(5000);
      expect(check.budgets[0]!.reportBy - before).toBeLessThanOrEqual(4000);
      expect(deadlines).toEqual([check.budgets[0]!.reportBy, check.budgets[0]!.reportBy]);
      await runtime.close();
      expect(check.closed).toBe(true);
    } finally {
      output.stop();
    }
  });
});
