import { crossings, type Incident, noiseNote } from "../incidents";
import type { ApprovalPrompt, MessageGroup, NotificationItem, RemediationNote, SlackPayload } from "../notifications";
import { compareSeverity, type Evidence, IncidentKind, MINUTE_MS, maxSeverity, type Series, Severity } from "../types";
import { consoleLinks } from "./console-links";
import { CUT_MARKER, capText, codeSpan, defangUrls, escapeMrkdwn, neutralizeFormatting, singleLine } from "./escape-mrkdwn";
import { sparkline } from "./sparkline";

/**
 * The Slack rendering of a message group: Block Kit for an incoming webhook, laid out for a phone.
 * One header (severity emoji, transition, broker), then per incident a section of what and where
 * (severity, kind, condition, broker and queue), a section of the story (the summary, what changed,
 * a sparkline of the key series, the remediation decision) with the key numbers as fields, and a
 * context line (console links, incident id, opened time), with a divider between incidents.
 *
 * Safety: outside text cannot link, mention or format (DESIGN.md §1 "Slack mrkdwn has no escape
 * character"). Every string from outside is one line, with URL schemes broken and `&<>` escaped,
 * and capped; in a mrkdwn object it sits in a code span ({@link codeSpan}: no bold, italics, strike,
 * quote or emoji code inside, backticks replaced), and prose that mixes our words with outside
 * values (a summary, a remediation reason) goes in `plain_text` objects with `emoji: false`, which
 * Slack never formats. Our own words keep their mrkdwn (`*Broker*`). Every mrkdwn object is
 * `verbatim`, so Slack does not turn text into links; the only `<…>` are our console links.
 */

/** Slack's Block Kit limits for a message (amazon-mq-facts.md §6). */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
} as const;

/**
 * Incidents shown in full in one message; the others are listed in a last section. Ten fit the block
 * limit with room to spare (3 blocks and a divider each: 1 + 10 × 4 - 1 + 2 = 42 of 50) and are as
 * many as anyone reads on a phone in a storm.
 */
export const MAX_DETAILED_INCIDENTS = 10;

/** Caps for outside text, chosen so a section stays well under 3,000 characters and reads on a phone. */
const CAP = {
  summary: 1000,
  broker: 150,
  resource: 250,
  principal: 300,
  condition: 60,
  fieldValue: 300,
  remediation: 400,
  seriesName: 40,
  incidentId: 100,
  overflowItem: 80,
  label: 60,
  fallbackWhere: 200,
  fallbackSummary: 350,
  /** A console URL longer than this carries a bogus name: the link is left out. */
  url: 900,
} as const;

const SPARK_WIDTH = 30;

type Block = Record<string, unknown>;

const DIVIDER: Block = { type: "divider" };

const EMOJI: Record<Severity, string> = { critical: "🔴", warning: "🟠", info: "🔵" };
const RESOLVED_EMOJI = "✅";
/** An incident closed because its broker is no longer watched: over, but not recovered. */
const UNWATCHED_EMOJI = "⚪";

/** True for an item that closed without recovering (its broker is no longer watched). */
function unwatched(item: NotificationItem): boolean {
  return typeof item.incident.closeReason === "string" && item.incident.closeReason !== "";
}

/** A resolution message whose incidents all closed without recovering. */
function allUnwatched(group: MessageGroup, items: readonly NotificationItem[]): boolean {
  return group.transition === "resolved" && items.length > 0 && items.every(unwatched);
}

/** The action ids of the Approve and Deny buttons (the interactions function reads them). */
export const APPROVE_ACTION_ID = "mq-sentinel-approve";
export const DENY_ACTION_ID = "mq-sentinel-deny";

const REMEDIATION: Record<RemediationNote["outcome"], { icon: string; title: string }> = {
  executed: { icon: "🔁", title: "Broker rebooted" },
  "dry-run": { icon: "🧪", title: "Reboot dry run" },
  blocked: { icon: "⛔", title: "Reboot blocked" },
  verified: { icon: "✅", title: "Reboot verified" },
  escalated: { icon: "🚨", title: "Reboot did not help" },
  "awaiting-approval": { icon: "🙋", title: "Reboot awaits approval" },
  denied: { icon: "🙅", title: "Reboot denied" },
  expired: { icon: "⌛", title: "Reboot request expired" },
};

