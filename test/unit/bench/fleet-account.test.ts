import { FleetHarness } from "../../../bench/fleet-harness";
import { replayScenario } from "../../../cli/replay";
import { DEFAULT_CONFIG } from "../../../shared/core/config";
import { METRIC_KINDS } from "../../../shared/core/types";
import { FleetAccount } from "../../../shared/sim/fleet/fleet-account";
import { buildFleet, materializeScenario, queueStateAt, totalsAt } from "../../../shared/sim/fleet/reference-fleet";
import { SimulatedAccount } from "../../../shared/sim/simulated-account";
import { MINUTE } from "../../support/clock";

// Four brokers: three ActiveMQ (index 3 is RabbitMQ), small enough to write every series out.
const fleet = buildFleet({ brokers: 4, queuesPerBroker: 6, seed: 7 });
const MINUTES = 150;
const scenario = materializeScenario(fleet, MINUTES);

function query(id: string, metric: string, dimensions: Record<string, string>, stat = "Maximum", period = 60) {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: "AWS/AmazonMQ",
        MetricName: metric,
        Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: period,
      Stat: stat,
    },
  };
}

/** Every series of the fleet as queries, plus a few that match nothing (a standby node, a wrong dimension set). */
function allQueries(stat: string, period: number) {
  const out = scenario.metrics.map((m, i) => query(`m${i}`, m.metric, m.dimensions, stat, period));
  const amq = fleet.brokers[0];
  out.push(query("standby", "CpuUtilization", { Broker: `${amq?.name}-2` }, stat, period));
  out.push(
    query("wrongDims", "QueueSize", { Broker: amq?.activeNode ?? "", Queue: amq?.queues[0]?.name ?? "", VirtualHost: "/" }, stat, period),
  );
  return out;
}

type Answer = { MetricDataResults: { Id: string; Timestamps: Date[]; Values: number[] }[] };

function normalise(answer: Answer) {
  return answer.MetricDataResults.map((r) => ({ id: r.Id, t: r.Timestamps.map((d) => d.getTime()), v: r.Values }));
}

