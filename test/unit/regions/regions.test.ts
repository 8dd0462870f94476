import fc from "fast-check";
import type { MessageContext } from "../../../shared/core/notifications";
import { brokerInRegion, qualifiedBrokerName, REGION_NAME, splitBrokerName } from "../../../shared/core/regions";
import { consoleLinks } from "../../../shared/core/render/console-links";
import { IncidentKind } from "../../../shared/core/types";

const HOME = "us-east-1";

/** Amazon MQ broker names: letters, digits, dashes and underscores, never a slash. */
const brokerNameArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,50}$/);
const regionArb = fc.constantFrom("us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1", "eu-central-2");

describe("REGION_NAME", () => {
  it.each(["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-northwest-1", "il-central-1", "me-south-1"])(
    "accepts the region name %s",
    (region) => {
      // Act
      const accepted = REGION_NAME.test(region);
      // Assess
      expect(accepted).toBe(true);
    },
  );

  it.each(["", "*", "orders", "us-east", "EU-WEST-1", "eu_west_1", "eu-west-123", "eu-west-1/", " eu-west-1", "eu-west-1a", "e-west-1"])(
    "rejects %j, which is not a region name",
    (text) => {
      // Act
      const accepted = REGION_NAME.test(text);
      // Assess
      expect(accepted).toBe(false);
    },
  );
});

describe("qualifiedBrokerName", () => {
  it("keeps the name of a broker of the home region", () => {
    // Act
    const name = qualifiedBrokerName("orders", HOME, HOME);
    // Assess
    expect(name).toBe("orders");
  });

  it("prefixes the name of a broker of another region with that region", () => {
    // Act
    const name = qualifiedBrokerName("orders", "eu-west-1", HOME);
    // Assess
    expect(name).toBe("eu-west-1/orders");
  });

  it("gives two brokers of the same name in two regions two different names", () => {
    // Act
    const home = qualifiedBrokerName("orders", HOME, HOME);
    const other = qualifiedBrokerName("orders", "eu-west-1", HOME);
    // Assess
    expect(home).not.toBe(other);
  });
});

describe("splitBrokerName", () => {
  it.each([
    ["orders", { region: null, name: "orders" }],
    ["eu-west-1/orders", { region: "eu-west-1", name: "orders" }],
    ["us-gov-west-1/payments_2", { region: "us-gov-west-1", name: "payments_2" }],
    ["cn-north-1/orders", { region: "cn-north-1", name: "orders" }],
  ])("splits %j into its region and Amazon MQ name", (qualified, expected) => {
    // Act
    const split = splitBrokerName(qualified);
    // Assess
    expect(split).toEqual(expected);
  });

  it.each([
    ["no slash", "orders-eu-west-1"],
    ["the account-wide broker", "*"],
    ["a prefix that is not a region", "team-a/orders"],
    ["an upper-case prefix", "EU-WEST-1/orders"],
    ["a slash first", "/orders"],
    ["an empty name", ""],
  ])("leaves a name with %s whole, in the home region", (_case, qualified) => {
    // Act
    const split = splitBrokerName(qualified);
    // Assess
    expect(split).toEqual({ region: null, name: qualified });
  });

  it("splits at the first slash only", () => {
    // Act
    const split = splitBrokerName("eu-west-1/a/b");
    // Assess
    expect(split).toEqual({ region: "eu-west-1", name: "a/b" });
  });

  it("undoes qualifiedBrokerName for every broker name and region", () => {
    fc.assert(
      fc.property(brokerNameArb, regionArb, regionArb, (name, region, home) => {
        // Act
        const split = splitBrokerName(qualifiedBrokerName(name, region, home));
        // Assess
        expect(split).toEqual({ region: region === home ? null : region, name });
      }),
    );
  });
});

describe("brokerInRegion", () => {
  it.each([
    ["orders", HOME, true],
    ["orders", "eu-west-1", false],
    ["eu-west-1/orders", "eu-west-1", true],
    ["eu-west-1/orders", HOME, false],
    ["eu-west-1/orders", "eu-west-2", false],
    ["*", HOME, true],
    ["*", "eu-west-1", false],
    ["team-a/orders", HOME, true],
    ["team-a/orders", "eu-west-1", false],
  ])("says whether %j belongs to region %s (%s) in a deployment at home in us-east-1", (qualified, region, expected) => {
    // Act
    const belongs = brokerInRegion(qualified, region, HOME);
    // Assess
    expect(belongs).toBe(expected);
  });

  it("puts every qualified broker in exactly one of the watched regions", () => {
    const watched = ["us-east-1", "eu-west-1", "ap-southeast-2"];
    fc.assert(
      fc.property(brokerNameArb, fc.constantFrom(...watched), (name, region) => {
        // Prepare
        const qualified = qualifiedBrokerName(name, region, HOME);
        // Act
        const owners = watched.filter((r) => brokerInRegion(qualified, r, HOME));
        // Assess
        expect(owners).toEqual([region]);
      }),
    );
  });
});

describe("consoleLinks of a qualified broker", () => {
  const context: MessageContext = {
    accountId: "123456789012",
    region: HOME,
    brokerIds: { orders: "b-home-orders", "eu-west-1/orders": "b-eu-orders" },
  };
  const metricIncident = (broker: string) => ({ kind: IncidentKind.consumerLag, broker, evidence: {} });

  it("links a broker of another region to that region's console, by its own id and raw name", () => {
    // Act
    const links = consoleLinks(metricIncident("eu-west-1/orders"), context);
    // Assess
    expect(links.map((l) => l.id)).toEqual(["broker", "metrics"]);
    expect(links[0]?.url).toBe("https://eu-west-1.console.aws.amazon.com/amazon-mq/home?region=eu-west-1#/brokers/details?id=b-eu-orders");
    expect(links[1]?.url).toBe(
      "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#metricsV2:graph=~();search=orders;namespace=AWS/AmazonMQ",
    );
  });

  it("links a broker of the home region to the home console", () => {
    // Act
    const links = consoleLinks(metricIncident("orders"), context);
    // Assess
    expect(links[0]?.url).toBe(
      "https://us-east-1.console.aws.amazon.com/amazon-mq/home?region=us-east-1#/brokers/details?id=b-home-orders",
    );
    expect(links.every((l) => l.url.startsWith("https://us-east-1.console.aws.amazon.com/"))).toBe(true);
  });

  it("keeps an account-wide API incident (`*`) in the home region", () => {
    // Act
    const links = consoleLinks({ kind: IncidentKind.unauthorizedApi, broker: "*", evidence: {} }, context);
    // Assess
    expect(links.map((l) => l.id)).toEqual(["brokers", "cloudTrail"]);
    expect(links.every((l) => l.url.startsWith("https://us-east-1.console.aws.amazon.com/"))).toBe(true);
  });
});
