import { setTimeout as sleep } from "node:timers/promises";
import { NAMESPACE } from "../../core/metric-catalog";
import { EngineType, MINUTE_MS } from "../../core/types";
import { aggregatePeriods, SimulatedAccount } from "../simulated-account";
import type { LatencyModel, TimedCall } from "./api-latency";
import {
  type BrokerModel,
  brokerValue,
  type Fleet,
  publishedMetrics,
  publishedSeries,
  type QueueModel,
  type QueueState,
  queueMetricValue,
  queueStateAt,
  type Totals,
  totalsAt,
} from "./reference-fleet";

/**
 * The simulated account of a reference fleet. The Amazon MQ API (and every other operation) is
 * answered by the project's own `SimulatedAccount` from the fleet's brokers; CloudWatch's
 * `GetMetricData` and `ListMetrics` are answered here, from values computed on demand, with the
 * same semantics (DESIGN.md §3): datapoint `i` is visible from minute `i + 1 + publishDelayMinutes`,
 * a query matches a series only with exactly the same namespace, metric and dimension set, at most
 * 500 queries and 100,800 datapoints a call, `ListMetrics` pages of 500. A test compares both
 * accounts on a materialized fleet.
 *
 * Only the active node of a pair publishes (the fleet does not fail over), and no series has gaps.
 */

const LIST_METRICS_PAGE = 500;
/** Fields of one cached queue minute. */
const FIELDS = 5;

/** A series as ListMetrics lists it. */
type ListedMetric = { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] };

interface SeriesRef {
  broker: BrokerModel;
  /** Index in `broker.queues`, or -1 for a broker-level series. */
  queue: number;
  metric: string;
  /** The cached state field a queue metric reads, or -1 when it is computed from the whole state. */
  field: number;
}

/** Queue metrics read straight from a cached state field. */
const STATE_FIELDS: Readonly<Record<string, number>> = {
  QueueSize: 0,
  MessageReadyCount: 0,
  EnqueueCount: 1,
  DequeueCount: 2,
  DispatchCount: 2,
  ConsumerCount: 3,
  InFlightCount: 4,
  MessageUnacknowledgedCount: 4,
};

interface QueueCache {
  minutes: Int32Array;
  /** Queue states are whole numbers of messages and consumers: Float32 holds them exactly. */
  values: Float32Array;
}

/** Minutes of state each queue keeps: a power of two above the longest window read, so a window is computed once. */
function ringSize(windowMinutes: number): number {
  let size = 16;
  while (size < windowMinutes + 8) size *= 2;
  return size;
}

export class FleetAccount extends SimulatedAccount {
  private readonly byNode = new Map<string, BrokerModel>();
  private readonly queueIndex = new Map<BrokerModel, Map<string, number>>();
  private readonly caches = new Map<QueueModel, QueueCache>();
  private readonly totalsCache = new Map<BrokerModel, { minutes: Int32Array; totals: Totals[] }>();
  private readonly listings = new Map<string, Record<string, unknown>[]>();
  private readonly dates: Date[] = [];
  private everySeries: ListedMetric[] | null = null;

  private readonly ring: number;

  constructor(
    readonly fleet: Fleet,
    windowMinutes = 60,
  ) {
    super(fleet.scenario);
    this.ring = ringSize(windowMinutes);
    for (const b of fleet.brokers) {
      this.byNode.set(b.activeNode, b);
      this.queueIndex.set(b, new Map(b.queues.map((q, i) => [queueId(q.vhost, q.name), i])));
    }
  }

  /** When set, every call waits this model's latency (real timers) and is timed into `timedCalls`. */
  latency: LatencyModel | null = null;
  readonly timedCalls: TimedCall[] = [];
  /** Time spent computing answers, without reading requests and writing responses on the wire. */
  private computeMs = 0;

  /** Time spent answering (the simulation's own work, not mq-sentinel's): computing, and the wire's server side. */
  get answerMs(): number {
    return this.computeMs + this.wireMs;
  }
  private callNumber = 0;

