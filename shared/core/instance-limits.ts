import { DeploymentMode } from "./types";

/**
 * Documented Amazon MQ limits per instance type, used when the broker does not publish its own.
 * ActiveMQ publishes its per-protocol limits as metrics (`*MaximumConnections`); these numbers are
 * only the fallback. RabbitMQ limits apply per node and cannot be read from CloudWatch.
 */

/** ActiveMQ wire-level connections per protocol: 300 on `mq.*.micro`, 2,000 on larger types. */
export function activeMqConnectionLimit(instanceType: string): number {
  return /\.micro$/.test(instanceType) ? 300 : 2000;
}

interface RabbitNodeLimits {
  connections: number;
  channels: number;
}

// Amazon MQ for RabbitMQ sizing guidelines (single-instance maximums, per node).
const RABBITMQ_NODE_LIMITS: Record<string, RabbitNodeLimits> = {
  "mq.t3.micro": { connections: 500, channels: 1_500 },
  "mq.m5.large": { connections: 5_000, channels: 15_000 },
  "mq.m5.xlarge": { connections: 10_000, channels: 30_000 },
  "mq.m5.2xlarge": { connections: 20_000, channels: 60_000 },
  "mq.m5.4xlarge": { connections: 40_000, channels: 120_000 },
  "mq.m7g.medium": { connections: 300, channels: 900 },
  "mq.m7g.large": { connections: 5_000, channels: 15_000 },
  "mq.m7g.xlarge": { connections: 10_000, channels: 30_000 },
  "mq.m7g.2xlarge": { connections: 20_000, channels: 60_000 },
  "mq.m7g.4xlarge": { connections: 40_000, channels: 120_000 },
  "mq.m7g.8xlarge": { connections: 80_000, channels: 240_000 },
  "mq.m7g.12xlarge": { connections: 120_000, channels: 360_000 },
};

/** Nodes behind a RabbitMQ broker: a cluster has three, and its broker-level counts are their sum. */
export function rabbitMqNodeCount(mode: DeploymentMode): number {
  return mode === DeploymentMode.cluster ? 3 : 1;
}

/**
 * RabbitMQ connection and channel limits for the whole broker (per-node limit x nodes), or null for
 * an instance type we have no figures for.
 */
export function rabbitMqLimits(instanceType: string, mode: DeploymentMode): RabbitNodeLimits | null {
  const perNode = RABBITMQ_NODE_LIMITS[instanceType];
  if (!perNode) return null;
  const nodes = rabbitMqNodeCount(mode);
  return { connections: perNode.connections * nodes, channels: perNode.channels * nodes };
}

/**
 * Estimated RabbitMQ file-descriptor limit of the broker: Amazon MQ does not publish it. RabbitMQ's
 * own packaged service unit sets `LimitNOFILE=64000`, so `perNode` (configurable) times the nodes is
 * the working estimate; broker-level `RabbitMQFdUsed` sums the nodes of a cluster.
 */
export function rabbitMqFileDescriptorLimit(perNode: number, mode: DeploymentMode): number {
  return perNode * rabbitMqNodeCount(mode);
}
