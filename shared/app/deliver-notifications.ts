import type { Config } from "../core/config";
import type { Incident, PendingNotification } from "../core/incidents";
import type { MessageContext, MessageGroup, NotificationItem } from "../core/notifications";
import {
  type DeliveryContext,
  type DeliveryDecision,
  decideDelivery,
  dueAfterSilence,
  dueRepeat,
  enqueueAfterSilence,
  enqueueRepeat,
  inhibitionsOf,
  isPending,
  retryDelayMs,
  type Silence,
  silenceMatches,
} from "../core/notify-policy";
import { IncidentKind, MINUTE_MS, type Severity } from "../core/types";
import { describeError } from "../errors";
import type { Clock, DeliveryResult, IncidentStore, Log, Notifier, SilenceStore } from "../ports";
import { routeNotification } from "./notification-routing";

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

export interface DeliveryOptions {
  /**
   * Milliseconds this invocation may still spend delivering: the Lambda's remaining time minus a
   * margin. A send starts only while {@link SEND_BUDGET_MS} is left; what waits stays in the outbox
   * for the next invocation. Absent: no limit.
   */
  timeLeft?: () => number;
}

/** One message sent (or tried) on one channel. */
export interface Delivery {
  channel: string;
  group: MessageGroup;
  result: DeliveryResult;
}

/** Counts for mq-sentinel's own delivery-health metric, one invocation's worth. */
export interface DeliveryHealth {
  /** Messages delivered. */
  sent: number;
  /** Messages that failed (they wait in the outbox, or were refused for good). */
  failed: number;
  /** Messages not tried this time: the deadline came, or their destination stopped answering. */
  deferred: number;
  /** Messages whose request timed out after it left: they may have arrived, and a retry may repeat them. */
  outcomeUnknown: number;
}

export interface DeliveryReport {
  deliveries: Delivery[];
  /** Decisions taken, for logs and tests: incident, notification, what and why. */
  decisions: { incidentId: string; notificationId: string; decision: DeliveryDecision }[];
  errors: string[];
  health: DeliveryHealth;
}

/** How long a delivery in progress keeps other invocations off the same notifications. */
const LEASE_MS = MINUTE_MS;
/** The longest one send takes: a notifier's request timeout plus the write of its result. */
export const SEND_BUDGET_MS = 8_000;
/** Attempts at one message within an invocation, for failures that pass in seconds (a 503, a short 429). */
const ATTEMPTS_PER_ROUND = 3;
/** A retry within the invocation waits at most this long; a longer wait is left to a later invocation. */
const MAX_INLINE_WAIT_MS = 5_000;
const INLINE_BACKOFF_MS = 500;
/** Re-reads after a conditional write lost to another writer, before this round gives up on the write. */
const MERGE_ATTEMPTS = 5;

/**
 * Delivers what waits in the incidents' outboxes, on every channel:
 * 1. enqueue reminders for incidents open and unannounced for the repeat interval
 * 2. load incidents with pending notifications, the silences, and the inhibitions in force
 * 3. decide per notification: send, hold (inhibited, backing off) or drop (silenced), with the reason
 * 4. lease what will be sent (a conditional write), so a concurrent invocation cannot send it too
 * 5. per destination, side by side (SNS never waits for Slack): group per broker and transition,
 *    render and send while the deadline allows; a destination that stops answering is left for
 *    this invocation
 * 6. record each send's result as it completes (sent, retry later, refused for good), merging into
 *    the incident as it is now when another writer changed it: a deadline mid-way loses no record
 *    and a lost write never leaves a sent message pending
 * 7. release the leases of what this invocation did not finish
 */
