import {
  type BrokerSummary,
  DescribeBrokerCommand,
  type DescribeBrokerResponse,
  ListBrokersCommand,
  MqClient,
  MqServiceException,
  NotFoundException,
} from "@aws-sdk/client-mq";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { MqBrokerInventory, toBroker } from "../../../shared/adapters/mq-broker-inventory";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { MAX_ATTEMPTS } from "../../../shared/adapters/retry";
import { DeploymentMode, EngineType } from "../../../shared/core/types";
import { InventoryUnavailableError } from "../../../shared/errors";
import { serviceError } from "../../support/aws-errors";
import { MINUTE, TEST_CLIENT_CONFIG, TestClock } from "../../support/clock";

const TTL_MS = 10 * MINUTE;

const mq = mockClient(MqClient);

/**
 * A DescribeBroker response whose enum fields take any string: Amazon MQ answers engine types as
 * "ActiveMQ" and "RabbitMQ" where the SDK's enum says "ACTIVEMQ" and "RABBITMQ", and new states or
 * modes can appear before the SDK lists them.
 */
type WireDescription = Omit<DescribeBrokerResponse, "BrokerState" | "EngineType" | "DeploymentMode"> & {
  BrokerState?: string;
  EngineType?: string;
  DeploymentMode?: string;
};

function summary(id: string, name: string, state = "RUNNING"): BrokerSummary {
  return {
    BrokerId: id,
    BrokerName: name,
    BrokerState: state as BrokerSummary["BrokerState"],
    EngineType: "ACTIVEMQ",
    DeploymentMode: "SINGLE_INSTANCE",
  };
}

function description(id: string, name: string, overrides: WireDescription = {}): DescribeBrokerResponse {
  const wire: WireDescription = {
    BrokerId: id,
    BrokerName: name,
    BrokerArn: `arn:aws:mq:us-east-1:123456789012:broker:${name}:${id}`,
    BrokerState: "RUNNING",
    EngineType: "ACTIVEMQ",
    EngineVersion: "5.18",
    DeploymentMode: "SINGLE_INSTANCE",
    HostInstanceType: "mq.m5.large",
    Tags: {},
    ...overrides,
  };
  return wire as DescribeBrokerResponse;
}

const mqError = (name: string, httpStatusCode: number) => serviceError(MqServiceException, name, httpStatusCode);

function notFound(): NotFoundException {
  return new NotFoundException({ $metadata: { httpStatusCode: 404 }, message: "broker not found" });
}

function setUp(): { inventory: MqBrokerInventory; clock: TestClock; log: RecordingLog } {
  const clock = new TestClock();
  const log = new RecordingLog();
  const inventory = new MqBrokerInventory(new MqClient(TEST_CLIENT_CONFIG), clock, log, { ttlMs: TTL_MS });
  return { inventory, clock, log };
}

/** Number of DescribeBroker calls made for `brokerId`. */
function describeCalls(brokerId: string): number {
  return mq.commandCalls(DescribeBrokerCommand, { BrokerId: brokerId }).length;
}

beforeEach(() => {
  mq.reset();
});

afterAll(() => {
  mq.restore();
});

