import type { Config } from "./config";
import type { Incident } from "./incidents";
import { type Broker, DeploymentMode, IncidentKind, MINUTE_MS, Severity, Tags } from "./types";

/**
 * When mq-sentinel may reboot a broker (DESIGN.md §1.6). The only action is `RebootBroker`: for an
 * active/standby broker it fails over to the standby, which makes stuck consumers reconnect, clears
 * a heap that no GC frees, and drops leaked connections. It cannot help a queue nobody consumes, a
 * full store, or anything security-related, and a reboot of a single-instance broker is an outage.
 * Every guard must pass; the first that fails is the recorded reason. An unsafe reboot is the worst
 * bug mq-sentinel can have, so anything unknown refuses. Two guards come from facts of the service:
 * RebootBroker also applies whatever is staged on the broker (an engine version, a configuration
 * revision, ...), and tags are controls anyone with mq:CreateTags can set, so an opt-in counts only
 * once it has been in place for a while.
 */

/** The IAM permission the action needs (the packaged template must grant exactly this, to one role). */
export const REBOOT_PERMISSION = "mq:RebootBroker";

import type { RemediationOutcome } from "./types";

// The outcome types live with the other shared vocabulary (types.ts), so the incident model needs no policy.
export type { RemediationOutcome, RemediationRecordOutcome } from "./types";

/**
 * Which rule decided, for code to branch on (people read `reason`): a check or guard that refused, the
 * mode that let the reboot through, or a step of the remediate use case (the lock, the reboot call, a
 * person's answer).
 */
export type RemediationCause =
  // rebootCanHelp and the checks before the guards
  | "cannot-help"
  | "mode-off"
  | "incident-closed"
  | "broker-gone"
  | "other-broker"
  // the guards, in their order
  | "not-opted-in"
  | "opt-in-unsettled"
  | "staged-changes"
  | "single-instance"
  | "not-running"
  | "held"
  | "verification-pending"
  | "cooldown"
  | "budget"
  | "kill-switch"
  // every guard passes: what the mode makes of it
  | "approval-needed"
  | "approved"
  | "dry-run"
  | "go"
  // the remediate use case
  | "incident-replaced"
  | "guards-unreadable"
  | "already-asked"
  | "approval-unavailable"
  | "nothing-to-act-on"
  | "not-an-approver"
  | "denied"
  | "expired"
  | "lock-held"
  | "lock-unavailable"
  | "reboot-failed"
  | "rebooted";

export interface RemediationDecision {
  /**
   * `executed` means: go ahead (the lock and budget are taken next, and may still refuse);
   * `awaiting-approval`: every guard passes and a person is asked (mode approve).
   */
  outcome: RemediationOutcome;
  /** What people read: the audit trail and the announcements record it. */
  reason: string;
  cause: RemediationCause;
}

/** Whether a reboot can help an incident, and why (or why not). */
export function rebootCanHelp(incident: Pick<Incident, "kind" | "resource" | "condition" | "severity" | "evidence">): {
  helps: boolean;
  why: string;
} {
  if (incident.kind === IncidentKind.consumerLag && incident.condition === "stalled") {
    return { helps: true, why: "consumers are connected but stuck; a failover makes them reconnect" };
  }
  if (incident.kind === IncidentKind.resourcePressure && incident.resource === "heap" && incident.severity === Severity.critical) {
    return { helps: true, why: "the heap stays full between garbage collections; a restart frees it" };
  }
  if (
    incident.kind === IncidentKind.connectionExhaustion &&
    incident.condition === "connections-at-limit" &&
    typeof incident.evidence.growthPerMinute === "number" &&
    incident.evidence.growthPerMinute > 0
  ) {
    return { helps: true, why: "connections are at the limit and still climbing (a leak); a restart drops them" };
  }
  return { helps: false, why: whyNot(incident) };
}

function whyNot(incident: Pick<Incident, "kind" | "condition" | "resource">): string {
  if (incident.kind === IncidentKind.consumerLag) {
    if (incident.condition === "no-consumers") return "a reboot cannot give a queue consumers";
    return `a reboot does not help ${incident.condition}`;
  }
  if (incident.kind === IncidentKind.resourcePressure) return `a reboot does not free ${incident.resource ?? "this resource"} for long`;
  if (
    incident.kind === IncidentKind.unauthorizedApi ||
    incident.kind === IncidentKind.riskyChange ||
    incident.kind === IncidentKind.posture
  ) {
    return "a reboot never answers a security finding";
  }
  if (incident.kind === IncidentKind.brokerUnhealthy) return "the broker is not healthy enough to reboot safely";
  return `a reboot does not help ${incident.kind}`;
}