export async function deliverNotifications(deps: DeliveryDeps, options: DeliveryOptions = {}): Promise<DeliveryReport> {
  const report: DeliveryReport = {
    deliveries: [],
    decisions: [],
    errors: [],
    health: { sent: 0, failed: 0, deferred: 0, outcomeUnknown: 0 },
  };
  if (deps.notifiers.length === 0) return report;
  const fail = (line: string) => {
    report.errors.push(line);
    deps.log.error(line);
  };
  const round: Round = {
    deps,
    report,
    now: deps.clock.now(),
    timeLeft: options.timeLeft ?? (() => Number.POSITIVE_INFINITY),
    fail,
    writer: new OutboxWriter(deps.incidents, fail),
  };
  // 1-2. silences, reminders, pending notifications, inhibitions
  const outboxes = await loadOutboxes(round);
  if (outboxes === null || outboxes.pending.length === 0) return report;
  // 3. decide
  const plans = planDeliveries(round, outboxes);
  // 4. lease (and write the drops)
  const leased = await leaseNotifications(round, plans);
  // 5-6. send per destination, record each result as it completes
  await sendOnEveryChannel(round, leased);
  // 7. release what this invocation leased and did not finish
  await releaseLeases(round, leased);
  return report;
}

/** What the steps of one delivery round share. */
interface Round {
  deps: DeliveryDeps;
  report: DeliveryReport;
  now: number;
  timeLeft: () => number;
  /** Records a handled problem: a report line and an error log. */
  fail: (line: string) => void;
  writer: OutboxWriter;
}

/** The incidents with pending notifications, and what decides about them. */
interface Outboxes {
  pending: Incident[];
  context: DeliveryContext;
}

/**
 * Steps 1-2: the silences, the reminders due, then the incidents with pending notifications and the
 * inhibitions the active ones put in force. Null when the incidents cannot be read.
 */
async function loadOutboxes({ deps, now, fail }: Round): Promise<Outboxes | null> {
  // A damaged incident or silence costs only itself: the other notifications still go out.
  const skip = (error: Error) => fail(`unreadable item skipped: ${describeError(error)}`);
  let silences: Silence[] = [];
  try {
    silences = await deps.silences.active(now, skip);
  } catch (error) {
    // Without the silences, tell people rather than stay quiet.
    fail(`silences unavailable, delivering without them: ${describeError(error)}`);
  }
  try {
    // A damaged incident costs only itself: the other notifications still go out.
    const active = await deps.incidents.loadActive(skip);
    await enqueueRepeats(deps, active, silences, now, fail);
    const pending = await deps.incidents.loadWithPendingNotifications(skip);
    const inhibitions = inhibitionsOf(deps.config.notifications.inhibit, active);
    return { pending, context: { silences, inhibitions, now } };
  } catch (error) {
    fail(`notification delivery skipped: ${describeError(error)}`);
    return null;
  }
}

/** Step 3: each pending notification's decision (kept in the report); the plans of the incidents with something to do. */
function planDeliveries({ report, fail }: Round, { pending, context }: Outboxes): IncidentPlan[] {
  const plans: IncidentPlan[] = [];
  for (const incident of pending) {
    const plan: IncidentPlan = { incident, send: new Set(), drop: new Map() };
    for (const notification of incident.outbox.filter(isPending)) {
      const decision = decideDelivery(incident, notification, context);
      report.decisions.push({ incidentId: incident.id, notificationId: notification.id, decision });
      if (decision.action === "drop") {
        if (decision.cause === "undeliverable")
          fail(`notification ${notification.id} given up: ${notification.lastError ?? "undelivered"}`);
        plan.drop.set(notification.id, decision);
      } else if (decision.action === "send") {
        plan.send.add(notification.id);
      }
    }
    if (plan.send.size > 0 || plan.drop.size > 0) plans.push(plan);
  }
  return plans;
}

/** An incident as this invocation leased it, with the notifications it holds. */
interface LeasedIncident {
  incident: Incident;
  ids: ReadonlySet<string>;
}

/** Step 4: writes each plan's drops and leases its sends; what another invocation took first is left to it. */
async function leaseNotifications({ deps, writer, now }: Round, plans: readonly IncidentPlan[]): Promise<LeasedIncident[]> {
  const leased: LeasedIncident[] = [];
  for (const plan of plans) {
    let taken = new Set<string>();
    const written = await writer.update(plan.incident, (current) => {
      const lease = leaseAndDrop(current, plan, now);
      taken = lease.leased;
      return lease.changed ? lease.incident : null;
    });
    if (written && taken.size > 0) leased.push({ incident: written, ids: taken });
    else if (plan.send.size > 0) deps.log.info("notifications taken by another invocation", { incidentId: plan.incident.id });
  }
  return leased;
}

