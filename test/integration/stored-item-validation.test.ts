import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoDbApiActivityStore } from "../../shared/adapters/dynamodb-api-activity-store";
import { DynamoDbApprovalStore } from "../../shared/adapters/dynamodb-approval-store";
import { DynamoDbIncidentStore } from "../../shared/adapters/dynamodb-incident-store";
import { DynamoDbOptInRecords } from "../../shared/adapters/dynamodb-opt-in-records";
import { DynamoDbRemediationLedger } from "../../shared/adapters/dynamodb-remediation-ledger";
import { DynamoDbSilenceStore } from "../../shared/adapters/dynamodb-silence-store";
import { documentClient } from "../../shared/adapters/dynamodb-table";
import { RecordingLog } from "../../shared/adapters/recording-log";
import { RecordingNotifier } from "../../shared/adapters/recording-notifier";
import { deliverNotifications } from "../../shared/app/deliver-notifications";
import { DEFAULT_CONFIG } from "../../shared/core/config";
import type { Incident, PendingNotification } from "../../shared/core/incidents";
import { NewerStoredItemError, StoredItemError } from "../../shared/errors";
import { T0, TestClock } from "../support/clock";
import { createIncidentsTable, type LocalDynamo, startDynalite } from "./dynamodb-table";
import { anIncident } from "./incident-fixtures";

/**
 * What the DynamoDB stores do with what they read back: every item type is checked against its schema,
 * items written before items carried a `schemaVersion` still read, an item of a newer release is refused,
 * and a damaged incident in a listing costs only itself.
 */

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.stop();
});

/** A fresh table, and a raw put on it: items as another release (or a person in the console) wrote them. */
async function table(): Promise<{ name: string; putRaw: (item: Record<string, unknown>) => Promise<void> }> {
  const name = await createIncidentsTable(dynamo.client);
  const doc = documentClient(dynamo.client);
  return { name, putRaw: async (item) => void (await doc.send(new PutCommand({ TableName: name, Item: item }))) };
}

/**
 * Stores an incident through the store, then rewrites its item as `change` says: an item as another
 * release (or a person in the console) left it.
 */
async function storeTampered(
  store: DynamoDbIncidentStore,
  tableName: string,
  incident: Incident,
  change: (item: Record<string, unknown>) => Record<string, unknown>,
): Promise<void> {
  await store.save(incident, 0);
  const doc = documentClient(dynamo.client);
  const key = { pk: `INCIDENT#${incident.fingerprint}`, sk: "CURRENT" };
  const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: key }));
  await doc.send(new PutCommand({ TableName: tableName, Item: change(Item ?? {}) }));
}

/** The item with other `data` (and attributes). */
function withData(data: unknown, attributes: Record<string, unknown> = {}) {
  return (item: Record<string, unknown>) => ({ ...item, data: JSON.stringify(data), ...attributes });
}

/** A notification waiting on channel `message` since `T0`. */
function waiting(incident: Pick<Incident, "id">): PendingNotification {
  return {
    id: `${incident.id}#1`,
    transition: "opened",
    reason: "first",
    createdAt: T0,
    channels: { message: "pending" },
    attempts: 0,
    notBefore: 0,
    leaseUntil: 0,
  };
}

/** An incident using every optional part of the type: noise memory, a Slack message with a pending approval, a remediation note. */
function aFullIncident(): Incident {
  const base = anIncident();
  const approval = {
    id: `${base.id}#29000000`,
    expiresAt: T0 + 900_000,
    approvers: ["U123", "S456"],
    blastRadius: { connections: 12, consumers: 3, queues: 40, activeNode: "o-1", nodes: ["o-1", "o-2"], standby: "o-2" },
    guards: [{ guard: "cooldown", ok: true, detail: "no reboot in 6 hours" }],
    lastReboot: null,
  };
  return {
    ...base,
    closeReason: null,
    mutedAt: null,
    route: "payments",
    messages: { slack: { channel: "C1", ts: "1700000000.000100", approval } },
    noise: {
      level: 2,
      changes: [{ at: T0, from: 0, to: 2 }],
      lowerSince: null,
      flapping: false,
      flappingSince: null,
      opens: [T0],
      peak: { value: 91, at: T0 },
      gauge: { label: "CPU", unit: "%", warning: 80, critical: 90 },
      windowMinutes: 60,
    },
    notified: { at: T0, severity: "warning" },
    outbox: [
      {
        ...waiting(base),
        previousSeverity: "info",
        flap: "started",
        remediation: { action: "reboot-broker", outcome: "awaiting-approval", reason: "asked", approval },
        lastError: "HTTP 503",
      },
    ],
  };
}

