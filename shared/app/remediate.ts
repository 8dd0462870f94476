import { randomUUID } from "node:crypto";
import type { Config } from "../core/config";
import type { Incident } from "../core/incidents";
import type { ApprovalPrompt, BlastRadius, RemediationNote } from "../core/notifications";
import { enqueueRemediation } from "../core/notify-policy";
import {
  BUDGET_WINDOW_MS,
  blocked,
  budgetSpent,
  decideRemediation,
  guardReport,
  lockMinutes,
  optedIn,
  type RecordedOptIn,
  type RemediationContext,
  type RemediationDecision,
  rebootCanHelp,
} from "../core/remediation-policy";
import type { Broker } from "../core/types";
import { MINUTE_MS } from "../core/types";
import { describeError } from "../errors";
import type {
  ApprovalAnswer,
  ApprovalRequest,
  ApprovalStore,
  Approvers,
  BrokerControl,
  Clock,
  IncidentStore,
  KillSwitch,
  Log,
  Notifier,
  OptInRecords,
  RemediationLedger,
  RemediationRecord,
  RemediationRequest,
  RemediationRequests,
} from "../ports";
import { routeNotification } from "./notification-routing";

/** What a remediation decision needs. */
export interface RemediateDeps {
  incidents: IncidentStore;
  ledger: RemediationLedger;
  control: BrokerControl;
  killSwitch: KillSwitch;
  /** Since when each broker carries the reboot opt-in (an opt-in counts once it has settled). */
  optIns: OptInRecords;
  /** Reboot requests put to people (`remediation.mode` approve). */
  approvals: ApprovalStore;
  /** Who may answer, user groups expanded (Slack app mode). Absent: `remediation.approvers` as listed. */
  approvers?: Approvers;
  notifiers: readonly Notifier[];
  clock: Clock;
  log: Log;
  config: Config;
}

export interface RemediationResult {
  request: RemediationRequest;
  decision: RemediationDecision;
  /**
   * True when nothing new happened: the incident already waits for an answer, or the answer was
   * acted on before (a double click, two approvers at once, a retried invocation).
   */
  duplicate?: boolean;
}

/**
 * One remediation request, decided on fresh facts:
 * 1. load the incident as it is now and DescribeBroker (the state may have changed since the request)
 * 2. read the ledger (last reboot, the hour's budget, a hold), the kill switch and the recorded opt-in;
 *    record the opt-in as described when the record disagrees (a tag changed since it was recorded)
 * 3. decide with the pure policy; every guard must pass
 * 4. to reboot: take the broker's lock (a conditional write: two invocations or a duplicated request
 *    can never both reboot), then the hour's budget, then DescribeBroker once more and decide again on
 *    it (a change staged meanwhile would be rolled out by the reboot), then RebootBroker
 * 5. record the decision in the ledger and announce it on the incident (transition `remediation`)
 * 6. after a reboot, leave a verification for the minute cycle
 */
export async function remediate(deps: RemediateDeps, event: RemediationRequest | ApprovalAnswer): Promise<RemediationResult> {
  if ("kind" in event && event.kind === "approval-answer") return answerApproval(deps, event);
  return decide(deps, event as RemediationRequest, null);
}

