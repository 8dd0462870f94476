import { type CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import {
  DescribeBrokerCommand,
  DescribeConfigurationRevisionCommand,
  ListBrokersCommand,
  type MqClient,
  RebootBrokerCommand,
} from "@aws-sdk/client-mq";
import { PublishCommand } from "@aws-sdk/client-sns";
import fc from "fast-check";
import { at, metricQuery, openSecurityGroup, queueSizeSeries, rawBroker, simulate, thrownBy } from "./scenario-fixtures";

/** The series GetMetricData returns, by query id. */
type Fetched = Map<string, { timestamps: Date[]; values: number[] }>;

/** One GetMetricData call over scenario minutes [from, to), oldest datapoint first unless told otherwise. */
async function fetchSeries(
  cloudwatch: CloudWatchClient,
  queries: MetricDataQuery[],
  from: number,
  to: number,
  scanBy: "TimestampAscending" | "TimestampDescending" | "unset" = "TimestampAscending",
): Promise<Fetched> {
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      MetricDataQueries: queries,
      StartTime: at(from),
      EndTime: at(to),
      ...(scanBy === "unset" ? {} : { ScanBy: scanBy }),
    }),
  );
  return new Map((out.MetricDataResults ?? []).map((r) => [r.Id ?? "", { timestamps: r.Timestamps ?? [], values: r.Values ?? [] }]));
}

/** The values of one query of one GetMetricData call. */
async function valuesOf(cloudwatch: CloudWatchClient, query: MetricDataQuery, from: number, to: number): Promise<number[]> {
  return (await fetchSeries(cloudwatch, [query], from, to)).get(query.Id ?? "")?.values ?? [];
}

/** The broker's state as DescribeBroker and ListBrokers report it, which must agree. */
async function stateOf(mq: MqClient, brokerId: string): Promise<string | undefined> {
  const described = await mq.send(new DescribeBrokerCommand({ BrokerId: brokerId }));
  const listed = await mq.send(new ListBrokersCommand({ MaxResults: 100 }));
  const summary = listed.BrokerSummaries?.find((b) => b.BrokerId === brokerId);
  expect(summary?.BrokerState).toBe(described.BrokerState);
  return described.BrokerState;
}

/**
 * A GetMetricData quota breach as the SDK reports it: CloudWatch's query-compatible JSON protocol
 * names the awsQuery code `ValidationError`, which the model maps to its ValidationException.
 */
const VALIDATION_ERROR = { name: "ValidationException", Code: "ValidationError", $metadata: { httpStatusCode: 400 } };

const CPU = { Broker: "orders-1" };
const cpuQuery = (id = "cpu", options: Parameters<typeof metricQuery>[3] = {}) => metricQuery(id, "CpuUtilization", CPU, options);