  override async handle(service: string, operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const op = `${service}:${operation}`;
    await this.wait(op, input);
    const started = performance.now();
    try {
      if (op !== "cloudwatch:GetMetricData" && op !== "cloudwatch:ListMetrics") return await super.handle(service, operation, input);
      this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
      this.throwIfFaulted(op);
      return op === "cloudwatch:GetMetricData" ? this.answerGetMetricData(input) : this.answerListMetrics(input);
    } finally {
      this.computeMs += performance.now() - started;
    }
  }

  /** Waits the latency of one call (when latency is on) and records when it started. */
  async wait(operation: string, input: Record<string, unknown> = {}): Promise<void> {
    if (!this.latency) return;
    this.timedCalls.push({ operation, startedAt: performance.now() });
    await sleep(this.latency.delayMs(operation, input, this.callNumber++));
  }

  /** The value of a series' datapoint `i`, as visible now (null when not published yet). */
  seriesValue(ref: SeriesRef, i: number): number | null {
    if (i < 0 || i > this.minute - 1 - this.scenario.publishDelayMinutes) return null;
    if (ref.queue < 0) return brokerValue(ref.broker, ref.metric, i, this.totals);
    const q = ref.broker.queues[ref.queue] as QueueModel;
    if (ref.field >= 0) return this.field(ref.broker, q, i, ref.field);
    return queueMetricValue(ref.broker.engine, q, this.state(ref.broker, q, i), ref.metric, i);
  }

  /** Resolves a metric identity to one of the fleet's series (exact dimension set), or null. */
  resolve(namespace: string, metric: string, dimensions: Record<string, string>): SeriesRef | null {
    if (namespace !== NAMESPACE) return null;
    const node = dimensions.Broker;
    const broker = node === undefined ? undefined : this.byNode.get(node);
    if (!broker) return null;
    const names = publishedMetrics(broker.engine);
    const keys = Object.keys(dimensions).length;
    if (keys === 1) return names.broker.includes(metric) ? { broker, queue: -1, metric, field: -1 } : null;
    const rabbit = broker.engine === EngineType.rabbitmq;
    if (keys !== (rabbit ? 3 : 2) || dimensions.Queue === undefined || (rabbit && dimensions.VirtualHost === undefined)) return null;
    if (!names.queue.includes(metric)) return null;
    const index = this.queueIndex.get(broker)?.get(queueId(rabbit ? dimensions.VirtualHost : undefined, dimensions.Queue));
    return index === undefined ? null : { broker, queue: index, metric, field: STATE_FIELDS[metric] ?? -1 };
  }

  /** One field of a queue's state at a minute, computed once and kept for the next reads of the window. */
  private field(broker: BrokerModel, q: QueueModel, minute: number, field: number): number {
    let cache = this.caches.get(q);
    if (!cache) {
      cache = { minutes: new Int32Array(this.ring).fill(-1), values: new Float32Array(this.ring * FIELDS) };
      this.caches.set(q, cache);
    }
    const slot = minute & (this.ring - 1);
    const base = slot * FIELDS;
    if (cache.minutes[slot] !== minute) {
      const s = queueStateAt(broker, q, minute);
      cache.minutes[slot] = minute;
      cache.values[base] = s.backlog;
      cache.values[base + 1] = s.enqueues;
      cache.values[base + 2] = s.dequeues;
      cache.values[base + 3] = s.consumers;
      cache.values[base + 4] = s.inFlight;
    }
    return cache.values[base + field] as number;
  }

  /** A queue's state at a minute, from the cache. */
  private readonly state = (broker: BrokerModel, q: QueueModel, minute: number): QueueState => ({
    backlog: this.field(broker, q, minute, 0),
    enqueues: this.field(broker, q, minute, 1),
    dequeues: this.field(broker, q, minute, 2),
    consumers: this.field(broker, q, minute, 3),
    inFlight: this.field(broker, q, minute, 4),
  });

