import { mapWithConcurrency } from "../core/concurrency";
import type { Config } from "../core/config";
import type { Incident, PendingNotification } from "../core/incidents";
import type { MessageContext, MessageGroup, NotificationItem } from "../core/notifications";
import {
  type DeliveryDecision,
  decideDelivery,
  dueAfterSilence,
  dueRepeat,
  enqueueAfterSilence,
  enqueueRepeat,
  isPending,
  retryDelayMs,
  type Silence,
  silenceMatches,
} from "../core/notify-policy";
import { IncidentKind } from "../core/types";
import { describeError } from "../errors";
import type { Clock, DeliveryResult, IncidentStore, Log, Notifier, SilenceStore } from "../ports";

/** What delivering notifications needs. */
export interface DeliveryDeps {
  incidents: IncidentStore;
  notifiers: readonly Notifier[];
  silences: SilenceStore;
  clock: Clock;
  log: Log;
  config: Config;
  /** Account, region and broker ids for console links (kept up to date by the handlers). */
  links: MessageContext;
}

/** One message sent (or tried) on one channel. */
export interface Delivery {
  channel: string;
  group: MessageGroup;
  result: DeliveryResult;
}

export interface DeliveryReport {
  deliveries: Delivery[];
  /** Decisions taken, for logs and tests: incident, notification, what and why. */
  decisions: { incidentId: string; notificationId: string; decision: DeliveryDecision }[];
  errors: string[];
}

/** How long a delivery in progress keeps other invocations off the same notifications. */
const LEASE_MS = 60_000;
/** A notification that could not be delivered for this long is given up (and logged as an error). */
const GIVE_UP_MS = 24 * 3_600_000;

/**
 * Delivers what waits in the incidents' outboxes, on every channel:
 * 1. enqueue reminders for incidents open and unannounced for the repeat interval
 * 2. load incidents with pending notifications, the silences, and the brokers that inhibit
 * 3. decide per notification: send, hold (inhibited, backing off) or drop (silenced), with the reason
 * 4. lease what will be sent (a conditional write), so a concurrent invocation cannot send it too
 * 5. group per broker and transition, render and send on each channel
 * 6. record per channel: sent, retry later (backoff or Slack's Retry-After) or refused for good
 */
