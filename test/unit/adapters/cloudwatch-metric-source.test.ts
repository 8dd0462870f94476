import {
  CloudWatchClient,
  CloudWatchServiceException,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  ListMetricsCommand,
  type Metric,
} from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { CloudWatchMetricSource, MAX_DATAPOINTS_PER_CALL, MAX_QUERIES_PER_CALL } from "../../../shared/adapters/cloudwatch-metric-source";
import { MemoryIncidentStore } from "../../../shared/adapters/memory-incident-store";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { MAX_ATTEMPTS } from "../../../shared/adapters/retry";
import { type CycleReport, runMetricsCycle } from "../../../shared/app/run-metrics-cycle";
import { DEFAULT_CONFIG } from "../../../shared/core/config";
import { NAMESPACE } from "../../../shared/core/metric-catalog";
import { EngineType, type MinuteWindow } from "../../../shared/core/types";
import { ServiceCallError } from "../../../shared/errors";
import type { MetricRequest } from "../../../shared/ports";
import { serviceError } from "../../support/aws-errors";
import { MINUTE, TEST_CLIENT_CONFIG, TestClock } from "../../support/clock";
import { queueMetricRequest } from "../../support/metric-requests";
import { activeMqBroker, cycleDeps, FakeInventory, T0 } from "../app/fakes";

const WINDOW_START = Date.UTC(2026, 0, 15, 11, 0, 0);

const cloudWatch = mockClient(CloudWatchClient);

/** `count` QueueSize requests for queues `queue-0`, `queue-1`, ... on node `broker-1`. */
function queueRequests(count: number): MetricRequest[] {
  return Array.from({ length: count }, (_, i) => queueMetricRequest("broker-1", `queue-${i}`, "QueueSize", "Maximum"));
}

function windowOf(minutes: number): MinuteWindow {
  return { startMs: WINDOW_START, minutes };
}

/** A GetMetricData answer with one datapoint (value = query index) at the window's first minute for each query. */
function answerEveryQuery(input: GetMetricDataCommandInput): Partial<GetMetricDataCommandOutput> {
  return {
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({
      Id: q.Id,
      Timestamps: [new Date(WINDOW_START)],
      Values: [Number((q.Id ?? "m0").slice(1))],
      StatusCode: "Complete",
    })),
  };
}

const throttling = () => serviceError(CloudWatchServiceException, "ThrottlingException", 400, "Rate exceeded");
const accessDenied = () =>
  serviceError(CloudWatchServiceException, "AccessDeniedException", 403, "not authorized to perform cloudwatch:ListMetrics");

/** The MetricDataQueries of every GetMetricData call, in call order. */
function sentQueryBatches(): NonNullable<GetMetricDataCommandInput["MetricDataQueries"]>[] {
  return cloudWatch.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input.MetricDataQueries ?? []);
}

function metric(dimensions: Record<string, string>, name = "QueueSize"): Metric {
  return { Namespace: NAMESPACE, MetricName: name, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) };
}

function setUp(): { source: CloudWatchMetricSource; clock: TestClock; log: RecordingLog } {
  const clock = new TestClock();
  const log = new RecordingLog();
  const source = new CloudWatchMetricSource(new CloudWatchClient(TEST_CLIENT_CONFIG), clock, log);
  return { source, clock, log };
}

beforeEach(() => {
  cloudWatch.reset();
});

afterAll(() => {
  cloudWatch.restore();
});

