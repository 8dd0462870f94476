/**
 * Turns definitions into scenario files and README sections. One `ScenarioSet` per family of the library;
 * `scripts/generate-scenarios.ts` writes or checks all of them.
 */

import { MINUTE_MS } from "../../shared/core/types";
import { ACCOUNT_ID, type BrokerEntry, REGION } from "./amazon-mq";
import { API_KINDS, type ApiScenario, makeContext as makeApiContext } from "./api-library";
import type { Expectation, RemediationExpectation } from "./dsl";
import { checkMetricScenario, fail } from "./invariants";
import { makeRng } from "./kit";
import type { BuiltMetricScenario, MetricScenario } from "./metric-library";
import { formatJson, markdownTable, mdEscape, withSection } from "./output";
import { makePostureContext, POSTURE_DURATION, type PostureScenario } from "./posture-library";
import type { RemediationScenario } from "./remediation-library";

/** A scenario file's content (the format of shared/sim/scenario.schema.json) and the README's reasoning. */
export interface Generated {
  scenario: { name: string; description: string; expect: Expectation[]; [key: string]: unknown };
  why: string;
}

/** One family of generated scenarios: the files it owns and the README section it writes. */
export interface ScenarioSet {
  /** File name (`<name>.json`) to its exact text: the files this set owns (the `--check` compares exactly these). */
  files: Map<string, string>;
  /** The README with this set's part written into it. */
  readme(current: string): string;
}

/** The file text of a scenario: the compact JSON layout, newline-terminated. */
export const fileText = (scenario: unknown): string => `${formatJson(scenario)}\n`;

/** Builds every definition once; names must be unique and match the set's pattern. */
export function buildAll<D extends { name: string }>(defs: readonly D[], pattern: RegExp, build: (def: D) => Generated): Generated[] {
  const names = new Set<string>();
  return defs.map((def) => {
    if (names.has(def.name)) throw new Error(`duplicate scenario ${def.name}`);
    if (!pattern.test(def.name)) fail(def.name, `name must match ${pattern}`);
    names.add(def.name);
    return build(def);
  });
}

/** `files` of a set: `<name>.json` to its text. */
export const filesOf = (results: readonly Generated[]): Map<string, string> =>
  new Map(results.map(({ scenario }) => [`${scenario.name}.json`, fileText(scenario)]));

/** A README table row: the scenario, what it means, what is expected, why. */
const tableRow = ({ scenario: sc, why }: Generated): string[] => [
  `\`${sc.name}\``,
  mdEscape(sc.description),
  mdEscape(expectedCell(sc.expect)),
  mdEscape(why),
];

/** An expectation as the README's table shows it. */
export function expectedCell(expect: readonly Expectation[], { quotedResource = true } = {}): string {
  if (expect.length === 0) return "nothing (quiet)";
  return expect
    .map((e) => {
      const resource = e.resource ? (quotedResource ? ` \`${e.resource}\`` : ` ${e.resource}`) : "";
      return `${e.kind} \`${e.broker}\`${resource}${e.severity ? ` (${e.severity})` : ""} [${e.from}, ${e.to}]`;
    })
    .join("<br>");
}

/** A README section: its lines, then the table of its scenarios. */
const withTable = (header: readonly string[], cells: readonly (readonly string[])[], lines: readonly string[]): string =>
  [...lines, ...markdownTable(header, cells), ""].join("\n");

/** How many scenarios a set has, and how many of them expect incidents. */
function counted(results: readonly Generated[]): string {
  const positives = results.filter((r) => r.scenario.expect.length > 0).length;
  return `${results.length} scenarios: ${positives} with expected incidents, ${results.length - positives} that must stay quiet.`;
}

/** A set that owns one README section, under `heading`. */
function sectionSet(results: Generated[], heading: string, readme: (results: readonly Generated[]) => string): ScenarioSet {
  return { files: filesOf(results), readme: (current) => withSection(current, heading, readme(results)) };
}

// ---------------------------------------------------------------------------------------------------------
// The metric library (amq-*, rmq*-*, mixed-*): the head of the README
// ---------------------------------------------------------------------------------------------------------

