import { metricsFor, NODE_DISCOVERY_METRIC } from "../core/metric-catalog";
import type { EngineType, MinuteWindow, QueueRef, Series } from "../core/types";
import { MINUTE_MS } from "../core/types";
import type { Clock, ListedMetric, MetricFetch, MetricRequest, MetricSource, NodeListing, QueueListing } from "../ports";

/**
 * A span of recorded history held in memory: per-minute values of each series (NaN where CloudWatch
 * had no datapoint), keyed by {@link metricKey}.
 */
export interface RecordedHistory {
  /** Epoch ms of datapoint 0. */
  startMs: number;
  minutes: number;
  values: ReadonlyMap<string, Float64Array>;
  /** The series as ListMetrics listed them (for queue and node discovery). */
  listed: readonly ListedMetric[];
}

/** ListMetrics' `RecentlyActive` (PT3H): a queue without datapoints for three hours is not listed. */
const RECENTLY_ACTIVE_MINUTES = 180;

/** The identity of a series read with a statistic: namespace, metric, dimensions (sorted) and statistic. */
export function metricKey(m: Pick<MetricRequest, "namespace" | "metric" | "dimensions" | "stat">): string {
  const dims = Object.entries(m.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return `${m.namespace}|${m.metric}|${dims}|${m.stat}`;
}

/**
 * `MetricSource` over recorded history, on a clock that walks through it (a backtest): each cycle
 * sees what CloudWatch would have answered at that minute, datapoint `i` from minute
 * `i + 1 + publishDelayMinutes`. Nothing is billed: the history was read once, before. A request
 * for a series the history does not hold is not read (its key goes to `failedKeys`), never silence.
 */
export class RecordedMetricSource implements MetricSource {
  private readonly listings = new Map<EngineType, QueueListing>();
  private nodeListing: NodeListing | null = null;
  /** Series asked for but not in the history, by key (a gap in the plan of the history read). */
  readonly missing = new Set<string>();

  constructor(
    private readonly history: RecordedHistory,
    private readonly clock: Clock,
    private readonly publishDelayMinutes = 1,
  ) {}

  /** The first datapoint index not yet visible now. */
  private visibleEnd(): number {
    const t = Math.floor((this.clock.now() - this.history.startMs) / MINUTE_MS);
    return Math.min(this.history.minutes, Math.max(0, t - this.publishDelayMinutes));
  }

  /** True when a listed series had a datapoint in the three hours before now (ListMetrics' RecentlyActive). */
  private recentlyActive(m: ListedMetric, stat: string): boolean {
    const values = this.history.values.get(metricKey({ ...m, stat: stat as MetricRequest["stat"] }));
    if (!values) return false;
    const end = this.visibleEnd();
    for (let i = Math.max(0, end - RECENTLY_ACTIVE_MINUTES); i < end; i++) if (!Number.isNaN(values[i] as number)) return true;
    return false;
  }

  async listQueues(engine: EngineType, maxAgeMs: number): Promise<QueueListing> {
    const now = this.clock.now();
    const cached = this.listings.get(engine);
    if (cached && now - cached.listedAt < maxAgeMs) return cached;
    const catalog = metricsFor(engine);
    const stat = catalog.queueSweep[0]?.stat ?? "Maximum";
    const queuesByNode = new Map<string, QueueRef[]>();
    for (const m of this.history.listed) {
      const dims = m.dimensions;
      if (m.metric !== catalog.queueDiscoveryMetric || Object.keys(dims).length !== catalog.queueDimensions.length) continue;
      if (!catalog.queueDimensions.every((d) => dims[d] !== undefined) || !this.recentlyActive(m, stat)) continue;
      const node = dims.Broker as string;
      const queue: QueueRef =
        dims.VirtualHost !== undefined ? { name: dims.Queue as string, vhost: dims.VirtualHost } : { name: dims.Queue as string };
      queuesByNode.set(node, [...(queuesByNode.get(node) ?? []), queue]);
    }
    const listing = { queuesByNode, listedAt: now };
    this.listings.set(engine, listing);
    return listing;
  }

  async listNodes(maxAgeMs: number): Promise<NodeListing> {
    const now = this.clock.now();
    if (this.nodeListing && now - this.nodeListing.listedAt < maxAgeMs) return this.nodeListing;
    const nodesByBroker = new Map<string, string[]>();
    for (const m of this.history.listed) {
      const { Broker: broker, Node: node } = m.dimensions;
      if (m.metric !== NODE_DISCOVERY_METRIC || Object.keys(m.dimensions).length !== 2 || !broker || !node) continue;
      if (!this.recentlyActive(m, "Maximum")) continue;
      const list = nodesByBroker.get(broker) ?? [];
      if (!list.includes(node)) list.push(node);
      nodesByBroker.set(broker, list.sort());
    }
    this.nodeListing = { nodesByBroker, listedAt: now };
    return this.nodeListing;
  }

  async fetch(requests: readonly MetricRequest[], window: MinuteWindow): Promise<MetricFetch> {
    const result: MetricFetch = { series: new Map(), failedKeys: new Set(), errors: [], calls: 0, metricsRequested: 0 };
    const end = this.visibleEnd();
    const offset = Math.round((window.startMs - this.history.startMs) / MINUTE_MS);
    let missing = 0;
    for (const r of requests) {
      const values = this.history.values.get(metricKey(r));
      if (!values) {
        this.missing.add(metricKey(r));
        result.failedKeys.add(r.key);
        missing++;
        continue;
      }
      const series: (number | null)[] = new Array(window.minutes);
      for (let m = 0; m < window.minutes; m++) {
        const i = offset + m;
        const v = i >= 0 && i < end ? (values[i] as number) : Number.NaN;
        series[m] = Number.isNaN(v) ? null : v;
      }
      result.series.set(r.key, series as Series);
    }
    if (missing > 0) result.errors.push(`${missing} metrics not in the history read for the backtest — not read this cycle`);
    return result;
  }
}
