import { z } from "zod";
import { NotifyReason } from "../core/announcements";
import { type Incident, IncidentStatus } from "../core/incidents";
import type { Silence } from "../core/notify-policy";
import { IncidentKind, Severity } from "../core/types";
import { NewerStoredItemError, StoredItemError } from "../errors";
import type { ActivityRecord, ApprovalRequest, OptInState, PendingVerification, RecordedAnswer, RemediationRecord } from "../ports";

/**
 * What the items of the incidents table hold, checked on every read: a stored item is data from
 * outside the process (another release wrote it, a person edited it in the console), so it is parsed
 * against a schema instead of cast. Each item type carries a `schemaVersion` attribute, written on
 * every put; a change to what a type stores that older code cannot read raises its version.
 *
 * Each schema is tied to its TypeScript type at compile time (see {@link storedItemType}): a field
 * added to `Incident` and not here fails `tsc`, not a read in production.
 */

/** A kind of item the stores write: its name in errors, its current version and its schema. */
export interface StoredItemType<T> {
  readonly name: string;
  /** The version this release writes; it reads this one and every older one. */
  readonly version: number;
  /** `data`: the value is JSON in the item's `data` attribute; `attributes`: it is the item's own attributes. */
  readonly holds: "data" | "attributes";
  readonly schema: z.ZodType<T>;
}

/** `readonly` left out, to compare a schema's output (plain arrays) with a domain type (readonly ones). */
type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
/** True only when A and B are the same type (not merely assignable: a field missing from either side fails). */
type Same<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/**
 * Declares the stored form of type `T`: compiles only when the schema's output is exactly `T`
 * (readonly aside), so the schema cannot drift from the domain type it reads back.
 */
function storedItemType<T>() {
  // Every type is at its first version: nothing older to read yet.
  return <S extends z.ZodType<T>>(
    name: string,
    holds: StoredItemType<T>["holds"],
    schema: S & (Same<Mutable<z.output<S>>, Mutable<T>> extends true ? unknown : { schemaDoesNotMatch: T }),
  ): StoredItemType<T> => ({ name, version: 1, holds, schema });
}

const severity = z.enum(Severity);
const series = z.array(z.number().nullable());
const seriesByName = z.record(z.string(), series);
const evidence = z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]));
const remediationOutcome = z.enum(["executed", "dry-run", "blocked", "awaiting-approval", "denied", "expired", "verified", "escalated"]);

const blastRadius = z.object({
  connections: z.number().nullable(),
  consumers: z.number().nullable(),
  queues: z.number().nullable(),
  activeNode: z.string().nullable(),
  nodes: z.array(z.string()),
  standby: z.string().optional(),
});

const approvalPrompt = z.object({
  id: z.string(),
  expiresAt: z.number(),
  approvers: z.array(z.string()),
  blastRadius: blastRadius.nullable(),
  guards: z.array(z.object({ guard: z.string(), ok: z.boolean(), detail: z.string() })),
  lastReboot: z.string().nullable(),
});

const pendingNotification = z.object({
  id: z.string(),
  transition: z.enum(["opened", "updated", "escalated", "resolved", "remediation"]),
  reason: z.enum(NotifyReason).exclude(["muted"]),
  previousSeverity: severity.optional(),
  flap: z.enum(["started", "stopped"]).optional(),
  remediation: z
    .object({ action: z.literal("reboot-broker"), outcome: remediationOutcome, reason: z.string(), approval: approvalPrompt.optional() })
    .optional(),
  createdAt: z.number(),
  channels: z.record(z.string(), z.enum(["pending", "sent", "dropped"])),
  attempts: z.number(),
  notBefore: z.number(),
  leaseUntil: z.number(),
  lastError: z.string().optional(),
});

const incidentNoise = z.object({
  level: z.number(),
  changes: z.array(z.object({ at: z.number(), from: z.number(), to: z.number() })),
  lowerSince: z.number().nullable(),
  flapping: z.boolean(),
  flappingSince: z.number().nullable(),
  opens: z.array(z.number()),
  peak: z.object({ value: z.number(), at: z.number() }).nullable(),
  gauge: z.object({ label: z.string(), unit: z.string(), warning: z.number(), critical: z.number() }).nullable(),
  windowMinutes: z.number(),
});