/** Steps 5-6: one lane per destination, side by side; the report lists deliveries channel by channel, whatever order they completed in. */
async function sendOnEveryChannel(round: Round, leased: readonly LeasedIncident[]): Promise<void> {
  const { deps, now } = round;
  const links: MessageContext = { ...deps.links, brokerIds: { ...deps.links.brokerIds } };
  const planned = deps.notifiers.map((channel) => ({
    channel,
    items: leased.flatMap(({ incident, ids }) => inOrder(incident, channel.name, ids).map((notification) => ({ incident, notification }))),
  }));
  const settle = settlement(planned);
  const lanes = await Promise.all(
    planned.map(({ channel, items }) =>
      deliverOnChannel({ ...round, channel, settle }, groupFor(items, links, now, channel.perIncident === true)),
    ),
  );
  for (const lane of lanes) round.report.deliveries.push(...lane);
}

/**
 * The lanes still to finish each leased notification: `settle` marks a lane done with some and returns
 * those no other lane still holds, so the last lane to record a result releases the lease.
 */
function settlement(planned: readonly { channel: Notifier; items: readonly { notification: PendingNotification }[] }[]): Lane["settle"] {
  const outstanding = new Map<string, Set<string>>();
  for (const { channel, items } of planned) {
    for (const { notification } of items)
      outstanding.set(notification.id, (outstanding.get(notification.id) ?? new Set()).add(channel.name));
  }
  return (channel, ids) => {
    const done = new Set<string>();
    for (const id of ids) {
      const lanes = outstanding.get(id);
      lanes?.delete(channel);
      if (lanes?.size === 0) done.add(id);
    }
    return done;
  };
}

/** Step 7: releases the leases this invocation holds on notifications it did not finish. */
async function releaseLeases({ writer }: Round, leased: readonly LeasedIncident[]): Promise<void> {
  for (const { incident, ids } of leased) {
    await writer.update(incident, (current) => {
      let changed = false;
      const outbox = current.outbox.map((n) => {
        if (!ids.has(n.id) || n.leaseUntil === 0) return n;
        changed = true;
        return { ...n, leaseUntil: 0 };
      });
      return changed ? { ...current, outbox } : null;
    });
  }
}

/**
 * The notifications of an incident to send on a channel this round, in the order they were written:
 * one that waits (backing off, leased elsewhere) holds back the later ones on that channel, so people
 * never read a reboot decision before the opening it belongs to.
 */
function inOrder(incident: Incident, channel: string, leased: ReadonlySet<string>): PendingNotification[] {
  const out: PendingNotification[] = [];
  for (const n of incident.outbox) {
    if (n.channels[channel] !== "pending") continue;
    if (!leased.has(n.id)) break;
    out.push(n);
  }
  return out;
}

/** What this invocation does with one incident's outbox: notifications to send, and to drop with why. */
interface IncidentPlan {
  incident: Incident;
  send: Set<string>;
  drop: Map<string, Extract<DeliveryDecision, { action: "drop" }>>;
}

/**
 * The incident (as it is now) with the planned drops applied and the planned sends leased: only
 * notifications still pending, due and not leased by anyone else are taken.
 */
function leaseAndDrop(current: Incident, plan: IncidentPlan, now: number): { incident: Incident; leased: Set<string>; changed: boolean } {
  const leased = new Set<string>();
  let changed = false;
  let mutedAt = current.mutedAt;
  const outbox = current.outbox.map((n) => {
    if (!isPending(n)) return n;
    const drop = plan.drop.get(n.id);
    if (drop !== undefined) {
      changed = true;
      // An opening nobody heard of because of a silence is announced when the silence ends.
      if (drop.cause === "silenced" && n.reason === "first" && current.notified === null) mutedAt = now;
      return { ...n, channels: mapPending(n.channels, "dropped"), lastError: drop.detail };
    }
    if (plan.send.has(n.id) && n.notBefore <= now && n.leaseUntil <= now) {
      changed = true;
      leased.add(n.id);
      return { ...n, leaseUntil: now + LEASE_MS };
    }
    return n;
  });
  const incident: Incident = { ...current, outbox: outbox.filter(isPending), ...(mutedAt !== current.mutedAt ? { mutedAt } : {}) };
  return { incident, leased, changed };
}

