import { randomUUID } from "node:crypto";
import type { Config } from "../core/config";
import { MINUTE_MS, Severity } from "../core/types";
import { describeError } from "../errors";
import type { Clock, IncidentStore, Log, Notifier, PendingVerification, RemediationLedger } from "../ports";
import { announce } from "./remediate";

/** What checking reboots needs. */
export interface VerifyDeps {
  ledger: RemediationLedger;
  incidents: IncidentStore;
  notifiers: readonly Notifier[];
  clock: Clock;
  log: Log;
  config: Config;
}

/**
 * After a reboot, each minute:
 * 1. a broker back to RUNNING whose incident cleared: verified, and the incident says "remediated"
 * 2. past the deadline and still not cleared: escalate (a critical notification "reboot did not
 *    help") and hold the broker: no more reboots of it until a person resets it
 * 3. otherwise wait
 * A reboot whose incident closed as no longer watched (its broker tagged `mq-sentinel:ignore`) is not
 * judged: nobody can tell whether it helped, so it is neither "remediated" nor held.
 * `states` are the brokers' current states (by id) from this minute's inventory.
 */
export async function verifyRemediations(deps: VerifyDeps, states: ReadonlyMap<string, string>): Promise<{ errors: string[] }> {
  const errors: string[] = [];
  let pending: PendingVerification[];
  try {
    pending = await deps.ledger.pendingVerifications();
  } catch (error) {
    return { errors: [`reboot verification skipped: ${describeError(error)}`] };
  }
  const now = deps.clock.now();
  for (const v of pending) {
    try {
      if (v.escalation) {
        // Judged already: only the announcement is still owed.
        await announceEscalation(deps, v, v.escalation.reason);
        continue;
      }
      const incident = await deps.incidents.get(v.fingerprint);
      const same = incident !== null && incident.id === v.incidentId;
      if (same && incident.closeReason) {
        deps.log.info("reboot not judged: its incident is no longer watched", {
          broker: v.broker,
          incidentId: v.incidentId,
          closeReason: incident.closeReason,
        });
        await deps.ledger.removeVerification(v.brokerId);
        continue;
      }
      const cleared = !same || incident.status === "resolved" || incident.status === "dismissed";
      const running = states.get(v.brokerId) === "RUNNING";
      const after = Math.round((now - v.rebootedAt) / MINUTE_MS);
      if (cleared && running) {
        // How long the failover took, for the next person asked to approve a reboot of this broker.
        const failover =
          v.runningAt === undefined ? "" : `, the broker RUNNING again after ${Math.round((v.runningAt - v.rebootedAt) / MINUTE_MS)} min`;
        await deps.ledger.record(entry(v, now, "verified", `the incident cleared within ${after} min of the reboot${failover}`));
        if (same)
          await announce(deps, incident, {
            action: "reboot-broker",
            outcome: "verified",
            reason: `remediated: the incident cleared within ${after} min of the reboot${failover}`,
          });
        await deps.ledger.removeVerification(v.brokerId);
      } else if (running && v.runningAt === undefined && now < v.verifyBy) {
        await deps.ledger.addVerification({ ...v, runningAt: now });
      } else if (now >= v.verifyBy) {
        const reason = `reboot did not help: ${running ? "the incident is still open" : `the broker is ${states.get(v.brokerId) ?? "not listed"}`} ${after} min after the reboot`;
        await deps.ledger.hold(
          v.brokerId,
          v.broker,
          `a reboot at ${new Date(v.rebootedAt).toISOString()} did not help incident ${v.incidentId}`,
        );
        await deps.ledger.record(entry(v, now, "escalated", reason));
        // Remembered before announcing, so a failed announcement is retried and never judged twice.
        const judged = { ...v, escalation: { at: now, reason } };
        await deps.ledger.addVerification(judged);
        await announceEscalation(deps, judged, reason);
      }
    } catch (error) {
      const line = `verifying the reboot of ${v.broker} failed: ${describeError(error)}`;
      errors.push(line);
      deps.log.error(line);
    }
  }
  return { errors };
}

/**
 * The incident becomes critical, with a remediation notification saying the reboot did not help.
 * Retried on a lost race; when it still cannot be written, the verification stays and the next check
 * tries again, so the critical message is never lost.
 */
async function announceEscalation(deps: VerifyDeps, v: PendingVerification, reason: string): Promise<void> {
  const incident = await deps.incidents.get(v.fingerprint);
  // An incident that is gone needs no message: the hold and the ledger keep the verdict.
  const announced =
    !incident ||
    incident.id !== v.incidentId ||
    (await announce(
      deps,
      incident,
      {
        action: "reboot-broker",
        outcome: "escalated",
        reason: `${reason}; no more reboots of this broker until a person resets it (mq-sentinel remediation reset ${incident.broker})`,
      },
      (current) => ({ ...current, severity: Severity.critical, peakSeverity: Severity.critical }),
    ));
  if (announced) await deps.ledger.removeVerification(v.brokerId);
  else deps.log.warn("escalation raced other writers; it is announced on the next check", { incidentId: v.incidentId });
}

function entry(v: PendingVerification, at: number, outcome: "verified" | "escalated", reason: string) {
  return {
    id: randomUUID(),
    at,
    incidentId: v.incidentId,
    broker: v.broker,
    brokerId: v.brokerId,
    action: "reboot-broker" as const,
    outcome,
    reason,
  };
}
