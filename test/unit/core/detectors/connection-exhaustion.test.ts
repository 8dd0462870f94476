import { activeMqLimit, detectConnectionExhaustion } from "../../../../shared/core/detectors/connection-exhaustion";
import { type BrokerObservation, fingerprintOf, IncidentKind, Severity } from "../../../../shared/core/types";
import {
  activeMqBroker,
  brokerWith,
  detection,
  flat,
  nodeMetrics,
  noisy,
  nulls,
  observation,
  rabbitMq4Broker,
  rabbitMqBroker,
  ramp,
  series,
} from "../detector-fixtures";

const config = detection.connections;

const microBroker = brokerWith(activeMqBroker, {
  name: "dev-amq",
  deploymentMode: "SINGLE_INSTANCE",
  instanceType: "mq.t3.micro",
  nodes: ["dev-amq-1"],
});
const rabbitSingle = brokerWith(rabbitMqBroker, { name: "events-rmq-single", deploymentMode: "SINGLE_INSTANCE" });
/** RabbitMQ 4.2 three-node cluster on mq.m7g.xlarge: 1,000 connections / 3,000 channels per node by default. */
const rabbit4Cluster = brokerWith(rabbitMq4Broker, {
  name: "search-rmq4",
  deploymentMode: "CLUSTER_MULTI_AZ",
  instanceType: "mq.m7g.xlarge",
});
const raised = { connectionMax: 3_000, channelMaxPerNode: 9_000, source: "configuration c-orders revision 3" };
const NODES = ["rabbit@ip-10-0-1-11.ec2.internal", "rabbit@ip-10-0-2-22.ec2.internal", "rabbit@ip-10-0-3-33.ec2.internal"];
/** A 4.2 cluster's per-node counts: connections (and channels at 1.5 per connection) per node. */
function clusterNodes(...connections: (number | null)[][]) {
  return connections.map((c, k) =>
    nodeMetrics(NODES[k] as string, { ConnectionCount: c, ChannelCount: c.map((v) => (v == null ? null : v * 1.5)) }),
  );
}
const total = (...parts: (number | null)[][]) => (parts[0] ?? []).map((_, i) => parts.reduce((a, p) => a + (p[i] ?? 0), 0));

/** ActiveMQ publishes one limit per wire protocol; these say OpenWire and AMQP allow 1,000. */
const publishedLimits = {
  OpenwireMaximumConnections: 1000,
  AmqpMaximumConnections: 1000,
  StompMaximumConnections: 500,
  MqttMaximumConnections: 100,
  WsMaximumConnections: 100,
};

interface ConnectionCase {
  situation: string;
  obs: BrokerObservation;
}

interface FiringCase extends ConnectionCase {
  condition: string;
  severity: string;
  limit: number;
}

