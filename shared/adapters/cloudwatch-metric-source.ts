import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  ListMetricsCommand,
  type MessageData,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { mapWithConcurrency } from "../core/concurrency";
import { metricsFor, NAMESPACE, NODE_DISCOVERY_METRIC } from "../core/metric-catalog";
import type { EngineType, MinuteWindow, QueueRef, Series } from "../core/types";
import { MINUTE_MS } from "../core/types";
import { describeError } from "../errors";
import type {
  Clock,
  ListedMetric,
  Log,
  MetricFetch,
  MetricHistory,
  MetricRequest,
  MetricSource,
  NodeListing,
  QueueListing,
} from "../ports";
import { withRetry } from "./retry";

/** GetMetricData quotas: queries and datapoints per call. */
export const MAX_QUERIES_PER_CALL = 500;
export const MAX_DATAPOINTS_PER_CALL = 100_800;
/** Calls in flight at once; GetMetricData allows 50 TPS per account and region. */
const FETCH_CONCURRENCY = 5;
/** Only queues with datapoints in the last 3 hours: deleted queues stop costing money. */
const RECENTLY_ACTIVE = "PT3H";
/** Result StatusCodes whose datapoints were not read (CloudWatch failed, or refused the metric). */
const NOT_READ_STATUSES = new Set(["InternalError", "Forbidden"]);
/** An AWS message quoted in a cycle's errors is cut to this length. */
const MAX_MESSAGE_CHARS = 200;

/** Queries of one batch CloudWatch did not answer completely, by the reason (their StatusCode). */
type NotRead = Map<string, { indexes: Set<number>; messages: Set<string> }>;

/**
 * `MetricSource` over CloudWatch: one GetMetricData call per batch of up to 500 queries (fewer when
 * the window is long, to stay under 100,800 datapoints), following NextToken, with retries; queue
 * discovery with ListMetrics, cached per engine, and RabbitMQ node discovery the same way.
 *
 * Only `Complete` results are data. A result CloudWatch answers `InternalError` or `Forbidden` (with
 * older datapoints or none), or that is still `PartialData` once there is no NextToken left to
 * follow, is not read: its key goes to `failedKeys` with the reason in `errors`, never into `series`,
 * so no detector mistakes missing minutes for a silent broker. It is not retried within the cycle:
 * the next cycle reads the whole window again (and each call is billed).
 */
