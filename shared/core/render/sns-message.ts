import type { MessageGroup, NotificationItem, RemediationNote, SnsPayload } from "../notifications";
import { compareSeverity, type Evidence, MINUTE_MS, maxSeverity, Severity } from "../types";
import { consoleLinks } from "./console-links";
import { capText, dropInvisible } from "./escape-mrkdwn";

/**
 * The SNS rendering of a message group: a JSON body for programs (and readable in an email), an
 * ASCII subject for email subscribers, and message attributes for subscription filter policies.
 * JSON keeps outside strings as data, so nothing is escaped beyond JSON; strings lose only what a
 * reader cannot see (invisible and bidirectional controls: the body is read in email too), are
 * capped between characters, never inside one, and the whole message is kept under SNS's size limit.
 */

/** SNS Publish limits: a subject "less than 100 characters" (ASCII, one line), 256 KB per message. */
export const SNS_LIMITS = { subject: 99, messageBytes: 262_144 } as const;

/** The publish size counts the subject and message attributes too: leave them this much room. */
const ENVELOPE_RESERVE_BYTES = 8_192;
const MESSAGE_BUDGET_BYTES = SNS_LIMITS.messageBytes - ENVELOPE_RESERVE_BYTES;

const CAP = {
  id: 200,
  name: 1000,
  condition: 200,
  summary: 4000,
  /** A later incident's summary once the message had to shrink. */
  shortSummary: 280,
  evidenceKey: 100,
  evidenceValue: 1000,
  reason: 1000,
  url: 2000,
  context: 64,
  attribute: 256,
} as const;

/** One incident in the SNS message body. */
export interface SnsIncident {
  id: string;
  kind: string;
  severity: Severity;
  previousSeverity: Severity | null;
  peakSeverity: Severity;
  status: string;
  condition: string;
  broker: string;
  resource: string | null;
  summary: string;
  reason: NotificationItem["reason"];
  /** ISO 8601. */
  openedAt: string | null;
  resolvedAt: string | null;
  /** Why it closed without recovering ("no longer watched: ignored by ..."); null when it recovered or is open. */
  closeReason: string | null;
  /** Minutes open: until resolution, or until the last check while open. */
  openMinutes: number | null;
  /** Null when it was left out to keep the message under the size limit (`evidenceDropped`). */
  evidence: Evidence | null;
  evidenceDropped?: true;
  links: Partial<Record<string, string>>;
  remediation: RemediationNote | null;
}

/** The SNS message body (`message` is its JSON text). */
export interface SnsMessageBody {
  source: "mq-sentinel";
  transition: MessageGroup["transition"];
  broker: string;
  account: string;
  region: string;
  incidents: SnsIncident[];
  /** Incidents left out (the least severe, last) to keep the message under the size limit. */
  omittedIncidents?: number;
}

/** Renders a message group as an SNS Publish input. */
export function renderSnsMessage(group: MessageGroup): SnsPayload {
  const items = [...group.items].sort((a, b) => compareSeverity(b.incident.severity, a.incident.severity));
  const severity = items.reduce<Severity>((s, i) => maxSeverity(s, i.incident.severity), Severity.info);
  const body: SnsMessageBody = {
    source: "mq-sentinel",
    transition: group.transition,
    broker: str(group.broker, CAP.name),
    account: str(group.context.accountId, CAP.context),
    region: str(group.context.region, CAP.context),
    incidents: items.map((item) => snsIncident(item, group)),
  };
  return {
    subject: subjectOf(group, items, severity),
    message: fitMessage(body),
    attributes: {
      severity,
      kind: [...new Set(items.map((i) => str(i.incident.kind, CAP.attribute)))].sort(),
      broker: str(group.broker, CAP.attribute),
      transition: group.transition,
    },
  };
}

function snsIncident(item: NotificationItem, group: MessageGroup): SnsIncident {
  const { incident } = item;
  const openedAt = incident.openedAt ?? incident.firstSeenAt;
  const until = incident.resolvedAt ?? incident.lastSeenAt;
  const links: Partial<Record<string, string>> = {};
  for (const l of consoleLinks(incident, group.context)) if (l.url.length <= CAP.url) links[l.id] = l.url;
  return {
    id: str(incident.id, CAP.id),
    kind: str(incident.kind, CAP.condition),
    severity: incident.severity,
    previousSeverity: item.previousSeverity ?? null,
    peakSeverity: incident.peakSeverity,
    status: str(incident.status, CAP.condition),
    condition: str(incident.condition, CAP.condition),
    broker: str(incident.broker, CAP.name),
    resource: incident.resource === null ? null : str(incident.resource, CAP.name),
    summary: str(incident.summary, CAP.summary),
    reason: item.reason,
    openedAt: iso(incident.openedAt),
    resolvedAt: iso(incident.resolvedAt),
    closeReason: incident.closeReason ? str(incident.closeReason, CAP.reason) : null,
    openMinutes: Number.isFinite(until - openedAt) ? Math.max(0, Math.round((until - openedAt) / MINUTE_MS)) : null,
    evidence: cappedEvidence(incident.evidence),
    links,
    remediation: item.remediation ? { ...item.remediation, reason: str(item.remediation.reason, CAP.reason) } : null,
  };
}

