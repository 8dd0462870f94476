import type { ApiCall } from "../cloudtrail-event";
import { type Finding, IncidentKind, Severity } from "../types";

/**
 * Risky changes: successful calls that change who can reach a broker or how it runs — DeleteBroker,
 * Create/Update/DeleteUser, UpdateBroker, Create/UpdateConfiguration, a RebootBroker made by a person
 * (not mq-sentinel's own role) — and any call by the root user. One incident per broker and call name.
 */

const RISKY_CALLS = new Set([
  "DeleteBroker",
  "CreateUser",
  "UpdateUser",
  "DeleteUser",
  "UpdateBroker",
  "CreateConfiguration",
  "UpdateConfiguration",
  "RebootBroker",
]);

/** Calls after which the posture audit should look at the broker again. */
const POSTURE_CHANGES = new Set(["UpdateBroker", "CreateUser", "UpdateUser", "DeleteUser"]);

export interface RiskyChangeContext {
  /** The BrokerName of a broker id, or null when the account has no such broker (any more). */
  brokerName: string | null;
  /** mq-sentinel's own role ARNs. */
  ownRoleArns: readonly string[];
}

/** The risky-change finding of a call, or null when the call is not one. */
export function detectRiskyChange(call: ApiCall, context: RiskyChangeContext): Finding | null {
  if (call.errorCode) return null;
  const root = call.principal.isRoot;
  if (!root && !RISKY_CALLS.has(call.eventName)) return null;
  if (!root && call.eventName === "RebootBroker" && isOwnRole(call, context.ownRoleArns)) return null;

  const broker = context.brokerName ?? "*";
  const what = describeChange(call);
  const severity =
    root || call.eventName === "DeleteBroker" || what.critical
      ? Severity.critical
      : call.eventName === "CreateConfiguration"
        ? Severity.info
        : Severity.warning;
  const who = call.principal.key;
  return {
    kind: IncidentKind.riskyChange,
    broker,
    resource: call.eventName,
    severity,
    condition: root ? "root-user" : call.eventName,
    summary: `${root ? "The root user" : who} ran ${call.eventName}${broker === "*" ? (call.brokerId ? ` on unknown broker ${call.brokerId}` : "") : ` on ${broker}`}${what.text ? `: ${what.text}` : ""}.`,
    evidence: {
      eventName: call.eventName,
      principal: who,
      principalType: call.principal.type,
      rootUser: root,
      brokerId: call.brokerId,
      sourceIp: call.sourceIp,
      userAgent: call.userAgent,
      change: what.text || null,
      cloudTrailEventId: call.cloudTrailEventId,
    },
  };
}

/**
 * What the posture audit should look at again after this call, if anything: the broker a change
 * named, or every broker using a configuration whose new revision was written (UpdateConfiguration
 * names the configuration, not a broker).
 */
export function postureRecheckOf(call: ApiCall): { brokerId: string | null; configurationId: string | null } | null {
  if (call.errorCode) return null;
  if (call.eventName === "UpdateConfiguration") {
    const id = call.requestParameters.configurationId;
    return typeof id === "string" ? { brokerId: null, configurationId: id } : null;
  }
  return call.brokerId !== null && POSTURE_CHANGES.has(call.eventName) ? { brokerId: call.brokerId, configurationId: null } : null;
}

/** Any request value as short text; values are attacker-shaped (an object may even lack toString). */
function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "?";
  }
}

function isOwnRole(call: ApiCall, ownRoleArns: readonly string[]): boolean {
  const issuer = call.principal.sessionIssuerArn;
  return issuer !== null && ownRoleArns.includes(issuer);
}

/** What a change did, in words, from its request parameters; `critical` when it weakens security. */
function describeChange(call: ApiCall): { text: string; critical: boolean } {
  const p = call.requestParameters;
  const parts: string[] = [];
  let critical = false;
  if (call.eventName === "UpdateBroker") {
    const logs = p.logs as Record<string, unknown> | undefined;
    if (logs && (logs.audit === false || logs.general === false)) {
      critical = true;
      parts.push(
        `turned off ${[logs.audit === false ? "audit" : null, logs.general === false ? "general" : null].filter(Boolean).join(" and ")} logs`,
      );
    }
    if (Array.isArray(p.securityGroups)) parts.push(`set security groups to ${p.securityGroups.slice(0, 5).map(text).join(", ")}`);
    if (typeof p.engineVersion === "string") parts.push(`changed the engine version to ${p.engineVersion}`);
    if (typeof p.hostInstanceType === "string") parts.push(`changed the instance type to ${p.hostInstanceType}`);
    if (p.autoMinorVersionUpgrade === false) parts.push("turned off automatic minor version upgrades");
    const configuration = p.configuration as Record<string, unknown> | undefined;
    if (configuration && typeof configuration.id === "string")
      parts.push(
        `applied configuration ${configuration.id}${configuration.revision !== undefined ? ` revision ${text(configuration.revision)}` : ""}`,
      );
    if (typeof p.authenticationStrategy === "string") parts.push(`changed authentication to ${p.authenticationStrategy}`);
  }
  if (call.eventName === "CreateUser" || call.eventName === "UpdateUser" || call.eventName === "DeleteUser") {
    if (typeof p.username === "string") parts.push(`user ${p.username}`);
    if (Array.isArray(p.groups) && p.groups.length) parts.push(`groups ${p.groups.slice(0, 5).map(text).join(", ")}`);
    if (p.consoleAccess === true) parts.push("with console access");
  }
  if (call.eventName === "UpdateConfiguration" || call.eventName === "CreateConfiguration") {
    const id = p.configurationId ?? p.name;
    if (typeof id === "string") parts.push(`configuration ${id}`);
  }
  return { text: parts.join("; "), critical };
}
