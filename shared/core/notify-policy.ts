import type { Incident, PendingNotification, Transition } from "./incidents";
import type { MessageTransition, NotifyReason, RemediationNote } from "./notifications";
import { IncidentKind, MINUTE_MS } from "./types";

/**
 * When to tell people, after Alertmanager: every transition is enqueued in its incident's outbox
 * (`first`, `changed`, `resolved`), long-open incidents are repeated (`repeat`), and at delivery a
 * silence drops a notification (`muted`) while inhibition holds it back: by the configured rules (by
 * default, the queue and connection findings of a broker that is unhealthy or rebooting wait until
 * the broker is back, so a broker outage is one message, not a storm). One muting decision for all of
 * it, with its reason and, when nothing is sent, its typed cause.
 */

/** A time-boxed mute, matched on any of broker, kind and resource (absent: any). */
export interface Silence {
  id: string;
  broker?: string;
  kind?: string;
  resource?: string;
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
}

/** True when the silence is in force at `now` and matches the incident. */
export function silenceMatches(silence: Silence, incident: Pick<Incident, "broker" | "kind" | "resource">, now: number): boolean {
  return (
    now >= silence.startsAt &&
    now < silence.endsAt &&
    (silence.broker === undefined || silence.broker === incident.broker) &&
    (silence.kind === undefined || silence.kind === incident.kind) &&
    (silence.resource === undefined || silence.resource === incident.resource)
  );
}

const REASON_OF: Record<Transition["type"], Exclude<NotifyReason, "muted">> = {
  opened: "first",
  escalated: "changed",
  updated: "changed",
  resolved: "resolved",
};

/**
 * The incident with the notification of its transition enqueued. An incident that resolves before
 * anyone was told (its opening still undelivered everywhere) is dropped quietly instead: nobody
 * needs to hear that something they never heard of is over.
 */
export function enqueueTransition(incident: Incident, transition: Transition, channels: readonly string[], now: number): Incident {
  if (transition.type === "resolved" && incident.notified === null) {
    return { ...incident, outbox: incident.outbox.map((p) => dropAll(p, "resolved before it was announced")) };
  }
  // A change to an incident whose opening is still waiting for a channel needs no message of its
  // own there: the opening shows the incident as it is when it is sent.
  const waiting =
    transition.type === "resolved"
      ? []
      : channels.filter((c) => incident.outbox.some((p) => p.reason === "first" && p.channels[c] === "pending"));
  const targets = channels.filter((c) => !waiting.includes(c));
  const queued = enqueue(incident, transition.type, REASON_OF[transition.type], targets, now, transition.previousSeverity);
  if (!transition.flap || queued === incident) return queued;
  // Marks the notification just enqueued (the last one) as the flapping announcement.
  const outbox = queued.outbox.map((p, i) => (i === queued.outbox.length - 1 ? { ...p, flap: transition.flap } : p));
  return { ...queued, outbox };
}

/** The incident with a remediation decision enqueued (always announced: it is an audit trail). */
export function enqueueRemediation(incident: Incident, note: RemediationNote, channels: readonly string[], now: number): Incident {
  return enqueue(incident, "remediation", incident.notified === null ? "first" : "changed", channels, now, undefined, note);
}

/**
 * Whether an open incident is due a reminder: announced, nothing pending, quiet for the repeat
 * interval, and not flapping (a flapping incident is announced when flapping starts and stops, as
 * Nagios does).
 */
export function dueRepeat(incident: Incident, now: number, repeatIntervalMinutes: number): boolean {
  return (
    incident.status === "open" &&
    !incident.noise?.flapping &&
    incident.notified !== null &&
    now - incident.notified.at >= repeatIntervalMinutes * MINUTE_MS &&
    !incident.outbox.some(isPending)
  );
}

/**
 * Whether an open incident whose opening a silence dropped is due it now: nobody was ever told, and
 * the caller has checked that no silence matches any more (as Alertmanager notifies an alert still
 * firing when its silence expires).
 */
export function dueAfterSilence(incident: Incident): boolean {
  return (
    incident.status === "open" && incident.notified === null && typeof incident.mutedAt === "number" && !incident.outbox.some(isPending)
  );
}

/** The incident with its opening enqueued again, after the silence that dropped it. */
export function enqueueAfterSilence(incident: Incident, channels: readonly string[], now: number): Incident {
  return { ...enqueue(incident, "opened", "first", channels, now), mutedAt: null };
}

/** The incident with a reminder enqueued. */
export function enqueueRepeat(incident: Incident, channels: readonly string[], now: number): Incident {
  return enqueue(incident, "updated", "repeat", channels, now);
}