/**
 * An incident as stored. `condition` is read as any string: the core narrows conditions to a union per
 * kind, and a condition an older release wrote (or one since renamed) must still read, as the incident
 * it belongs to is still someone's alert. The incident store hands it on as the core's type.
 */
export type StoredIncident = Omit<Incident, "condition"> & { condition: string };

export const IncidentItem = storedItemType<StoredIncident>()(
  "incident",
  "data",
  z.object({
    id: z.string(),
    fingerprint: z.string(),
    kind: z.enum(IncidentKind),
    broker: z.string(),
    resource: z.string().nullable(),
    status: z.enum(IncidentStatus),
    severity,
    peakSeverity: severity,
    condition: z.string(),
    summary: z.string(),
    evidence,
    series: seriesByName.optional(),
    firstSeenAt: z.number(),
    openedAt: z.number().nullable(),
    lastSeenAt: z.number(),
    clearSince: z.number().nullable(),
    resolvedAt: z.number().nullable(),
    closeReason: z.string().nullable().optional(),
    outbox: z.array(pendingNotification),
    notified: z.object({ at: z.number(), severity }).nullable(),
    mutedAt: z.number().nullable().optional(),
    messages: z
      .record(z.string(), z.object({ channel: z.string(), ts: z.string(), approval: approvalPrompt.nullable().optional() }))
      .optional(),
    route: z.string().optional(),
    noise: incidentNoise.optional(),
    version: z.number(),
  }),
);

export const SilenceItem = storedItemType<Silence>()(
  "silence",
  "data",
  z.object({
    id: z.string(),
    broker: z.string().optional(),
    kind: z.string().optional(),
    resource: z.string().optional(),
    startsAt: z.number(),
    endsAt: z.number(),
    comment: z.string(),
    createdBy: z.string(),
  }),
);

export const ApprovalRequestItem = storedItemType<ApprovalRequest>()(
  "approval request",
  "data",
  z.object({
    id: z.string(),
    incidentId: z.string(),
    fingerprint: z.string(),
    broker: z.string(),
    brokerId: z.string(),
    requestedAt: z.number(),
    expiresAt: z.number(),
    status: z.enum(["pending", "expired", "done"]),
  }),
);

export const RecordedAnswerItem = storedItemType<RecordedAnswer>()(
  "approval answer",
  "data",
  z.object({ approvalId: z.string(), action: z.enum(["approve", "deny"]), user: z.string(), at: z.number() }),
);

/** A Slack interaction already accepted (by the sha-256 of its signature, the item's sort key). */
export interface AcceptedInteraction {
  at: number;
}

export const InteractionItem = storedItemType<AcceptedInteraction>()("accepted interaction", "attributes", z.object({ at: z.number() }));

/** A call in a subject's history. Its payload is whatever the event handler kept; it is not interpreted here. */
export const ActivityRecordItem = storedItemType<ActivityRecord>()(
  "activity record",
  "data",
  z.object({ eventId: z.string(), at: z.number(), payload: z.unknown() }),
);

/**
 * An EventBridge event's claim. Every field is optional: an item without `state` was written before
 * claims had leases and counts as done.
 */
export interface EventClaimRecord {
  state?: "claimed" | "done";
  token?: string;
  leaseUntil?: number;
}

export const EventClaimItem = storedItemType<EventClaimRecord>()(
  "event claim",
  "attributes",
  z.object({ state: z.enum(["claimed", "done"]).optional(), token: z.string().optional(), leaseUntil: z.number().optional() }),
);

/**
 * A broker's opt-in record, stored as attributes: `since` is left out rather than null ("since the
 * monitor first looked"), and a record without `broker` or `source` reads as the adapter always read it.
 */
export const OptInItem = storedItemType<OptInState>()(
  "opt-in record",
  "attributes",
  z
    .object({
      brokerId: z.string(),
      broker: z.string().optional(),
      optedIn: z.boolean(),
      since: z.number().nullish(),
      source: z.string().optional(),
    })
    .transform(({ brokerId, broker, optedIn, since, source }) => ({
      brokerId,
      broker: broker ?? brokerId,
      optedIn,
      since: since ?? null,
      source: source ?? "unknown",
    })),
);

