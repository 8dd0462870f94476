import type { ChatMessageRef, MessageTransition, NotifyReason, RemediationNote } from "./announcements";
import {
  type Condition,
  compareSeverity,
  type Evidence,
  type Finding,
  fingerprintOf,
  type GaugeReading,
  type IncidentKind,
  MINUTE_MS,
  maxSeverity,
  type Series,
  type Severity,
} from "./types";

/**
 * Incident rules: fold a cycle's findings into incident state. Pure: the caller loads the active
 * incidents, saves each changed one with a conditional write, and only announces the transitions
 * whose write won, so a repeated or concurrent cycle never opens or notifies twice.
 */

export const IncidentStatus = {
  /** Seen, but held until it has lasted `holdMinutes` (state-based findings such as a long reboot). */
  pending: "pending",
  open: "open",
  resolved: "resolved",
  /** Was pending and cleared before it opened: never announced. */
  dismissed: "dismissed",
} as const;
export type IncidentStatus = (typeof IncidentStatus)[keyof typeof IncidentStatus];

export interface Incident {
  id: string;
  fingerprint: string;
  kind: IncidentKind;
  broker: string;
  resource: string | null;
  status: IncidentStatus;
  severity: Severity;
  /** The highest severity the incident reached. */
  peakSeverity: Severity;
  condition: Condition;
  summary: string;
  evidence: Evidence;
  series?: Readonly<Record<string, Series>>;
  /** Epoch ms of the first finding. */
  firstSeenAt: number;
  openedAt: number | null;
  /** Last time the finding was present (refreshed on writes). */
  lastSeenAt: number;
  /** Since when the condition has been clear, while open. */
  clearSince: number | null;
  resolvedAt: number | null;
  /**
   * Why the incident was closed without recovering (e.g. "no longer watched: ignored by <principal>"):
   * people are told it stopped being watched, never that it recovered. Absent or null: it recovered.
   */
  closeReason?: string | null;
  /**
   * Notifications not yet delivered on every channel: the incident's own outbox, written in the
   * same conditional write as its state, so a transition is never lost nor announced twice.
   */
  outbox: PendingNotification[];
  /** When the incident was last announced (on any channel) and at which severity; null: never. */
  notified: { at: number; severity: Severity } | null;
  /** When a silence dropped the opening of a never-announced incident: it is announced once the silence ends. */
  mutedAt?: number | null;
  /**
   * The message standing for the incident per notifier that edits in place (Slack app mode: `slack`),
   * once its first message was posted.
   */
  messages?: Readonly<Record<string, ChatMessageRef>>;
  /**
   * The notification route (`notifications.routes`) the incident was first announced on; it keeps it, so
   * its escalation and resolution reach the people its opening reached. Absent: no routes configured.
   */
  route?: string;
  /** Severity hysteresis, flap detection and re-openings (absent: incidents of kinds without them, or written before them). */
  noise?: IncidentNoise;
  /** Optimistic-concurrency version; the store writes only over the version it was read at. */
  version: number;
}

/**
 * What the noise rules remember of an incident: the level each cycle judged and when it changed
 * (Nagios flap detection weighs those changes), since when a lower severity has held (severity
 * hysteresis), and when the incident opened (a re-opening is the same incident, "again").
 */
export interface IncidentNoise {
  /** The level the last judging cycle saw: 0 clear, else the rank of the finding's severity (1 info, 2 warning, 3 critical). */
  level: number;
  /** Changes between firing and clear inside the flap window, oldest first (capped). */
  changes: LevelChange[];
  /** Since when the findings have been below the incident's severity (and above the recovery threshold); null: they are not. */
  lowerSince: number | null;
  /** Flapping: changes announced once, when it starts and once when it stops. */
  flapping: boolean;
  flappingSince: number | null;
  /** When the incident opened (first opening and re-openings), in the last 24 hours. */
  opens: number[];
  /** The highest value of the gauge inside the flap window (level-based findings only). */
  peak: { value: number; at: number } | null;
  /** The gauge of the newest finding: its name, unit and trigger levels (level-based findings only). */
  gauge: Pick<GaugeReading, "label" | "unit" | "warning" | "critical"> | null;
  /** The flap window the changes were kept over (minutes), for the summary. */
  windowMinutes: number;
}

