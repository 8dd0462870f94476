import {
  type BrokerSummary,
  DescribeBrokerCommand,
  type DescribeBrokerResponse,
  ListBrokersCommand,
  MqClient,
  MqServiceException,
  NotFoundException,
  RebootBrokerCommand,
} from "@aws-sdk/client-mq";
import { mockClient } from "aws-sdk-client-mock";
import { MqBrokerControl } from "../../../shared/adapters/mq-broker-control";
import { MqBrokerDirectory } from "../../../shared/adapters/mq-broker-directory";
import { RegionalBrokerControl, RegionalBrokerDirectory } from "../../../shared/adapters/regional";
import { remediate } from "../../../shared/app/remediate";
import { qualifiedBrokerName } from "../../../shared/core/regions";
import type { BrokerDirectory } from "../../../shared/ports";
import { serviceError } from "../../support/aws-errors";
import { TestClock } from "../../support/clock";
import {
  anIncident,
  FakeOptInRecords,
  plant,
  remediationConfig,
  remediationWorld,
  requestFor,
  Shapes,
} from "../remediation/remediation-fixtures";

const HOME = "us-east-1";
const OTHER = "eu-west-1";
const DIRECTORY_TTL_MS = 5 * 60_000;

/** A real MqClient of one region, with its own stub (aws-sdk-client-mock on the instance, not the class). */
function regionalClient(region: string) {
  const client = new MqClient({ region, credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 });
  return { client, mock: mockClient(client) };
}

/** A DescribeBroker answer for an opted-in ActiveMQ active/standby broker. */
function described(id: string, name: string, region: string): DescribeBrokerResponse {
  return {
    BrokerId: id,
    BrokerName: name,
    BrokerArn: `arn:aws:mq:${region}:123456789012:broker:${name}:${id}`,
    BrokerState: "RUNNING",
    DeploymentMode: "ACTIVE_STANDBY_MULTI_AZ",
    EngineType: "ACTIVEMQ",
    EngineVersion: "5.18",
    HostInstanceType: "mq.m5.large",
    Tags: { "mq-sentinel:remediate": "reboot" },
  };
}

function notFound(id: string): NotFoundException {
  return new NotFoundException({ message: `Can't find requested broker [${id}].`, $metadata: { httpStatusCode: 404 } });
}

const accessDenied = () =>
  serviceError(MqServiceException, "AccessDeniedException", 403, "User is not authorized to perform: mq:DescribeBroker");

/** Two regions' real MqBrokerControl, routed by a RegionalBrokerControl (home first). */
function twoRegionControl() {
  const clock = new TestClock();
  const home = regionalClient(HOME);
  const other = regionalClient(OTHER);
  const control = new RegionalBrokerControl(
    new Map([
      [HOME, new MqBrokerControl(home.client, clock, (name) => qualifiedBrokerName(name, HOME, HOME))],
      [OTHER, new MqBrokerControl(other.client, clock, (name) => qualifiedBrokerName(name, OTHER, HOME))],
    ]),
  );
  return { control, home: home.mock, other: other.mock };
}

/** `twoRegionControl` where only eu-west-1 has `b-eu-orders` (named `orders` there), and would reboot it. */
function brokerOnlyInOtherRegion() {
  const regions = twoRegionControl();
  regions.home.on(DescribeBrokerCommand).rejects(notFound("b-eu-orders"));
  regions.other.on(DescribeBrokerCommand).resolves(described("b-eu-orders", "orders", OTHER));
  regions.other.on(RebootBrokerCommand).resolves({});
  return regions;
}

