/**
 * The accuracy benchmark: does streamprobe add delay of its own to what it measures? A warm Java client
 * (Kafka's own client library, same settings) times the nearest interval Java allows: from just before
 * send() to the poll() that hands the record over; the probe's samples run from its encoded request going
 * to the connection to the complete fetch response, so Java's also hold its client's own work. Both run as long-lived processes
 * in interleaved blocks at 1, 6 and 256 partitions until each has 10,000 samples; lost events are counted,
 * never dropped. A frozen-container case pauses the probe process between runs (SIGSTOP, then SIGCONT
 * before the run) the way Lambda freezes a container, beside the warm case.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PROJECT_ROOT } from '../local-kafka/broker';

export const ACCURACY = {
  partitions: [1, 6, 256],
  samplesPerSide: Number(process.env.BENCH_SAMPLES ?? 10_000),
  blocks: 5,
  messageBytes: 256,
  frozen: { partitions: 6, freezes: 12, freezeMs: 3000, warmRuns: 36 },
} as const;

const JAVA_SOURCE = join(PROJECT_ROOT, 'bench', 'java', 'ProbeIntervalReference.java');
const JAVA_OUT = join(PROJECT_ROOT, 'bench', 'out', 'java');

export function compileReference(libs: string): void {
  mkdirSync(JAVA_OUT, { recursive: true });
  const r = spawnSync('javac', ['-cp', `${libs}/*`, '-d', JAVA_OUT, JAVA_SOURCE], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`javac failed: ${r.stderr}`);
}

/** A line-driven child process: one command in, one JSON line out. */
class Driven {
  private readonly lines: AsyncIterator<string>;
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.on('data', (d) => process.stderr.write(d));
  }

  async ready(): Promise<void> {
    const first = await this.lines.next();
    if (first.value !== 'READY') throw new Error(`expected READY, got ${first.value}`);
  }

  async ask(command: string): Promise<{ samples: number[]; lost: number }> {
    this.child.stdin.write(`${command}\n`);
    const line = await this.lines.next();
    if (line.done) throw new Error(`the process ended before answering ${command}`);
    return JSON.parse(line.value);
  }

  stop(): void {
    this.child.stdin.end();
  }
}

function javaReference(libs: string, brokers: string, topic: string, partitions: number): Driven {
  return new Driven(
    spawn('java', ['-Xmx256m', '-cp', `${JAVA_OUT}:${libs}/*`, 'ProbeIntervalReference', brokers, topic, String(partitions), String(ACCURACY.messageBytes)]),
  );
}

function probeWorker(brokers: string, topic: string, partitions: number): Driven {
  return new Driven(
    spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'accuracy-worker.ts'), brokers, topic, String(partitions)], { cwd: PROJECT_ROOT }),
  );
}

const sortedOf = (v: readonly number[]) => [...v].sort((a, b) => a - b);
/** Nearest-rank percentile; null when fewer than 10 samples lie beyond it. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length < 10 / (1 - p / 100)) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const round3 = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
const median = (v: readonly number[]) => sortedOf(v)[Math.floor((v.length - 1) / 2)]!;

export interface SideResult {
  readonly samples: number;
  readonly lost: number;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly p999: number | null;
  readonly max: number;
  /** Per block: p50 and p99, to show the spread. */
  readonly blocks: ReadonlyArray<{ p50: number | null; p99: number | null }>;
}

function side(blocks: number[][], lost: number): SideResult {
  const all = sortedOf(blocks.flat());
  return {
    samples: all.length,
    lost,
    p50: round3(percentile(all, 50)),
    p99: round3(percentile(all, 99)),
    p999: round3(percentile(all, 99.9)),
    max: round3(all[all.length - 1]!)!,
    blocks: blocks.map((b) => {
      const s = sortedOf(b);
      return { p50: round3(percentile(s, 50)), p99: round3(percentile(s, 99)) };
    }),
  };
}

export interface PartitionAccuracy {
  readonly partitions: number;
  readonly java: SideResult;
  readonly streamprobe: SideResult;
  readonly ratio: { readonly p50: number | null; readonly p99: number | null; readonly p999: number | null };
  /** Per-block ratios: their median and range. */
  readonly blockRatios: { readonly p50: readonly number[]; readonly p99: readonly number[] };
}

const ratioOf = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : Math.round((a / b) * 100) / 100);

