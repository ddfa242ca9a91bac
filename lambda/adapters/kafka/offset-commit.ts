/**
 * Offset commits without group membership: the probe's own group, committed as Kafka's tools commit for a
 * group with no members (generation -1, no member id), so nothing joins, nothing rebalances and a dead
 * container holds nothing. This is the path every consumer in production depends on (the group coordinator
 * and the __consumer_offsets log); the round trip measures it each run, as Xinfra Monitor and KMinion do.
 */
import type { Kafka } from 'kafkajs';
import { isKafkaErrorCode, toErrorInfo } from '../../core/redact';
import type { OffsetCommitFigures } from '../../core/roundtrip/report';
import { roundMs } from '../../core/stats';
import { DeadlineError, monotonicNow, withDeadline } from '../deadline';
import { type ClusterLike, newCluster } from './cluster';

export interface CommitPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** Kept with the offset for whoever reads it next (offset.metadata.max.bytes, 4096 by default). */
  readonly metadata?: string;
}

export type CommitResult = OffsetCommitFigures;

/** The coordinator moved or is still loading the group: asked again, once, after looking it up afresh. */
const COORDINATOR_MOVED = new Set([
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_LOAD_IN_PROGRESS',
]);

const COMMIT_TIMEOUT_MS = 3000;

export class OffsetCommitter {
  private cluster: ClusterLike | undefined;
  private coordinator: number | undefined;

  constructor(
    private readonly kafka: Kafka,
    readonly group: string,
  ) {}

  /** Commits `positions` for the group, within the deadline and 3 s at most; never throws. */
  async commit(positions: readonly CommitPosition[], runDeadlineAt: number): Promise<CommitResult> {
    const start = monotonicNow();
    // A coordinator that hangs fails the commit, not the run: the run keeps the rest of its budget to report.
    const deadlineAt = Math.min(runDeadlineAt, start + COMMIT_TIMEOUT_MS);
    const topicsOf = (withMetadata: boolean) =>
      [...new Set(positions.map((p) => p.topic))].map((topic) => ({
        topic,
        partitions: positions
          .filter((p) => p.topic === topic)
          .map((p) => ({ partition: p.partition, offset: p.offset, metadata: withMetadata ? (p.metadata ?? null) : null })),
      }));
    let topics = topicsOf(true);
    let lastError: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const cluster = await this.connected(deadlineAt);
        if (this.coordinator === undefined || attempt > 0) {
          const found = await withDeadline(
            cluster.findGroupCoordinatorMetadata({ groupId: this.group }),
            deadlineAt,
            `finding the coordinator of ${this.group}`,
          );
          this.coordinator = found.coordinator.nodeId;
        }
        const broker = await cluster.findBroker({ nodeId: String(this.coordinator) });
        await withDeadline(
          broker.offsetCommit({ groupId: this.group, groupGenerationId: -1, memberId: '', retentionTime: -1, topics }),
          deadlineAt,
          `committing offsets of ${this.group} to broker ${this.coordinator}`,
        );
        return { group: this.group, coordinator: this.coordinator, latencyMs: roundMs(monotonicNow() - start) };
      } catch (error) {
        lastError = error;
        const type = (error as { type?: string }).type ?? '';
        // A cluster that keeps less metadata than asked: the offsets matter more; committed without it.
        if (type === 'OFFSET_METADATA_TOO_LARGE') {
          topics = topicsOf(false);
          continue;
        }
        // A Kafka answer other than a moved coordinator is final; a connection error may be a coordinator
        // that went away: asked again after a fresh look-up.
        if (type && !COORDINATOR_MOVED.has(type) && isKafkaErrorCode(type)) break;
        // A coordinator that does not answer may be gone for good (a broker hung, then fenced), and the
        // connections that waited on it with it: the next commit starts on new ones and looks it up afresh.
        if (error instanceof DeadlineError) {
          const asked = this.coordinator;
          void this.close();
          return { group: this.group, coordinator: asked, error: toErrorInfo(error, 'commit') };
        }
        await this.cluster?.refreshMetadata().catch(() => {});
      }
    }
    return { group: this.group, coordinator: this.coordinator, error: toErrorInfo(lastError, 'commit') };
  }

  private async connected(deadlineAt: number): Promise<ClusterLike> {
    if (!this.cluster) {
      const cluster = newCluster(this.kafka, { metadataMaxAge: 30_000 });
      await withDeadline(cluster.connect(), deadlineAt, 'connecting to commit offsets');
      this.cluster = cluster;
    }
    return this.cluster;
  }

  async close(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    this.coordinator = undefined;
    await cluster?.disconnect().catch(() => {});
  }
}