export class CloudWatchMetricSource implements MetricSource, MetricHistory {
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
      for (const dims of await this.listSeries(catalog.queueDiscoveryMetric)) {
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
      for (const dims of await this.listSeries(NODE_DISCOVERY_METRIC, "Node")) {
        const broker = dims.get("Broker");
        const node = dims.get("Node");
        // Only the per-node series: exactly `Broker` + `Node`.
        if (dims.size !== 2 || !broker || !node) continue;
        const list = nodesByBroker.get(broker) ?? [];
        if (!list.includes(node)) list.push(node);
        nodesByBroker.set(broker, list);
      }
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

  /**
   * Every `AWS/AmazonMQ` series with data in the last two weeks (ListMetrics without `RecentlyActive`),
   * for a backtest: page after page, each page retried on throttling.
   */
  async listMetrics(): Promise<ListedMetric[]> {
    const out: ListedMetric[] = [];
    let nextToken: string | undefined;
    do {
      const page = await withRetry("cloudwatch:ListMetrics", this.clock, () =>
        this.client.send(new ListMetricsCommand({ Namespace: NAMESPACE, NextToken: nextToken })),
      );
      for (const m of page.Metrics ?? []) {
        out.push({
          namespace: m.Namespace ?? NAMESPACE,
          metric: m.MetricName ?? "",
          dimensions: Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""])),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return out;
  }

  /**
   * The dimensions of every recently active series of a metric (with a dimension of that name, when
   * given), ListMetrics page after page, each page retried on throttling.
   */
  private async listSeries(metricName: string, withDimension?: string): Promise<Map<string, string>[]> {
    const out: Map<string, string>[] = [];
    let nextToken: string | undefined;
    do {
      const page = await withRetry("cloudwatch:ListMetrics", this.clock, () =>
        this.client.send(
          new ListMetricsCommand({
            Namespace: NAMESPACE,
            MetricName: metricName,
            ...(withDimension ? { Dimensions: [{ Name: withDimension }] } : {}),
            RecentlyActive: RECENTLY_ACTIVE,
            NextToken: nextToken,
          }),
        ),
      );
      for (const metric of page.Metrics ?? []) out.push(new Map((metric.Dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""])));
      nextToken = page.NextToken;
    } while (nextToken);
    return out;
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
        const read = await this.fetchBatch(batch, window, () => result.calls++);
        // Every page (a call with the batch's queries and a NextToken) bills the batch's metrics again.
        result.metricsRequested += (read.pages - 1) * batch.length;
        for (const [key, series] of read.series) result.series.set(key, series);
        for (const [status, { indexes, messages }] of read.notRead) {
          for (const i of indexes) result.failedKeys.add((batch[i] as MetricRequest).key);
          const why = status === "PartialData" ? "PartialData with no NextToken left to follow" : status;
          const quoted = [...messages].map((m) => (m.length > MAX_MESSAGE_CHARS ? `${m.slice(0, MAX_MESSAGE_CHARS)}…` : m));
          result.errors.push(
            `StatusCode ${why}${quoted.length ? ` (${quoted.join("; ")})` : ""} — ${indexes.size} metrics not read this cycle`,
          );
          this.log.error("GetMetricData results not read", { status, metrics: indexes.size, messages: quoted });
        }
      } catch (error) {
        for (const r of batch) result.failedKeys.add(r.key);
        const line = `${describeError(error)} — ${batch.length} metrics not read this cycle`;
        result.errors.push(line);
        this.log.error("GetMetricData batch failed", { metrics: batch.length, error: describeError(error) });
      }
    });
    return result;
  }

  private async fetchBatch(
    batch: readonly MetricRequest[],
    window: MinuteWindow,
    countCall: () => void,
  ): Promise<{ series: Map<string, Series>; notRead: NotRead; pages: number }> {
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
    /** Each query's StatusCode on the last page that answered it. */
    const statuses = batch.map(() => "Complete");
    const notRead: NotRead = new Map();
    const start = new Date(window.startMs);
    const end = new Date(window.startMs + window.minutes * MINUTE_MS);
    let nextToken: string | undefined;
    let pages = 0;
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
      pages++;
      for (const r of page.MetricDataResults ?? []) {
        const index = Number((r.Id ?? "").slice(1));
        const target = values[index];
        if (!target) continue;
        const status = r.StatusCode ?? "Complete";
        statuses[index] = status;
        if (NOT_READ_STATUSES.has(status)) {
          // Whatever datapoints came with it are not the whole window: none of them counts.
          markNotRead(notRead, status, index, r.Messages);
          continue;
        }
        const timestamps = r.Timestamps ?? [];
        const points = r.Values ?? [];
        for (let j = 0; j < timestamps.length; j++) {
          const minute = Math.floor(((timestamps[j] as Date).getTime() - window.startMs) / MINUTE_MS);
          const value = points[j];
          if (minute >= 0 && minute < window.minutes && value != null && Number.isFinite(value)) target[minute] = value;
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
    // PartialData is complete only once its NextToken is followed; one still partial holds older minutes only.
    const failed = new Set([...notRead.values()].flatMap((n) => [...n.indexes]));
    statuses.forEach((status, i) => {
      if (status !== "PartialData" || failed.has(i)) return;
      markNotRead(notRead, status, i, []);
      failed.add(i);
    });
    const series = new Map<string, Series>();
    batch.forEach((r, i) => {
      if (!failed.has(i)) series.set(r.key, values[i] as Series);
    });
    return { series, notRead, pages };
  }
}

function markNotRead(notRead: NotRead, status: string, index: number, messages: readonly MessageData[] | undefined): void {
  let entry = notRead.get(status);
  if (!entry) {
    entry = { indexes: new Set(), messages: new Set() };
    notRead.set(status, entry);
  }
  entry.indexes.add(index);
  for (const m of messages ?? []) entry.messages.add([m.Code, m.Value].filter(Boolean).join(": "));
}