describe("MqBrokerInventory", () => {
  it("follows NextToken through every ListBrokers page and describes each broker", async () => {
    // Prepare
    mq.on(ListBrokersCommand)
      .resolvesOnce({ BrokerSummaries: [summary("b-1", "orders"), summary("b-2", "billing")], NextToken: "page-2" })
      .resolvesOnce({ BrokerSummaries: [summary("b-3", "audit")] });
    mq.on(DescribeBrokerCommand, { BrokerId: "b-1" }).resolves(description("b-1", "orders"));
    mq.on(DescribeBrokerCommand, { BrokerId: "b-2" }).resolves(description("b-2", "billing"));
    mq.on(DescribeBrokerCommand, { BrokerId: "b-3" }).resolves(description("b-3", "audit"));
    const { inventory } = setUp();

    // Act
    const snapshot = await inventory.listBrokers();

    // Assess
    expect(mq).toHaveReceivedCommandTimes(ListBrokersCommand, 2);
    expect(mq).toHaveReceivedNthSpecificCommandWith(1, ListBrokersCommand, { MaxResults: 100, NextToken: undefined });
    expect(mq).toHaveReceivedNthSpecificCommandWith(2, ListBrokersCommand, { MaxResults: 100, NextToken: "page-2" });
    expect(mq).toHaveReceivedCommandTimes(DescribeBrokerCommand, 3);
    expect(snapshot.brokers.map((b) => b.name)).toEqual(["orders", "billing", "audit"]);
    expect(snapshot.skipped).toEqual([]);
    expect(snapshot.complete).toBe(true);
  });

  it("reports each broker's required actions by broker id", async () => {
    // Prepare
    mq.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-1", "orders", "CRITICAL_ACTION_REQUIRED")] });
    mq.on(DescribeBrokerCommand).resolves(
      description("b-1", "orders", {
        BrokerState: "CRITICAL_ACTION_REQUIRED",
        ActionsRequired: [
          { ActionRequiredCode: "INVALID_KMS_KEY", ActionRequiredInfo: "key disabled" },
          { ActionRequiredInfo: "EBS_VOLUME_FULL" },
        ],
      }),
    );
    const { inventory } = setUp();

    // Act
    const snapshot = await inventory.listBrokers();

    // Assess
    expect(snapshot.actionsRequired.get("b-1")).toEqual(["INVALID_KMS_KEY", "EBS_VOLUME_FULL"]);
  });

  it("reuses a description younger than the TTL while the listed state is unchanged", async () => {
    // Prepare
    mq.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-1", "orders")] });
    mq.on(DescribeBrokerCommand).resolves(description("b-1", "orders"));
    const { inventory, clock } = setUp();
    await inventory.listBrokers();

    // Act
    clock.advance(TTL_MS - 1);
    const snapshot = await inventory.listBrokers();

    // Assess
    expect(describeCalls("b-1")).toBe(1);
    expect(mq).toHaveReceivedCommandTimes(ListBrokersCommand, 2);
    expect(snapshot.brokers.map((b) => b.id)).toEqual(["b-1"]);
  });

  it("describes a broker again once its description is older than its TTL (stretched by at most a fifth)", async () => {
    // Prepare
    mq.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-1", "orders")] });
    mq.on(DescribeBrokerCommand)
      .resolvesOnce(description("b-1", "orders"))
      .resolves(description("b-1", "orders", { Tags: { "mq-sentinel:ignore": "true" } }));
    const { inventory, clock } = setUp();
    await inventory.listBrokers();

    // Act
    clock.advance(TTL_MS * 1.2);
    const snapshot = await inventory.listBrokers();

    // Assess
    expect(describeCalls("b-1")).toBe(2);
    expect(snapshot.brokers[0]?.tags).toEqual({ "mq-sentinel:ignore": "true" });
  });

  it("refreshes at most 25 expired descriptions a cycle, oldest first, so a cold start's descriptions do not all burst again together", async () => {
    // Prepare: 60 brokers described at a cold start
    const ids = Array.from({ length: 60 }, (_, i) => `b-${String(i).padStart(2, "0")}`);
    mq.on(ListBrokersCommand).resolves({ BrokerSummaries: ids.map((id) => summary(id, `broker-${id}`)) });
    for (const id of ids) mq.on(DescribeBrokerCommand, { BrokerId: id }).resolves(description(id, `broker-${id}`));
    const { inventory, clock } = setUp();
    await inventory.listBrokers();
    const coldStart = mq.commandCalls(DescribeBrokerCommand).length;
    // Act: every description has expired; three cycles a minute apart
    clock.advance(TTL_MS * 1.2);
    const perCycle: number[] = [];
    for (let cycle = 0; cycle < 3; cycle++) {
      const before = mq.commandCalls(DescribeBrokerCommand).length;
      const snapshot = await inventory.listBrokers();
      perCycle.push(mq.commandCalls(DescribeBrokerCommand).length - before);
      expect(snapshot.brokers).toHaveLength(60);
      clock.advance(MINUTE);
    }
    // Assess
    expect(coldStart).toBe(60);
    expect(perCycle).toEqual([25, 25, 10]);
  });

  it("describes a broker again within the TTL when ListBrokers shows a new state", async () => {
    // Prepare
    mq.on(ListBrokersCommand)
      .resolvesOnce({ BrokerSummaries: [summary("b-1", "orders", "RUNNING")] })
      .resolves({ BrokerSummaries: [summary("b-1", "orders", "REBOOT_IN_PROGRESS")] });
    mq.on(DescribeBrokerCommand)
      .resolvesOnce(description("b-1", "orders"))
      .resolves(description("b-1", "orders", { BrokerState: "REBOOT_IN_PROGRESS" }));
    const { inventory, clock } = setUp();
    await inventory.listBrokers();

    // Act
    clock.advance(MINUTE);
    const snapshot = await inventory.listBrokers();

    // Assess
    expect(describeCalls("b-1")).toBe(2);
    expect(snapshot.brokers[0]?.state).toBe("REBOOT_IN_PROGRESS");
  });

  it("skips a broker deleted between ListBrokers and DescribeBroker as gone, without retrying", async () => {
    // Prepare
    mq.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-1", "orders"), summary("b-2", "legacy", "DELETION_IN_PROGRESS")] });
    mq.on(DescribeBrokerCommand, { BrokerId: "b-1" }).resolves(description("b-1", "orders"));
    mq.on(DescribeBrokerCommand, { BrokerId: "b-2" }).rejects(notFound());
    const { inventory, clock } = setUp();

    // Act
    const snapshot = await inventory.listBrokers();

    // Assess
    expect(describeCalls("b-2")).toBe(1);
    expect(clock.sleeps).toEqual([]);
    expect(snapshot.brokers.map((b) => b.id)).toEqual(["b-1"]);
    expect(snapshot.skipped).toEqual([{ brokerId: "b-2", brokerName: "legacy", reason: "broker no longer exists", gone: true }]);
    expect(snapshot.actionsRequired.has("b-2")).toBe(false);
    expect(snapshot.complete).toBe(true);
  });

  it("forgets the description of a broker that turned out to be gone", async () => {
    // Prepare
    mq.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-1", "orders")] });
    mq.on(DescribeBrokerCommand).resolvesOnce(description("b-1", "orders")).rejectsOnce(notFound()).resolves(description("b-1", "orders"));
    const { inventory, clock } = setUp();
    await inventory.listBrokers();
    clock.advance(TTL_MS * 1.2);
    const whileGone = await inventory.listBrokers();

    // Act
    clock.advance(MINUTE);
    const snapshot = await inventory.listBrokers();

    // Assess
    expect(whileGone.brokers).toEqual([]);
    expect(whileGone.skipped[0]?.gone).toBe(true);
    expect(describeCalls("b-1")).toBe(3);
    expect(snapshot.brokers.map((b) => b.id)).toEqual(["b-1"]);
  });

  it("uses the cached description with the listed state when DescribeBroker fails", async () => {
    // Prepare
    mq.on(ListBrokersCommand)
      .resolvesOnce({ BrokerSummaries: [summary("b-1", "orders", "RUNNING")] })
      .resolves({ BrokerSummaries: [summary("b-1", "orders", "REBOOT_IN_PROGRESS")] });
    mq.on(DescribeBrokerCommand)
      .resolvesOnce(description("b-1", "orders", { Tags: { team: "shop" } }))
      .rejects(mqError("ThrottlingException", 400));
    const { inventory, clock, log } = setUp();
    await inventory.listBrokers();
    clock.advance(MINUTE);

    // Act
    const snapshot = await inventory.listBrokers();

    // Assess
    expect(describeCalls("b-1")).toBe(1 + MAX_ATTEMPTS);
    expect(snapshot.skipped).toEqual([]);
    expect(snapshot.brokers).toEqual([expect.objectContaining({ id: "b-1", state: "REBOOT_IN_PROGRESS", tags: { team: "shop" } })]);
    expect(log.entries).toContainEqual(expect.objectContaining({ level: "warn", fields: expect.objectContaining({ brokerId: "b-1" }) }));
  });

  it("skips a broker it cannot describe and has never described, as not gone", async () => {
    // Prepare
    mq.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-1", "orders"), summary("b-2", "billing")] });
    mq.on(DescribeBrokerCommand, { BrokerId: "b-1" }).resolves(description("b-1", "orders"));
    mq.on(DescribeBrokerCommand, { BrokerId: "b-2" }).rejects(mqError("ForbiddenException", 403));
    const { inventory, log } = setUp();

    // Act
    const snapshot = await inventory.listBrokers();

    // Assess
    expect(snapshot.brokers.map((b) => b.id)).toEqual(["b-1"]);
    expect(snapshot.skipped).toEqual([
      { brokerId: "b-2", brokerName: "billing", reason: expect.stringContaining("ForbiddenException"), gone: false },
    ]);
    expect(snapshot.complete).toBe(true);
    expect(log.entries).toContainEqual(expect.objectContaining({ level: "error", fields: expect.objectContaining({ brokerId: "b-2" }) }));
  });

  it("returns the previous snapshot marked incomplete when ListBrokers fails", async () => {
    // Prepare
    mq.on(ListBrokersCommand)
      .resolvesOnce({ BrokerSummaries: [summary("b-1", "orders")] })
      .rejects(mqError("InternalServerErrorException", 500));
    mq.on(DescribeBrokerCommand).resolves(description("b-1", "orders"));
    const { inventory, clock, log } = setUp();
    const previous = await inventory.listBrokers();
    clock.advance(MINUTE);

    // Act
    const snapshot = await inventory.listBrokers();

    // Assess
    expect(mq).toHaveReceivedCommandTimes(ListBrokersCommand, 1 + MAX_ATTEMPTS);
    expect(snapshot.complete).toBe(false);
    expect(snapshot.brokers).toEqual(previous.brokers);
    expect(previous.complete).toBe(true);
    expect(log.entries).toContainEqual(expect.objectContaining({ level: "warn", message: expect.stringContaining("ListBrokers failed") }));
  });

  it("throws InventoryUnavailableError when ListBrokers fails and there is no previous snapshot", async () => {
    // Prepare
    mq.on(ListBrokersCommand).rejects(mqError("AccessDeniedException", 403));
    const { inventory } = setUp();

    // Act
    const outcome = inventory.listBrokers();

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(InventoryUnavailableError);
    await expect(outcome).rejects.toThrow(/AccessDeniedException/);
    expect(mq).not.toHaveReceivedCommand(DescribeBrokerCommand);
  });

  it("drops a broker that is no longer listed from its cache", async () => {
    // Prepare
    mq.on(ListBrokersCommand)
      .resolvesOnce({ BrokerSummaries: [summary("b-1", "orders")] })
      .resolvesOnce({ BrokerSummaries: [] })
      .resolves({ BrokerSummaries: [summary("b-1", "orders")] });
    mq.on(DescribeBrokerCommand).resolves(description("b-1", "orders"));
    const { inventory, clock } = setUp();
    await inventory.listBrokers();
    clock.advance(MINUTE);
    const whileUnlisted = await inventory.listBrokers();
    clock.advance(MINUTE);

    // Act
    const snapshot = await inventory.listBrokers();

    // Assess
    expect(whileUnlisted).toMatchObject({ brokers: [], skipped: [], complete: true });
    expect(describeCalls("b-1")).toBe(2);
    expect(snapshot.brokers.map((b) => b.id)).toEqual(["b-1"]);
  });

  it("maps RabbitMQ engine strings case-insensitively when listing", async () => {
    // Prepare
    mq.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-1", "rabbit")] });
    mq.on(DescribeBrokerCommand).resolves(description("b-1", "rabbit", { EngineType: "RabbitMQ", DeploymentMode: "CLUSTER_MULTI_AZ" }));
    const { inventory } = setUp();

    // Act
    const snapshot = await inventory.listBrokers();

    // Assess
    expect(snapshot.brokers[0]).toMatchObject({ engine: EngineType.rabbitmq, nodes: ["rabbit"] });
  });
});

