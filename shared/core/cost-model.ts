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
/** A standard CloudWatch alarm: $0.10 a month. */
export const USD_PER_ALARM_MONTH = 0.1;
export const MINUTES_PER_MONTH = 30 * 24 * 60;

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
  const alarms = queues * 3 + fleet.length * 4;
  return {
    metricsPerCycle: Math.round(perCycle * 10) / 10,
    usdPerMonth: Math.round(usdPerMonth * 100) / 100,
    usdPerQueueMonth: queues > 0 ? Math.round((usdPerMonth / queues) * 10_000) / 10_000 : null,
    alarmEquivalentUsdPerMonth: Math.round(alarms * USD_PER_ALARM_MONTH * 100) / 100,
  };
}
