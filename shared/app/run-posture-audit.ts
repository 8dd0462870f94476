import { mapWithConcurrency } from "../core/concurrency";
import type { Config } from "../core/config";
import { closeUnwatched, foldFindings, type Incident, type IncidentChange, type Transition } from "../core/incidents";
import { runPostureChecks } from "../core/posture/checks";
import { type Broker, type Finding, IncidentKind, isIgnored } from "../core/types";
import { describeError } from "../errors";
import type { BrokerInventory, Clock, IncidentStore, Log, Notifier, PostureReader, PostureTarget } from "../ports";
import { applyIncidentChanges } from "./apply-incident-changes";
import { IGNORED_REASON } from "./run-metrics-cycle";

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
  /**
   * Audited brokers with changes staged (a pending engine version, configuration revision, ...):
   * their next reboot, by anyone, rolls them out. Shown to people, not an incident of its own.
   */
  staged: { broker: string; changes: readonly string[] }[];
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
 * 3. run the checks; slow queues come from open consumer-lag incidents; note changes staged on the
 *    broker (in the report and the findings' evidence)
 * 4. fold into posture incidents (one per broker and check), resolving checks that now pass and
 *    closing those of brokers now ignored as no longer watched
 * 5. save, with the notifications (sent as one account-wide digest per audit)
 */
export async function runPostureAudit(deps: PostureAuditDeps, target?: PostureTarget): Promise<PostureAuditReport> {
  const { log, clock, config } = deps;
  const now = clock.now();
  const report: PostureAuditReport = { audited: [], staged: [], findings: [], transitions: [], errors: [] };
  const fail = (line: string) => {
    report.errors.push(line);
    log.error(line);
  };

  // 1. brokers
  let brokers: Broker[];
  let active: Incident[];
  /** Brokers that still exist (listed, even when they could not be described), when the list is complete. */
  let existing: Set<string> | null;
  let ignored: Set<string>;
  /** Each listed broker's tags, for notification routes. */
  let tagsByBroker: Map<string, Readonly<Record<string, string>>>;
  try {
    const snapshot = await deps.inventory.listBrokers();
    tagsByBroker = new Map(snapshot.brokers.map((b) => [b.name, b.tags]));
    brokers = snapshot.brokers.filter((b) => !isIgnored(b) && AUDITED_STATES.has(b.state));
    ignored = new Set(snapshot.brokers.filter(isIgnored).map((b) => b.name));
    existing = snapshot.complete
      ? new Set([...brokers.map((b) => b.name), ...snapshot.skipped.filter((s) => !s.gone).map((s) => s.brokerName)])
      : null;
    for (const s of snapshot.skipped) if (!s.gone) fail(`posture audit: broker ${s.brokerName} could not be described: ${s.reason}`);
    const owns = deps.owns;
    active = (await deps.incidents.loadActive((error) => fail(`unreadable item skipped: ${describeError(error)}`))).filter(
      (i) => !owns || owns(i.broker),
    );
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
    const broker = brokers[i] as Broker;
    report.audited.push(broker.name);
    for (const f of result.judged) judged.add(f);
    report.findings.push(...result.findings.map((f) => withStagedChanges(f, broker)));
    for (const e of result.errors) fail(e);
    if (broker.pendingChanges.length > 0) {
      report.staged.push({ broker: broker.name, changes: broker.pendingChanges });
      log.warn("changes staged on a broker: its next reboot applies them", { broker: broker.name, changes: broker.pendingChanges });
    }
  }

  // 4-5. incidents
  const posture = active.filter((i) => i.kind === IncidentKind.posture);
  const changes: IncidentChange[] = [
    ...foldFindings({
      active: new Map(posture.filter((i) => !ignored.has(i.broker)).map((i) => [i.fingerprint, i])),
      findings: report.findings,
      // A broker that was deleted has nothing to fix any more; one that could not be described (or a
      // partial list) says nothing, and its incidents stay as they are.
      isCovered: (incident) => judged.has(incident.fingerprint) || (!target && existing !== null && !existing.has(incident.broker)),
      now,
      // A posture check is judged once a day: fixed means fixed at once, no hysteresis.
      rules: { resolveAfterMinutes: 0, refreshMinutes: 24 * 60 },
    }),
    // A broker now tagged ignore is not audited: its findings are not fixed, only no longer watched.
    ...posture
      .filter((i) => ignored.has(i.broker))
      .map((i) => closeUnwatched(i, IGNORED_REASON, now))
      .filter((c): c is IncidentChange => c !== null),
  ];
  report.transitions = await applyIncidentChanges(deps, changes, report.errors, (name) => tagsByBroker.get(name) ?? null);
  log.info("posture audit done", {
    audited: report.audited.length,
    findings: report.findings.length,
    staged: report.staged,
    target: target ?? null,
    mode: config.remediation.mode,
  });
  return report;
}

/** A finding with the broker's staged changes in its evidence (a reboot for any reason rolls them out). */
function withStagedChanges(finding: Finding, broker: Broker): Finding {
  if (broker.pendingChanges.length === 0) return finding;
  return { ...finding, evidence: { ...finding.evidence, stagedChanges: broker.pendingChanges.join("; ") } };
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
