import fc from "fast-check";
import { describeLimits, engineVersionOf, rabbitMqLimits, rabbitMqLimitsConfigurable } from "../../../shared/core/instance-limits";
import { type Broker, DeploymentMode, type RabbitMqConfiguredLimits } from "../../../shared/core/types";

type Facts = Pick<Broker, "engineVersion" | "instanceType" | "deploymentMode">;

const single = DeploymentMode.single;
const cluster = DeploymentMode.cluster;
const facts = (engineVersion: string | null, instanceType: string, deploymentMode: DeploymentMode = single): Facts => ({
  engineVersion,
  instanceType,
  deploymentMode,
});
const configured = (connectionMax: number | null, channelMaxPerNode: number | null): RabbitMqConfiguredLimits => ({
  connectionMax,
  channelMaxPerNode,
  source: "configuration c-1 revision 3",
});

const M7G_SIZES = ["medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"];

describe("rabbitMqLimits", () => {
  it.each<{ situation: string; broker: Facts; connections: number; channels: number; nodes: number }>([
    {
      situation: "RabbitMQ 4.2 mq.m7g.medium, single instance",
      broker: facts("4.2", "mq.m7g.medium"),
      connections: 100,
      channels: 500,
      nodes: 1,
    },
    {
      situation: "RabbitMQ 4.2 mq.m7g.large, single instance",
      broker: facts("4.2", "mq.m7g.large"),
      connections: 1_500,
      channels: 4_500,
      nodes: 1,
    },
    {
      situation: "RabbitMQ 4.2 mq.m7g.xlarge, single instance",
      broker: facts("4.2.1", "mq.m7g.xlarge"),
      connections: 3_000,
      channels: 9_000,
      nodes: 1,
    },
    {
      situation: "RabbitMQ 4.2 mq.m7g.12xlarge, single instance",
      broker: facts("4.2", "mq.m7g.12xlarge"),
      connections: 36_000,
      channels: 108_000,
      nodes: 1,
    },
    {
      situation: "RabbitMQ 4.2 mq.m7g.16xlarge, single instance",
      broker: facts("4.2", "mq.m7g.16xlarge"),
      connections: 48_000,
      channels: 144_000,
      nodes: 1,
    },
    {
      situation: "RabbitMQ 4.2 mq.m7g.large, cluster",
      broker: facts("4.2", "mq.m7g.large", cluster),
      connections: 500,
      channels: 1_500,
      nodes: 3,
    },
    {
      situation: "RabbitMQ 4.2 mq.m7g.16xlarge, cluster",
      broker: facts("4.2", "mq.m7g.16xlarge", cluster),
      connections: 16_000,
      channels: 48_000,
      nodes: 3,
    },
    {
      situation: "RabbitMQ 3.13 mq.m5.large, cluster",
      broker: facts("3.13", "mq.m5.large", cluster),
      connections: 5_000,
      channels: 15_000,
      nodes: 3,
    },
    { situation: "RabbitMQ 3.13 mq.t3.micro", broker: facts("3.13", "mq.t3.micro"), connections: 500, channels: 1_500, nodes: 1 },
    { situation: "RabbitMQ 3.13 mq.m7g.large", broker: facts("3.13", "mq.m7g.large"), connections: 5_000, channels: 15_000, nodes: 1 },
    {
      situation: "RabbitMQ 3.13 mq.m7g.16xlarge, cluster",
      broker: facts("3.13", "mq.m7g.16xlarge", cluster),
      connections: 160_000,
      channels: 480_000,
      nodes: 3,
    },
  ])("takes the documented per-node figures for $situation", ({ broker, connections, channels, nodes }) => {
    // Act
    const limits = rabbitMqLimits(broker);

    // Assess
    expect(limits).toMatchObject({ connections: { perNode: connections }, channels: { perNode: channels }, nodes, assumption: null });
  });

  it.each(["4.2", "3.13"])("knows every mq.m7g size on RabbitMQ %s, single instance and cluster", (version) => {
    for (const size of M7G_SIZES) {
      for (const mode of [single, cluster]) {
        // Act
        const limits = rabbitMqLimits(facts(version, `mq.m7g.${size}`, mode));

        // Assess
        expect({ size, mode, assumption: limits.assumption }).toEqual({ size, mode, assumption: null });
      }
    }
  });

  it("takes connection_max and channel_max_per_node from a RabbitMQ 4 configuration, naming it", () => {
    // Act
    const limits = rabbitMqLimits(facts("4.2", "mq.m7g.large"), configured(3_000, 9_000));

    // Assess
    expect(limits.connections).toEqual({ perNode: 3_000, source: "connection_max in configuration c-1 revision 3" });
    expect(limits.channels).toEqual({ perNode: 9_000, source: "channel_max_per_node in configuration c-1 revision 3" });
  });

  it("keeps the default for the limit a configuration leaves unset", () => {
    // Act
    const limits = rabbitMqLimits(facts("4.2", "mq.m7g.large"), configured(3_000, null));

    // Assess
    expect(limits.channels).toEqual({ perNode: 4_500, source: "RabbitMQ 4 default for mq.m7g.large (single instance)" });
  });

  it("ignores configured limits on RabbitMQ 3, where they cannot be changed", () => {
    // Act
    const limits = rabbitMqLimits(facts("3.13", "mq.m5.large"), configured(100, 100));

    // Assess
    expect(limits.connections.perNode).toBe(5_000);
    expect(limits.channels.perNode).toBe(15_000);
  });

  it.each<{ situation: string; broker: Facts; connections: number; assumed: RegExp }>([
    {
      situation: "a new family of a known size on RabbitMQ 4 takes that size's default",
      broker: facts("4.2", "mq.m8g.large"),
      connections: 1_500,
      assumed:
        /mq\.m8g\.large is not among the documented RabbitMQ 4 instance types .* 1,500 connections \/ 4,500 channels per node, the RabbitMQ 4 default \(single instance\) for mq\.m7g\.large \(the same size\)/,
    },
    {
      situation: "a new family of a known size in a RabbitMQ 4 cluster takes that size's cluster default",
      broker: facts("4.2", "mq.m8g.2xlarge", cluster),
      connections: 2_000,
      assumed: /mq\.m7g\.2xlarge \(the same size\)/,
    },
    {
      situation: "an unknown size on RabbitMQ 4 takes the smallest default",
      broker: facts("4.2", "mq.x9.huge"),
      connections: 100,
      assumed: /the smallest RabbitMQ 4 default \(single instance\) \(mq\.m7g\.medium\)/,
    },
    {
      situation: "an unknown size on RabbitMQ 3 takes the smallest limit",
      broker: facts("3.13", "mq.x9.huge", cluster),
      connections: 300,
      assumed: /not among the documented RabbitMQ 3 instance types/,
    },
    {
      situation: "a newer major version keeps the RabbitMQ 4 defaults",
      broker: facts("5.0", "mq.m7g.large"),
      connections: 1_500,
      assumed: /RabbitMQ 5\.0 is newer than the documented limits; assuming 1,500 connections/,
    },
    {
      situation: "an unreadable version takes the RabbitMQ 4 defaults (the lower figures)",
      broker: facts(null, "mq.m7g.large"),
      connections: 1_500,
      assumed: /engine version unknown is not readable/,
    },
  ])("never leaves a broker without limits: $situation, and says so", ({ broker, connections, assumed }) => {
    // Act
    const limits = rabbitMqLimits(broker);

    // Assess
    expect(limits.connections.perNode).toBe(connections);
    expect(limits.connections.source).toMatch(/^assumed: /);
    expect(limits.assumption).toMatch(assumed);
  });

  it("drops the assumption once the configuration sets both limits", () => {
    // Act
    const limits = rabbitMqLimits(facts("4.2", "mq.m8g.large"), configured(2_000, 6_000));

    // Assess
    expect(limits.assumption).toBeNull();
    expect(limits.connections.perNode).toBe(2_000);
  });

  it("always yields positive whole per-node limits, whatever the facts", () => {
    fc.assert(
      fc.property(
        fc.option(fc.string(), { nil: null }),
        fc.string(),
        fc.constantFrom(single, cluster, DeploymentMode.activeStandby),
        (version, type, mode) => {
          const limits = rabbitMqLimits(facts(version, type, mode));
          return [limits.connections.perNode, limits.channels.perNode].every((n) => Number.isInteger(n) && n > 0);
        },
      ),
    );
  });
});