/** One change of the judged level. */
export interface LevelChange {
  at: number;
  from: number;
  to: number;
}

/** Delivery state of one notification on one channel. */
export type ChannelState = "pending" | "sent" | "dropped";

/** A notification waiting in an incident's outbox. */
export interface PendingNotification {
  /** `<incident id>#<sequence>`: stable, so a retried write cannot enqueue it twice. */
  id: string;
  transition: MessageTransition;
  reason: Exclude<NotifyReason, "muted">;
  previousSeverity?: Severity;
  /** The notification says the incident started or stopped flapping. */
  flap?: FlapEdge;
  remediation?: RemediationNote;
  createdAt: number;
  /** Per channel: pending until delivered (or dropped: muted, or refused for good). */
  channels: Record<string, ChannelState>;
  attempts: number;
  /** Not before this time (epoch ms): backoff after a failure, or Slack's Retry-After. */
  notBefore: number;
  /** A delivery in progress until this time (epoch ms): another invocation must not send it too. */
  leaseUntil: number;
  lastError?: string;
}

export const TransitionType = {
  opened: "opened",
  updated: "updated",
  escalated: "escalated",
  resolved: "resolved",
} as const;
export type TransitionType = (typeof TransitionType)[keyof typeof TransitionType];

export interface Transition {
  type: TransitionType;
  incident: Incident;
  /** Set for `updated`/`escalated`. */
  previousSeverity?: Severity;
  /** Set when the transition announces that the incident started or stopped flapping. */
  flap?: FlapEdge;
  at: number;
}

/** A flapping incident is announced once when flapping starts and once when it stops. */
export type FlapEdge = "started" | "stopped";

/** A changed incident to save over `expectedVersion` (0: no active incident for its fingerprint). */
export interface IncidentChange {
  next: Incident;
  expectedVersion: number;
  transition: Transition | null;
}

export interface FoldRules {
  resolveAfterMinutes: number;
  /** Rewrite an open incident's evidence at least this often, for notifications and the record. */
  refreshMinutes: number;
  /** Severity hysteresis, flap detection and re-openings; absent: none (posture checks, API activity). */
  noise?: NoiseRules;
}

/** The noise rules (config `incidents`; docs/operations.md "Noise"). */
export interface NoiseRules {
  /** A lower severity must hold this long before an incident is lowered to it. */
  deEscalateAfterMinutes: number;
  /**
   * Points under a severity's trigger below which a lower finding lowers the incident at once (a
   * Datadog recovery threshold): CPU critical at 95 with 5 points recovers at once below 90.
   */
  recoveryPoints: number;
  /** An incident that fires again this soon after it resolved re-opens (the same incident, "again"). */
  reopenWithinMinutes: number;
  /** The window state changes are weighed over. */
  flapWindowMinutes: number;
  /** Weighted changes in the window at which an incident starts flapping ... */
  flapStartChanges: number;
  /** ... and below which it stops. */
  flapStopChanges: number;
}

export interface FoldInput {
  /** Active (pending or open) incidents, by fingerprint. */
  active: ReadonlyMap<string, Incident>;
  /**
   * The latest resolved incident of fingerprints that have a finding but no active incident (the
   * caller reads them only for those): one that resolved within `reopenWithinMinutes` re-opens.
   */
  recent?: ReadonlyMap<string, Incident>;
  findings: readonly Finding[];
  /** Whether this cycle judged the condition behind a fingerprint; unjudged incidents stay as they are. */
  isCovered: (incident: Incident) => boolean;
  now: number;
  rules: FoldRules;
}

