import { type ApiCall, callTimeOf, controlTagChangeOf, parseApiEvent } from "../core/cloudtrail-event";
import type { Config } from "../core/config";
import { detectRiskyChange, postureRecheckOf } from "../core/detectors/risky-change";
import { type DeniedCall, deniedCallOf, detectSessionSpread, detectUnauthorizedApi } from "../core/detectors/unauthorized-api";
import { closeUnwatched, foldFindings, type Incident, type IncidentChange, type Transition } from "../core/incidents";
import { type Finding, fingerprintOf, IncidentKind, MINUTE_MS, Tags } from "../core/types";
import { describeError, SentinelError } from "../errors";
import type {
  ActivityRecord,
  ApiActivityStore,
  BrokerDirectory,
  Clock,
  IncidentStore,
  Log,
  Notifier,
  OptInRecords,
  PostureRecheck,
} from "../ports";
import { applyIncidentChanges } from "./apply-incident-changes";

/** What handling API events needs. */
export interface ApiEventDeps {
  activity: ApiActivityStore;
  directory: BrokerDirectory;
  incidents: IncidentStore;
  /** Channels notifications are enqueued for (delivered by deliverNotifications). */
  notifiers: readonly Notifier[];
  posture: PostureRecheck;
  /** Where a CloudTrail change of the reboot opt-in tag is recorded, with the call's time. */
  optIns: OptInRecords;
  clock: Clock;
  log: Log;
  config: Config;
}

export type ApiEventOutcome = {
  status: "processed" | "duplicate" | "skipped";
  /** Why a skipped event was skipped (malformed, another source, too old). */
  reason?: string;
  eventId: string | null;
  findings: Finding[];
  transitions: Transition[];
  errors: string[];
};

/**
 * How long a claim on an event id holds. Longer than the api-activity timeout (30 s), so the claim
 * of a live invocation never runs out; shorter than Lambda's first retry of a failed asynchronous
 * invocation (a minute after the failure, so at least 90 s after a claim that timed out), so the
 * retry of a delivery whose invocation died processes the event instead of finding it busy.
 */
export const EVENT_CLAIM_LEASE_MS = MINUTE_MS;

/**
 * Events whose call is older than this are too old to judge (logged and counted): EventBridge retries
 * a delivery for up to a day (the rule's MaximumEventAgeInSeconds, 86,400), plus an hour for CloudTrail
 * to get the event to EventBridge. The call records live two days, past any window of such an event.
 */
export const MAX_EVENT_AGE_MS = 25 * 60 * MINUTE_MS;

/** Clock skew allowed between AWS's event times and ours when reading call records. */
const SKEW_MS = 2 * MINUTE_MS;

/** Incident kinds that stop when a broker is no longer watched (the account-wide API kinds do not). */
const WATCHED_KINDS = new Set<string>([
  IncidentKind.consumerLag,
  IncidentKind.connectionExhaustion,
  IncidentKind.resourcePressure,
  IncidentKind.brokerUnhealthy,
  IncidentKind.posture,
]);

/**
 * Another invocation holds the event's claim and its lease has not run out: the delivery must not be
 * acknowledged as done. Thrown so that the invocation fails and is retried later (Lambda's
 * asynchronous retries; its on-failure destination keeps the event if every retry finds it so).
 */
export class EventInProgressError extends SentinelError {
  readonly retryable = true;

  constructor(
    readonly eventId: string,
    readonly leaseUntil: number,
  ) {
    super(`API event ${eventId} is being processed by another invocation (claimed until ${new Date(leaseUntil).toISOString()})`);
  }
}

/** The history subject of a principal's denied calls. */
export const deniedSubject = (principal: string) => `denied|${principal}`;
/** The history subject of the denied calls of every session of a role. */
export const roleSubject = (roleArn: string) => `denied-role|${roleArn}`;
/** The history subject of a risky-change incident's calls. */
export const riskySubject = (fingerprint: string) => `risky|${fingerprint}`;
/** The history subject of CloudTrail changes to the `mq-sentinel:*` tags of every broker. */
export const CONTROL_TAGS_SUBJECT = "tags|mq-sentinel";
/** The history subject of the brokers CreateBroker created. */
export const CREATED_BROKERS_SUBJECT = "created-brokers";

