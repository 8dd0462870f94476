import { parseApiEvent } from "../core/cloudtrail-event";
import type { Config } from "../core/config";
import { detectRiskyChange, postureRecheckOf } from "../core/detectors/risky-change";
import { type DeniedCall, deniedCallOf, detectUnauthorizedApi } from "../core/detectors/unauthorized-api";
import { foldFindings, type Incident, type Transition } from "../core/incidents";
import { type Finding, fingerprintOf, IncidentKind } from "../core/types";
import { describeError } from "../errors";
import type { ApiActivityStore, BrokerDirectory, Clock, IncidentStore, Log, Notifier, PostureRecheck } from "../ports";
import { applyIncidentChanges } from "./apply-incident-changes";

/** What handling API events needs. */
export interface ApiEventDeps {
  activity: ApiActivityStore;
  directory: BrokerDirectory;
  incidents: IncidentStore;
  /** Channels notifications are enqueued for (delivered by deliverNotifications). */
  notifiers: readonly Notifier[];
  posture: PostureRecheck;
  clock: Clock;
  log: Log;
  config: Config;
}

export type ApiEventOutcome = {
  status: "processed" | "duplicate" | "skipped";
  /** Why a skipped event was skipped (malformed, another source). */
  reason?: string;
  eventId: string | null;
  findings: Finding[];
  transitions: Transition[];
  errors: string[];
};

/** The history subject of a principal's denied calls. */
export const deniedSubject = (principal: string) => `denied|${principal}`;
/** The history subject of a risky-change incident's calls. */
export const riskySubject = (fingerprint: string) => `risky|${fingerprint}`;

/**
 * One CloudTrail API event from EventBridge:
 * 1. parse it (malformed events and other sources are logged and counted, never thrown: a throw
 *    would make EventBridge retry a hopeless event)
 * 2. claim its id (EventBridge delivers at least once: a duplicate changes nothing)
 * 3. a denied call joins its principal's window and the principal is judged
 * 4. a successful risky call is judged, and a configuration change asks for a posture re-check
 * 5. fold the findings into incidents, save them and notify
 * A failure after the claim releases it and rethrows, so the retry of the delivery finds work to do.
 */
export async function handleApiEvent(deps: ApiEventDeps, raw: unknown): Promise<ApiEventOutcome> {
  const { log, config, clock } = deps;
  const now = clock.now();

  // 1. parse
  const parsed = parseApiEvent(raw);
  if (!parsed.ok) {
    log.warn("API event skipped", { reason: parsed.reason, detail: parsed.detail, eventId: parsed.eventId });
    return {
      status: "skipped",
      reason: `${parsed.reason}: ${parsed.detail}`,
      eventId: parsed.eventId,
      findings: [],
      transitions: [],
      errors: [],
    };
  }
  const call = parsed.call;

  // 2. idempotency
  if (!(await deps.activity.claimEvent(call.eventId, now))) {
    log.info("duplicate API event ignored", { eventId: call.eventId });
    return { status: "duplicate", eventId: call.eventId, findings: [], transitions: [], errors: [] };
  }

  try {
    const findings: Finding[] = [];
    const active = new Map((await deps.incidents.loadActive()).map((i) => [i.fingerprint, i]));

    // 3. denied calls, per principal
    const denied = deniedCallOf(call, now);
    if (denied) {
      const subject = deniedSubject(call.principal.key);
      await deps.activity.record(subject, { eventId: call.eventId, at: denied.at, payload: denied }, now);
      const finding = await judgePrincipal(deps, call.principal.key, now, active);
      if (finding) findings.push(finding);
    }

    // 4. risky changes
    const brokerName = call.brokerId ? await deps.directory.nameOf(call.brokerId, call.region) : null;
    const risky = detectRiskyChange(call, { brokerName, ownRoleArns: config.apiActivity.ownRoleArns });
    if (risky) {
      await deps.activity.record(riskySubject(fingerprintOf(risky)), { eventId: call.eventId, at: call.at ?? now, payload: null }, now);
      findings.push(risky);
    }
    const recheck = postureRecheckOf(call);
    if (recheck) await deps.posture.request({ ...recheck, brokerName, region: call.region }, `${call.eventName} by ${call.principal.key}`);

    // 5. incidents
    const errors: string[] = [];
    const judged = new Set(findings.map(fingerprintOf));
    const changes = foldFindings({
      active,
      findings,
      isCovered: (incident) => judged.has(incident.fingerprint),
      now,
      rules: { resolveAfterMinutes: config.incidents.resolveAfterMinutes, refreshMinutes: 15 },
    });
    const transitions = await applyIncidentChanges(deps, changes, errors);
    // A lost incident write would lose the event for good (a retry is a duplicate): fail the
    // delivery instead, so EventBridge delivers it again and the write is retried.
    if (errors.length > 0) throw new Error(`API event ${call.eventId} not fully recorded: ${errors.join("; ")}`);
    log.info("API event processed", {
      eventId: call.eventId,
      eventName: call.eventName,
      denied: denied !== null,
      findings: findings.length,
    });
    return { status: "processed", eventId: call.eventId, findings, transitions, errors };
  } catch (error) {
    await deps.activity.releaseEvent(call.eventId).catch((releaseError: unknown) => {
      log.error("could not release the event id after a failure", { eventId: call.eventId, error: describeError(releaseError) });
    });
    throw error;
  }
}

/** Judges a principal from its recorded denied calls. */
export async function judgePrincipal(
  deps: Pick<ApiEventDeps, "activity" | "config">,
  principal: string,
  now: number,
  active: ReadonlyMap<string, Incident>,
): Promise<Finding | null> {
  const since = now - deps.config.apiActivity.windowMinutes * 60_000;
  // A little earlier than the window: event times may trail the clock by up to a minute.
  const records = await deps.activity.since(deniedSubject(principal), since - 60_000);
  const calls = records.map((r) => r.payload as DeniedCall);
  const open = active.has(fingerprintOf({ kind: IncidentKind.unauthorizedApi, broker: "*", resource: principal }));
  return detectUnauthorizedApi(principal, calls, now, deps.config.apiActivity, open);
}