/** Renders a message group as a Slack incoming-webhook payload within Block Kit's limits. */
export function renderSlackMessage(group: MessageGroup): SlackPayload {
  const items = orderBySeverity(group.items);
  const blocks: Block[] = [headerBlock(group, items)];
  const detailed = items.slice(0, MAX_DETAILED_INCIDENTS);
  detailed.forEach((item, i) => {
    if (i > 0) blocks.push(DIVIDER);
    blocks.push(whatSection(item, group), storySection(item, group), contextBlock(item.incident, group));
    const approval = item.remediation?.outcome === "awaiting-approval" ? item.remediation.approval : undefined;
    // Two more blocks per request; a message never passes Slack's 50 (the overflow section needs 2).
    if (approval && blocks.length + 4 <= SLACK_LIMITS.blocks) blocks.push(approvalSection(approval), approvalButtons(approval));
  });
  const rest = items.slice(detailed.length);
  if (rest.length > 0) blocks.push(DIVIDER, overflowSection(rest));
  return { text: fallbackText(group, items), blocks };
}

/**
 * Outside text for a `plain_text` object: one line, URL schemes broken, `&<>` escaped (Slack parses
 * `<…>` in every text object), at most `max` characters after escaping; `—` when nothing is left.
 * Not for mrkdwn: there it would still format; use {@link codeSpan}.
 */
function untrusted(text: string, max: number): string {
  return escapeMrkdwn(defangUrls(singleLine(text)), max) || "—";
}

/**
 * Outside text for the top-level `text`, which Slack parses as mrkdwn and which cannot hold a code
 * span that a notification would show as such: {@link untrusted}, with look-alikes for `*_~`:`.
 */
function inert(text: string, max: number): string {
  return neutralizeFormatting(untrusted(text, max));
}

function orderBySeverity(items: readonly NotificationItem[]): NotificationItem[] {
  // Array.prototype.sort is stable: equal severities keep the caller's order.
  return [...items].sort((a, b) => compareSeverity(b.incident.severity, a.incident.severity));
}

function highestSeverity(items: readonly NotificationItem[]): Severity {
  return items.reduce<Severity>((s, item) => maxSeverity(s, item.incident.severity), Severity.info);
}

// ── header ───────────────────────────────────────────────────────────────────────────────────────

function headerBlock(group: MessageGroup, items: readonly NotificationItem[]): Block {
  const severity = highestSeverity(items);
  const emoji = group.transition !== "resolved" ? EMOJI[severity] : allUnwatched(group, items) ? UNWATCHED_EMOJI : RESOLVED_EMOJI;
  const subject = items.length === 1 && items[0] ? kindOf(items[0].incident) : `${items.length} incidents`;
  // The broker name gets a short cap so the header's own cap never cuts inside an entity.
  const text = `${emoji} ${headline(group, items, severity)}: ${subject} ${where(group, 80)}`;
  return { type: "header", text: plainText(capText(text, SLACK_LIMITS.headerText)) };
}

/** What happened, in two or three words: "CRITICAL opened", "Escalated to CRITICAL", "Resolved". */
function headline(group: MessageGroup, items: readonly NotificationItem[], severity: Severity): string {
  const label = severity.toUpperCase();
  // A reminder comes as an `updated` (or `opened`) transition whose items are all `repeat`.
  const repeat = items.length > 0 && items.every((i) => i.reason === "repeat");
  if (repeat && group.transition !== "resolved" && group.transition !== "remediation") return `${label} still open`;
  const flap =
    items.length > 0 && items.every((i) => i.flap === "started") ? "started" : items.every((i) => i.flap === "stopped") ? "stopped" : null;
  if (flap === "started" && group.transition !== "resolved") return `${label} flapping`;
  if (flap === "stopped" && group.transition !== "resolved") return `No longer flapping: ${label}`;
  switch (group.transition) {
    case "resolved":
      return allUnwatched(group, items) ? "No longer watched" : "Resolved";
    case "escalated":
      return `Escalated to ${label}`;
    case "updated":
      return `Now ${label}`;
    case "remediation": {
      const outcomes = new Set(items.map((i) => i.remediation?.outcome).filter((o) => o !== undefined));
      const [only] = outcomes;
      return outcomes.size === 1 && only ? REMEDIATION[only].title : "Remediation";
    }
    default:
      return `${label} opened`;
  }
}

