import { DynamoDbRemediationLedger } from "../../../shared/adapters/dynamodb-remediation-ledger";
import { MemoryRemediationLedger } from "../../../shared/adapters/memory-remediation-ledger";
import type { PendingVerification, RemediationLedger, RemediationRecord } from "../../../shared/ports";
import { MINUTE, TestClock } from "../../support/clock";
import { contractImplementations, useDynalite } from "../dynamodb-table";

/**
 * The RemediationLedger contract, against dynalite and against the memory ledger: the conditional
 * writes that keep a reboot single (the broker lock) and the fleet safe (the hourly budget), the
 * holds a person resets, the audit trail and the verifications.
 */

const T = Date.UTC(2026, 0, 15, 12, 0, 0);

interface Subject {
  ledger: RemediationLedger;
  clock: TestClock;
}

const implementations = contractImplementations<Subject>(
  useDynalite(),
  [
    "DynamoDbRemediationLedger",
    (client, tableName) => {
      const clock = new TestClock(T);
      return { ledger: new DynamoDbRemediationLedger(client, tableName, clock), clock };
    },
  ],
  [
    "MemoryRemediationLedger",
    () => {
      const clock = new TestClock(T);
      return { ledger: new MemoryRemediationLedger(clock), clock };
    },
  ],
);

function aRecord(at: number, overrides: Partial<RemediationRecord> = {}): RemediationRecord {
  return {
    id: `rec-${at - T}-${overrides.outcome ?? "executed"}`,
    at,
    incidentId: "inc-1",
    broker: "orders",
    brokerId: "b-orders",
    action: "reboot-broker",
    outcome: "executed",
    reason: "rebooted orders",
    ...overrides,
  };
}

function aVerification(brokerId: string, overrides: Partial<PendingVerification> = {}): PendingVerification {
  return {
    brokerId,
    broker: brokerId.replace(/^b-/, ""),
    incidentId: `inc-${brokerId}`,
    fingerprint: `consumer-lag|${brokerId.replace(/^b-/, "")}|orders.in`,
    rebootedAt: T,
    verifyBy: T + 20 * MINUTE,
    ...overrides,
  };
}

