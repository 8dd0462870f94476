import { DescribeBrokerCommand, ListBrokersCommand } from "@aws-sdk/client-mq";
import { MAX_DESCRIBES_PER_CYCLE, MqBrokerInventory } from "../../../shared/adapters/mq-broker-inventory";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { isRetryable } from "../../../shared/errors";
import { simulatedClock } from "../../../shared/sim/sdk-boundary";
import { AMAZON_MQ_QUOTA } from "../../../shared/sim/simulated-account";
import { rawBroker, simulate, thrownBy } from "./scenario-fixtures";

/** A scenario account of `n` RUNNING brokers. */
function fleet(n: number) {
  return simulate({ brokers: Array.from({ length: n }, (_, i) => rawBroker(`broker-${String(i).padStart(4, "0")}`)) });
}

describe("the simulated account's Amazon MQ quota", () => {
  it("refuses a request past the burst with the SDK's throttling error over the wire (TooManyRequestsException, HTTP 429)", async () => {
    // Prepare
    const { account, mq } = fleet(1);
    for (let i = 0; i < AMAZON_MQ_QUOTA.burst; i++) await mq.send(new DescribeBrokerCommand({ BrokerId: "b-broker-0000" }));
    // Act
    const error = await thrownBy(() => mq.send(new DescribeBrokerCommand({ BrokerId: "b-broker-0000" })));
    // Assess
    expect(error.name).toBe("TooManyRequestsException");
    expect(error.$metadata?.httpStatusCode).toBe(429);
    expect(isRetryable(error)).toBe(true);
    expect(account.mqThrottled).toBe(1);
  });

  it("counts every Amazon MQ API against one bucket, and refills at 15 a second as callers wait", async () => {
    // Prepare
    const { account, mq } = fleet(1);
    const clock = simulatedClock(account);
    for (let i = 0; i < AMAZON_MQ_QUOTA.burst / 2; i++) await mq.send(new ListBrokersCommand({}));
    for (let i = 0; i < AMAZON_MQ_QUOTA.burst / 2; i++) await mq.send(new DescribeBrokerCommand({ BrokerId: "b-broker-0000" }));
    // Act: one second later 15 more go through, the 16th does not
    await clock.sleep(1000);
    for (let i = 0; i < AMAZON_MQ_QUOTA.ratePerSecond; i++) await mq.send(new ListBrokersCommand({}));
    const refused = await thrownBy(() => mq.send(new ListBrokersCommand({})));
    // Assess
    expect(refused.name).toBe("TooManyRequestsException");
    expect(account.mqThrottled).toBe(1);
  });

  it("starts every minute of the replay's clock with the time waited in it back at 0, and the bucket refilled", async () => {
    // Prepare
    const { account, mq } = fleet(1);
    for (let i = 0; i < AMAZON_MQ_QUOTA.burst; i++) await mq.send(new ListBrokersCommand({}));
    // Act
    account.minute = 1;
    for (let i = 0; i < AMAZON_MQ_QUOTA.burst; i++) await mq.send(new ListBrokersCommand({}));
    // Assess
    expect(account.mqThrottled).toBe(0);
    expect(account.quotaNowMs()).toBe(account.nowMs());
  });
});

describe("MqBrokerInventory under the Amazon MQ quota", () => {
  it("describes a cold start of 1,000 brokers over several cycles, paced under the quota, never throttled", async () => {
    // Prepare
    const { account, mq } = fleet(1000);
    const inventory = new MqBrokerInventory(mq, simulatedClock(account), new RecordingLog(), { ttlMs: 5 * 60_000 });
    const watched: number[] = [];
    const waited: number[] = [];
    // Act
    for (let minute = 0; minute < 8; minute++) {
      account.minute = minute;
      const snapshot = await inventory.listBrokers();
      watched.push(snapshot.brokers.length);
      waited.push((account.quotaNowMs() - account.nowMs()) / 1000);
      expect(snapshot.skipped.every((s) => s.pending && !s.gone)).toBe(true);
      expect(snapshot.brokers.length + snapshot.skipped.length).toBe(1000);
    }
    // Assess
    expect(account.mqThrottled).toBe(0);
    expect(watched[0]).toBe(MAX_DESCRIBES_PER_CYCLE);
    expect(watched).toEqual([150, 300, 450, 600, 750, 900, 1000, 1000]);
    // Each cycle waits at most ~12 s for the quota: well inside the poller's 55 s.
    expect(Math.max(...waited)).toBeLessThan(15);
  });

  it("keeps warm cycles unpaced: no wait once the fleet is described and nothing is due", async () => {
    // Prepare
    const { account, mq } = fleet(20);
    const inventory = new MqBrokerInventory(mq, simulatedClock(account), new RecordingLog(), { ttlMs: 5 * 60_000 });
    await inventory.listBrokers();
    // Act
    account.minute = 1;
    const snapshot = await inventory.listBrokers();
    // Assess
    expect(snapshot.brokers).toHaveLength(20);
    expect(snapshot.skipped).toEqual([]);
    expect(account.quotaNowMs()).toBe(account.nowMs());
    expect(account.calls.get("mq:DescribeBroker")).toBe(20);
  });
});
