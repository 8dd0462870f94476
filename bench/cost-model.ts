/**
 * What CloudWatch charges for what mq-sentinel does, and what the alarms it replaces would cost
 * (DESIGN.md §4). Pure functions of counts, so the figures can be checked by hand.
 *
 * Prices (us-east-1, standard tier, no free tier counted): GetMetricData $0.01 per 1,000 metrics
 * requested; ListMetrics $0.01 per 1,000 requests; a standard-resolution alarm $0.10 per alarm-month.
 * A month is 30 days (43,200 minutes), as in "one metric every minute costs $0.43 a month".
 */

export const PRICES = {
  getMetricDataPerMetric: 0.01 / 1000,
  listMetricsPerRequest: 0.01 / 1000,
  alarmPerMonth: 0.1,
} as const;

export const MINUTES_PER_MONTH = 30 * 24 * 60;

/** The alarm set a careful operator would create for the same signals (DESIGN.md §4). */
export const ALARMS_PER_QUEUE = 3; // backlog, consumers, stalled dequeues
export const ALARMS_PER_BROKER = 4; // CPU, memory/heap, store/disk, connections

/** mq-sentinel's target: its whole CloudWatch spend at most this share of the alarm set's. */
export const TARGET_SHARE_OF_ALARMS = 0.5;

/** CloudWatch usage counted over some simulated minutes. */
export interface Usage {
  /** Metrics requested in GetMetricData calls (what CloudWatch bills). */
  metricsRequested: number;
  listMetricsRequests: number;
  /** Simulated minutes (cycles) the counts cover. */
  minutes: number;
}

/** The month's CloudWatch bill of a usage sample, scaled from its minutes to 30 days. */
export function usdPerMonth(usage: Usage): number {
  if (usage.minutes <= 0) return 0;
  const scale = MINUTES_PER_MONTH / usage.minutes;
  return (usage.metricsRequested * PRICES.getMetricDataPerMetric + usage.listMetricsRequests * PRICES.listMetricsPerRequest) * scale;
}

/** The whole CloudWatch spend per monitored queue-month. */
export function usdPerQueueMonth(usage: Usage, queues: number): number {
  return queues > 0 ? usdPerMonth(usage) / queues : 0;
}

/** What polling `metrics` metrics every minute costs a month (one metric: $0.432). */
export function usdPerMonthPolledEveryMinute(metrics: number): number {
  return metrics * MINUTES_PER_MONTH * PRICES.getMetricDataPerMetric;
}

/** The equivalent alarm set's cost per queue-month: 3 alarms per queue and 4 per broker at $0.10. */
export function alarmEquivalentUsdPerQueueMonth(fleet: { queues: number; brokers: number }): number {
  if (fleet.queues <= 0) return 0;
  return ((ALARMS_PER_QUEUE * fleet.queues + ALARMS_PER_BROKER * fleet.brokers) * PRICES.alarmPerMonth) / fleet.queues;
}

/** Whether a spend meets the target: at most half the equivalent alarm set. */
export function meetsCostTarget(usdPerQueue: number, alarmUsdPerQueue: number): boolean {
  return usdPerQueue <= TARGET_SHARE_OF_ALARMS * alarmUsdPerQueue;
}

/** Metrics requested per bucket (what each was read for), as dollars per queue-month. */
export function splitUsdPerQueueMonth<K extends string>(
  metricsByBucket: Record<K, number>,
  minutes: number,
  queues: number,
): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const key of Object.keys(metricsByBucket) as K[]) {
    out[key] = usdPerQueueMonth({ metricsRequested: metricsByBucket[key], listMetricsRequests: 0, minutes }, queues);
  }
  return out;
}

/** The most GetMetricData calls a cycle may make for M metrics (DESIGN.md §4): ceil(M/500) + 1. */
export function getMetricDataCallBudget(metrics: number): number {
  return Math.ceil(metrics / 500) + 1;
}