/** Steps 1-6 for a request, or for an approved one (`approval`: who approved it). */
async function decide(
  deps: RemediateDeps,
  request: RemediationRequest,
  approval: { by: string; at: number } | null,
): Promise<RemediationResult> {
  const { clock, log, config } = deps;
  const now = clock.now();

  // 1-3. fresh facts and the decision
  let decision: RemediationDecision;
  let incident: Incident | null = null;
  let context: RemediationContext | null = null;
  try {
    incident = await deps.incidents.get(request.fingerprint);
    if (!incident || incident.id !== request.incidentId) {
      decision = blocked("incident-replaced", "the incident is no longer the one the request was made for");
    } else {
      const broker = await deps.control.describe(request.brokerId);
      const [lastRebootAt, rebootsInLastHour, heldBecause, verifications, killSwitch, optIn] = await Promise.all([
        deps.ledger.lastRebootAt(request.brokerId),
        deps.ledger.rebootsSince(now - BUDGET_WINDOW_MS),
        deps.ledger.holdOf(request.brokerId),
        deps.ledger.pendingVerifications(),
        deps.killSwitch.isOn().catch((error: unknown) => {
          log.error("kill switch unreadable", { error: describeError(error) });
          return null;
        }),
        recordedOptIn(deps, request.brokerId),
      ]);
      if (broker) await recordOptInChange(deps, broker, optIn, now);
      context = {
        incident,
        broker,
        config: config.remediation,
        killSwitch,
        lastRebootAt,
        rebootsInLastHour,
        heldBecause,
        verificationPending: verifications.some((v) => v.brokerId === request.brokerId),
        optIn,
        approval,
        now,
      };
      decision = decideRemediation(context);
    }
  } catch (error) {
    decision = blocked("guards-unreadable", `could not check the guards: ${describeError(error)}`);
  }

  // 4. lock, budget, a last look at the broker, reboot; or a person is asked
  if (decision.outcome === "executed" && context) {
    decision = await reboot(deps, request, context);
    if (decision.outcome === "executed" && approval) decision = { ...decision, reason: `${decision.reason}, approved by ${approval.by}` };
  }
  let prompt: ApprovalPrompt | undefined;
  if (decision.outcome === "awaiting-approval" && context && incident) {
    const asked = await askForApproval(deps, request, context, incident);
    if (asked === null)
      return { request, decision: { ...decision, cause: "already-asked", reason: "already waiting for an answer" }, duplicate: true };
    if ("blocked" in asked) decision = asked.blocked;
    else prompt = asked;
  }

  // 5-6. audit trail, announcement, verification
  await record(deps, request, decision, now);
  if (incident && incident.id === request.incidentId)
    await announce(deps, incident, { ...noteOf(decision), ...(prompt ? { approval: prompt } : {}) });
  if (decision.outcome === "executed") {
    await deps.ledger.addVerification({
      brokerId: request.brokerId,
      broker: request.broker,
      incidentId: request.incidentId,
      fingerprint: request.fingerprint,
      rebootedAt: now,
      verifyBy: now + config.remediation.verifyWithinMinutes * MINUTE_MS,
    });
  }
  logDecision(log, request, decision);
  return { request, decision };
}

/**
 * Mode approve, every guard passing: stores the request for people to answer (one waiting request per
 * incident) and returns what they are shown; null when the incident already waits for an answer.
 */
async function askForApproval(
  deps: RemediateDeps,
  request: RemediationRequest,
  context: RemediationContext,
  incident: Incident,
): Promise<ApprovalPrompt | { blocked: RemediationDecision } | null> {
  const { now } = context;
  const settings = deps.config.remediation;
  try {
    if ((await deps.approvals.pending()).some((a) => a.incidentId === incident.id)) return null;
    const approval: ApprovalRequest = {
      id: `${incident.id}#${Math.floor(now / MINUTE_MS)}`,
      incidentId: incident.id,
      fingerprint: incident.fingerprint,
      broker: request.broker,
      brokerId: request.brokerId,
      requestedAt: now,
      expiresAt: now + settings.approvalTtlMinutes * MINUTE_MS,
      status: "pending",
    };
    if (!(await deps.approvals.create(approval))) return null;
    return {
      id: approval.id,
      expiresAt: approval.expiresAt,
      approvers: settings.approvers,
      blastRadius: request.blastRadius ?? null,
      guards: guardReport(context),
      lastReboot: await lastRebootOf(deps, request.brokerId, now),
    };
  } catch (error) {
    return { blocked: blocked("approval-unavailable", `could not ask for approval: ${describeError(error)}`) };
  }
}

