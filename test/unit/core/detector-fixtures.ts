import { DEFAULT_CONFIG, type DetectionConfig } from "../../../shared/core/config";
import type {
  Broker,
  BrokerObservation,
  NodeObservation,
  QueueMetrics,
  RabbitMqConfiguredLimits,
  Series,
} from "../../../shared/core/types";
import { activeMqBroker as anActiveMqBroker, rabbitMqBroker as aRabbitMqBroker, fixedBroker } from "../../support/brokers";

/**
 * Hand-built inputs for the pure detectors: two brokers (one per engine), an observation builder and
 * per-minute series builders. Series follow the cycle convention: index = minute on the window,
 * last element = newest, `null` = missing datapoint.
 */

const defaults = DEFAULT_CONFIG.detection;

/**
 * Detection thresholds pinned to the values the detector tests are written against, so retuning a
 * default in `config.ts` does not silently change what a detector test proves. The defaults
 * themselves are the config tests' business.
 */
export const detection: DetectionConfig = {
  consumerLag: {
    ...defaults.consumerLag,
    noConsumersMinutes: 3,
    stalledMinutes: 3,
    slowWindowMinutes: 10,
    slowMinGrowth: 100,
    minBacklog: 1,
    deadLetterMinGrowth: 5,
  },
  connections: {
    ...defaults.connections,
    warnPercent: 80,
    criticalPercent: 95,
    sustainMinutes: 3,
    forecastHorizonMinutes: 60,
    forecastMinPercent: 50,
    forecastWindowMinutes: 20,
    forecastMinFit: 0.8,
  },
  resources: {
    ...defaults.resources,
    cpu: { warnPercent: 85, criticalPercent: 95, sustainMinutes: 10 },
    heap: { warnPercent: 80, criticalPercent: 90, sustainMinutes: 10 },
    store: { warnPercent: 80, criticalPercent: 95, sustainMinutes: 3 },
    tempStore: { warnPercent: 80, criticalPercent: 95, sustainMinutes: 3 },
    memory: { warnPercent: 80, criticalPercent: 95, sustainMinutes: 5 },
    fileDescriptors: { warnPercent: 80, criticalPercent: 95, sustainMinutes: 5 },
    fileDescriptorLimitPerNode: 64_000,
    diskWarnRatio: 2,
    diskCriticalRatio: 1.1,
    diskSustainMinutes: 3,
    fillForecastHorizonMinutes: 60,
  },
  brokerHealth: {
    ...defaults.brokerHealth,
    silentMinutes: 5,
    maxDataDelayMinutes: 15,
    rebootGraceMinutes: 20,
  },
};

/** Minutes in the window most detector tests use. */
export const WINDOW_MINUTES = 30;

/** Start of the window: a Monday morning, UTC. */
export const WINDOW_START_MS = Date.UTC(2026, 2, 2, 9, 0);

/** An ActiveMQ active/standby pair on mq.m5.large (nodes `orders-amq-1` and `orders-amq-2`). */
export const activeMqBroker: Broker = fixedBroker(anActiveMqBroker("orders-amq"), "b-1f2e3d4c-0001");

/** A RabbitMQ three-node cluster on mq.m5.large (CloudWatch `Broker` dimension = the broker name). */
export const rabbitMqBroker: Broker = fixedBroker(aRabbitMqBroker("events-rmq"), "b-9a8b7c6d-0002");

/** A single-instance RabbitMQ 4.2 broker on mq.m7g.large (default limits 1,500 connections / 4,500 channels). */
export const rabbitMq4Broker: Broker = Object.freeze({
  ...rabbitMqBroker,
  id: "b-9a8b7c6d-0003",
  name: "orders-rmq4",
  arn: "arn:aws:mq:eu-west-1:123456789012:broker:orders-rmq4:b-9a8b7c6d-0003",
  engineVersion: "4.2",
  deploymentMode: "SINGLE_INSTANCE",
  instanceType: "mq.m7g.large",
  configuration: { id: "c-orders", revision: 3 },
  nodes: ["orders-rmq4"],
});

