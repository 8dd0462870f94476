import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  ListMetricsCommand,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { mapWithConcurrency } from "../core/concurrency";
import { metricsFor, NAMESPACE, NODE_DISCOVERY_METRIC } from "../core/metric-catalog";
import type { EngineType, MinuteWindow, QueueRef, Series } from "../core/types";
import { describeError } from "../errors";
import type { Clock, Log, MetricFetch, MetricRequest, MetricSource, NodeListing, QueueListing } from "../ports";
import { withRetry } from "./retry";

/** GetMetricData quotas: queries and datapoints per call. */
export const MAX_QUERIES_PER_CALL = 500;
export const MAX_DATAPOINTS_PER_CALL = 100_800;
/** Calls in flight at once; GetMetricData allows 50 TPS per account and region. */
const FETCH_CONCURRENCY = 5;
/** Only queues with datapoints in the last 3 hours: deleted queues stop costing money. */
const RECENTLY_ACTIVE = "PT3H";
const MINUTE = 60_000;

/**
 * `MetricSource` over CloudWatch: one GetMetricData call per batch of up to 500 queries (fewer when
 * the window is long, to stay under 100,800 datapoints), following NextToken, with retries; queue
 * discovery with ListMetrics, cached per engine, and RabbitMQ node discovery the same way.
 */
export class CloudWatchMetricSource implements MetricSource {
  private readonly listings = new Map<EngineType, QueueListing>();
  private nodeListing: NodeListing | null = null;

  constructor(
    private readonly client: CloudWatchClient,
    private readonly clock: Clock,
    private readonly log: Log,
  ) {}

