/**
 * The notification-delivery scenarios (`notify-*`): scenarios of the library replayed while Slack, SNS or the
 * incident store fail, to show that every notification is delivered after the outage and none twice. Each is
 * a base scenario, a new name and description, and the faults to add.
 */
import { Between, ConsumerLag, type Expectation, Want } from "./dsl";
import type { ScenarioSet } from "./sets";

interface DeliveryVariant {
  base: string;
  name: string;
  description: string;
  /** The base's one broker repeated this many times under other names (brokers `<name>-a`, `-b`, ...). */
  copies?: number;
  faults: { operation: string; from: number; to: number; error: string; rate?: number }[];
  /** The expectations, when the outage changes them (default: the base's). */
  expect?: (base: readonly Expectation[]) => Expectation[];
  /** Tags added to the first broker. */
  tags?: Record<string, string>;
  /** Configuration merged over the base's. */
  config?: Record<string, unknown>;
}

export const DELIVERY_VARIANTS: DeliveryVariant[] = [
  {
    base: "amq-stalled-consumers",
    name: "notify-slack-rate-limited",
    description:
      "The stalled-consumers case while Slack answers HTTP 429 (Retry-After: 1) to every post for minutes 15-35: the opening is delivered to Slack once the rate limiting ends, to SNS at once, and to neither twice.",
    faults: [{ operation: "slack:webhook", from: 15, to: 35, error: "429" }],
  },
  {
    base: "amq-stalled-consumers",
    name: "notify-slack-outage",
    description:
      "The stalled-consumers case while Slack's webhook answers HTTP 503 for minutes 20-40 and every other call at minutes 41-45: the opening reaches Slack after the outage, once.",
    faults: [
      { operation: "slack:webhook", from: 20, to: 40, error: "503" },
      { operation: "slack:webhook", from: 41, to: 45, error: "503", rate: 0.5 },
    ],
  },
  {
    base: "api-recon-stolen-session",
    name: "notify-sns-outage",
    description:
      "A reconnaissance burst while SNS Publish fails (InternalErrorException) for minutes 10-25: the unauthorized-api opening and escalation reach Slack at once and SNS after the outage, once each.",
    faults: [{ operation: "sns:Publish", from: 10, to: 25, error: "InternalErrorException" }],
  },
  {
    base: "amq-stalled-consumers",
    name: "notify-slack-hang-six-brokers",
    copies: 6,
    description:
      "Six brokers' consumers stall at once while Slack's webhook accepts connections and never answers (minutes 15-40): every opening reaches SNS at once, and Slack exactly once after the hang, none of them twice.",
    faults: [{ operation: "slack:webhook", from: 15, to: 40, error: "hang" }],
  },
  {
    base: "amq-no-consumers",
    name: "notify-store-outage",
    description:
      "Consumers vanish while the incident table refuses writes (ProvisionedThroughputExceededException) for minutes 24-29: the incident opens once the store is back, and is announced once.",
    faults: [{ operation: "dynamodb:PutItem", from: 24, to: 29, error: "ProvisionedThroughputExceededException" }],
    // The incident cannot open while no write succeeds: the window runs on from the store's return (minute 30).
    expect: () => [Want(Between(25, 40), ConsumerLag("billing-events-41", "payment.settle"))],
  },
  {
    base: "amq-stalled-consumers",
    name: "notify-team-route-pagerduty",
    copies: 2,
    description:
      "Per-team routing: consumers stall on two brokers; the first is tagged mq-sentinel:team=risk, which the config's `risk-team` route sends to the team's Slack webhook and PagerDuty service (routing key from SSM), the second takes the default route (the deployment's Slack and SNS). PagerDuty answers 429 for minutes 21-23 and 503 for minutes 24-26: the trigger (dedup_key = incident id, severity critical) reaches it once after that, and nothing of the first broker reaches the default route.",
    faults: [
      { operation: "pagerduty:events", from: 21, to: 23, error: "429" },
      { operation: "pagerduty:events", from: 24, to: 26, error: "503" },
    ],
    tags: { "mq-sentinel:team": "risk" },
    config: {
      notifications: {
        routes: [
          {
            name: "risk-team",
            match: { tags: { "mq-sentinel:team": "risk" } },
            slack: ["/mq-sentinel/slack/risk"],
            pagerduty: ["/mq-sentinel/pagerduty/risk"],
          },
        ],
      },
    },
  },
  {
    base: "remediation-approve-approved",
    name: "remediation-approve-slack-app",
    description:
      "Approve mode through the Slack app (notifications.slack.mode app): the same stall as remediation-approve-approved. One message per incident in channel C0ALERTS1 (chat.postMessage), edited in place on every change (chat.update) with each change also in its thread; the reboot request shows Approve/Deny on that message. The approver approves at minute 22, when chat.update is rate limited (ok:false ratelimited, Retry-After 1): the outcome waits in the outbox and is announced once, on the next minute; the resolution edits the message to resolved.",
    faults: [{ operation: "slack:chat.update", from: 22, to: 22, error: "ratelimited" }],
    config: { notifications: { slack: { mode: "app", channel: "C0ALERTS1" } } },
  },
];