function where(group: MessageGroup, max: number = CAP.broker): string {
  return group.broker === "*" ? `in account ${untrusted(group.context.accountId, 20)}` : `on ${untrusted(group.broker, max)}`;
}

// ── one incident ─────────────────────────────────────────────────────────────────────────────────

/** What and where: severity, kind and condition, then broker and queue (or principal, call, check). */
function whatSection(item: NotificationItem, group: MessageGroup): Block {
  const lines = [titleLine(item, group), whereLine(item.incident)].filter((line) => line !== "");
  return { type: "section", text: mrkdwn(capBlockText(lines.join("\n"), "mrkdwn")) };
}

/**
 * The story, in `plain_text` (summaries and reasons mix our words with outside values, so no part of
 * them may format): the summary, what changed, the sparklines, the remediation decision; the key
 * numbers as fields.
 */
function storySection(item: NotificationItem, group: MessageGroup): Block {
  const { incident } = item;
  const lines = [
    summaryLine(item, group),
    transitionLine(item, group),
    noiseLine(item, group),
    ...sparkLines(incident),
    remediationLine(item.remediation),
  ].filter((line): line is string => line !== null && line !== "");
  const block: Block = { type: "section", text: plainText(capBlockText(lines.join("\n"), "plain_text")) };
  const fields = evidenceFields(incident);
  if (fields.length > 0) block.fields = fields.map(mrkdwn);
  return block;
}

function titleLine(item: NotificationItem, group: MessageGroup): string {
  const { incident } = item;
  const resolved = group.transition === "resolved" || item.reason === "resolved";
  const closed = resolved && unwatched(item);
  const severity = !resolved
    ? `*${incident.severity.toUpperCase()}*`
    : `*${closed ? "NO LONGER WATCHED" : "RESOLVED"}* (was ${incident.peakSeverity})`;
  const emoji = !resolved ? EMOJI[incident.severity] : closed ? UNWATCHED_EMOJI : RESOLVED_EMOJI;
  const condition = incident.condition ? ` · ${codeSpan(incident.condition, CAP.condition)}` : "";
  return `${emoji} ${severity} · ${kindMrkdwn(incident)}${condition}`;
}

function whereLine(incident: Incident): string {
  const parts = incident.broker === "*" ? [] : [`*Broker* ${codeSpan(incident.broker, CAP.broker)}`];
  const resource = incident.resource === null ? null : codeSpan(incident.resource, CAP.resource);
  switch (incident.kind) {
    case IncidentKind.consumerLag:
      parts.push(`*Queue* ${resource ?? "all queues (broker totals)"}`);
      break;
    case IncidentKind.unauthorizedApi:
      if (incident.resource !== null) parts.push(`*Principal* ${codeSpan(incident.resource, CAP.principal)}`);
      break;
    case IncidentKind.riskyChange: {
      const principal = incident.evidence.principal;
      if (typeof principal === "string" && principal) parts.push(`*Principal* ${codeSpan(principal, CAP.principal)}`);
      if (resource !== null) parts.push(`*Call* ${resource}`);
      break;
    }
    case IncidentKind.posture:
      if (resource !== null) parts.push(`*Check* ${resource}`);
      break;
    default:
      if (resource !== null) parts.push(`*Resource* ${resource}`);
  }
  return parts.join(" · ");
}

function summaryLine(item: NotificationItem, group: MessageGroup): string {
  const summary = untrusted(item.incident.summary, CAP.summary);
  return group.transition === "resolved" || item.reason === "resolved" ? `Was: ${summary}` : summary;
}

/** What changed: how long a resolved incident was open, how long a repeated one has been, a severity change. */
function transitionLine(item: NotificationItem, group: MessageGroup): string | null {
  const { incident } = item;
  const openedAt = incident.openedAt ?? incident.firstSeenAt;
  if (group.transition === "resolved" || item.reason === "resolved") {
    const end = incident.resolvedAt ?? incident.lastSeenAt;
    if (unwatched(item)) {
      // The reason names who tagged the broker (CloudTrail text): outside text.
      return `Closed at ${formatTime(end)} after ${formatDuration(end - openedAt)} open, not recovered: ${untrusted(incident.closeReason ?? "", CAP.remediation)}. mq-sentinel no longer reports on it.`;
    }
    return `Cleared at ${formatTime(end)} after ${formatDuration(end - openedAt)} open.`;
  }
  if (item.reason === "repeat") {
    return `Still open after ${formatDuration(group.at - openedAt)} (since ${formatTime(openedAt)}).`;
  }
  if (item.previousSeverity && item.previousSeverity !== incident.severity) {
    const verb = compareSeverity(incident.severity, item.previousSeverity) > 0 ? "Escalated" : "Lowered";
    return `${verb} from ${item.previousSeverity} to ${incident.severity}.`;
  }
  return null;
}