  async listQueues(engine: EngineType, maxAgeMs: number): Promise<QueueListing> {
    const cached = this.listings.get(engine);
    const now = this.clock.now();
    if (cached && now - cached.listedAt < maxAgeMs) return cached;
    const catalog = metricsFor(engine);
    try {
      const queuesByNode = new Map<string, QueueRef[]>();
      let nextToken: string | undefined;
      do {
        const page = await withRetry("cloudwatch:ListMetrics", this.clock, () =>
          this.client.send(
            new ListMetricsCommand({
              Namespace: NAMESPACE,
              MetricName: catalog.queueDiscoveryMetric,
              RecentlyActive: RECENTLY_ACTIVE,
              NextToken: nextToken,
            }),
          ),
        );
        for (const metric of page.Metrics ?? []) {
          const dims = new Map((metric.Dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""]));
          // Only queue series: the broker-level series of the same metric name have the Broker dimension alone.
          if (dims.size !== catalog.queueDimensions.length || !catalog.queueDimensions.every((d) => dims.has(d))) continue;
          const node = dims.get("Broker") as string;
          const queue: QueueRef = dims.has("VirtualHost")
            ? { name: dims.get("Queue") as string, vhost: dims.get("VirtualHost") as string }
            : { name: dims.get("Queue") as string };
          const list = queuesByNode.get(node) ?? [];
          list.push(queue);
          queuesByNode.set(node, list);
        }
        nextToken = page.NextToken;
      } while (nextToken);
      const listing: QueueListing = { queuesByNode, listedAt: now };
      this.listings.set(engine, listing);
      return listing;
    } catch (error) {
      if (cached) {
        this.log.warn("queue listing failed; using the previous one", { engine, error: describeError(error) });
        return cached;
      }
      throw error;
    }
  }

  /**
   * RabbitMQ cluster nodes, discovered like the queues: ListMetrics of one per-node metric with the
   * `Node` dimension (every node of every broker in the region, a few pages at most), cached; on a
   * failure the previous listing is reused.
   */
  async listNodes(maxAgeMs: number): Promise<NodeListing> {
    const cached = this.nodeListing;
    const now = this.clock.now();
    if (cached && now - cached.listedAt < maxAgeMs) return cached;
    try {
      const nodesByBroker = new Map<string, string[]>();
      let nextToken: string | undefined;
      do {
        const page = await withRetry("cloudwatch:ListMetrics", this.clock, () =>
          this.client.send(
            new ListMetricsCommand({
              Namespace: NAMESPACE,
              MetricName: NODE_DISCOVERY_METRIC,
              Dimensions: [{ Name: "Node" }],
              RecentlyActive: RECENTLY_ACTIVE,
              NextToken: nextToken,
            }),
          ),
        );
        for (const metric of page.Metrics ?? []) {
          const dims = new Map((metric.Dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""]));
          const broker = dims.get("Broker");
          const node = dims.get("Node");
          // Only the per-node series: exactly `Broker` + `Node`.
          if (dims.size !== 2 || !broker || !node) continue;
          const list = nodesByBroker.get(broker) ?? [];
          if (!list.includes(node)) list.push(node);
          nodesByBroker.set(broker, list);
        }
        nextToken = page.NextToken;
      } while (nextToken);
      for (const list of nodesByBroker.values()) list.sort();
      const listing: NodeListing = { nodesByBroker, listedAt: now };
      this.nodeListing = listing;
      return listing;
    } catch (error) {
      if (cached) {
        this.log.warn("node listing failed; using the previous one", { error: describeError(error) });
        return cached;
      }
      throw error;
    }
  }

  async fetch(requests: readonly MetricRequest[], window: MinuteWindow): Promise<MetricFetch> {
    const result: MetricFetch = { series: new Map(), failedKeys: new Set(), errors: [], calls: 0, metricsRequested: 0 };
    if (requests.length === 0) return result;
    const perCall = Math.max(1, Math.min(MAX_QUERIES_PER_CALL, Math.floor(MAX_DATAPOINTS_PER_CALL / window.minutes)));
    const batches: MetricRequest[][] = [];
    for (let i = 0; i < requests.length; i += perCall) batches.push(requests.slice(i, i + perCall));

    await mapWithConcurrency(batches, FETCH_CONCURRENCY, async (batch) => {
      result.metricsRequested += batch.length;
      try {
        const pages = await this.fetchBatch(batch, window, () => result.calls++);
        for (const [key, series] of pages) result.series.set(key, series);
      } catch (error) {
        for (const r of batch) result.failedKeys.add(r.key);
        const line = `${describeError(error)} — ${batch.length} metrics not read this cycle`;
        result.errors.push(line);
        this.log.error("GetMetricData batch failed", { metrics: batch.length, error: describeError(error) });
      }
    });
    return result;
  }

  private async fetchBatch(batch: readonly MetricRequest[], window: MinuteWindow, countCall: () => void): Promise<Map<string, Series>> {
    const queries: MetricDataQuery[] = batch.map((r, i) => ({
      Id: `m${i}`,
      MetricStat: {
        Metric: {
          Namespace: r.namespace,
          MetricName: r.metric,
          Dimensions: Object.entries(r.dimensions).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: 60,
        Stat: r.stat,
      },
      ReturnData: true,
    }));
    const values = batch.map(() => new Array<number | null>(window.minutes).fill(null));
    const start = new Date(window.startMs);
    const end = new Date(window.startMs + window.minutes * MINUTE);
    let nextToken: string | undefined;
    do {
      const page: GetMetricDataCommandOutput = await withRetry("cloudwatch:GetMetricData", this.clock, () => {
        countCall();
        return this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: start,
            EndTime: end,
            ScanBy: "TimestampAscending",
            NextToken: nextToken,
          }),
        );
      });
      for (const r of page.MetricDataResults ?? []) {
        const index = Number((r.Id ?? "").slice(1));
        const target = values[index];
        if (!target) continue;
        const timestamps = r.Timestamps ?? [];
        const points = r.Values ?? [];
        for (let j = 0; j < timestamps.length; j++) {
          const minute = Math.floor(((timestamps[j] as Date).getTime() - window.startMs) / MINUTE);
          const value = points[j];
          if (minute >= 0 && minute < window.minutes && value != null && Number.isFinite(value)) target[minute] = value;
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
    const out = new Map<string, Series>();
    batch.forEach((r, i) => {
      out.set(r.key, values[i] as Series);
    });
    return out;
  }
}