function cappedEvidence(evidence: Evidence): Evidence {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(evidence)) {
    out[str(key, CAP.evidenceKey)] = typeof value === "string" ? str(value, CAP.evidenceValue) : value;
  }
  return out;
}

/**
 * The JSON text, under the size budget. When too big it gives up, from the last (least severe)
 * incident backwards: first evidence, then summary length, then whole incidents (counted in
 * `omittedIncidents`). Each incident is measured on its own, so this stays linear in their number.
 */
function fitMessage(body: SnsMessageBody): string {
  const incidents = [...body.incidents];
  const sizes = incidents.map((i) => bytes(JSON.stringify(i)));
  // The envelope with room for `"omittedIncidents":<n>,` and the commas between incidents.
  const envelope = bytes(JSON.stringify({ ...body, incidents: [] })) + 32;
  const total = () => envelope + sizes.reduce((a, b) => a + b, 0) + Math.max(0, incidents.length - 1);
  const shrink = (degrade: (i: SnsIncident) => SnsIncident) => {
    for (let i = incidents.length - 1; i >= 0 && total() > MESSAGE_BUDGET_BYTES; i--) {
      const next = degrade(incidents[i] as SnsIncident);
      incidents[i] = next;
      sizes[i] = bytes(JSON.stringify(next));
    }
  };
  shrink((i) => (i.evidence === null ? i : { ...i, evidence: null, evidenceDropped: true }));
  shrink((i) => ({ ...i, summary: capText(i.summary, CAP.shortSummary) }));
  let omitted = 0;
  while (incidents.length > 1 && total() > MESSAGE_BUDGET_BYTES) {
    incidents.pop();
    sizes.pop();
    omitted++;
  }
  return JSON.stringify({ ...body, incidents, ...(omitted > 0 ? { omittedIncidents: omitted } : {}) });
}

// ── subject ──────────────────────────────────────────────────────────────────────────────────────

/** `[CRITICAL] mq-sentinel: consumer-lag opened on orders (3 incidents)`: ASCII, one line, < 100 chars. */
function subjectOf(group: MessageGroup, items: readonly NotificationItem[], severity: Severity): string {
  // The transition attribute stays `resolved` for filter policies; the subject says it did not recover.
  const unwatched = group.transition === "resolved" && items.length > 0 && items.every((i) => !!i.incident.closeReason);
  const label = group.transition !== "resolved" ? severity.toUpperCase() : unwatched ? "NOT WATCHED" : "RESOLVED";
  const first = items[0];
  const kind = first ? ascii(first.incident.kind) : "no incidents";
  const count = items.length > 1 ? ` (${items.length} incidents)` : "";
  const outcome = group.transition === "remediation" ? items[0]?.remediation?.outcome : undefined;
  const what = capText(kind, 30, "...");
  const phrase = outcome ? `reboot ${outcome} for ${what}` : `${what} ${unwatched ? "no longer watched" : verbOf(group, items)}`;
  const head = `[${label}] mq-sentinel: ${phrase} `;
  const place = group.broker === "*" ? `in account ${ascii(group.context.accountId)}` : `on ${ascii(group.broker)}`;
  // The broker name gets whatever room the rest leaves; the count stays visible.
  const room = Math.max(12, SNS_LIMITS.subject - head.length - count.length);
  return capText(ascii(`${head}${capText(place, room, "...")}${count}`), SNS_LIMITS.subject, "...");
}

function verbOf(group: MessageGroup, items: readonly NotificationItem[]): string {
  // A reminder comes as an `updated` (or `opened`) transition whose items are all `repeat`.
  const repeat = items.length > 0 && items.every((i) => i.reason === "repeat");
  if (repeat && group.transition !== "resolved" && group.transition !== "remediation") return "still open";
  return group.transition === "updated" ? "lowered" : group.transition;
}

/**
 * Printable ASCII on one line: invisible characters and accents dropped (`é` → `e`), other characters `?`, control
 * characters and line breaks a space, runs of spaces one.
 */
function ascii(text: string): string {
  return (
    dropInvisible(text)
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ")
      .replace(/[^\x20-\x7e]+/g, "?")
      .replace(/ {2,}/g, " ")
      .trim()
  );
}

// ── small helpers ────────────────────────────────────────────────────────────────────────────────

/**
 * An outside string for the body: invisible characters dropped, cut between grapheme clusters, lone
 * surrogates as U+FFFD (SNS rejects text that is not valid UTF-8; `capText` repairs them).
 */
function str(text: string, max: number): string {
  return capText(dropInvisible(text), max);
}

function iso(ms: number | null): string | null {
  if (ms === null || !Number.isFinite(ms)) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

const ENCODER = new TextEncoder();

function bytes(text: string): number {
  return ENCODER.encode(text).length;
}