/** Flapping ("CPU crossed 85% 14 times in 6 h; peak 99.2%") and re-openings ("again — 3rd time today"). */
function noiseLine(item: NotificationItem, group: MessageGroup): string | null {
  const { incident } = item;
  if (!incident.noise) return null;
  if (item.flap === "stopped") {
    const over = group.transition === "resolved" ? "" : ` Now ${incident.severity}.`;
    return `No longer flapping (${crossings(incident.noise)}).${over}`;
  }
  if (group.transition === "resolved" || item.reason === "resolved" || item.reason === "repeat") {
    return incident.noise.flapping ? `Flapping: ${crossings(incident.noise)}.` : null;
  }
  const note = noiseNote(incident);
  return note ? `${note.charAt(0).toUpperCase()}${note.slice(1)}.` : null;
}

function remediationLine(note: RemediationNote | undefined): string | null {
  if (!note) return null;
  const { icon, title } = REMEDIATION[note.outcome] ?? { icon: "🛠", title: "Remediation" };
  return `${icon} ${title} — ${untrusted(note.reason, CAP.remediation)}`;
}

/** The key series of each kind, in order of interest; kinds not listed show their first series. */
const KEY_SERIES: Partial<Record<IncidentKind, readonly string[]>> = {
  [IncidentKind.consumerLag]: ["backlog", "dequeues"],
};
const PERCENT_SERIES_KINDS: readonly IncidentKind[] = [IncidentKind.resourcePressure];

function sparkLines(incident: Incident): string[] {
  const series = incident.series;
  if (!series) return [];
  const names = Object.keys(series);
  const preferred = KEY_SERIES[incident.kind]?.filter((n) => names.includes(n)) ?? [];
  const chosen = preferred.length > 0 ? preferred : names.slice(0, 1);
  const unit = PERCENT_SERIES_KINDS.includes(incident.kind) ? "%" : "";
  return chosen.flatMap((name) => {
    const values = series[name] as Series;
    const line = sparkline(values, SPARK_WIDTH);
    if (!line) return [];
    const known = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    const first = known[0] as number;
    const last = known[known.length - 1] as number;
    const range = `${formatNumber(first)}${unit} → ${formatNumber(last)}${unit}`;
    return [`${untrusted(name, CAP.seriesName)} ${line}  ${range} · last ${values.length} min`];
  });
}

// ── key numbers ──────────────────────────────────────────────────────────────────────────────────

/** One field: a label (ours) and the evidence keys it shows; `value` returns mrkdwn (outside text in code spans) or null. */
interface FieldSpec {
  label: string;
  keys: readonly string[];
  value: (e: Evidence) => string | null;
}

const count = (label: string, key: string, suffix = ""): FieldSpec => ({
  label,
  keys: [key],
  value: (e) => ifNumber(e, key, (v) => `${formatNumber(v)}${suffix}`),
});
const minutes = (label: string, key: string, prefix = ""): FieldSpec => ({
  label,
  keys: [key],
  value: (e) => ifNumber(e, key, (v) => `${prefix}${formatDuration(v * MINUTE_MS)}`),
});
const text = (label: string, key: string): FieldSpec => ({
  label,
  keys: [key],
  value: (e) => {
    const v = e[key];
    return typeof v === "string" && v ? codeSpan(v, CAP.fieldValue) : null;
  },
});
const flag = (label: string, key: string): FieldSpec => ({ label, keys: [key], value: (e) => (e[key] === true ? "yes" : null) });
const ofLimit = (label: string, key: string): FieldSpec => ({
  label,
  keys: [key, "limit", "percentOfLimit"],
  value: (e) =>
    ifNumber(e, key, (v) => {
      const limit = num(e, "limit");
      const percent = num(e, "percentOfLimit");
      return `${formatNumber(v)}${limit === null ? "" : ` of ${formatNumber(limit)}`}${percent === null ? "" : ` (${formatNumber(percent)}%)`}`;
    }),
});
const bytesOf = (label: string, key: string, limitKey: string, limitWord: string): FieldSpec => ({
  label,
  keys: [key, limitKey],
  value: (e) =>
    ifNumber(e, key, (v) => {
      const limit = num(e, limitKey);
      return `${formatBytes(v)}${limit === null ? "" : ` ${limitWord} ${formatBytes(limit)}`}`;
    }),
});