export async function deliverNotifications(deps: DeliveryDeps): Promise<DeliveryReport> {
  const report: DeliveryReport = { deliveries: [], decisions: [], errors: [] };
  if (deps.notifiers.length === 0) return report;
  const { clock, log } = deps;
  const now = clock.now();
  const fail = (line: string) => {
    report.errors.push(line);
    log.error(line);
  };

  // 1-2. silences, reminders, pending notifications, inhibitors
  let silences: Silence[] = [];
  try {
    silences = await deps.silences.active(now);
  } catch (error) {
    // Without the silences, tell people rather than stay quiet.
    fail(`silences unavailable, delivering without them: ${describeError(error)}`);
  }
  let active: Incident[];
  let pending: Incident[];
  try {
    active = await deps.incidents.loadActive();
    await enqueueRepeats(deps, active, silences, now, fail);
    pending = await deps.incidents.loadWithPendingNotifications();
  } catch (error) {
    fail(`notification delivery skipped: ${describeError(error)}`);
    return report;
  }
  if (pending.length === 0) return report;
  const inhibitingBrokers = new Set(active.filter((i) => i.kind === IncidentKind.brokerUnhealthy).map((i) => i.broker));

  // 3. decide
  const toSend: { incident: Incident; notification: PendingNotification }[] = [];
  const changed = new Map<string, Incident>();
  for (const incident of pending) {
    let next = incident;
    for (const notification of incident.outbox.filter(isPending)) {
      const decision = expired(notification, now)
        ? ({ action: "drop", reason: "muted", detail: "undeliverable for 24 hours" } as const)
        : decideDelivery(incident, notification, { silences, inhibitingBrokers, now });
      report.decisions.push({ incidentId: incident.id, notificationId: notification.id, decision });
      if (decision.action === "drop") {
        if (decision.detail.startsWith("undeliverable"))
          fail(`notification ${notification.id} given up: ${notification.lastError ?? "undelivered"}`);
        next = updateNotification(next, notification.id, (n) => ({
          ...n,
          channels: mapPending(n.channels, "dropped"),
          lastError: decision.detail,
        }));
        // An opening nobody heard of because of a silence is announced when the silence ends.
        if (decision.detail.startsWith("silenced") && notification.reason === "first" && next.notified === null)
          next = { ...next, mutedAt: now };
        changed.set(incident.fingerprint, next);
      } else if (decision.action === "send") {
        toSend.push({ incident, notification });
      }
    }
  }

  // 4. lease
  const leased = new Map<string, Incident>();
  for (const incident of new Set(toSend.map((s) => s.incident))) {
    const base = changed.get(incident.fingerprint) ?? incident;
    const ids = new Set(toSend.filter((s) => s.incident === incident).map((s) => s.notification.id));
    const withLease: Incident = {
      ...base,
      outbox: base.outbox.map((n) => (ids.has(n.id) ? { ...n, leaseUntil: now + LEASE_MS } : n)),
      version: base.version + 1,
    };
    try {
      if (await deps.incidents.save(withLease, incident.version)) leased.set(incident.fingerprint, withLease);
      else log.info("notifications taken by another invocation", { incidentId: incident.id });
    } catch (error) {
      fail(`leasing notifications of ${incident.fingerprint} failed: ${describeError(error)}`);
    }
    changed.delete(incident.fingerprint);
  }
  await saveAll(
    deps,
    [...changed.values()].map((i) => ({ ...i, outbox: i.outbox.filter(isPending) })),
    pending,
    fail,
  );

  // 5. group, render, send
  const context: MessageContext = { ...deps.links, brokerIds: { ...deps.links.brokerIds } };
  const sendable = toSend.filter((s) => leased.has(s.incident.fingerprint));
  const outcomes = new Map<string, Map<string, DeliveryResult>>(); // notification id -> channel -> result
  for (const channel of deps.notifiers) {
    const groups = groupFor(
      sendable.filter((s) => s.notification.channels[channel.name] === "pending"),
      context,
      now,
    );
    const results = await mapWithConcurrency(groups, 2, async ({ group, ids }) => {
      let result: DeliveryResult;
      try {
        result = await channel.send(group);
      } catch (error) {
        result = { ok: false, retryable: true, error: describeError(error), body: null };
      }
      return { group, ids, result };
    });
    for (const { group, ids, result } of results) {
      report.deliveries.push({ channel: channel.name, group, result });
      if (!result.ok)
        log.warn("notification not delivered", {
          channel: channel.name,
          broker: group.broker,
          error: result.error,
          retryable: result.retryable,
        });
      for (const id of ids) {
        const perChannel = outcomes.get(id) ?? new Map<string, DeliveryResult>();
        perChannel.set(channel.name, result);
        outcomes.set(id, perChannel);
      }
    }
  }

  // 6. record
  const recorded = [...leased.values()].map((incident) => {
    let next: Incident = { ...incident, version: incident.version + 1 };
    for (const notification of incident.outbox) {
      const perChannel = outcomes.get(notification.id);
      if (!perChannel) continue;
      next = updateNotification(next, notification.id, (n) => applyResults(n, perChannel, now));
      if ([...perChannel.values()].some((r) => r.ok)) next = { ...next, notified: { at: now, severity: incident.severity } };
    }
    // Delivered (or dropped) everywhere: out of the outbox.
    return { ...next, outbox: next.outbox.filter(isPending) };
  });
  await saveAll(deps, recorded, [...leased.values()], fail);
  return report;
}

/**
 * Reminders of long-open incidents, and the openings a silence dropped once it has ended. Nothing is
 * enqueued for an incident a silence still matches: it would only be dropped.
 */
