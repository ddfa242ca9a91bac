/**
 * Publishes every run's datums: PutMetricData in batches within the API limits, retried with backoff while
 * the run's reporting deadline allows; whatever still fails is written as EMF log lines, so CloudWatch
 * ingests it anyway. A run never ends with its measurements nowhere.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { MetricSink } from '../contract';
import type { AnyCheckReport } from '../core/check-report';
import { datumsToEmf } from '../core/emf';
import { batchDatums, type Datum, fallbackDatum } from '../core/metric-datums';
import { datumsOf } from '../core/serializers';
import { monotonicNow, remainingMs, sleep } from './deadline';
import type { ProbeLogger } from './logger';

/** Anything that takes a finished report: the metrics publisher, a screen printer. */
export interface ReportSink {
  publish(report: AnyCheckReport, reportBy: number): Promise<void>;
}

export interface PublisherOptions {
  readonly sink: MetricSink;
  readonly namespace: string;
  readonly highResolution?: boolean;
  readonly region?: string;
  /** A CloudWatch-compatible endpoint (an emulator); AWS_ENDPOINT_URL_CLOUDWATCH works too. */
  readonly endpoint?: string;
  readonly logger: ProbeLogger;
  /** Where EMF lines go; standard output by default, which is where Lambda's log capture reads them. */
  readonly writeLine?: (line: string) => void;
  readonly client?: CloudWatchClient;
}

const RETRYABLE_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalServiceError',
  'InternalServiceFault',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
]);
const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

export function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; errors?: unknown[] };
  // Node reports a refused connection to every address of a name as an AggregateError.
  if (Array.isArray(e?.errors) && e.errors.some(isRetryable)) return true;
  const status = e?.$metadata?.httpStatusCode;
  return Boolean(
    (e?.name && RETRYABLE_NAMES.has(e.name)) ||
      (e?.code && RETRYABLE_CODES.has(e.code)) ||
      e?.$retryable ||
      (status !== undefined && (status >= 500 || status === 429)),
  );
}

/** Full-jitter exponential backoff: 100 ms doubling, at most 2 s. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(2000, 100 * 2 ** attempt));
}

/**
 * An emulator on this machine takes any credentials, and a clean shell has none: without a stand-in, every
 * PutMetricData to it failed signing and the metrics went to the EMF fallback. Only for a loopback endpoint
 * with no credentials in the environment; anything else keeps the SDK's own credential chain.
 */
export function emulatorCredentials(endpoint: string | undefined): { accessKeyId: string; secretAccessKey: string } | undefined {
  if (!endpoint || process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE) return undefined;
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return undefined;
  }
  return ['localhost', '127.0.0.1', '[::1]'].includes(host) ? { accessKeyId: 'emulator', secretAccessKey: 'emulator' } : undefined;
}

export class CloudWatchPublisher implements ReportSink {
  private readonly client: CloudWatchClient | undefined;
  private readonly writeLine: (line: string) => void;

  constructor(private readonly options: PublisherOptions) {
    const needsApi = options.sink === 'api' || options.sink === 'both';
    const credentials = emulatorCredentials(options.endpoint);
    this.client = needsApi
      ? (options.client ??
        new CloudWatchClient({
          region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
          ...(options.endpoint ? { endpoint: options.endpoint } : {}),
          ...(credentials ? { credentials } : {}),
          // Retries are ours, bounded by the run's deadline rather than by a fixed count.
          maxAttempts: 1,
        }))
      : undefined;
    this.writeLine = options.writeLine ?? ((line) => process.stdout.write(`${line}\n`));
  }

  /** Every datum of one report, whatever the check, by `reportBy` (monotonic ms). */
  async publish(report: AnyCheckReport, reportBy: number): Promise<void> {
    const { sink } = this.options;
    if (sink === 'none') return;
    const datums = datumsOf(report, { highResolution: this.options.highResolution });
    if (sink === 'emf' || sink === 'both') this.writeEmf(datums);
    if (sink === 'emf') return;

    const unsent: Datum[] = [];
    for (const batch of batchDatums(datums)) {
      try {
        await this.putWithRetry(batch, reportBy);
      } catch (error) {
        unsent.push(...batch);
        this.options.logger.error(`PutMetricData failed: ${(error as Error).message}`, {
          event: 'metrics_error',
          runId: report.runId,
          errorType: (error as Error).name,
          errorMessage: (error as Error).message,
          stack: (error as Error).stack,
          datums: batch.length,
        });
      }
    }
    if (unsent.length > 0 && sink === 'api') {
      this.writeEmf([...unsent, fallbackDatum(report, unsent.length, { highResolution: this.options.highResolution })]);
      this.options.logger.warn(`${unsent.length} metric datums written as EMF log lines instead`, {
        event: 'metrics_fallback',
        runId: report.runId,
        datums: unsent.length,
      });
    }
  }

  private writeEmf(datums: readonly Datum[]): void {
    for (const line of datumsToEmf(this.options.namespace, datums)) this.writeLine(JSON.stringify(line));
  }

  private async putWithRetry(batch: Datum[], reportBy: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const budget = remainingMs(reportBy);
      if (budget <= 0) throw Object.assign(new Error('no time left to publish metrics before the run deadline'), { name: 'DeadlineError' });
      try {
        await this.client!.send(
          new PutMetricDataCommand({ Namespace: this.options.namespace, MetricData: batch as PutMetricDataCommand['input']['MetricData'] }),
          { abortSignal: AbortSignal.timeout(Math.max(1, Math.floor(Math.min(budget, 5000)))) },
        );
        return;
      } catch (error) {
        const wait = backoffMs(attempt);
        if (!isRetryable(error) || monotonicNow() + wait >= reportBy) throw error;
        await sleep(wait);
      }
    }
  }
}
