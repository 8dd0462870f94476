#!/usr/bin/env node
// Generates the notification-delivery scenarios (`scenarios/notify-*.json`): existing library
// scenarios replayed while Slack or SNS fail, to show that every notification is delivered after
// the outage and none twice. Deterministic; `--check` exits 1 when the files on disk differ.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "scenarios");

/** Each: a base scenario, a new name and description, and the faults to add. */
const VARIANTS = [
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
    /** Tags added to the first broker. */
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
];

/** The base scenario with its one broker repeated `copies` times under other names (brokers `<name>-a`, `-b`, ...). */
function repeated(base, copies) {
  if (!copies) return base;
  const [broker] = base.brokers;
  const name = broker.describe.BrokerName;
  const id = broker.describe.BrokerId;
  const suffixes = "abcdefghij".slice(0, copies).split("");
  const rename = (value, s) => (typeof value === "string" ? value.replaceAll(name, `${name}-${s}`).replaceAll(id, `${id}-${s}`) : value);
  const renameDeep = (value, s) =>
    Array.isArray(value)
      ? value.map((v) => renameDeep(v, s))
      : value && typeof value === "object"
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameDeep(v, s)]))
        : rename(value, s);
  return {
    ...base,
    brokers: suffixes.map((s) => renameDeep(broker, s)),
    metrics: suffixes.flatMap((s) => base.metrics.map((m) => ({ ...m, dimensions: renameDeep(m.dimensions, s) }))),
    expect: suffixes.flatMap((s) => base.expect.map((e) => ({ ...e, broker: `${name}-${s}` }))),
  };
}

function build(variant) {
  const base = repeated(JSON.parse(readFileSync(join(DIR, `${variant.base}.json`), "utf8")), variant.copies);
  const scenario = { ...base, name: variant.name, description: variant.description, faults: [...(base.faults ?? []), ...variant.faults] };
  if (variant.config) scenario.config = { ...(base.config ?? {}), ...variant.config };
  if (variant.tags) {
    const [first, ...rest] = scenario.brokers;
    scenario.brokers = [{ ...first, describe: { ...first.describe, Tags: { ...(first.describe.Tags ?? {}), ...variant.tags } } }, ...rest];
  }
  if (variant.name === "notify-store-outage") {
    // The incident cannot open while no write succeeds: the window starts when the store is back.
    scenario.expect = base.expect.map((e) => ({ ...e, to: Math.max(e.to, 30 + (e.to - e.from)) }));
  }
  return `${JSON.stringify(scenario, null, 2)}\n`;
}

const check = process.argv.includes("--check");
let stale = 0;
for (const variant of VARIANTS) {
  const file = join(DIR, `${variant.name}.json`);
  const text = build(variant);
  if (check) {
    if (!existsSync(file) || readFileSync(file, "utf8") !== text) {
      console.error(`${variant.name}.json is out of date; run: node scripts/generate-delivery-scenarios.mjs`);
      stale++;
    }
  } else writeFileSync(file, text);
}
if (check && stale) process.exit(1);
console.log(check ? `notify-*.json are up to date (${VARIANTS.length})` : `wrote ${VARIANTS.length} delivery scenarios`);