const METRIC_KINDS = ["consumer-lag", "connection-exhaustion", "resource-pressure", "broker-unhealthy"];
const METRIC_START = "2026-03-02T09:00:00Z";

/** The fields every scenario file starts with, in the order of the format. */
function head(name: string, description: string, start: string, durationMinutes: number) {
  return { name, description, start, durationMinutes, region: REGION, accountId: ACCOUNT_ID };
}

/** What a metric or remediation definition's `build` returns (remediation adds its expected reboots). */
type BuiltMetricFile = Omit<BuiltMetricScenario, "events"> & {
  events?: BuiltMetricScenario["events"];
  expectRemediations?: RemediationExpectation[];
  interactions?: Record<string, unknown>[];
};

/** A metric-kind scenario file: the metric library's, or a remediation scenario's with its `config`. */
function metricFile(
  def: { name: string; meaning: string; durationMinutes: number; config?: unknown },
  start: string,
  built: BuiltMetricFile,
) {
  const scenario = {
    ...head(def.name, def.meaning, start, def.durationMinutes),
    ...(def.config ? { config: def.config } : {}),
    brokers: built.brokers,
    metrics: built.metrics,
    events: built.events ?? [],
    ...(built.faults ? { faults: built.faults } : {}),
    expect: built.expect,
    ...(built.expectRemediations ? { expectRemediations: built.expectRemediations } : {}),
    scoreKinds: METRIC_KINDS,
    ...(built.interactions ? { interactions: built.interactions } : {}),
  };
  checkMetricScenario(scenario);
  return { scenario, why: built.why };
}

function buildMetricScenario(def: MetricScenario): Generated {
  const start = def.start ?? METRIC_START;
  return metricFile(def, start, def.build(makeRng(def.name), def.durationMinutes, start));
}

/** The metric library and the README's head (everything before the first section another set owns). */
export function metricSet(defs: readonly MetricScenario[]): ScenarioSet {
  const results = buildAll(defs, /^(amq|rmq\d*|mixed)-[a-z0-9][a-z0-9._-]*$/, buildMetricScenario);
  return {
    files: filesOf(results),
    readme: (current) => {
      const rest = current.indexOf("\n## API activity scenarios\n");
      return metricReadme(results) + (rest >= 0 ? current.slice(rest) : "");
    },
  };
}

