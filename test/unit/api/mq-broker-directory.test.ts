import { type BrokerSummary, ListBrokersCommand, MqClient, MqServiceException } from "@aws-sdk/client-mq";
import { mockClient } from "aws-sdk-client-mock";
import { MqBrokerDirectory } from "../../../shared/adapters/mq-broker-directory";
import { serviceError } from "../../support/aws-errors";
import { MINUTE, TEST_CLIENT_CONFIG, TestClock } from "../../support/clock";

const TTL_MS = 5 * MINUTE;

const mq = mockClient(MqClient);

function summary(id: string, name: string): BrokerSummary {
  return { BrokerId: id, BrokerName: name, BrokerState: "RUNNING", EngineType: "ACTIVEMQ", DeploymentMode: "SINGLE_INSTANCE" };
}

function setUp(): { directory: MqBrokerDirectory; clock: TestClock } {
  const clock = new TestClock();
  return { directory: new MqBrokerDirectory(new MqClient(TEST_CLIENT_CONFIG), clock, TTL_MS), clock };
}

const listCalls = () => mq.commandCalls(ListBrokersCommand).length;

beforeEach(() => {
  mq.reset();
});

describe("MqBrokerDirectory", () => {
  it("names brokers from every ListBrokers page", async () => {
    // Prepare
    mq.on(ListBrokersCommand, { NextToken: undefined })
      .resolves({ BrokerSummaries: [summary("b-1", "orders")], NextToken: "page-2" })
      .on(ListBrokersCommand, { NextToken: "page-2" })
      .resolves({ BrokerSummaries: [summary("b-2", "billing"), { ...summary("b-3", ""), BrokerName: undefined }] });
    const { directory } = setUp();

    // Act
    const names = [await directory.nameOf("b-1"), await directory.nameOf("b-2"), await directory.nameOf("b-3")];

    // Assess
    expect(names).toEqual(["orders", "billing", null]);
    expect(mq.commandCalls(ListBrokersCommand).map((c) => c.args[0].input)).toEqual([
      { MaxResults: 100, NextToken: undefined },
      { MaxResults: 100, NextToken: "page-2" },
    ]);
  });

  it("reuses the list within the TTL", async () => {
    // Prepare
    mq.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-1", "orders")] });
    const { directory, clock } = setUp();
    await directory.nameOf("b-1");

    // Act
    clock.advance(TTL_MS - 1);
    const name = await directory.nameOf("b-1");

    // Assess
    expect(name).toBe("orders");
    expect(listCalls()).toBe(1);
  });

  it("lists again once the TTL has passed", async () => {
    // Prepare
    mq.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("b-1", "orders")] });
    const { directory, clock } = setUp();
    await directory.nameOf("b-1");

    // Act
    clock.advance(TTL_MS);
    await directory.nameOf("b-1");

    // Assess
    expect(listCalls()).toBe(2);
  });

  it("lists again for an unknown id, at most once a minute", async () => {
    // Prepare: b-new is created after the first listing
    mq.on(ListBrokersCommand)
      .resolvesOnce({ BrokerSummaries: [summary("b-1", "orders")] })
      .resolves({ BrokerSummaries: [summary("b-1", "orders"), summary("b-new", "fresh")] });
    const { directory, clock } = setUp();
    await directory.nameOf("b-1");

    // Act
    clock.advance(30_000);
    const tooSoon = await directory.nameOf("b-new");
    const callsTooSoon = listCalls();
    clock.advance(30_000);
    const aMinuteLater = await directory.nameOf("b-new");
    const stillUnknown = [await directory.nameOf("b-ghost"), await directory.nameOf("b-ghost")];

    // Assess
    expect(tooSoon).toBeNull();
    expect(callsTooSoon).toBe(1);
    expect(aMinuteLater).toBe("fresh");
    expect(stillUnknown).toEqual([null, null]);
    expect(listCalls()).toBe(2);
  });

  it("remembers the names of brokers that disappeared", async () => {
    // Prepare: the broker is deleted, and its DeleteBroker event arrives after the next listing
    mq.on(ListBrokersCommand)
      .resolvesOnce({ BrokerSummaries: [summary("b-1", "orders"), summary("b-2", "billing")] })
      .resolves({ BrokerSummaries: [summary("b-2", "billing")] });
    const { directory, clock } = setUp();
    await directory.nameOf("b-2");
    clock.advance(TTL_MS);
    await directory.nameOf("b-2");

    // Act
    const name = await directory.nameOf("b-1");

    // Assess
    expect(listCalls()).toBe(2);
    expect(name).toBe("orders");
  });

  it("retries a throttled ListBrokers and then names the broker", async () => {
    // Prepare
    const throttled = serviceError(MqServiceException, "TooManyRequestsException", 429, "slow down");
    mq.on(ListBrokersCommand)
      .rejectsOnce(throttled)
      .resolves({ BrokerSummaries: [summary("b-1", "orders")] });
    const { directory, clock } = setUp();

    // Act
    const name = await directory.nameOf("b-1");

    // Assess
    expect(name).toBe("orders");
    expect(clock.sleeps).toHaveLength(1);
  });

  it("fails when ListBrokers keeps failing, and lists again on the next look-up", async () => {
    // Prepare
    const denied = serviceError(MqServiceException, "ForbiddenException", 403, "no");
    mq.on(ListBrokersCommand)
      .rejectsOnce(denied)
      .resolves({ BrokerSummaries: [summary("b-1", "orders")] });
    const { directory } = setUp();

    // Act
    const first = directory.nameOf("b-1");

    // Assess
    await expect(first).rejects.toThrow(/mq:ListBrokers failed: ForbiddenException/);
    expect(await directory.nameOf("b-1")).toBe("orders");
  });
});