/** A recorded CloudTrail change of a broker's `mq-sentinel:*` tags. */
export interface ControlTagRecord {
  brokerId: string;
  region: string | null;
  /** Epoch ms of the call (the tags changed then, whenever the event arrived). */
  at: number;
  set: Readonly<Record<string, string>>;
  removed: readonly string[];
}

/** A recorded CreateBroker. */
export interface CreatedBrokerRecord {
  brokerId: string;
  /** The BrokerName the request asked for. */
  brokerName: string | null;
  region: string | null;
}

/**
 * One CloudTrail API event from EventBridge:
 * 1. parse it (malformed events, other sources and events too old to judge are logged and counted,
 *    never thrown: a throw would make EventBridge retry a hopeless event)
 * 2. claim its id for a lease (EventBridge delivers at least once: a delivery of a done event changes
 *    nothing; one that another invocation is working on fails, to be retried)
 * 3. a denied call joins its principal's (and its role's) history and both are judged by the calls' times
 * 4. a successful risky call is judged, and a configuration change asks for a posture re-check
 * 5. CreateBroker is recorded (the broker's posture is audited once it runs); a change to the
 *    `mq-sentinel:*` tags is recorded, an opt-in change goes to the opt-in records, and an ignore tag
 *    closes the broker's open incidents as no longer watched
 * 6. fold the findings into incidents, save them and notify
 * 7. mark the event done. A failure before that gives the claim back and rethrows, so the retry of the
 *    delivery processes the event; an invocation that dies holding the claim loses it when its lease runs out.
 */
