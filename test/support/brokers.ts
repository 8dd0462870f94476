import type { Broker } from "../../shared/core/types";

/**
 * A running ActiveMQ active/standby pair on mq.m5.large in us-east-1, id `b-<name>`, nodes `<name>-1`
 * and `<name>-2`, no tags; override any field.
 */
export function activeMqBroker(name: string, overrides: Partial<Broker> = {}): Broker {
  return {
    id: `b-${name}`,
    name,
    arn: `arn:aws:mq:us-east-1:123456789012:broker:${name}:b-${name}`,
    state: "RUNNING",
    engine: "ACTIVEMQ",
    engineVersion: "5.18",
    deploymentMode: "ACTIVE_STANDBY_MULTI_AZ",
    instanceType: "mq.m5.large",
    tags: {},
    pendingChanges: [],
    configuration: null,
    nodes: [`${name}-1`, `${name}-2`],
    ...overrides,
  };
}

/** A running RabbitMQ 3.13 three-node cluster on mq.m5.large (CloudWatch `Broker` dimension = its name); override any field. */
export function rabbitMqBroker(name: string, overrides: Partial<Broker> = {}): Broker {
  return activeMqBroker(name, {
    engine: "RABBITMQ",
    engineVersion: "3.13",
    deploymentMode: "CLUSTER_MULTI_AZ",
    nodes: [name],
    ...overrides,
  });
}

/** `broker` as an eu-west-1 broker of `id`, frozen: the fixed brokers of the detector and posture tests. */
export function fixedBroker(broker: Broker, id: string): Broker {
  return Object.freeze({ ...broker, id, arn: `arn:aws:mq:eu-west-1:123456789012:broker:${broker.name}:${id}` });
}
