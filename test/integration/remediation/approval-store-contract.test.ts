import { DynamoDbApprovalStore } from "../../../shared/adapters/dynamodb-approval-store";
import { INTERACTION_MEMORY_MS, MemoryApprovalStore } from "../../../shared/adapters/memory-approval-store";
import type { ApprovalRequest, ApprovalStore } from "../../../shared/ports";
import { MINUTE, TestClock } from "../../support/clock";
import { contractImplementations, useDynalite } from "../dynamodb-table";

/**
 * The ApprovalStore contract, against dynalite and against the memory store: a request is created
 * once, settled once (pending -> done or expired), answered once (the first answer stands), and a
 * signed Slack interaction is accepted once within Slack's replay window.
 */

const T = Date.UTC(2026, 11, 2, 9, 0, 0);

const implementations = contractImplementations<ApprovalStore>(
  useDynalite(),
  ["DynamoDbApprovalStore", (client, tableName) => new DynamoDbApprovalStore(client, tableName, new TestClock(T))],
  ["MemoryApprovalStore", () => new MemoryApprovalStore()],
);

function aRequest(id: string, requestedAt = T): ApprovalRequest {
  return {
    id,
    incidentId: id.split("#")[0] ?? id,
    fingerprint: "consumer-lag|orders|work",
    broker: "orders",
    brokerId: "b-orders",
    requestedAt,
    expiresAt: requestedAt + 30 * MINUTE,
    status: "pending",
  };
}

describe.each(implementations)("%s", (_name, make) => {
  it("creates a request once and lists the pending ones, oldest first", async () => {
    // Prepare
    const store = await make();
    // Act
    const created = [
      await store.create(aRequest("inc-2#5", T + 5 * MINUTE)),
      await store.create(aRequest("inc-1#1", T + MINUTE)),
      await store.create(aRequest("inc-1#1", T + 9 * MINUTE)),
    ];
    // Assess
    expect(created).toEqual([true, true, false]);
    expect((await store.pending()).map((r) => r.id)).toEqual(["inc-1#1", "inc-2#5"]);
    expect(await store.get("inc-1#1")).toEqual(aRequest("inc-1#1", T + MINUTE));
    expect(await store.get("inc-9#9")).toBeNull();
  });

  it("settles a pending request once: the second settle, whichever, loses", async () => {
    // Prepare
    const store = await make();
    await store.create(aRequest("inc-1#1"));
    // Act
    const results = await Promise.all([store.settle("inc-1#1", "done"), store.settle("inc-1#1", "expired")]);
    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.pending()).toEqual([]);
    expect(await store.settle("inc-9#9", "done")).toBe(false);
  });

  it("keeps the first answer: two approvers at once record one", async () => {
    // Prepare
    const store = await make();
    await store.create(aRequest("inc-1#1"));
    // Act
    const results = await Promise.all([
      store.recordAnswer({ approvalId: "inc-1#1", action: "approve", user: "U1", at: T }),
      store.recordAnswer({ approvalId: "inc-1#1", action: "deny", user: "U2", at: T }),
    ]);
    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
    const answer = await store.answerOf("inc-1#1");
    expect(answer?.user).toBe(results[0] ? "U1" : "U2");
    expect(await store.answerOf("inc-2#2")).toBeNull();
  });

  it("accepts a signed interaction once within the replay window, and again after it", async () => {
    // Prepare
    const store = await make();
    // Act
    const first = await store.acceptInteractionOnce("v0=abc", T);
    const replayed = await store.acceptInteractionOnce("v0=abc", T + MINUTE);
    const other = await store.acceptInteractionOnce("v0=def", T + MINUTE);
    const muchLater = await store.acceptInteractionOnce("v0=abc", T + INTERACTION_MEMORY_MS + MINUTE);
    // Assess
    expect([first, replayed, other, muchLater]).toEqual([true, false, true, true]);
  });
});