/** Folds findings into incident changes. */
export function foldFindings(input: FoldInput): IncidentChange[] {
  const { active, now, rules } = input;
  const changes: IncidentChange[] = [];
  const seen = new Set<string>();

  for (const finding of input.findings) {
    const fingerprint = fingerprintOf(finding);
    if (seen.has(fingerprint)) continue; // detectors emit one finding per fingerprint; guard anyway
    seen.add(fingerprint);
    const current = active.get(fingerprint);
    const previous = input.recent?.get(fingerprint);
    const change = current
      ? whileActive(current, finding, now, rules)
      : previous && rules.noise && reopens(previous, now, rules.noise)
        ? reopen(previous, finding, now, rules.noise)
        : firstSeen(fingerprint, finding, now, rules);
    if (change) changes.push(change);
  }

  for (const [fingerprint, incident] of active) {
    if (seen.has(fingerprint) || !input.isCovered(incident)) continue;
    const change = whileClear(incident, now, rules);
    if (change) changes.push(change);
  }
  return changes;
}

type FreshSighting = Pick<
  Incident,
  "status" | "severity" | "peakSeverity" | "condition" | "summary" | "evidence" | "series" | "firstSeenAt"
>;

/**
 * What a sighting starts afresh, for a first sighting and a reopening alike: the finding's facts, its
 * severity as the peak, and open now or pending until its hold has passed.
 */
function freshSighting(finding: Finding, now: number, opened: boolean): FreshSighting {
  return {
    status: opened ? IncidentStatus.open : IncidentStatus.pending,
    severity: finding.severity,
    peakSeverity: finding.severity,
    condition: finding.condition,
    summary: finding.summary,
    evidence: finding.evidence,
    ...(finding.series ? { series: finding.series } : {}),
    firstSeenAt: now,
  };
}

function firstSeen(fingerprint: string, finding: Finding, now: number, rules: FoldRules): IncidentChange {
  const hold = finding.holdMinutes ?? 0;
  const opened = hold <= 0;
  const next: Incident = {
    id: incidentId(fingerprint, now),
    fingerprint,
    kind: finding.kind,
    broker: finding.broker,
    resource: finding.resource,
    ...freshSighting(finding, now, opened),
    openedAt: opened ? now : null,
    lastSeenAt: now,
    clearSince: null,
    resolvedAt: null,
    outbox: [],
    notified: null,
    ...(rules.noise ? firstNoise(finding, now, rules.noise, opened) : {}),
    version: 1,
  };
  return { next, expectedVersion: 0, transition: opened ? { type: TransitionType.opened, incident: next, at: now } : null };
}

function whileActive(current: Incident, finding: Finding, now: number, rules: FoldRules): IncidentChange | null {
  const observed = rules.noise ? observe(current.noise, finding, now, rules.noise) : null;
  const refreshed = withFinding(current, finding, now, observed?.noise);
  if (current.status === IncidentStatus.pending) {
    if (now - current.firstSeenAt < (finding.holdMinutes ?? 0) * MINUTE_MS)
      return observed?.changed ? unannounced(current, refreshed) : null;
    const next: Incident = { ...refreshed, status: IncidentStatus.open, openedAt: now, ...withOpening(refreshed.noise, now) };
    return { next, expectedVersion: current.version, transition: { type: TransitionType.opened, incident: next, at: now } };
  }
  if (rules.noise && observed) return whileActiveWithNoise(current, refreshed, finding, now, rules, rules.noise, observed);
  const direction = compareSeverity(finding.severity, current.severity);
  if (direction !== 0) {
    return {
      next: refreshed,
      expectedVersion: current.version,
      transition: {
        type: direction > 0 ? TransitionType.escalated : TransitionType.updated,
        incident: refreshed,
        previousSeverity: current.severity,
        at: now,
      },
    };
  }
  const material = current.condition !== finding.condition || current.clearSince !== null;
  const stale = now - current.lastSeenAt >= rules.refreshMinutes * MINUTE_MS;
  return material || stale ? { next: refreshed, expectedVersion: current.version, transition: null } : null;
}