const FIELDS: Partial<Record<IncidentKind, readonly FieldSpec[]>> = {
  [IncidentKind.consumerLag]: [
    {
      label: "Backlog",
      keys: ["backlog", "backlogGrowth", "growth"],
      value: (e) =>
        ifNumber(e, "backlog", (v) => {
          const growth = num(e, "backlogGrowth") ?? num(e, "growth");
          return `${formatNumber(v)}${growth ? ` (${growth > 0 ? "+" : ""}${formatNumber(growth)})` : ""}`;
        }),
    },
    count("Consumers", "consumers"),
    {
      label: "Time to drain",
      keys: ["timeToDrainMinutes"],
      value: (e) => {
        if (!Object.hasOwn(e, "timeToDrainMinutes")) return null;
        const v = e.timeToDrainMinutes;
        if (v === null) return "never, at current rates";
        return typeof v === "number" && Number.isFinite(v) ? (v === 0 ? "drained" : `~${formatDuration(v * MINUTE_MS)}`) : null;
      },
    },
    count("Dequeues", "dequeuesPerMinute", " /min"),
    count("Enqueues", "enqueuesPerMinute", " /min"),
    minutes("Stalled for", "stalledForMinutes"),
    minutes("No consumers for", "noConsumersForMinutes"),
    count("In flight", "inFlight"),
    { label: "Avg time in queue", keys: ["avgEnqueueTimeMs"], value: (e) => ifNumber(e, "avgEnqueueTimeMs", formatMillis) },
  ],
  [IncidentKind.connectionExhaustion]: [
    ofLimit("Connections", "connections"),
    ofLimit("Channels", "channels"),
    minutes("Limit reached in", "minutesToLimit", "~"),
    count("Growth", "growthPerMinute", " /min"),
    text("Limit from", "limitSource"),
  ],
  [IncidentKind.resourcePressure]: [
    count("Used", "percentUsed", "%"),
    { label: "Held at", keys: ["floorPercent"], value: (e) => ifNumber(e, "floorPercent", (v) => `≥ ${formatNumber(v)}%`) },
    minutes("Full in", "minutesToFull", "~"),
    {
      label: "Thresholds",
      keys: ["warnPercent", "criticalPercent"],
      value: (e) => {
        const warn = num(e, "warnPercent");
        const critical = num(e, "criticalPercent");
        return warn === null || critical === null ? null : `${formatNumber(warn)}% warning · ${formatNumber(critical)}% critical`;
      },
    },
    bytesOf("Memory", "memUsedBytes", "memLimitBytes", "of"),
    bytesOf("Disk free", "diskFreeBytes", "diskFreeLimitBytes", "· alarm at"),
    {
      label: "File descriptors",
      keys: ["fileDescriptorsUsed", "estimatedLimit"],
      value: (e) =>
        ifNumber(e, "fileDescriptorsUsed", (v) => {
          const limit = num(e, "estimatedLimit");
          return `${formatNumber(v)}${limit === null ? "" : ` of ~${formatNumber(limit)}`}`;
        }),
    },
  ],
  [IncidentKind.brokerUnhealthy]: [text("State", "state")],
  [IncidentKind.unauthorizedApi]: [
    {
      label: "Denied calls",
      keys: ["deniedCalls", "windowMinutes"],
      value: (e) =>
        ifNumber(e, "deniedCalls", (v) => {
          const window = num(e, "windowMinutes");
          return `${formatNumber(v)}${window === null ? "" : ` · ${formatDuration(window * MINUTE_MS)} window`}`;
        }),
    },
    {
      label: "Actions",
      keys: ["distinctActions", "actions"],
      value: (e) => {
        const n = num(e, "distinctActions");
        const list = typeof e.actions === "string" && e.actions ? codeSpan(e.actions, CAP.fieldValue) : null;
        if (n === null) return list;
        return list === null ? formatNumber(n) : `${formatNumber(n)}: ${list}`;
      },
    },
    count("Brokers", "distinctBrokers"),
    count("Denied changes", "deniedChanges"),
    text("Error codes", "errorCodes"),
    text("Source IPs", "sourceIps"),
    text("User agent", "userAgent"),
    flag("Root user", "rootUser"),
    flag("Other account", "otherAccount"),
  ],
  [IncidentKind.riskyChange]: [
    text("Change", "change"),
    text("Source IP", "sourceIp"),
    text("User agent", "userAgent"),
    text("Principal type", "principalType"),
    text("Broker id", "brokerId"),
    flag("Root user", "rootUser"),
  ],
};