const firing: FiringCase[] = [
  {
    situation: "ActiveMQ connections sit at 96% of the documented 2,000 for 2 minutes",
    obs: observation(activeMqBroker, { series: { CurrentConnectionsCount: series(noisy(1000, 50, 28), [1920, 1940]) } }),
    condition: "connections-at-limit",
    severity: Severity.critical,
    limit: 2000,
  },
  {
    situation: "ActiveMQ connections sit at 96% of the published 1,000 for 2 minutes",
    obs: observation(activeMqBroker, {
      series: { CurrentConnectionsCount: series(noisy(500, 40, 28), [960, 970]) },
      limits: publishedLimits,
    }),
    condition: "connections-at-limit",
    severity: Severity.critical,
    limit: 1000,
  },
  {
    situation: "a mq.t3.micro broker holds 290 of its 300 connections for 2 minutes",
    obs: observation(microBroker, { series: { CurrentConnectionsCount: series(noisy(150, 10, 28), [290, 295]) } }),
    condition: "connections-at-limit",
    severity: Severity.critical,
    limit: 300,
  },
  {
    situation: "ActiveMQ connections hold 82% of the limit for 3 minutes",
    obs: observation(activeMqBroker, { series: { CurrentConnectionsCount: series(noisy(1000, 50, 27), flat(1640, 3)) } }),
    condition: "connections-high",
    severity: Severity.warning,
    limit: 2000,
  },
  {
    situation: "ActiveMQ connections climb steadily past 50% towards the limit (a leak)",
    obs: observation(activeMqBroker, { series: { CurrentConnectionsCount: series(noisy(700, 20, 10), ramp(900, 1200, 20)) } }),
    condition: "connections-leak",
    severity: Severity.warning,
    limit: 2000,
  },
  {
    situation: "RabbitMQ cluster connections sit at 96% of 3 x 5,000 for 2 minutes",
    obs: observation(rabbitMqBroker, {
      series: { ConnectionCount: series(noisy(6000, 300, 28), [14300, 14500]), ChannelCount: flat(20000, 30) },
    }),
    condition: "connections-at-limit",
    severity: Severity.critical,
    limit: 15000,
  },
  {
    situation: "RabbitMQ cluster channels sit at 96% of 3 x 15,000 for 2 minutes",
    obs: observation(rabbitMqBroker, {
      series: { ConnectionCount: flat(3000, 30), ChannelCount: series(noisy(20000, 1000, 28), [43000, 43500]) },
    }),
    condition: "channels-at-limit",
    severity: Severity.critical,
    limit: 45000,
  },
  {
    situation: "RabbitMQ cluster channels hold 84% of the limit for 3 minutes",
    obs: observation(rabbitMqBroker, {
      series: { ConnectionCount: flat(3000, 30), ChannelCount: series(noisy(20000, 1000, 27), flat(38000, 3)) },
    }),
    condition: "channels-high",
    severity: Severity.warning,
    limit: 45000,
  },
  {
    situation: "RabbitMQ cluster connections climb steadily past 50% towards the limit",
    obs: observation(rabbitMqBroker, {
      series: { ConnectionCount: series(noisy(7000, 100, 10), ramp(8000, 10000, 20)), ChannelCount: flat(20000, 30) },
    }),
    condition: "connections-leak",
    severity: Severity.warning,
    limit: 15000,
  },
  {
    situation: "a RabbitMQ 4.2 mq.m7g.large holds 1,440 connections, 96% of its default 1,500",
    obs: observation(rabbitMq4Broker, {
      series: { ConnectionCount: series(noisy(600, 30, 28), [1440, 1445]), ChannelCount: flat(900, 30) },
    }),
    condition: "connections-at-limit",
    severity: Severity.critical,
    limit: 1500,
  },
  {
    situation: "a RabbitMQ 4.2 mq.m7g.large's connections climb steadily past 50% of 1,500 (before 80%)",
    obs: observation(rabbitMq4Broker, {
      series: { ConnectionCount: series(flat(500, 10), ramp(600, 1150, 20)), ChannelCount: flat(900, 30) },
    }),
    condition: "connections-leak",
    severity: Severity.warning,
    limit: 1500,
  },
  {
    situation: "a RabbitMQ 4.2 mq.m7g.large's channels hold 4,400 of the default 4,500",
    obs: observation(rabbitMq4Broker, {
      series: { ConnectionCount: flat(400, 30), ChannelCount: series(noisy(2000, 50, 28), [4400, 4410]) },
    }),
    condition: "channels-at-limit",
    severity: Severity.critical,
    limit: 4500,
  },
  {
    situation: "a RabbitMQ 4.2 broker holds 2,900 connections of a configured connection_max of 3,000",
    obs: observation(rabbitMq4Broker, {
      series: { ConnectionCount: series(noisy(1400, 30, 28), [2900, 2910]), ChannelCount: flat(3000, 30) },
      configuredLimits: raised,
    }),
    condition: "connections-at-limit",
    severity: Severity.critical,
    limit: 3000,
  },
  {
    situation: "a RabbitMQ 3.13 mq.m7g.16xlarge holds 155,000 of its 160,000 connections",
    obs: observation(brokerWith(rabbitSingle, { instanceType: "mq.m7g.16xlarge" }), {
      series: { ConnectionCount: series(noisy(60_000, 500, 28), [155_000, 155_500]), ChannelCount: flat(200_000, 30) },
    }),
    condition: "connections-at-limit",
    severity: Severity.critical,
    limit: 160_000,
  },
  {
    situation: "one node of a RabbitMQ 4.2 cluster holds 970 of its 1,000 connections while the cluster has 55%",
    obs: observation(rabbit4Cluster, {
      series: { ConnectionCount: total(flat(970, 30), flat(350, 30), flat(330, 30)), ChannelCount: flat(2475, 30) },
      nodes: clusterNodes(series(noisy(400, 20, 27), flat(970, 3)), flat(350, 30), flat(330, 30)),
    }),
    condition: "connections-at-limit",
    severity: Severity.critical,
    limit: 1000,
  },
  {
    situation: "a RabbitMQ 4.2 cluster without per-node counts holds 96% of 3 x 1,000",
    obs: observation(rabbit4Cluster, { series: { ConnectionCount: series(flat(1500, 28), [2880, 2890]), ChannelCount: flat(4000, 30) } }),
    condition: "connections-at-limit",
    severity: Severity.critical,
    limit: 3000,
  },
  {
    situation: "a single-instance RabbitMQ broker holds 96% of its 5,000 connections",
    obs: observation(rabbitSingle, {
      series: { ConnectionCount: series(noisy(2000, 100, 28), [4800, 4820]), ChannelCount: flat(6000, 30) },
    }),
    condition: "connections-at-limit",
    severity: Severity.critical,
    limit: 5000,
  },
];