/** What one destination's lane shares with the round. */
interface Lane extends Round {
  channel: Notifier;
  /** Marks the lane done with these notifications; returns those no other lane still holds. */
  settle: (channel: string, ids: readonly string[]) => Set<string>;
}

/** What a lane learns as it goes through its messages. */
interface LaneState {
  /** The error of a request that timed out after it left: the destination is not tried again this invocation. */
  stopped: string | null;
  /** Incidents (fingerprints) whose later notifications wait for a later round (a notifier that edits per incident). */
  waiting: Set<string>;
  /** Incidents whose failed attempt was counted this round already. */
  countedAttempt: Set<string>;
}

/**
 * Sends one destination's messages while the deadline allows, each result recorded as it completes.
 * Quick failures are retried within the invocation (Retry-After and backoff up to a few seconds); a
 * destination whose request timed out is not tried again this invocation, so one hanging webhook
 * costs one timeout, not one per message.
 */
async function deliverOnChannel(lane: Lane, groups: { group: MessageGroup; ids: string[] }[]): Promise<Delivery[]> {
  const { channel } = lane;
  const deliveries: Delivery[] = [];
  // One message at a time per destination: Slack accepts about one a second per webhook, and a
  // destination that hangs then costs one timeout.
  // A notifier that edits one message per incident sends an incident's notifications in order, each
  // with the incident as last written (the message's `ts` its first send stored); once one of them is
  // not delivered or not recorded, the later ones wait for a later round.
  const state: LaneState = { stopped: null, waiting: new Set(), countedAttempt: new Set() };
  for (const entry of groups) {
    const { ids } = entry;
    const fingerprint = entry.group.items[0]?.incident.fingerprint ?? "";
    const group = channel.perIncident ? lane.writer.refreshed(entry.group) : entry.group;
    const result = await sendWithinRound(lane, state, group, fingerprint);
    if (channel.perIncident && !result?.ok) state.waiting.add(fingerprint);
    if (result === null) {
      lane.report.health.deferred += ids.length;
      lane.settle(channel.name, ids); // released at the end of the round
      continue;
    }
    deliveries.push({ channel: channel.name, group, result });
    countResult(lane, state, group, ids, result);
    await recordResult(lane, state, group, ids, result);
  }
  return deliveries;
}

/** The last answer to a group, tried up to {@link ATTEMPTS_PER_ROUND} times; null when it was not tried. */
async function sendWithinRound(lane: Lane, state: LaneState, group: MessageGroup, fingerprint: string): Promise<DeliveryResult | null> {
  const { channel, timeLeft } = lane;
  let result: DeliveryResult | null = null;
  for (let attempt = 1; attempt <= ATTEMPTS_PER_ROUND; attempt++) {
    if (state.stopped !== null || timeLeft() < SEND_BUDGET_MS || (channel.perIncident && state.waiting.has(fingerprint))) break;
    result = await sendOnce(channel, group);
    if (result.ok || !result.retryable || result.outcomeUnknown) break;
    const wait = Math.max(result.retryAfterMs ?? 0, INLINE_BACKOFF_MS * attempt);
    if (attempt === ATTEMPTS_PER_ROUND || wait > MAX_INLINE_WAIT_MS || timeLeft() < wait + SEND_BUDGET_MS) break;
    await lane.deps.clock.sleep(wait);
  }
  return result;
}

/** Counts a send in the delivery health and logs a failure; a request that timed out after it left stops the lane. */
function countResult(lane: Lane, state: LaneState, group: MessageGroup, ids: readonly string[], result: DeliveryResult): void {
  const { deps, channel, report } = lane;
  if (result.ok) {
    report.health.sent += ids.length;
    return;
  }
  report.health.failed += ids.length;
  deps.log.warn("notification not delivered", {
    channel: channel.name,
    broker: group.broker,
    error: result.error,
    retryable: result.retryable,
  });
  if (!result.outcomeUnknown) return;
  report.health.outcomeUnknown += ids.length;
  state.stopped = result.error;
  deps.log.warn("notification outcome unknown: the request timed out after it left, a retry may repeat it", {
    channel: channel.name,
    broker: group.broker,
    notifications: ids,
  });
}