function enqueue(
  incident: Incident,
  transition: MessageTransition,
  reason: Exclude<NotifyReason, "muted">,
  channels: readonly string[],
  now: number,
  previousSeverity?: Incident["severity"],
  remediation?: RemediationNote,
): Incident {
  if (channels.length === 0) return incident;
  const pending: PendingNotification = {
    // The version and transition make the id unique (a resolution and a remediation note can be
    // enqueued on the same version) and stable across a retried write.
    id: `${incident.id}#${incident.version}:${transition}`,
    transition,
    reason,
    ...(previousSeverity ? { previousSeverity } : {}),
    ...(remediation ? { remediation } : {}),
    createdAt: now,
    channels: Object.fromEntries(channels.map((c) => [c, "pending" as const])),
    attempts: 0,
    notBefore: now,
    leaseUntil: 0,
  };
  return { ...incident, outbox: [...incident.outbox.filter(isPending), pending] };
}

/** True while a notification still has a channel to deliver to. */
export function isPending(p: PendingNotification): boolean {
  return Object.values(p.channels).includes("pending");
}

function dropAll(p: PendingNotification, why: string): PendingNotification {
  return {
    ...p,
    channels: Object.fromEntries(Object.entries(p.channels).map(([c, s]) => [c, s === "pending" ? "dropped" : s])),
    lastError: why,
  };
}

/**
 * An inhibition rule (config `notifications.inhibit`, after Alertmanager's `inhibit_rules`): while an
 * incident of kind `source` is active on a broker, that broker's notifications of the `target` kinds
 * wait. `equal` names what source and target must share; an incident's broker is the only such label.
 */
export interface InhibitRule {
  source: IncidentKind;
  target: readonly IncidentKind[];
  equal: "broker";
}

/** What holds notifications back now: per target kind, the brokers inhibited and the kind that inhibits them. */
export type Inhibitions = ReadonlyMap<IncidentKind, ReadonlyMap<string, IncidentKind>>;

/**
 * The inhibitions in force, from the rules and the active incidents (pending included: a broker whose
 * reboot is in progress has a pending broker-unhealthy incident). The first rule that holds a target wins.
 */
export function inhibitionsOf(rules: readonly InhibitRule[], active: readonly Pick<Incident, "kind" | "broker">[]): Inhibitions {
  const out = new Map<IncidentKind, Map<string, IncidentKind>>();
  for (const rule of rules) {
    const brokers = active.filter((i) => i.kind === rule.source).map((i) => i.broker);
    for (const target of rule.target) {
      const held = out.get(target) ?? new Map<string, IncidentKind>();
      for (const broker of brokers) if (!held.has(broker)) held.set(broker, rule.source);
      out.set(target, held);
    }
  }
  return out;
}

export interface DeliveryContext {
  silences: readonly Silence[];
  inhibitions: Inhibitions;
  now: number;
}

/** A notification past this age that could not be delivered is given up (and logged as an error). */
const GIVE_UP_MS = 24 * 3_600_000;

/** Why a notification waits: inhibited by another incident, backing off after a failure, or being sent by another invocation. */
export type HoldCause = "inhibited" | "backing-off" | "leased";
/** Why a notification is dropped: a silence matches it, or it could not be delivered for {@link GIVE_UP_MS}. */
export type DropCause = "silenced" | "undeliverable";

/** What to do with a pending notification: `reason` is what it announces, `cause` why it is not sent now. */
export type DeliveryDecision =
  | { action: "send"; reason: Exclude<NotifyReason, "muted"> }
  | { action: "hold"; reason: NotifyReason; cause: HoldCause; detail: string }
  | { action: "drop"; reason: "muted"; cause: DropCause; detail: string };

/** What to do with a pending notification now, and why. */
export function decideDelivery(incident: Incident, pending: PendingNotification, context: DeliveryContext): DeliveryDecision {
  if (context.now - pending.createdAt > GIVE_UP_MS)
    return { action: "drop", reason: "muted", cause: "undeliverable", detail: "undeliverable for 24 hours" };
  const silence = context.silences.find((s) => silenceMatches(s, incident, context.now));
  if (silence) {
    const detail = `silenced by ${silence.id}${silence.comment ? ` (${silence.comment})` : ""}`;
    return { action: "drop", reason: "muted", cause: "silenced", detail };
  }
  const inhibitor = context.inhibitions.get(incident.kind)?.get(incident.broker);
  // A reboot decision is an audit trail: never held back.
  if (inhibitor !== undefined && pending.transition !== "remediation") {
    return { action: "hold", reason: "muted", cause: "inhibited", detail: inhibitedDetail(incident.broker, inhibitor) };
  }
  if (pending.notBefore > context.now) return { action: "hold", reason: pending.reason, cause: "backing-off", detail: "waiting to retry" };
  if (pending.leaseUntil > context.now)
    return { action: "hold", reason: pending.reason, cause: "leased", detail: "being delivered by another invocation" };
  return { action: "send", reason: pending.reason };
}

function inhibitedDetail(broker: string, inhibitor: IncidentKind): string {
  return inhibitor === IncidentKind.brokerUnhealthy
    ? `held back while broker ${broker} is unhealthy or rebooting`
    : `held back while broker ${broker} has an active ${inhibitor} incident`;
}

/** Backoff after a failed delivery: 1, 2, 4, then every 5 minutes, so an outage's end is noticed soon. */
export function retryDelayMs(attempts: number): number {
  return Math.min(5, 2 ** Math.max(0, attempts - 1)) * MINUTE_MS;
}
