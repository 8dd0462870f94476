import { DynamoDbIncidentStore } from "../../shared/adapters/dynamodb-incident-store";
import { MemoryIncidentStore } from "../../shared/adapters/memory-incident-store";
import type { IncidentStore } from "../../shared/ports";
import { TestClock } from "../support/clock";
import { contractImplementations, useDynalite } from "./dynamodb-table";
import { anIncident, nextVersion } from "./incident-fixtures";

/**
 * The `IncidentStore` contract, run against every implementation: replay and the tests of the use
 * cases rely on the memory store behaving exactly as the DynamoDB one does in production.
 */

const implementations = contractImplementations<IncidentStore>(
  useDynalite(),
  ["DynamoDbIncidentStore", (client, tableName) => new DynamoDbIncidentStore(client, tableName, new TestClock())],
  ["MemoryIncidentStore", () => new MemoryIncidentStore()],
);

describe.each(implementations)("%s", (_name, createStore) => {
  let store: IncidentStore;

  beforeEach(async () => {
    store = await createStore();
  });

  it("has no active incidents when empty", async () => {
    // Act
    const active = await store.loadActive();

    // Assess
    expect(active).toEqual([]);
  });

  it("loads back the pending and open incidents it saved", async () => {
    // Prepare
    const open = anIncident();
    const pending = anIncident({ status: "pending", openedAt: null });

    // Act
    const saved = [await store.save(open, 0), await store.save(pending, 0)];

    // Assess
    expect(saved).toEqual([true, true]);
    const active = await store.loadActive();
    expect(active).toHaveLength(2);
    expect(active).toEqual(expect.arrayContaining([open, pending]));
  });

  it("refuses a new incident while the fingerprint has an open one", async () => {
    // Prepare
    const first = anIncident({ resource: "orders" });
    await store.save(first, 0);

    // Act
    const saved = await store.save(anIncident({ resource: "orders" }), 0);

    // Assess
    expect(saved).toBe(false);
    expect(await store.loadActive()).toEqual([first]);
  });

  it("refuses a new incident while the fingerprint has a pending one", async () => {
    // Prepare
    const pending = anIncident({ resource: "orders", status: "pending", openedAt: null });
    await store.save(pending, 0);

    // Act
    const saved = await store.save(anIncident({ resource: "orders" }), 0);

    // Assess
    expect(saved).toBe(false);
    expect(await store.loadActive()).toEqual([pending]);
  });

  it("accepts new incidents for different fingerprints side by side", async () => {
    // Prepare
    const orders = anIncident({ resource: "orders" });
    const payments = anIncident({ resource: "payments" });
    await store.save(orders, 0);

    // Act
    const saved = await store.save(payments, 0);

    // Assess
    expect(saved).toBe(true);
    expect(await store.loadActive()).toEqual(expect.arrayContaining([orders, payments]));
  });

  it("accepts a write over the current version and refuses one over a stale version", async () => {
    // Prepare
    const v1 = anIncident();
    await store.save(v1, 0);
    const v2 = nextVersion(v1, { severity: "critical", peakSeverity: "critical" });
    await store.save(v2, 1);

    // Act
    const stale = await store.save(nextVersion(v1, { summary: "late writer" }), 1);
    const current = await store.save(nextVersion(v2, { summary: "up to date" }), 2);

    // Assess
    expect(stale).toBe(false);
    expect(current).toBe(true);
    expect(await store.loadActive()).toEqual([nextVersion(v2, { summary: "up to date" })]);
  });

  it("refuses an update for a fingerprint it has never stored", async () => {
    // Act
    const saved = await store.save(anIncident({ version: 4 }), 3);

    // Assess
    expect(saved).toBe(false);
    expect(await store.loadActive()).toEqual([]);
  });

  it.each(["resolved", "dismissed"] as const)("leaves a %s incident out of the active ones", async (status) => {
    // Prepare
    const incident = anIncident();
    await store.save(incident, 0);

    // Act
    const saved = await store.save(nextVersion(incident, { status, resolvedAt: incident.firstSeenAt + 600_000 }), 1);

    // Assess
    expect(saved).toBe(true);
    expect(await store.loadActive()).toEqual([]);
  });

  it("accepts a new incident for a fingerprint once its last one is resolved", async () => {
    // Prepare
    const old = anIncident({ resource: "orders" });
    await store.save(old, 0);
    await store.save(nextVersion(old, { status: "resolved", resolvedAt: old.firstSeenAt + 600_000 }), 1);
    const reopened = anIncident({ resource: "orders", firstSeenAt: old.firstSeenAt + 900_000 });

    // Act
    const saved = await store.save(reopened, 0);

    // Assess
    expect(saved).toBe(true);
    expect(await store.loadActive()).toEqual([reopened]);
  });

  it("re-opens a resolved incident over its version (the same id), once, and lists it as active again", async () => {
    // Prepare
    const first = anIncident({ resource: "orders" });
    await store.save(first, 0);
    const resolved = nextVersion(first, { status: "resolved", resolvedAt: first.firstSeenAt + 600_000 });
    await store.save(resolved, 1);
    const again = nextVersion(resolved, { status: "open", resolvedAt: null, openedAt: first.firstSeenAt + 900_000 });

    // Act
    const saved = await store.save(again, resolved.version);
    const twice = await store.save(nextVersion(resolved, { status: "open", summary: "a second writer" }), resolved.version);

    // Assess
    expect([saved, twice]).toEqual([true, false]);
    expect(await store.loadActive()).toEqual([again]);
    expect((await store.get(first.fingerprint))?.id).toBe(first.id);
  });

  it("lets exactly one of 20 concurrent writers open an incident for a fingerprint", async () => {
    // Prepare
    const contenders = Array.from({ length: 20 }, (_, i) => anIncident({ resource: "orders", summary: `writer ${i}` }));

    // Act
    const results = await Promise.all(contenders.map((incident) => store.save(incident, 0)));

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.loadActive()).toEqual([contenders[results.indexOf(true)]]);
  });

  it("is not changed by edits to an incident after it was saved or loaded", async () => {
    // Prepare
    const incident = anIncident();
    const original = structuredClone(incident);
    await store.save(incident, 0);

    // Act
    incident.summary = "edited after save";
    const [loaded] = await store.loadActive();
    if (loaded) loaded.summary = "edited after load";

    // Assess
    expect(await store.loadActive()).toEqual([original]);
  });
});