export async function probeIntervalAccuracy(
  libs: string,
  brokers: string,
  createTopic: (topic: string, partitions: number) => Promise<void>,
  log: (line: string) => void,
): Promise<PartitionAccuracy[]> {
  compileReference(libs);
  const results: PartitionAccuracy[] = [];
  for (const partitions of ACCURACY.partitions) {
    const stamp = Date.now().toString(36);
    await createTopic(`bench-acc-java-${partitions}-${stamp}`, partitions);
    await createTopic(`bench-acc-probe-${partitions}-${stamp}`, partitions);
    const java = javaReference(libs, brokers, `bench-acc-java-${partitions}-${stamp}`, partitions);
    const probe = probeWorker(brokers, `bench-acc-probe-${partitions}-${stamp}`, partitions);
    try {
      await Promise.all([java.ready(), probe.ready()]);
      const perBlock = Math.ceil(ACCURACY.samplesPerSide / partitions / ACCURACY.blocks);
      // Warm-up, not sampled, the same number of rounds a side: JIT compilation on one side, V8's on the
      // other, and the broker's own first-time costs on each topic. A partition's first offset-index entry
      // (after 4 KB, the 13th event here) touches a fresh page of the broker's mapped index: with 256
      // partitions that round took 1.7 s on this machine, on either side, and a warm-up of 8 rounds on
      // one side and 200 on the other had put it in the probe's samples alone.
      const warmUp = Math.max(200, perBlock);
      await java.ask(`ROUNDS ${warmUp}`);
      await probe.ask(`RUNS ${warmUp}`);
      const javaBlocks: number[][] = [];
      const probeBlocks: number[][] = [];
      let javaLost = 0;
      let probeLost = 0;
      for (let b = 0; b < ACCURACY.blocks; b++) {
        const j = await java.ask(`ROUNDS ${perBlock}`);
        const p = await probe.ask(`RUNS ${perBlock}`);
        javaBlocks.push(j.samples);
        probeBlocks.push(p.samples);
        javaLost += j.lost;
        probeLost += p.lost + ((p as { overdue?: number }).overdue ?? 0);
        log(`  ${partitions} partitions, block ${b + 1}: java p50 ${median(j.samples).toFixed(2)} | streamprobe p50 ${median(p.samples).toFixed(2)} ms`);
      }
      const javaSide = side(javaBlocks, javaLost);
      const probeSide = side(probeBlocks, probeLost);
      const blockRatios = javaSide.blocks.map((j, i) => ({ p50: ratioOf(probeSide.blocks[i]!.p50, j.p50), p99: ratioOf(probeSide.blocks[i]!.p99, j.p99) }));
      results.push({
        partitions,
        java: javaSide,
        streamprobe: probeSide,
        ratio: { p50: ratioOf(probeSide.p50, javaSide.p50), p99: ratioOf(probeSide.p99, javaSide.p99), p999: ratioOf(probeSide.p999, javaSide.p999) },
        blockRatios: {
          p50: blockRatios.map((r) => r.p50).filter((v): v is number => v !== null),
          p99: blockRatios.map((r) => r.p99).filter((v): v is number => v !== null),
        },
      });
    } finally {
      java.stop();
      probe.stop();
    }
  }
  return results;
}

export interface FrozenAccuracy {
  readonly partitions: number;
  readonly freezeMs: number;
  readonly warm: SideResult;
  readonly frozen: SideResult;
  readonly p50Ratio: number | null;
}

/** The same probe process, warm runs beside runs right after a freeze (SIGSTOP for a while, SIGCONT, run). */
export async function frozenContainerAccuracy(
  brokers: string,
  createTopic: (topic: string, partitions: number) => Promise<void>,
  log: (line: string) => void,
): Promise<FrozenAccuracy> {
  const { partitions, freezes, freezeMs, warmRuns } = ACCURACY.frozen;
  const topic = `bench-acc-frozen-${Date.now().toString(36)}`;
  await createTopic(topic, partitions);
  const probe = probeWorker(brokers, topic, partitions);
  try {
    await probe.ready();
    await probe.ask('RUNS 20');
    const warm: number[] = [];
    const frozen: number[] = [];
    let warmLost = 0;
    let frozenLost = 0;
    for (let i = 0; i < freezes; i++) {
      const w = await probe.ask(`RUNS ${Math.ceil(warmRuns / freezes)}`);
      warm.push(...w.samples);
      warmLost += w.lost;
      probe.child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, freezeMs));
      probe.child.kill('SIGCONT');
      const f = await probe.ask('RUNS 1');
      frozen.push(...f.samples);
      frozenLost += f.lost;
    }
    const warmSide = side([warm], warmLost);
    const frozenSide = side([frozen], frozenLost);
    log(`  frozen container: warm p50 ${warmSide.p50} ms, after a ${freezeMs / 1000} s freeze p50 ${frozenSide.p50} ms`);
    return { partitions, freezeMs, warm: warmSide, frozen: frozenSide, p50Ratio: ratioOf(frozenSide.p50, warmSide.p50) };
  } finally {
    probe.stop();
  }
}