describe("RegionalBrokerControl", () => {
  it("describes a broker found only in the second region, named with that region", async () => {
    // Prepare
    const { control, home, other } = twoRegionControl();
    home.on(DescribeBrokerCommand).rejects(notFound("b-eu-orders"));
    other.on(DescribeBrokerCommand, { BrokerId: "b-eu-orders" }).resolves(described("b-eu-orders", "orders", OTHER));
    // Act
    const broker = await control.describe("b-eu-orders");
    // Assess
    expect(broker?.name).toBe("eu-west-1/orders");
    expect(broker?.nodes).toEqual(["orders-1", "orders-2"]);
    expect(home.commandCalls(DescribeBrokerCommand)).toHaveLength(1);
    expect(other.commandCalls(DescribeBrokerCommand)).toHaveLength(1);
  });

  it("reboots a broker found in the second region through that region's client only", async () => {
    // Prepare
    const { control, home, other } = brokerOnlyInOtherRegion();
    await control.describe("b-eu-orders");
    // Act
    await control.reboot("b-eu-orders");
    // Assess
    expect(other.commandCalls(RebootBrokerCommand).map((c) => c.args[0].input)).toEqual([{ BrokerId: "b-eu-orders" }]);
    expect(home.commandCalls(RebootBrokerCommand)).toHaveLength(0);
  });

  it("finds a home broker in the home region without asking the other region, and keeps its name", async () => {
    // Prepare
    const { control, home, other } = twoRegionControl();
    home.on(DescribeBrokerCommand).resolves(described("b-home-orders", "orders", HOME));
    home.on(RebootBrokerCommand).resolves({});
    // Act
    const broker = await control.describe("b-home-orders");
    await control.reboot("b-home-orders");
    // Assess
    expect(broker?.name).toBe("orders");
    expect(other.calls()).toHaveLength(0);
    expect(home.commandCalls(RebootBrokerCommand)).toHaveLength(1);
  });

  it("answers null for a broker no watched region has, and then refuses to reboot it without calling RebootBroker", async () => {
    // Prepare
    const { control, home, other } = twoRegionControl();
    home.on(DescribeBrokerCommand).rejects(notFound("b-ghost"));
    other.on(DescribeBrokerCommand).rejects(notFound("b-ghost"));
    // Act
    const broker = await control.describe("b-ghost");
    const reboot = control.reboot("b-ghost");
    // Assess
    expect(broker).toBeNull();
    await expect(reboot).rejects.toThrow("broker b-ghost was not described in any watched region: not rebooting it");
    expect(home.commandCalls(RebootBrokerCommand)).toHaveLength(0);
    expect(other.commandCalls(RebootBrokerCommand)).toHaveLength(0);
  });

  it("refuses to reboot a broker it was never asked to describe", async () => {
    // Prepare
    const { control, home, other } = twoRegionControl();
    // Act
    const reboot = control.reboot("b-eu-orders");
    // Assess
    await expect(reboot).rejects.toThrow(/not described in any watched region/);
    expect(home.calls()).toHaveLength(0);
    expect(other.calls()).toHaveLength(0);
  });

  it("forgets where a broker was once it is gone from every region, so a later reboot is refused", async () => {
    // Prepare
    const { control, home, other } = twoRegionControl();
    home.on(DescribeBrokerCommand).rejects(notFound("b-eu-orders"));
    other
      .on(DescribeBrokerCommand)
      .resolvesOnce(described("b-eu-orders", "orders", OTHER))
      .rejects(notFound("b-eu-orders"));
    await control.describe("b-eu-orders");
    // Act
    const again = await control.describe("b-eu-orders");
    const reboot = control.reboot("b-eu-orders");
    // Assess
    expect(again).toBeNull();
    await expect(reboot).rejects.toThrow(/not described/);
    expect(other.commandCalls(RebootBrokerCommand)).toHaveLength(0);
  });

  it("lets an AccessDenied in the first region through instead of looking further", async () => {
    // Prepare
    const { control, home, other } = twoRegionControl();
    home.on(DescribeBrokerCommand).rejects(accessDenied());
    other.on(DescribeBrokerCommand).resolves(described("b-eu-orders", "orders", OTHER));
    // Act
    const described_ = control.describe("b-eu-orders");
    // Assess
    await expect(described_).rejects.toThrow(/mq:DescribeBroker failed: AccessDeniedException/);
    expect(other.calls()).toHaveLength(0);
    await expect(control.reboot("b-eu-orders")).rejects.toThrow(/not described/);
    expect(other.commandCalls(RebootBrokerCommand)).toHaveLength(0);
  });

  it("makes the remediation refuse (blocked, no reboot anywhere) when the first region denies DescribeBroker", async () => {
    // Prepare
    const { control, home, other } = twoRegionControl();
    home.on(DescribeBrokerCommand).rejects(accessDenied());
    other.on(DescribeBrokerCommand).resolves(described("b-eu-orders", "orders", OTHER));
    other.on(RebootBrokerCommand).resolves({});
    const world = remediationWorld({ config: remediationConfig({ mode: "auto" }), brokers: [] });
    const incident = await plant(world.incidents, anIncident(Shapes.stalled, "eu-west-1/orders"));
    // Act
    const result = await remediate({ ...world.deps, control }, requestFor(incident, { id: "b-eu-orders" }));
    // Assess
    expect(result.decision.outcome).toBe("blocked");
    expect(result.decision.reason).toMatch(/^could not check the guards: .*AccessDeniedException/);
    expect(home.commandCalls(RebootBrokerCommand)).toHaveLength(0);
    expect(other.commandCalls(RebootBrokerCommand)).toHaveLength(0);
  });

  it("lets the remediation of an incident on `eu-west-1/orders` reboot that broker in eu-west-1, and only there", async () => {
    // Prepare
    const { control, home, other } = brokerOnlyInOtherRegion();
    // The minute cycle saw the broker opted in when it first looked at it.
    const optIns = new FakeOptInRecords({
      brokerId: "b-eu-orders",
      broker: "eu-west-1/orders",
      optedIn: true,
      since: null,
      source: "inventory",
    });
    const world = remediationWorld({ config: remediationConfig({ mode: "auto" }), brokers: [], optIns });
    const incident = await plant(world.incidents, anIncident(Shapes.stalled, "eu-west-1/orders"));
    // Act
    const result = await remediate({ ...world.deps, control }, requestFor(incident, { id: "b-eu-orders" }));
    // Assess
    expect(result.decision).toEqual({ outcome: "executed", cause: "rebooted", reason: "rebooted eu-west-1/orders" });
    expect(other.commandCalls(RebootBrokerCommand).map((c) => c.args[0].input)).toEqual([{ BrokerId: "b-eu-orders" }]);
    expect(home.commandCalls(RebootBrokerCommand)).toHaveLength(0);
  });

  it("does not reboot the eu-west-1 broker for an incident on the home broker of the same name", async () => {
    // Prepare: the request names the home incident `orders` but the id of the eu-west-1 broker
    const { control, other } = brokerOnlyInOtherRegion();
    const world = remediationWorld({ config: remediationConfig({ mode: "auto" }), brokers: [] });
    const incident = await plant(world.incidents, anIncident(Shapes.stalled, "orders"));
    // Act
    const result = await remediate({ ...world.deps, control }, requestFor(incident, { id: "b-eu-orders" }));
    // Assess
    expect(result.decision).toEqual({ outcome: "blocked", cause: "other-broker", reason: "the incident belongs to another broker" });
    expect(other.commandCalls(RebootBrokerCommand)).toHaveLength(0);
  });
});

