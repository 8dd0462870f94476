import { MemoryIncidentStore } from "../shared/adapters/memory-incident-store";
import { RecordingLog } from "../shared/adapters/recording-log";
import { systemClock } from "../shared/adapters/system-clock";
import { runPostureAudit } from "../shared/app/run-posture-audit";
import { accountReaders, type MakeClient, makeAwsClient } from "../shared/build-deps";
import { DEFAULT_CONFIG } from "../shared/core/config";
import { compareSeverity, type Finding, MINUTE_MS, Severity } from "../shared/core/types";
import { readCliEnvironment } from "../shared/env";
import { ScenarioError } from "../shared/errors";
import type { Clock } from "../shared/ports";
import { loadScenarioFile } from "../shared/sim/scenario";
import { simulatedClock } from "../shared/sim/sdk-boundary";
import { SimulatedAccount } from "../shared/sim/simulated-account";
import { simulatedClients } from "../shared/sim/simulated-deps";
import { type ParsedArgs, parseArgs } from "./args";
import { explain, stagedLine } from "./check-command";
import { failedCommand } from "./command";

export const AUDIT_USAGE = `  mq-sentinel audit [--json] [--fail-on info|warning|critical] [--region R] [--scenario FILE]
      Amazon MQ best practices, read-only, against the account in the default AWS credential chain
      (or a scenario file): broker, check, severity, fix, and the changes staged on each broker
      (its next reboot applies them). Exits 1 when a finding is at or above
      --fail-on (default warning), so it can gate a pipeline.`;

const SEVERITIES = new Set<string>(Object.values(Severity));

/** Runs `mq-sentinel audit`; returns the exit code. */
export async function auditCommand(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, { values: ["fail-on", "region", "scenario"], switches: ["json"] });
  } catch (error) {
    return failedCommand("audit", AUDIT_USAGE, error, err);
  }
  const json = args.has("json");
  const failOn = args.get("fail-on") ?? Severity.warning;
  if (!SEVERITIES.has(failOn)) {
    err(`mq-sentinel audit: --fail-on takes info, warning or critical`);
    return 2;
  }

  // The account audited: the one in the default credential chain, or a scenario's simulated one.
  let makeClient: MakeClient = makeAwsClient;
  let region = args.get("region") ?? readCliEnvironment().region ?? "us-east-1";
  let clock: Clock = systemClock;
  const scenarioFile = args.get("scenario");
  if (scenarioFile) {
    try {
      const scenario = loadScenarioFile(scenarioFile);
      const account = new SimulatedAccount(scenario);
      makeClient = simulatedClients(account);
      region = scenario.region;
      clock = simulatedClock(account);
    } catch (error) {
      err(error instanceof ScenarioError ? `mq-sentinel audit: invalid scenario ${error.message}` : `mq-sentinel audit: ${String(error)}`);
      return 2;
    }
  }
  const log = new RecordingLog();
  const { inventory, posture } = accountReaders({ region, makeClient, clock, log, inventoryTtlMs: MINUTE_MS });
  try {
    await inventory.listBrokers();
  } catch (error) {
    err(`mq-sentinel audit: ${explain(error)}`);
    return 1;
  }
  const report = await runPostureAudit({
    inventory,
    reader: posture,
    incidents: new MemoryIncidentStore(),
    notifiers: [],
    clock,
    log,
    config: DEFAULT_CONFIG,
  });
  const findings = [...report.findings].sort((a, b) => compareSeverity(b.severity, a.severity) || a.broker.localeCompare(b.broker));
  if (json) {
    out(JSON.stringify({ audited: report.audited, staged: report.staged, findings: findings.map(row), errors: report.errors }));
  } else {
    out(
      `audited ${report.audited.length} broker${report.audited.length === 1 ? "" : "s"}: ${findings.length} finding${findings.length === 1 ? "" : "s"}`,
    );
    if (findings.length > 0) out(`${"BROKER".padEnd(26)} ${"CHECK".padEnd(30)} ${"SEVERITY".padEnd(9)} FIX`);
    for (const f of findings.map(row))
      out(`${f.broker.padEnd(26)} ${f.check.padEnd(30)} ${f.severity.padEnd(9)} ${f.fix}${f.controls ? `  [${f.controls}]` : ""}`);
    for (const s of report.staged) out(stagedLine({ name: s.broker, pendingChanges: s.changes }));
    for (const e of report.errors) err(e);
  }
  const failing = findings.some((f) => compareSeverity(f.severity, failOn as Severity) >= 0);
  return failing || report.errors.length > 0 ? 1 : 0;
}

function row(f: Finding) {
  const e = f.evidence;
  const controls = [e.securityHubControl, e.awsConfigRule].filter((c) => typeof c === "string" && c.length > 0).join(", ");
  return {
    broker: f.broker,
    check: f.resource ?? "",
    severity: f.severity,
    reason: String(e.reason ?? f.summary),
    fix: String(e.fix ?? ""),
    controls,
  };
}