function metricReadme(results: readonly Generated[]): string {
  const cells = results.map(tableRow);
  return withTable(["Scenario", "What it means", "Expected (kind, broker, resource, [from, to])", "Why this window"], cells, [
    "# Built-in scenario library",
    "",
    "Generated by `npm run scenarios` from the typed definitions in `scripts/scenarios/` (seeded, byte-identical on",
    "every run; `npm run scenarios -- --check`, run by `npm test`, verifies that the files here match). Do not edit",
    "the JSON by hand: change a definition and rerun it. Files of other names are not the generator's: it leaves them alone.",
    "Every file is valid under `../shared/scenarios/scenario.schema.json` and is replayed by `npm start`.",
    "To add a scenario, write its definition in its family's file (`metric-library.ts`, `api-library.ts`,",
    "`posture-library.ts`, `remediation-library.ts`, `delivery-library.ts`), its expectations in the words of",
    "`scripts/scenarios/dsl.ts` (`Want(Sharp(23), ConsumerLag(broker, queue))`, `Want(Between(25, 40), ...)`,",
    "`At(t).within(10)`), then run `npm run scenarios`.",
    "",
    counted(results),
    "These score the metric kinds only (`scoreKinds`: consumer-lag, connection-exhaustion,",
    "resource-pressure, broker-unhealthy); the API-activity scenarios (`api-*`, defined in",
    "`scripts/scenarios/api-library.ts`, listed at the end) score unauthorized-api and risky-change.",
    "",
    "## How the expectations are labelled",
    "",
    "Labels say what the scenario means, not what any detector does: `from` is the first minute a careful operator",
    "could see the problem in the data, `to` the minute by which they must have been told.",
    "",
    "- Datapoint `i` (the minute starting at `start + i`) is visible from minute `i + 2` (`publishDelayMinutes` 1),",
    "  so a metric condition whose first abnormal datapoint is `i` has `from = i + 2`.",
    "- Sharp conditions (consumers gone, a stall, a jump, metrics stopping, a state change): `to = from + 10`.",
    "- Slow conditions (leaks, a filling store or disk, a climbing heap floor): `from` = where the ramp visibly",
    "  starts, `to` = where it visibly crosses ~90% of the limit (for disk: free space below 1.1x the free-disk limit;",
    "  for a slow consumer: 20 minutes of uninterrupted growth).",
    "- Broker state comes from DescribeBroker, which has no publish delay: `from` = the minute of the change.",
    "",
    "## Data conventions",
    "",
    "- ActiveMQ: `Broker` = `<name>-1` (and `<name>-2` for the standby). A `-2` series is written only when that node",
    "  is active at some minute; an all-null series would answer GetMetricData exactly as an absent one. Broker",
    "  totals are exact sums of the queue series and `QueueSize[i] = QueueSize[i-1] + EnqueueCount[i] - DequeueCount[i]`.",
    "  Connection limits: 2,000 per protocol on mq.m5.large, 300 on mq.t3.micro.",
    "- RabbitMQ 3.13 on mq.m5.large: `Broker` = the name; queue dimensions add `VirtualHost` `/`. Broker-level",
    "  values of a 3-node cluster are sums over the nodes, limits included: RabbitMQMemLimit 3 x 3.2e9 bytes,",
    "  RabbitMQDiskFreeLimit 3 x 8 GiB; connection limit 5,000 per node (15,000 for the cluster).",
    "- Per-node series (dimensions `Broker` + `Node`, e.g. `rabbit@ip-10-30-12-40.ec2.internal`) are written only for",
    "  the clusters whose scenario is about nodes (`rmq-cluster-node-memory-alarm`, `rmq-quiet-cluster-uneven-nodes`);",
    "  their broker-level values are then the exact sums over the nodes, except SystemCpuUtilization, written as the",
    '  nodes\' average (AWS says "aggregate" without saying which). Connection and channel counts per node from 4.2.',
    "- RabbitMQ 4.2 (`rmq4-*`, mq.m7g): no queue series (4.x publishes none); default per-node limits single instance",
    "  mq.m7g.large 1,500 connections / 4,500 channels, cluster mq.m7g.xlarge 1,000 / 3,000; the Cuttlefish text of",
    "  the configuration revision is in the broker's `configurationXml` field (DescribeConfigurationRevision `Data`).",
    "  MessageCount = ready + unacked; PublishRate and AckRate are messages per second (auto-ack consumers do not ack).",
    "- Brokers pass the posture audit (private, logs on, customer KMS key, auto minor upgrades, authorization map,",
    "  private-CIDR security groups). Exceptions on purpose: mq.t3.micro is single-instance only, so that broker and",
    "  the single-instance RabbitMQ broker are tagged `environment=staging`.",
    "",
    "## Scenarios",
    "",
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Remediation (remediation-*)
// ---------------------------------------------------------------------------------------------------------

const REMEDIATION_HEADING = "## Remediation scenarios";

function buildRemediationScenario(def: RemediationScenario): Generated {
  return metricFile(def, def.start ?? "2026-03-03T09:00:00Z", def.build(makeRng(def.name), def.durationMinutes));
}

/** The remediation scenarios and their README section. */
export function remediationSet(defs: readonly RemediationScenario[]): ScenarioSet {
  return sectionSet(buildAll(defs, /^remediation-[a-z0-9][a-z0-9._-]*$/, buildRemediationScenario), REMEDIATION_HEADING, remediationReadme);
}

function remediationReadme(results: readonly Generated[]): string {
  const cells = results.map(({ scenario: sc, why }) => {
    const config = sc.config ? `\`${JSON.stringify((sc.config as { remediation: unknown }).remediation)}\`` : "defaults";
    const wanted = sc.expectRemediations as RemediationExpectation[];
    const remediations =
      wanted.length === 0
        ? "none (an executed reboot is unsafe)"
        : wanted.map((r) => `${r.outcome} \`${r.broker}\` [${r.from}, ${r.to}]`).join("<br>");
    return [
      `\`${sc.name}\``,
      mdEscape(sc.description),
      mdEscape(config),
      mdEscape(expectedCell(sc.expect)),
      mdEscape(remediations),
      mdEscape(why),
    ];
  });
  return withTable(["Scenario", "What it means", "Config", "Expected incidents", "Expected remediations", "Why"], cells, [
    REMEDIATION_HEADING,
    "",
    "Defined in `scripts/scenarios/remediation-library.ts`, written into `remediation-*.json` by `npm run scenarios` (seeded,",
    "byte-identical on every run; `--check` verifies the files and this section). Do not edit them by hand.",
    `${results.length} scenarios of opted-in (and not opted-in) ActiveMQ brokers whose incidents a reboot may or may not help,`,
    "each with its own `config`. They score the metric kinds (`scoreKinds`) and `expectRemediations`: every listed",
    "outcome must be recorded within its window, and an executed reboot that matches no entry is UNSAFE. Brokers are",
    "posture-compliant and otherwise healthy, as in the rest of the library.",
    "",
    "### How the expectations are labelled",
    "",
    "Labels follow the project's documented remediation policy, written from what each scenario means (never from any code):",
    "",
    "- Config: `remediation.mode` off | dry-run (default) | auto; `allowSingleInstance` (false); `cooldownMinutes` (60);",
    "  `maxRebootsPerHour` (2, per account in any 60 minutes); `killSwitch` (false); `verifyWithinMinutes` (20).",
    "- A reboot is considered only for incidents it can help: consumer-lag with STALLED consumers (attached, nothing",
    "  dequeued, backlog growing), critical heap pressure (heap floor >= 90% for 10 minutes), connections at the limit",
    "  and still climbing. Never for no consumers, slow consumers, a full store, security or posture findings, or a",
    "  broker that is not RUNNING.",
    "- It is decided when such an incident opens or escalates. Guards, in order, the first failing one giving `blocked`:",
    "  mode off; incident no longer open; broker gone; not tagged `mq-sentinel:remediate=reboot`, or the tag not yet in",
    "  place for `optInSettleMinutes` (60; a tag the broker carries from minute 0 predates the monitor and counts); a",
    "  change staged on the broker that a reboot would roll out (`PendingEngineVersion`, `PendingHostInstanceType`,",
    "  `PendingSecurityGroups`, `PendingAuthenticationStrategy`, `PendingLdapServerMetadata`, a `Configurations.Pending`",
    "  revision other than `Current`); single-instance",
    "  without allowSingleInstance; not RUNNING; held after a reboot that did not help; rebooted within the cooldown;",
    "  the hour's budget spent; kill switch on. All passing: `dry-run` in dry-run mode, else `executed`. A RebootBroker",
    "  call that fails is `blocked`. After an executed reboot the broker must be RUNNING and the incident cleared within",
    "  verifyWithinMinutes, else the same incident escalates to critical and that broker is not rebooted again.",
    "- Timing: datapoint `i` is visible from minute `i + 2`. A stall's consumer-lag window is `[i + 2, i + 12]` for its",
    "  first datapoint `i`; it opens with its third datapoint (minute `i + 4`), which is when the reboot is decided. The",
    "  remediation window is `[i + 2, i + 17]`. Heap: the library's slow window for the incident; the decision is the",
    "  escalation to critical, visible with the 10th consecutive datapoint at or above 90%, and the window runs 15",
    "  minutes from there. Only the first decision of each incident is labelled; later ones (at an escalation) can only",
    "  be blocked or dry-run here, which the scorer ignores.",
    "",
    "### Data conventions",
    "",
    "- A broker a correct monitor reboots has two stories. `values`: the world without a reboot (node `-1` active to the",
    "  end, the problem going on). `afterReboot` (index 0 = the reboot minute): node `-1` silent, index 0 (the failover",
    "  minute) without data from either node, then node `-2` active with every queue and broker-level series (CPU, heap,",
    "  store, temp store, connections, the five `*MaximumConnections` limits, the totals) to the end of the scenario.",
    "  Clients reconnect over two minutes, producers send what they buffered, and the backlog on `-1` is still there",
    "  (shared storage). The arrays are drawn for a reboot at the decision minute and are long enough to reach the end",
    "  for a reboot at the earliest minute of the window; for a later reboot the seam's backlog differs slightly, the",
    "  meaning does not.",
    "- Brokers that must not be rebooted have no `afterReboot`: should one be rebooted anyway, its data goes on as it",
    "  was (and the reboot is scored unsafe).",
    "- Broker totals are exact sums of the queue series and `QueueSize[i] = QueueSize[i-1] + EnqueueCount[i] -",
    "  DequeueCount[i]` on each node. CPU, store, temp store and connections stay healthy on both nodes; heap too,",
    "  except on `remediation-heap-exhaustion`'s `-1`.",
    "",
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Posture (posture-*)
// ---------------------------------------------------------------------------------------------------------

const POSTURE_HEADING = "## Posture scenarios";

function buildPostureScenario(def: PostureScenario): Generated {
  const ctx = makePostureContext(def.name);
  const expect = def.build(ctx);
  const scenario = {
    ...head(def.name, def.meaning, "2026-03-02T09:00:00Z", POSTURE_DURATION),
    brokers: ctx.brokers,
    metrics: [],
    events: [],
    expect,
    scoreKinds: ["posture"],
  };
  const names = new Set(ctx.brokers.map((b) => b.describe.BrokerName));
  for (const e of expect) if (!names.has(e.broker)) fail(def.name, `expectation names unknown broker ${e.broker}`);
  return { scenario, why: def.why };
}

/** The posture scenarios and their README section. */
export function postureSet(defs: readonly PostureScenario[]): ScenarioSet {
  return sectionSet(buildAll(defs, /^posture-[a-z0-9][a-z0-9._-]*$/, buildPostureScenario), POSTURE_HEADING, postureReadme);
}

function postureReadme(results: readonly Generated[]): string {
  const cells = results.map(tableRow);
  return withTable(["Scenario", "What it means", "Expected (kind, broker, resource, (severity), [from, to])", "Why"], cells, [
    POSTURE_HEADING,
    "",
    "Defined in `scripts/scenarios/posture-library.ts`, written into `posture-*.json` by `npm run scenarios` (seeded,",
    "byte-identical on every run; `--check` verifies the files and this section). Do not edit them by hand.",
    counted(results),
    "Each is one daily posture audit: brokers as DescribeBroker returns them, the ActiveMQ configuration XML of their",
    "current revision and their EC2 security groups (with the default all-traffic egress rule, which is not judged).",
    "They last 5 minutes, have no metrics and no events, and score only `posture` (`scoreKinds`).",
    "",
    "### How the expectations are labelled",
    "",
    "Labels follow the project's posture policy, written from what each scenario means (never from any code). One",
    "incident per broker and check (resource = the check id); `(severity)` is the least severity it must reach.",
    "",
    "- **public-access** (critical): `PubliclyAccessible` true. AWS Config `mq-no-public-access`.",
    "- **no-authorization-map** (warning, ActiveMQ): the configuration has neither an `authorizationMap` nor a",
    "  `cachedLDAPAuthorizationMap` under `<plugins><authorizationPlugin><map>`. LDAP authorization counts.",
    '- **permissive-authorization-map** (warning, ActiveMQ): an entry on `>` (`queue=">"` and/or `topic=">"`) grants',
    "  write or admin to a broad group (`everyone`, `users`, `guests`, `anonymous`, `*`). Read for a broad group is fine.",
    "- **audit-log-disabled** (warning, ActiveMQ only: audit logs do not apply to RabbitMQ): `Logs.Audit` false.",
    "  Security Hub MQ.2, AWS Config `mq-cloudwatch-audit-log-enabled`.",
    "- **general-log-disabled** (info): `Logs.General` false.",
    "- **aws-owned-key** (info, ActiveMQ only: EncryptionOptions do not apply to RabbitMQ): `UseAwsOwnedKey` true.",
    "- **single-instance** (warning): `SINGLE_INSTANCE` and tagged production, i.e. a tag `environment`, `env` or",
    "  `stage` (any case) whose value is `production`, `prod` or `prd` (any case). Untagged, staging and dev brokers",
    "  are single-instance on purpose. Security Hub MQ.5 / `mq-active-deployment-mode` (ActiveMQ), MQ.6 /",
    "  `mq-rabbit-deployment-mode` (RabbitMQ).",
    "- **auto-minor-upgrade-disabled** (info): `AutoMinorVersionUpgrade` false. Security Hub MQ.3,",
    "  AWS Config `mq-auto-minor-version-upgrade-enabled`.",
    "- **open-security-group** (critical on a publicly accessible broker, else warning): an ingress rule from",
    "  `0.0.0.0/0` or `::/0` that reaches a broker port, by protocol `-1` or a TCP range covering it. ActiveMQ ports:",
    "  61617 OpenWire, 5671 AMQP, 61614 STOMP, 8883 MQTT, 61619 WSS, 8162 web console; RabbitMQ: 5671 AMQPS, 443",
    "  console. Other ports (SSH 22) and private CIDRs are not findings.",
    "- A broker tagged `mq-sentinel:ignore=true` is skipped entirely.",
    "- Timing: the audit runs at minute 0, so every expected incident has the window [0, 4].",
    "- `concurrent-store-and-dispatch` is not covered here: it needs queues with slow consumers (open consumer-lag",
    "  incidents), which no 5-minute scenario without metrics can have at minute 0. The unit tests cover it.",
    "",
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// API activity (api-*)
// ---------------------------------------------------------------------------------------------------------

const API_HEADING = "## API activity scenarios";

function buildApiScenario(def: ApiScenario): Generated {
  const start = def.start ?? "2026-03-04T10:00:00Z";
  const ctx = makeApiContext(def.name, start);
  const expect = def.build(ctx);
  const scenario = {
    ...head(def.name, def.meaning, start, def.durationMinutes),
    brokers: ctx.brokers,
    metrics: ctx.metrics,
    // Delivery order: by minute, and within a minute in the order the scenario wrote them (a stable sort).
    events: [...ctx.events].sort((x, y) => x.at - y.at),
    expect,
    scoreKinds: def.scoreKinds ?? API_KINDS,
  };
  checkApiScenario(scenario);
  return { scenario, why: def.why };
}

/** Shapes only: windows inside the scenario, known brokers, one expectation per fingerprint, events in time. */
function checkApiScenario(sc: {
  name: string;
  start: string;
  durationMinutes: number;
  brokers: BrokerEntry[];
  events: { at: number; event: Record<string, unknown> }[];
  expect: Expectation[];
}): void {
  const n = sc.durationMinutes;
  if (n < 20 || n > 60) fail(sc.name, "durationMinutes outside 20-60");
  for (const { at, event } of sc.events) {
    if (at > n - 1) fail(sc.name, `event at ${at} is after the last minute`);
    const detail = event.detail as { eventTime?: unknown } | undefined;
    const time =
      typeof detail === "object" && detail !== null && typeof detail.eventTime === "string" ? Date.parse(detail.eventTime) : Number.NaN;
    if (time > Date.parse(sc.start) + (at + 1) * MINUTE_MS)
      fail(sc.name, `event ${String(event.id)} delivered at ${at}, before it happened`);
  }
  const names = new Set(sc.brokers.map((b) => b.describe.BrokerName));
  const keys = new Set<string>();
  for (const e of sc.expect) {
    if (e.broker !== "*" && !names.has(e.broker)) fail(sc.name, `expectation names unknown broker ${e.broker}`);
    if (e.kind === "unauthorized-api" && e.broker !== "*") fail(sc.name, "unauthorized-api is account-wide (broker *)");
    if (e.to > n - 1) fail(sc.name, `expectation window [${e.from}, ${e.to}] invalid for ${n} minutes`);
    const key = `${e.kind}|${e.broker}|${e.resource}`;
    if (keys.has(key)) fail(sc.name, `two expectations for ${key}`);
    keys.add(key);
  }
}

/** The API-activity scenarios and their README section. */
export function apiSet(defs: readonly ApiScenario[]): ScenarioSet {
  return sectionSet(buildAll(defs, /^api-[a-z0-9][a-z0-9._-]*$/, buildApiScenario), API_HEADING, apiReadme);
}

function apiReadme(results: readonly Generated[]): string {
  const cells = results.map(tableRow);
  return withTable(["Scenario", "What it means", "Expected (kind, broker, resource, [from, to])", "Why"], cells, [
    API_HEADING,
    "",
    "Defined in `scripts/scenarios/api-library.ts`, written into `api-*.json` by `npm run scenarios` (seeded, byte-identical",
    "on every run; `--check` verifies the files and this section). Do not edit them by hand.",
    counted(results),
    'They are CloudTrail "AWS API Call via CloudTrail" events for Amazon MQ as EventBridge delivers them (`source`',
    "`aws.amazonmq`, `detail.eventSource` `amazonmq.amazonaws.com`), with identities, user agents, error codes and",
    "pacing modelled on real CloudTrail records. They score `unauthorized-api` and `risky-change` (`scoreKinds`);",
    "the few with metrics or a new broker score those kinds too. Other brokers are posture-compliant, as in the",
    "rest of the library.",
    "",
    "### How the expectations are labelled",
    "",
    "Labels follow the project's detection policy, written from what each scenario means (never from any code):",
    "",
    "- **unauthorized-api** (broker `*`, resource = `userIdentity.arn`, else `principalId`, else `invokedBy` (an AWS",
    "  service), else `<accountId>:<userName>`, else `unknown`; empty strings count as absent; one per principal): calls",
    "  with an errorCode of the AccessDenied family (AccessDenied, AccessDeniedException, UnauthorizedOperation,",
    "  Client.UnauthorizedOperation, ForbiddenException), judged by the calls' `eventTime`: an incident when 3+ of a",
    "  principal's denials are within 15 minutes of each other, or on any denied change (not Describe/List/Get), or",
    "  for the root user, or a principal of another account than `recipientAccountId`. One denied read by an",
    "  in-account principal is a person missing a permission: nothing. ThrottlingException, ValidationException,",
    "  BadRequestException, ConflictException, NotFoundException are not denials. `(critical)` marks scenarios that",
    "  must reach critical (10+ denials, 5+ actions, 3+ brokers, 3+ denied changes, root or another account).",
    "  Sessions of one role (`sessionContext.sessionIssuer.arn`) whose names rotate: when no session crosses the rule",
    "  alone but 3+ denials of 2+ sessions do, the incident is on the role's ARN (never on both).",
    "- **risky-change** (broker = the BrokerName of the broker the call names (`requestParameters.brokerId` or",
    "  `broker-id`, the broker id in a tag call's `resourceArn`, or CreateBroker's `responseElements.brokerId`) when",
    "  that broker is in the scenario's `brokers`, else `*`; resource = `eventName`): a successful DeleteBroker,",
    "  CreateUser, UpdateUser, DeleteUser, UpdateBroker, CreateConfiguration, UpdateConfiguration or RebootBroker by a",
    "  person or CI role; a CreateBroker that asks for something risky (publicly accessible (critical), automatic",
    "  minor version upgrades off, a single instance tagged as production, web console users); a CreateTags or",
    "  DeleteTags on `mq-sentinel:*` keys (critical for `mq-sentinel:ignore=true` and `mq-sentinel:remediate=reboot`);",
    "  and any successful call by the root user. One per (broker, eventName): a second CreateUser on the same broker",
    "  is the same incident. Failed calls, reads, tag calls on other keys and an ordinary CreateBroker are not.",
    "  CreateConfiguration and UpdateConfiguration carry a configuration id, not a broker id, so their broker is `*`.",
    "- Timing: `from` = the minute (`at`) the event that makes it an incident is delivered (for a slow burst, the",
    "  third denial; for late evidence, its late delivery); `to` = `from` + 6.",
    "- Scenarios that also score other kinds say so (`scoreKinds`): `posture` of a broker a CreateBroker created, due",
    "  when it turns RUNNING (public-access, auto-minor-upgrade-disabled, single-instance for production), and",
    "  `consumer-lag` of a queue left without consumers while messages wait, due when that datapoint is visible;",
    "  an ignore tag then closes the broker's incidents as no longer watched.",
    "- The same EventBridge `id` delivered twice counts once. Malformed events (no `detail`, `detail` not an object,",
    "  wrong field types) and events of another `source` or `detail-type` produce nothing.",
    "",
  ]);
}