describe("CloudWatchMetricSource", () => {
  describe("fetch", () => {
    it("reads 1,200 series over a 60-minute window in three calls of at most 500 queries", async () => {
      // Prepare
      cloudWatch.on(GetMetricDataCommand).callsFake(answerEveryQuery);
      const { source } = setUp();

      // Act
      const result = await source.fetch(queueRequests(1_200), windowOf(60));

      // Assess
      expect(cloudWatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 3);
      expect(
        sentQueryBatches()
          .map((b) => b.length)
          .sort((a, b) => b - a),
      ).toEqual([500, 500, 200]);
      expect(result.calls).toBe(3);
      expect(result.metricsRequested).toBe(1_200);
      expect(result.series.size).toBe(1_200);
      expect(result.failedKeys.size).toBe(0);
      expect(result.errors).toEqual([]);
    });

    it("asks for one-minute periods of each request's metric, statistic and dimensions over the window", async () => {
      // Prepare
      cloudWatch.on(GetMetricDataCommand).callsFake(answerEveryQuery);
      const { source } = setUp();
      const request = queueMetricRequest("shop-1", "orders", "EnqueueCount", "Sum");

      // Act
      await source.fetch([request], windowOf(30));

      // Assess
      expect(cloudWatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
        StartTime: new Date(WINDOW_START),
        EndTime: new Date(WINDOW_START + 30 * MINUTE),
        MetricDataQueries: [
          {
            Id: "m0",
            MetricStat: {
              Metric: {
                Namespace: NAMESPACE,
                MetricName: "EnqueueCount",
                Dimensions: [
                  { Name: "Broker", Value: "shop-1" },
                  { Name: "Queue", Value: "orders" },
                ],
              },
              Period: 60,
              Stat: "Sum",
            },
            ReturnData: true,
          },
        ],
      });
    });

    it("shrinks the batches of a 300-minute window to stay within 100,800 datapoints per call", async () => {
      // Prepare
      cloudWatch.on(GetMetricDataCommand).callsFake(answerEveryQuery);
      const { source } = setUp();
      const minutes = 300;

      // Act
      const result = await source.fetch(queueRequests(1_200), windowOf(minutes));

      // Assess
      const sizes = sentQueryBatches().map((b) => b.length);
      for (const size of sizes) expect(size * minutes).toBeLessThanOrEqual(MAX_DATAPOINTS_PER_CALL);
      expect(Math.max(...sizes)).toBe(Math.floor(MAX_DATAPOINTS_PER_CALL / minutes));
      expect(sizes).toHaveLength(Math.ceil((1_200 * minutes) / MAX_DATAPOINTS_PER_CALL));
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(1_200);
      expect(result.metricsRequested).toBe(1_200);
      expect(result.series.size).toBe(1_200);
    });

    it("keeps batches at 500 queries when the window is short enough", async () => {
      // Prepare
      cloudWatch.on(GetMetricDataCommand).callsFake(answerEveryQuery);
      const { source } = setUp();

      // Act
      await source.fetch(queueRequests(1_000), windowOf(Math.floor(MAX_DATAPOINTS_PER_CALL / MAX_QUERIES_PER_CALL)));

      // Assess
      expect(sentQueryBatches().map((b) => b.length)).toEqual([500, 500]);
    });

    it("merges the pages of a NextToken answer into one series per request", async () => {
      // Prepare
      cloudWatch
        .on(GetMetricDataCommand)
        .resolvesOnce({
          MetricDataResults: [{ Id: "m0", Timestamps: [new Date(WINDOW_START), new Date(WINDOW_START + MINUTE)], Values: [10, 11] }],
          NextToken: "page-2",
        })
        .resolvesOnce({
          MetricDataResults: [
            { Id: "m0", Timestamps: [new Date(WINDOW_START + 2 * MINUTE)], Values: [12] },
            { Id: "m1", Timestamps: [new Date(WINDOW_START), new Date(WINDOW_START + 2 * MINUTE)], Values: [20, 22] },
          ],
        });
      const { source } = setUp();

      // Act
      const result = await source.fetch(queueRequests(2), windowOf(3));

      // Assess
      expect(cloudWatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
      expect(cloudWatch).toHaveReceivedNthSpecificCommandWith(1, GetMetricDataCommand, { NextToken: undefined });
      expect(cloudWatch).toHaveReceivedNthSpecificCommandWith(2, GetMetricDataCommand, { NextToken: "page-2" });
      const [first, second] = sentQueryBatches();
      expect(second).toEqual(first);
      expect(result.series.get("queue-0")).toEqual([10, 11, 12]);
      expect(result.series.get("queue-1")).toEqual([20, null, 22]);
      expect(result.calls).toBe(2);
      // Each page is a call asking for the batch's two metrics: CloudWatch bills both calls.
      expect(result.metricsRequested).toBe(4);
    });

    it("places each datapoint on its minute and drops points outside the window", async () => {
      // Prepare
      cloudWatch.on(GetMetricDataCommand).resolves({
        MetricDataResults: [
          {
            Id: "m0",
            Timestamps: [
              new Date(WINDOW_START - MINUTE),
              new Date(WINDOW_START + 9 * MINUTE),
              new Date(WINDOW_START + 3 * MINUTE),
              new Date(WINDOW_START),
              new Date(WINDOW_START + 10 * MINUTE),
              new Date(WINDOW_START + 5 * MINUTE + 30_000),
            ],
            Values: [-1, 9, 3, 0, 10, 5],
          },
        ],
      });
      const { source } = setUp();

      // Act
      const result = await source.fetch(queueRequests(1), windowOf(10));

      // Assess
      expect(result.series.get("queue-0")).toEqual([0, null, null, 3, null, 5, null, null, null, 9]);
    });

    it("leaves a minute empty when CloudWatch answers a non-finite value", async () => {
      // Prepare
      cloudWatch.on(GetMetricDataCommand).resolves({
        MetricDataResults: [{ Id: "m0", Timestamps: [new Date(WINDOW_START), new Date(WINDOW_START + MINUTE)], Values: [Number.NaN, 4] }],
      });
      const { source } = setUp();

      // Act
      const result = await source.fetch(queueRequests(1), windowOf(2));

      // Assess
      expect(result.series.get("queue-0")).toEqual([null, 4]);
    });

    it("returns an all-empty series for a request CloudWatch has no data for", async () => {
      // Prepare
      cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: "m0", Timestamps: [], Values: [] }] });
      const { source } = setUp();

      // Act
      const result = await source.fetch(queueRequests(2), windowOf(3));

      // Assess
      expect(result.series.get("queue-1")).toEqual([null, null, null]);
      expect(result.failedKeys.size).toBe(0);
    });

    it("retries a throttled call and returns its data", async () => {
      // Prepare
      cloudWatch.on(GetMetricDataCommand).rejectsOnce(throttling()).callsFake(answerEveryQuery);
      const { source, clock } = setUp();

      // Act
      const result = await source.fetch(queueRequests(3), windowOf(5));

      // Assess
      expect(cloudWatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
      expect(clock.sleeps).toHaveLength(1);
      expect(result.failedKeys.size).toBe(0);
      expect(result.errors).toEqual([]);
      expect(result.series.get("queue-2")).toEqual([2, null, null, null, null]);
    });

    it("marks only the keys of a batch that keeps failing, and returns the other batch's series", async () => {
      // Prepare: the batch that starts at queue-500 is throttled on every attempt.
      cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
        const firstQueue = input.MetricDataQueries?.[0]?.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === "Queue")?.Value;
        if (firstQueue === "queue-500") throw throttling();
        return answerEveryQuery(input);
      });
      const { source, clock, log } = setUp();

      // Act
      const result = await source.fetch(queueRequests(700), windowOf(60));

      // Assess
      const failingCalls = sentQueryBatches().filter((b) => b.length === 200);
      expect(failingCalls).toHaveLength(MAX_ATTEMPTS);
      expect(clock.sleeps).toHaveLength(MAX_ATTEMPTS - 1);
      expect([...result.failedKeys].sort()).toEqual(
        queueRequests(700)
          .slice(500)
          .map((r) => r.key)
          .sort(),
      );
      expect(result.series.size).toBe(500);
      expect(result.series.get("queue-499")?.[0]).toBe(499);
      expect(result.series.has("queue-500")).toBe(false);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toContain("ThrottlingException");
      expect(result.errors[0]).toContain("200 metrics not read");
      expect(result.metricsRequested).toBe(700);
      expect(log.entries.filter((e) => e.level === "error")).toEqual([
        expect.objectContaining({ message: "GetMetricData batch failed", fields: expect.objectContaining({ metrics: 200 }) }),
      ]);
    });

    it("does not retry an access error and reports the whole batch as failed", async () => {
      // Prepare
      cloudWatch.on(GetMetricDataCommand).rejects(accessDenied());
      const { source, clock } = setUp();

      // Act
      const result = await source.fetch(queueRequests(4), windowOf(5));

      // Assess
      expect(cloudWatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
      expect(clock.sleeps).toEqual([]);
      expect(result.failedKeys.size).toBe(4);
      expect(result.series.size).toBe(0);
      expect(result.errors[0]).toContain("AccessDeniedException");
    });

    it("reads InternalError and Forbidden results as not read, whatever datapoints they carry, with the reason in errors", async () => {
      // Prepare: queue-1's answer is an internal error that still carries its older minutes.
      cloudWatch.on(GetMetricDataCommand).resolves({
        MetricDataResults: [
          { Id: "m0", Timestamps: [new Date(WINDOW_START), new Date(WINDOW_START + 4 * MINUTE)], Values: [1, 5], StatusCode: "Complete" },
          {
            Id: "m1",
            Timestamps: [new Date(WINDOW_START), new Date(WINDOW_START + MINUTE)],
            Values: [7, 8],
            StatusCode: "InternalError",
            Messages: [{ Code: "InternalError", Value: "Internal service error" }],
          },
          { Id: "m2", Timestamps: [], Values: [], StatusCode: "Forbidden" },
        ],
      });
      const { source, log } = setUp();

      // Act
      const result = await source.fetch(queueRequests(3), windowOf(5));

      // Assess
      expect([...result.series.keys()]).toEqual(["queue-0"]);
      expect(result.series.get("queue-0")).toEqual([1, null, null, null, 5]);
      expect([...result.failedKeys].sort()).toEqual(["queue-1", "queue-2"]);
      expect(result.errors).toEqual([
        "StatusCode InternalError (InternalError: Internal service error) — 1 metrics not read this cycle",
        "StatusCode Forbidden — 1 metrics not read this cycle",
      ]);
      expect(log.entries.filter((e) => e.level === "error").map((e) => e.message)).toEqual([
        "GetMetricData results not read",
        "GetMetricData results not read",
      ]);
    });

    it("follows the NextToken of a PartialData answer and keeps the completed series", async () => {
      // Prepare: the first page holds the older minutes only.
      cloudWatch
        .on(GetMetricDataCommand)
        .resolvesOnce({
          MetricDataResults: [
            { Id: "m0", Timestamps: [new Date(WINDOW_START), new Date(WINDOW_START + MINUTE)], Values: [1, 2], StatusCode: "PartialData" },
          ],
          NextToken: "rest",
        })
        .resolvesOnce({
          MetricDataResults: [
            {
              Id: "m0",
              Timestamps: [new Date(WINDOW_START + 2 * MINUTE), new Date(WINDOW_START + 3 * MINUTE)],
              Values: [3, 4],
              StatusCode: "Complete",
            },
          ],
        });
      const { source } = setUp();

      // Act
      const result = await source.fetch(queueRequests(1), windowOf(4));

      // Assess
      expect(cloudWatch).toHaveReceivedNthSpecificCommandWith(2, GetMetricDataCommand, { NextToken: "rest" });
      expect(result.series.get("queue-0")).toEqual([1, 2, 3, 4]);
      expect(result.failedKeys.size).toBe(0);
      expect(result.errors).toEqual([]);
    });

    it("reads a result still PartialData with no NextToken left as not read, not as missing newest minutes", async () => {
      // Prepare
      cloudWatch.on(GetMetricDataCommand).resolves({
        MetricDataResults: [
          { Id: "m0", Timestamps: [new Date(WINDOW_START)], Values: [1], StatusCode: "PartialData" },
          { Id: "m1", Timestamps: [new Date(WINDOW_START + 3 * MINUTE)], Values: [9], StatusCode: "Complete" },
        ],
      });
      const { source } = setUp();

      // Act
      const result = await source.fetch(queueRequests(2), windowOf(4));

      // Assess
      expect(result.series.has("queue-0")).toBe(false);
      expect(result.series.get("queue-1")).toEqual([null, null, null, 9]);
      expect([...result.failedKeys]).toEqual(["queue-0"]);
      expect(result.errors).toEqual(["StatusCode PartialData with no NextToken left to follow — 1 metrics not read this cycle"]);
    });

    it("keeps a query not read once a page answered it InternalError, even if a later page completes it", async () => {
      // Prepare
      cloudWatch
        .on(GetMetricDataCommand)
        .resolvesOnce({
          MetricDataResults: [{ Id: "m0", Timestamps: [], Values: [], StatusCode: "InternalError" }],
          NextToken: "rest",
        })
        .resolvesOnce({
          MetricDataResults: [{ Id: "m0", Timestamps: [new Date(WINDOW_START + MINUTE)], Values: [4], StatusCode: "Complete" }],
        });
      const { source } = setUp();

      // Act
      const result = await source.fetch(queueRequests(1), windowOf(2));

      // Assess
      expect(result.series.size).toBe(0);
      expect([...result.failedKeys]).toEqual(["queue-0"]);
      expect(result.errors).toEqual(["StatusCode InternalError — 1 metrics not read this cycle"]);
    });

    it("makes no call for no requests", async () => {
      // Prepare
      const { source } = setUp();

      // Act
      const result = await source.fetch([], windowOf(60));

      // Assess
      expect(cloudWatch).not.toHaveReceivedAnyCommand();
      expect(result).toEqual({ series: new Map(), failedKeys: new Set(), errors: [], calls: 0, metricsRequested: 0 });
    });
  });

  describe("listQueues", () => {
    it("follows NextToken and gathers the queues of every page per node", async () => {
      // Prepare
      cloudWatch
        .on(ListMetricsCommand)
        .resolvesOnce({
          Metrics: [metric({ Broker: "shop-1", Queue: "orders" }), metric({ Broker: "shop-2", Queue: "orders" })],
          NextToken: "next",
        })
        .resolvesOnce({ Metrics: [metric({ Broker: "shop-1", Queue: "payments" })] });
      const { source } = setUp();

      // Act
      const listing = await source.listQueues(EngineType.activemq, 60 * MINUTE);

      // Assess
      expect(cloudWatch).toHaveReceivedCommandTimes(ListMetricsCommand, 2);
      expect(cloudWatch).toHaveReceivedNthSpecificCommandWith(1, ListMetricsCommand, {
        Namespace: NAMESPACE,
        MetricName: "QueueSize",
        RecentlyActive: "PT3H",
        NextToken: undefined,
      });
      expect(cloudWatch).toHaveReceivedNthSpecificCommandWith(2, ListMetricsCommand, { NextToken: "next" });
      expect(Object.fromEntries(listing.queuesByNode)).toEqual({
        "shop-1": [{ name: "orders" }, { name: "payments" }],
        "shop-2": [{ name: "orders" }],
      });
    });

    it("keeps only ActiveMQ series with exactly the Broker and Queue dimensions", async () => {
      // Prepare
      cloudWatch.on(ListMetricsCommand).resolves({
        Metrics: [
          metric({ Broker: "shop-1" }),
          metric({ Broker: "shop-1", Queue: "orders" }),
          metric({ Queue: "orders", Broker: "shop-2" }),
          metric({ Broker: "shop-1", Topic: "prices" }),
          metric({ Broker: "shop-1", Queue: "orders", NetworkConnector: "nc1" }),
        ],
      });
      const { source } = setUp();

      // Act
      const listing = await source.listQueues(EngineType.activemq, 60 * MINUTE);

      // Assess
      expect(Object.fromEntries(listing.queuesByNode)).toEqual({ "shop-1": [{ name: "orders" }], "shop-2": [{ name: "orders" }] });
    });

    it("keeps only RabbitMQ series with exactly Broker, VirtualHost and Queue, with the virtual host", async () => {
      // Prepare
      cloudWatch.on(ListMetricsCommand).resolves({
        Metrics: [
          metric({ Broker: "rabbit" }, "MessageReadyCount"),
          metric({ Broker: "rabbit", Queue: "orders" }, "MessageReadyCount"),
          metric({ Broker: "rabbit", VirtualHost: "/", Queue: "orders" }, "MessageReadyCount"),
          metric({ Broker: "rabbit", VirtualHost: "billing", Queue: "invoices" }, "MessageReadyCount"),
          metric({ Broker: "rabbit", VirtualHost: "/" }, "MessageReadyCount"),
        ],
      });
      const { source } = setUp();

      // Act
      const listing = await source.listQueues(EngineType.rabbitmq, 60 * MINUTE);

      // Assess
      expect(cloudWatch).toHaveReceivedCommandWith(ListMetricsCommand, { MetricName: "MessageReadyCount" });
      expect(Object.fromEntries(listing.queuesByNode)).toEqual({
        rabbit: [
          { name: "orders", vhost: "/" },
          { name: "invoices", vhost: "billing" },
        ],
      });
    });

    it("reuses a listing younger than maxAgeMs and reads again once it is that old", async () => {
      // Prepare
      cloudWatch
        .on(ListMetricsCommand)
        .resolvesOnce({ Metrics: [metric({ Broker: "shop-1", Queue: "orders" })] })
        .resolvesOnce({ Metrics: [metric({ Broker: "shop-1", Queue: "orders" }), metric({ Broker: "shop-1", Queue: "refunds" })] });
      const { source, clock } = setUp();
      const maxAgeMs = 15 * MINUTE;
      const first = await source.listQueues(EngineType.activemq, maxAgeMs);

      // Act
      clock.advance(maxAgeMs - 1);
      const cached = await source.listQueues(EngineType.activemq, maxAgeMs);
      clock.advance(1);
      const reread = await source.listQueues(EngineType.activemq, maxAgeMs);

      // Assess
      expect(cached).toBe(first);
      expect(cloudWatch).toHaveReceivedCommandTimes(ListMetricsCommand, 2);
      expect(reread.listedAt).toBe(first.listedAt + maxAgeMs);
      expect(reread.queuesByNode.get("shop-1")).toEqual([{ name: "orders" }, { name: "refunds" }]);
    });

    it("caches each engine's listing separately", async () => {
      // Prepare
      cloudWatch.on(ListMetricsCommand).resolves({ Metrics: [] });
      const { source } = setUp();
      await source.listQueues(EngineType.activemq, 60 * MINUTE);

      // Act
      await source.listQueues(EngineType.rabbitmq, 60 * MINUTE);

      // Assess
      expect(cloudWatch).toHaveReceivedCommandTimes(ListMetricsCommand, 2);
      expect(cloudWatch).toHaveReceivedNthSpecificCommandWith(2, ListMetricsCommand, { MetricName: "MessageReadyCount" });
    });

    it("returns the previous listing when reading it again fails, and logs a warning", async () => {
      // Prepare
      cloudWatch
        .on(ListMetricsCommand)
        .resolvesOnce({ Metrics: [metric({ Broker: "shop-1", Queue: "orders" })] })
        .rejects(throttling());
      const { source, clock, log } = setUp();
      const previous = await source.listQueues(EngineType.activemq, MINUTE);
      clock.advance(MINUTE);

      // Act
      const listing = await source.listQueues(EngineType.activemq, MINUTE);

      // Assess
      expect(listing).toBe(previous);
      expect(cloudWatch).toHaveReceivedCommandTimes(ListMetricsCommand, 1 + MAX_ATTEMPTS);
      expect(log.entries).toContainEqual(
        expect.objectContaining({ level: "warn", fields: expect.objectContaining({ engine: EngineType.activemq }) }),
      );
    });

    it("tries again on the next call after a failed re-list instead of treating the old listing as fresh", async () => {
      // Prepare
      cloudWatch
        .on(ListMetricsCommand)
        .resolvesOnce({ Metrics: [metric({ Broker: "shop-1", Queue: "orders" })] })
        .rejectsOnce(accessDenied())
        .resolves({ Metrics: [metric({ Broker: "shop-1", Queue: "audit" })] });
      const { source, clock } = setUp();
      await source.listQueues(EngineType.activemq, MINUTE);
      clock.advance(MINUTE);
      await source.listQueues(EngineType.activemq, MINUTE);

      // Act
      const listing = await source.listQueues(EngineType.activemq, MINUTE);

      // Assess
      expect(cloudWatch).toHaveReceivedCommandTimes(ListMetricsCommand, 3);
      expect(listing.queuesByNode.get("shop-1")).toEqual([{ name: "audit" }]);
    });

    it("throws a ServiceCallError when the first listing fails", async () => {
      // Prepare
      cloudWatch.on(ListMetricsCommand).rejects(accessDenied());
      const { source } = setUp();

      // Act
      const outcome = source.listQueues(EngineType.activemq, MINUTE);

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(ServiceCallError);
      await expect(outcome).rejects.toMatchObject({ operation: "cloudwatch:ListMetrics", errorName: "AccessDeniedException" });
    });
  });
});

