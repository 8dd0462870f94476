/** Builds small scenarios inline for tests (the project never reads ../shared at test time). */

export interface BuiltScenario {
  name: string;
  start: string;
  durationMinutes: number;
  brokers: unknown[];
  metrics: unknown[];
  [key: string]: unknown;
}

export function activeMqDescribe(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    BrokerId: `b-${name}`,
    BrokerName: name,
    BrokerArn: `arn:aws:mq:us-east-1:123456789012:broker:${name}:b-${name}`,
    BrokerState: "RUNNING",
    DeploymentMode: "ACTIVE_STANDBY_MULTI_AZ",
    EngineType: "ACTIVEMQ",
    EngineVersion: "5.18",
    HostInstanceType: "mq.m5.large",
    Tags: {},
    ...overrides,
  };
}

/** One ActiveMQ broker with a queue whose consumers stall at `stallAt` (datapoint index). */
export function stalledQueueScenario(name = "stall", stallAt = 10, minutes = 30): BuiltScenario {
  const node = `${name}-broker-1`;
  const backlog = Array.from({ length: minutes }, (_, m) => (m < stallAt ? 0 : (m - stallAt + 1) * 100));
  const series = (metric: string, dimensions: Record<string, string>, values: (number | null)[]) => ({ metric, dimensions, values });
  const q = { Broker: node, Queue: "work" };
  return {
    name,
    start: "2026-03-02T09:00:00Z",
    durationMinutes: minutes,
    brokers: [{ describe: activeMqDescribe(`${name}-broker`) }],
    metrics: [
      series("QueueSize", q, backlog),
      series("ConsumerCount", q, new Array(minutes).fill(5)),
      series("EnqueueCount", q, new Array(minutes).fill(100)),
      series(
        "DequeueCount",
        q,
        Array.from({ length: minutes }, (_, m) => (m < stallAt ? 100 : 0)),
      ),
      series("TotalMessageCount", { Broker: node }, backlog),
      series("TotalConsumerCount", { Broker: node }, new Array(minutes).fill(5)),
      series("CpuUtilization", { Broker: node }, new Array(minutes).fill(20)),
      series("CurrentConnectionsCount", { Broker: node }, new Array(minutes).fill(100)),
    ],
    expect: [{ kind: "consumer-lag", broker: `${name}-broker`, resource: "work", from: stallAt + 2, to: stallAt + 12 }],
  };
}