export async function handleApiEvent(deps: ApiEventDeps, raw: unknown): Promise<ApiEventOutcome> {
  const { log, config, clock } = deps;
  const now = clock.now();

  // 1. parse
  const parsed = parseApiEvent(raw);
  if (!parsed.ok) {
    log.warn("API event skipped", { reason: parsed.reason, detail: parsed.detail, eventId: parsed.eventId });
    return skipped(`${parsed.reason}: ${parsed.detail}`, parsed.eventId);
  }
  const call = parsed.call;
  const callAt = callTimeOf(call, now);
  if (now - callAt > MAX_EVENT_AGE_MS) {
    const ageHours = Math.floor((now - callAt) / 3_600_000);
    log.warn("API event too old to judge; skipped", { eventId: call.eventId, eventName: call.eventName, ageHours });
    return skipped(
      `too-old: the call is ${ageHours} h old, past the ${MAX_EVENT_AGE_MS / 3_600_000} h EventBridge retries for`,
      call.eventId,
    );
  }

  // 2. idempotency
  const claim = await deps.activity.claimEvent(call.eventId, now, EVENT_CLAIM_LEASE_MS);
  if (claim.status === "done") {
    log.info("duplicate API event ignored", { eventId: call.eventId });
    return { status: "duplicate", eventId: call.eventId, findings: [], transitions: [], errors: [] };
  }
  if (claim.status === "busy") {
    log.warn("API event claimed by another invocation; delivery to be retried", { eventId: call.eventId, leaseUntil: claim.leaseUntil });
    throw new EventInProgressError(call.eventId, claim.leaseUntil);
  }

  try {
    const findings: Finding[] = [];
    // A damaged incident is logged and left out: failing the event for it would lose this call's alert.
    const skip = (error: Error) => log.error(`unreadable item skipped: ${describeError(error)}`, { eventId: call.eventId });
    const active = new Map((await deps.incidents.loadActive(skip)).map((i) => [i.fingerprint, i]));

    // 3. denied calls, per principal and per role
    const denied = deniedCallOf(call, now);
    if (denied) {
      const record: ActivityRecord = { eventId: call.eventId, at: now, payload: denied };
      await deps.activity.record(deniedSubject(denied.principal), record, now);
      const role = call.principal.roleArn;
      if (role !== null) await deps.activity.record(roleSubject(role), record, now);
      const finding = await judgePrincipal(deps, denied.principal, now, active);
      if (finding) findings.push(finding);
      const spread = role !== null ? await judgeRole(deps, role, now, active) : null;
      if (spread) findings.push(spread);
    }

    // 4. risky changes
    const brokerName = call.brokerId ? await deps.directory.nameOf(call.brokerId, call.region) : null;
    const risky = detectRiskyChange(call, { brokerName, ownRoleArns: config.apiActivity.ownRoleArns, now });
    if (risky) {
      // Recorded at arrival: a change that arrives late keeps its incident open for the whole quiet period.
      await deps.activity.record(riskySubject(fingerprintOf(risky)), { eventId: call.eventId, at: now, payload: null }, now);
      findings.push(risky);
    }
    const recheck = postureRecheckOf(call);
    if (recheck) await deps.posture.request({ ...recheck, brokerName, region: call.region }, `${call.eventName} by ${call.principal.key}`);

    // 5. new brokers and the tags that steer mq-sentinel
    if (call.eventName === "CreateBroker" && !call.errorCode && call.brokerId !== null) {
      const created: CreatedBrokerRecord = {
        brokerId: call.brokerId,
        brokerName: typeof call.requestParameters.brokerName === "string" ? call.requestParameters.brokerName : null,
        region: call.region,
      };
      await deps.activity.record(CREATED_BROKERS_SUBJECT, { eventId: call.eventId, at: now, payload: created }, now);
    }
    const closures = await applyControlTags(deps, call, callAt, brokerName, active, now);

    // 6. incidents
    const errors: string[] = [];
    const judged = new Set(findings.map(fingerprintOf));
    const changes = [
      ...foldFindings({
        active,
        findings,
        isCovered: (incident) => judged.has(incident.fingerprint),
        now,
        rules: { resolveAfterMinutes: config.incidents.resolveAfterMinutes, refreshMinutes: config.incidents.refreshMinutes },
      }),
      ...closures,
    ];
    const transitions = await applyIncidentChanges(deps, changes, errors);
    // An event whose incident write was lost must not be marked done: fail the delivery instead, so
    // it is delivered again and the write is retried.
    if (errors.length > 0) throw new Error(`API event ${call.eventId} not fully recorded: ${errors.join("; ")}`);

    // 7. done
    if (!(await deps.activity.completeEvent(call.eventId, claim.token, clock.now()))) {
      // Our lease ran out and another invocation took the event over: it does the same work, and the
      // incident writes are conditional, so nothing is doubled.
      log.warn("API event claim lost before it was marked done", { eventId: call.eventId });
    }
    log.info("API event processed", {
      eventId: call.eventId,
      eventName: call.eventName,
      denied: denied !== null,
      findings: findings.length,
      lateMinutes: Math.max(0, Math.floor((now - callAt) / MINUTE_MS)),
    });
    return { status: "processed", eventId: call.eventId, findings, transitions, errors };
  } catch (error) {
    await deps.activity.releaseEvent(call.eventId, claim.token).catch((releaseError: unknown) => {
      log.error("could not release the event id after a failure", { eventId: call.eventId, error: describeError(releaseError) });
    });
    throw error;
  }
}

function skipped(reason: string, eventId: string | null): ApiEventOutcome {
  return { status: "skipped", reason, eventId, findings: [], transitions: [], errors: [] };
}

/**
 * A successful CreateTags/DeleteTags on `mq-sentinel:*` keys: recorded (so the metrics cycle sees the
 * tags before its cached broker descriptions do), an opt-in change recorded with the call's time (an
 * opt-in counts only once it has settled), and an ignore tag closes the broker's active incidents as
 * no longer watched (never as recovered). Returns those closures.
 */
