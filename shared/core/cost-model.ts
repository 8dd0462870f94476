import type { Config } from "./config";
import { rabbitMqNodeCount } from "./instance-limits";
import { metricsFor, nodeMetricsFor } from "./metric-catalog";
import { DeploymentMode, type EngineType } from "./types";

/**
 * What the default cadence costs in CloudWatch, from the metric catalog and the polling settings.
 * An estimate of the steady state (no drills, no suspect queues read in full): `mq-sentinel check`
 * prints it, and the benchmark measures the real figure including them.
 */

/** CloudWatch GetMetricData: $0.01 per 1,000 metrics requested. */
export const USD_PER_METRIC = 0.01 / 1000;
/** CloudWatch ListMetrics: $0.01 per 1,000 requests. */
export const USD_PER_LIST_METRICS_REQUEST = 0.01 / 1000;
/** A standard CloudWatch alarm: $0.10 a month. */
export const USD_PER_ALARM_MONTH = 0.1;
/** A month is 30 days, as in "one metric every minute costs $0.43 a month". */
export const MINUTES_PER_MONTH = 30 * 24 * 60;

/** The alarm set a careful operator would create for the same signals (DESIGN.md §4). */
export const ALARMS_PER_QUEUE = 3; // backlog, consumers, stalled dequeues
export const ALARMS_PER_BROKER = 4; // CPU, memory/heap, store/disk, connections
/** mq-sentinel's target: its whole CloudWatch spend at most this share of the alarm set's. */
export const TARGET_SHARE_OF_ALARMS = 0.5;

export interface FleetShape {
  engine: EngineType;
  queues: number;
  /** Dead-letter queues among them (their backlog is read every minute, up to 5). */
  deadLetterQueues: number;
  /** A RabbitMQ cluster's nodes are read one by one (default: single instance). */
  deploymentMode?: DeploymentMode;
  /** RabbitMQ 4.2+ clusters also publish connections and channels per node. */
  engineVersion?: string | null;
}

export interface CostEstimate {
  /** Average metrics requested per cycle. */
  metricsPerCycle: number;
  usdPerMonth: number;
  usdPerQueueMonth: number | null;
  /** The same signals as CloudWatch alarms (per queue: backlog, consumers, stalled dequeues; per broker: CPU, memory, store, connections). */
  alarmEquivalentUsdPerMonth: number;
}

/**
 * Extra metrics a minute of a RabbitMQ cluster's per-node reads: every node's signals, less the
 * broker-level sums they replace, plus the node limits every `limitsRefreshMinutes`. 0 for single
 * instances and ActiveMQ. A 3.13 cluster: 3 x 4 - 4 = 8 (+ 6 / 60); 4.2+: 3 x 6 - 4 = 14 (+ 6 / 60).
 */
export function nodeMetricsPerCycle(b: FleetShape, polling: Config["polling"]): number {
  const mode = b.deploymentMode ?? DeploymentMode.single;
  const node = nodeMetricsFor({ engine: b.engine, engineVersion: b.engineVersion ?? null, deploymentMode: mode });
  if (node.signals.length === 0) return 0;
  const nodes = rabbitMqNodeCount(mode);
  return nodes * node.signals.length - node.replaces.length + (nodes * node.limits.length) / polling.limitsRefreshMinutes;
}

/** The steady-state CloudWatch cost of watching these brokers with this configuration. */
export function estimateCost(fleet: readonly FleetShape[], polling: Config["polling"]): CostEstimate {
  let perCycle = 0;
  let queues = 0;
  for (const b of fleet) {
    const m = metricsFor(b.engine);
    perCycle += m.broker.length;
    perCycle += m.limits.length / polling.limitsRefreshMinutes;
    perCycle += nodeMetricsPerCycle(b, polling);
    // A sweep reads each queue's backlog; the few whose backlog is not draining are read in full after
    // it (like drills, they are not in this steady-state estimate).
    perCycle += b.queues / polling.queueSweepMinutes;
    perCycle += Math.min(5, b.deadLetterQueues);
    queues += b.queues;
  }
  const usdPerMonth = perCycle * MINUTES_PER_MONTH * USD_PER_METRIC;
  const alarms = queues * ALARMS_PER_QUEUE + fleet.length * ALARMS_PER_BROKER;
  return {
    metricsPerCycle: Math.round(perCycle * 10) / 10,
    usdPerMonth: Math.round(usdPerMonth * 100) / 100,
    usdPerQueueMonth: queues > 0 ? Math.round((usdPerMonth / queues) * 10_000) / 10_000 : null,
    alarmEquivalentUsdPerMonth: Math.round(alarms * USD_PER_ALARM_MONTH * 100) / 100,
  };
}

/** CloudWatch usage counted over some minutes (the benchmark measures it cycle by cycle). */
export interface Usage {
  /** Metrics requested in GetMetricData calls (what CloudWatch bills). */
  metricsRequested: number;
  listMetricsRequests: number;
  /** Minutes (cycles) the counts cover. */
  minutes: number;
}

/** The month's CloudWatch bill of a usage sample, scaled from its minutes to 30 days. */
export function usdPerMonth(usage: Usage): number {
  if (usage.minutes <= 0) return 0;
  const scale = MINUTES_PER_MONTH / usage.minutes;
  return (usage.metricsRequested * USD_PER_METRIC + usage.listMetricsRequests * USD_PER_LIST_METRICS_REQUEST) * scale;
}

/** The whole CloudWatch spend per monitored queue-month. */
export function usdPerQueueMonth(usage: Usage, queues: number): number {
  return queues > 0 ? usdPerMonth(usage) / queues : 0;
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

/** The equivalent alarm set's cost per queue-month: 3 alarms per queue and 4 per broker at $0.10. */
export function alarmEquivalentUsdPerQueueMonth(fleet: { queues: number; brokers: number }): number {
  if (fleet.queues <= 0) return 0;
  return ((ALARMS_PER_QUEUE * fleet.queues + ALARMS_PER_BROKER * fleet.brokers) * USD_PER_ALARM_MONTH) / fleet.queues;
}

/** Whether a spend meets the target: at most half the equivalent alarm set. */
export function meetsCostTarget(usdPerQueue: number, alarmUsdPerQueue: number): boolean {
  return usdPerQueue <= TARGET_SHARE_OF_ALARMS * alarmUsdPerQueue;
}

/** The most GetMetricData calls a cycle may make for M metrics (DESIGN.md §4): ceil(M/500) + 1. */
export function getMetricDataCallBudget(metrics: number): number {
  return Math.ceil(metrics / 500) + 1;
}
