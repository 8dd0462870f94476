import fc from "fast-check";
import type { Incident } from "../../../shared/core/incidents";
import type { MessageContext, MessageGroup, NotificationItem } from "../../../shared/core/notifications";
import { consoleLinks } from "../../../shared/core/render/console-links";
import { type IncidentKind, Severity } from "../../../shared/core/types";
import { MINUTE } from "../../support/clock";
import { anIncident } from "../../support/incidents";

/** One minute in milliseconds (the tests' one constant, re-exported for this fixture's users). */
export { MINUTE };

/**
 * Hand-built incidents and message groups for the renderers, one per incident kind, shaped like the
 * detectors' findings (evidence keys, summaries and series as the detectors write them).
 */

export const T0 = Date.UTC(2026, 2, 2, 9, 23);

export const CONTEXT: MessageContext = {
  accountId: "123456789012",
  region: "eu-west-1",
  brokerIds: { "risk-engine-27": "b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9", orders: "b-0f0e0d0c-0b0a-0908-0706-050403020100" },
};

const BACKLOG = [248, 250, 249, 251, 252, 250, 248, 249, 250, 251, 250, 252, 253, 251, 250, 249, 251, 252, 248, 331, 420, 505, 587, 669];

/** A critical stalled-consumers incident (scenario `amq-stalled-consumers`). */
export function stalledIncident(overrides: Partial<Incident> = {}): Incident {
  return anIncident({
    id: "inc-7da62b73742eb3c4",
    broker: "risk-engine-27",
    resource: "score.requests",
    severity: Severity.critical,
    summary: "Consumers on score.requests are connected (5) but nothing was dequeued for 3 min; backlog 669 (+421).",
    evidence: {
      condition: "stalled",
      dequeuesPerMinute: 0,
      enqueuesPerMinute: 84.2,
      timeToDrainMinutes: null,
      avgEnqueueTimeMs: 41250,
      backlog: 669,
      consumers: 5,
      stalledForMinutes: 3,
      inFlight: 250,
    },
    series: {
      backlog: BACKLOG,
      consumers: BACKLOG.map(() => 5),
      dequeues: BACKLOG.map((_, i) => (i < 19 ? 80 + (i % 3) : 0)),
    },
    firstSeenAt: T0,
    openedAt: T0,
    lastSeenAt: T0,
    ...overrides,
  });
}

/** One incident of each kind, with the evidence its detector writes. */
export const INCIDENTS: Readonly<Record<IncidentKind, Incident>> = {
  "consumer-lag": stalledIncident(),
  "connection-exhaustion": stalledIncident({
    id: "inc-conn",
    kind: "connection-exhaustion",
    broker: "orders",
    resource: null,
    severity: Severity.warning,
    peakSeverity: Severity.warning,
    condition: "connections-leak",
    summary: "Connections climbing steadily (+3.2/min, 82% of 500): the limit is reached in ~28 min. A client may be leaking connections.",
    evidence: {
      connections: 412,
      limit: 500,
      percentOfLimit: 82,
      limitSource: "documented limit for mq.m5.large",
      minutesToLimit: 28,
      growthPerMinute: 3.2,
      fit: 0.97,
    },
    series: { connections: [300, 310, 322, 330, 345, 356, 368, 380, 391, 400, 412] },
  }),
  "resource-pressure": stalledIncident({
    id: "inc-heap",
    kind: "resource-pressure",
    broker: "orders",
    resource: "heap",
    condition: "heap-critical",
    summary: "Heap usage at 93%, at least 90% for 10 min; at 100% producer flow control blocks producers.",
    evidence: { percentUsed: 93, floorPercent: 90, warnPercent: 80, criticalPercent: 90, minutesToFull: null },
    series: { heap: [71, 75, 80, 84, 88, 90, 91, 92, 93] },
  }),
  "broker-unhealthy": stalledIncident({
    id: "inc-health",
    kind: "broker-unhealthy",
    broker: "orders",
    resource: null,
    condition: "critical-action-required",
    summary: "Broker orders is CRITICAL_ACTION_REQUIRED: it runs degraded until someone acts (KMS_KEY_INACCESSIBLE).",
    evidence: { state: "CRITICAL_ACTION_REQUIRED", actionsRequired: "KMS_KEY_INACCESSIBLE" },
    series: undefined,
  }),
  "unauthorized-api": stalledIncident({
    id: "inc-denied",
    kind: "unauthorized-api",
    broker: "*",
    resource: "arn:aws:iam::123456789012:user/intruder",
    condition: "denied-burst-critical",
    summary: "arn:aws:iam::123456789012:user/intruder was denied 42 Amazon MQ calls in 6 min: 7 actions on 5 brokers.",
    evidence: {
      principal: "arn:aws:iam::123456789012:user/intruder",
      deniedCalls: 42,
      distinctActions: 7,
      distinctBrokers: 5,
      deniedChanges: 2,
      rootUser: false,
      otherAccount: false,
      actions: "DescribeBroker, ListUsers, DescribeUser, ListConfigurations, UpdateBroker, DeleteBroker, RebootBroker",
      errorCodes: "AccessDenied, AccessDeniedException",
      sourceIps: "198.51.100.7",
      userAgent: "aws-cli/2.15.0 Python/3.11",
      windowMinutes: 15,
    },
    series: undefined,
  }),
  "risky-change": stalledIncident({
    id: "inc-change",
    kind: "risky-change",
    broker: "orders",
    resource: "CreateUser",
    severity: Severity.warning,
    peakSeverity: Severity.warning,
    condition: "CreateUser",
    summary: "arn:aws:iam::123456789012:user/jdoe ran CreateUser on orders: user svc-admin; groups admin.",
    evidence: {
      eventName: "CreateUser",
      principal: "arn:aws:iam::123456789012:user/jdoe",
      principalType: "IAMUser",
      rootUser: false,
      brokerId: "b-0f0e0d0c-0b0a-0908-0706-050403020100",
      sourceIp: "203.0.113.9",
      userAgent: "console.amazonaws.com",
      change: "user svc-admin; groups admin",
      cloudTrailEventId: "6f1c1b7e-2f2b-4c1e-9a3b-0d4f1e2a3b4c",
    },
    series: undefined,
  }),
  posture: stalledIncident({
    id: "inc-posture",
    kind: "posture",
    broker: "orders",
    resource: "public-access",
    severity: Severity.info,
    peakSeverity: Severity.info,
    condition: "public-access",
    summary: "Broker orders is publicly accessible.",
    evidence: { publiclyAccessible: true },
    series: undefined,
  }),
};

