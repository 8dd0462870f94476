import { PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDbApiActivityStore } from "../../../shared/adapters/dynamodb-api-activity-store";
import { MemoryApiActivityStore } from "../../../shared/adapters/memory-api-activity-store";
import { deniedSubject } from "../../../shared/app/handle-api-event";
import type { ActivityRecord, ApiActivityStore } from "../../../shared/ports";
import { MINUTE, TestClock } from "../../support/clock";
import { contractImplementations, createIncidentsTable, useDynalite } from "../dynamodb-table";

/**
 * The `ApiActivityStore` contract, against DynamoDB (dynalite, the incidents table as deployed) and
 * the in-memory store that replay and the use-case tests rely on.
 */

const T0 = Date.UTC(2026, 2, 2, 9, 0);
const DAY_SECONDS = 86_400;

const dynamo = useDynalite();

const record = (eventId: string, minute: number, payload: unknown = { eventName: "DescribeBroker" }): ActivityRecord => ({
  eventId,
  at: T0 + minute * MINUTE,
  payload,
});

const implementations = contractImplementations<ApiActivityStore>(
  dynamo,
  ["DynamoDbApiActivityStore", (client, tableName) => new DynamoDbApiActivityStore(client, tableName, new TestClock())],
  ["MemoryApiActivityStore", () => new MemoryApiActivityStore()],
);