/** Everything the decision reads, gathered fresh just before it is taken. */
export interface RemediationContext {
  incident: Incident;
  /** The broker as DescribeBroker returns it now; null when it no longer exists. */
  broker: Broker | null;
  config: Config["remediation"];
  /** The run-time kill switch: true when set, null when it could not be read (which refuses). */
  killSwitch: boolean | null;
  /** When this broker was last rebooted by mq-sentinel (epoch ms), if ever. */
  lastRebootAt: number | null;
  /** Reboots mq-sentinel made in the account in the last 60 minutes (a rolling hour). */
  rebootsInLastHour: number;
  /** True while an earlier reboot of this broker still waits for its verdict (verified or escalated). */
  verificationPending: boolean;
  /** Set when an earlier reboot of this broker did not help: no more reboots until a person resets it. */
  heldBecause: string | null;
  /** What the opt-in records say of the broker: since when it carries the opt-in (see `RecordedOptIn`). */
  optIn: RecordedOptIn;
  /** Mode approve: the person who approved this reboot (checked against the approvers by the caller). */
  approval?: { by: string; at: number } | null;
  now: number;
}

/**
 * The broker's recorded opt-in state (the `OptInRecords` port): whether it was opted in, since when
 * (epoch ms; null: already when mq-sentinel first looked at it) and who saw it (`inventory`,
 * `cloudtrail:<principal>`, `remediate`); `none` when nothing is recorded; `unreadable` when the
 * records could not be read.
 */
export type RecordedOptIn = { optedIn: boolean; since: number | null; source: string } | "none" | "unreadable";

/** True when the broker's tags opt it in to reboots (`mq-sentinel:remediate=reboot`). */
export function optedIn(broker: Pick<Broker, "tags">): boolean {
  // The value the IAM condition on RebootBroker accepts (StringEqualsIgnoreCase): no trimming, which IAM cannot do.
  return (broker.tags[Tags.remediate] ?? "").toLowerCase() === "reboot";
}

/** One guard: a name people recognise, its cause, and the refusal when it does not pass (null when it passes). */
interface Guard {
  name: string;
  cause: RemediationCause;
  refuses: (c: RemediationContext, broker: Broker) => string | null;
}

/**
 * The guards after the reboot-can-help, mode and broker checks, in the order they are checked (the
 * first refusal is the recorded reason). They are listed so an approval request can show each one's
 * state, and an approval re-checks every one at the moment it is given.
 */
const GUARDS: readonly Guard[] = [
  {
    name: "opt-in tag",
    cause: "not-opted-in",
    refuses: (_c, b) => (optedIn(b) ? null : `broker ${b.name} is not opted in (tag ${Tags.remediate}=reboot)`),
  },
  { name: "opt-in settled", cause: "opt-in-unsettled", refuses: (c) => unsettledOptIn(c.optIn, c.config.optInSettleMinutes, c.now) },
  // Checked on the description taken just before RebootBroker, which would roll these out.
  {
    name: "nothing staged",
    cause: "staged-changes",
    refuses: (_c, b) => (b.pendingChanges.length > 0 ? stagedChangesReason(b.pendingChanges) : null),
  },
  {
    name: "deployment mode",
    cause: "single-instance",
    refuses: (c, b) =>
      b.deploymentMode === DeploymentMode.single && !c.config.allowSingleInstance
        ? "a single-instance broker would go offline (remediation.allowSingleInstance is false)"
        : null,
  },
  {
    name: "broker RUNNING",
    cause: "not-running",
    refuses: (_c, b) => (b.state === "RUNNING" ? null : `the broker is ${b.state}, not RUNNING`),
  },
  {
    name: "no hold",
    cause: "held",
    refuses: (c, b) =>
      c.heldBecause
        ? `reboots of this broker are held: ${c.heldBecause}; a person must reset it (mq-sentinel remediation reset ${b.name})`
        : null,
  },
  {
    name: "last reboot judged",
    cause: "verification-pending",
    refuses: (c) =>
      c.verificationPending ? "the last reboot of this broker is still being verified; it is judged before another one" : null,
  },
  {
    name: "cooldown",
    cause: "cooldown",
    refuses: (c) => {
      if (c.lastRebootAt === null || c.now - c.lastRebootAt >= c.config.cooldownMinutes * MINUTE_MS) return null;
      return `rebooted ${Math.round((c.now - c.lastRebootAt) / MINUTE_MS)} min ago; the cooldown is ${c.config.cooldownMinutes} min`;
    },
  },
  {
    name: "hourly budget",
    cause: "budget",
    refuses: (c) => (c.rebootsInLastHour >= c.config.maxRebootsPerHour ? budgetSpent(c.config.maxRebootsPerHour) : null),
  },
  {
    name: "kill switch",
    cause: "kill-switch",
    refuses: (c) => {
      if (c.config.killSwitch) return "the kill switch is on (remediation.killSwitch)";
      if (c.killSwitch === null) return "the kill switch could not be read: refusing to act blind";
      return c.killSwitch ? "the kill switch is on (SSM parameter)" : null;
    },
  },
];

