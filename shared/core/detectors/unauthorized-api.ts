import { type ApiCall, callTimeOf, lateNote } from "../cloudtrail-event";
import type { Config } from "../config";
import { type Finding, IncidentKind, MINUTE_MS, Severity } from "../types";

/**
 * Unauthorized Amazon MQ API calls: the AccessDenied family, grouped per principal into bursts. One
 * denied read is a person missing a permission and stays quiet; repeated denials, a denied change,
 * the root user or another account's principal make an incident, and breadth (many actions or
 * brokers: enumeration) makes it critical.
 *
 * Time: CloudTrail reaches EventBridge late (best effort) and EventBridge retries a delivery for up to
 * a day, so a burst is judged on the calls' own times (`eventTime`): the calls within `windowMinutes`
 * of each other. What is recent is judged on when the evidence arrived: a burst is news while some of
 * its calls arrived within the last window, however old they are, and an incident stays open until no
 * denial has arrived for a window (so evidence that arrives late neither opens nothing nor flaps).
 */

type ApiConfig = Config["apiActivity"];

/** A denied call as kept for the window. */
export interface DeniedCall {
  eventId: string;
  /** Epoch ms of the call (`eventTime`): bursts are judged on it. */
  at: number;
  /** Epoch ms the event first arrived: what is recent, and how late evidence came, is judged on it. */
  arrivedAt: number;
  /** The key of the principal that made the call (for an assumed role: the session). */
  principal: string;
  eventName: string;
  errorCode: string;
  readOnly: boolean;
  brokerId: string | null;
  principalAccountId: string | null;
  recipientAccountId: string | null;
  isRoot: boolean;
  sourceIp: string | null;
  userAgent: string | null;
}

// AccessDenied, AccessDeniedException, UnauthorizedOperation, Client.UnauthorizedOperation,
// UnauthorizedAccess, ForbiddenException, Forbidden, NotAuthorized...: match the family, not a list.
const DENIED = /(access[._-]?denied|unauthori[sz]ed|forbidden|not[._-]?authori[sz]ed)/i;

/** True when a CloudTrail error code means the caller was not allowed. */
export function isAccessDenied(errorCode: string | null | undefined): boolean {
  return typeof errorCode === "string" && DENIED.test(errorCode);
}

/** The denied-call record of an API call arriving at `now`, or null when the call was not denied. */
export function deniedCallOf(call: ApiCall, now: number): DeniedCall | null {
  if (!isAccessDenied(call.errorCode)) return null;
  return {
    eventId: call.eventId,
    at: callTimeOf(call, now),
    arrivedAt: now,
    principal: call.principal.key,
    eventName: call.eventName,
    errorCode: call.errorCode as string,
    readOnly: call.readOnly,
    brokerId: call.brokerId,
    principalAccountId: call.principal.accountId,
    recipientAccountId: call.recipientAccountId,
    isRoot: call.principal.isRoot,
    sourceIp: call.sourceIp,
    userAgent: call.userAgent,
  };
}

/**
 * Judges one principal's denied calls. `open` is true while the principal already has an incident:
 * it then stays open as long as a denial arrived within the window.
 */
export function detectUnauthorizedApi(
  principal: string,
  calls: readonly DeniedCall[],
  now: number,
  config: ApiConfig,
  open: boolean,
): Finding | null {
  const burst = burstOf(calls, now, config);
  if (burst === null || (!burst.qualifies && !open)) return null;
  return findingOf({ subject: principal, scope: "principal" }, burst, now, config);
}

/**
 * Judges the denied calls of all the sessions of one role together: session names rotate, and a role
 * whose sessions each stay under the rule but together cross it is reported on the role's ARN. Only
 * then: a session that crosses the rule on its own (or already has an incident, `openSessions`) is
 * reported on its own, and the same burst is never reported twice. `open` keeps an open role incident
 * open while its sessions' denials keep arriving.
 */
export function detectSessionSpread(
  roleArn: string,
  calls: readonly DeniedCall[],
  now: number,
  config: ApiConfig,
  open: boolean,
  openSessions: ReadonlySet<string>,
): Finding | null {
  const all = dedupe(calls);
  const burst = burstOf(all, now, config);
  if (burst === null) return null;
  const sessions = new Set(burst.calls.map((c) => c.principal));
  if (!open) {
    if (sessions.size < 2 || burst.calls.length < config.minDenials) return null;
    for (const session of sessions) {
      if (openSessions.has(session)) return null;
      if (
        burstOf(
          all.filter((c) => c.principal === session),
          now,
          config,
        )?.qualifies
      )
        return null;
    }
  }
  return findingOf({ subject: roleArn, scope: "role" }, burst, now, config);
}

/** The calls of a burst and what the rule makes of them. */
interface Burst {
  calls: DeniedCall[];
  qualifies: boolean;
  critical: boolean;
}

/** Running counts over a window of calls (two pointers: each call enters and leaves once). */
class WindowCounts {
  count = 0;
  changes = 0;
  recent = 0;
  alone = 0;
  readonly actions = new Map<string, number>();
  readonly brokers = new Map<string, number>();

  constructor(
    private readonly since: number,
    private readonly config: ApiConfig,
  ) {}

  add(c: DeniedCall, step: 1 | -1): void {
    this.count += step;
    if (!c.readOnly) this.changes += step;
    if (c.arrivedAt >= this.since) this.recent += step;
    if (c.isRoot || isForeign(c)) this.alone += step;
    bump(this.actions, c.eventName, step);
    if (c.brokerId !== null) bump(this.brokers, c.brokerId, step);
  }