async function enqueueRepeats(
  deps: DeliveryDeps,
  active: readonly Incident[],
  silences: readonly Silence[],
  now: number,
  fail: (line: string) => void,
): Promise<void> {
  const names = deps.notifiers.map((c) => c.name);
  for (const incident of active) {
    if (silences.some((s) => silenceMatches(s, incident, now))) continue;
    let enqueued: Incident;
    if (dueAfterSilence(incident)) enqueued = enqueueAfterSilence(incident, names, now);
    else if (dueRepeat(incident, now, deps.config.notifications.repeatIntervalMinutes)) enqueued = enqueueRepeat(incident, names, now);
    else continue;
    const next = { ...enqueued, version: incident.version + 1 };
    try {
      await deps.incidents.save(next, incident.version);
    } catch (error) {
      fail(`enqueueing a reminder for ${incident.fingerprint} failed: ${describeError(error)}`);
    }
  }
}

/** One message per broker and transition, listing every incident in it. */
function groupFor(items: readonly { incident: Incident; notification: PendingNotification }[], context: MessageContext, at: number) {
  const groups = new Map<string, { group: MessageGroup; ids: string[] }>();
  for (const { incident, notification } of items) {
    // Posture findings come from one audit of the whole account: one digest message, not one per broker.
    const broker = incident.kind === IncidentKind.posture ? "*" : incident.broker;
    const key = `${broker}\u0000${notification.transition}`;
    let entry = groups.get(key);
    if (!entry) {
      entry = { group: { broker, transition: notification.transition, items: [], context, at }, ids: [] };
      groups.set(key, entry);
    }
    const item: NotificationItem = {
      incident,
      reason: notification.reason,
      ...(notification.previousSeverity ? { previousSeverity: notification.previousSeverity } : {}),
      ...(notification.remediation ? { remediation: notification.remediation } : {}),
    };
    (entry.group.items as NotificationItem[]).push(item);
    entry.ids.push(notification.id);
  }
  return [...groups.values()];
}

/** A notification after one delivery round: per channel sent, refused for good (dropped) or still pending. */
function applyResults(n: PendingNotification, results: ReadonlyMap<string, DeliveryResult>, now: number): PendingNotification {
  const channels = { ...n.channels };
  let retryAfterMs: number | null = null;
  let lastError: string | undefined = n.lastError;
  let retrying = false;
  for (const [channel, result] of results) {
    if (result.ok) {
      channels[channel] = "sent";
      continue;
    }
    lastError = `${channel}: ${result.error}`;
    if (!result.retryable) {
      channels[channel] = "dropped";
      continue;
    }
    retrying = true;
    if (result.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, result.retryAfterMs);
  }
  const attempts = n.attempts + 1;
  return {
    ...n,
    channels,
    attempts,
    leaseUntil: 0,
    notBefore: retrying ? now + Math.max(retryAfterMs ?? 0, retryDelayMs(attempts)) : n.notBefore,
    ...(lastError !== undefined ? { lastError } : {}),
  };
}

function updateNotification(incident: Incident, id: string, update: (n: PendingNotification) => PendingNotification): Incident {
  return { ...incident, outbox: incident.outbox.map((n) => (n.id === id ? update(n) : n)) };
}

function mapPending(channels: Record<string, PendingNotification["channels"][string]>, to: "dropped" | "sent") {
  return Object.fromEntries(Object.entries(channels).map(([c, s]) => [c, s === "pending" ? to : s]));
}

function expired(n: PendingNotification, now: number): boolean {
  return now - n.createdAt > GIVE_UP_MS;
}

async function saveAll(
  deps: DeliveryDeps,
  next: readonly Incident[],
  previous: readonly Incident[],
  fail: (line: string) => void,
): Promise<void> {
  const before = new Map(previous.map((i) => [i.fingerprint, i.version]));
  for (const incident of next) {
    const expectedVersion = before.get(incident.fingerprint);
    if (expectedVersion === undefined) continue;
    const toWrite = incident.version === expectedVersion ? { ...incident, version: expectedVersion + 1 } : incident;
    try {
      await deps.incidents.save(toWrite, expectedVersion);
    } catch (error) {
      fail(`recording deliveries of ${incident.fingerprint} failed: ${describeError(error)}`);
    }
  }
}