const quiet: ConnectionCase[] = [
  {
    situation: "ActiveMQ connections touch 97% for a single minute",
    obs: observation(activeMqBroker, { series: { CurrentConnectionsCount: series(noisy(1000, 50, 29), [1950]) } }),
  },
  {
    situation: "ActiveMQ connections hold 82% for only 2 minutes",
    obs: observation(activeMqBroker, { series: { CurrentConnectionsCount: series(noisy(1000, 50, 28), flat(1640, 2)) } }),
  },
  {
    situation: "ActiveMQ connections are noisy around 40% of the limit",
    obs: observation(activeMqBroker, { series: { CurrentConnectionsCount: noisy(800, 60, 30) } }),
  },
  {
    situation: "ActiveMQ connections ramp up from 20% to 45% in the morning",
    obs: observation(activeMqBroker, { series: { CurrentConnectionsCount: series(flat(400, 10), ramp(400, 900, 20)) } }),
  },
  {
    situation: "ActiveMQ connections are noisy around 60% with no trend",
    obs: observation(activeMqBroker, { series: { CurrentConnectionsCount: noisy(1200, 80, 30) } }),
  },
  {
    situation: "ActiveMQ connections climb too slowly to reach the limit within the horizon",
    obs: observation(activeMqBroker, { series: { CurrentConnectionsCount: ramp(1000, 1100, 30) } }),
  },
  {
    situation: "1,940 ActiveMQ connections are under half of a published limit of 4,000",
    obs: observation(activeMqBroker, {
      series: { CurrentConnectionsCount: series(noisy(1000, 50, 27), flat(1940, 3)) },
      limits: { ...publishedLimits, OpenwireMaximumConnections: 4000 },
    }),
  },
  {
    situation: "4,800 RabbitMQ connections are a third of a three-node cluster's limit",
    obs: observation(rabbitMqBroker, { series: { ConnectionCount: flat(4800, 30), ChannelCount: flat(14400, 30) } }),
  },
  {
    situation: "a RabbitMQ 4.2 broker holds 1,400 connections under a configured connection_max of 3,000",
    obs: observation(rabbitMq4Broker, {
      series: { ConnectionCount: noisy(1400, 20, 30), ChannelCount: noisy(1960, 30, 30) },
      configuredLimits: raised,
    }),
  },
  {
    situation: "a RabbitMQ 4.2 cluster's nodes carry uneven but healthy connections (600, 360, 240 of 1,000 each)",
    obs: observation(rabbit4Cluster, {
      series: { ConnectionCount: flat(1200, 30), ChannelCount: flat(1800, 30) },
      nodes: clusterNodes(noisy(600, 15, 30), noisy(360, 10, 30), noisy(240, 10, 30)),
    }),
  },
  {
    situation: "RabbitMQ connections and channels are noisy around 40%",
    obs: observation(rabbitMqBroker, {
      series: { ConnectionCount: noisy(6000, 400, 30), ChannelCount: noisy(18000, 1200, 30, 3) },
    }),
  },
];