/** Records a result at once, per incident, merged into the incident as it is now. */
async function recordResult(
  lane: Lane,
  state: LaneState,
  group: MessageGroup,
  ids: readonly string[],
  result: DeliveryResult,
): Promise<void> {
  const { writer, channel, now } = lane;
  const outcome = { channel: channel.name, result, now, release: lane.settle(channel.name, ids) };
  for (const item of group.items) {
    const incident = item.incident;
    const first = !state.countedAttempt.has(incident.fingerprint);
    state.countedAttempt.add(incident.fingerprint);
    const written = await writer.update(incident, (current) =>
      withResult(current, ids, { ...outcome, countAttempt: first, severity: incident.severity }),
    );
    if (written === null && channel.perIncident) state.waiting.add(incident.fingerprint);
  }
}

async function sendOnce(channel: Notifier, group: MessageGroup): Promise<DeliveryResult> {
  try {
    return await channel.send(group);
  } catch (error) {
    return { ok: false, retryable: true, error: describeError(error), body: null };
  }
}

/**
 * The incident (as it is now) with one channel's result for these notifications: a sent mark stands
 * whatever else happened; a refusal for good drops the channel; a retryable failure backs off. A
 * notification delivered or dropped everywhere leaves the outbox; one no lane holds any more is
 * released. Null when nothing changes.
 */
function withResult(current: Incident, ids: readonly string[], outcome: ChannelOutcome): Incident | null {
  const { channel, result, now } = outcome;
  let changed = false;
  let delivered = false;
  const outbox = current.outbox.map((sent) => {
    if (!ids.includes(sent.id)) return sent;
    const n = outcome.release.has(sent.id) && sent.leaseUntil !== 0 ? { ...sent, leaseUntil: 0 } : sent;
    if (n !== sent) changed = true;
    if (n.channels[channel] === "sent") return n;
    changed = true;
    if (result.ok) {
      delivered = true;
      return { ...n, channels: { ...n.channels, [channel]: "sent" as const } };
    }
    const lastError = `${channel}: ${result.error}`;
    if (!result.retryable) return { ...n, channels: { ...n.channels, [channel]: "dropped" as const }, lastError };
    const attempts = outcome.countAttempt ? n.attempts + 1 : n.attempts;
    const notBefore = Math.max(n.notBefore, now + Math.max(result.retryAfterMs ?? 0, retryDelayMs(attempts)));
    return { ...n, attempts, notBefore, lastError };
  });
  if (!changed) return null;
  // The message standing for the incident (a notifier that edits in place) is stored with the sent mark.
  const message = result.ok && result.message ? { messages: { ...current.messages, [channel]: result.message } } : {};
  return {
    ...current,
    outbox: outbox.filter(isPending),
    ...(delivered ? { notified: { at: now, severity: outcome.severity } } : {}),
    ...message,
  };
}

/** One destination's answer for a group, as recorded on each incident in it. */
interface ChannelOutcome {
  channel: string;
  result: DeliveryResult;
  now: number;
  /** Notifications this lane finished last: their lease is released in the same write. */
  release: ReadonlySet<string>;
  /** Whether this failure counts as a new attempt of the incident's notifications (once per round). */
  countAttempt: boolean;
  /** The severity the message showed. */
  severity: Severity;
}

/**
 * Conditional writes of delivery state, one at a time per incident. A write that loses to another
 * writer (the remediate function announcing, a parallel invocation) re-reads the incident and applies
 * the same change to it, so the other writer's change and ours both stand.
 */
