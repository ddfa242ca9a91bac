/**
 * Collects the drill's run reports from real runs against a real broker, with the faults made for real:
 * a closed port (Kafka unreachable), records deleted before they are read (loss), a partition whose
 * reading is held past the deadline (late), the probe's commit group held by another member (its offset
 * commits refused), and a CloudWatch endpoint that refuses (EMF fallback).
 */
import { randomBytes } from 'node:crypto';
import { CloudWatchPublisher } from '../../lambda/adapters/cloudwatch';
import type { KafkaProbeSession } from '../../lambda/adapters/kafka/roundtrip/session';
import { ProbeLogger } from '../../lambda/adapters/logger';
import { type ProbeConfig, parseConfig } from '../../lambda/config/roundtrip';
import { roundTripCommitGroup } from '../../lambda/contract';
import type { Datum } from '../../lambda/core/metric-datums';
import type { RunReport } from '../../lambda/core/roundtrip/report';
import { checkReport } from '../../lambda/core/serializers';
import { createRuntime } from '../../lambda/runtime';
import { freePort } from '../../local-kafka/broker';
import { groupAt } from '../helpers/consumer-groups';
import { deletingSession, LateSession } from './fault-sessions';
import type { ReportPools } from './scenarios';

/** One event in six lost: what is written to partition 0 of six is deleted before it can be read. */
const LosingSession = deletingSession((partition) => partition === 0);

const quiet = () => new ProbeLogger({ level: 'SILENT' });
const name = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

function config(brokers: string, overrides: Record<string, unknown> = {}): ProbeConfig {
  return parseConfig({ probeName: 'drill', brokers, topic: name('drill'), minPartitions: 6, runTimeoutMs: 6000, ...overrides });
}

async function runs(c: ProbeConfig, count: number, sessionClass?: typeof KafkaProbeSession, pauseMs = 0): Promise<RunReport[]> {
  const runtime = createRuntime('roundtrip', { config: c, logger: quiet(), sessionClass });
  const out: RunReport[] = [];
  try {
    for (let i = 0; i < count; i++) {
      out.push((await runtime.runOnce()).details);
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    }
  } finally {
    await runtime.close();
  }
  return out;
}

/** Datums of a healthy run as they reach CloudWatch when PutMetricData is refused: through EMF lines. */
async function emfFallback(report: RunReport): Promise<Datum[]> {
  const lines: string[] = [];
  const publisher = new CloudWatchPublisher({
    sink: 'api',
    namespace: 'StreamProbe',
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${await freePort()}`,
    logger: quiet(),
    writeLine: (l) => lines.push(l),
  });
  await publisher.publish(checkReport('roundtrip', report), performance.now() + 2000);
  const datums: Datum[] = [];
  for (const text of lines) {
    const line = JSON.parse(text);
    const directive = line._aws.CloudWatchMetrics[0];
    const dims = (directive.Dimensions[0] as string[]).map((d) => ({ Name: d, Value: line[d] }));
    for (const m of directive.Metrics as Array<{ Name: Datum['MetricName']; Unit: Datum['Unit'] }>) {
      datums.push({ MetricName: m.Name, Unit: m.Unit, Dimensions: dims, Timestamp: new Date(line._aws.Timestamp), Values: [line[m.Name]].flat() });
    }
  }
  return datums;
}

/** Runs while a foreign consumer is a member of the probe's commit group: the broker refuses a member-less commit. */
async function runsWithCommitGroupTaken(brokers: string): Promise<RunReport[]> {
  const c = config(brokers);
  await runs(c, 1); // makes the topic
  const member = await groupAt(brokers, c.topic, roundTripCommitGroup(c.probeName), { 0: 0 }, true);
  try {
    return await runs(c, 3);
  } finally {
    await member?.disconnect();
  }
}

export async function collectReports(brokers: string): Promise<ReportPools> {
  const healthy = (await runs(config(brokers), 12)).slice(1);
  const failed = await runs(config(`127.0.0.1:${await freePort()}`), 3);
  const lossy = await runs(config(brokers), 5, LosingSession);
  const late = await runs(config(brokers), 2, LateSession, 1500);
  const commitFailing = await runsWithCommitGroupTaken(brokers);
  const pools: ReportPools = {
    healthy,
    failed,
    lossy: lossy.slice(1),
    latePair: [late[0]!, late[1]!],
    commitFailing,
    emfFallback: await emfFallback(healthy[0]!),
  };
  checkPools(pools);
  return pools;
}

/** The faults must really have happened, or the drill would prove nothing. */
function checkPools(p: ReportPools): void {
  const fail = (what: string) => {
    throw new Error(`drill: the real runs did not show ${what}`);
  };
  if (!p.healthy.every((r) => r.outcome === 'healthy')) fail('healthy runs');
  if (!p.failed.every((r) => r.outcome === 'failed')) fail('failed runs against an unreachable broker');
  if (!p.lossy.every((r) => r.counts.lost === 1)) fail(`one confirmed loss per run (${p.lossy.map((r) => r.counts.lost)})`);
  if (p.latePair[0].counts.overdue !== 1 || p.latePair[1].counts.late !== 1 || p.latePair[1].counts.lost !== 0) fail('one late event');
  // A run that waits for overdue events to its measuring deadline still has time to commit.
  if (![...p.healthy, ...p.lossy, ...p.latePair].every((r) => r.offsetCommit !== undefined && r.offsetCommit.error === undefined)) {
    fail('offset commits measured in every run that read, those that waited to their deadline included');
  }
  if (!p.commitFailing.every((r) => r.outcome === 'healthy' && r.offsetCommit?.error !== undefined)) fail('healthy runs whose offset commits failed');
  if (!p.emfFallback.some((d) => d.MetricName === 'MetricsFallback')) fail('metrics through the EMF fallback');
}
