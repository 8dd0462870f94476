import { type ReplayOutput, replayScenario } from "../../../cli/replay";
import { parseScenario } from "../../../shared/sim/scenario";
import { rawBroker, rawScenario } from "../sim/scenario-fixtures";

/**
 * Whole replays of small inline scenarios with CloudWatch's per-query StatusCode faults: the real
 * handlers against the simulated account, over the wire.
 */

const MINUTES = 40;
/** Broker-level series of a healthy, idle ActiveMQ broker (node `-1`), constant values. */
const HEALTHY: Record<string, number> = {
  CpuUtilization: 12,
  HeapUsage: 40,
  StorePercentUsage: 3,
  TempPercentUsage: 0.5,
  CurrentConnectionsCount: 60,
  EstablishedConnectionsCount: 61,
  TotalMessageCount: 0,
  TotalConsumerCount: 2,
  TotalProducerCount: 1,
  TotalEnqueueCount: 30,
  TotalDequeueCount: 30,
  OpenwireMaximumConnections: 2000,
  AmqpMaximumConnections: 2000,
  StompMaximumConnections: 2000,
  MqttMaximumConnections: 2000,
  WsMaximumConnections: 2000,
};

/** A one-broker scenario whose metrics stop at datapoint `stopAt` (never, by default), with `faults`. */
function scenario(faults: unknown[], stopAt = MINUTES) {
  const metrics = Object.entries(HEALTHY).map(([metric, value]) => ({
    metric,
    dimensions: { Broker: "orders-1" },
    values: Array.from({ length: MINUTES }, (_, i) => (i < stopAt ? value : null)),
  }));
  return parseScenario(rawScenario({ durationMinutes: MINUTES, brokers: [rawBroker("orders")], metrics, faults }));
}

const opened = (output: ReplayOutput) => output.incidents.map((i) => [i.kind, i.broker, i.openedMinute, i.resolvedMinute]);

describe("replayScenario with CloudWatch StatusCode faults", () => {
  it("opens nothing while GetMetricData answers InternalError, and reports each cycle's metrics as not read", async () => {
    // Prepare
    const faults = [{ operation: "cloudwatch:GetMetricData", from: 15, to: 20, error: "status:InternalError" }];
    // Act
    const { output } = await replayScenario(scenario(faults));
    // Assess
    expect(output.incidents).toEqual([]);
    const notRead = output.errors.filter((e) => e.includes("StatusCode InternalError"));
    expect(notRead.map((e) => Number(/^t=(\d+) /.exec(e)?.[1]))).toEqual([15, 16, 17, 18, 19, 20]);
    expect(notRead[0]).toMatch(
      /^t=15 cloudwatch:GetMetricData StatusCode InternalError \(InternalError: .+\) — \d+ metrics not read this cycle$/,
    );
    expect(output.errors.filter((e) => e.includes("cloudwatch:"))).toEqual(notRead);
  });

  it("detects a broker that goes silent behind InternalError answers once CloudWatch reads again", async () => {
    // Prepare: the broker stops publishing at datapoint 17, while CloudWatch cannot read (15-24).
    const faults = [{ operation: "cloudwatch:GetMetricData", from: 15, to: 24, error: "status:InternalError" }];
    // Act
    const { output } = await replayScenario(scenario(faults, 17));
    // Assess
    expect(opened(output)).toEqual([["broker-unhealthy", "orders", 25, null]]);
  });

  it("detects exactly what it detects without the fault when GetMetricData answers PartialData", async () => {
    // Prepare: the broker stops publishing at datapoint 20; CloudWatch answers partially from 10 to 35.
    const faults = [{ operation: "cloudwatch:GetMetricData", from: 10, to: 35, error: "status:PartialData" }];
    // Act
    const withFault = await replayScenario(scenario(faults, 20));
    const without = await replayScenario(scenario([], 20));
    // Assess
    expect(opened(without.output)).toEqual([["broker-unhealthy", "orders", expect.any(Number), null]]);
    expect(withFault.output.incidents).toEqual(without.output.incidents);
    expect(withFault.output.notifications).toEqual(without.output.notifications);
    expect(withFault.output.errors).toEqual(without.output.errors);
    expect(withFault.output.apiCalls["cloudwatch:GetMetricData"]).toBeGreaterThan(without.output.apiCalls["cloudwatch:GetMetricData"] ?? 0);
  });
});