describe.each(implementations)("%s", (_, make) => {
  let ledger: RemediationLedger;
  let clock: TestClock;

  beforeEach(async () => {
    ({ ledger, clock } = await make());
  });

  describe("lockBroker", () => {
    it("gives the lock to exactly one of two concurrent reboots of one broker", async () => {
      // Act
      const taken = await Promise.all([
        ledger.lockBroker("b-orders", T, T + 60 * MINUTE),
        ledger.lockBroker("b-orders", T, T + 60 * MINUTE),
      ]);
      // Assess
      expect(taken.filter(Boolean)).toHaveLength(1);
      expect(await ledger.lastRebootAt("b-orders")).toBe(T);
    });

    it("gives the lock to exactly one of ten concurrent reboots of one broker", async () => {
      // Act
      const taken = await Promise.all(Array.from({ length: 10 }, (_, i) => ledger.lockBroker("b-orders", T + i, T + i + 60 * MINUTE)));
      // Assess
      expect(taken.filter(Boolean)).toHaveLength(1);
      expect(await ledger.lastRebootAt("b-orders")).toBe(T + taken.indexOf(true));
    });

    it("locks brokers independently", async () => {
      // Act
      const taken = await Promise.all([ledger.lockBroker("b-orders", T, T + MINUTE), ledger.lockBroker("b-payments", T, T + MINUTE)]);
      // Assess
      expect(taken).toEqual([true, true]);
    });

    it("refuses the lock until `until`, and gives it again from then on", async () => {
      // Prepare
      await ledger.lockBroker("b-orders", T, T + 60 * MINUTE);
      // Act
      const inside = await ledger.lockBroker("b-orders", T + 60 * MINUTE - 1, T + 120 * MINUTE);
      const atUntil = await ledger.lockBroker("b-orders", T + 60 * MINUTE, T + 120 * MINUTE);
      // Assess
      expect(inside).toBe(false);
      expect(atUntil).toBe(true);
      expect(await ledger.lastRebootAt("b-orders")).toBe(T + 60 * MINUTE);
    });

    it("knows no reboot of a broker it never locked", async () => {
      expect(await ledger.lastRebootAt("b-never")).toBeNull();
    });
  });

  describe("unlockBroker", () => {
    it("releases the lock taken at that time", async () => {
      // Prepare
      await ledger.lockBroker("b-orders", T, T + 60 * MINUTE);
      // Act
      await ledger.unlockBroker("b-orders", T);
      // Assess
      expect(await ledger.lastRebootAt("b-orders")).toBeNull();
      expect(await ledger.lockBroker("b-orders", T + MINUTE, T + 61 * MINUTE)).toBe(true);
    });

    it("leaves alone a lock taken at another time", async () => {
      // Prepare
      await ledger.lockBroker("b-orders", T, T + 10 * MINUTE);
      await ledger.lockBroker("b-orders", T + 10 * MINUTE, T + 70 * MINUTE);
      // Act
      await ledger.unlockBroker("b-orders", T);
      // Assess
      expect(await ledger.lastRebootAt("b-orders")).toBe(T + 10 * MINUTE);
      expect(await ledger.lockBroker("b-orders", T + 11 * MINUTE, T + 71 * MINUTE)).toBe(false);
    });

    it("does nothing when there is no lock", async () => {
      // Act
      await ledger.unlockBroker("b-orders", T);
      // Assess
      expect(await ledger.lastRebootAt("b-orders")).toBeNull();
    });
  });

  describe("takeBudget", () => {
    it("counts reboots up to the maximum, then refuses", async () => {
      // Act
      const taken = [await ledger.takeBudget(T, 2), await ledger.takeBudget(T + MINUTE, 2), await ledger.takeBudget(T + 2 * MINUTE, 2)];
      // Assess
      expect(taken).toEqual([true, true, false]);
      expect(await ledger.rebootsSince(T - 1)).toBe(2);
    });

    it("gives exactly the maximum to ten concurrent takers", async () => {
      // Act
      const taken = await Promise.all(Array.from({ length: 10 }, () => ledger.takeBudget(T, 2)));
      // Assess
      expect(taken.filter(Boolean)).toHaveLength(2);
      expect(await ledger.rebootsSince(T - 1)).toBe(2);
    });

    it("refuses at once when the maximum is 0", async () => {
      // ports.ts, takeBudget: "false when `max` is reached": the conditional write is the guard meant to
      // hold under races, so it refuses even where the policy would have refused first.
      // Act
      const taken = await ledger.takeBudget(T, 0);
      // Assess
      expect(taken).toBe(false);
      expect(await ledger.rebootsSince(0)).toBe(0);
    });

    it("counts a rolling hour: no new hour on the clock frees the budget", async () => {
      // Prepare: two reboots at 12:59
      await ledger.takeBudget(T + 59 * MINUTE, 2);
      await ledger.takeBudget(T + 59 * MINUTE, 2);
      // Act
      const atOne = await ledger.takeBudget(T + 60 * MINUTE, 2);
      const insideTheHour = await ledger.takeBudget(T + 118 * MINUTE + 59_999, 2);
      const anHourLater = await ledger.takeBudget(T + 119 * MINUTE, 2);
      // Assess
      expect([atOne, insideTheHour, anHourLater]).toEqual([false, false, true]);
      expect(await ledger.rebootsSince(T + 60 * MINUTE)).toBe(1);
    });

    it("refuses once the maximum is lowered below what was taken", async () => {
      // Prepare
      await ledger.takeBudget(T, 3);
      await ledger.takeBudget(T, 3);
      // Act
      const taken = await ledger.takeBudget(T + MINUTE, 1);
      // Assess
      expect(taken).toBe(false);
      expect(await ledger.rebootsSince(T - 1)).toBe(2);
    });
  });

  describe("holds", () => {
    it("holds a broker with its reason and time, lists it, and releases it once", async () => {
      // Prepare
      clock.advance(5 * MINUTE);
      // Act
      await ledger.hold("b-orders", "orders", "a reboot did not help incident inc-1");
      const reason = await ledger.holdOf("b-orders");
      const listed = await ledger.holds();
      const released = await ledger.releaseHold("b-orders");
      const again = await ledger.releaseHold("b-orders");
      // Assess
      expect(reason).toBe("a reboot did not help incident inc-1");
      expect(listed).toEqual([
        { brokerId: "b-orders", broker: "orders", reason: "a reboot did not help incident inc-1", at: T + 5 * MINUTE },
      ]);
      expect([released, again]).toEqual([true, false]);
      expect(await ledger.holdOf("b-orders")).toBeNull();
      expect(await ledger.holds()).toEqual([]);
    });

    it("lists every held broker, and releases only the one asked", async () => {
      // Prepare
      await ledger.hold("b-orders", "orders", "first");
      await ledger.hold("b-payments", "payments", "second");
      // Act
      await ledger.releaseHold("b-orders");
      // Assess
      expect((await ledger.holds()).map((h) => h.broker)).toEqual(["payments"]);
      expect(await ledger.holdOf("b-payments")).toBe("second");
    });

    it("knows no hold of a broker never held, and releases nothing", async () => {
      expect(await ledger.holdOf("b-orders")).toBeNull();
      expect(await ledger.releaseHold("b-orders")).toBe(false);
    });
  });

  describe("history", () => {
    it("returns the records from a time on, oldest first, whatever the order they were written in", async () => {
      // Prepare
      for (const minutes of [30, 10, 20, 5, 40]) await ledger.record(aRecord(T + minutes * MINUTE, { reason: `at ${minutes}` }));
      // Act
      const history = await ledger.history(T + 10 * MINUTE);
      // Assess
      expect(history.map((r) => r.reason)).toEqual(["at 10", "at 20", "at 30", "at 40"]);
    });

    it("keeps every field of a record", async () => {
      // Prepare
      const record = aRecord(T, { outcome: "blocked", reason: "the kill switch is on (SSM parameter)", incidentId: "inc-42" });
      await ledger.record(record);
      // Act
      const history = await ledger.history(0);
      // Assess
      expect(history).toEqual([record]);
    });

    it("keeps two records of the same millisecond", async () => {
      // Prepare
      await ledger.record(aRecord(T, { outcome: "executed" }));
      await ledger.record(aRecord(T, { outcome: "blocked" }));
      // Act
      const history = await ledger.history(T);
      // Assess
      expect(history.map((r) => r.outcome).sort()).toEqual(["blocked", "executed"]);
    });

    it("is empty from a time after the last record", async () => {
      // Prepare
      await ledger.record(aRecord(T));
      // Act / Assess
      expect(await ledger.history(T + 1)).toEqual([]);
    });
  });

  describe("verifications", () => {
    it("adds, lists and removes pending verifications, one per broker", async () => {
      // Prepare
      await ledger.addVerification(aVerification("b-orders"));
      await ledger.addVerification(aVerification("b-payments"));
      await ledger.addVerification(aVerification("b-orders", { rebootedAt: T + 70 * MINUTE, verifyBy: T + 90 * MINUTE }));
      // Act
      const listed = await ledger.pendingVerifications();
      await ledger.removeVerification("b-orders");
      const after = await ledger.pendingVerifications();
      // Assess
      expect([...listed].sort((a, b) => a.brokerId.localeCompare(b.brokerId))).toEqual([
        aVerification("b-orders", { rebootedAt: T + 70 * MINUTE, verifyBy: T + 90 * MINUTE }),
        aVerification("b-payments"),
      ]);
      expect(after).toEqual([aVerification("b-payments")]);
    });

    it("removes a verification that is not there without complaint", async () => {
      // Act
      await ledger.removeVerification("b-orders");
      // Assess
      expect(await ledger.pendingVerifications()).toEqual([]);
    });
  });
});