/**
 * The adapter as the metrics cycle's source, over a CloudWatch that answers one ActiveMQ broker
 * (`orders`, node `orders-1`) publishing every minute: what a result that was not read does to the
 * broker-unhealthy judgement, end to end (fetch schedule, observations, detector, incident rules).
 */
describe("CloudWatchMetricSource in a metrics cycle", () => {
  /** How CloudWatch answers the GetMetricData calls of a minute. */
  interface Answer {
    /** Each query's StatusCode. */
    status: "Complete" | "InternalError";
    /** Datapoints at or after this index are not in the answer (older data only), whatever is visible. */
    newestIndex?: number;
  }

  /** Runs cycles 0..last; `answerAt(minute)` shapes CloudWatch's answers, `publishes(i)` whether datapoint i exists. */
  async function runCycles(last: number, answerAt: (minute: number) => Answer, publishes: (i: number) => boolean = () => true) {
    const clock = new TestClock();
    cloudWatch.on(ListMetricsCommand).resolves({ Metrics: [] });
    cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      const answer = answerAt(clock.minute);
      const start = Math.round(((input.StartTime as Date).getTime() - T0) / MINUTE);
      const end = Math.round(((input.EndTime as Date).getTime() - T0) / MINUTE);
      // Datapoint i is visible from minute i + 2 (CloudWatch's usual one-minute delay).
      const newest = Math.min(end - 1, clock.minute - 2, (answer.newestIndex ?? Number.POSITIVE_INFINITY) - 1);
      return {
        MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
          const name = q.MetricStat?.Metric?.MetricName ?? "";
          const node = q.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === "Broker")?.Value;
          const indexes =
            node === "orders-1" ? Array.from({ length: Math.max(0, newest - start + 1) }, (_, k) => start + k).filter(publishes) : [];
          return {
            Id: q.Id,
            Timestamps: indexes.map((i) => new Date(T0 + i * MINUTE)),
            Values: indexes.map(() => (name.endsWith("MaximumConnections") ? 2_000 : 10)),
            StatusCode: answer.status,
          };
        }),
      };
    });
    const inventory = new FakeInventory();
    inventory.brokers = [activeMqBroker("orders")];
    const incidents = new MemoryIncidentStore();
    const log = new RecordingLog();
    const metrics = new CloudWatchMetricSource(new CloudWatchClient(TEST_CLIENT_CONFIG), clock, log);
    const deps = cycleDeps({ inventory, metrics, incidents, clock, log });
    const reports: CycleReport[] = [];
    for (; clock.minute <= last; clock.minute++) reports.push(await runMetricsCycle(deps));
    const transitions = reports.flatMap((r, minute) => r.transitions.map((t) => ({ minute, type: t.type, kind: t.incident.kind })));
    return { reports, transitions };
  }

  it("opens nothing while CloudWatch answers InternalError with older datapoints only, and reports the metrics as not read", async () => {
    // Prepare: at minutes 20-29 every result is an InternalError carrying datapoints up to index 8 only.
    const answerAt = (minute: number): Answer =>
      minute >= 20 && minute <= 29 ? { status: "InternalError", newestIndex: 9 } : { status: "Complete" };

    // Act
    const { reports, transitions } = await runCycles(35, answerAt);

    // Assess
    expect(transitions).toEqual([]);
    for (const report of reports.slice(20, 30)) {
      expect(report.errors).toEqual([
        expect.stringMatching(/^cloudwatch:GetMetricData StatusCode InternalError — \d+ metrics not read this cycle$/),
      ]);
      expect(report.findings).toEqual([]);
    }
    expect(reports.slice(30).flatMap((r) => r.errors)).toEqual([]);
  });

  it("neither resolves nor updates an open broker-unhealthy incident from results that were not read", async () => {
    // Prepare: the broker stops publishing at datapoint 10 and is back from datapoint 22 (visible at
    // minute 24); CloudWatch answers InternalError, the fresh datapoints included, at minutes 23-34.
    const publishes = (i: number) => i < 10 || i >= 22;
    const answerAt = (minute: number): Answer => (minute >= 23 && minute <= 34 ? { status: "InternalError" } : { status: "Complete" });

    // Act
    const { transitions } = await runCycles(45, answerAt, publishes);

    // Assess: opened while silent; judged clear only from minute 35, when complete data comes back.
    expect(transitions.map((t) => [t.type, t.kind])).toEqual([
      ["opened", "broker-unhealthy"],
      ["resolved", "broker-unhealthy"],
    ]);
    expect(transitions[0]?.minute).toBeLessThan(23);
    expect(transitions[1]?.minute).toBe(35 + DEFAULT_CONFIG.incidents.resolveAfterMinutes);
  });
});