describe("toBroker", () => {
  it("names every change a reboot would apply, and the current configuration", () => {
    // Prepare
    const response = description("b-1234", "orders", {
      EngineVersion: "5.17.6",
      PendingEngineVersion: "5.18.4",
      HostInstanceType: "mq.m5.large",
      PendingHostInstanceType: "mq.m5.xlarge",
      PendingSecurityGroups: ["sg-0new"],
      PendingAuthenticationStrategy: "LDAP",
      PendingLdapServerMetadata: {
        Hosts: ["ldap.example.com"],
        RoleBase: "ou=roles",
        RoleSearchMatching: "(member={0})",
        UserBase: "ou=users",
        UserSearchMatching: "(uid={0})",
        ServiceAccountUsername: "svc",
      },
      Configurations: { Current: { Id: "c-1", Revision: 3 }, Pending: { Id: "c-1", Revision: 4 }, History: [] },
    });
    // Act
    const broker = toBroker(response);
    // Assess
    expect(broker.pendingChanges).toEqual([
      "engine version 5.18.4 (now 5.17.6)",
      "instance type mq.m5.xlarge (now mq.m5.large)",
      "security groups sg-0new",
      "authentication strategy LDAP",
      "LDAP server settings",
      "configuration c-1 revision 4 (now revision 3)",
    ]);
    expect(broker.configuration).toEqual({ id: "c-1", revision: 3 });
  });

  it("sees nothing staged when the pending configuration is the current one", () => {
    // Prepare
    const response = description("b-1234", "orders", {
      Configurations: { Current: { Id: "c-1", Revision: 3 }, Pending: { Id: "c-1", Revision: 3 }, History: [] },
    });
    // Act / Assess
    expect(toBroker(response).pendingChanges).toEqual([]);
  });

  it("maps a DescribeBroker response to a Broker", () => {
    // Prepare
    const response = description("b-1234", "orders", {
      DeploymentMode: "ACTIVE_STANDBY_MULTI_AZ",
      HostInstanceType: "mq.m5.xlarge",
      EngineVersion: "5.18",
      Tags: { team: "shop", "mq-sentinel:remediate": "true" },
    });

    // Act
    const broker = toBroker(response);

    // Assess
    expect(broker).toEqual({
      id: "b-1234",
      name: "orders",
      arn: "arn:aws:mq:us-east-1:123456789012:broker:orders:b-1234",
      state: "RUNNING",
      engine: EngineType.activemq,
      engineVersion: "5.18",
      deploymentMode: DeploymentMode.activeStandby,
      instanceType: "mq.m5.xlarge",
      tags: { team: "shop", "mq-sentinel:remediate": "true" },
      pendingChanges: [],
      configuration: null,
      nodes: ["orders-1", "orders-2"],
      endpoints: [],
    });
  });

  it("keeps the endpoints of every broker instance (a RabbitMQ 4.2 broker lists its Prometheus endpoint among them)", () => {
    // Prepare
    const host = "b-1234.mq.us-east-1.on.aws";
    const response = description("b-1234", "orders", {
      EngineType: "RABBITMQ",
      BrokerInstances: [{ ConsoleURL: `https://${host}`, Endpoints: [`amqps://${host}:5671`, `https://${host}:15691`] }, {}],
    });

    // Act
    const broker = toBroker(response);

    // Assess
    expect(broker.endpoints).toEqual([`amqps://${host}:5671`, `https://${host}:15691`]);
  });

  it.each([
    ["an ActiveMQ single-instance broker", "ACTIVEMQ", "SINGLE_INSTANCE", ["orders-1"]],
    ["an ActiveMQ active/standby broker", "ACTIVEMQ", "ACTIVE_STANDBY_MULTI_AZ", ["orders-1", "orders-2"]],
    ["a RabbitMQ single-instance broker", "RABBITMQ", "SINGLE_INSTANCE", ["orders"]],
    ["a RabbitMQ cluster", "RABBITMQ", "CLUSTER_MULTI_AZ", ["orders"]],
  ])("names the CloudWatch nodes of %s", (_label, engine, mode, nodes) => {
    // Prepare
    const response = description("b-1", "orders", { EngineType: engine, DeploymentMode: mode });

    // Act
    const broker = toBroker(response);

    // Assess
    expect(broker.nodes).toEqual(nodes);
  });

  it.each([
    ["RABBITMQ", EngineType.rabbitmq],
    ["RabbitMQ", EngineType.rabbitmq],
    ["rabbitmq", EngineType.rabbitmq],
    ["ACTIVEMQ", EngineType.activemq],
    ["ActiveMQ", EngineType.activemq],
    ["activemq", EngineType.activemq],
  ])("maps the engine string %s to %s", (engineString, engine) => {
    // Prepare
    const response = description("b-1", "orders", { EngineType: engineString });

    // Act
    const broker = toBroker(response);

    // Assess
    expect(broker.engine).toBe(engine);
  });

  it("treats an unknown deployment mode as a single instance", () => {
    // Prepare
    const response = description("b-1", "orders", { DeploymentMode: "SOMETHING_NEW" });

    // Act
    const broker = toBroker(response);

    // Assess
    expect(broker.deploymentMode).toBe(DeploymentMode.single);
    expect(broker.nodes).toEqual(["orders-1"]);
  });

  it("copies the tags instead of sharing the response's object", () => {
    // Prepare
    const tags = { team: "shop" };
    const response = description("b-1", "orders", { Tags: tags });

    // Act
    const broker = toBroker(response);
    tags.team = "changed";

    // Assess
    expect(broker.tags).toEqual({ team: "shop" });
  });

  it("fills the missing fields of a sparse response with defaults", () => {
    // Prepare
    const response: DescribeBrokerResponse = { BrokerId: "b-9", BrokerName: "bare" };

    // Act
    const broker = toBroker(response);

    // Assess
    expect(broker).toEqual({
      id: "b-9",
      name: "bare",
      arn: null,
      state: "RUNNING",
      engine: EngineType.activemq,
      engineVersion: null,
      deploymentMode: DeploymentMode.single,
      instanceType: "unknown",
      tags: {},
      pendingChanges: [],
      configuration: null,
      nodes: ["bare-1"],
      endpoints: [],
    });
  });
});