describe("SimulatedAccount", () => {
  describe("GetMetricData", () => {
    it.each([1, 3])("makes datapoint i visible from minute i + 1 + publishDelayMinutes (delay %i)", async (delay) => {
      // Prepare
      const values = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
      const { account, cloudwatch } = simulate({
        publishDelayMinutes: delay,
        metrics: [{ metric: "CpuUtilization", dimensions: CPU, values }],
      });
      const seen: number[][] = [];
      // Act
      for (let t = 0; t <= 12; t++) {
        account.minute = t;
        seen.push(await valuesOf(cloudwatch, cpuQuery(), 0, 10));
      }
      // Assess
      seen.forEach((got, t) => {
        expect(got).toEqual(values.slice(0, Math.max(0, t - delay)));
      });
    });

    it("stamps datapoint i with start + i minutes", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({ metrics: [{ metric: "CpuUtilization", dimensions: CPU, values: [5, 6, 7] }] });
      account.minute = 30;
      // Act
      const got = (await fetchSeries(cloudwatch, [cpuQuery()], 0, 30)).get("cpu");
      // Assess
      expect(got?.timestamps).toEqual([at(0), at(1), at(2)]);
      expect(got?.values).toEqual([5, 6, 7]);
    });

    it("returns only the datapoints inside [StartTime, EndTime)", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({
        metrics: [{ metric: "CpuUtilization", dimensions: CPU, values: [0, 1, 2, 3, 4, 5, 6, 7] }],
      });
      account.minute = 30;
      // Act
      const got = (await fetchSeries(cloudwatch, [cpuQuery()], 2, 5)).get("cpu");
      // Assess
      expect(got?.timestamps).toEqual([at(2), at(3), at(4)]);
      expect(got?.values).toEqual([2, 3, 4]);
    });

    it("returns the newest datapoint first unless asked for ascending order", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({ metrics: [{ metric: "CpuUtilization", dimensions: CPU, values: [1, 2, 3] }] });
      account.minute = 30;
      // Act
      const got = (await fetchSeries(cloudwatch, [cpuQuery()], 0, 3, "unset")).get("cpu");
      // Assess
      expect(got?.timestamps).toEqual([at(2), at(1), at(0)]);
      expect(got?.values).toEqual([3, 2, 1]);
    });

    it("matches a series only with exactly the same namespace, metric name and dimension set", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({
        metrics: [
          { metric: "CpuUtilization", dimensions: { Broker: "orders-1" }, values: [1, 1] },
          { metric: "QueueSize", dimensions: { Broker: "orders-1", Queue: "payments" }, values: [2, 2] },
        ],
      });
      account.minute = 30;
      const queries = [
        metricQuery("exact", "CpuUtilization", { Broker: "orders-1" }),
        metricQuery("reordered", "QueueSize", { Queue: "payments", Broker: "orders-1" }),
        metricQuery("extraDimension", "CpuUtilization", { Broker: "orders-1", Queue: "payments" }),
        metricQuery("missingDimension", "QueueSize", { Broker: "orders-1" }),
        metricQuery("noDimensions", "CpuUtilization", {}),
        metricQuery("otherValue", "CpuUtilization", { Broker: "orders-2" }),
        metricQuery("otherName", "HeapUsage", { Broker: "orders-1" }),
        metricQuery("otherNamespace", "CpuUtilization", { Broker: "orders-1" }, { namespace: "AWS/EC2" }),
      ];
      // Act
      const got = await fetchSeries(cloudwatch, queries, 0, 30);
      // Assess
      expect(Object.fromEntries([...got].map(([id, r]) => [id, r.values]))).toEqual({
        exact: [1, 1],
        reordered: [2, 2],
        extraDimension: [],
        missingDimension: [],
        noDimensions: [],
        otherValue: [],
        otherName: [],
        otherNamespace: [],
      });
    });

    it.each([
      ["Sum", [15, 150]],
      ["Average", [3, 30]],
      ["Maximum", [5, 50]],
      ["Minimum", [1, 10]],
    ])("aggregates five per-minute values with %s over a Period of 300", async (stat, expected) => {
      // Prepare
      const { account, cloudwatch } = simulate({
        metrics: [{ metric: "CpuUtilization", dimensions: CPU, values: [1, 2, 3, 4, 5, 10, 20, 30, 40, 50] }],
      });
      account.minute = 30;
      // Act
      const got = (await fetchSeries(cloudwatch, [cpuQuery("cpu", { period: 300, stat })], 0, 10)).get("cpu");
      // Assess
      expect(got?.timestamps).toEqual([at(0), at(5)]);
      expect(got?.values).toEqual(expected);
    });

    it("treats null as a missing datapoint, alone and inside a period", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({
        metrics: [{ metric: "CpuUtilization", dimensions: CPU, values: [2, null, 4, null, null, null, null, null, null, null] }],
      });
      account.minute = 30;
      const queries = [
        cpuQuery("perMinute"),
        cpuQuery("average", { period: 300, stat: "Average" }),
        cpuQuery("count", { period: 300, stat: "SampleCount" }),
      ];
      // Act
      const got = await fetchSeries(cloudwatch, queries, 0, 10);
      // Assess
      expect(got.get("perMinute")?.timestamps).toEqual([at(0), at(2)]);
      expect(got.get("perMinute")?.values).toEqual([2, 4]);
      expect(got.get("average")?.values).toEqual([3]);
      expect(got.get("count")?.values).toEqual([2]);
    });

    it("answers any statistic with the scenario's values at a one-minute period", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({ metrics: [{ metric: "CpuUtilization", dimensions: CPU, values: [7, 9] }] });
      account.minute = 30;
      // Act
      const got = await fetchSeries(cloudwatch, [cpuQuery("max", { stat: "Maximum" }), cpuQuery("p99", { stat: "p99" })], 0, 2);
      // Assess
      expect(got.get("max")?.values).toEqual([7, 9]);
      expect(got.get("p99")?.values).toEqual([7, 9]);
    });

    it("answers 500 queries and rejects 501 with a ValidationError", async () => {
      // Prepare
      const { account, cloudwatch } = simulate();
      const queries = (n: number) => Array.from({ length: n }, (_, i) => cpuQuery(`q${i}`));
      // Act
      const allowed = await fetchSeries(cloudwatch, queries(500), 0, 5);
      const error = await thrownBy(() => fetchSeries(cloudwatch, queries(501), 0, 5));
      // Assess
      expect(allowed.size).toBe(500);
      expect(error).toMatchObject(VALIDATION_ERROR);
      expect(account.metricsRequested).toBe(500);
    });

    it("answers 100,800 datapoints and rejects 100,801 with a ValidationError", async () => {
      // Prepare
      const { cloudwatch } = simulate();
      const two = [cpuQuery("a"), cpuQuery("b")];
      // Act
      const allowed = await fetchSeries(cloudwatch, two, 0, 50_400); // 2 x 50,400 one-minute datapoints
      const error = await thrownBy(() => fetchSeries(cloudwatch, [cpuQuery("a", { period: 300 })], 0, 504_005)); // 100,801 periods
      // Assess
      expect(allowed.size).toBe(2);
      expect(error).toMatchObject(VALIDATION_ERROR);
    });

    it("rejects 2 x 50,401 datapoints with a ValidationError", async () => {
      // Prepare
      const { cloudwatch } = simulate();
      // Act
      const error = await thrownBy(() => fetchSeries(cloudwatch, [cpuQuery("a"), cpuQuery("b")], 0, 50_401));
      // Assess
      expect(error).toMatchObject(VALIDATION_ERROR);
    });

    it("counts every metric requested across calls, matched or not", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({ metrics: [{ metric: "CpuUtilization", dimensions: CPU, values: [1] }] });
      // Act
      await fetchSeries(cloudwatch, [cpuQuery("a"), cpuQuery("b"), metricQuery("c", "Nothing", {})], 0, 5);
      await fetchSeries(cloudwatch, [cpuQuery("a"), cpuQuery("b")], 0, 5);
      // Assess
      expect(account.metricsRequested).toBe(5);
      expect(account.calls.get("cloudwatch:GetMetricData")).toBe(2);
    });
  });

  describe("ListMetrics", () => {
    it("lists a series only once its first datapoint is visible", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({
        metrics: [{ metric: "QueueSize", dimensions: { Broker: "orders-1", Queue: "q" }, values: [null, null, 7] }],
      });
      // Act
      account.minute = 3; // datapoint 2 becomes visible at 2 + 1 + 1 = 4
      const before = await cloudwatch.send(new ListMetricsCommand({}));
      account.minute = 4;
      const after = await cloudwatch.send(new ListMetricsCommand({}));
      // Assess
      expect(before.Metrics).toEqual([]);
      expect(after.Metrics).toEqual([
        {
          Namespace: "AWS/AmazonMQ",
          MetricName: "QueueSize",
          Dimensions: [
            { Name: "Broker", Value: "orders-1" },
            { Name: "Queue", Value: "q" },
          ],
        },
      ]);
    });

    it.each([
      [
        "nothing (every visible series)",
        {},
        ["AWS/AmazonMQ QueueSize orders-1/a", "AWS/AmazonMQ QueueSize orders-2/b", "AWS/AmazonMQ CpuUtilization orders-1", "Other Depth"],
      ],
      ["a namespace", { Namespace: "Other" }, ["Other Depth"]],
      ["a metric name", { MetricName: "QueueSize" }, ["AWS/AmazonMQ QueueSize orders-1/a", "AWS/AmazonMQ QueueSize orders-2/b"]],
      ["a dimension name", { Dimensions: [{ Name: "Queue" }] }, ["AWS/AmazonMQ QueueSize orders-1/a", "AWS/AmazonMQ QueueSize orders-2/b"]],
      [
        "a dimension name and value",
        { Dimensions: [{ Name: "Broker", Value: "orders-1" }] },
        ["AWS/AmazonMQ QueueSize orders-1/a", "AWS/AmazonMQ CpuUtilization orders-1"],
      ],
      [
        "all three",
        { Namespace: "AWS/AmazonMQ", MetricName: "QueueSize", Dimensions: [{ Name: "Broker", Value: "orders-2" }] },
        ["AWS/AmazonMQ QueueSize orders-2/b"],
      ],
      ["a dimension no series has", { Dimensions: [{ Name: "Topic" }] }, []],
    ])("filters by %s", async (_case, filter, expected) => {
      // Prepare
      const { account, cloudwatch } = simulate({
        metrics: [
          { metric: "QueueSize", dimensions: { Broker: "orders-1", Queue: "a" }, values: [1] },
          { metric: "QueueSize", dimensions: { Broker: "orders-2", Queue: "b" }, values: [1] },
          { metric: "CpuUtilization", dimensions: { Broker: "orders-1" }, values: [1] },
          { namespace: "Other", metric: "Depth", dimensions: {}, values: [1] },
        ],
      });
      account.minute = 10;
      // Act
      const out = await cloudwatch.send(new ListMetricsCommand(filter));
      // Assess
      const listed = (out.Metrics ?? []).map((m) =>
        [m.Namespace, m.MetricName, (m.Dimensions ?? []).map((d) => d.Value).join("/")].filter(Boolean).join(" "),
      );
      expect(listed.sort()).toEqual([...expected].sort());
    });

    it("pages beyond 500 metrics with NextToken", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({ metrics: queueSizeSeries(1201) });
      account.minute = 10;
      const pageSizes: number[] = [];
      const queues = new Set<string>();
      let token: string | undefined;
      // Act
      do {
        const page = await cloudwatch.send(new ListMetricsCommand({ MetricName: "QueueSize", NextToken: token }));
        pageSizes.push(page.Metrics?.length ?? 0);
        for (const m of page.Metrics ?? []) queues.add(m.Dimensions?.find((d) => d.Name === "Queue")?.Value ?? "");
        token = page.NextToken;
      } while (token);
      // Assess
      expect(pageSizes).toEqual([500, 500, 201]);
      expect(queues.size).toBe(1201);
    });
  });

  describe("ListBrokers and DescribeBroker", () => {
    it("reflects stateChanges from their minute on", async () => {
      // Prepare
      const { account, mq } = simulate({
        brokers: [
          rawBroker("orders", {
            stateChanges: [
              { at: 5, BrokerState: "CRITICAL_ACTION_REQUIRED" },
              { at: 9, BrokerState: "RUNNING" },
            ],
          }),
        ],
      });
      const states: Record<number, string | undefined> = {};
      // Act
      for (const t of [0, 4, 5, 8, 9, 20]) {
        account.minute = t;
        states[t] = await stateOf(mq, "b-orders");
      }
      // Assess
      expect(states).toEqual({
        0: "RUNNING",
        4: "RUNNING",
        5: "CRITICAL_ACTION_REQUIRED",
        8: "CRITICAL_ACTION_REQUIRED",
        9: "RUNNING",
        20: "RUNNING",
      });
    });

    it("pages ListBrokers with MaxResults and NextToken", async () => {
      // Prepare
      const names = ["a", "b", "c", "d", "e"];
      const { mq } = simulate({ brokers: names.map((n) => rawBroker(n)) });
      const pages: string[][] = [];
      let token: string | undefined;
      // Act
      do {
        const page = await mq.send(new ListBrokersCommand({ MaxResults: 2, NextToken: token }));
        pages.push((page.BrokerSummaries ?? []).map((b) => b.BrokerName ?? ""));
        token = page.NextToken;
      } while (token);
      // Assess
      expect(pages).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    });

    it("summarises each broker from its describe object", async () => {
      // Prepare
      const { mq } = simulate({ brokers: [rawBroker("orders", {}, { DeploymentMode: "SINGLE_INSTANCE", EngineType: "RABBITMQ" })] });
      // Act
      const out = await mq.send(new ListBrokersCommand({}));
      // Assess
      expect(out.BrokerSummaries).toEqual([
        expect.objectContaining({
          BrokerId: "b-orders",
          BrokerName: "orders",
          BrokerArn: "arn:aws:mq:us-east-1:123456789012:broker:orders:b-orders",
          BrokerState: "RUNNING",
          DeploymentMode: "SINGLE_INSTANCE",
          EngineType: "RabbitMQ",
          HostInstanceType: "mq.m5.large",
        }),
      ]);
      expect(out.NextToken).toBeUndefined();
    });

    it("returns the scenario's describe object with the current BrokerState", async () => {
      // Prepare
      const describe = {
        EngineVersion: "5.18",
        Tags: { "mq-sentinel:remediate": "reboot" },
        SecurityGroups: ["sg-1"],
        Configurations: { Current: { Id: "c-orders", Revision: 4 } },
        Logs: { Audit: true, General: false },
      };
      const { account, mq } = simulate({
        brokers: [rawBroker("orders", { stateChanges: [{ at: 2, BrokerState: "CRITICAL_ACTION_REQUIRED" }] }, describe)],
      });
      account.minute = 2;
      // Act
      const out = await mq.send(new DescribeBrokerCommand({ BrokerId: "b-orders" }));
      // Assess
      expect(out).toMatchObject({ ...describe, BrokerId: "b-orders", BrokerName: "orders", BrokerState: "CRITICAL_ACTION_REQUIRED" });
    });

    it("omits a broker from ListBrokers and answers NotFoundException to DescribeBroker from deletedAt on", async () => {
      // Prepare
      const { account, mq } = simulate({ brokers: [rawBroker("orders", { deletedAt: 6 }), rawBroker("billing")] });
      const listed = async () => ((await mq.send(new ListBrokersCommand({}))).BrokerSummaries ?? []).map((b) => b.BrokerName);
      // Act
      account.minute = 5;
      const listedBefore = await listed();
      const describedBefore = await mq.send(new DescribeBrokerCommand({ BrokerId: "b-orders" }));
      account.minute = 6;
      const listedAfter = await listed();
      const error = await thrownBy(() => mq.send(new DescribeBrokerCommand({ BrokerId: "b-orders" })));
      // Assess
      expect(listedBefore).toEqual(["orders", "billing"]);
      expect(describedBefore.BrokerName).toBe("orders");
      expect(listedAfter).toEqual(["billing"]);
      expect(error.name).toBe("NotFoundException");
    });

    it("answers NotFoundException for a broker the scenario does not have", async () => {
      // Prepare
      const { mq } = simulate();
      // Act
      const error = await thrownBy(() => mq.send(new DescribeBrokerCommand({ BrokerId: "b-unknown" })));
      // Assess
      expect(error.name).toBe("NotFoundException");
    });
  });

  describe("RebootBroker", () => {
    it.each([
      ["the default, 3", undefined, 3],
      ["5", 5, 5],
    ])("keeps the broker REBOOT_IN_PROGRESS for rebootMinutes (%s) then RUNNING", async (_case, rebootMinutes, expected) => {
      // Prepare
      const { account, mq } = simulate(rebootMinutes === undefined ? {} : { rebootMinutes });
      account.minute = 10;
      // Act
      await mq.send(new RebootBrokerCommand({ BrokerId: "b-orders" }));
      const states: string[] = [];
      for (let t = 10; t <= 10 + expected; t++) {
        account.minute = t;
        states.push((await stateOf(mq, "b-orders")) ?? "");
      }
      // Assess
      expect(states).toEqual([...Array<string>(expected).fill("REBOOT_IN_PROGRESS"), "RUNNING"]);
      expect(account.records).toEqual([{ minute: 10, operation: "mq:RebootBroker", input: { BrokerId: "b-orders" } }]);
    });

    it("continues series with afterReboot from that array at the reboot minute and keeps the others", async () => {
      // Prepare
      const before = Array.from({ length: 30 }, (_, i) => i);
      const after = Array.from({ length: 30 }, (_, k) => 100 + k);
      const { account, cloudwatch, mq } = simulate({
        brokers: [rawBroker("orders"), rawBroker("billing")],
        metrics: [
          { metric: "CpuUtilization", dimensions: { Broker: "orders-1" }, values: before, afterReboot: after },
          { metric: "CpuUtilization", dimensions: { Broker: "orders-2" }, values: before.map(() => null), afterReboot: after },
          { metric: "HeapUsage", dimensions: { Broker: "orders-1" }, values: before },
          { metric: "CpuUtilization", dimensions: { Broker: "billing-1" }, values: before, afterReboot: after },
        ],
      });
      account.minute = 10;
      await mq.send(new RebootBrokerCommand({ BrokerId: "b-orders" }));
      account.minute = 22; // datapoints 0..20 are visible
      // Act
      const got = await fetchSeries(
        cloudwatch,
        [
          metricQuery("rebootedActive", "CpuUtilization", { Broker: "orders-1" }),
          metricQuery("rebootedStandby", "CpuUtilization", { Broker: "orders-2" }),
          metricQuery("noAfterReboot", "HeapUsage", { Broker: "orders-1" }),
          metricQuery("otherBroker", "CpuUtilization", { Broker: "billing-1" }),
        ],
        0,
        30,
      );
      // Assess
      expect(got.get("rebootedActive")?.values).toEqual([...before.slice(0, 10), ...after.slice(0, 11)]);
      expect(got.get("rebootedStandby")?.values).toEqual(after.slice(0, 11));
      expect(got.get("rebootedStandby")?.timestamps[0]).toEqual(at(10));
      expect(got.get("noAfterReboot")?.values).toEqual(before.slice(0, 21));
      expect(got.get("otherBroker")?.values).toEqual(before.slice(0, 21));
    });

    it("lists a series whose first datapoint comes after the reboot once that datapoint is visible", async () => {
      // Prepare
      const { account, cloudwatch, mq } = simulate({
        metrics: [
          { metric: "CpuUtilization", dimensions: { Broker: "orders-2" }, values: [null, null, null, null, null], afterReboot: [null, 4] },
        ],
      });
      account.minute = 3;
      await mq.send(new RebootBrokerCommand({ BrokerId: "b-orders" }));
      // Act
      account.minute = 5; // datapoint 4 (afterReboot[1]) becomes visible at 4 + 1 + 1 = 6
      const before = await cloudwatch.send(new ListMetricsCommand({}));
      account.minute = 6;
      const after = await cloudwatch.send(new ListMetricsCommand({}));
      // Assess
      expect(before.Metrics).toEqual([]);
      expect(after.Metrics?.map((m) => m.Dimensions?.[0]?.Value)).toEqual(["orders-2"]);
    });

    it.each([
      ["REBOOT_IN_PROGRESS, after its own reboot", {}, "REBOOT_IN_PROGRESS"],
      [
        "CRITICAL_ACTION_REQUIRED, by a state change",
        { stateChanges: [{ at: 1, BrokerState: "CRITICAL_ACTION_REQUIRED" }] },
        "CRITICAL_ACTION_REQUIRED",
      ],
      [
        "CREATION_IN_PROGRESS, from its describe object",
        { describe: rawBroker("orders", {}, { BrokerState: "CREATION_IN_PROGRESS" }).describe },
        "CREATION_IN_PROGRESS",
      ],
    ])("fails with BadRequestException on a broker that is %s", async (_case, brokerFields, state) => {
      // Prepare
      const { account, mq } = simulate({ brokers: [rawBroker("orders", brokerFields)] });
      account.minute = 2;
      if (state === "REBOOT_IN_PROGRESS") await mq.send(new RebootBrokerCommand({ BrokerId: "b-orders" }));
      const recordsBefore = account.records.length;
      // Act
      account.minute = 3;
      const error = await thrownBy(() => mq.send(new RebootBrokerCommand({ BrokerId: "b-orders" })));
      // Assess
      expect(error.name).toBe("BadRequestException");
      expect(await stateOf(mq, "b-orders")).toBe(state);
      expect(account.records).toHaveLength(recordsBefore);
    });

    it("does not reboot when the call is faulted", async () => {
      // Prepare
      const { account, mq } = simulate({
        faults: [{ operation: "mq:RebootBroker", from: 0, to: 5, error: "InternalServerErrorException" }],
      });
      account.minute = 4;
      // Act
      const error = await thrownBy(() => mq.send(new RebootBrokerCommand({ BrokerId: "b-orders" })));
      // Assess
      expect(error.name).toBe("InternalServerErrorException");
      expect(await stateOf(mq, "b-orders")).toBe("RUNNING");
      expect(account.records).toEqual([]);
    });

    it("answers NotFoundException for a deleted broker", async () => {
      // Prepare
      const { account, mq } = simulate({ brokers: [rawBroker("orders", { deletedAt: 1 })] });
      account.minute = 1;
      // Act
      const error = await thrownBy(() => mq.send(new RebootBrokerCommand({ BrokerId: "b-orders" })));
      // Assess
      expect(error.name).toBe("NotFoundException");
    });
  });

  describe("DescribeConfigurationRevision", () => {
    it("returns the configuration XML base64-encoded in Data", async () => {
      // Prepare
      const xml = '<?xml version="1.0"?>\n<broker xmlns="http://activemq.apache.org/schema/core"><plugins/><!-- café --></broker>\n';
      const { mq } = simulate({
        brokers: [rawBroker("orders", { configurationXml: xml }, { Configurations: { Current: { Id: "c-orders", Revision: 4 } } })],
      });
      // Act
      const out = await mq.send(new DescribeConfigurationRevisionCommand({ ConfigurationId: "c-orders", ConfigurationRevision: "4" }));
      // Assess
      expect(out.ConfigurationId).toBe("c-orders");
      expect(out.Data).toBe(Buffer.from(xml, "utf8").toString("base64"));
      expect(Buffer.from(out.Data ?? "", "base64").toString("utf8")).toBe(xml);
    });

    it("answers NotFoundException for a configuration the scenario does not have", async () => {
      // Prepare
      const { mq } = simulate();
      // Act
      const error = await thrownBy(() =>
        mq.send(new DescribeConfigurationRevisionCommand({ ConfigurationId: "c-none", ConfigurationRevision: "1" })),
      );
      // Assess
      expect(error.name).toBe("NotFoundException");
    });
  });

  describe("DescribeSecurityGroups", () => {
    it("returns the scenario's security groups, all of them or the ones asked for", async () => {
      // Prepare
      const open = openSecurityGroup();
      const closed = { GroupId: "sg-closed", GroupName: "closed", IpPermissions: [] };
      const { ec2 } = simulate({
        brokers: [rawBroker("orders", { securityGroups: [open] }), rawBroker("billing", { securityGroups: [closed] })],
      });
      // Act
      const asked = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ["sg-open"] }));
      const all = await ec2.send(new DescribeSecurityGroupsCommand({}));
      // Assess
      expect(asked.SecurityGroups).toEqual([open]);
      expect(all.SecurityGroups).toEqual([open, closed]);
    });
  });

  describe("Publish", () => {
    it("records each SNS message with its minute", async () => {
      // Prepare
      const { account, sns } = simulate();
      account.minute = 7;
      const input = { TopicArn: "arn:aws:sns:us-east-1:123456789012:alerts", Message: '{"text":"opened"}', Subject: "mq-sentinel" };
      // Act
      const out = await sns.send(new PublishCommand(input));
      // Assess
      expect(out.MessageId).toEqual(expect.any(String));
      expect(account.records).toEqual([{ minute: 7, operation: "sns:Publish", input }]);
      expect(account.calls.get("sns:Publish")).toBe(1);
    });
  });

  describe("faults", () => {
    it("fails the named operation with the named error for from <= minute <= to only", async () => {
      // Prepare
      const { account, mq } = simulate({ faults: [{ operation: "mq:ListBrokers", from: 3, to: 5, error: "ThrottlingException" }] });
      const outcomes: Record<number, string> = {};
      // Act
      for (let t = 1; t <= 7; t++) {
        account.minute = t;
        outcomes[t] = await mq.send(new ListBrokersCommand({})).then(
          () => "ok",
          (error: Error) => error.name,
        );
      }
      // Assess
      expect(outcomes).toEqual({
        1: "ok",
        2: "ok",
        3: "ThrottlingException",
        4: "ThrottlingException",
        5: "ThrottlingException",
        6: "ok",
        7: "ok",
      });
    });

    it("leaves other operations working while one is faulted", async () => {
      // Prepare
      const { account, mq, cloudwatch } = simulate({
        faults: [{ operation: "mq:ListBrokers", from: 0, to: 10, error: "InternalServerErrorException" }],
      });
      account.minute = 3;
      // Act
      const described = await mq.send(new DescribeBrokerCommand({ BrokerId: "b-orders" }));
      const listed = await cloudwatch.send(new ListMetricsCommand({}));
      // Assess
      expect(described.BrokerName).toBe("orders");
      expect(listed.Metrics).toEqual([]);
    });

    it("fails every second call, deterministically, at a rate of 0.5", async () => {
      // Prepare
      const scenario = { faults: [{ operation: "cloudwatch:GetMetricData", from: 0, to: 10, error: "ThrottlingException", rate: 0.5 }] };
      const pattern = async () => {
        const { account, cloudwatch } = simulate(scenario);
        account.minute = 2;
        const outcomes: string[] = [];
        for (let n = 0; n < 8; n++) {
          outcomes.push(
            await fetchSeries(cloudwatch, [cpuQuery()], 0, 1).then(
              () => "ok",
              (error: Error) => error.name,
            ),
          );
        }
        return outcomes;
      };
      // Act
      const first = await pattern();
      const second = await pattern();
      // Assess
      expect(first.filter((o) => o === "ThrottlingException")).toHaveLength(4);
      for (let n = 0; n < first.length; n += 2) expect(first.slice(n, n + 2).sort()).toEqual(["ThrottlingException", "ok"]);
      expect(second).toEqual(first);
    });

    it("fails a share of the window's calls that stays within one call of the rate, at every call", () => {
      fc.assert(
        fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 60 }), (rate, calls) => {
          // Prepare
          const { account } = simulate({ faults: [{ operation: "mq:ListBrokers", from: 0, to: 0, error: "ThrottlingException", rate }] });
          let failed = 0;
          // Act
          for (let n = 1; n <= calls; n++) {
            try {
              account.throwIfFaulted("mq:ListBrokers");
            } catch {
              failed++;
            }
            // Assess
            expect(Math.abs(failed - n * rate)).toBeLessThan(1);
          }
        }),
      );
    });

    it("never fails at a rate of 0", async () => {
      // Prepare
      const { account, mq } = simulate({
        faults: [{ operation: "mq:ListBrokers", from: 0, to: 10, error: "ThrottlingException", rate: 0 }],
      });
      account.minute = 1;
      // Act
      const pages = await Promise.all([1, 2, 3, 4].map(() => mq.send(new ListBrokersCommand({}))));
      // Assess
      expect(pages.map((p) => p.BrokerSummaries?.length)).toEqual([1, 1, 1, 1]);
    });

    it("answers an HTTP endpoint's fault with its status inside the window only", () => {
      // Prepare
      const { account } = simulate({
        faults: [
          { operation: "slack:webhook", from: 2, to: 3, error: "429" },
          { operation: "slack:webhook", from: 5, to: 5, error: "503" },
        ],
      });
      const statuses: Record<number, number | null> = {};
      // Act
      for (let t = 1; t <= 6; t++) {
        account.minute = t;
        statuses[t] = account.httpFault("slack:webhook");
      }
      // Assess
      expect(statuses).toEqual({ 1: null, 2: 429, 3: 429, 4: null, 5: 503, 6: null });
    });

    it("answers a status fault on a rate's share of first GetMetricData calls, and never on a call that follows a NextToken", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({
        metrics: [{ metric: "CpuUtilization", dimensions: CPU, values: [1, 2, 3, 4] }],
        faults: [{ operation: "cloudwatch:GetMetricData", from: 0, to: 10, error: "status:PartialData", rate: 0.5 }],
      });
      account.minute = 6;
      const input = { MetricDataQueries: [cpuQuery()], StartTime: at(0), EndTime: at(4), ScanBy: "TimestampAscending" as const };
      const pages: { status: string | undefined; values: number[] | undefined; token: boolean }[][] = [];
      // Act
      for (let n = 0; n < 4; n++) {
        const call: (typeof pages)[number] = [];
        let token: string | undefined;
        do {
          const out = await cloudwatch.send(new GetMetricDataCommand({ ...input, NextToken: token }));
          token = out.NextToken;
          call.push({
            status: out.MetricDataResults?.[0]?.StatusCode,
            values: out.MetricDataResults?.[0]?.Values,
            token: token !== undefined,
          });
        } while (token);
        pages.push(call);
      }
      // Assess: the second and fourth first calls are hit (call n when floor((n+1)/2) > floor(n/2));
      // the calls that follow their NextTokens complete the data.
      const partial = [
        { status: "PartialData", values: [1, 2], token: true },
        { status: "Complete", values: [3, 4], token: false },
      ];
      const complete = [{ status: "Complete", values: [1, 2, 3, 4], token: false }];
      expect(pages).toEqual([complete, partial, complete, partial]);
      expect(account.calls.get("cloudwatch:GetMetricData")).toBe(6);
      expect(account.metricsRequested).toBe(6);
    });

    it("still fails the call that follows a NextToken with an error fault", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({
        metrics: [{ metric: "CpuUtilization", dimensions: CPU, values: [1, 2, 3, 4] }],
        faults: [
          { operation: "cloudwatch:GetMetricData", from: 6, to: 6, error: "status:PartialData" },
          { operation: "cloudwatch:GetMetricData", from: 7, to: 7, error: "ThrottlingException" },
        ],
      });
      const input = { MetricDataQueries: [cpuQuery()], StartTime: at(0), EndTime: at(4) };
      account.minute = 6;
      const first = await cloudwatch.send(new GetMetricDataCommand(input));
      account.minute = 7;
      // Act
      const error = await thrownBy(() => cloudwatch.send(new GetMetricDataCommand({ ...input, NextToken: first.NextToken })));
      // Assess
      expect(first.NextToken).toEqual(expect.any(String));
      expect(error.name).toBe("ThrottlingException");
    });

    it("refuses a NextToken sent back with other queries than the ones it was issued for", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({
        metrics: [{ metric: "CpuUtilization", dimensions: CPU, values: [1, 2, 3, 4] }],
        faults: [{ operation: "cloudwatch:GetMetricData", from: 0, to: 10, error: "status:PartialData" }],
      });
      account.minute = 6;
      const first = await cloudwatch.send(
        new GetMetricDataCommand({ MetricDataQueries: [cpuQuery("a")], StartTime: at(0), EndTime: at(4) }),
      );
      // Act
      const error = await thrownBy(() =>
        cloudwatch.send(
          new GetMetricDataCommand({ MetricDataQueries: [cpuQuery("b")], StartTime: at(0), EndTime: at(4), NextToken: first.NextToken }),
        ),
      );
      // Assess
      expect(error).toMatchObject({ name: "InvalidNextToken", $metadata: { httpStatusCode: 400 } });
    });

    it("ignores a status fault on an operation other than GetMetricData", async () => {
      // Prepare
      const { account, mq } = simulate({ faults: [{ operation: "mq:ListBrokers", from: 0, to: 10, error: "status:InternalError" }] });
      account.minute = 1;
      // Act
      const out = await mq.send(new ListBrokersCommand({}));
      // Assess
      expect(out.BrokerSummaries).toHaveLength(1);
    });

    it("counts every call, faulted ones included", async () => {
      // Prepare
      const { account, mq } = simulate({ faults: [{ operation: "mq:DescribeBroker", from: 0, to: 0, error: "ThrottlingException" }] });
      // Act
      for (const t of [0, 0, 1]) {
        account.minute = t;
        await mq.send(new DescribeBrokerCommand({ BrokerId: "b-orders" })).catch(() => undefined);
      }
      await mq.send(new ListBrokersCommand({}));
      // Assess
      expect(Object.fromEntries(account.calls)).toEqual({ "mq:DescribeBroker": 3, "mq:ListBrokers": 1 });
    });
  });
});