describe("detectConnectionExhaustion", () => {
  it.each(firing)("raises $severity $condition when $situation", ({ obs, condition, severity, limit }) => {
    // Prepare
    const expectedFingerprint = `connection-exhaustion|${obs.broker.name}|`;

    // Act
    const { judged, findings } = detectConnectionExhaustion(obs, config);

    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: IncidentKind.connectionExhaustion,
      broker: obs.broker.name,
      resource: null,
      condition,
      severity,
    });
    expect(findings[0]?.evidence.limit).toBe(limit);
    expect(judged).toEqual([expectedFingerprint]);
    expect(fingerprintOf(findings[0] as (typeof findings)[number])).toBe(expectedFingerprint);
  });

  it.each(quiet)("stays quiet but judges the broker when $situation", ({ obs }) => {
    // Act
    const { judged, findings } = detectConnectionExhaustion(obs, config);

    // Assess
    expect(findings).toEqual([]);
    expect(judged).toEqual([`connection-exhaustion|${obs.broker.name}|`]);
  });

  it("forecasts when a leak reaches the limit, in connections per minute", () => {
    // Prepare: 900 -> 1,200 of 2,000 over 20 minutes is ~15.8 connections (0.79 points) a minute.
    const obs = observation(activeMqBroker, { series: { CurrentConnectionsCount: series(noisy(700, 20, 10), ramp(900, 1200, 20)) } });

    // Act
    const { findings } = detectConnectionExhaustion(obs, config);

    // Assess
    const evidence = findings[0]?.evidence ?? {};
    expect(evidence.connections).toBe(1200);
    expect(evidence.percentOfLimit).toBe(60);
    expect(evidence.minutesToLimit).toBeGreaterThanOrEqual(49);
    expect(evidence.minutesToLimit).toBeLessThanOrEqual(52);
    expect(evidence.growthPerMinute).toBeCloseTo(15.8, 0);
    expect(findings[0]?.summary).toContain("leaking connections");
  });

  it("names where the limit came from", () => {
    // Prepare
    const published = observation(activeMqBroker, { series: { CurrentConnectionsCount: flat(990, 30) }, limits: publishedLimits });
    const documented = observation(activeMqBroker, { series: { CurrentConnectionsCount: flat(1990, 30) } });

    // Act
    const fromPublished = detectConnectionExhaustion(published, config);
    const fromDocumented = detectConnectionExhaustion(documented, config);

    // Assess
    expect(fromPublished.findings[0]?.evidence.limitSource).toBe("published *MaximumConnections");
    expect(fromDocumented.findings[0]?.evidence.limitSource).toBe("documented limit for mq.m5.large");
  });

  it("reports the worse of RabbitMQ connections and channels", () => {
    // Prepare
    const obs = observation(rabbitMqBroker, {
      series: { ConnectionCount: flat(12600, 30), ChannelCount: series(flat(30000, 28), [43200, 43500]) },
    });

    // Act
    const { findings } = detectConnectionExhaustion(obs, config);

    // Assess
    expect(findings.map((f) => [f.condition, f.severity])).toEqual([["channels-at-limit", Severity.critical]]);
  });

  it("judges a RabbitMQ instance type it has no figures for against a stated assumption, instead of going quiet", () => {
    // Prepare: a hypothetical mq.m8g.large on RabbitMQ 4.2, judged as the same size of mq.m7g (1,500)
    const unknownType = brokerWith(rabbitMq4Broker, { instanceType: "mq.m8g.large" });
    const obs = observation(unknownType, { series: { ConnectionCount: series(flat(500, 28), [1450, 1460]), ChannelCount: flat(900, 30) } });

    // Act
    const { judged, findings } = detectConnectionExhaustion(obs, config);

    // Assess
    expect(judged).toEqual(["connection-exhaustion|orders-rmq4|"]);
    expect(findings[0]).toMatchObject({ condition: "connections-at-limit", evidence: { limit: 1500 } });
    expect(findings[0]?.evidence.limitSource).toMatch(/^assumed: RabbitMQ 4 default \(single instance\) for mq\.m7g\.large, the same size/);
  });

  it("names the node, its own limit and where the limit came from when a cluster node is the one near it", () => {
    // Prepare
    const obs = observation(rabbit4Cluster, {
      series: { ConnectionCount: flat(1650, 30), ChannelCount: flat(2475, 30) },
      nodes: clusterNodes(flat(970, 30), flat(350, 30), flat(330, 30)),
    });

    // Act
    const { findings } = detectConnectionExhaustion(obs, config);

    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]?.evidence).toMatchObject({
      node: NODES[0],
      connections: 970,
      limit: 1000,
      limitSource: "RabbitMQ 4 default for mq.m7g.xlarge (cluster), per node",
    });
    expect(findings[0]?.summary).toBe(
      `Connections on node ${NODES[0]} at 97% of the node's limit (970 of 1000): new clients are about to be refused.`,
    );
  });

  it("says where a RabbitMQ broker's limit came from", () => {
    // Prepare
    const defaults = observation(rabbitMq4Broker, { series: { ConnectionCount: flat(1490, 30), ChannelCount: flat(900, 30) } });
    const cluster = observation(rabbitMqBroker, { series: { ConnectionCount: flat(14_900, 30), ChannelCount: flat(900, 30) } });
    const configured = observation(rabbitMq4Broker, {
      series: { ConnectionCount: flat(2990, 30), ChannelCount: flat(900, 30) },
      configuredLimits: raised,
    });

    // Act
    const sources = [defaults, cluster, configured].map((o) => detectConnectionExhaustion(o, config).findings[0]?.evidence.limitSource);

    // Assess
    expect(sources).toEqual([
      "RabbitMQ 4 default for mq.m7g.large (single instance)",
      "RabbitMQ 3 limit for mq.m5.large x 3 nodes",
      "connection_max in configuration c-orders revision 3",
    ]);
  });

  it.each([
    {
      what: "an ActiveMQ broker without a connection series",
      obs: observation(activeMqBroker, { series: { CpuUtilization: flat(20, 30) } }),
    },
    {
      what: "an ActiveMQ broker whose connection series is all missing",
      obs: observation(activeMqBroker, { series: { CurrentConnectionsCount: nulls(30) } }),
    },
    {
      what: "a RabbitMQ broker with neither connections nor channels",
      obs: observation(rabbitMqBroker, { series: { ConnectionCount: nulls(30) } }),
    },
  ])("does not judge $what", ({ obs }) => {
    // Act
    const result = detectConnectionExhaustion(obs, config);

    // Assess
    expect(result).toEqual({ judged: [], findings: [] });
  });

  it("judges a RabbitMQ broker that publishes connections but not channels", () => {
    // Prepare
    const obs = observation(rabbitMqBroker, { series: { ConnectionCount: series(flat(3000, 28), [14400, 14500]) } });

    // Act
    const { judged, findings } = detectConnectionExhaustion(obs, config);

    // Assess
    expect(judged).toEqual(["connection-exhaustion|events-rmq|"]);
    expect(findings.map((f) => f.condition)).toEqual(["connections-at-limit"]);
  });
});

describe("activeMqLimit", () => {
  it.each<{ situation: string; broker: typeof activeMqBroker; limits: Record<string, number>; limit: number }>([
    { situation: "the largest published per-protocol limit", broker: activeMqBroker, limits: publishedLimits, limit: 1000 },
    {
      situation: "a published limit on a micro broker over its documented 300",
      broker: microBroker,
      limits: { StompMaximumConnections: 500 },
      limit: 500,
    },
    { situation: "2,000 on mq.m5.large when nothing is published", broker: activeMqBroker, limits: {}, limit: 2000 },
    { situation: "300 on mq.t3.micro when nothing is published", broker: microBroker, limits: {}, limit: 300 },
    {
      situation: "the documented limit when every published limit is 0",
      broker: activeMqBroker,
      limits: { OpenwireMaximumConnections: 0 },
      limit: 2000,
    },
  ])("uses $situation", ({ broker, limits, limit }) => {
    // Act
    const result = activeMqLimit(observation(broker, { limits }));

    // Assess
    expect(result.limit).toBe(limit);
  });
});
