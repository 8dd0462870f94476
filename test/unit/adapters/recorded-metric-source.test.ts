import { metricKey, RecordedMetricSource } from "../../../shared/adapters/recorded-metric-source";
import type { MetricRequest } from "../../../shared/ports";
import { MINUTE } from "../../support/clock";
import { queueMetricRequest } from "../../support/metric-requests";

const START = Date.parse("2026-03-02T00:00:00Z");

function source(values: Record<string, number[]>, listed: MetricRequest[] = []) {
  let now = START;
  const clock = { now: () => now, sleep: async () => {} };
  const map = new Map(Object.entries(values).map(([k, v]) => [k, Float64Array.from(v)]));
  const s = new RecordedMetricSource({ startMs: START, minutes: 600, values: map, listed }, clock, 1);
  const at = (minute: number) => {
    now = START + minute * MINUTE;
  };
  return { s, at };
}

const queueSize = queueMetricRequest("b-1", "q1", "QueueSize", "Maximum", "k");

describe("RecordedMetricSource", () => {
  it("answers a window with what CloudWatch had published at that minute (datapoint i from minute i + 2)", async () => {
    const { s, at } = source({ [metricKey(queueSize)]: Array.from({ length: 600 }, (_, i) => i) });
    at(10);
    const read = await s.fetch([queueSize], { startMs: START + 5 * MINUTE, minutes: 6 });
    expect(read.series.get("k")).toEqual([5, 6, 7, 8, null, null]);
    expect(read.metricsRequested).toBe(0);
  });

  it("keys a series whatever the order of its dimensions, and keeps missing datapoints missing", async () => {
    const values = Array.from({ length: 600 }, (_, i) => (i === 3 ? Number.NaN : 1));
    const { s, at } = source({ [metricKey({ ...queueSize, dimensions: { Queue: "q1", Broker: "b-1" } })]: values });
    at(100);
    const read = await s.fetch([queueSize], { startMs: START, minutes: 5 });
    expect(read.series.get("k")).toEqual([1, 1, 1, null, 1]);
  });

  it("reports a series the history does not hold as not read, never as silence", async () => {
    const { s, at } = source({});
    at(100);
    const read = await s.fetch([queueSize], { startMs: START, minutes: 5 });
    expect(read.series.has("k")).toBe(false);
    expect([...read.failedKeys]).toEqual(["k"]);
    expect(read.errors[0]).toMatch(/not in the history/);
  });

  it("lists a queue only while it had datapoints in the last three hours", async () => {
    const values = Array.from({ length: 600 }, (_, i) => (i < 60 ? 5 : Number.NaN));
    const { s, at } = source({ [metricKey(queueSize)]: values }, [queueSize]);
    at(100);
    expect((await s.listQueues("ACTIVEMQ", 0)).queuesByNode.get("b-1")).toEqual([{ name: "q1" }]);
    at(300);
    expect((await s.listQueues("ACTIVEMQ", 0)).queuesByNode.get("b-1")).toBeUndefined();
  });
});