describe("stored items", () => {
  it("reads back every item type the stores write, with all of their fields", async () => {
    // Prepare
    const { name } = await table();
    const clock = new TestClock();
    const incidents = new DynamoDbIncidentStore(dynamo.client, name, clock);
    const silences = new DynamoDbSilenceStore(dynamo.client, name, clock);
    const approvals = new DynamoDbApprovalStore(dynamo.client, name, clock);
    const activity = new DynamoDbApiActivityStore(dynamo.client, name, clock);
    const optIns = new DynamoDbOptInRecords(dynamo.client, name, clock);
    const ledger = new DynamoDbRemediationLedger(dynamo.client, name, clock);
    const incident = aFullIncident();
    const silence = { id: "s-1", broker: "orders", startsAt: T0, endsAt: T0 + 3_600_000, comment: "maintenance", createdBy: "ops" };
    const request = {
      id: "inc-1#1",
      incidentId: "inc-1",
      fingerprint: incident.fingerprint,
      broker: "orders",
      brokerId: "b-1",
      requestedAt: T0,
      expiresAt: T0 + 900_000,
      status: "pending" as const,
    };
    const answer = { approvalId: request.id, action: "approve" as const, user: "U123", at: T0 };
    const call = { eventId: "e-1", at: T0, payload: { principal: "arn:aws:iam::1:user/x", eventName: "RebootBroker" } };
    const optIn = { brokerId: "b-1", broker: "orders", optedIn: true, since: T0, source: "inventory" };
    const record = {
      id: "r-1",
      at: T0,
      incidentId: "inc-1",
      broker: "orders",
      brokerId: "b-1",
      action: "reboot-broker" as const,
      outcome: "executed" as const,
      reason: "rebooted orders",
    };
    const verification = {
      brokerId: "b-1",
      broker: "orders",
      incidentId: "inc-1",
      fingerprint: incident.fingerprint,
      rebootedAt: T0,
      verifyBy: T0 + 600_000,
      runningAt: T0 + 60_000,
      escalation: { at: T0 + 600_000, reason: "still stalled" },
    };

    // Act
    await incidents.save(incident, 0);
    await silences.add(silence);
    await approvals.create(request);
    await approvals.recordAnswer(answer);
    await activity.record("CALLS-OF-X", call, T0);
    await optIns.record(optIn);
    await ledger.record(record);
    await ledger.addVerification(verification);
    await ledger.hold("b-1", "orders", "reboot did not help");
    await ledger.lockBroker("b-1", T0, T0 + 3_600_000);
    await ledger.takeBudget(T0, 3);

    // Assess
    expect(await incidents.get(incident.fingerprint)).toEqual(incident);
    expect(await incidents.loadActive()).toEqual([incident]);
    expect(await silences.active(T0)).toEqual([silence]);
    expect(await approvals.get(request.id)).toEqual(request);
    expect(await approvals.answerOf(request.id)).toEqual(answer);
    expect(await activity.since("CALLS-OF-X", T0)).toEqual([call]);
    expect((await optIns.get(["b-1"])).get("b-1")).toEqual(optIn);
    expect(await ledger.history(T0)).toEqual([record]);
    expect(await ledger.pendingVerifications()).toEqual([verification]);
    expect(await ledger.holds()).toEqual([{ brokerId: "b-1", broker: "orders", reason: "reboot did not help", at: clock.now() }]);
    expect(await ledger.lastRebootAt("b-1")).toBe(T0);
    expect(await ledger.rebootsSince(T0 - 1)).toBe(1);
  });

  it("refuses an incident with a field of the wrong kind, naming the field and not its value", async () => {
    // Prepare
    const { name } = await table();
    const store = new DynamoDbIncidentStore(dynamo.client, name, new TestClock());
    const incident = anIncident();
    await storeTampered(
      store,
      name,
      incident,
      withData({ ...incident, status: "<!channel> exploded", evidence: { backlog: { nested: "x" } } }),
    );

    // Act
    const read = store.get(incident.fingerprint);

    // Assess
    const error = await read.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoredItemError);
    expect(error).toMatchObject({
      table: name,
      key: `INCIDENT#${incident.fingerprint}/CURRENT`,
      itemType: "incident",
      problems: [expect.stringMatching(/^data\.status: /), expect.stringMatching(/^data\.evidence\.backlog: /)],
    });
    expect((error as Error).message).not.toContain("exploded");
    expect((error as Error).message).not.toContain("<!channel>");
  });

  it("refuses an item whose data is not JSON", async () => {
    // Prepare
    const { name } = await table();
    const store = new DynamoDbIncidentStore(dynamo.client, name, new TestClock());
    const incident = anIncident();
    await storeTampered(store, name, incident, (item) => ({ ...item, data: "{ not json <!here>" }));

    // Act
    const read = store.get(incident.fingerprint);

    // Assess
    await expect(read).rejects.toThrow(StoredItemError);
    await expect(read).rejects.toMatchObject({ problems: ["data: not JSON"] });
    await expect(read).rejects.not.toThrow("<!here>");
  });

  it("refuses an item kept as attributes (a reboot lock) with a field of the wrong type", async () => {
    // Prepare
    const { name, putRaw } = await table();
    const ledger = new DynamoDbRemediationLedger(dynamo.client, name, new TestClock());
    await putRaw({ pk: "REBOOT#b-1", sk: "LOCK", takenAt: "yesterday", lockedUntil: T0 });

    // Act
    const read = ledger.lastRebootAt("b-1");

    // Assess
    await expect(read).rejects.toMatchObject({
      itemType: "reboot lock",
      key: "REBOOT#b-1/LOCK",
      problems: [expect.stringMatching(/^takenAt: /)],
    });
  });

  it("reads items written before items carried a schemaVersion as version 1", async () => {
    // Prepare
    const { name, putRaw } = await table();
    const clock = new TestClock();
    const incidents = new DynamoDbIncidentStore(dynamo.client, name, clock);
    const optIns = new DynamoDbOptInRecords(dynamo.client, name, clock);
    const incident = anIncident({ outbox: [] });
    await storeTampered(incidents, name, incident, ({ schemaVersion: _, ...unversioned }) => unversioned);
    await putRaw({ pk: "OPTIN#b-1", sk: "CURRENT", brokerId: "b-1", broker: "orders", optedIn: true, source: "inventory" });

    // Act
    const read = await incidents.get(incident.fingerprint);
    const active = await incidents.loadActive();
    const optIn = await optIns.get(["b-1"]);

    // Assess
    expect(read).toEqual(incident);
    expect(active).toEqual([incident]);
    expect(optIn.get("b-1")).toEqual({ brokerId: "b-1", broker: "orders", optedIn: true, since: null, source: "inventory" });
  });

  it("refuses an item written by a newer mq-sentinel", async () => {
    // Prepare
    const { name } = await table();
    const store = new DynamoDbIncidentStore(dynamo.client, name, new TestClock());
    const incident = anIncident();
    await storeTampered(store, name, incident, withData({ ...incident, renamedField: 1 }, { schemaVersion: 2 }));

    // Act
    const read = store.get(incident.fingerprint);

    // Assess
    await expect(read).rejects.toThrow(NewerStoredItemError);
    await expect(read).rejects.toThrow("written by a newer mq-sentinel");
    await expect(read).rejects.toMatchObject({ version: 2, known: 1, key: `INCIDENT#${incident.fingerprint}/CURRENT` });
  });

  it("refuses an item whose schemaVersion is not a version number", async () => {
    // Prepare
    const { name, putRaw } = await table();
    const store = new DynamoDbSilenceStore(dynamo.client, name, new TestClock());
    const silence = { id: "s-1", startsAt: T0, endsAt: T0 + 60_000, comment: "c", createdBy: "ops" };
    await putRaw({ pk: "SILENCE", sk: "s-1", endsAt: silence.endsAt, data: JSON.stringify(silence), schemaVersion: "1" });

    // Act
    const read = store.active(T0);

    // Assess
    await expect(read).rejects.toMatchObject({ itemType: "silence", problems: ["schemaVersion: not a version number"] });
  });

  it("writes the schemaVersion when a silence is ended", async () => {
    // Prepare
    const { name, putRaw } = await table();
    const store = new DynamoDbSilenceStore(dynamo.client, name, new TestClock());
    const silence = { id: "s-1", startsAt: T0, endsAt: T0 + 60_000, comment: "c", createdBy: "ops" };
    // As the previous release wrote it: no schemaVersion.
    await putRaw({ pk: "SILENCE", sk: "s-1", endsAt: silence.endsAt, data: JSON.stringify(silence) });

    // Act
    const ended = await store.expire("s-1", T0 + 1_000);

    // Assess
    expect(ended).toBe(true);
    const stored = await documentClient(dynamo.client).send(new GetCommand({ TableName: name, Key: { pk: "SILENCE", sk: "s-1" } }));
    expect(stored.Item).toMatchObject({ endsAt: T0 + 1_000, schemaVersion: 1 });
  });

  describe("a damaged incident among several", () => {
    it("fails a listing that asked for every item", async () => {
      // Prepare
      const { name } = await table();
      const store = new DynamoDbIncidentStore(dynamo.client, name, new TestClock());
      const damaged = anIncident();
      await store.save(anIncident(), 0);
      await storeTampered(store, name, damaged, withData({ ...damaged, severity: "apocalyptic" }));

      // Act
      const read = store.loadActive();

      // Assess
      await expect(read).rejects.toThrow(StoredItemError);
    });

    it("is handed to the listing's skip and the others are returned", async () => {
      // Prepare
      const { name } = await table();
      const store = new DynamoDbIncidentStore(dynamo.client, name, new TestClock());
      const good = [anIncident({ outbox: [] }), anIncident({ outbox: [] })];
      for (const incident of good) await store.save(incident, 0);
      const damaged = anIncident();
      await storeTampered(store, name, damaged, withData({ ...damaged, severity: "apocalyptic" }));
      const skipped: StoredItemError[] = [];

      // Act
      const active = await store.loadActive((error) => skipped.push(error));

      // Assess
      expect(active).toHaveLength(2);
      expect(active).toEqual(expect.arrayContaining(good));
      expect(skipped).toHaveLength(1);
      expect(skipped[0]).toMatchObject({
        key: `INCIDENT#${damaged.fingerprint}/CURRENT`,
        problems: [expect.stringMatching(/^data\.severity: /)],
      });
    });

    it("does not stop the other incidents' notifications, and is logged and counted as a handled error", async () => {
      // Prepare
      const { name } = await table();
      const clock = new TestClock();
      const log = new RecordingLog();
      const store = new DynamoDbIncidentStore(dynamo.client, name, clock);
      const notifier = new RecordingNotifier("message");
      const good = [anIncident(), anIncident()].map((i) => ({ ...i, outbox: [waiting(i)] }));
      for (const incident of good) await store.save(incident, 0);
      const damaged = anIncident();
      const outbox = [{ ...waiting(damaged), channels: { message: 42 } }];
      await storeTampered(store, name, { ...damaged, outbox: [waiting(damaged)] }, withData({ ...damaged, outbox }));

      // Act
      const report = await deliverNotifications({
        incidents: store,
        notifiers: [notifier],
        silences: new DynamoDbSilenceStore(dynamo.client, name, clock),
        clock,
        log,
        config: DEFAULT_CONFIG,
        links: { accountId: "123456789012", region: "us-east-1", brokerIds: {} },
      });

      // Assess
      expect(notifier.messages.flatMap((m) => m.incidentIds).sort()).toEqual(good.map((i) => i.id).sort());
      // Read twice (the active incidents, then those with pending notifications): counted each time.
      expect(report.errors).toEqual([
        expect.stringContaining(`unreadable item skipped: incident INCIDENT#${damaged.fingerprint}/CURRENT`),
        expect.stringContaining(`unreadable item skipped: incident INCIDENT#${damaged.fingerprint}/CURRENT`),
      ]);
      expect(report.errors[0]).toContain("data.outbox.0.channels.message: ");
      expect(log.entries.filter((e) => e.level === "error").map((e) => e.message)).toEqual(report.errors);
    });
  });
});