/** A notification item for an incident (first notice unless told otherwise). */
export function item(incident: Incident, overrides: Partial<NotificationItem> = {}): NotificationItem {
  return { incident, reason: "first", ...overrides };
}

/** A message group for one broker. */
export function group(items: NotificationItem[], overrides: Partial<MessageGroup> = {}): MessageGroup {
  const at = Math.max(0, ...items.map((i) => i.incident.lastSeenAt));
  return { broker: items[0]?.incident.broker ?? "orders", transition: "opened", items, context: CONTEXT, at, ...overrides };
}

/**
 * The serialized payload with the links the renderer itself made taken out: `<url|label>` for each
 * console link of each incident in the group. What is left must hold no `<` or `>` at all.
 */
export function withoutOurLinks(serialized: string, messageGroup: MessageGroup): string {
  let rest = serialized;
  for (const { incident } of messageGroup.items) {
    for (const link of consoleLinks(incident, messageGroup.context)) {
      expect(link.url.startsWith("https://")).toBe(true);
      rest = rest.split(`<${link.url}|${link.label}>`).join("");
    }
  }
  return rest;
}

/**
 * Pieces of outside text that try to shape a Slack message or hide in it: formatting characters,
 * a leading quote, code-span breakers, emoji codes, mentions and links, emoji (composed ones too),
 * lone surrogates (half an emoji left by a cut elsewhere) and invisible characters.
 */
export const HOSTILE_PIECES = [
  "*",
  "_",
  "~",
  "`",
  "```",
  ">",
  "> ",
  "\n> ",
  "&gt; ",
  "*✅ Approved change — no action needed*",
  "_italic_",
  "~strike~",
  ":white_check_mark:",
  ":ok:",
  "<!channel>",
  "<@U024BE7LH>",
  "<https://evil.example|AWS console>",
  "https://evil.example",
  "&",
  "&lt;",
  "✅",
  "👍🏽",
  "🇫🇷",
  "👨‍👩‍👧",
  "\uD83D",
  "\uDE00",
  "\u061C",
  "\u180E",
  "\u00AD",
  "\u{E0041}\u{E0042}",
  "\u202E",
  "\u200B",
  "\u034F",
  "\u3164",
  "\uFFA0",
  "\uFE0F",
  "\u{E0100}",
  " ",
  "\n",
  "a",
  "orders",
] as const;

/** Outside text built from {@link HOSTILE_PIECES}, or anything at all, or a lone surrogate among letters. */
export const hostileText = fc.oneof(
  fc.array(fc.constantFrom(...HOSTILE_PIECES), { maxLength: 10 }).map((parts) => parts.join("")),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom("a", "b", " "),
        fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
      ),
      {
        maxLength: 12,
      },
    )
    .map((parts) => parts.join("")),
);

/** A lone surrogate: the first half of a pair without its second, or a second half alone. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The invisible characters no rendered text may keep (Default_Ignorable_Code_Point, U+FFF9–FFFB). */
export const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\uFFF9-\uFFFB]/u;

/** Every string inside a value (object values and array items, depth first). */
export function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(stringsIn);
  return [];
}