describe.each(implementations)("%s", (_name, createStore) => {
  let store: ApiActivityStore;

  beforeEach(async () => {
    store = await createStore();
  });

  describe("claimEvent", () => {
    const LEASE = MINUTE;

    /** Claims an event id and returns the claim's token, failing the test when it is not claimed. */
    async function claimed(eventId: string, now: number): Promise<string> {
      const claim = await store.claimEvent(eventId, now, LEASE);
      if (claim.status !== "claimed") throw new Error(`expected ${eventId} to be claimed, got ${claim.status}`);
      return claim.token;
    }

    it("claims an event id, then reports it busy while the lease runs", async () => {
      // Act
      const first = await store.claimEvent("eb-1", T0, LEASE);
      const second = await store.claimEvent("eb-1", T0 + LEASE - 1, LEASE);

      // Assess
      expect(first.status).toBe("claimed");
      expect(second).toEqual({ status: "busy", leaseUntil: T0 + LEASE });
    });

    it("reports an event marked done as done, long after its lease", async () => {
      // Prepare
      const token = await claimed("eb-done", T0);

      // Act
      const completed = await store.completeEvent("eb-done", token, T0 + 1_000);
      const later = await store.claimEvent("eb-done", T0 + 60 * MINUTE, LEASE);

      // Assess
      expect(completed).toBe(true);
      expect(later).toEqual({ status: "done" });
    });

    it("gives the event to a new claim once the lease of a claim never marked done runs out", async () => {
      // Prepare: the invocation that claimed it died (a timeout) and never released it
      const dead = await claimed("eb-crash", T0);

      // Act
      const retry = await store.claimEvent("eb-crash", T0 + LEASE, LEASE);

      // Assess
      expect(retry.status).toBe("claimed");
      expect(retry.status === "claimed" && retry.token).not.toBe(dead);
    });

    it("refuses to mark done or release with the token of a claim that was taken over", async () => {
      // Prepare
      const dead = await claimed("eb-taken", T0);
      const live = await claimed("eb-taken", T0 + 2 * LEASE);

      // Act
      const completedByDead = await store.completeEvent("eb-taken", dead, T0 + 2 * LEASE + 1);
      await store.releaseEvent("eb-taken", dead);
      const meanwhile = await store.claimEvent("eb-taken", T0 + 2 * LEASE + 2, LEASE);
      const completedByLive = await store.completeEvent("eb-taken", live, T0 + 2 * LEASE + 3);

      // Assess
      expect(completedByDead).toBe(false);
      expect(meanwhile.status).toBe("busy");
      expect(completedByLive).toBe(true);
    });

    it("gives exactly one of ten concurrent claims of one event id", async () => {
      // Act
      const claims = await Promise.all(Array.from({ length: 10 }, () => store.claimEvent("eb-race", T0, LEASE)));

      // Assess
      expect(claims.filter((c) => c.status === "claimed")).toHaveLength(1);
      expect(claims.filter((c) => c.status === "busy")).toHaveLength(9);
    });

    it("gives exactly one of ten concurrent claims of an event whose lease ran out", async () => {
      // Prepare
      await claimed("eb-race-expired", T0);

      // Act
      const claims = await Promise.all(Array.from({ length: 10 }, () => store.claimEvent("eb-race-expired", T0 + 2 * LEASE, LEASE)));

      // Assess
      expect(claims.filter((c) => c.status === "claimed")).toHaveLength(1);
    });

    it("keeps different event ids apart", async () => {
      // Act
      const claims = [await store.claimEvent("eb-a", T0, LEASE), await store.claimEvent("eb-b", T0, LEASE)];

      // Assess
      expect(claims.map((c) => c.status)).toEqual(["claimed", "claimed"]);
    });

    it("allows a new claim at once after the claim is released", async () => {
      // Prepare
      const token = await claimed("eb-retry", T0);

      // Act
      await store.releaseEvent("eb-retry", token);
      const again = await store.claimEvent("eb-retry", T0 + 1_000, LEASE);

      // Assess
      expect(again.status).toBe("claimed");
      expect((await store.claimEvent("eb-retry", T0 + 2_000, LEASE)).status).toBe("busy");
    });

    it("releases an event id that was never claimed without failing", async () => {
      // Act
      const released = store.releaseEvent("eb-never", "no-token");

      // Assess
      await expect(released).resolves.toBeUndefined();
    });
  });

  describe("record and since", () => {
    it("returns a subject's calls from a time on, oldest first", async () => {
      // Prepare
      for (const [id, minute] of [
        ["e3", 3],
        ["e1", 1],
        ["e5", 5],
        ["e0", 0],
        ["e4", 4],
      ] as const) {
        await store.record("denied|alice", record(id, minute, { n: minute }), T0 + 6 * MINUTE);
      }

      // Act
      const calls = await store.since("denied|alice", T0 + 1 * MINUTE);

      // Assess
      expect(calls.map((c) => c.eventId)).toEqual(["e1", "e3", "e4", "e5"]);
      expect(calls[0]).toEqual(record("e1", 1, { n: 1 }));
    });

    it("includes a call made exactly at `since`", async () => {
      // Prepare
      await store.record("denied|alice", record("edge", 10), T0 + 10 * MINUTE);

      // Act
      const [at, after] = [await store.since("denied|alice", T0 + 10 * MINUTE), await store.since("denied|alice", T0 + 10 * MINUTE + 1)];

      // Assess
      expect(at.map((c) => c.eventId)).toEqual(["edge"]);
      expect(after).toEqual([]);
    });

    it("records the same event id once", async () => {
      // Prepare
      const entry = record("eb-dup", 2, { eventName: "DeleteBroker" });

      // Act
      await store.record("denied|alice", entry, T0 + 2 * MINUTE);
      await store.record("denied|alice", structuredClone(entry), T0 + 3 * MINUTE);

      // Assess
      expect(await store.since("denied|alice", 0)).toEqual([entry]);
    });

    it("changes nothing when the same event id is recorded again at another time", async () => {
      // Prepare: handleApiEvent dates a call without a readable time at the clock's now, so a
      // delivery retried a minute later records the same event id with another time.
      const first = { eventId: "eb-1", at: 1_000_000, payload: { n: 1 } };
      await store.record(deniedSubject("alice"), first, 1_000_000);

      // Act
      await store.record(deniedSubject("alice"), { eventId: "eb-1", at: 1_060_000, payload: { n: 1 } }, 1_060_000);

      // Assess: ApiActivityStore.record: "recording the same event id again changes nothing"
      expect(await store.since(deniedSubject("alice"), 0)).toEqual([first]);
    });

    it("keeps subjects apart, including subjects that are prefixes of each other", async () => {
      // Prepare
      await store.record("denied|arn:aws:iam::1:user/a", record("e-a", 1), T0);
      await store.record("denied|arn:aws:iam::1:user/ab", record("e-ab", 1), T0);
      await store.record("risky|risky-change|orders|CreateUser", record("e-r", 1), T0);

      // Act
      const a = await store.since("denied|arn:aws:iam::1:user/a", 0);
      const ab = await store.since("denied|arn:aws:iam::1:user/ab", 0);
      const unknown = await store.since("denied|nobody", 0);

      // Assess
      expect(a.map((c) => c.eventId)).toEqual(["e-a"]);
      expect(ab.map((c) => c.eventId)).toEqual(["e-ab"]);
      expect(unknown).toEqual([]);
    });

    it("keeps a call's payload as it was recorded", async () => {
      // Prepare
      const payload = {
        eventName: "DeleteBroker",
        brokerId: "b-1",
        readOnly: false,
        userAgent: "<!channel> & co",
        nested: { n: 1.5 },
        none: null,
      };

      // Act
      await store.record("denied|alice", record("e-payload", 1, payload), T0);
      payload.eventName = "changed afterwards";

      // Assess
      const [stored] = await store.since("denied|alice", 0);
      expect(stored?.payload).toEqual({ ...payload, eventName: "DeleteBroker" });
    });
  });
});

