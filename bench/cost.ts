/** Cost per probe-month from measured durations and counted resources. Prices are cited below. */

export const PRICES = {
  source:
    'AWS public price pages, us-east-1, as of 2026 (Lambda arm64 $0.0000133334 per GB-second and $0.20 per million requests; ' +
    'CloudWatch custom metric $0.30 per metric-month for the first 10,000, API $0.01 per 1,000 requests, standard alarm $0.10, ' +
    'composite alarm $0.50, Logs ingestion $0.50 per GB, dashboard $3 beyond the first 3; CloudWatch Synthetics $0.0012 per canary run; ' +
    'EC2 t4g.nano $0.0042 per hour, EBS gp3 $0.08 per GB-month). Check them before relying on a figure',
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1_000_000,
  customMetricMonth: 0.3,
  apiRequest: 0.01 / 1000,
  standardAlarm: 0.1,
  compositeAlarm: 0.5,
  logsPerGb: 0.5,
  syntheticsRun: 0.0012,
  t4gNanoHour: 0.0042,
  gp3GbMonth: 0.08,
} as const;

const RUNS_PER_MONTH = 30 * 24 * 60;
const HOURS_PER_MONTH = 730;
/** Lambda recycles idle containers; with a run a minute they stay warm for hours. Assume one cold start an hour. */
const COLD_STARTS_PER_DAY = 24;
/** PutMetricData from Lambda to CloudWatch in the same region (not measurable here). */
const PUBLISH_MS = 50;

export interface CostInputs {
  readonly warmMs: number;
  readonly coldMs: number;
  readonly memoryMb: number;
  readonly putMetricDataRequests: number;
  readonly alwaysPublishedMetrics: number;
  readonly perBrokerMetrics: number;
  readonly brokers: number;
  readonly standardAlarms: number;
  readonly compositeAlarms: number;
  readonly summaryLogBytes: number;
  readonly putMetricDataBytes: number;
}

export function probeMonthCost(i: CostInputs) {
  const cold = COLD_STARTS_PER_DAY * 30;
  const warm = RUNS_PER_MONTH - cold;
  const gbSeconds = ((warm * (i.warmMs + PUBLISH_MS) + cold * (i.coldMs + PUBLISH_MS)) / 1000) * (i.memoryMb / 1024);
  const lambda = gbSeconds * PRICES.lambdaGbSecond + RUNS_PER_MONTH * PRICES.lambdaRequest;
  const api = RUNS_PER_MONTH * i.putMetricDataRequests * PRICES.apiRequest;
  // Logs: the run summary line, plus the EMF lines when the emf sink is used (about the datums' size).
  const logs = ((RUNS_PER_MONTH * i.summaryLogBytes) / 1e9) * PRICES.logsPerGb;
  const emfLogs = ((RUNS_PER_MONTH * i.putMetricDataBytes) / 1e9) * PRICES.logsPerGb;
  const metrics = (i.alwaysPublishedMetrics + i.perBrokerMetrics * (i.brokers - 1)) * PRICES.customMetricMonth;
  const alarms = i.standardAlarms * PRICES.standardAlarm + i.compositeAlarms * PRICES.compositeAlarm;
  const breakdown = {
    'Lambda compute and requests': lambda,
    'PutMetricData requests': api,
    'CloudWatch Logs ingestion': logs,
    [`custom metrics (${i.alwaysPublishedMetrics + i.perBrokerMetrics * (i.brokers - 1)} always published)`]: metrics,
    [`alarms (${i.standardAlarms} standard, ${i.compositeAlarms} composite)`]: alarms,
  };
  const computeAndApi = lambda + api;
  const total = lambda + api + logs + metrics + alarms;
  const host = PRICES.t4gNanoHour * HOURS_PER_MONTH + 8 * PRICES.gp3GbMonth;
  return {
    inputs: { ...i, coldStartsPerDay: COLD_STARTS_PER_DAY, runsPerMonth: RUNS_PER_MONTH },
    assumptions: { brokers: i.brokers, publishMs: PUBLISH_MS },
    breakdown,
    computeAndApi,
    total,
    totalWithEmf: total - api + emfLogs,
    alternatives: {
      cloudWatchSynthetics: RUNS_PER_MONTH * PRICES.syntheticsRun + metrics + alarms,
      alwaysOnHost: host + metrics + alarms,
    },
  };
}