/**
 * An open incident's finding under the noise rules: escalate at once (while flapping, only past the
 * highest severity already announced); lower only once the lower level has held
 * `deEscalateAfterMinutes` or the gauge is under the recovery threshold (never while flapping); and
 * say once that flapping started or stopped.
 */
function whileActiveWithNoise(
  current: Incident,
  refreshed: Incident,
  finding: Finding,
  now: number,
  rules: FoldRules,
  noiseRules: NoiseRules,
  observed: Observed,
): IncidentChange | null {
  const noise = observed.noise;
  const direction = compareSeverity(finding.severity, current.severity);
  const change = (next: Incident, transition: Omit<Transition, "incident" | "at"> | null): IncidentChange => ({
    next,
    expectedVersion: current.version,
    transition: transition ? { ...transition, incident: next, at: now } : null,
  });
  if (noise.flapping) {
    // Flapping: the incident shows the worst it has been; only a severity never announced before is news.
    const severity = direction > 0 ? finding.severity : current.severity;
    const next: Incident = { ...refreshed, severity, noise: { ...noise, lowerSince: null } };
    if (compareSeverity(finding.severity, current.peakSeverity) > 0)
      return change(next, { type: TransitionType.escalated, previousSeverity: current.severity, ...flapOf(observed) });
    if (observed.edge === "started") return change(next, { type: TransitionType.updated, flap: "started" });
    return observed.changed || stale(current, now, rules) ? change(next, null) : null;
  }
  if (direction > 0) {
    const next: Incident = { ...refreshed, noise: { ...noise, lowerSince: null } };
    return change(next, { type: TransitionType.escalated, previousSeverity: current.severity, ...flapOf(observed) });
  }
  if (direction < 0) {
    // Lower only below the recovery threshold (a gauge between it and the trigger is still at the
    // higher level) and only once that has held: a wobble around the boundary sends nothing.
    const below = !finding.gauge || belowRecovery(finding, current.severity, noiseRules);
    const lowerSince = below ? (noise.lowerSince ?? now) : null;
    if (lowerSince !== null && now - lowerSince >= noiseRules.deEscalateAfterMinutes * MINUTE_MS) {
      const next: Incident = { ...refreshed, noise: { ...noise, lowerSince: null } };
      return change(next, { type: TransitionType.updated, previousSeverity: current.severity, ...flapOf(observed) });
    }
    // Held at its severity: the lower level has not lasted yet, and nobody is told of a wobble.
    const next: Incident = { ...refreshed, severity: current.severity, noise: { ...noise, lowerSince } };
    if (observed.edge === "stopped") return change(next, { type: TransitionType.updated, flap: "stopped" });
    return noise.lowerSince !== lowerSince || observed.changed || stale(current, now, rules) ? change(next, null) : null;
  }
  const next: Incident = { ...refreshed, noise: { ...noise, lowerSince: null } };
  if (observed.edge === "stopped") return change(next, { type: TransitionType.updated, flap: "stopped" });
  const material = current.condition !== finding.condition || current.clearSince !== null || current.noise?.lowerSince != null;
  return material || observed.changed || stale(current, now, rules) ? change(next, null) : null;
}

function flapOf(observed: Observed): { flap?: FlapEdge } {
  return observed.edge ? { flap: observed.edge } : {};
}

function stale(current: Incident, now: number, rules: FoldRules): boolean {
  return now - current.lastSeenAt >= rules.refreshMinutes * MINUTE_MS;
}

/** A pending incident's new state (its noise memory), saved without a transition. */
function unannounced(current: Incident, refreshed: Incident): IncidentChange {
  return { next: refreshed, expectedVersion: current.version, transition: null };
}

