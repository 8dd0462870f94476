import type { ChatMessageRef, MessageTransition, NotifyReason, RemediationNote } from "./notifications";
import {
  compareSeverity,
  type Evidence,
  type Finding,
  fingerprintOf,
  type IncidentKind,
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
  condition: string;
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
  /** Optimistic-concurrency version; the store writes only over the version it was read at. */
  version: number;
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
  at: number;
}

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
}

export interface FoldInput {
  /** Active (pending or open) incidents, by fingerprint. */
  active: ReadonlyMap<string, Incident>;
  findings: readonly Finding[];
  /** Whether this cycle judged the condition behind a fingerprint; unjudged incidents stay as they are. */
  isCovered: (incident: Incident) => boolean;
  now: number;
  rules: FoldRules;
}

const MINUTE = 60_000;

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
    const change = current ? whileActive(current, finding, now, rules) : firstSeen(fingerprint, finding, now);
    if (change) changes.push(change);
  }

  for (const [fingerprint, incident] of active) {
    if (seen.has(fingerprint) || !input.isCovered(incident)) continue;
    const change = whileClear(incident, now, rules);
    if (change) changes.push(change);
  }
  return changes;
}

function firstSeen(fingerprint: string, finding: Finding, now: number): IncidentChange {
  const hold = finding.holdMinutes ?? 0;
  const opened = hold <= 0;
  const next: Incident = {
    id: incidentId(fingerprint, now),
    fingerprint,
    kind: finding.kind,
    broker: finding.broker,
    resource: finding.resource,
    status: opened ? IncidentStatus.open : IncidentStatus.pending,
    severity: finding.severity,
    peakSeverity: finding.severity,
    condition: finding.condition,
    summary: finding.summary,
    evidence: finding.evidence,
    ...(finding.series ? { series: finding.series } : {}),
    firstSeenAt: now,
    openedAt: opened ? now : null,
    lastSeenAt: now,
    clearSince: null,
    resolvedAt: null,
    outbox: [],
    notified: null,
    version: 1,
  };
  return { next, expectedVersion: 0, transition: opened ? { type: TransitionType.opened, incident: next, at: now } : null };
}

function whileActive(current: Incident, finding: Finding, now: number, rules: FoldRules): IncidentChange | null {
  const refreshed = withFinding(current, finding, now);
  if (current.status === IncidentStatus.pending) {
    if (now - current.firstSeenAt < (finding.holdMinutes ?? 0) * MINUTE) return null;
    const next: Incident = { ...refreshed, status: IncidentStatus.open, openedAt: now };
    return { next, expectedVersion: current.version, transition: { type: TransitionType.opened, incident: next, at: now } };
  }
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
  const stale = now - current.lastSeenAt >= rules.refreshMinutes * MINUTE;
  return material || stale ? { next: refreshed, expectedVersion: current.version, transition: null } : null;
}

function withFinding(current: Incident, finding: Finding, now: number): Incident {
  return {
    ...current,
    severity: finding.severity,
    peakSeverity: maxSeverity(current.peakSeverity, finding.severity),
    condition: finding.condition,
    summary: finding.summary,
    evidence: finding.evidence,
    ...(finding.series ? { series: finding.series } : {}),
    lastSeenAt: now,
    clearSince: null,
    version: current.version + 1,
  };
}

function whileClear(current: Incident, now: number, rules: FoldRules): IncidentChange | null {
  if (current.status === IncidentStatus.pending) {
    return {
      next: { ...current, status: IncidentStatus.dismissed, resolvedAt: now, version: current.version + 1 },
      expectedVersion: current.version,
      transition: null,
    };
  }
  // With no hysteresis (a daily posture check), clear means resolved at once.
  if (current.clearSince === null && rules.resolveAfterMinutes > 0) {
    return { next: { ...current, clearSince: now, version: current.version + 1 }, expectedVersion: current.version, transition: null };
  }
  if (now - (current.clearSince ?? now) < rules.resolveAfterMinutes * MINUTE) return null;
  const next: Incident = { ...current, status: IncidentStatus.resolved, resolvedAt: now, version: current.version + 1 };
  return { next, expectedVersion: current.version, transition: { type: TransitionType.resolved, incident: next, at: now } };
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
  return `inc-${fnv1a(`${fingerprint}|${Math.floor(firstSeenAt / MINUTE)}`)}`;
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
