import { ACTIVEMQ_CONNECTION_LIMIT_METRICS } from "../core/metric-catalog";

/**
 * The CloudWatch series an Amazon MQ broker publishes, per engine, as CloudWatch names them: what the
 * simulated accounts serve (the scenario files' and the reference fleet's), a superset of what
 * mq-sentinel reads (see `metricsFor` in shared/core/metric-catalog).
 */

/** Broker-level series of an ActiveMQ broker (dimension `Broker`: the node). */
export const AMQ_BROKER_METRICS = [
  "CpuUtilization",
  "HeapUsage",
  "StorePercentUsage",
  "TempPercentUsage",
  "CurrentConnectionsCount",
  "EstablishedConnectionsCount",
  ...ACTIVEMQ_CONNECTION_LIMIT_METRICS,
  "TotalMessageCount",
  "TotalConsumerCount",
  "TotalProducerCount",
  "TotalEnqueueCount",
  "TotalDequeueCount",
] as const;

/** Per-queue series of an ActiveMQ broker (dimensions `Broker` + `Queue`). */
export const AMQ_QUEUE_METRICS = [
  "QueueSize",
  "ConsumerCount",
  "ProducerCount",
  "EnqueueCount",
  "DequeueCount",
  "DispatchCount",
  "InFlightCount",
  "ExpiredCount",
  "EnqueueTime",
] as const;

/** Per-queue series of a RabbitMQ broker (dimensions `Broker` + `VirtualHost` + `Queue`). */
export const RMQ_QUEUE_METRICS = ["MessageReadyCount", "MessageUnacknowledgedCount", "MessageCount", "ConsumerCount"] as const;

/** Per-node series of a RabbitMQ cluster (dimensions `Broker` + `Node`); counts only from RabbitMQ 4.2. */
export const RMQ_NODE_METRICS = [
  "SystemCpuUtilization",
  "RabbitMQMemUsed",
  "RabbitMQMemLimit",
  "RabbitMQDiskFree",
  "RabbitMQDiskFreeLimit",
  "RabbitMQFdUsed",
  "ConnectionCount",
  "ChannelCount",
] as const;

/** Broker-level series of a RabbitMQ broker: the node ones summed over the nodes, then the queue totals and the rates. */
export const RMQ_BROKER_METRICS = [
  ...RMQ_NODE_METRICS,
  "QueueCount",
  "ConsumerCount",
  "MessageCount",
  "MessageReadyCount",
  "MessageUnacknowledgedCount",
  "PublishRate",
  "AckRate",
] as const;
