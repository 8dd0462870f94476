import type { ApiCall } from "../cloudtrail-event";
import type { Config } from "../config";
import { type Finding, IncidentKind, Severity } from "../types";

/**
 * Unauthorized Amazon MQ API calls: the AccessDenied family, grouped per principal over a sliding
 * window. One denied read is a person missing a permission and stays quiet; repeated denials, a
 * denied change, the root user or another account's principal make an incident, and breadth
 * (many actions or brokers: enumeration) makes it critical.
 */

type ApiConfig = Config["apiActivity"];

/** A denied call as kept for the window. */
export interface DeniedCall {
  eventId: string;
  at: number;
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

/** The denied-call record of an API call, or null when the call was not denied. */
export function deniedCallOf(call: ApiCall, now: number): DeniedCall | null {
  if (!isAccessDenied(call.errorCode)) return null;
  return {
    eventId: call.eventId,
    at: call.at ?? now,
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
 * Judges one principal's denied calls in the window. `open` is true while the principal already
 * has an incident: it then stays open as long as any denial is in the window.
 */
export function detectUnauthorizedApi(
  principal: string,
  calls: readonly DeniedCall[],
  now: number,
  config: ApiConfig,
  open: boolean,
): Finding | null {
  const since = now - config.windowMinutes * 60_000;
  const recent = dedupe(calls.filter((c) => c.at >= since));
  if (recent.length === 0) return null;

  const actions = new Set(recent.map((c) => c.eventName));
  const brokers = new Set(recent.map((c) => c.brokerId).filter((b): b is string => b !== null));
  const changes = recent.filter((c) => !c.readOnly);
  const root = recent.some((c) => c.isRoot);
  const foreign = recent.some(
    (c) => c.principalAccountId !== null && c.recipientAccountId !== null && c.principalAccountId !== c.recipientAccountId,
  );
  const qualifies = recent.length >= config.minDenials || changes.length > 0 || root || foreign;
  if (!qualifies && !open) return null;

  const critical =
    recent.length >= config.criticalDenials ||
    actions.size >= config.criticalActions ||
    brokers.size >= config.criticalBrokers ||
    changes.length >= config.criticalChanges ||
    root ||
    foreign;
  const reasons = [
    root ? "the root user" : null,
    foreign ? "a principal of another account" : null,
    actions.size >= config.criticalActions || brokers.size >= config.criticalBrokers ? "enumeration across actions or brokers" : null,
    changes.length > 0
      ? `${changes.length} denied change${changes.length === 1 ? "" : "s"} (${[...new Set(changes.map((c) => c.eventName))].slice(0, 4).join(", ")})`
      : null,
  ].filter((r): r is string => r !== null);
  const first = Math.min(...recent.map((c) => c.at));
  const spanMinutes = Math.max(1, Math.round((Math.max(...recent.map((c) => c.at)) - first) / 60_000));
  return {
    kind: IncidentKind.unauthorizedApi,
    broker: "*",
    resource: principal,
    severity: critical ? Severity.critical : Severity.warning,
    condition: critical ? "denied-burst-critical" : "denied-burst",
    summary: `${principal} was denied ${recent.length} Amazon MQ call${recent.length === 1 ? "" : "s"} in ${spanMinutes} min: ${actions.size} action${actions.size === 1 ? "" : "s"} on ${brokers.size} broker${brokers.size === 1 ? "" : "s"}${reasons.length ? `; ${reasons.join("; ")}` : ""}.`,
    evidence: {
      principal,
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
      windowMinutes: config.windowMinutes,
    },
  };
}

function dedupe(calls: readonly DeniedCall[]): DeniedCall[] {
  const seen = new Map<string, DeniedCall>();
  for (const c of calls) seen.set(c.eventId, c);
  return [...seen.values()].sort((a, b) => a.at - b.at);
}