function summary(id: string, name: string): BrokerSummary {
  return { BrokerId: id, BrokerName: name, BrokerState: "RUNNING", EngineType: "ACTIVEMQ", DeploymentMode: "ACTIVE_STANDBY_MULTI_AZ" };
}

/** A RegionalBrokerDirectory over real MqBrokerDirectory instances, one per region asked, as api-activity builds it. */
function twoRegionDirectory() {
  const clock = new TestClock();
  const clients = new Map([
    [HOME, regionalClient(HOME)],
    [OTHER, regionalClient(OTHER)],
  ]);
  const made: string[] = [];
  const directory = new RegionalBrokerDirectory(HOME, (region): BrokerDirectory => {
    made.push(region);
    const regional = clients.get(region) ?? regionalClient(region);
    clients.set(region, regional);
    return new MqBrokerDirectory(regional.client, clock, DIRECTORY_TTL_MS, (name) => qualifiedBrokerName(name, region, HOME));
  });
  const mockOf = (region: string) => {
    const regional = clients.get(region);
    if (!regional) throw new Error(`no client for ${region}`);
    return regional.mock;
  };
  return { directory, made, home: mockOf(HOME), other: mockOf(OTHER), mockOf };
}

describe("RegionalBrokerDirectory", () => {
  it("names a broker of the other region `<region>/<name>`, asking that region only", async () => {
    // Prepare
    const { directory, home, other } = twoRegionDirectory();
    other.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-eu-orders", "orders")] });
    // Act
    const name = await directory.nameOf("b-eu-orders", OTHER);
    // Assess
    expect(name).toBe("eu-west-1/orders");
    expect(home.calls()).toHaveLength(0);
  });

  it.each([
    ["no region", undefined],
    ["a null region", null],
    ["the home region by name", HOME],
  ])("names a home broker without a prefix when the event gives %s", async (_case, region) => {
    // Prepare
    const { directory, home, other } = twoRegionDirectory();
    home.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-home-orders", "orders")] });
    // Act
    const name = await directory.nameOf("b-home-orders", region);
    // Assess
    expect(name).toBe("orders");
    expect(other.calls()).toHaveLength(0);
  });

  it("does not find a home broker's id in the other region", async () => {
    // Prepare
    const { directory, home, other } = twoRegionDirectory();
    home.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-home-orders", "orders")] });
    other.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-eu-orders", "orders")] });
    // Act
    const name = await directory.nameOf("b-home-orders", OTHER);
    // Assess
    expect(name).toBeNull();
    expect(home.calls()).toHaveLength(0);
  });

  it("makes one directory per region and reuses it (and its list) for later events", async () => {
    // Prepare
    const { directory, made, home, other } = twoRegionDirectory();
    home.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-home-orders", "orders")] });
    other.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-eu-orders", "orders")] });
    // Act
    const names = [
      await directory.nameOf("b-eu-orders", OTHER),
      await directory.nameOf("b-home-orders"),
      await directory.nameOf("b-eu-orders", OTHER),
      await directory.nameOf("b-home-orders", HOME),
    ];
    // Assess
    expect(names).toEqual(["eu-west-1/orders", "orders", "eu-west-1/orders", "orders"]);
    expect(made).toEqual([OTHER, HOME]);
    expect(home.commandCalls(ListBrokersCommand)).toHaveLength(1);
    expect(other.commandCalls(ListBrokersCommand)).toHaveLength(1);
  });

  it("lets an AccessDenied on the event's region through", async () => {
    // Prepare
    const { directory, home, other } = twoRegionDirectory();
    other.on(ListBrokersCommand).rejects(accessDenied());
    home.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-eu-orders", "orders")] });
    // Act
    const name = directory.nameOf("b-eu-orders", OTHER);
    // Assess
    await expect(name).rejects.toThrow(/mq:ListBrokers failed: AccessDeniedException/);
    expect(home.calls()).toHaveLength(0);
  });
});
