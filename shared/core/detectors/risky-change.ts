import { type ApiCall, type ControlTagChange, callTimeOf, controlTagChangeOf, lateNote } from "../cloudtrail-event";
import { productionTag } from "../posture/checks";
import { type Finding, IncidentKind, MINUTE_MS, type RiskyCall, Severity, Tags } from "../types";

/**
 * Risky changes: successful calls that change who can reach a broker or how it runs — DeleteBroker,
 * Create/Update/DeleteUser, UpdateBroker, Create/UpdateConfiguration, a RebootBroker made by a person
 * (not mq-sentinel's own role), a CreateBroker that asks for something risky, a CreateTags/DeleteTags
 * on the tags that steer mq-sentinel (tags are controls: they blind it or opt a broker in to reboots)
 * — and any call by the root user. One incident per broker and call name.
 */

const RISKY_CALLS: ReadonlySet<string> = new Set<RiskyCall>([
  "DeleteBroker",
  "CreateUser",
  "UpdateUser",
  "DeleteUser",
  "UpdateBroker",
  "CreateConfiguration",
  "UpdateConfiguration",
  "RebootBroker",
]);

/** Calls risky only by what they ask (see `describeChange`). */
const RISKY_BY_REQUEST: ReadonlySet<string> = new Set<RiskyCall>(["CreateBroker", "CreateTags", "DeleteTags"]);

function isRiskyCall(eventName: string): eventName is RiskyCall {
  return RISKY_CALLS.has(eventName) || RISKY_BY_REQUEST.has(eventName);
}

/** Calls after which the posture audit should look at the broker again. */
const POSTURE_CHANGES = new Set(["UpdateBroker", "CreateUser", "UpdateUser", "DeleteUser"]);

export interface RiskyChangeContext {
  /** The BrokerName of a broker id, or null when the account has no such broker (any more). */
  brokerName: string | null;
  /** mq-sentinel's own role ARNs. */
  ownRoleArns: readonly string[];
  /** When the event arrived (epoch ms): evidence that came late says so. */
  now: number;
}

/** The risky-change finding of a call, or null when the call is not one. */
export function detectRiskyChange(call: ApiCall, context: RiskyChangeContext): Finding | null {
  if (call.errorCode) return null;
  const root = call.principal.isRoot;
  const what = describeChange(call);
  const risky = RISKY_CALLS.has(call.eventName) || what.risky;
  // A risky call is one of the RiskyCall names: the condition names it (or the root user).
  const condition = root ? "root-user" : risky && isRiskyCall(call.eventName) ? call.eventName : null;
  if (condition === null) return null;
  if (!root && call.eventName === "RebootBroker" && isOwnRole(call, context.ownRoleArns)) return null;

  const broker = context.brokerName ?? "*";
  const severity =
    root || call.eventName === "DeleteBroker" || what.critical
      ? Severity.critical
      : call.eventName === "CreateConfiguration"
        ? Severity.info
        : Severity.warning;
  const who = call.principal.key;
  const late = Math.max(0, Math.floor((context.now - callTimeOf(call, context.now)) / MINUTE_MS));
  return {
    kind: IncidentKind.riskyChange,
    broker,
    resource: call.eventName,
    severity,
    condition,
    summary: `${root ? "The root user" : who} ran ${call.eventName}${broker === "*" ? (call.brokerId ? ` on unknown broker ${call.brokerId}` : "") : ` on ${broker}`}${what.text ? `: ${what.text}` : ""}${lateNote(late)}.`,
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
      callAt: call.at === null ? null : new Date(call.at).toISOString(),
      lateMinutes: late,
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

/**
 * What a change did, in words, from its request parameters; `critical` when it weakens security;
 * `risky` when a call that is not always risky (CreateBroker, tag calls) was this time.
 */
function describeChange(call: ApiCall): { text: string; critical: boolean; risky: boolean } {
  if (call.eventName === "CreateBroker") return describeCreateBroker(call);
  if (call.eventName === "CreateTags" || call.eventName === "DeleteTags") {
    const change = controlTagChangeOf(call);
    return change ? describeTagChange(change) : { text: "", critical: false, risky: false };
  }
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
  return { text: parts.join("; "), critical, risky: false };
}

/**
 * What is risky in a CreateBroker request: a public broker (critical: reachable from the internet),
 * automatic minor version upgrades off, a single instance for production (tagged as the posture audit
 * reads it: development brokers are single-instance on purpose), users with web console access. A
 * private, upgraded, redundant broker without console users is ordinary work: nothing.
 */
function describeCreateBroker(call: ApiCall): { text: string; critical: boolean; risky: boolean } {
  const p = call.requestParameters;
  const parts: string[] = [];
  const name = typeof p.brokerName === "string" ? `broker ${p.brokerName}` : "a broker";
  const publicly = p.publiclyAccessible === true;
  if (publicly) parts.push("publicly accessible");
  if (p.autoMinorVersionUpgrade === false) parts.push("automatic minor version upgrades off");
  const tags = p.tags !== null && typeof p.tags === "object" && !Array.isArray(p.tags) ? (p.tags as Record<string, unknown>) : {};
  const production = productionTag({ tags: Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, text(v)])) });
  if (p.deploymentMode === "SINGLE_INSTANCE" && production !== null) parts.push(`single instance, tagged ${production}`);
  const consoleUsers = (Array.isArray(p.users) ? p.users : [])
    .filter(
      (u): u is Record<string, unknown> => u !== null && typeof u === "object" && (u as Record<string, unknown>).consoleAccess === true,
    )
    .map((u) => (typeof u.username === "string" ? u.username : "?"));
  if (consoleUsers.length > 0) parts.push(`web console access for ${consoleUsers.slice(0, 5).join(", ")}`);
  if (parts.length === 0) return { text: "", critical: false, risky: false };
  return { text: `created ${name}: ${parts.join("; ")}`, critical: publicly, risky: true };
}

/**
 * A change to the tags that steer mq-sentinel, in words: critical when it stops the monitor watching
 * the broker (`mq-sentinel:ignore` = true) or opts the broker in to reboots (`mq-sentinel:remediate` =
 * reboot), read as mq-sentinel reads them.
 */
function describeTagChange(change: ControlTagChange): { text: string; critical: boolean; risky: boolean } {
  const parts: string[] = [];
  let critical = false;
  for (const [key, value] of Object.entries(change.set)) {
    if (key === Tags.ignore && value.trim().toLowerCase() === "true") {
      critical = true;
      parts.push(`set ${key}=${value}: mq-sentinel no longer watches the broker`);
    } else if (key === Tags.remediate && value.toLowerCase() === "reboot") {
      critical = true;
      parts.push(`set ${key}=${value}: the broker is opted in to automatic reboots`);
    } else parts.push(`set ${key}=${value}`);
  }
  if (change.removed.length > 0) parts.push(`removed ${change.removed.slice(0, 5).join(", ")}`);
  return { text: parts.join("; "), critical, risky: true };
}