/** A copy of a broker with some facts changed (state, instance type, deployment mode...). */
export function brokerWith(base: Broker, overrides: Partial<Broker>): Broker {
  return { ...base, ...overrides };
}

export interface ObservationParts {
  /** Broker-level series keyed by CloudWatch metric name. */
  series?: Record<string, Series>;
  /** Latest values of limit metrics (`OpenwireMaximumConnections`, `RabbitMQMemLimit`, ...). */
  limits?: Record<string, number>;
  queues?: QueueMetrics[];
  /** Defaults to the length of the longest series, else `WINDOW_MINUTES`. */
  minutes?: number;
  /** Per-node series of a RabbitMQ cluster. */
  nodes?: NodeObservation[];
  /** Limits the broker's configuration sets (RabbitMQ 4). */
  configuredLimits?: RabbitMqConfiguredLimits | null;
}

/** What the detectors get for one broker in one cycle; the active node is the broker's first node. */
export function observation(broker: Broker, parts: ObservationParts = {}): BrokerObservation {
  const series = parts.series ?? {};
  const longest = Math.max(0, ...Object.values(series).map((s) => s.length));
  const queues = parts.queues ?? [];
  return {
    broker,
    node: broker.nodes[0] ?? null,
    window: { startMs: WINDOW_START_MS, minutes: parts.minutes ?? (longest || WINDOW_MINUTES) },
    series,
    limits: parts.limits ?? {},
    queues,
    knownQueueCount: queues.length,
    ...(parts.nodes ? { nodes: parts.nodes } : {}),
    ...(parts.configuredLimits !== undefined ? { configuredLimits: parts.configuredLimits } : {}),
  };
}

/** One RabbitMQ node's series and limits for a cycle. */
export function nodeMetrics(node: string, series: Record<string, Series>, limits: Record<string, number> = {}): NodeObservation {
  return { node, series, limits };
}

/** One queue's series for a cycle. */
export function queueMetrics(name: string, series: Record<string, Series>, vhost?: string): QueueMetrics {
  return { queue: vhost === undefined ? { name } : { name, vhost }, series };
}

/** `n` minutes at one value. */
export function flat(value: number, n: number): number[] {
  return Array.from({ length: n }, () => value);
}

/** `n` missing minutes. */
export function nulls(n: number): null[] {
  return Array.from({ length: n }, () => null);
}

/** A straight line of `n` minutes from `from` (oldest) to `to` (newest), both included. */
export function ramp(from: number, to: number, n: number): number[] {
  if (n === 1) return [to];
  return Array.from({ length: n }, (_, i) => from + ((to - from) * i) / (n - 1));
}

/**
 * A sawtooth of `n` minutes: climbs from `low` to `high` over `period` minutes, then drops back to
 * `low` (a garbage-collected heap, a batch that fills and drains).
 */
export function sawtooth(low: number, high: number, period: number, n: number): number[] {
  const step = (high - low) / (period - 1);
  return Array.from({ length: n }, (_, i) => low + step * (i % period));
}

/** Alternates between two values every minute, starting with `a`. */
export function alternate(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? a : b));
}

/**
 * `n` minutes around `base`, each within `amplitude` of it. Deterministic (a fixed LCG per seed), so
 * a failing case always fails the same way.
 */
export function noisy(base: number, amplitude: number, n: number, seed = 7): number[] {
  let state = seed >>> 0;
  return Array.from({ length: n }, () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return Math.round(base + amplitude * ((state / 2 ** 32) * 2 - 1));
  });
}

/**
 * A copy of a series with the given minutes missing. Negative indexes count from the newest minute
 * (`-1` is the last one).
 */
export function withGaps(series: Series, indexes: readonly number[]): (number | null)[] {
  const out = [...series];
  for (const i of indexes) out[i < 0 ? out.length + i : i] = null;
  return out;
}

/** Joins series parts oldest first: `series(flat(0, 27), ramp(40, 120, 3))`. */
export function series(...parts: readonly Series[]): (number | null)[] {
  return parts.flat();
}