async function applyControlTags(
  deps: ApiEventDeps,
  call: ApiCall,
  callAt: number,
  brokerName: string | null,
  active: ReadonlyMap<string, Incident>,
  now: number,
): Promise<IncidentChange[]> {
  const change = controlTagChangeOf(call);
  if (change === null || call.brokerId === null) return [];
  const record: ControlTagRecord = { brokerId: call.brokerId, region: call.region, at: callAt, set: change.set, removed: change.removed };
  await deps.activity.record(CONTROL_TAGS_SUBJECT, { eventId: call.eventId, at: now, payload: record }, now);

  const remediate = change.set[Tags.remediate];
  if (remediate !== undefined || change.removed.includes(Tags.remediate)) {
    await deps.optIns.record({
      brokerId: call.brokerId,
      broker: brokerName ?? call.brokerId,
      // As the IAM condition on the remediate function reads it: lower-cased, not trimmed.
      optedIn: remediate !== undefined && remediate.toLowerCase() === "reboot",
      since: callAt,
      source: `cloudtrail:${call.principal.key}`,
    });
  }

  const ignore = change.set[Tags.ignore];
  if (ignore === undefined || ignore.trim().toLowerCase() !== "true" || brokerName === null) return [];
  const reason = `no longer watched: ignored by ${call.principal.key}`;
  return [...active.values()]
    .filter((i) => i.broker === brokerName && WATCHED_KINDS.has(i.kind))
    .map((i) => closeUnwatched(i, reason, now))
    .filter((c): c is IncidentChange => c !== null);
}

/** Judges one subject from its recorded denied calls, knowing which incidents are active. */
type DeniedCallsJudge = (
  deps: Pick<ApiEventDeps, "activity" | "config">,
  subject: string,
  now: number,
  active: ReadonlyMap<string, Incident>,
) => Promise<Finding | null>;

/** Whether the `unauthorized-api` incident of a principal or role is active. */
function unauthorizedActive(active: ReadonlyMap<string, Incident>, subject: string): boolean {
  return active.has(fingerprintOf({ kind: IncidentKind.unauthorizedApi, broker: "*", resource: subject }));
}

/** Judges a principal from its recorded denied calls. */
export const judgePrincipal: DeniedCallsJudge = async (deps, principal, now, active) => {
  const calls = await deniedCalls(deps, deniedSubject(principal), principal, now);
  return detectUnauthorizedApi(principal, calls, now, deps.config.apiActivity, unauthorizedActive(active, principal));
};

/** Judges the sessions of a role together, from the role's recorded denied calls. */
export const judgeRole: DeniedCallsJudge = async (deps, roleArn, now, active) => {
  const calls = await deniedCalls(deps, roleSubject(roleArn), null, now);
  const openSessions = new Set(
    [...active.values()].filter((i) => i.kind === IncidentKind.unauthorizedApi && i.resource !== null).map((i) => i.resource as string),
  );
  return detectSessionSpread(roleArn, calls, now, deps.config.apiActivity, unauthorizedActive(active, roleArn), openSessions);
};

/**
 * The denied calls a judgement needs: those that arrived within the last window and every call within
 * a window of theirs by call time. Records sort by arrival, and a call arrives after it happens, so one
 * read from two windows back covers calls that arrived on time; a late arrival reads back to its call.
 */
async function deniedCalls(
  deps: Pick<ApiEventDeps, "activity" | "config">,
  subject: string,
  principal: string | null,
  now: number,
): Promise<DeniedCall[]> {
  const span = deps.config.apiActivity.windowMinutes * MINUTE_MS;
  const from = now - 2 * span - SKEW_MS;
  let records = await deps.activity.since(subject, from);
  // A reduce, not Math.min(...): a flood of denials must not overflow the call stack.
  const earliest = records.reduce(
    (min, r) => (r.at >= now - span ? Math.min(min, deniedOf(r, principal).at) : min),
    Number.POSITIVE_INFINITY,
  );
  if (earliest - span - SKEW_MS < from) records = await deps.activity.since(subject, earliest - span - SKEW_MS);
  return records.map((r) => deniedOf(r, principal));
}

/** A recorded denied call; records written before calls kept their arrival time and principal get them from the record. */
function deniedOf(record: ActivityRecord, principal: string | null): DeniedCall {
  const payload = record.payload as Partial<DeniedCall> & Omit<DeniedCall, "arrivedAt" | "principal">;
  return {
    ...payload,
    arrivedAt: typeof payload.arrivedAt === "number" ? payload.arrivedAt : record.at,
    principal: typeof payload.principal === "string" ? payload.principal : (principal ?? "unknown"),
  };
}