  /** Broker totals at a minute: sums of the cached queue states, kept for the next reads of the window. */
  private readonly totals = (broker: BrokerModel, minute: number): Totals => {
    let cache = this.totalsCache.get(broker);
    if (!cache) {
      cache = { minutes: new Int32Array(this.ring).fill(-1), totals: new Array<Totals>(this.ring) };
      this.totalsCache.set(broker, cache);
    }
    const slot = minute & (this.ring - 1);
    if (cache.minutes[slot] !== minute) {
      cache.minutes[slot] = minute;
      cache.totals[slot] = totalsAt(broker, minute, this.state);
    }
    return cache.totals[slot] as Totals;
  };

  private answerGetMetricData(input: Record<string, unknown>): Record<string, unknown> {
    return this.answerMetricData(input, (metric, startMs, endMs, period, stat) => {
      const ref = this.resolve(metric.namespace, metric.name, metric.dimensions);
      const points = ref ? this.aggregateSeries(ref, startMs, endMs, period, stat) : { t: [], v: [] };
      return { timestamps: points.t, values: points.v };
    });
  }

  private aggregateSeries(ref: SeriesRef, startMs: number, endMs: number, period: number, stat: string): { t: Date[]; v: number[] } {
    const out: { t: Date[]; v: number[] } = { t: [], v: [] };
    const perPeriod = Math.max(1, Math.round(Math.max(60, period) / 60));
    const firstIndex = Math.ceil((startMs - this.scenario.startMs) / MINUTE_MS);
    const endIndex = Math.ceil((endMs - this.scenario.startMs) / MINUTE_MS);
    if (perPeriod === 1) {
      // The common case (mq-sentinel reads 60 s periods): one datapoint per visible minute.
      for (let i = firstIndex; i < endIndex; i++) {
        const v = this.seriesValue(ref, i);
        if (v == null) continue;
        out.t.push(this.timestamp(i));
        out.v.push(v);
      }
      return out;
    }
    for (const { minute, value } of aggregatePeriods(firstIndex, endIndex, perPeriod, stat, (i) => this.seriesValue(ref, i))) {
      out.t.push(this.timestamp(minute));
      out.v.push(value);
    }
    return out;
  }

  /**
   * The timestamp of datapoint `i`. Answers share one Date per minute: millions of datapoints a
   * cycle would otherwise spend the benchmark's time in the garbage collector (readers only call getTime()).
   */
  private timestamp(i: number): Date {
    let date = this.dates[i];
    if (!date) {
      date = new Date(this.scenario.startMs + i * MINUTE_MS);
      this.dates[i] = date;
    }
    return date;
  }

  private answerListMetrics(input: Record<string, unknown>): Record<string, unknown> {
    const namespace = input.Namespace as string | undefined;
    const name = input.MetricName as string | undefined;
    const filters = (input.Dimensions as { Name: string; Value?: string }[] | undefined) ?? [];
    // Every series has data from datapoint 0: all are listed once that is visible (RecentlyActive included).
    if (this.minute - 1 - this.scenario.publishDelayMinutes < 0) return { Metrics: [] };
    const cacheKey = JSON.stringify([namespace ?? null, name ?? null, filters]);
    let matching = this.listings.get(cacheKey);
    if (!matching) {
      this.everySeries ??= this.allSeries();
      matching = this.everySeries.filter(
        (s) =>
          (!namespace || s.Namespace === namespace) &&
          (!name || s.MetricName === name) &&
          filters.every((f) => s.Dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value))),
      );
      this.listings.set(cacheKey, matching);
    }
    const offset = this.listMetricsOffset(input.NextToken);
    const page = matching.slice(offset, offset + LIST_METRICS_PAGE).map((m) => structuredClone(m));
    return { Metrics: page, ...this.listMetricsNextToken(offset, matching.length) };
  }

  private allSeries(): ListedMetric[] {
    return this.fleet.brokers.flatMap((b) =>
      publishedSeries(b).map((s) => ({
        Namespace: NAMESPACE,
        MetricName: s.metric,
        Dimensions: Object.entries(s.dimensions).map(([Name, Value]) => ({ Name, Value })),
      })),
    );
  }
}

function queueId(vhost: string | undefined, name: string | undefined): string {
  return `${vhost ?? ""}\u0000${name ?? ""}`;
}
