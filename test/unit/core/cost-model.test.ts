import { DEFAULT_CONFIG } from "../../../shared/core/config";
import {
  alarmEquivalentUsdPerQueueMonth,
  estimateCost,
  type FleetShape,
  getMetricDataCallBudget,
  MINUTES_PER_MONTH,
  meetsCostTarget,
  nodeMetricsPerCycle,
  splitUsdPerQueueMonth,
  usdPerMonth,
  usdPerQueueMonth,
} from "../../../shared/core/cost-model";
import { nodeMetricsFor } from "../../../shared/core/metric-catalog";
import { DeploymentMode, EngineType } from "../../../shared/core/types";

const polling = DEFAULT_CONFIG.polling;
const rabbit = (deploymentMode: DeploymentMode, engineVersion: string | null): FleetShape => ({
  engine: EngineType.rabbitmq,
  queues: 0,
  deadLetterQueues: 0,
  deploymentMode,
  engineVersion,
});

describe("nodeMetricsPerCycle", () => {
  it.each<{ situation: string; shape: FleetShape; extra: number }>([
    // 3 nodes x 4 signals, less the 4 broker-level sums they replace, plus 3 x 2 node limits hourly
    { situation: "a RabbitMQ 3.13 cluster", shape: rabbit(DeploymentMode.cluster, "3.13"), extra: 3 * 4 - 4 + 6 / 60 },
    // connections and channels per node from 4.2
    { situation: "a RabbitMQ 4.2 cluster", shape: rabbit(DeploymentMode.cluster, "4.2"), extra: 3 * 6 - 4 + 6 / 60 },
    { situation: "a RabbitMQ 4.1 cluster (no per-node counts)", shape: rabbit(DeploymentMode.cluster, "4.1"), extra: 3 * 4 - 4 + 6 / 60 },
    { situation: "a single-instance RabbitMQ broker", shape: rabbit(DeploymentMode.single, "4.2"), extra: 0 },
    {
      situation: "an ActiveMQ pair",
      shape: { engine: EngineType.activemq, queues: 0, deadLetterQueues: 0, deploymentMode: DeploymentMode.activeStandby },
      extra: 0,
    },
  ])("adds $extra metrics a minute for $situation", ({ shape, extra }) => {
    expect(nodeMetricsPerCycle(shape, polling)).toBeCloseTo(extra, 9);
  });

  it("counts the per-node reads in the fleet estimate", () => {
    // Prepare
    const single = estimateCost([rabbit(DeploymentMode.single, "3.13")], polling);
    // Act
    const cluster = estimateCost([rabbit(DeploymentMode.cluster, "3.13")], polling);
    // Assess: 11 broker-level + 2/60 limits, then + 8.1 for the nodes
    expect(single.metricsPerCycle).toBe(11);
    expect(cluster.metricsPerCycle).toBe(19.1);
  });
});

describe("nodeMetricsFor", () => {
  it("replaces exactly the broker-level resource sums it reads per node", () => {
    // Act
    const node = nodeMetricsFor({ engine: EngineType.rabbitmq, engineVersion: "4.2", deploymentMode: DeploymentMode.cluster });
    // Assess
    expect(node.replaces).toEqual(["SystemCpuUtilization", "RabbitMQMemUsed", "RabbitMQDiskFree", "RabbitMQFdUsed"]);
    expect(node.signals.map((s) => s.name)).toEqual([...node.replaces, "ConnectionCount", "ChannelCount"]);
    expect(node.limits.map((s) => s.name)).toEqual(["RabbitMQMemLimit", "RabbitMQDiskFreeLimit"]);
  });
});

describe("estimateCost", () => {
  it("counts one metric per queue per sweep (the backlog), not every sweep metric", () => {
    // Prepare: one ActiveMQ broker, 30 queues, no dead-letter queue
    const fleet: FleetShape[] = [{ engine: EngineType.activemq, queues: 30, deadLetterQueues: 0 }];
    // Act
    const estimate = estimateCost(fleet, polling);
    // Assess: 7 broker-level + 5/60 limits + 30/30 backlogs
    expect(estimate.metricsPerCycle).toBe(8.1);
  });
});

describe("measured usage", () => {
  it("prices one metric polled every minute at $0.432 a month, as DESIGN.md §4 says", () => {
    // Act
    const usd = usdPerMonth({ metricsRequested: MINUTES_PER_MONTH, listMetricsRequests: 0, minutes: MINUTES_PER_MONTH });
    // Assess
    expect(usd).toBeCloseTo(0.432, 6);
  });

  it("scales a sample of minutes to a 30-day month and adds ListMetrics requests", () => {
    // Prepare: one day of 1,000 metrics a minute and 96 ListMetrics requests
    const usage = { metricsRequested: 1000 * 1440, listMetricsRequests: 96, minutes: 1440 };
    // Act
    const month = usdPerMonth(usage);
    // Assess: 30 days of 1.44M metrics at $0.01/1,000, plus 2,880 requests at $0.01/1,000
    expect(month).toBeCloseTo(30 * 14.4 + 30 * 0.00096, 6);
    expect(usdPerQueueMonth(usage, 1000)).toBeCloseTo(month / 1000, 9);
  });

  it("returns zero for an empty sample instead of dividing by zero", () => {
    expect(usdPerMonth({ metricsRequested: 10, listMetricsRequests: 0, minutes: 0 })).toBe(0);
    expect(usdPerQueueMonth({ metricsRequested: 10, listMetricsRequests: 0, minutes: 10 }, 0)).toBe(0);
  });

  it.each([
    // queues, brokers, expected $ per queue-month: (3 x queues + 4 x brokers) x $0.10 / queues
    [10_000, 200, 0.308],
    [50, 1, 0.308],
    [1, 1, 0.7],
  ])("prices the equivalent alarm set of %i queues on %i brokers at $%d per queue-month", (queues, brokers, expected) => {
    expect(alarmEquivalentUsdPerQueueMonth({ queues, brokers })).toBeCloseTo(expected, 9);
  });

  it.each([
    [0.15, 0.308, true],
    [0.154, 0.308, true],
    [0.16, 0.308, false],
  ])("judges $%d per queue-month against an alarm set of $%d: meets the target = %s", (usd, alarm, expected) => {
    expect(meetsCostTarget(usd, alarm)).toBe(expected);
  });

  it("splits metrics by what they were read for, in dollars per queue-month", () => {
    // Prepare: one minute of 100 broker-level and 50 queue metrics, 10 queues
    const split = splitUsdPerQueueMonth({ broker: 100, sweep: 50 }, 1, 10);
    // Assess
    expect(split.broker).toBeCloseTo((100 * MINUTES_PER_MONTH * 0.00001) / 10, 9);
    expect(split.sweep).toBeCloseTo(split.broker / 2, 9);
  });

  it.each([
    [1, 2],
    [500, 2],
    [501, 3],
    [41_002, 84],
  ])("allows %i metrics at most %i GetMetricData calls (ceil(M/500) + 1)", (metrics, calls) => {
    expect(getMetricDataCallBudget(metrics)).toBe(calls);
  });
});