/** The last reboot of a broker from the audit trail (90 days), in words: when, and how it went. */
async function lastRebootOf(deps: RemediateDeps, brokerId: string, now: number): Promise<string | null> {
  const history = (await deps.ledger.history(now - 90 * 86_400_000)).filter((r) => r.brokerId === brokerId);
  const executed = history.filter((r) => r.outcome === "executed").at(-1);
  if (!executed) return null;
  const verdict = history.find((r) => r.at > executed.at && (r.outcome === "verified" || r.outcome === "escalated"));
  const when = new Date(executed.at).toISOString().slice(0, 16).replace("T", " ");
  return `${when} UTC: ${verdict ? verdict.reason : "not judged yet"}`;
}

/**
 * A person's answer to a request (verified by the interactions function, which alone moves a request
 * to approved or denied). The request is claimed with a conditional write before anything happens,
 * so a double click or two approvers at once act once; an approval re-checks every guard now.
 */
async function answerApproval(deps: RemediateDeps, event: ApprovalAnswer): Promise<RemediationResult> {
  const { log, config } = deps;
  const [approval, answer] = await Promise.all([deps.approvals.get(event.approvalId), deps.approvals.answerOf(event.approvalId)]);
  const request: RemediationRequest = approval
    ? {
        incidentId: approval.incidentId,
        fingerprint: approval.fingerprint,
        broker: approval.broker,
        brokerId: approval.brokerId,
        requestedAt: approval.requestedAt,
      }
    : { incidentId: "", fingerprint: "", broker: "", brokerId: "", requestedAt: deps.clock.now() };
  // Only a recorded answer counts (the interactions function alone writes them), and a request is
  // acted on once: the claim from pending to done is a conditional write.
  if (!approval || !answer || !(await deps.approvals.settle(approval.id, "done"))) {
    log.warn("approval answer with nothing to act on", {
      approvalId: event.approvalId,
      status: approval?.status,
      answered: answer !== null,
    });
    return { request, decision: blocked("nothing-to-act-on", `nothing to act on for request ${event.approvalId}`), duplicate: true };
  }
  // Defence in depth: the interactions function checked the approver; so does the function that reboots.
  const approver = deps.approvers ? await deps.approvers.includes(answer.user) : config.remediation.approvers.includes(answer.user);
  if (!approver) {
    return finish(deps, request, blocked("not-an-approver", `${answer.user} is not among remediation.approvers`));
  }
  if (answer.action === "deny") return finish(deps, request, { outcome: "denied", cause: "denied", reason: `denied by ${answer.user}` });
  return decide(deps, request, { by: answer.user, at: answer.at });
}

/** Records and announces a decision that needs no look at the broker (a denial, a refused answer). */
async function finish(deps: RemediateDeps, request: RemediationRequest, decision: RemediationDecision): Promise<RemediationResult> {
  await record(deps, request, decision, deps.clock.now());
  const incident = await deps.incidents.get(request.fingerprint);
  if (incident && incident.id === request.incidentId) await announce(deps, incident, noteOf(decision));
  logDecision(deps.log, request, decision);
  return { request, decision };
}

/**
 * Expires the requests nobody answered in time, each recorded and announced: the facts people were
 * shown are stale by then (`remediation.approvalTtlMinutes`). Run every minute.
 */