class OutboxWriter {
  private readonly latest = new Map<string, Incident>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly incidents: IncidentStore,
    private readonly fail: (line: string) => void,
  ) {}

  /** The group with each incident as this writer last wrote it (what the previous send stored on it). */
  refreshed(group: MessageGroup): MessageGroup {
    const items = group.items.map((item) => {
      const latest = this.latest.get(item.incident.fingerprint);
      return latest && latest.id === item.incident.id ? { ...item, incident: latest } : item;
    });
    return { ...group, items };
  }

  /**
   * Applies `change` to the incident as it is now and writes it; `change` returns null when there is
   * nothing to write. Returns the incident as written (or as it is, when nothing changed); null when
   * it is gone, replaced by a newer incident, or could not be written.
   */
  update(base: Incident, change: (current: Incident) => Incident | null): Promise<Incident | null> {
    const previous = this.queues.get(base.fingerprint) ?? Promise.resolve();
    const next = previous.then(() => this.write(base, change));
    this.queues.set(base.fingerprint, next);
    return next;
  }

  private async write(base: Incident, change: (current: Incident) => Incident | null): Promise<Incident | null> {
    let current = this.latest.get(base.fingerprint) ?? base;
    for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
      const changed = change(current);
      if (changed === null) return current;
      const next = { ...changed, version: current.version + 1 };
      try {
        if (await this.incidents.save(next, current.version)) {
          this.latest.set(base.fingerprint, next);
          return next;
        }
        const fresh = await this.incidents.get(base.fingerprint);
        if (!fresh || fresh.id !== base.id) return null;
        current = fresh;
      } catch (error) {
        this.fail(`recording deliveries of ${base.fingerprint} failed: ${describeError(error)}`);
        return null;
      }
    }
    this.fail(`recording deliveries of ${base.fingerprint} lost ${MERGE_ATTEMPTS} races with other writers; retried next round`);
    return null;
  }
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
  for (const incident of active) {
    if (silences.some((s) => silenceMatches(s, incident, now))) continue;
    let enqueued: Incident;
    if (dueAfterSilence(incident)) {
      const routed = routeNotification(deps, incident, "opened");
      enqueued = enqueueAfterSilence(routed.incident, routed.channels, now);
    } else if (dueRepeat(incident, now, deps.config.notifications.repeatIntervalMinutes)) {
      const routed = routeNotification(deps, incident, "updated");
      // A route whose destinations take no reminders (PagerDuty alone): nothing to write.
      if (routed.channels.length === 0) continue;
      enqueued = enqueueRepeat(routed.incident, routed.channels, now);
    } else continue;
    const next = { ...enqueued, version: incident.version + 1 };
    try {
      await deps.incidents.save(next, incident.version);
    } catch (error) {
      fail(`enqueueing a reminder for ${incident.fingerprint} failed: ${describeError(error)}`);
    }
  }
}

/**
 * One message per broker and transition, listing every incident in it; for a notifier that keeps one
 * message per incident, one message per notification, in the outbox's order.
 */
function groupFor(
  items: readonly { incident: Incident; notification: PendingNotification }[],
  context: MessageContext,
  at: number,
  perIncident: boolean,
) {
  const groups = new Map<string, { group: MessageGroup; ids: string[] }>();
  for (const { incident, notification } of items) {
    // Posture findings come from one audit of the whole account: one digest message, not one per broker.
    const broker = incident.kind === IncidentKind.posture && !perIncident ? "*" : incident.broker;
    const key = perIncident ? notification.id : `${broker}\u0000${notification.transition}`;
    let entry = groups.get(key);
    if (!entry) {
      entry = { group: { broker, transition: notification.transition, items: [], context, at }, ids: [] };
      groups.set(key, entry);
    }
    const item: NotificationItem = {
      incident,
      reason: notification.reason,
      ...(notification.previousSeverity ? { previousSeverity: notification.previousSeverity } : {}),
      ...(notification.flap ? { flap: notification.flap } : {}),
      ...(notification.remediation ? { remediation: notification.remediation } : {}),
    };
    (entry.group.items as NotificationItem[]).push(item);
    entry.ids.push(notification.id);
  }
  return [...groups.values()];
}

function mapPending(channels: Record<string, PendingNotification["channels"][string]>, to: "dropped" | "sent") {
  return Object.fromEntries(Object.entries(channels).map(([c, s]) => [c, s === "pending" ? to : s]));
}
