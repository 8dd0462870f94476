import { mapWithConcurrency } from "../core/concurrency";
import type { Config } from "../core/config";
import { foldFindings, type Incident, type Transition } from "../core/incidents";
import { runPostureChecks } from "../core/posture/checks";
import { type Broker, type Finding, IncidentKind, isIgnored } from "../core/types";
import { describeError } from "../errors";
import type { BrokerInventory, Clock, IncidentStore, Log, Notifier, PostureReader, PostureTarget } from "../ports";
import { applyIncidentChanges } from "./apply-incident-changes";

/** What the posture audit needs. */
export interface PostureAuditDeps {
  inventory: BrokerInventory;
  reader: PostureReader;
  incidents: IncidentStore;
  notifiers: readonly Notifier[];
  clock: Clock;
  log: Log;
  config: Config;
  /** The brokers whose posture incidents this audit judges, when one audit runs per region (see MetricsCycleDeps.owns). */
  owns?: (brokerName: string) => boolean;
}

export interface PostureAuditReport {
  audited: string[];
  findings: Finding[];
  transitions: Transition[];
  errors: string[];
}

/** Brokers in these states have settings worth auditing (not being created, deleted or a replica). */
const AUDITED_STATES = new Set(["RUNNING", "REBOOT_IN_PROGRESS", "CRITICAL_ACTION_REQUIRED"]);
/** DescribeBroker and friends in flight at once: the Amazon MQ API allows 15 requests/s per account. */
const READ_CONCURRENCY = 3;

/**
 * The posture audit (daily, and for one broker after a change to it or its configuration):
 * 1. list brokers (ignored ones and those being created or deleted are skipped); narrow to the target
 * 2. read each broker's settings, configuration and security groups
 * 3. run the checks; slow queues come from open consumer-lag incidents
 * 4. fold into posture incidents (one per broker and check), resolving checks that now pass
 * 5. save, with the notifications (sent as one account-wide digest per audit)
 */
export async function runPostureAudit(deps: PostureAuditDeps, target?: PostureTarget): Promise<PostureAuditReport> {
  const { log, clock, config } = deps;
  const now = clock.now();
  const report: PostureAuditReport = { audited: [], findings: [], transitions: [], errors: [] };
  const fail = (line: string) => {
    report.errors.push(line);
    log.error(line);
  };

  // 1. brokers
  let brokers: Broker[];
  let active: Incident[];
  /** Brokers that still exist (listed, even when they could not be described), when the list is complete. */
  let existing: Set<string> | null;
  try {
    const snapshot = await deps.inventory.listBrokers();
    brokers = snapshot.brokers.filter((b) => !isIgnored(b) && AUDITED_STATES.has(b.state));
    existing = snapshot.complete
      ? new Set([...brokers.map((b) => b.name), ...snapshot.skipped.filter((s) => !s.gone).map((s) => s.brokerName)])
      : null;
    for (const s of snapshot.skipped) if (!s.gone) fail(`posture audit: broker ${s.brokerName} could not be described: ${s.reason}`);
    const owns = deps.owns;
    active = (await deps.incidents.loadActive()).filter((i) => !owns || owns(i.broker));
  } catch (error) {
    fail(`posture audit skipped: ${describeError(error)}`);
    return report;
  }
  if (target) brokers = brokers.filter((b) => (target.brokerId !== null && b.id === target.brokerId) || target.configurationId !== null);

  // 2-3. facts and checks
  const slow = slowQueuesByBroker(active);
  const judged = new Set<string>();
  const results = await mapWithConcurrency(brokers, READ_CONCURRENCY, async (broker) => {
    try {
      const facts = await deps.reader.factsFor(broker);
      if (target?.configurationId && facts.settings.configurationId !== target.configurationId) return null;
      return runPostureChecks({ ...facts, slowQueues: slow.get(broker.name) ?? [] });
    } catch (error) {
      fail(`posture audit: broker ${broker.name} could not be read: ${describeError(error)}`);
      return null;
    }
  });
  for (const [i, result] of results.entries()) {
    if (!result) continue;
    report.audited.push((brokers[i] as Broker).name);
    for (const f of result.judged) judged.add(f);
    report.findings.push(...result.findings);
    for (const e of result.errors) fail(e);
  }

  // 4-5. incidents
  const changes = foldFindings({
    active: new Map(active.filter((i) => i.kind === IncidentKind.posture).map((i) => [i.fingerprint, i])),
    findings: report.findings,
    // A broker that was deleted or is now ignored has nothing to fix any more; one that could not be
    // described (or a partial list) says nothing, and its incidents stay as they are.
    isCovered: (incident) => judged.has(incident.fingerprint) || (!target && existing !== null && !existing.has(incident.broker)),
    now,
    // A posture check is judged once a day: fixed means fixed at once, no hysteresis.
    rules: { resolveAfterMinutes: 0, refreshMinutes: 24 * 60 },
  });
  report.transitions = await applyIncidentChanges(deps, changes, report.errors);
  log.info("posture audit done", {
    audited: report.audited.length,
    findings: report.findings.length,
    target: target ?? null,
    mode: config.remediation.mode,
  });
  return report;
}

/** Queues with slow consumers now, from open consumer-lag incidents. */
function slowQueuesByBroker(active: readonly Incident[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const i of active) {
    if (i.kind !== IncidentKind.consumerLag || i.condition !== "slow-consumers" || i.resource === null || i.status !== "open") continue;
    out.set(i.broker, [...(out.get(i.broker) ?? []), i.resource]);
  }
  return out;
}