/**
 * Evidence keys never shown as fields: shown elsewhere (the principal and a risky change's call in
 * the section text, the CloudTrail event as a link) or internal (the forecast's fit).
 */
const HIDDEN_KEYS = new Set(["condition", "fit", "principal", "eventName", "cloudTrailEventId"]);

/**
 * The key numbers as section fields (at most 10): the kind's own fields first, then any other
 * evidence (a label made from its key), leaving out nulls and false flags.
 */
function evidenceFields(incident: Incident): string[] {
  const evidence = incident.evidence;
  const fields: string[] = [];
  const shown = new Set<string>(HIDDEN_KEYS);
  for (const spec of FIELDS[incident.kind] ?? []) {
    const value = spec.value(evidence);
    if (value === null) continue;
    fields.push(field(spec.label, value));
    for (const key of spec.keys) shown.add(key);
  }
  for (const [key, value] of Object.entries(evidence)) {
    if (shown.has(key) || value === null || value === false) continue;
    fields.push(field(labelOf(key), formatValue(value)));
  }
  return fields.slice(0, SLACK_LIMITS.fields);
}

function field(label: string, value: string): string {
  return capBlockText(`*${label}*\n${value || "—"}`, "mrkdwn", SLACK_LIMITS.fieldText);
}

function formatValue(value: string | number | boolean): string {
  if (typeof value === "number") return Number.isFinite(value) ? formatNumber(value) : String(value);
  if (typeof value === "boolean") return "yes";
  return codeSpan(value, CAP.fieldValue);
}

/**
 * `stalledForMinutes` → `Stalled for minutes`. The label is bold mrkdwn of our own, so only ASCII
 * letters, digits and single spaces of the key are kept: evidence keys are stored data, and a `*`
 * or `_` in one must not shape the field. A key with none of them is a `Detail`.
 */
function labelOf(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[^A-Za-z0-9]+/g, " ")
    .trim()
    .toLowerCase()
    .slice(0, CAP.label);
  return words ? words.charAt(0).toUpperCase() + words.slice(1).trimEnd() : "Detail";
}

// ── context, overflow, fallback ──────────────────────────────────────────────────────────────────

/**
 * What people decide on when asked to approve a reboot (plain_text: broker and node names are outside
 * text): when the request expires and who may answer, what a reboot touches, the last reboot, and
 * each guard now — every one is checked again at the moment of approval.
 */
function approvalSection(approval: ApprovalPrompt): Block {
  const radius = approval.blastRadius;
  const count = (n: number | null, what: string) => (n === null ? null : `${n.toLocaleString("en-US")} ${what}`);
  const touches = radius
    ? [
        count(radius.connections, "connections"),
        count(radius.consumers, "consumers"),
        count(radius.queues, "queues"),
        radius.activeNode ? `active node ${radius.activeNode}` : null,
      ].filter((p): p is string => p !== null)
    : [];
  const standby =
    radius?.standby ??
    (radius && radius.nodes.length > 1 ? `standby ${radius.nodes.filter((n) => n !== radius.activeNode).join(", ")}` : null);
  // Each guard with what it says now; a refusing one says why (it would block an approval).
  const guards = approval.guards.map((g) => (g.ok ? `✓ ${g.guard}` : `✗ ${g.guard} (${g.detail})`)).join(" · ");
  const lines = [
    `Approve or deny before ${formatTime(approval.expiresAt)}. Who may answer: ${approval.approvers.length > 0 ? approval.approvers.join(", ") : "nobody (remediation.approvers is empty)"}.`,
    touches.length > 0 ? `A reboot touches: ${touches.join(" · ")}.` : "What a reboot touches: not known from this cycle.",
    `Standby: ${standby ?? "not known from this cycle"}.`,
    `Last reboot (failover) by mq-sentinel: ${approval.lastReboot ?? "none"}.`,
    `Guards now: ${guards}. Every guard is checked again when someone approves.`,
  ];
  return { type: "section", block_id: "mq-sentinel-approval-facts", text: plainText(capBlockText(untrustedLines(lines), "plain_text")) };
}