describe("FleetAccount", () => {
  it.each([
    [0, "Maximum", 60, "TimestampAscending"],
    [2, "Maximum", 60, "TimestampAscending"],
    [75, "Sum", 60, "TimestampAscending"],
    [120, "Average", 300, "TimestampDescending"],
    [149, "Minimum", 60, "TimestampAscending"],
  ])(
    "answers GetMetricData at minute %i (%s, %i s) exactly as SimulatedAccount does on the written-out fleet",
    async (minute, stat, period, scanBy) => {
      // Prepare
      const lazy = new FleetAccount(fleet);
      const reference = new SimulatedAccount(scenario);
      lazy.minute = minute;
      reference.minute = minute;
      const queries = allQueries(stat, period);
      const input = (from: number) => ({
        MetricDataQueries: queries.slice(from, from + 500),
        StartTime: new Date(fleet.startMs + (minute - 60) * MINUTE),
        EndTime: new Date(fleet.startMs + minute * MINUTE),
        ScanBy: scanBy,
      });
      // Act / Assess
      for (let from = 0; from < queries.length; from += 500) {
        const a = normalise((await lazy.handle("cloudwatch", "GetMetricData", input(from))) as unknown as Answer);
        const b = normalise((await reference.handle("cloudwatch", "GetMetricData", input(from))) as unknown as Answer);
        expect(a).toEqual(b);
      }
      expect(lazy.metricsRequested).toBe(reference.metricsRequested);
    },
  );

  it.each([
    ["QueueSize", 0],
    ["QueueSize", 10],
    ["MessageReadyCount", 10],
    ["CpuUtilization", 10],
  ])("lists %s at minute %i as SimulatedAccount does", async (metric, minute) => {
    // Prepare
    const lazy = new FleetAccount(fleet);
    const reference = new SimulatedAccount(scenario);
    lazy.minute = minute;
    reference.minute = minute;
    const input = { Namespace: "AWS/AmazonMQ", MetricName: metric, RecentlyActive: "PT3H" };
    const sorted = (r: Record<string, unknown>) => (r.Metrics as unknown[]).map((m) => JSON.stringify(m)).sort();
    // Act
    const a = await lazy.handle("cloudwatch", "ListMetrics", input);
    const b = await reference.handle("cloudwatch", "ListMetrics", input);
    // Assess
    expect(sorted(a)).toEqual(sorted(b));
    expect(a.NextToken).toEqual(b.NextToken);
  });

  it("refuses a call of more than 500 queries, as CloudWatch does", async () => {
    const lazy = new FleetAccount(fleet);
    lazy.minute = 10;
    const queries = Array.from({ length: 501 }, (_, i) => query(`q${i}`, "CpuUtilization", { Broker: "x" }));
    await expect(
      lazy.handle("cloudwatch", "GetMetricData", {
        MetricDataQueries: queries,
        StartTime: new Date(fleet.startMs),
        EndTime: new Date(fleet.startMs + 60 * MINUTE),
      }),
    ).rejects.toMatchObject({ name: "ValidationError" });
  });

  // The replay also runs the posture audit (the harness runs only poll-metrics): compare metric incidents.
  it("makes the real poll-metrics cycles read and open exactly what a replay of the written-out fleet does", async () => {
    // Prepare
    const replay = await replayScenario(scenario);
    const harness = new FleetHarness(fleet, DEFAULT_CONFIG);
    // Act
    const records = [];
    for (let t = 0; t < MINUTES; t++) records.push(await harness.runCycle(t));
    // Assess
    expect(records.map((r) => r.metricsRequested)).toEqual(replay.cycles.map((c) => c.metricsRequested));
    expect(records.map((r) => r.getMetricDataCalls)).toEqual(replay.cycles.map((c) => c.getMetricDataCalls));
    expect(harness.opened.map((o) => `${o.minute} ${o.fingerprint}`)).toEqual(
      replay.output.incidents
        .filter((i) => METRIC_KINDS.includes(i.kind))
        .map((i) => `${i.openedMinute} ${i.kind}|${i.broker}|${i.resource ?? ""}`),
    );
    expect(records.flatMap((r) => r.errors)).toEqual([]);
  });
});

describe("reference fleet traffic", () => {
  it("is deterministic: the same seed gives the same brokers and values", () => {
    const again = buildFleet({ brokers: 4, queuesPerBroker: 6, seed: 7 });
    expect(again.brokers.map((b) => b.name)).toEqual(fleet.brokers.map((b) => b.name));
    expect(materializeScenario(again, 30).metrics).toEqual(materializeScenario(fleet, 30).metrics);
  });

  it("keeps the mix when the fleet grows: the first brokers of a larger fleet are the same", () => {
    const larger = buildFleet({ brokers: 40, queuesPerBroker: 6, seed: 7 });
    expect(larger.brokers.slice(0, 4).map((b) => b.id)).toEqual(fleet.brokers.map((b) => b.id));
    expect(larger.brokers.filter((b) => b.engine === "RABBITMQ")).toHaveLength(10);
  });

  it("conserves messages: QueueSize[i] = QueueSize[i-1] + enqueued - dequeued, never a negative count", () => {
    for (const broker of buildFleet({ brokers: 8, queuesPerBroker: 50, seed: 3 }).brokers) {
      for (const q of broker.queues) {
        for (let i = 1; i < 1440; i += 7) {
          const now = queueStateAt(broker, q, i);
          const before = queueStateAt(broker, q, i - 1);
          expect(now.backlog).toBe(before.backlog + now.enqueues - now.dequeues);
          expect(Math.min(now.backlog, now.enqueues, now.dequeues, now.consumers, now.inFlight)).toBeGreaterThanOrEqual(0);
        }
      }
    }
  });

  it("publishes broker totals that are exact sums of the queue series", () => {
    const broker = fleet.brokers[0];
    if (!broker) throw new Error("no broker");
    const totals = totalsAt(broker, 42);
    const backlog = broker.queues.reduce((n, q) => n + queueStateAt(broker, q, 42).backlog, 0);
    expect(totals.backlog).toBe(backlog);
  });
});
