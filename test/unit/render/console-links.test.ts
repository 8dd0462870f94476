import fc from "fast-check";
import { brokerConsoleUrl, brokerMetricsUrl, cloudTrailUrl, consoleLinks } from "../../../shared/core/render/console-links";
import { CONTEXT, INCIDENTS } from "./render-fixtures";

const HOSTILE = "orders<!channel>|x&y>#frag ?z=1~('a')";

describe("console-links", () => {
  it("links the Amazon MQ page of a broker by its id", () => {
    // Act
    const url = brokerConsoleUrl("eu-west-1", "b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9");
    // Assess
    expect(url).toBe(
      "https://eu-west-1.console.aws.amazon.com/amazon-mq/home?region=eu-west-1#/brokers/details?id=b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9",
    );
  });

  it("links the broker list when the broker id is unknown", () => {
    // Act
    const url = brokerConsoleUrl("us-east-1", null);
    // Assess
    expect(url).toBe("https://us-east-1.console.aws.amazon.com/amazon-mq/home?region=us-east-1#/brokers");
  });

  it("links the broker's CloudWatch metrics in the AWS/AmazonMQ namespace", () => {
    // Act
    const url = brokerMetricsUrl("eu-west-1", "risk-engine-27");
    // Assess
    expect(url).toBe(
      "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#metricsV2:graph=~();search=risk-engine-27;namespace=AWS/AmazonMQ",
    );
  });

  it("links CloudTrail event history filtered on Amazon MQ, or one event", () => {
    // Act
    const history = cloudTrailUrl("eu-west-1");
    const event = cloudTrailUrl("eu-west-1", "6f1c1b7e-2f2b");
    // Assess
    expect(history).toBe(
      "https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events?EventSource=amazonmq.amazonaws.com",
    );
    expect(event).toBe("https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/6f1c1b7e-2f2b");
  });

  it("encodes an outside broker name instead of pasting it", () => {
    // Act
    const url = brokerMetricsUrl("eu-west-1", HOSTILE) as string;
    // Assess
    const search = /search=([^;]*);/.exec(new URL(url).hash)?.[1] as string;
    expect(url).not.toMatch(/[<>|&\s]/);
    expect(search).not.toMatch(/[#?~()'=;]/);
    expect(decodeURIComponent(search)).toBe(HOSTILE);
  });

  it("gives no link for a region that is not a commercial AWS region", () => {
    // Act
    const links = consoleLinks(INCIDENTS["consumer-lag"], { ...CONTEXT, region: "eu-west-1.evil.example/x?" });
    // Assess
    expect(brokerConsoleUrl("not a region", null)).toBeNull();
    expect(links).toEqual([]);
  });

  it.each([
    ["consumer-lag", ["broker", "metrics"]],
    ["connection-exhaustion", ["broker", "metrics"]],
    ["resource-pressure", ["broker", "metrics"]],
    ["broker-unhealthy", ["broker", "metrics"]],
    ["posture", ["broker", "metrics"]],
    ["unauthorized-api", ["brokers", "cloudTrail"]],
    ["risky-change", ["broker", "cloudTrail", "event"]],
  ] as const)("links a %s incident to %j", (kind, ids) => {
    // Act
    const links = consoleLinks(INCIDENTS[kind], CONTEXT);
    // Assess
    expect(links.map((l) => l.id)).toEqual(ids);
    expect(links.every((l) => l.url.startsWith("https://eu-west-1.console.aws.amazon.com/"))).toBe(true);
  });

  it("links the broker list for a broker without a known id", () => {
    // Act
    const links = consoleLinks({ ...INCIDENTS["consumer-lag"], broker: "unknown-broker" }, CONTEXT);
    // Assess
    expect(links[0]).toMatchObject({ id: "brokers", label: "Brokers" });
  });

  it("does not take a broker id from the object prototype", () => {
    // Act
    const links = consoleLinks({ ...INCIDENTS["consumer-lag"], broker: "constructor" }, CONTEXT);
    // Assess
    expect(links[0]?.id).toBe("brokers");
  });

  it("keeps every URL on our console host and free of link syntax, whatever the names", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (name, eventId) => {
        // Prepare
        const risky = { ...INCIDENTS["risky-change"], broker: name, evidence: { cloudTrailEventId: eventId } };
        const lag = { ...INCIDENTS["consumer-lag"], broker: name };
        const context = { ...CONTEXT, brokerIds: { [name]: name } };
        // Act
        const links = [...consoleLinks(risky, context), ...consoleLinks(lag, context)];
        // Assess
        for (const { url } of links) {
          expect(new URL(url).host).toBe("eu-west-1.console.aws.amazon.com");
          expect(url).not.toMatch(/[<>|&\s"`]/);
          expect(url.split("#")).toHaveLength(2);
        }
      }),
    );
  });
});