describe("engineVersionOf", () => {
  it.each<[string | null, { major: number; minor: number } | null]>([
    ["4.2", { major: 4, minor: 2 }],
    ["3.13.7", { major: 3, minor: 13 }],
    ["4", { major: 4, minor: 0 }],
    ["latest", null],
    [null, null],
  ])("reads %p as %p", (version, expected) => {
    expect(engineVersionOf(version)).toEqual(expected);
  });
});

describe("rabbitMqLimitsConfigurable", () => {
  it.each<[string | null, boolean]>([
    ["4.2", true],
    ["3.13", false],
    [null, false],
  ])("is %p for version %p", (version, expected) => {
    expect(rabbitMqLimitsConfigurable(version)).toBe(expected);
  });
});

describe("describeLimits", () => {
  it("writes thousands with separators", () => {
    expect(describeLimits({ connections: 1_500, channels: 4_500 })).toBe("1,500 connections / 4,500 channels");
  });
});

describe("rabbitMqLimits with a type named like an object member", () => {
  it.each(["valueOf", "constructor", "__proto__", "toString"])("treats instance type %s as unknown, not as a table entry", (type) => {
    // Act
    const limits = rabbitMqLimits({ instanceType: type, engineVersion: "4.2", deploymentMode: DeploymentMode.single });
    // Assess
    expect(limits.connections.perNode).toBeGreaterThan(0);
    expect(limits.assumption).not.toBeNull();
  });
});