describe("DynamoDbApiActivityStore", () => {
  let tableName: string;
  let store: DynamoDbApiActivityStore;

  beforeEach(async () => {
    tableName = await createIncidentsTable(dynamo().client);
    store = new DynamoDbApiActivityStore(dynamo().client, tableName, new TestClock());
  });

  async function itemsOf(pk: string) {
    const page = await dynamo().client.send(
      new QueryCommand({ TableName: tableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: pk } } }),
    );
    return page.Items ?? [];
  }

  it("reads a subject's calls across pages", async () => {
    // Prepare: ~1.5 MB of calls, more than one Query page (1 MB)
    const big = "x".repeat(60_000);
    for (let i = 0; i < 25; i++) await store.record("denied|bulk", record(`e${String(i).padStart(2, "0")}`, i, { big }), T0);
    const queriesBefore = dynamo().operations.filter((op) => op === "Query").length;

    // Act
    const calls = await store.since("denied|bulk", 0);

    // Assess
    expect(calls).toHaveLength(25);
    expect(calls.map((c) => c.at)).toEqual([...calls.map((c) => c.at)].sort((a, b) => a - b));
    expect(dynamo().operations.filter((op) => op === "Query").length - queriesBefore).toBeGreaterThan(1);
  });

  it("sets expiresAt on seen event ids and on recorded calls", async () => {
    // Prepare
    const now = T0 + 7 * MINUTE;

    // Act
    await store.claimEvent("eb-ttl", now, MINUTE);
    await store.record("denied|ttl", record("eb-ttl", 7), now);

    // Assess
    const [seen] = await itemsOf("EVENT#eb-ttl");
    const [call] = await itemsOf("CALLS#denied|ttl");
    const expected = Math.floor(now / 1000) + 2 * DAY_SECONDS;
    expect(Number(seen?.expiresAt?.N)).toBe(expected);
    expect(Number(call?.expiresAt?.N)).toBe(expected);
  });

  it("counts an event id written before claims had leases (no state) as done", async () => {
    // Prepare: the item an earlier version wrote for a processed event
    await dynamo().client.send(
      new PutItemCommand({ TableName: tableName, Item: { pk: { S: "EVENT#eb-old" }, sk: { S: "SEEN" }, expiresAt: { N: "1900000000" } } }),
    );

    // Act
    const claim = await store.claimEvent("eb-old", T0, MINUTE);

    // Assess
    expect(claim).toEqual({ status: "done" });
  });

  it("uses only the calls the api-activity role may make (PutItem, GetItem, DeleteItem, Query)", async () => {
    // Prepare
    const before = dynamo().operations.length;

    // Act
    const first = await store.claimEvent("eb-iam", T0, MINUTE);
    await store.claimEvent("eb-iam", T0 + 1, MINUTE);
    if (first.status === "claimed") {
      await store.completeEvent("eb-iam", first.token, T0 + 2);
      await store.releaseEvent("eb-iam", first.token);
    }
    await store.record("denied|iam", record("eb-iam", 0), T0);
    await store.since("denied|iam", 0);

    // Assess
    expect(new Set(dynamo().operations.slice(before))).toEqual(new Set(["PutItem", "GetItem", "DeleteItem", "Query"]));
  });

  it("rethrows a failure that is not a lost race", async () => {
    // Prepare: a table that does not exist
    const broken = new DynamoDbApiActivityStore(dynamo().client, "no-such-table", new TestClock());

    // Act
    const claim = broken.claimEvent("eb-1", T0, MINUTE);

    // Assess
    await expect(claim).rejects.toThrow(/PutItem/);
  });
});
