import { remediationCommand } from "../../../cli/remediation-command";
import { DynamoDbRemediationLedger } from "../../../shared/adapters/dynamodb-remediation-ledger";
import { systemClock } from "../../../shared/adapters/system-clock";
import type { RemediationRecord } from "../../../shared/ports";
import { runCommand } from "../../support/cli";
import { MINUTE } from "../../support/clock";
import { createIncidentsTable, dynamoClient, type LocalDynamo, startDynalite } from "../dynamodb-table";

/**
 * `mq-sentinel remediation` against the deployment's table (dynalite): the audit trail, the held
 * brokers, and the reset a person makes. The command reads the wall clock, so the records are
 * written relative to it.
 */

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.stop());

/** A fresh table, the ledger the deployment writes into it, and the command pointed at it. */
async function deployment() {
  const table = await createIncidentsTable(dynamo.client);
  const ledger = new DynamoDbRemediationLedger(dynamoClient(dynamo.endpoint), table, systemClock);
  const run = (...args: string[]) =>
    runCommand((out, err) =>
      remediationCommand([...args, "--table", table, "--endpoint", dynamo.endpoint, "--region", "us-east-1"], out, err),
    );
  return { ledger, run };
}

function aRecord(minutesAgo: number, overrides: Partial<RemediationRecord> = {}): RemediationRecord {
  const at = Date.now() - minutesAgo * MINUTE;
  return {
    id: `rec-${minutesAgo}`,
    at,
    incidentId: "inc-0001",
    broker: "orders",
    brokerId: "b-1234abcd",
    action: "reboot-broker",
    outcome: "executed",
    reason: "rebooted orders",
    ...overrides,
  };
}