/** The finding's gauge is under `severity`'s trigger by at least the recovery points (Datadog's recovery threshold). */
function belowRecovery(finding: Finding, severity: Severity, rules: NoiseRules): boolean {
  const gauge = finding.gauge;
  if (!gauge) return false;
  const trigger = severity === "critical" ? gauge.critical : gauge.warning;
  return gauge.value < trigger - rules.recoveryPoints;
}

function withFinding(current: Incident, finding: Finding, now: number, noise?: IncidentNoise): Incident {
  return {
    ...current,
    severity: finding.severity,
    peakSeverity: maxSeverity(current.peakSeverity, finding.severity),
    condition: finding.condition,
    summary: finding.summary,
    evidence: finding.evidence,
    ...(finding.series ? { series: finding.series } : {}),
    ...(noise ? { noise } : {}),
    lastSeenAt: now,
    clearSince: null,
    version: current.version + 1,
  };
}

function whileClear(current: Incident, now: number, rules: FoldRules): IncidentChange | null {
  const observed = rules.noise ? observe(current.noise, null, now, rules.noise) : null;
  const noise = observed ? { noise: { ...observed.noise, lowerSince: null } } : {};
  if (current.status === IncidentStatus.pending) {
    return {
      next: { ...current, ...noise, status: IncidentStatus.dismissed, resolvedAt: now, version: current.version + 1 },
      expectedVersion: current.version,
      transition: null,
    };
  }
  // With no hysteresis (a daily posture check), clear means resolved at once.
  if (current.clearSince === null && rules.resolveAfterMinutes > 0) {
    const next: Incident = { ...current, ...noise, clearSince: now, version: current.version + 1 };
    const flap = observed?.edge === "started" ? { type: TransitionType.updated, incident: next, flap: "started" as const, at: now } : null;
    return { next, expectedVersion: current.version, transition: flap };
  }
  // A flapping incident stays open while clear: its next burst is part of the same flapping.
  if (observed?.noise.flapping) {
    if (observed.edge !== "started" && !observed.changed) return null;
    const next: Incident = { ...current, ...noise, version: current.version + 1 };
    const flap = observed.edge === "started" ? { type: TransitionType.updated, incident: next, flap: "started" as const, at: now } : null;
    return { next, expectedVersion: current.version, transition: flap };
  }
  if (now - (current.clearSince ?? now) < rules.resolveAfterMinutes * MINUTE_MS) {
    if (!observed?.changed) return null;
    return { next: { ...current, ...noise, version: current.version + 1 }, expectedVersion: current.version, transition: null };
  }
  // Resolving after flapping says both at once: it stopped flapping and it is clear.
  const next: Incident = { ...current, ...noise, status: IncidentStatus.resolved, resolvedAt: now, version: current.version + 1 };
  return {
    next,
    expectedVersion: current.version,
    transition: { type: TransitionType.resolved, incident: next, ...(observed ? flapOf(observed) : {}), at: now },
  };
}

/** Whether a resolved incident that fires again re-opens (rather than a new incident opening). */
function reopens(previous: Incident, now: number, rules: NoiseRules): boolean {
  // Closed without recovering (no longer watched), or dismissed before it opened: a new incident.
  if (previous.status !== IncidentStatus.resolved || previous.closeReason || previous.resolvedAt === null) return false;
  return now - previous.resolvedAt <= rules.reopenWithinMinutes * MINUTE_MS;
}

/**
 * The same incident again: its id, its history (the flap memory counts the time it was resolved as
 * one change down and this as one up), and its outbox; announced as an opening ("again").
 */