/**
 * The blocks of a waiting reboot request (what people decide on, then the Approve and Deny buttons),
 * for a Slack app's edit of an incident's message that keeps the buttons until the request is decided.
 */
export function approvalBlocks(approval: ApprovalPrompt): Record<string, unknown>[] {
  return [approvalSection(approval), approvalButtons(approval)];
}

/** The Approve and Deny buttons; their value is the request id (our own text), their action ids fixed. */
function approvalButtons(approval: ApprovalPrompt): Block {
  return {
    type: "actions",
    block_id: "mq-sentinel-approval",
    elements: [
      {
        type: "button",
        action_id: APPROVE_ACTION_ID,
        text: plainText("Approve reboot"),
        style: "primary",
        value: approval.id,
        confirm: {
          title: plainText("Reboot the broker?"),
          text: plainText("An active/standby broker fails over to its standby; clients reconnect. Every guard is checked again first."),
          confirm: plainText("Reboot"),
          deny: plainText("Cancel"),
        },
      },
      { type: "button", action_id: DENY_ACTION_ID, text: plainText("Deny"), style: "danger", value: approval.id },
    ],
  };
}

/** Lines of plain text with outside values in them, each made safe ({@link untrusted}). */
function untrustedLines(lines: readonly string[]): string {
  return lines.map((line) => untrusted(line, CAP.remediation)).join("\n");
}

function contextBlock(incident: Incident, group: MessageGroup): Block {
  const links = consoleLinks(incident, group.context)
    .filter((l) => l.url.length <= CAP.url)
    // Our URLs are percent-encoded (no `<`, `>`, `|`); escaping `&` is Slack's rule for all text.
    .map((l) => `<${escapeMrkdwn(l.url)}|${l.label}>`);
  const opened = incident.openedAt ?? incident.firstSeenAt;
  const elements: Block[] = [plainText(`${untrusted(incident.id, CAP.incidentId)} · opened ${formatTime(opened)}`)];
  if (links.length > 0) elements.unshift(mrkdwn(links.join(" · ")));
  return { type: "context", elements };
}

/** "… and N more incidents", grouped by kind with their resources, within one section's limit. */
function overflowSection(rest: readonly NotificationItem[]): Block {
  const byKind = new Map<string, string[]>();
  for (const { incident } of rest) {
    const label = incident.resource ?? (incident.broker === "*" ? "account" : incident.broker);
    const list = byKind.get(kindMrkdwn(incident)) ?? [];
    list.push(codeSpan(label, CAP.overflowItem));
    byKind.set(kindMrkdwn(incident), list);
  }
  const budget = SLACK_LIMITS.sectionText - 20;
  let out = `*… and ${rest.length} more incident${rest.length === 1 ? "" : "s"}:*`;
  outer: for (const [kind, labels] of byKind) {
    const head = `\n• ${kind} (${labels.length}): `;
    if (out.length + head.length + 1 > budget) {
      out += "\n…";
      break;
    }
    out += head;
    for (const [i, label] of labels.entries()) {
      const piece = i === 0 ? label : `, ${label}`;
      // Cut only between items, never inside an escaped one.
      if (out.length + piece.length + 2 > budget) {
        out += " …";
        break outer;
      }
      out += piece;
    }
  }
  return { type: "section", text: mrkdwn(out) };
}

/** The plain fallback (`[CRITICAL] consumer-lag on orders / q: …`) for notifications and screen readers. */
function fallbackText(group: MessageGroup, items: readonly NotificationItem[]): string {
  const first = items[0];
  const label =
    group.transition !== "resolved" ? highestSeverity(items).toUpperCase() : allUnwatched(group, items) ? "NO LONGER WATCHED" : "RESOLVED";
  if (!first) return `[${label}] mq-sentinel: no incidents ${neutralizeFormatting(where(group))}`;
  const { incident } = first;
  const place = [incident.broker === "*" ? null : incident.broker, incident.resource].filter((p): p is string => p !== null).join(" / ");
  const target = place ? ` on ${inert(place, CAP.fallbackWhere)}` : "";
  const lead = fallbackLead(first, group);
  const more = items.length > 1 ? ` (+${items.length - 1} more)` : "";
  return `[${label}] ${neutralizeFormatting(kindOf(incident))}${target}: ${lead}${inert(incident.summary, CAP.fallbackSummary)}${more}`;
}

