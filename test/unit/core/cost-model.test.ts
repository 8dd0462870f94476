import { DEFAULT_CONFIG } from "../../../shared/core/config";
import { estimateCost, type FleetShape, nodeMetricsPerCycle } from "../../../shared/core/cost-model";
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
