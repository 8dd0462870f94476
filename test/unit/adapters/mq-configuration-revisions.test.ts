import { DescribeConfigurationRevisionCommand, MqClient, MqServiceException } from "@aws-sdk/client-mq";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { MqBrokerInventory } from "../../../shared/adapters/mq-broker-inventory";
import { CONFIGURATION_RETRY_MS, MqConfigurationRevisions } from "../../../shared/adapters/mq-configuration-revisions";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { serviceError } from "../../support/aws-errors";
import { TEST_CLIENT_CONFIG, TestClock } from "../../support/clock";

const mq = mockClient(MqClient);
const CUTTLEFISH = "# raised\nconnection_max = 3000\n";
const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

const forbidden = () =>
  serviceError(MqServiceException, "ForbiddenException", 403, "not authorized to perform mq:DescribeConfigurationRevision");

function setUp() {
  const clock = new TestClock();
  const log = new RecordingLog();
  return { revisions: new MqConfigurationRevisions(new MqClient(TEST_CLIENT_CONFIG), clock, log), clock, log };
}

beforeEach(() => mq.reset());
afterAll(() => mq.restore());

describe("MqConfigurationRevisions", () => {
  it("returns the decoded Cuttlefish text of the revision asked for", async () => {
    // Prepare
    mq.on(DescribeConfigurationRevisionCommand).resolves({ ConfigurationId: "c-1", Data: base64(CUTTLEFISH) });
    const { revisions } = setUp();

    // Act
    const text = await revisions.text({ id: "c-1", revision: 4 });

    // Assess
    expect(text).toBe(CUTTLEFISH);
    expect(mq).toHaveReceivedCommandWith(DescribeConfigurationRevisionCommand, { ConfigurationId: "c-1", ConfigurationRevision: "4" });
  });

  it("reads a revision once (a revision never changes), and another revision anew", async () => {
    // Prepare
    mq.on(DescribeConfigurationRevisionCommand).resolves({ Data: base64(CUTTLEFISH) });
    const { revisions, clock } = setUp();

    // Act
    await Promise.all([revisions.text({ id: "c-1", revision: 4 }), revisions.text({ id: "c-1", revision: 4 })]);
    clock.advance(24 * 60 * 60_000);
    await revisions.text({ id: "c-1", revision: 4 });
    await revisions.text({ id: "c-1", revision: 5 });

    // Assess
    expect(mq).toHaveReceivedCommandTimes(DescribeConfigurationRevisionCommand, 2);
  });

  it("takes a revision without data as an empty configuration", async () => {
    // Prepare
    mq.on(DescribeConfigurationRevisionCommand).resolves({ ConfigurationId: "c-1" });
    const { revisions } = setUp();

    // Act / Assess
    await expect(revisions.text({ id: "c-1", revision: 1 })).resolves.toBe("");
  });

  it("remembers a failure for a while instead of asking every minute, then asks again", async () => {
    // Prepare
    mq.on(DescribeConfigurationRevisionCommand)
      .rejectsOnce(forbidden())
      .resolves({ Data: base64(CUTTLEFISH) });
    const { revisions, clock, log } = setUp();
    const revision = { id: "c-1", revision: 4 };

    // Act
    const first = revisions.text(revision);
    await expect(first).rejects.toThrow(/ForbiddenException|not authorized/);
    clock.advance(CONFIGURATION_RETRY_MS - 1);
    await expect(revisions.text(revision)).rejects.toThrow(/ForbiddenException|not authorized/);
    clock.advance(1);
    const later = await revisions.text(revision);

    // Assess
    expect(later).toBe(CUTTLEFISH);
    expect(mq).toHaveReceivedCommandTimes(DescribeConfigurationRevisionCommand, 2);
    expect(log.entries.filter((e) => e.message === "configuration revision not readable")).toHaveLength(1);
  });
});

describe("MqBrokerInventory.configurationText", () => {
  it("reads configuration revisions with the inventory's own client", async () => {
    // Prepare
    mq.on(DescribeConfigurationRevisionCommand).resolves({ Data: base64(CUTTLEFISH) });
    const inventory = new MqBrokerInventory(new MqClient(TEST_CLIENT_CONFIG), new TestClock(), new RecordingLog(), { ttlMs: 60_000 });

    // Act
    const text = await inventory.configurationText({ id: "c-9", revision: 2 });

    // Assess
    expect(text).toBe(CUTTLEFISH);
    expect(mq).toHaveReceivedCommandWith(DescribeConfigurationRevisionCommand, { ConfigurationId: "c-9", ConfigurationRevision: "2" });
  });
});
