import { MemoryOptInRecords } from "../../../shared/adapters/memory-opt-in-records";
import { OptInTracker } from "../../../shared/app/opt-in-tracker";
import { type Broker, Tags } from "../../../shared/core/types";
import type { OptInRecords, OptInState } from "../../../shared/ports";
import { activeMqBroker, MINUTE, T0 } from "./fakes";

/** The memory records, counting the calls (each would be a DynamoDB request) and failing when told. */
class CountingOptInRecords implements OptInRecords {
  readonly inner = new MemoryOptInRecords();
  readonly calls: string[] = [];
  failGets = false;
  failRecords = false;

  async get(brokerIds: readonly string[]): Promise<Map<string, OptInState>> {
    this.calls.push(`get ${brokerIds.join(",")}`);
    if (this.failGets) throw new Error("ProvisionedThroughputExceededException");
    return this.inner.get(brokerIds);
  }

  async record(state: OptInState): Promise<boolean> {
    this.calls.push(`record ${state.brokerId}`);
    if (this.failRecords) throw new Error("InternalServerError");
    return this.inner.record(state);
  }

  async of(brokerId: string): Promise<OptInState | undefined> {
    return (await this.inner.get([brokerId])).get(brokerId);
  }
}

const tagged = (name: string): Broker => activeMqBroker(name, { tags: { [Tags.remediate]: "reboot" } });
const untagged = (name: string): Broker => activeMqBroker(name);

describe("OptInTracker", () => {
  it("reads the records of brokers it sees for the first time in one call, and records the unrecorded ones as predating the monitor", async () => {
    // Prepare
    const records = new CountingOptInRecords();
    const tracker = new OptInTracker(records);
    // Act
    const errors = await tracker.observe([tagged("orders"), untagged("billing")], T0);
    // Assess
    expect(errors).toEqual([]);
    expect(records.calls).toEqual(["get b-orders,b-billing", "record b-orders", "record b-billing"]);
    expect(await records.of("b-orders")).toEqual({
      brokerId: "b-orders",
      broker: "orders",
      optedIn: true,
      since: null,
      source: "inventory",
    });
    expect(await records.of("b-billing")).toEqual(expect.objectContaining({ optedIn: false, since: null }));
  });

  it("makes no call at all while nothing changes", async () => {
    // Prepare
    const records = new CountingOptInRecords();
    const tracker = new OptInTracker(records);
    await tracker.observe([tagged("orders"), untagged("billing")], T0);
    records.calls.length = 0;
    // Act
    for (let minute = 1; minute <= 30; minute++) await tracker.observe([tagged("orders"), untagged("billing")], T0 + minute * MINUTE);
    // Assess
    expect(records.calls).toEqual([]);
  });

  it("records a tag added after the first sighting from the minute it is seen", async () => {
    // Prepare
    const records = new CountingOptInRecords();
    const tracker = new OptInTracker(records);
    await tracker.observe([untagged("orders")], T0);
    // Act
    await tracker.observe([tagged("orders")], T0 + 7 * MINUTE);
    await tracker.observe([tagged("orders")], T0 + 8 * MINUTE);
    // Assess
    expect(await records.of("b-orders")).toEqual({
      brokerId: "b-orders",
      broker: "orders",
      optedIn: true,
      since: T0 + 7 * MINUTE,
      source: "inventory",
    });
    expect(records.calls).toEqual(["get b-orders", "record b-orders", "record b-orders"]);
  });

  it("records a removed tag, so a tag added back later counts from then", async () => {
    // Prepare
    const records = new CountingOptInRecords();
    const tracker = new OptInTracker(records);
    await tracker.observe([tagged("orders")], T0);
    // Act
    await tracker.observe([untagged("orders")], T0 + MINUTE);
    await tracker.observe([tagged("orders")], T0 + 2 * MINUTE);
    // Assess
    expect(await records.of("b-orders")).toEqual(expect.objectContaining({ optedIn: true, since: T0 + 2 * MINUTE }));
  });

  it("records a change a new process sees against what an earlier one recorded", async () => {
    // Prepare
    const records = new CountingOptInRecords();
    await new OptInTracker(records).observe([untagged("orders"), tagged("billing")], T0);
    records.calls.length = 0;
    // Act: a cold start an hour later
    await new OptInTracker(records).observe([tagged("orders"), tagged("billing")], T0 + 60 * MINUTE);
    // Assess
    expect(records.calls).toEqual(["get b-orders,b-billing", "record b-orders"]);
    expect(await records.of("b-orders")).toEqual(expect.objectContaining({ optedIn: true, since: T0 + 60 * MINUTE }));
    expect(await records.of("b-billing")).toEqual(expect.objectContaining({ optedIn: true, since: null }));
  });

  it("keeps the time CloudTrail recorded when the tag event was seen first", async () => {
    // Prepare
    const records = new CountingOptInRecords();
    const tracker = new OptInTracker(records);
    await tracker.observe([untagged("orders")], T0);
    const fromCloudTrail: OptInState = {
      brokerId: "b-orders",
      broker: "orders",
      optedIn: true,
      since: T0 + 2 * MINUTE,
      source: "cloudtrail:arn:aws:iam::111122223333:user/mallory",
    };
    await records.record(fromCloudTrail);
    records.calls.length = 0;
    // Act: the cached inventory shows the tag a few minutes later
    await tracker.observe([tagged("orders")], T0 + 5 * MINUTE);
    await tracker.observe([tagged("orders")], T0 + 6 * MINUTE);
    // Assess
    expect(await records.of("b-orders")).toEqual(fromCloudTrail);
    expect(records.calls).toEqual(["record b-orders"]);
  });

  it("reports records it cannot read, records nothing, and tries again next cycle", async () => {
    // Prepare
    const records = new CountingOptInRecords();
    const tracker = new OptInTracker(records);
    records.failGets = true;
    // Act
    const failed = await tracker.observe([tagged("orders")], T0);
    records.failGets = false;
    const next = await tracker.observe([tagged("orders")], T0 + MINUTE);
    // Assess
    expect(failed).toEqual([
      expect.stringMatching(/^opt-in records unreadable; 1 broker\(s\) recorded next cycle: .*ProvisionedThroughput/),
    ]);
    expect(next).toEqual([]);
    expect(await records.of("b-orders")).toEqual(expect.objectContaining({ optedIn: true, since: null }));
  });

  it("reports a write that fails and writes it on the next cycle", async () => {
    // Prepare
    const records = new CountingOptInRecords();
    const tracker = new OptInTracker(records);
    await tracker.observe([untagged("orders")], T0);
    records.failRecords = true;
    // Act
    const failed = await tracker.observe([tagged("orders")], T0 + MINUTE);
    records.failRecords = false;
    await tracker.observe([tagged("orders")], T0 + 2 * MINUTE);
    // Assess
    expect(failed).toEqual([expect.stringMatching(/^opt-in of broker orders not recorded: .*InternalServerError/)]);
    expect(await records.of("b-orders")).toEqual(expect.objectContaining({ optedIn: true, since: T0 + 2 * MINUTE }));
  });
});