/** Each guard's state now, for people deciding on an approval request. */
export function guardReport(c: RemediationContext): { guard: string; ok: boolean; detail: string }[] {
  const { broker } = c;
  if (!broker) return [{ guard: "broker exists", ok: false, detail: "the broker no longer exists" }];
  return GUARDS.map((g) => {
    const refusal = g.refuses(c, broker);
    return { guard: g.name, ok: refusal === null, detail: refusal ?? "passes" };
  });
}

/** Decides whether to reboot for an incident now. Pure: no guard is skipped, the first refusal wins. */
export function decideRemediation(c: RemediationContext): RemediationDecision {
  const { incident, broker, config } = c;

  const help = rebootCanHelp(incident);
  if (!help.helps) return blocked("cannot-help", help.why);
  if (config.mode === "off") return blocked("mode-off", "remediation.mode is off");
  if (incident.status !== "open") return blocked("incident-closed", `the incident is ${incident.status}: the condition is gone`);
  if (!broker) return blocked("broker-gone", "the broker no longer exists");
  if (broker.name !== incident.broker) return blocked("other-broker", "the incident belongs to another broker");
  for (const guard of GUARDS) {
    const refusal = guard.refuses(c, broker);
    if (refusal) return blocked(guard.cause, refusal);
  }
  if (config.mode === "approve") {
    // Every guard passes now; a person decides, and every guard is checked again when they do.
    if (!c.approval)
      return { outcome: "awaiting-approval", cause: "approval-needed", reason: `asks for approval to reboot ${broker.name}: ${help.why}` };
    return { outcome: "executed", cause: "approved", reason: `rebooting ${broker.name}, approved by ${c.approval.by}: ${help.why}` };
  }
  if (config.mode === "dry-run")
    return { outcome: "dry-run", cause: "dry-run", reason: `would reboot ${broker.name}: ${help.why} (remediation.mode is dry-run)` };
  return { outcome: "executed", cause: "go", reason: `rebooting ${broker.name}: ${help.why}` };
}

/** A refusal: the outcome `blocked`, with the rule that refused and why. */
export function blocked(cause: RemediationCause, reason: string): RemediationDecision {
  return { outcome: "blocked", cause, reason };
}

/**
 * Why an opt-in tag does not count yet, or null when it does. Tags are controls: anyone allowed
 * mq:CreateTags can add `mq-sentinel:remediate=reboot`, so it counts only once it has been in place
 * for `settleMinutes` (0: at once). An opt-in that predates the monitor (recorded at first sight,
 * `since` null) counts; one the records do not show, or that they cannot confirm, does not.
 */
export function unsettledOptIn(recorded: RecordedOptIn, settleMinutes: number, now: number): string | null {
  if (settleMinutes <= 0) return null;
  const counts = `it counts after ${settleMinutes} min`;
  if (recorded === "unreadable") return "the opt-in records could not be read: refusing to act on an opt-in tag of unknown age";
  if (recorded === "none" || !recorded.optedIn) return `the opt-in tag is new (mq-sentinel had not seen it before now); ${counts}`;
  if (recorded.since === null) return null;
  const age = now - recorded.since;
  if (age >= settleMinutes * MINUTE_MS) return null;
  return `the opt-in tag was added ${Math.max(0, Math.floor(age / MINUTE_MS))} min ago (${seenBy(recorded.source)}); ${counts}`;
}

/** Longest principal quoted in a reason: it comes from CloudTrail, so it is outside text. */
const MAX_PRINCIPAL = 200;

function seenBy(source: string): string {
  if (source.startsWith("cloudtrail:")) {
    const principal = source.slice("cloudtrail:".length);
    return `by ${principal.length > MAX_PRINCIPAL ? `${principal.slice(0, MAX_PRINCIPAL - 1)}…` : principal}`;
  }
  if (source === "inventory") return "first seen by the minute cycle";
  if (source === "remediate") return "first seen when a reboot was considered";
  return `seen by ${source}`;
}

/** The refusal for a broker with staged changes (RebootBroker would apply them). */
export function stagedChangesReason(pendingChanges: readonly string[]): string {
  return `a reboot would apply staged changes nobody approved: ${pendingChanges.join("; ")}`;
}

/** The budget counts reboots in a rolling window: never more than the maximum within any 60 minutes. */
export const BUDGET_WINDOW_MS = 3_600_000;

export function budgetSpent(max: number): string {
  return `the account's budget of ${max} reboots in 60 minutes is spent`;
}

/**
 * How long a reboot holds the broker's lock: the cooldown, but never less than the verification
 * deadline, so a second reboot cannot slip in before the first is judged (even with a cooldown of 0).
 */
export function lockMinutes(config: Config["remediation"]): number {
  return Math.max(config.cooldownMinutes, config.verifyWithinMinutes, 1);
}