interface ScenarioJson {
  name: string;
  brokers: { describe: { BrokerName: string; BrokerId: string; Tags?: Record<string, string> } }[];
  metrics: { dimensions: Record<string, string> }[];
  expect: Expectation[];
  faults?: unknown[];
  [key: string]: unknown;
}

/** `value` with every string's broker name and id suffixed `-<s>` (a copy of the broker). */
function renamed<T>(value: T, name: string, id: string, s: string): T {
  if (typeof value === "string") return value.replaceAll(name, `${name}-${s}`).replaceAll(id, `${id}-${s}`) as T;
  if (Array.isArray(value)) return value.map((v) => renamed(v, name, id, s)) as T;
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renamed(v, name, id, s)])) as T;
  return value;
}

/** The base scenario with its one broker repeated `copies` times under other names. */
function repeated(base: ScenarioJson, copies: number | undefined): ScenarioJson {
  const [broker] = base.brokers;
  if (!copies || !broker) return base;
  const { BrokerName: name, BrokerId: id } = broker.describe;
  const suffixes = "abcdefghij".slice(0, copies).split("");
  return {
    ...base,
    brokers: suffixes.map((s) => renamed(broker, name, id, s)),
    metrics: suffixes.flatMap((s) => base.metrics.map((m) => ({ ...m, dimensions: renamed(m.dimensions, name, id, s) }))),
    expect: suffixes.flatMap((s) => base.expect.map((e) => ({ ...e, broker: `${name}-${s}` }))),
  };
}

/** The delivery scenarios, made from the generated files of their bases (`files`: name to text). */
export function deliverySet(variants: readonly DeliveryVariant[], files: ReadonlyMap<string, string>): ScenarioSet {
  const out = new Map<string, string>();
  for (const v of variants) {
    const text = files.get(`${v.base}.json`);
    if (text === undefined) throw new Error(`${v.name}: no generated scenario ${v.base}`);
    const base = repeated(JSON.parse(text) as ScenarioJson, v.copies);
    const scenario: ScenarioJson = { ...base, name: v.name, description: v.description, faults: [...(base.faults ?? []), ...v.faults] };
    if (v.config) scenario.config = { ...((base.config as Record<string, unknown> | undefined) ?? {}), ...v.config };
    const tags = v.tags;
    if (tags) {
      const [first, ...rest] = scenario.brokers;
      if (first)
        scenario.brokers = [{ ...first, describe: { ...first.describe, Tags: { ...(first.describe.Tags ?? {}), ...tags } } }, ...rest];
    }
    if (v.expect) scenario.expect = v.expect(base.expect);
    out.set(`${v.name}.json`, `${JSON.stringify(scenario, null, 2)}\n`);
  }
  return { files: out, readme: (current) => current };
}
