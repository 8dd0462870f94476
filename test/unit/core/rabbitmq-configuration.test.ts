import fc from "fast-check";
import { configuredLimitsOf, parseCuttlefish, sectionOf } from "../../../shared/core/rabbitmq-configuration";
import { DeploymentMode } from "../../../shared/core/types";

const large = { instanceType: "mq.m7g.large", deploymentMode: DeploymentMode.single } as const;
const largeCluster = { instanceType: "mq.m7g.large", deploymentMode: DeploymentMode.cluster } as const;
const SOURCE = "configuration c-1 revision 2";

describe("configuredLimitsOf", () => {
  it.each<{
    situation: string;
    text: string;
    broker: typeof large | typeof largeCluster;
    connectionMax: number | null;
    channelMaxPerNode: number | null;
  }>([
    { situation: "an empty configuration", text: "", broker: large, connectionMax: null, channelMaxPerNode: null },
    {
      situation: "generic lines with comments, blank lines and unknown keys",
      text: "# tuned for OPS-2214\n\n  connection_max   =  3000  \nconsumer_timeout = 1800000\nchannel_max_per_node=9000\n",
      broker: large,
      connectionMax: 3_000,
      channelMaxPerNode: 9_000,
    },
    {
      situation: "Windows line ends",
      text: "connection_max = 2500\r\nchannel_max_per_node = 7000\r\n",
      broker: large,
      connectionMax: 2_500,
      channelMaxPerNode: 7_000,
    },
    {
      situation: "a section for the broker's own type and mode, after the generic value",
      text: "connection_max = 1000\n\n{{m7g.large.3}}\nconnection_max = 2000\n{{m7g.large.3}}\n",
      broker: largeCluster,
      connectionMax: 2_000,
      channelMaxPerNode: null,
    },
    {
      situation: "a generic value after the broker's section (the later one wins)",
      text: "{{m7g.large.3}}\nconnection_max = 2000\n{{m7g.large.3}}\n\nconnection_max = 1000\n",
      broker: largeCluster,
      connectionMax: 1_000,
      channelMaxPerNode: null,
    },
    {
      situation: "sections for other types and modes only",
      text: "{{m7g.large.3}}\nconnection_max = 2000\n{{m7g.large.3}}\n{{m7g.xlarge.1}}\nconnection_max = 6000\n{{m7g.xlarge.1}}\n",
      broker: large,
      connectionMax: null,
      channelMaxPerNode: null,
    },
    {
      situation: "a section tag written with the mq. prefix and in capitals",
      text: "{{MQ.M7G.LARGE.1}}\nchannel_max_per_node = 6000\n{{mq.m7g.large.1}}\n",
      broker: large,
      connectionMax: null,
      channelMaxPerNode: 6_000,
    },
    {
      situation: "a trailing comment after a value",
      text: "connection_max = 2500 # raised\n",
      broker: large,
      connectionMax: 2_500,
      channelMaxPerNode: null,
    },
  ])("reads $situation", ({ text, broker, connectionMax, channelMaxPerNode }) => {
    // Act
    const { limits, warnings } = configuredLimitsOf(text, broker, SOURCE);

    // Assess
    expect(limits).toEqual({ connectionMax, channelMaxPerNode, source: SOURCE });
    expect(warnings).toEqual([]);
  });

  it.each([
    ["a word", "connection_max = lots", /line 1: connection_max = "lots" is not a positive whole number; read as not set/],
    ["zero", "connection_max = 0", /not a positive whole number/],
    ["a negative number", "connection_max = -5", /not a positive whole number/],
    ["a fraction", "connection_max = 1.5", /not a positive whole number/],
    ["nothing", "connection_max =", /connection_max = "" is not a positive whole number/],
    ["infinity", "connection_max = infinity", /not a positive whole number/],
  ])("takes %s as not set, with a warning", (_what, text, warning) => {
    // Act
    const { limits, warnings } = configuredLimitsOf(`${text}\nchannel_max_per_node = 9000\n`, large, SOURCE);

    // Assess
    expect(limits.connectionMax).toBeNull();
    expect(limits.channelMaxPerNode).toBe(9_000);
    expect(warnings).toEqual([expect.stringMatching(warning)]);
  });

  it("a malformed later value hides an earlier good one: it is what the broker runs with", () => {
    // Act
    const { limits, warnings } = configuredLimitsOf("connection_max = 3000\nconnection_max = 3,500\n", large, SOURCE);

    // Assess
    expect(limits.connectionMax).toBeNull();
    expect(warnings).toHaveLength(1);
  });

  it("never quotes a long value whole", () => {
    // Act
    const { warnings } = configuredLimitsOf(`connection_max = ${"x".repeat(500)}`, large, SOURCE);

    // Assess
    expect(warnings[0]?.length).toBeLessThan(150);
  });
});

describe("parseCuttlefish", () => {
  it("reports lines that are not key = value and sections never closed, and keeps reading", () => {
    // Act
    const parsed = parseCuttlefish("just some words\n{{m7g.large.1}}\nconnection_max = 10\n");

    // Assess
    expect(parsed.entries).toEqual([{ key: "connection_max", value: "10", line: 3, section: "m7g.large.1" }]);
    expect(parsed.warnings).toEqual([
      "line 1 is not `key = value`; ignored",
      "section {{m7g.large.1}} (line 2) is never closed; read to the end of the text",
    ]);
  });

  it("reads a section opened inside another as the end of one and the start of the other", () => {
    // Act
    const parsed = parseCuttlefish("{{m7g.large.1}}\na = 1\n{{m7g.xlarge.1}}\nb = 2\n{{m7g.xlarge.1}}\n");

    // Assess
    expect(parsed.entries.map((e) => [e.key, e.section])).toEqual([
      ["a", "m7g.large.1"],
      ["b", "m7g.xlarge.1"],
    ]);
    expect(parsed.warnings).toHaveLength(1);
  });

  it("never throws, and every limit it reads is a positive whole number", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.constantFrom(large, largeCluster), (text, broker) => {
        const { limits } = configuredLimitsOf(text, broker, SOURCE);
        return [limits.connectionMax, limits.channelMaxPerNode].every((v) => v === null || (Number.isSafeInteger(v) && v > 0));
      }),
    );
  });
});

describe("sectionOf", () => {
  it.each([
    [{ instanceType: "mq.m7g.large", deploymentMode: DeploymentMode.single }, "m7g.large.1"],
    [{ instanceType: "mq.m7g.16xlarge", deploymentMode: DeploymentMode.cluster }, "m7g.16xlarge.3"],
  ])("names %p's section %s", (broker, section) => {
    expect(sectionOf(broker)).toBe(section);
  });
});