function fallbackLead(item: NotificationItem, group: MessageGroup): string {
  const { incident } = item;
  const openedAt = incident.openedAt ?? incident.firstSeenAt;
  if (group.transition === "resolved" || item.reason === "resolved") {
    const open = formatDuration((incident.resolvedAt ?? incident.lastSeenAt) - openedAt);
    if (unwatched(item)) return `not recovered, ${inert(incident.closeReason ?? "", CAP.fallbackWhere)} after ${open}; was: `;
    return `cleared after ${open}; was: `;
  }
  if (group.transition === "remediation" && item.remediation) return `${REMEDIATION[item.remediation.outcome]?.title ?? "Remediation"}; `;
  if (item.reason === "repeat") return `still open after ${formatDuration(group.at - openedAt)}; `;
  const note = item.flap === "stopped" ? "no longer flapping" : noiseNote(incident);
  if (note) return `${inert(note, CAP.fallbackSummary)}; `;
  if (item.previousSeverity && item.previousSeverity !== incident.severity) return `was ${item.previousSeverity}; `;
  return "";
}

// ── small helpers ────────────────────────────────────────────────────────────────────────────────

/** A mrkdwn text object Slack leaves as written: no auto-linked URLs, no parsed mentions. */
function mrkdwn(text: string): Block {
  return { type: "mrkdwn", text, verbatim: true };
}

/** A plain_text object: never formatted; `emoji: false` so no `:emoji:` code in outside text turns into one. */
function plainText(text: string): Block {
  return { type: "plain_text", text, emoji: false };
}

/**
 * A last guard on a text object's length. The caps above keep every text well under its limit, so
 * this never cuts in practice; if it does, it backs off an entity it would split and, in mrkdwn, a
 * code span it would leave open (outside text would then run free to the end of the text).
 */
function capBlockText(text: string, type: "mrkdwn" | "plain_text", max: number = SLACK_LIMITS.sectionText): string {
  if (text.length <= max) return text;
  let kept = capText(text, max)
    .slice(0, -CUT_MARKER.length)
    .replace(/&[a-z]{0,4}$/, "");
  if (type === "mrkdwn" && (kept.match(/`/g) ?? []).length % 2 === 1) kept = kept.slice(0, kept.lastIndexOf("`"));
  return kept + CUT_MARKER;
}

/** The kind as a word; escaped like outside text, since a stored incident is data read back. */
function kindOf(incident: Pick<Incident, "kind">): string {
  return untrusted(incident.kind, 40);
}

/** The kind in mrkdwn: one of ours as it is, anything else read back from the store in a code span. */
function kindMrkdwn(incident: Pick<Incident, "kind">): string {
  return KINDS.has(incident.kind) ? incident.kind : codeSpan(incident.kind, 40);
}

const KINDS: ReadonlySet<string> = new Set(Object.values(IncidentKind));

function num(e: Evidence, key: string): number | null {
  const v = e[key];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function ifNumber(e: Evidence, key: string, format: (v: number) => string): string | null {
  const v = num(e, key);
  return v === null ? null : format(v);
}

const NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

function formatNumber(v: number): string {
  return NUMBER.format(v);
}

/** `45 min`, `1 h 12 min`, `3 d 4 h`; `under 1 min` (never `<1 min`: the only `<` in a payload opens our links). */
function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < MINUTE_MS) return "under 1 min";
  const totalMinutes = Math.round(ms / MINUTE_MS);
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const mins = totalMinutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return mins > 0 ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}

function formatMillis(ms: number): string {
  if (ms < 1000) return `${formatNumber(Math.round(ms))} ms`;
  if (ms < MINUTE_MS) return `${formatNumber(ms / 1000)} s`;
  return formatDuration(ms);
}

function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let unit = 0;
  while (Math.abs(v) >= 1024 && unit < units.length - 1) {
    v /= 1024;
    unit++;
  }
  return `${formatNumber(v)} ${units[unit]}`;
}

/** `2026-03-02 09:23 UTC`. */
function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return "?";
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return "?";
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
