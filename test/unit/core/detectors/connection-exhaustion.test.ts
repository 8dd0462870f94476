import { activeMqLimit, detectConnectionExhaustion } from "../../../../shared/core/detectors/connection-exhaustion";
import { type BrokerObservation, fingerprintOf, IncidentKind, Severity } from "../../../../shared/core/types";
import { activeMqBroker, brokerWith, detection, flat, noisy, nulls, observation, rabbitMqBroker, ramp, series } from "../detector-fixtures";

const config = detection.connections;

const microBroker = brokerWith(activeMqBroker, {
  name: "dev-amq",
  deploymentMode: "SINGLE_INSTANCE",
  instanceType: "mq.t3.micro",
  nodes: ["dev-amq-1"],
});
const rabbitSingle = brokerWith(rabbitMqBroker, { name: "events-rmq-single", deploymentMode: "SINGLE_INSTANCE" });

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

  it("does not judge a RabbitMQ instance type it has no limits for", () => {
    // Prepare
    const unknownType = brokerWith(rabbitMqBroker, { instanceType: "mq.x9.huge" });
    const obs = observation(unknownType, { series: { ConnectionCount: flat(100_000, 30), ChannelCount: flat(300_000, 30) } });

    // Act
    const result = detectConnectionExhaustion(obs, config);

    // Assess
    expect(result).toEqual({ judged: [], findings: [] });
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