export async function expireApprovals(
  deps: Pick<RemediateDeps, "approvals" | "ledger" | "incidents" | "notifiers" | "clock" | "log" | "config">,
): Promise<{ expired: RemediationResult[]; errors: string[] }> {
  const now = deps.clock.now();
  const out: { expired: RemediationResult[]; errors: string[] } = { expired: [], errors: [] };
  let pending: ApprovalRequest[];
  try {
    pending = await deps.approvals.pending();
  } catch (error) {
    return { ...out, errors: [`approval requests unreadable: ${describeError(error)}`] };
  }
  for (const approval of pending.filter((a) => a.expiresAt <= now)) {
    try {
      // An answer given in time is acted on by the remediate function, whenever its invocation runs.
      if ((await deps.approvals.answerOf(approval.id)) !== null) continue;
      if (!(await deps.approvals.settle(approval.id, "expired"))) continue;
      const request: RemediationRequest = {
        incidentId: approval.incidentId,
        fingerprint: approval.fingerprint,
        broker: approval.broker,
        brokerId: approval.brokerId,
        requestedAt: approval.requestedAt,
      };
      const minutes = Math.round((approval.expiresAt - approval.requestedAt) / MINUTE_MS);
      const decision: RemediationDecision = {
        outcome: "expired",
        cause: "expired",
        reason: `nobody answered the reboot request within ${minutes} min`,
      };
      await record(deps, request, decision, now);
      const incident = await deps.incidents.get(approval.fingerprint);
      if (incident && incident.id === approval.incidentId) await announce(deps, incident, noteOf(decision));
      out.expired.push({ request, decision });
    } catch (error) {
      out.errors.push(`expiring approval request ${approval.id} failed: ${describeError(error)}`);
    }
  }
  return out;
}

async function reboot(deps: RemediateDeps, request: RemediationRequest, context: RemediationContext): Promise<RemediationDecision> {
  const { ledger, config } = deps;
  const { now } = context;
  const until = now + lockMinutes(config.remediation) * MINUTE_MS;
  try {
    if (!(await ledger.lockBroker(request.brokerId, now, until))) {
      return blocked("lock-held", "another reboot of this broker holds the lock (in progress or within the cooldown)");
    }
    if (!(await ledger.takeBudget(now, config.remediation.maxRebootsPerHour))) {
      await ledger.unlockBroker(request.brokerId, now);
      return blocked("budget", budgetSpent(config.remediation.maxRebootsPerHour));
    }
  } catch (error) {
    return blocked("lock-unavailable", `could not take the reboot lock: ${describeError(error)}`);
  }
  // RebootBroker rolls out whatever is staged at the moment it runs, and the lock and budget writes
  // (with their retries) take time: the broker is described once more right before the call, and
  // every guard that reads the description is checked again on it. The budget taken stays spent
  // when this refuses (the ledger has no give-back): fewer reboots is the safe side.
  let last: RemediationDecision;
  try {
    last = decideRemediation({ ...context, broker: await deps.control.describe(request.brokerId) });
  } catch (error) {
    last = blocked("guards-unreadable", `could not check the guards: ${describeError(error)}`);
  }
  if (last.outcome !== "executed") {
    await ledger.unlockBroker(request.brokerId, now).catch((error: unknown) => {
      deps.log.error("reboot lock not given back", { brokerId: request.brokerId, error: describeError(error) });
    });
    return last;
  }
  try {
    await deps.control.reboot(request.brokerId);
    return { outcome: "executed", cause: "rebooted", reason: `rebooted ${request.broker}` };
  } catch (error) {
    // The lock stays: a reboot whose answer was lost may have happened; the cooldown keeps it single.
    return blocked("reboot-failed", `RebootBroker failed: ${describeError(error)}`);
  }
}

/** The broker's recorded opt-in; `unreadable` (which refuses) when the records cannot be read. */
async function recordedOptIn(deps: RemediateDeps, brokerId: string): Promise<RecordedOptIn> {
  try {
    return (await deps.optIns.get([brokerId])).get(brokerId) ?? "none";
  } catch (error) {
    deps.log.error("opt-in records unreadable", { brokerId, error: describeError(error) });
    return "unreadable";
  }
}

/**
 * Records the opt-in the fresh description shows when the record says otherwise (or nothing), from
 * now: the tag changed after it was recorded, so it starts to settle here. A failure is logged; the
 * decision does not depend on it (an unrecorded opt-in keeps refusing).
 */
