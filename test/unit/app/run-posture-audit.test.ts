import { EC2Client } from "@aws-sdk/client-ec2";
import { MqClient } from "@aws-sdk/client-mq";
import { AwsPostureReader } from "../../../shared/adapters/aws-posture-reader";
import { MemoryIncidentStore } from "../../../shared/adapters/memory-incident-store";
import { MqBrokerInventory } from "../../../shared/adapters/mq-broker-inventory";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { IGNORED_REASON } from "../../../shared/app/run-metrics-cycle";
import { runPostureAudit } from "../../../shared/app/run-posture-audit";
import { DEFAULT_CONFIG } from "../../../shared/core/config";
import { PostureCheckId } from "../../../shared/core/posture/checks";
import { fingerprintOf, IncidentKind, Tags } from "../../../shared/core/types";
import { routeToSimulator } from "../../../shared/sim/sdk-boundary";
import type { SimulatedAccount } from "../../../shared/sim/simulated-account";
import { HOME, MINUTE, type RegionBroker, regionAccount, START_MS } from "../regions/two-regions";

const SDK = { region: HOME, credentials: { accessKeyId: "SIMULATED", secretAccessKey: "SIMULATED" }, maxAttempts: 1 };
const GENERAL_LOG_OFF = { Logs: { Audit: true, General: false } };
const GENERAL_LOG = fingerprintOf({ kind: IncidentKind.posture, broker: "orders", resource: PostureCheckId.generalLogDisabled });

/** One simulated account with `orders`, and the posture audit over it with the real AWS adapters. */
function auditWorld(broker: Omit<RegionBroker, "name" | "id">) {
  const account = regionAccount(HOME, [{ name: "orders", id: "b-orders", ...broker }]);
  const incidents = new MemoryIncidentStore();
  const log = new RecordingLog();
  const clock = { now: () => START_MS + account.minute * MINUTE, sleep: async () => {} };
  const mq = routeToSimulator(new MqClient(SDK), "mq", account);
  const ec2 = routeToSimulator(new EC2Client(SDK), "ec2", account);
  const audit = () =>
    runPostureAudit({
      // A fresh inventory each time: the audit sees the broker as it is now.
      inventory: new MqBrokerInventory(mq, clock, log, { ttlMs: 0 }),
      reader: new AwsPostureReader(mq, ec2, clock),
      incidents,
      notifiers: [],
      clock,
      log,
      config: DEFAULT_CONFIG,
    });
  return { account, incidents, log, audit };
}

function describeOf(account: SimulatedAccount): Record<string, unknown> {
  return account.scenario.brokers[0]?.describe as Record<string, unknown>;
}

describe("runPostureAudit", () => {
  it("closes the posture incidents of a broker now tagged mq-sentinel:ignore as no longer watched, never as fixed", async () => {
    // Prepare
    const w = auditWorld({ describe: GENERAL_LOG_OFF });
    await w.audit();
    describeOf(w.account).Tags = { environment: "production", [Tags.ignore]: "true" };
    w.account.minute = 1;
    // Act
    const report = await w.audit();
    // Assess
    expect(report.audited).toEqual([]);
    expect(report.transitions.map((t) => [t.type, t.incident.resource, t.incident.closeReason])).toEqual([
      ["resolved", PostureCheckId.generalLogDisabled, IGNORED_REASON],
    ]);
    expect(await w.incidents.get(GENERAL_LOG)).toEqual(expect.objectContaining({ status: "resolved", closeReason: IGNORED_REASON }));
  });

  it("still resolves a fixed check as fixed", async () => {
    // Prepare
    const w = auditWorld({ describe: GENERAL_LOG_OFF });
    await w.audit();
    describeOf(w.account).Logs = { Audit: true, General: true };
    w.account.minute = 1;
    // Act
    const report = await w.audit();
    // Assess
    expect(report.transitions.map((t) => [t.type, t.incident.closeReason ?? null])).toEqual([["resolved", null]]);
  });

  it("shows changes staged on a broker in the report, the log and its findings' evidence, without an incident of their own", async () => {
    // Prepare
    const w = auditWorld({ describe: { ...GENERAL_LOG_OFF, EngineVersion: "5.17.6", PendingEngineVersion: "5.18" } });
    // Act
    const report = await w.audit();
    // Assess
    expect(report.staged).toEqual([{ broker: "orders", changes: ["engine version 5.18 (now 5.17.6)"] }]);
    expect(report.transitions.map((t) => t.incident.resource)).toEqual([PostureCheckId.generalLogDisabled]);
    expect(report.findings.map((f) => f.evidence.stagedChanges)).toEqual(["engine version 5.18 (now 5.17.6)"]);
    expect(w.log.entries).toContainEqual(
      expect.objectContaining({ level: "warn", fields: { broker: "orders", changes: ["engine version 5.18 (now 5.17.6)"] } }),
    );
  });

  it("opens nothing for a compliant broker with a configuration revision pending, and shows it", async () => {
    // Prepare
    const w = auditWorld({
      describe: { Configurations: { Current: { Id: "c-b-orders", Revision: 1 }, Pending: { Id: "c-b-orders", Revision: 2 } } },
    });
    // Act
    const report = await w.audit();
    // Assess
    expect(report.findings).toEqual([]);
    expect(report.transitions).toEqual([]);
    expect(report.staged).toEqual([{ broker: "orders", changes: ["configuration c-b-orders revision 2 (now revision 1)"] }]);
  });
});