function reopen(previous: Incident, finding: Finding, now: number, rules: NoiseRules): IncidentChange {
  const observed = observe({ ...(previous.noise ?? emptyNoise()), level: 0 }, finding, now, rules);
  const hold = finding.holdMinutes ?? 0;
  const opened = hold <= 0;
  const next: Incident = {
    ...previous,
    ...freshSighting(finding, now, opened),
    openedAt: opened ? now : previous.openedAt,
    lastSeenAt: now,
    clearSince: null,
    resolvedAt: opened ? null : previous.resolvedAt,
    closeReason: null,
    mutedAt: null,
    noise: opened ? { ...observed.noise, ...withOpening(observed.noise, now).noise } : observed.noise,
    version: previous.version + 1,
  };
  return {
    next,
    expectedVersion: previous.version,
    transition: opened ? { type: TransitionType.opened, incident: next, ...flapOf(observed), at: now } : null,
  };
}

function firstNoise(finding: Finding, now: number, rules: NoiseRules, opened: boolean): { noise?: IncidentNoise } {
  const { noise } = observe(undefined, finding, now, rules);
  return opened ? withOpening(noise, now) : { noise };
}

const DAY = 24 * 60 * MINUTE_MS;
/** Level changes kept per incident at most (a bound on the item's size; the window keeps fewer). */
const MAX_CHANGES = 120;

function emptyNoise(): IncidentNoise {
  return {
    level: 0,
    changes: [],
    lowerSince: null,
    flapping: false,
    flappingSince: null,
    opens: [],
    peak: null,
    gauge: null,
    windowMinutes: 0,
  };
}

/** The noise memory with an opening at `now` (openings older than a day forgotten). */
function withOpening(noise: IncidentNoise | undefined, now: number): { noise?: IncidentNoise } {
  if (!noise) return {};
  return { noise: { ...noise, opens: [...noise.opens.filter((t) => now - t < DAY), now] } };
}

interface Observed {
  noise: IncidentNoise;
  /** Whether anything worth saving changed (a level change, the peak, the flapping state). */
  changed: boolean;
  /** Flapping started or stopped at this observation. */
  edge: FlapEdge | null;
}

/**
 * Records one cycle's judgement (a finding, or clear) in the noise memory, Nagios-style: each change
 * between firing and clear inside the window weighs from 0.8 (oldest) to 1.2 (newest); flapping starts when the
 * weighted changes reach `flapStartChanges` and stops when they fall below `flapStopChanges`.
 */
function observe(before: IncidentNoise | undefined, finding: Finding | null, now: number, rules: NoiseRules): Observed {
  const prior = before ?? emptyNoise();
  const level = finding ? SEVERITY_LEVEL[finding.severity] : 0;
  const windowMs = rules.flapWindowMinutes * MINUTE_MS;
  const kept = prior.changes.filter((c) => now - c.at < windowMs);
  // Only firing against clear counts: severity changes are the hysteresis's to smooth, not flapping.
  const changes = (level === 0) !== (prior.level === 0) ? [...kept, { at: now, from: prior.level, to: level }].slice(-MAX_CHANGES) : kept;
  const gauge = finding?.gauge;
  const peakExpired = prior.peak !== null && now - prior.peak.at >= windowMs;
  const peak =
    gauge && (prior.peak === null || peakExpired || gauge.latest >= prior.peak.value)
      ? { value: gauge.latest, at: now }
      : peakExpired
        ? null
        : prior.peak;
  const score = flapScore(changes, now, windowMs);
  const flapping = prior.flapping ? score >= rules.flapStopChanges : score >= rules.flapStartChanges;
  const edge: FlapEdge | null = flapping === prior.flapping ? null : flapping ? "started" : "stopped";
  const noise: IncidentNoise = {
    ...prior,
    level,
    changes,
    flapping,
    flappingSince: flapping ? (prior.flappingSince ?? now) : null,
    peak,
    gauge: gauge ? { label: gauge.label, unit: gauge.unit, warning: gauge.warning, critical: gauge.critical } : prior.gauge,
    windowMinutes: rules.flapWindowMinutes,
  };
  const changed = changes.length !== prior.changes.length || edge !== null || peak?.value !== prior.peak?.value;
  return { noise, changed, edge };
}

const SEVERITY_LEVEL: Record<Severity, number> = { info: 1, warning: 2, critical: 3 };