async function recordOptInChange(deps: RemediateDeps, broker: Broker, recorded: RecordedOptIn, now: number): Promise<void> {
  const described = optedIn(broker);
  if (recorded === "unreadable" || (recorded !== "none" && recorded.optedIn === described)) return;
  try {
    await deps.optIns.record({ brokerId: broker.id, broker: broker.name, optedIn: described, since: now, source: "remediate" });
  } catch (error) {
    deps.log.error("opt-in change not recorded", { broker: broker.name, error: describeError(error) });
  }
}

/** The announcement of a decision: what people read (the cause is for code, and stays out of stored notes). */
function noteOf(decision: RemediationDecision): RemediationNote {
  return { action: "reboot-broker", outcome: decision.outcome, reason: decision.reason };
}

function logDecision(log: Log, request: RemediationRequest, decision: RemediationDecision): void {
  log.info("remediation decided", {
    broker: request.broker,
    incidentId: request.incidentId,
    outcome: decision.outcome,
    reason: decision.reason,
  });
}

async function record(
  deps: Pick<RemediateDeps, "ledger" | "log">,
  request: RemediationRequest,
  decision: RemediationDecision,
  now: number,
): Promise<void> {
  const entry: RemediationRecord = {
    id: randomUUID(),
    at: now,
    incidentId: request.incidentId,
    broker: request.broker,
    brokerId: request.brokerId,
    action: "reboot-broker",
    outcome: decision.outcome,
    reason: decision.reason,
  };
  try {
    await deps.ledger.record(entry);
  } catch (error) {
    deps.log.error("remediation not recorded in the ledger", {
      broker: request.broker,
      outcome: decision.outcome,
      error: describeError(error),
    });
  }
}

/**
 * Enqueues a remediation notification on the incident, changed by `change` first (an escalation
 * makes it critical), reloading it when another writer got there first. True when it is written,
 * or when the incident is gone (nothing left to announce on); false when it could not be written.
 */
export async function announce(
  deps: Pick<RemediateDeps, "incidents" | "notifiers" | "clock" | "log" | "config">,
  incident: Incident,
  note: RemediationNote,
  change: (incident: Incident) => Incident = (i) => i,
): Promise<boolean> {
  let current: Incident | null = incident;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (!current || current.id !== incident.id) return true;
    const routed = routeNotification(deps, change(current), "remediation");
    const next = { ...enqueueRemediation(routed.incident, note, routed.channels, deps.clock.now()), version: current.version + 1 };
    try {
      if (await deps.incidents.save(next, current.version)) return true;
    } catch (error) {
      deps.log.error("remediation not announced", { incidentId: incident.id, error: describeError(error) });
      return false;
    }
    current = await deps.incidents.get(incident.fingerprint);
  }
  return !current || current.id !== incident.id;
}

/** The remediation request for an incident a reboot might help, or null. */
export function remediationRequestFor(
  incident: Incident,
  brokerId: string | undefined,
  now: number,
  blastRadius?: BlastRadius,
): RemediationRequest | null {
  if (!brokerId || !rebootCanHelp(incident).helps) return null;
  return {
    incidentId: incident.id,
    fingerprint: incident.fingerprint,
    broker: incident.broker,
    brokerId,
    requestedAt: now,
    ...(blastRadius ? { blastRadius } : {}),
  };
}

/** Sends requests, logging (never throwing) a failure: the incident itself is already recorded. */
export async function sendRemediationRequests(
  requests: RemediationRequests,
  pending: readonly RemediationRequest[],
  log: Log,
  errors: string[],
): Promise<void> {
  for (const r of pending) {
    try {
      await requests.request(r);
    } catch (error) {
      const line = `remediation request for ${r.broker} failed: ${describeError(error)}`;
      errors.push(line);
      log.error(line, { incidentId: r.incidentId });
    }
  }
}
