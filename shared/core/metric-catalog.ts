import { engineVersionOf } from "./instance-limits";
import { type Broker, DeploymentMode, EngineType as Engines, type EngineType } from "./types";

/**
 * Which `AWS/AmazonMQ` metrics mq-sentinel reads, with which statistic, and how often.
 * Cost is a feature: CloudWatch bills every metric requested, so each list is as short as the
 * detectors allow (see DESIGN.md §4 and the cost table in the README).
 */

export const NAMESPACE = "AWS/AmazonMQ";

export type Statistic = "Average" | "Sum" | "Minimum" | "Maximum";

export interface MetricSpec {
  readonly name: string;
  readonly stat: Statistic;
}

/** The metric sets of one engine. */
export interface EngineMetrics {
  /** Broker-level signals read every cycle from the active node. */
  readonly broker: readonly MetricSpec[];
  /** Broker-level limits that barely change, read every `limitsRefreshMinutes`. */
  readonly limits: readonly MetricSpec[];
  /** Per-queue metrics read on the sweep cadence; the first is the backlog (read alone for watched queues). */
  readonly queueSweep: readonly MetricSpec[];
  /** Extra per-queue metrics (evidence only) read for the queues of open incidents. */
  readonly queueDetail: readonly MetricSpec[];
  /** Metric used to discover the broker's queues with ListMetrics. */
  readonly queueDiscoveryMetric: string;
  /** Dimension names of a queue series, in CloudWatch's spelling. */
  readonly queueDimensions: readonly string[];
}

const avg = (name: string): MetricSpec => ({ name, stat: "Average" });
// The per-minute counts (EnqueueCount, DequeueCount, ...) are published as one value per minute:
// Sum is the count for the period whatever the period is.
const sum = (name: string): MetricSpec => ({ name, stat: "Sum" });
const max = (name: string): MetricSpec => ({ name, stat: "Maximum" });

/** ActiveMQ connection-limit metrics, one per wire protocol. */
export const ACTIVEMQ_CONNECTION_LIMIT_METRICS = [
  "OpenwireMaximumConnections",
  "AmqpMaximumConnections",
  "StompMaximumConnections",
  "MqttMaximumConnections",
  "WsMaximumConnections",
] as const;

const ACTIVEMQ: EngineMetrics = {
  broker: [
    avg("CpuUtilization"),
    avg("HeapUsage"),
    max("StorePercentUsage"),
    max("TempPercentUsage"),
    max("CurrentConnectionsCount"),
    max("TotalMessageCount"),
    avg("TotalConsumerCount"),
  ],
  limits: ACTIVEMQ_CONNECTION_LIMIT_METRICS.map(max),
  queueSweep: [max("QueueSize"), avg("ConsumerCount"), sum("EnqueueCount"), sum("DequeueCount")],
  queueDetail: [avg("InFlightCount"), avg("EnqueueTime")],
  queueDiscoveryMetric: "QueueSize",
  queueDimensions: ["Broker", "Queue"],
};

const RABBITMQ: EngineMetrics = {
  broker: [
    avg("SystemCpuUtilization"),
    max("RabbitMQMemUsed"),
    avg("RabbitMQDiskFree"),
    max("RabbitMQFdUsed"),
    max("ConnectionCount"),
    max("ChannelCount"),
    max("MessageReadyCount"),
    max("MessageUnacknowledgedCount"),
    avg("ConsumerCount"),
    avg("PublishRate"),
    avg("AckRate"),
  ],
  limits: [max("RabbitMQMemLimit"), max("RabbitMQDiskFreeLimit")],
  queueSweep: [max("MessageReadyCount"), max("MessageUnacknowledgedCount"), avg("ConsumerCount")],
  queueDetail: [],
  queueDiscoveryMetric: "MessageReadyCount",
  queueDimensions: ["Broker", "VirtualHost", "Queue"],
};

/** What a RabbitMQ cluster's per-node reads are: dimensions `Broker` + `Node`. */
export interface NodeMetrics {
  /** Per-node signals read every cycle. */
  readonly signals: readonly MetricSpec[];
  /** Per-node limits, read every `limitsRefreshMinutes`. */
  readonly limits: readonly MetricSpec[];
  /** Broker-level signals the per-node ones replace (their cluster values are the sum over the nodes). */
  readonly replaces: readonly string[];
}

const NO_NODE_METRICS: NodeMetrics = { signals: [], limits: [], replaces: [] };

/** The per-node resource signals of a RabbitMQ cluster; each broker-level one is their sum. */
const RABBITMQ_NODE_RESOURCES: readonly MetricSpec[] = [
  avg("SystemCpuUtilization"),
  max("RabbitMQMemUsed"),
  avg("RabbitMQDiskFree"),
  max("RabbitMQFdUsed"),
];
/** Published per node from RabbitMQ 4.2 (the limits apply per node). */
const RABBITMQ_NODE_COUNTS: readonly MetricSpec[] = [max("ConnectionCount"), max("ChannelCount")];
/** Metric used to discover the nodes of RabbitMQ clusters with ListMetrics (dimension `Node`). */
export const NODE_DISCOVERY_METRIC = "RabbitMQMemUsed";

/**
 * The per-node reads of a broker: for a RabbitMQ cluster, memory, disk, file descriptors and CPU of
 * every node (the alarms fire per node and block publishers cluster-wide, so one hot node hides in the
 * broker-level totals), plus connections and channels per node from RabbitMQ 4.2. Nothing for single
 * instances (the broker-level values are the node's) and ActiveMQ. Connection counts stay broker-level
 * too: they are the fallback while a node's counts are missing.
 */
export function nodeMetricsFor(broker: Pick<Broker, "engine" | "engineVersion" | "deploymentMode">): NodeMetrics {
  if (broker.engine !== Engines.rabbitmq || broker.deploymentMode !== DeploymentMode.cluster) return NO_NODE_METRICS;
  const version = engineVersionOf(broker.engineVersion);
  const counts = version !== null && (version.major > 4 || (version.major === 4 && version.minor >= 2));
  return {
    signals: counts ? [...RABBITMQ_NODE_RESOURCES, ...RABBITMQ_NODE_COUNTS] : RABBITMQ_NODE_RESOURCES,
    limits: RABBITMQ.limits,
    replaces: RABBITMQ_NODE_RESOURCES.map((s) => s.name),
  };
}

/** The metric sets of an engine. */
export function metricsFor(engine: EngineType): EngineMetrics {
  return engine === Engines.rabbitmq ? RABBITMQ : ACTIVEMQ;
}

/** Broker-level series that show the total backlog and consumers, used to decide when to read queues. */
export function brokerBacklogSignals(engine: EngineType): { backlog: string; consumers: string } {
  return engine === Engines.rabbitmq
    ? { backlog: "MessageReadyCount", consumers: "ConsumerCount" }
    : { backlog: "TotalMessageCount", consumers: "TotalConsumerCount" };
}

/** CloudWatch publishes metrics for only this many destinations per broker (Amazon MQ quotas). */
export function destinationMetricCap(engine: EngineType): number {
  return engine === Engines.rabbitmq ? 500 : 1000;
}