/** Nagios's weighted state changes: the newer a change, the more it weighs (0.8 to 1.2). */
export function flapScore(changes: readonly LevelChange[], now: number, windowMs: number): number {
  let score = 0;
  for (const c of changes) {
    const age = now - c.at;
    if (age < 0 || age >= windowMs) continue;
    score += 0.8 + 0.4 * (1 - age / windowMs);
  }
  return score;
}

/**
 * What people are told of a flapping or re-opened incident, or null: "CPU crossed 85% 14 times in
 * 6 h; peak 99.2%", "again — 3rd time today".
 */
export function noiseNote(incident: Pick<Incident, "noise" | "openedAt">): string | null {
  const noise = incident.noise;
  if (!noise) return null;
  const parts: string[] = [];
  if (noise.flapping) parts.push(`Flapping: ${crossings(noise)}`);
  const opens = noise.opens.length;
  if (opens >= 2 && incident.openedAt !== null && noise.opens[opens - 1] === incident.openedAt)
    parts.push(`again — ${ordinal(opens)} time today`);
  return parts.length > 0 ? parts.join("; ") : null;
}

/**
 * "CPU crossed 85% 14 times in 6 h; peak 99.2%" (a level-based finding: the level it crossed upwards
 * most often), else "changed state 9 times in 6 h".
 */
export function crossings(noise: IncidentNoise): string {
  const hours = `${Math.round((noise.windowMinutes / 60) * 10) / 10} h`;
  const warningUps = noise.changes.filter((c) => c.from < 2 && c.to >= 2).length;
  const criticalUps = noise.changes.filter((c) => c.from < 3 && c.to >= 3).length;
  const gauge = noise.gauge;
  if (!gauge) return `changed state ${noise.changes.length} times in ${hours}`;
  const [threshold, count] = criticalUps > warningUps ? [gauge.critical, criticalUps] : [gauge.warning, warningUps];
  const peak = noise.peak ? `; peak ${noise.peak.value}${gauge.unit}` : "";
  return `${gauge.label} crossed ${threshold}${gauge.unit} ${count} ${count === 1 ? "time" : "times"} in ${hours}${peak}`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

/**
 * Closes an active incident that is no longer watched (its broker was tagged `mq-sentinel:ignore`, or
 * stopped being judged for another reason people must hear about): an open incident is resolved with
 * `reason` as its close reason, so it is announced as "no longer watched", never as recovered; a
 * pending one is dismissed (nobody was told of it). Null when the incident is not active.
 */
export function closeUnwatched(current: Incident, reason: string, now: number): IncidentChange | null {
  if (current.status === IncidentStatus.pending) {
    return {
      next: { ...current, status: IncidentStatus.dismissed, resolvedAt: now, closeReason: reason, version: current.version + 1 },
      expectedVersion: current.version,
      transition: null,
    };
  }
  if (current.status !== IncidentStatus.open) return null;
  const next: Incident = {
    ...current,
    status: IncidentStatus.resolved,
    resolvedAt: now,
    closeReason: reason,
    version: current.version + 1,
  };
  return { next, expectedVersion: current.version, transition: { type: TransitionType.resolved, incident: next, at: now } };
}

/** True for incidents that are pending or open. */
export function isActive(incident: Pick<Incident, "status">): boolean {
  return incident.status === IncidentStatus.pending || incident.status === IncidentStatus.open;
}

/**
 * A short, stable id: the same fingerprint first seen at the same minute gets the same id, so a
 * repeated cycle converges on one incident instead of two.
 */
export function incidentId(fingerprint: string, firstSeenAt: number): string {
  return `inc-${fnv1a(`${fingerprint}|${Math.floor(firstSeenAt / MINUTE_MS)}`)}`;
}

/** FNV-1a, 64-bit, as 16 hex digits: a dependency-free stable hash (not for security). */
function fnv1a(text: string): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * prime) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}
