import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoDbIncidentStore } from "../../shared/adapters/dynamodb-incident-store";
import { ServiceCallError } from "../../shared/errors";
import { TestClock } from "../support/clock";
import { createIncidentsTable, type LocalDynamo, startDynalite } from "./dynamodb-table";
import { anIncident, nextVersion } from "./incident-fixtures";

const DAY_SECONDS = 86_400;

let dynamo: LocalDynamo;
let tableName: string;
let clock: TestClock;
let store: DynamoDbIncidentStore;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.stop();
});

beforeEach(async () => {
  tableName = await createIncidentsTable(dynamo.client);
  clock = new TestClock();
  store = new DynamoDbIncidentStore(dynamo.client, tableName, clock);
});

/** The raw item stored for a fingerprint. */
async function storedItem(fingerprint: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await DynamoDBDocumentClient.from(dynamo.client).send(
    new GetCommand({ TableName: tableName, Key: { pk: `INCIDENT#${fingerprint}`, sk: "CURRENT" }, ConsistentRead: true }),
  );
  return Item;
}

/** What only the DynamoDB store shows: its items, their TTL, paging and errors (the shared rules are in the contract test). */
describe("DynamoDbIncidentStore", () => {
  it("loads back an incident it saved, field for field", async () => {
    // Prepare
    const incident = anIncident({ severity: "critical", peakSeverity: "critical" });

    // Act
    const saved = await store.save(incident, 0);
    const active = await store.loadActive();

    // Assess
    expect(saved).toBe(true);
    expect(active).toEqual([incident]);
  });

  it("stores one item per fingerprint with the attributes its conditions and index read", async () => {
    // Prepare
    const incident = anIncident();

    // Act
    await store.save(incident, 0);

    // Assess
    expect(await storedItem(incident.fingerprint)).toEqual({
      pk: `INCIDENT#${incident.fingerprint}`,
      sk: "CURRENT",
      activeKey: "ACTIVE",
      id: incident.id,
      kind: incident.kind,
      broker: incident.broker,
      status: "open",
      version: 1,
      writeToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
      data: JSON.stringify(incident),
      schemaVersion: 1,
    });
  });

  it("refuses an update of a fingerprint it has never stored", async () => {
    // Prepare
    const incident = anIncident({ version: 2 });

    // Act
    const saved = await store.save(incident, 1);

    // Assess
    expect(saved).toBe(false);
    expect(await storedItem(incident.fingerprint)).toBeUndefined();
  });

  it("drops a resolved incident from the active ones and stamps it to expire in 30 days", async () => {
    // Prepare
    const open = anIncident();
    await store.save(open, 0);
    clock.advance(90 * 60_000);
    const resolved = nextVersion(open, { status: "resolved", resolvedAt: clock.now() });

    // Act
    const saved = await store.save(resolved, 1);

    // Assess
    expect(saved).toBe(true);
    expect(await store.loadActive()).toEqual([]);
    const item = await storedItem(open.fingerprint);
    expect(item).not.toHaveProperty("activeKey");
    expect(item).toMatchObject({ status: "resolved", version: 2, expiresAt: Math.floor(clock.now() / 1000) + 30 * DAY_SECONDS });
  });

  it("drops a dismissed pending incident from the active ones", async () => {
    // Prepare
    const pending = anIncident({ status: "pending", openedAt: null });
    await store.save(pending, 0);

    // Act
    await store.save(nextVersion(pending, { status: "dismissed", resolvedAt: clock.now() }), 1);

    // Assess
    expect(await store.loadActive()).toEqual([]);
    expect(await storedItem(pending.fingerprint)).toHaveProperty("expiresAt");
  });

  it("accepts a new incident for a fingerprint whose last incident is resolved", async () => {
    // Prepare
    const old = anIncident({ resource: "orders" });
    await store.save(old, 0);
    await store.save(nextVersion(old, { status: "resolved", resolvedAt: clock.now() }), 1);
    const reopened = anIncident({ resource: "orders", firstSeenAt: clock.now() + 600_000 });

    // Act
    const saved = await store.save(reopened, 0);

    // Assess
    expect(saved).toBe(true);
    expect(await store.loadActive()).toEqual([reopened]);
    expect(await storedItem(reopened.fingerprint)).not.toHaveProperty("expiresAt");
  });

  it("lets exactly one of 20 concurrent writers update the same version", async () => {
    // Prepare
    const v1 = anIncident();
    await store.save(v1, 0);
    const contenders = Array.from({ length: 20 }, (_, i) => nextVersion(v1, { summary: `writer ${i}` }));

    // Act
    const results = await Promise.all(contenders.map((incident) => store.save(incident, 1)));

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.loadActive()).toEqual([contenders[results.indexOf(true)]]);
  });

  it("pages through the active index when the incidents exceed one 1 MB page", async () => {
    // Prepare: ~14 KB per incident, so 100 incidents need two Query pages.
    const padding = "x".repeat(14_000);
    const incidents = Array.from({ length: 100 }, (_, i) =>
      anIncident({ resource: `queue-${String(i).padStart(3, "0")}`, summary: padding }),
    );
    for (const incident of incidents) await store.save(incident, 0);
    const queriesBefore = dynamo.operations.filter((op) => op === "Query").length;

    // Act
    const active = await store.loadActive();

    // Assess
    const queries = dynamo.operations.filter((op) => op === "Query").length - queriesBefore;
    expect(queries).toBeGreaterThanOrEqual(2);
    expect(active).toHaveLength(100);
    expect(new Set(active.map((i) => i.id))).toEqual(new Set(incidents.map((i) => i.id)));
  });

  it("throws a ServiceCallError, not a lost race, when the table cannot be written", async () => {
    // Prepare
    const missing = new DynamoDbIncidentStore(dynamo.client, "no-such-table", clock);

    // Act
    const outcome = missing.save(anIncident(), 0);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ServiceCallError);
    await expect(outcome).rejects.toMatchObject({ operation: "dynamodb:PutItem", errorName: "ResourceNotFoundException" });
  });
});