export const RemediationRecordItem = storedItemType<RemediationRecord>()(
  "remediation record",
  "data",
  z.object({
    id: z.string(),
    at: z.number(),
    incidentId: z.string(),
    broker: z.string(),
    brokerId: z.string(),
    action: z.literal("reboot-broker"),
    outcome: remediationOutcome,
    reason: z.string(),
  }),
);

export const PendingVerificationItem = storedItemType<PendingVerification>()(
  "pending verification",
  "data",
  z.object({
    brokerId: z.string(),
    broker: z.string(),
    incidentId: z.string(),
    fingerprint: z.string(),
    rebootedAt: z.number(),
    verifyBy: z.number(),
    runningAt: z.number().optional(),
    escalation: z.object({ at: z.number(), reason: z.string() }).optional(),
  }),
);

/** A broker's reboot lock: when the last reboot took it and until when it holds. */
export interface RebootLock {
  takenAt: number;
  lockedUntil: number;
}

export const RebootLockItem = storedItemType<RebootLock>()(
  "reboot lock",
  "attributes",
  z.object({ takenAt: z.number(), lockedUntil: z.number() }),
);

/** The rolling reboot budget: the times of recent reboots and the revision its optimistic writes check. */
export interface RebootBudget {
  reboots: number[];
  revision: number;
}

export const RebootBudgetItem = storedItemType<RebootBudget>()(
  "reboot budget",
  "attributes",
  z.object({ reboots: z.array(z.number()), revision: z.number() }),
);

/** A hold on a broker's reboots (the broker id is the item's sort key). */
export interface RebootHold {
  broker: string;
  reason: string;
  at: number;
}

export const RebootHoldItem = storedItemType<RebootHold>()(
  "reboot hold",
  "attributes",
  z.object({ broker: z.string(), reason: z.string(), at: z.number() }),
);

/** The item's attributes with the version of its type, as every put writes them. */
export function versioned<T>(type: StoredItemType<T>, item: Record<string, unknown>): Record<string, unknown> {
  return { ...item, schemaVersion: type.version };
}

/** Reads at most this many problems into an error (a badly damaged item would otherwise make a huge log line). */
const MAX_PROBLEMS = 5;
/** A path segment can be a map key (a channel, a metric name): cut, so a long one cannot flood a log line. */
const MAX_SEGMENT = 60;

/**
 * The value an item holds, checked against its type's schema. Throws a {@link StoredItemError} naming the
 * table, the key and the fields that did not match (never their values: an item may hold text an
 * attacker chose), or a {@link NewerStoredItemError} for an item a newer release wrote.
 */
export function readStoredItem<T>(type: StoredItemType<T>, table: string, item: Record<string, unknown>): T {
  const key = `${String(item.pk)}/${String(item.sk)}`;
  const fail = (problems: string[]) => new StoredItemError({ table, key, itemType: type.name, problems });
  // Items written before items carried a version have none: they are version 1, the layout they have.
  const version = item.schemaVersion ?? 1;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) throw fail(["schemaVersion: not a version number"]);
  if (version > type.version) throw new NewerStoredItemError({ table, key, itemType: type.name, version, known: type.version });
  let value: unknown = item;
  if (type.holds === "data") {
    try {
      value = JSON.parse(String(item.data));
    } catch {
      // The parser's message quotes the text: not repeated.
      throw fail(["data: not JSON"]);
    }
  }
  const parsed = type.schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const prefix = type.holds === "data" ? ["data"] : [];
  const problems = parsed.error.issues.slice(0, MAX_PROBLEMS).map((issue) => {
    const path = [...prefix, ...issue.path.map((segment) => String(segment).slice(0, MAX_SEGMENT))].join(".") || "item";
    return `${path}: ${issue.message}`;
  });
  if (parsed.error.issues.length > MAX_PROBLEMS) problems.push(`${parsed.error.issues.length - MAX_PROBLEMS} more`);
  throw fail(problems);
}