describe("mq-sentinel remediation", () => {
  describe("history", () => {
    it("lists the decisions of the last day, oldest first, with outcome, broker, incident and reason", async () => {
      // Prepare
      const { ledger, run } = await deployment();
      await ledger.record(aRecord(10, { outcome: "verified", reason: "the incident cleared within 6 min of the reboot" }));
      await ledger.record(aRecord(30, { outcome: "executed", reason: "rebooted orders" }));
      await ledger.record(
        aRecord(50, { outcome: "blocked", broker: "payments", incidentId: "inc-0002", reason: "the kill switch is on (SSM parameter)" }),
      );
      await ledger.record(aRecord(3 * 24 * 60, { reason: "three days ago" }));
      // Act
      const { code, out, err } = await run("history");
      // Assess
      expect({ code, err }).toEqual({ code: 0, err: [] });
      expect(out).toHaveLength(3);
      expect(out[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}blocked {3}payments {16} inc-0002 {2}the kill switch is on \(SSM parameter\)$/);
      expect(out[1]).toMatch(/ executed {2}orders .* inc-0001 {2}rebooted orders$/);
      expect(out[2]).toMatch(/ verified {2}orders .* inc-0001 {2}the incident cleared within 6 min of the reboot$/);
    });

    it("limits the history to --since", async () => {
      // Prepare
      const { ledger, run } = await deployment();
      await ledger.record(aRecord(10, { reason: "recent" }));
      await ledger.record(aRecord(120, { reason: "two hours ago" }));
      // Act
      const { code, out } = await run("history", "--since", "1h");
      // Assess
      expect(code).toBe(0);
      expect(out).toEqual([expect.stringMatching(/recent$/)]);
    });

    it("accepts --since up to the 90 days the ledger keeps", async () => {
      // Prepare
      const { ledger, run } = await deployment();
      await ledger.record(aRecord(8 * 24 * 60 - 60, { reason: "eight days ago" }));
      // Act
      const { code, out } = await run("history", "--since", "8d");
      // Assess
      expect(code).toBe(0);
      expect(out).toEqual([expect.stringMatching(/eight days ago$/)]);
    });

    it.each([
      ["91d", /^mq-sentinel remediation: the history goes back at most 90 days\n/],
      ["yesterday", /^mq-sentinel remediation: --since needs a duration like 30m, 2h or 1d\n/],
    ])("refuses --since %s with its usage (exit 2)", async (since, message) => {
      // Prepare
      const { run } = await deployment();
      // Act
      const { code, err } = await run("history", "--since", since);
      // Assess
      expect(code).toBe(2);
      expect(err[0]).toMatch(message);
    });

    it("says so when there is nothing in that time", async () => {
      // Prepare
      const { run } = await deployment();
      // Act
      const result = await run("history");
      // Assess
      expect(result).toEqual({ code: 0, out: ["no remediation decisions in that time"], err: [] });
    });
  });

  describe("holds", () => {
    it("lists the held brokers with id, since when and why", async () => {
      // Prepare
      const { ledger, run } = await deployment();
      await ledger.hold("b-1234abcd", "orders", "a reboot at 2026-03-02T09:00:00.000Z did not help incident inc-0001");
      // Act
      const { code, out, err } = await run("holds");
      // Assess
      expect({ code, err }).toEqual({ code: 0, err: [] });
      expect(out).toEqual([
        expect.stringMatching(
          /^orders \(b-1234abcd\) held since \d{4}-[\d-]+T[\d:.]+Z: a reboot at 2026-03-02T09:00:00.000Z did not help incident inc-0001$/,
        ),
      ]);
    });

    it("says so when no broker is held", async () => {
      // Prepare
      const { run } = await deployment();
      // Act
      const result = await run("holds");
      // Assess
      expect(result).toEqual({ code: 0, out: ["no broker is held"], err: [] });
    });
  });

  describe("reset", () => {
    it.each([
      ["its name", "orders"],
      ["its id", "b-1234abcd"],
    ])("releases a held broker named by %s, and leaves the others held", async (_, target) => {
      // Prepare
      const { ledger, run } = await deployment();
      await ledger.hold("b-1234abcd", "orders", "did not help");
      await ledger.hold("b-5678efgh", "payments", "did not help either");
      // Act
      const result = await run("reset", target);
      // Assess
      expect(result).toEqual({ code: 0, out: [`reboots of ${target} are allowed again (the guards still apply)`], err: [] });
      expect(await ledger.holdOf("b-1234abcd")).toBeNull();
      expect(await ledger.holdOf("b-5678efgh")).toBe("did not help either");
      expect((await run("holds")).out).toEqual([expect.stringMatching(/^payments \(b-5678efgh\)/)]);
    });

    it("exits 1 for a broker that is not held", async () => {
      // Prepare
      const { ledger, run } = await deployment();
      await ledger.hold("b-5678efgh", "payments", "did not help");
      // Act
      const result = await run("reset", "orders");
      // Assess
      expect(result).toEqual({ code: 1, out: ["orders is not held"], err: [] });
      expect(await ledger.holdOf("b-5678efgh")).toBe("did not help");
    });

    it("exits 2 without a broker to reset", async () => {
      // Prepare
      const { run } = await deployment();
      // Act
      const { code, err } = await run("reset");
      // Assess
      expect(code).toBe(2);
      expect(err.join("\n")).toMatch(/reset needs a broker name or id/);
    });
  });

  it.each([["reboot"], ["release"], [""]])("exits 2 for the unknown action %j, with the usage", async (action) => {
    // Prepare
    const { run } = await deployment();
    // Act
    const { code, out, err } = await run(action);
    // Assess
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err.join("\n")).toMatch(new RegExp(`unknown action '${action}'[\\s\\S]*mq-sentinel remediation reset BROKER`));
  });

  it("says which table is missing when none is given", async () => {
    // Prepare
    const err: string[] = [];
    const saved = process.env.MQ_SENTINEL_TABLE;
    delete process.env.MQ_SENTINEL_TABLE;
    // Act
    const code = await remediationCommand(
      ["holds"],
      () => {},
      (l) => err.push(l),
    );
    if (saved !== undefined) process.env.MQ_SENTINEL_TABLE = saved;
    // Assess
    expect(code).toBe(2);
    expect(err[0]).toMatch(/--table NAME or set MQ_SENTINEL_TABLE/);
  });

  it("exits 1 with the cause when the table cannot be read", async () => {
    // Prepare
    const args = ["holds", "--table", "no-such-table", "--endpoint", dynamo.endpoint, "--region", "us-east-1"];
    // Act
    const { code, err } = await runCommand((out, e) => remediationCommand(args, out, e));
    // Assess
    expect(code).toBe(1);
    expect(err.join("\n")).toMatch(/ResourceNotFoundException/);
  });
});