  /** Whether the rule makes an incident of the window: a burst, a denied change, root, another account. */
  get qualifies(): boolean {
    return this.count >= this.config.minDenials || this.changes > 0 || this.alone > 0;
  }

  get critical(): boolean {
    const c = this.config;
    return (
      this.count >= c.criticalDenials ||
      this.actions.size >= c.criticalActions ||
      this.brokers.size >= c.criticalBrokers ||
      this.changes >= c.criticalChanges ||
      this.alone > 0
    );
  }
}

/**
 * The burst that matters now: of the windows of `windowMinutes` (by the calls' times) that hold a call
 * arrived within the last window, the one the rule judges worst (qualifies, critical, most calls, latest).
 * Null when no denial arrived within the last window.
 */
function burstOf(calls: readonly DeniedCall[], now: number, config: ApiConfig): Burst | null {
  const all = dedupe(calls);
  const span = config.windowMinutes * MINUTE_MS;
  const counts = new WindowCounts(now - span, config);
  let best: { start: number; end: number; score: number[] } | null = null;
  let end = 0;
  for (let start = 0; start < all.length; start++) {
    const first = all[start] as DeniedCall;
    while (end < all.length && (all[end] as DeniedCall).at - first.at <= span) counts.add(all[end++] as DeniedCall, 1);
    if (counts.recent > 0) {
      const score = [Number(counts.qualifies), Number(counts.critical), counts.count, start];
      if (best === null || isBetter(score, best.score)) best = { start, end, score };
    }
    counts.add(first, -1);
  }
  if (best === null) return null;
  return { calls: all.slice(best.start, best.end), qualifies: best.score[0] === 1, critical: best.score[1] === 1 };
}

function isBetter(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) > (b[i] as number);
  return false;
}

function findingOf(who: { subject: string; scope: "principal" | "role" }, burst: Burst, now: number, config: ApiConfig): Finding {
  const recent = burst.calls;
  const actions = new Set(recent.map((c) => c.eventName));
  const brokers = new Set(recent.map((c) => c.brokerId).filter((b): b is string => b !== null));
  const changes = recent.filter((c) => !c.readOnly);
  const root = recent.some((c) => c.isRoot);
  const foreign = recent.some(isForeign);
  const sessions = new Set(recent.map((c) => c.principal));
  const critical = burst.critical;
  const reasons = [
    root ? "the root user" : null,
    foreign ? "a principal of another account" : null,
    actions.size >= config.criticalActions || brokers.size >= config.criticalBrokers ? "enumeration across actions or brokers" : null,
    changes.length > 0
      ? `${changes.length} denied change${changes.length === 1 ? "" : "s"} (${[...new Set(changes.map((c) => c.eventName))].slice(0, 4).join(", ")})`
      : null,
  ].filter((r): r is string => r !== null);
  const first = recent[0]?.at ?? now;
  const last = recent[recent.length - 1]?.at ?? now;
  const spanMinutes = Math.max(1, Math.round((last - first) / MINUTE_MS));
  const late = lateMinutesOf(recent);
  const across = who.scope === "role" ? ` across ${sessions.size} sessions` : "";
  return {
    kind: IncidentKind.unauthorizedApi,
    broker: "*",
    resource: who.subject,
    severity: critical ? Severity.critical : Severity.warning,
    condition: critical ? "denied-burst-critical" : "denied-burst",
    summary:
      `${who.subject} was denied ${recent.length} Amazon MQ call${recent.length === 1 ? "" : "s"}${across} in ${spanMinutes} min: ` +
      `${actions.size} action${actions.size === 1 ? "" : "s"} on ${brokers.size} broker${brokers.size === 1 ? "" : "s"}` +
      `${reasons.length ? `; ${reasons.join("; ")}` : ""}${lateNote(late)}.`,
    evidence: {
      principal: who.subject,
      scope: who.scope,
      sessions: sessions.size,
      deniedCalls: recent.length,
      distinctActions: actions.size,
      distinctBrokers: brokers.size,
      deniedChanges: changes.length,
      rootUser: root,
      otherAccount: foreign,
      actions: [...actions].slice(0, 10).join(", "),
      errorCodes: [...new Set(recent.map((c) => c.errorCode))].slice(0, 5).join(", "),
      sourceIps: [...new Set(recent.map((c) => c.sourceIp).filter(Boolean))].slice(0, 5).join(", "),
      userAgent: recent[recent.length - 1]?.userAgent ?? null,
      firstCallAt: new Date(first).toISOString(),
      lastCallAt: new Date(last).toISOString(),
      lateMinutes: late,
      windowMinutes: config.windowMinutes,
    },
  };
}

/** How late the latest evidence of a set of calls arrived, in whole minutes (0 when on time). */
function lateMinutesOf(calls: readonly DeniedCall[]): number {
  return calls.reduce((late, c) => Math.max(late, Math.floor((c.arrivedAt - c.at) / MINUTE_MS)), 0);
}

function isForeign(c: DeniedCall): boolean {
  return c.principalAccountId !== null && c.recipientAccountId !== null && c.principalAccountId !== c.recipientAccountId;
}

function bump(map: Map<string, number>, key: string, step: 1 | -1): void {
  const next = (map.get(key) ?? 0) + step;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}

/** One record per event id (the first arrival stands), in call-time order. */
function dedupe(calls: readonly DeniedCall[]): DeniedCall[] {
  const seen = new Map<string, DeniedCall>();
  for (const c of calls) {
    const kept = seen.get(c.eventId);
    if (!kept || c.arrivedAt < kept.arrivedAt) seen.set(c.eventId, c);
  }
  return [...seen.values()].sort((a, b) => a.at - b.at || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
}
