#!/usr/bin/env node
/**
 * Generates the built-in REMEDIATION scenarios: `scenarios/remediation-*.json` (ActiveMQ brokers whose
 * incidents a reboot may or may not help, under different remediation settings) and the
 * "## Remediation scenarios" section of `scenarios/README.md`.
 *
 *   node scripts/generate-remediation-scenarios.mjs           (re)write the files and the README section
 *   node scripts/generate-remediation-scenarios.mjs --check   exit 1 if the files on disk differ from what would be written
 *
 * Plain Node 20 ESM, no dependencies (the builders are copied from generate-scenarios.mjs, not imported).
 * Every random number comes from a mulberry32 stream seeded by the scenario name (forked per series), so the
 * output is byte-identical on every run and editing one scenario never changes another.
 *
 * The `expect` and `expectRemediations` labels say what each scenario MEANS under the project's documented
 * remediation policy (see the README section), written by hand per scenario, never read off any code.
 * `checkLabels` re-derives them from the scenario's data, tags, deployment mode, config and faults with an
 * independent reading of that policy and fails loudly when the two disagree.
 *
 * Reboots in the simulated account (DESIGN.md §3): after a successful RebootBroker at minute r the broker is
 * REBOOT_IN_PROGRESS for `rebootMinutes` (3) and every series with `afterReboot` continues from that array
 * (index 0 = minute r). A broker a correct monitor reboots therefore has two stories:
 * - `values`: the world without a reboot (node `-1` active to the end, the problem going on);
 * - `afterReboot`: the world after the failover (node `-1` silent, node `-2` active from index 1; index 0, the
 *   failover minute, has data from neither node), drawn for a reboot at the decision minute and long enough to
 *   reach the end of the scenario for a reboot at the EARLIEST minute of the expectRemediations window.
 * Brokers that must not be rebooted have no `afterReboot` at all.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  AMQ_QUEUE_METRICS,
  amqQueue,
  drift,
  fail,
  firstSustained,
  gcSawtooth,
  makeRng,
  markdownTable,
  pct,
  seq,
  steps,
  sum,
  traffic,
  writeScenarioSet,
} from "./scenario-kit.mjs";

const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "scenarios");
const README = join(OUT_DIR, "README.md");
const README_HEADING = "## Remediation scenarios";
const ACCOUNT_ID = "123456789012";
const REGION = "us-east-1";
const DEFAULT_START = "2026-03-03T09:00:00Z";
const PUBLISH_DELAY = 1;
const SHARP_WINDOW = 10;
const REMEDIATION_WINDOW = 15;
const METRIC_KINDS = ["consumer-lag", "connection-exhaustion", "resource-pressure", "broker-unhealthy"];
const NAME_PATTERN = /^remediation-[a-z0-9][a-z0-9._-]*$/;
const CONNECTION_LIMIT = 2000;

/** The documented remediation policy, as data for the label check. */
const POLICY = {
  defaults: {
    mode: "dry-run",
    allowSingleInstance: false,
    cooldownMinutes: 60,
    maxRebootsPerHour: 2,
    killSwitch: false,
    verifyWithinMinutes: 20,
    approvers: [],
    approvalTtlMinutes: 30,
  },
  optInTag: ["mq-sentinel:remediate", "reboot"],
  /** A stall is consumers attached, nothing dequeued and the backlog growing for this many datapoints. */
  stallDatapoints: 3,
  /** Consumers gone with a growing backlog for this many datapoints (a consumer-lag incident a reboot cannot help). */
  noConsumerDatapoints: 3,
  /** Critical heap pressure: every datapoint of this many minutes at or above `heapCriticalPercent`. */
  heapCriticalMinutes: 10,
  heapCriticalPercent: 90,
};

const AMQ_LIMIT_METRICS = [
  "OpenwireMaximumConnections",
  "AmqpMaximumConnections",
  "StompMaximumConnections",
  "MqttMaximumConnections",
  "WsMaximumConnections",
];
const AMQ_BROKER_METRICS = [
  "CpuUtilization",
  "HeapUsage",
  "StorePercentUsage",
  "TempPercentUsage",
  "CurrentConnectionsCount",
  "EstablishedConnectionsCount",
  ...AMQ_LIMIT_METRICS,
  "TotalMessageCount",
  "TotalConsumerCount",
  "TotalProducerCount",
  "TotalEnqueueCount",
  "TotalDequeueCount",
];

// ---------------------------------------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------------
// Series builders (copied from generate-scenarios.mjs)
// ---------------------------------------------------------------------------------------------------------

const nulls = (n) => seq(n, () => null);

// ---------------------------------------------------------------------------------------------------------
// ActiveMQ model
// ---------------------------------------------------------------------------------------------------------

/**
 * Broker-level ActiveMQ series for a set of queues. Totals are exact sums of the queue series; resource
 * series get healthy defaults that `cpu`, `heap` or `connections` (whole arrays) override.
 */
function amqBrokerModel(rng, n, queues, o = {}) {
  const totalEnq = seq(n, (i) => sum(queues.map((q) => q.EnqueueCount[i])));
  const cpuNoise = drift(rng.fork("cpu"), n, 1.1, 0.7);
  const cpuBase = o.cpuBase ?? rng.uniform(9, 15);
  const cpuExtra = o.cpuExtra ?? (() => 0);
  const connNoise = drift(rng.fork("connections"), n, 5, 0.6);
  const connBase = o.connBase ?? rng.int(180, 520);
  const reconnect = o.reconnect ?? (() => 1);
  const current = o.connections ?? seq(n, (i) => Math.max(0, Math.round((connBase + connNoise[i]) * reconnect(i))));
  const estRng = rng.fork("established");
  const storeBase = o.storeBase ?? rng.uniform(3, 6);
  const storeNoise = drift(rng.fork("store"), n, 0.15, 0.5);
  const tempBase = rng.uniform(0.3, 0.7);
  const tempNoise = drift(rng.fork("temp"), n, 0.08, 0.3);
  const totalMessages = seq(n, (i) => sum(queues.map((q) => q.QueueSize[i])));
  const b = {
    CpuUtilization: o.cpu ?? seq(n, (i) => pct(cpuBase + (totalEnq[i] / 1000) * 7 + cpuNoise[i] + cpuExtra(i))),
    HeapUsage:
      o.heap ??
      gcSawtooth(rng.fork("heap"), n, {
        floor: rng.uniform(31, 37),
        peak: rng.uniform(56, 64),
        rise: rng.uniform(2.2, 3.4),
        startFraction: o.freshJvm ? 0 : null,
      }),
    // persistent messages waiting in the store take a little room (about 1% per 20,000 messages)
    StorePercentUsage: seq(n, (i) => pct(Math.max(0.5, storeBase + storeNoise[i] + totalMessages[i] / 20000))),
    TempPercentUsage: seq(n, (i) => pct(Math.max(0.05, tempBase + tempNoise[i]))),
    CurrentConnectionsCount: current,
    EstablishedConnectionsCount: current.map((c) => c + Math.round(c * 0.015 + Math.abs(estRng.normal()) * 2)),
    TotalMessageCount: totalMessages,
    TotalConsumerCount: seq(n, (i) => sum(queues.map((q) => q.ConsumerCount[i]))),
    TotalProducerCount: seq(n, (i) => sum(queues.map((q) => q.ProducerCount[i]))),
    TotalEnqueueCount: totalEnq,
    TotalDequeueCount: seq(n, (i) => sum(queues.map((q) => q.DequeueCount[i]))),
  };
  for (const m of AMQ_LIMIT_METRICS) b[m] = seq(n, () => CONNECTION_LIMIT);
  return { queues, broker: b };
}

/**
 * A broker's queues, described once and drawn twice: over the whole scenario on node `-1` (the world
 * without a reboot) and, for a reboot at minute `rebootAt`, over `afterLength` minutes on node `-2`.
 *
 * Each queue spec: `name`, `rate` (messages a minute), `consumers`, optional `perConsumer`, `prefetch`,
 * `bursts`, and the story: `stallFrom` (consumers attached, nothing acknowledged, from that minute),
 * `goneFrom` (consumers disconnect for good), `afterReboot` ("healthy" | "stalled": how the queue behaves on
 * node `-2` once its consumers have reconnected).
 */
function drawQueues(rng, n, specs) {
  return specs.map((s) => {
    const enqueue = traffic(rng.fork(`${s.name}/enqueue`), n, {
      base: s.rate,
      amp: 0.25,
      period: 40,
      noise: 0.08,
      bursts: s.bursts ?? 1,
      burstPeak: 1.3,
    });
    const consumers = s.goneFrom !== undefined ? steps(n, s.consumers, [[s.goneFrom, 0]]) : s.consumers;
    return amqQueue(rng.fork(`${s.name}/queue`), n, {
      name: s.name,
      enqueue,
      consumers,
      producers: s.producers ?? 2,
      perConsumer: s.perConsumer ?? (s.rate * 2.3) / s.consumers,
      prefetch: s.prefetch ?? 100,
      stalled: s.stallFrom !== undefined ? (i) => i >= s.stallFrom : undefined,
    });
  });
}

/**
 * The queues on node `-2` after a failover at minute `rebootAt` (index 0 of the arrays). Index 0 is the
 * failover minute (no node publishes; producers buffer, so nothing is enqueued); from index 1 producers send
 * again (plus what they buffered) and consumers reconnect (about 60% at index 1, all from index 2). The
 * backlog each queue had on node `-1` is still there (the store is shared).
 */
function drawQueuesAfterReboot(rng, length, specs, before, rebootAt) {
  return specs.map((s, k) => {
    const prev = before[k];
    const backlog = prev.QueueSize[rebootAt - 1];
    const enqueue = traffic(rng.fork(`${s.name}/enqueue`), length, {
      base: s.rate,
      amp: 0.25,
      period: 40,
      noise: 0.08,
      bursts: 0,
      extraBursts: [{ at: 1, size: s.rate * 0.8, len: 1 }],
    }).map((v, i) => (i === 0 ? 0 : v));
    const full = s.consumers;
    const consumers = seq(length, (i) => (i === 0 ? 0 : i === 1 ? Math.max(1, Math.round(full * 0.6)) : full));
    const stalled = s.afterReboot === "stalled";
    const waitingFor = stalled && s.stallFrom !== undefined ? rebootAt - s.stallFrom : 0;
    return amqQueue(rng.fork(`${s.name}/queue`), length, {
      name: s.name,
      enqueue,
      consumers,
      producers: seq(length, (i) => (i === 0 ? 0 : (s.producers ?? 2))),
      perConsumer: s.drainPerConsumer ?? s.perConsumer ?? (s.rate * 2.3) / s.consumers,
      prefetch: s.prefetch ?? 100,
      initialSize: backlog,
      deliveredBefore: true,
      waitingSince: stalled && waitingFor > 0 ? -waitingFor : null,
      stalled: stalled ? () => true : undefined,
    });
  });
}

/** CloudWatch series of an ActiveMQ broker that is never rebooted: node `-1` only. */
function emitAmq(brokerName, model) {
  const dim = `${brokerName}-1`;
  const metrics = [];
  for (const q of model.queues) {
    for (const m of AMQ_QUEUE_METRICS) metrics.push({ metric: m, dimensions: { Broker: dim, Queue: q.name }, values: [...q[m]] });
  }
  for (const m of AMQ_BROKER_METRICS) metrics.push({ metric: m, dimensions: { Broker: dim }, values: [...model.broker[m]] });
  return metrics;
}

/**
 * CloudWatch series of an active/standby ActiveMQ broker a correct monitor reboots: node `-1` publishes
 * `before` (the world without a reboot) and nothing after a reboot; node `-2` publishes nothing unless the
 * broker is rebooted, then `after` from index 1 (index 0, the failover minute, has data from neither node).
 */
function emitAmqWithReboot(brokerName, before, after) {
  const n = before.broker.CpuUtilization.length;
  const length = after.broker.CpuUtilization.length;
  const metrics = [];
  const one = `${brokerName}-1`;
  const two = `${brokerName}-2`;
  const failover = (values) => values.map((v, k) => (k === 0 ? null : v));
  for (const q of before.queues) {
    for (const m of AMQ_QUEUE_METRICS) {
      metrics.push({ metric: m, dimensions: { Broker: one, Queue: q.name }, values: [...q[m]], afterReboot: nulls(length) });
    }
  }
  for (const m of AMQ_BROKER_METRICS) {
    metrics.push({ metric: m, dimensions: { Broker: one }, values: [...before.broker[m]], afterReboot: nulls(length) });
  }
  for (const q of after.queues) {
    for (const m of AMQ_QUEUE_METRICS) {
      metrics.push({ metric: m, dimensions: { Broker: two, Queue: q.name }, values: nulls(n), afterReboot: failover(q[m]) });
    }
  }
  for (const m of AMQ_BROKER_METRICS) {
    metrics.push({ metric: m, dimensions: { Broker: two }, values: nulls(n), afterReboot: failover(after.broker[m]) });
  }
  return metrics;
}

// ---------------------------------------------------------------------------------------------------------
// DescribeBroker, configuration and security groups (posture-compliant, as in the rest of the library)
// ---------------------------------------------------------------------------------------------------------

function uuid(rng) {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const xmlAttr = (s) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** An ActiveMQ configuration that passes the posture audit: an authorization map scoped to groups. */
function activeMqXml(queueNames) {
  const lines = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', '<broker xmlns="http://activemq.apache.org/schema/core">'];
  lines.push("  <plugins>", "    <authorizationPlugin>", "      <map>", "        <authorizationMap>", "          <authorizationEntries>");
  lines.push('            <authorizationEntry admin="admins" queue="&gt;" read="admins" write="admins"/>');
  for (const q of queueNames) {
    lines.push(`            <authorizationEntry admin="admins" queue="${xmlAttr(q)}" read="admins,consumers" write="admins,producers"/>`);
  }
  lines.push(
    '            <authorizationEntry admin="admins" read="admins,consumers,producers" topic="ActiveMQ.Advisory.&gt;" write="admins,consumers,producers"/>',
    "          </authorizationEntries>",
    "          <tempDestinationAuthorizationEntry>",
    '            <tempDestinationAuthorizationEntry admin="tempDestinationAdmins" read="tempDestinationAdmins" write="tempDestinationAdmins"/>',
    "          </tempDestinationAuthorizationEntry>",
    "        </authorizationMap>",
    "      </map>",
    "    </authorizationPlugin>",
    "    <statisticsBrokerPlugin/>",
    "  </plugins>",
    "</broker>",
    "",
  );
  return lines.join("\n");
}

function securityGroup(rng, brokerName, cidr, ports) {
  const id = `sg-0${rng.hex(16)}`;
  return {
    id,
    entry: {
      GroupId: id,
      GroupName: `${brokerName}-mq`,
      Description: `Amazon MQ broker ${brokerName}`,
      VpcId: `vpc-0${rng.hex(16)}`,
      OwnerId: ACCOUNT_ID,
      IpPermissions: ports.map((p) => ({ IpProtocol: "tcp", FromPort: p, ToPort: p, IpRanges: [{ CidrIp: cidr }] })),
    },
  };
}

/** A posture-compliant ActiveMQ broker (5.18 on mq.m5.large) as DescribeBroker returns it, with its configuration and SG. */
function activeMqBroker(rng, name, { queues, deployment = "ACTIVE_STANDBY_MULTI_AZ", environment = "production", tags = {}, staged }) {
  const id = `b-${uuid(rng)}`;
  const sg = securityGroup(rng, name, "10.20.0.0/16", [61617, 8162]);
  const instances = (deployment === "SINGLE_INSTANCE" ? [1] : [1, 2]).map((k) => {
    const host = `${id}-${k}.mq.${REGION}.amazonaws.com`;
    return {
      ConsoleURL: `https://${host}:8162`,
      Endpoints: [
        `ssl://${host}:61617`,
        `amqp+ssl://${host}:5671`,
        `stomp+ssl://${host}:61614`,
        `mqtt+ssl://${host}:8883`,
        `wss://${host}:61619`,
      ],
      IpAddress: `10.20.${rng.int(1, 250)}.${rng.int(4, 250)}`,
    };
  });
  const subnets = instances.map(() => `subnet-0${rng.hex(16)}`);
  const broker = {
    describe: {
      BrokerId: id,
      BrokerName: name,
      BrokerArn: `arn:aws:mq:${REGION}:${ACCOUNT_ID}:broker:${name}:${id}`,
      BrokerState: "RUNNING",
      DeploymentMode: deployment,
      EngineType: "ACTIVEMQ",
      EngineVersion: "5.18",
      HostInstanceType: "mq.m5.large",
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
      AuthenticationStrategy: "SIMPLE",
      EncryptionOptions: { UseAwsOwnedKey: false, KmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${uuid(rng)}` },
      Logs: { Audit: true, General: true },
      SecurityGroups: [sg.id],
      SubnetIds: subnets,
      StorageType: "EFS",
      MaintenanceWindowStartTime: { DayOfWeek: "SUNDAY", TimeOfDay: "03:00", TimeZone: "UTC" },
      Created: "2025-06-01T12:00:00Z",
      BrokerInstances: instances,
      Users: [{ Username: "app" }, { Username: "ops" }],
      Tags: { environment, ...tags },
      Configurations: { Current: { Id: `c-${uuid(rng)}`, Revision: 4 } },
    },
    configurationXml: activeMqXml(queues),
    securityGroups: [sg.entry],
  };
  return staged ? withStaged(broker, staged) : broker;
}

/**
 * A broker with a change staged, as DescribeBroker shows it: `engine` stages an engine upgrade
 * (`EngineVersion` the running one, `PendingEngineVersion` the next); `configuration` a newer revision
 * of its configuration (`Configurations.Pending`). RebootBroker would roll either out.
 */
function withStaged(broker, staged) {
  const d = broker.describe;
  if (staged === "engine") return { ...broker, describe: { ...d, EngineVersion: "5.17.6", PendingEngineVersion: "5.18" } };
  const current = d.Configurations.Current;
  const configurations = {
    Current: current,
    Pending: { Id: current.Id, Revision: current.Revision + 1 },
    History: [{ Id: current.Id, Revision: current.Revision }],
  };
  return { ...broker, describe: { ...d, Configurations: configurations } };
}

/** Whether DescribeBroker shows a change staged (what a reboot would apply): the Pending* fields, a pending configuration revision. */
function hasStagedChange(d) {
  const pendingSg = Array.isArray(d.PendingSecurityGroups) && d.PendingSecurityGroups.length > 0;
  const current = d.Configurations?.Current;
  const pending = d.Configurations?.Pending;
  const pendingConfiguration = pending !== undefined && (pending.Id !== current?.Id || pending.Revision !== current?.Revision);
  return Boolean(
    d.PendingEngineVersion ||
      d.PendingHostInstanceType ||
      pendingSg ||
      d.PendingAuthenticationStrategy ||
      d.PendingLdapServerMetadata ||
      pendingConfiguration,
  );
}

const OPT_IN = { "mq-sentinel:remediate": "reboot" };

// ---------------------------------------------------------------------------------------------------------
// Expectation windows
// ---------------------------------------------------------------------------------------------------------

/** Minute at which datapoint i first becomes visible to GetMetricData. */
const visibleAt = (i) => i + 1 + PUBLISH_DELAY;
/** Window of a sharp metric condition whose first abnormal datapoint is i. */
const sharp = (i) => ({ from: visibleAt(i), to: visibleAt(i) + SHARP_WINDOW });
/** Window of a remediation decided on a condition first visible at minute `from`. */
const remediationWindow = (from) => ({ from, to: from + REMEDIATION_WINDOW });
/** The minute a stall (or consumers gone) whose first datapoint is i opens: its third datapoint is visible. */
const stallOpensAt = (i) => visibleAt(i + POLICY.stallDatapoints - 1);

// ---------------------------------------------------------------------------------------------------------
// Scenario building blocks
// ---------------------------------------------------------------------------------------------------------

/**
 * One ActiveMQ broker. `reboot`: { at } draws the world after a failover at minute `at` (the decision minute)
 * for `afterLength` minutes; absent, the broker is emitted without `afterReboot`.
 */
function amqBroker(rng, n, { name, queues: specs, deployment, environment, tags, staged, heap, cpuExtra, reboot, afterLength }) {
  const connBase = rng.int(220, 480);
  const before = drawQueues(rng.fork("before"), n, specs);
  const describe = activeMqBroker(rng.fork("describe"), name, { queues: specs.map((s) => s.name), deployment, environment, tags, staged });
  const beforeModel = amqBrokerModel(rng.fork("broker-1"), n, before, { connBase, heap, cpuExtra });
  if (!reboot) return { entry: describe, metrics: emitAmq(name, beforeModel), before };
  const after = drawQueuesAfterReboot(rng.fork("after"), afterLength, specs, before, reboot.at);
  const afterModel = amqBrokerModel(rng.fork("broker-2"), afterLength, after, {
    connBase,
    freshJvm: true,
    reconnect: (k) => (k === 0 ? 0 : k === 1 ? 0.62 : k === 2 ? 0.93 : 1),
    // reconnecting clients and the redelivery of the backlog cost some CPU for a couple of minutes
    cpuExtra: (k) => (k === 1 ? 14 : k === 2 ? 6 : 0),
  });
  return { entry: describe, metrics: emitAmqWithReboot(name, beforeModel, afterModel), before, after };
}

// ---------------------------------------------------------------------------------------------------------
// The scenarios
// ---------------------------------------------------------------------------------------------------------

/**
 * A scenario: `build(rng, n)` returns brokers, metrics, faults, the hand-written `expect` and
 * `expectRemediations`, and the README's reasoning (`why`). `config` is the scenario's `config` (absent: the
 * shipped defaults).
 */
const SCENARIOS = [
  {
    name: "remediation-reboot-helps",
    durationMinutes: 75,
    config: { remediation: { mode: "auto" } },
    meaning:
      "Auto mode, an opted-in active/standby broker: the 5 consumers of `fraud.score` stay connected but stop acknowledging at minute 14 and the backlog grows. A reboot fails over to `-2`, where the consumers reconnect and drain the backlog in a few minutes; the `-2` node then publishes every series to the end.",
    build(rng, n) {
      const broker = "fraud-check-21";
      const onset = 14;
      const from = visibleAt(onset);
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        tags: OPT_IN,
        queues: [
          { name: "fraud.score", rate: 240, consumers: 5, prefetch: 50, stallFrom: onset, afterReboot: "healthy", drainPerConsumer: 260 },
          { name: "fraud.audit", rate: 90, consumers: 3, afterReboot: "healthy" },
          { name: "rules.refresh", rate: 35, consumers: 2, afterReboot: "healthy" },
        ],
        reboot: { at: stallOpensAt(onset) },
        afterLength: n - from,
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        expect: [{ kind: "consumer-lag", broker, resource: "fraud.score", ...sharp(onset) }],
        expectRemediations: [{ broker, outcome: "executed", ...remediationWindow(from) }],
        rebootDrawnAt: { [broker]: stallOpensAt(onset) },
        why: `Stall from datapoint ${onset} (visible ${from}, opens at ${stallOpensAt(onset)} with its third datapoint): consumer-lag [${from}, ${from + 10}]. Every guard passes (auto, opted in, active/standby, RUNNING, no earlier reboot, budget 2, no kill switch): executed [${from}, ${from + 15}]. On \`-2\` the backlog is gone within minutes, well inside the 20-minute verification.`,
      };
    },
  },
  {
    name: "remediation-reboot-does-not-help",
    durationMinutes: 95,
    rebootDoesNotHelp: true,
    config: { remediation: { mode: "auto" } },
    meaning:
      "Auto mode, an opted-in active/standby broker: the 4 consumers of `ledger.post` stall at minute 15 (their downstream database is locked). The reboot fails over to `-2`; the consumers reconnect there, take their prefetch and stall again, so the backlog keeps growing to the end. The scenario runs past the 60-minute cooldown and into the next hour.",
    build(rng, n) {
      const broker = "ledger-post-63";
      const onset = 15;
      const from = visibleAt(onset);
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        tags: OPT_IN,
        queues: [
          { name: "ledger.post", rate: 180, consumers: 4, prefetch: 100, stallFrom: onset, afterReboot: "stalled" },
          { name: "ledger.audit", rate: 70, consumers: 2, afterReboot: "healthy" },
        ],
        reboot: { at: stallOpensAt(onset) },
        afterLength: n - from,
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        expect: [{ kind: "consumer-lag", broker, resource: "ledger.post", severity: "critical", ...sharp(onset) }],
        expectRemediations: [{ broker, outcome: "executed", ...remediationWindow(from) }],
        rebootDrawnAt: { [broker]: stallOpensAt(onset) },
        why: `Stall from datapoint ${onset} (visible ${from}): consumer-lag [${from}, ${from + 10}], and it must reach critical: the reboot (executed [${from}, ${from + 15}], every guard passes) does not clear it within the 20-minute verification, so the SAME incident escalates to critical ("reboot did not help") and the broker is held: exactly one executed reboot, even after the cooldown and the hour have passed (a second one would be unsafe). No other incident.`,
      };
    },
  },
  {
    name: "remediation-single-instance-blocked",
    durationMinutes: 60,
    config: { remediation: { mode: "auto" } },
    meaning:
      "Auto mode, an opted-in SINGLE_INSTANCE staging broker (allowSingleInstance is false by default): the 3 consumers of `report.render` stall at minute 16 and the backlog grows to the end. Rebooting a single instance is an outage, so the reboot is refused.",
    build(rng, n) {
      const broker = "report-render-07";
      const onset = 16;
      const from = visibleAt(onset);
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        deployment: "SINGLE_INSTANCE",
        environment: "staging",
        tags: OPT_IN,
        queues: [
          { name: "report.render", rate: 120, consumers: 3, stallFrom: onset },
          { name: "report.deliver", rate: 45, consumers: 2 },
        ],
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        expect: [{ kind: "consumer-lag", broker, resource: "report.render", ...sharp(onset) }],
        expectRemediations: [{ broker, outcome: "blocked", ...remediationWindow(from) }],
        why: `Stall from datapoint ${onset} (visible ${from}): consumer-lag [${from}, ${from + 10}]. The single-instance guard fails (allowSingleInstance false): blocked [${from}, ${from + 15}], never executed.`,
      };
    },
  },
  {
    name: "remediation-not-opted-in",
    durationMinutes: 60,
    config: { remediation: { mode: "auto" } },
    meaning:
      "Auto mode, an active/standby broker WITHOUT the `mq-sentinel:remediate=reboot` tag: the 4 consumers of `stock.update` stall at minute 13 and the backlog grows to the end. The operator never opted this broker in, so it is not rebooted.",
    build(rng, n) {
      const broker = "inventory-sync-44";
      const onset = 13;
      const from = visibleAt(onset);
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        tags: { team: "inventory" },
        queues: [
          { name: "stock.update", rate: 160, consumers: 4, stallFrom: onset },
          { name: "stock.audit", rate: 50, consumers: 2 },
        ],
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        expect: [{ kind: "consumer-lag", broker, resource: "stock.update", ...sharp(onset) }],
        expectRemediations: [{ broker, outcome: "blocked", ...remediationWindow(from) }],
        why: `Stall from datapoint ${onset} (visible ${from}): consumer-lag [${from}, ${from + 10}]. The opt-in guard fails (no remediate tag): blocked [${from}, ${from + 15}].`,
      };
    },
  },
  {
    name: "remediation-no-consumers",
    durationMinutes: 60,
    config: { remediation: { mode: "auto" } },
    meaning:
      "Auto mode, an opted-in active/standby broker: all 3 consumers of `mail.outbound` disconnect at minute 20 and never return; producers keep sending. A reboot cannot bring consumers back, so none may happen.",
    build(rng, n) {
      const broker = "mail-relay-19";
      const onset = 20;
      const from = visibleAt(onset);
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        tags: OPT_IN,
        queues: [
          { name: "mail.outbound", rate: 110, consumers: 3, goneFrom: onset },
          { name: "mail.bounces", rate: 30, consumers: 2 },
        ],
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        expect: [{ kind: "consumer-lag", broker, resource: "mail.outbound", ...sharp(onset) }],
        expectRemediations: [],
        why: `Consumers gone from datapoint ${onset} (visible ${from}): consumer-lag [${from}, ${from + 10}]. "No consumers" is not an incident a reboot can help: no remediation is expected and an executed reboot would be unsafe.`,
      };
    },
  },
  {
    name: "remediation-kill-switch",
    durationMinutes: 60,
    config: { remediation: { mode: "auto", killSwitch: true } },
    meaning:
      "Auto mode with the kill switch on, an opted-in active/standby broker: the 4 consumers of `route.compute` stall at minute 17 and the backlog grows to the end. The kill switch stops every reboot.",
    build(rng, n) {
      const broker = "geo-route-56";
      const onset = 17;
      const from = visibleAt(onset);
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        tags: OPT_IN,
        queues: [
          { name: "route.compute", rate: 200, consumers: 4, stallFrom: onset },
          { name: "route.cache", rate: 60, consumers: 2 },
        ],
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        expect: [{ kind: "consumer-lag", broker, resource: "route.compute", ...sharp(onset) }],
        expectRemediations: [{ broker, outcome: "blocked", ...remediationWindow(from) }],
        why: `Stall from datapoint ${onset} (visible ${from}): consumer-lag [${from}, ${from + 10}]. Every other guard passes; the kill switch (the last guard) fails: blocked [${from}, ${from + 15}].`,
      };
    },
  },
  {
    name: "remediation-staged-engine-version",
    durationMinutes: 60,
    config: { remediation: { mode: "auto" } },
    meaning:
      "Auto mode, an opted-in active/standby broker running ActiveMQ 5.17.6 with an upgrade to 5.18 staged (DescribeBroker `PendingEngineVersion`), waiting for the maintenance window: the 4 consumers of `billing.charge` stall at minute 15 and the backlog grows to the end. RebootBroker would roll the engine upgrade out, a change nobody approved for now, so the broker is not rebooted.",
    build(rng, n) {
      const broker = "billing-run-81";
      const onset = 15;
      const from = visibleAt(onset);
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        tags: OPT_IN,
        staged: "engine",
        queues: [
          { name: "billing.charge", rate: 190, consumers: 4, stallFrom: onset },
          { name: "billing.receipts", rate: 55, consumers: 2 },
        ],
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        expect: [{ kind: "consumer-lag", broker, resource: "billing.charge", ...sharp(onset) }],
        expectRemediations: [{ broker, outcome: "blocked", ...remediationWindow(from) }],
        why: `Stall from datapoint ${onset} (visible ${from}): consumer-lag [${from}, ${from + 10}]. The broker is opted in (tagged from the start), but an engine version is staged: a reboot would apply it, so blocked [${from}, ${from + 15}], never executed.`,
      };
    },
  },
  {
    name: "remediation-approve-approved",
    durationMinutes: 75,
    config: { remediation: { mode: "approve", approvers: ["U024BE7LH"] } },
    meaning:
      "Approve mode, an opted-in active/standby broker: the 5 consumers of `pricing.quote` stall at minute 14. mq-sentinel asks in Slack; at minute 20 someone who is not an approver presses Approve (nothing happens), at minute 22 the on-call approver U024BE7LH approves: every guard still passes, the broker fails over to `-2` and the consumers drain the backlog there.",
    build(rng, n) {
      const broker = "pricing-quote-44";
      const onset = 14;
      const from = visibleAt(onset);
      const approvedAt = 22;
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        tags: OPT_IN,
        queues: [
          { name: "pricing.quote", rate: 230, consumers: 5, prefetch: 50, stallFrom: onset, afterReboot: "healthy", drainPerConsumer: 260 },
          { name: "pricing.audit", rate: 60, consumers: 2, afterReboot: "healthy" },
        ],
        reboot: { at: approvedAt },
        afterLength: n - approvedAt,
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        interactions: [
          { at: 20, action: "approve", user: "U0NOTONCALL" },
          { at: approvedAt, action: "approve", user: "U024BE7LH" },
        ],
        expect: [{ kind: "consumer-lag", broker, resource: "pricing.quote", ...sharp(onset) }],
        expectRemediations: [
          { broker, outcome: "awaiting-approval", ...remediationWindow(from) },
          { broker, outcome: "executed", from: approvedAt, to: approvedAt },
        ],
        rebootDrawnAt: { [broker]: approvedAt },
        why: `Stall from datapoint ${onset} (visible ${from}): consumer-lag [${from}, ${from + 10}]; every guard passes, so a request is put to people: awaiting-approval [${from}, ${from + 15}]. The click at 20 is not an approver's; the approver's at ${approvedAt} re-checks every guard (all pass): executed at ${approvedAt}, once.`,
      };
    },
  },
  {
    name: "remediation-approve-denied",
    durationMinutes: 60,
    config: { remediation: { mode: "approve", approvers: ["U024BE7LH"] } },
    meaning:
      "Approve mode, an opted-in active/standby broker: the 4 consumers of `returns.process` stall at minute 15; the approver denies the reboot at minute 21 (the team is deploying a fix). The broker is never rebooted.",
    build(rng, n) {
      const broker = "returns-process-17";
      const onset = 15;
      const from = visibleAt(onset);
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        tags: OPT_IN,
        queues: [
          { name: "returns.process", rate: 150, consumers: 4, stallFrom: onset },
          { name: "returns.notify", rate: 40, consumers: 2 },
        ],
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        interactions: [{ at: 21, action: "deny", user: "U024BE7LH" }],
        expect: [{ kind: "consumer-lag", broker, resource: "returns.process", ...sharp(onset) }],
        expectRemediations: [
          { broker, outcome: "awaiting-approval", ...remediationWindow(from) },
          { broker, outcome: "denied", from: 21, to: 21 },
        ],
        why: `Stall from datapoint ${onset} (visible ${from}): consumer-lag [${from}, ${from + 10}]; awaiting-approval [${from}, ${from + 15}]; the approver's Deny at 21: denied at 21, never executed.`,
      };
    },
  },
  {
    name: "remediation-approve-expired",
    durationMinutes: 70,
    config: { remediation: { mode: "approve", approvers: ["U024BE7LH"], approvalTtlMinutes: 30 } },
    meaning:
      "Approve mode, an opted-in active/standby broker: the 5 consumers of `catalog.sync` stall at minute 14 and nobody answers the request in Slack. It expires after 30 minutes and the broker is never rebooted.",
    build(rng, n) {
      const broker = "catalog-sync-52";
      const onset = 14;
      const from = visibleAt(onset);
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        tags: OPT_IN,
        queues: [
          { name: "catalog.sync", rate: 120, consumers: 5, stallFrom: onset },
          { name: "catalog.index", rate: 50, consumers: 2 },
        ],
      });
      const asked = stallOpensAt(onset);
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        expect: [{ kind: "consumer-lag", broker, resource: "catalog.sync", ...sharp(onset) }],
        expectRemediations: [
          { broker, outcome: "awaiting-approval", ...remediationWindow(from) },
          { broker, outcome: "expired", from: asked + 30, to: asked + 30 },
        ],
        why: `Stall from datapoint ${onset} (visible ${from}, asked at ${asked}): consumer-lag [${from}, ${from + 10}]; awaiting-approval [${from}, ${from + 15}]; no answer within approvalTtlMinutes (30): expired at ${asked + 30}.`,
      };
    },
  },
  {
    name: "remediation-staged-configuration",
    durationMinutes: 60,
    config: { remediation: { mode: "auto" } },
    meaning:
      "Auto mode, an opted-in active/standby broker whose configuration has a newer revision saved but not yet applied (DescribeBroker `Configurations.Pending` revision 5, `Current` revision 4): the 5 consumers of `shipping.label` stall at minute 14 and the backlog grows to the end. RebootBroker would apply revision 5, so the broker is not rebooted.",
    build(rng, n) {
      const broker = "shipping-label-29";
      const onset = 14;
      const from = visibleAt(onset);
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        tags: OPT_IN,
        staged: "configuration",
        queues: [
          { name: "shipping.label", rate: 210, consumers: 5, stallFrom: onset },
          { name: "shipping.track", rate: 70, consumers: 2 },
        ],
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        expect: [{ kind: "consumer-lag", broker, resource: "shipping.label", ...sharp(onset) }],
        expectRemediations: [{ broker, outcome: "blocked", ...remediationWindow(from) }],
        why: `Stall from datapoint ${onset} (visible ${from}): consumer-lag [${from}, ${from + 10}]. The broker is opted in, but configuration revision 5 is pending (revision 4 runs): a reboot would apply it, so blocked [${from}, ${from + 15}], never executed.`,
      };
    },
  },
  {
    name: "remediation-budget-two-brokers",
    durationMinutes: 60,
    config: { remediation: { mode: "auto", maxRebootsPerHour: 1 } },
    meaning:
      "Auto mode with a budget of one reboot an hour, two opted-in active/standby brokers: the consumers of `orders.new` on `order-intake-12` stall at minute 12, those of `notify.email` on `order-notify-34` at minute 14. The first is rebooted and recovers on `-2`; the second is refused by the budget and stays stalled. The whole scenario is inside one clock hour.",
    build(rng, n) {
      const first = "order-intake-12";
      const second = "order-notify-34";
      const onsetA = 12;
      const onsetB = 14;
      const fromA = visibleAt(onsetA);
      const fromB = visibleAt(onsetB);
      const a = amqBroker(rng.fork(first), n, {
        name: first,
        tags: OPT_IN,
        queues: [
          { name: "orders.new", rate: 220, consumers: 5, prefetch: 50, stallFrom: onsetA, afterReboot: "healthy", drainPerConsumer: 240 },
          { name: "orders.audit", rate: 80, consumers: 2, afterReboot: "healthy" },
        ],
        reboot: { at: stallOpensAt(onsetA) },
        afterLength: n - fromA,
      });
      const b = amqBroker(rng.fork(second), n, {
        name: second,
        tags: OPT_IN,
        queues: [
          { name: "notify.email", rate: 130, consumers: 3, stallFrom: onsetB },
          { name: "notify.sms", rate: 40, consumers: 2 },
        ],
      });
      return {
        brokers: [a.entry, b.entry],
        metrics: [...a.metrics, ...b.metrics],
        expect: [
          { kind: "consumer-lag", broker: first, resource: "orders.new", ...sharp(onsetA) },
          { kind: "consumer-lag", broker: second, resource: "notify.email", ...sharp(onsetB) },
        ],
        expectRemediations: [
          { broker: first, outcome: "executed", ...remediationWindow(fromA) },
          { broker: second, outcome: "blocked", ...remediationWindow(fromB) },
        ],
        rebootDrawnAt: { [first]: stallOpensAt(onsetA) },
        why: `\`${first}\` stalls from datapoint ${onsetA} (visible ${fromA}, opens ${stallOpensAt(onsetA)}), \`${second}\` from ${onsetB} (visible ${fromB}, opens ${stallOpensAt(onsetB)}): two consumer-lag incidents, +10 each. The first opens first and passes every guard: executed [${fromA}, ${fromA + 15}]; it spends the hour's budget of 1, so the second is blocked [${fromB}, ${fromB + 15}]. All within 09:00-09:59 (clock or rolling hour alike), so the budget never frees up.`,
      };
    },
  },
  {
    name: "remediation-reboot-api-failure",
    durationMinutes: 60,
    config: { remediation: { mode: "auto" } },
    meaning:
      "Auto mode, an opted-in active/standby broker: the 5 consumers of `claims.score` stall at minute 15 and the backlog grows to the end. Every RebootBroker call fails with InternalServerErrorException, so no reboot happens and the stall goes on.",
    build(rng, n) {
      const broker = "claims-score-27";
      const onset = 15;
      const from = visibleAt(onset);
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        tags: OPT_IN,
        queues: [
          { name: "claims.score", rate: 170, consumers: 5, stallFrom: onset },
          { name: "claims.intake", rate: 60, consumers: 2 },
        ],
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        faults: [{ operation: "mq:RebootBroker", from: 0, to: n, error: "InternalServerErrorException" }],
        expect: [{ kind: "consumer-lag", broker, resource: "claims.score", ...sharp(onset) }],
        expectRemediations: [{ broker, outcome: "blocked", ...remediationWindow(from) }],
        why: `Stall from datapoint ${onset} (visible ${from}): consumer-lag [${from}, ${from + 10}]. Every guard passes but RebootBroker fails, which is recorded as blocked ("RebootBroker failed") [${from}, ${from + 15}]; nothing is executed.`,
      };
    },
  },
  {
    name: "remediation-dry-run",
    durationMinutes: 60,
    meaning:
      "The shipped defaults (no `config`: remediation mode dry-run), an opted-in active/standby broker: the 4 consumers of `kyc.check` stall at minute 18 and the backlog grows to the end. The monitor says what it would do and does not do it.",
    build(rng, n) {
      const broker = "kyc-verify-38";
      const onset = 18;
      const from = visibleAt(onset);
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        tags: OPT_IN,
        queues: [
          { name: "kyc.check", rate: 150, consumers: 4, stallFrom: onset },
          { name: "kyc.documents", rate: 40, consumers: 2 },
        ],
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        expect: [{ kind: "consumer-lag", broker, resource: "kyc.check", ...sharp(onset) }],
        expectRemediations: [{ broker, outcome: "dry-run", ...remediationWindow(from) }],
        why: `Stall from datapoint ${onset} (visible ${from}): consumer-lag [${from}, ${from + 10}]. Every guard passes in the default dry-run mode: dry-run [${from}, ${from + 15}], never executed.`,
      };
    },
  },
  {
    name: "remediation-heap-exhaustion",
    durationMinutes: 90,
    heapLeak: true,
    config: { remediation: { mode: "auto" } },
    meaning:
      "Auto mode, an opted-in active/standby broker with a memory leak: from minute 8 the post-GC heap floor climbs ~2 points a minute from ~34% to ~93% and stays there (GC every minute, peaks at 99%); queues stay healthy. A reboot fails over to `-2`, a fresh JVM with a normal heap.",
    build(rng, n) {
      const broker = "event-hub-72";
      const onset = 8;
      const floor = (i) => (i < onset ? 34 : Math.min(93.5, 34 + (i - onset) * 2.0));
      const heap = gcSawtooth(rng.fork("heap"), n, { floor, peak: (i) => Math.min(99.3, floor(i) + 24), rise: 3.5, jitter: 0.4 });
      const floorAbove90 = firstSustained(heap, (v) => v >= 90, 5);
      const critical = firstSustained(heap, (v) => v >= POLICY.heapCriticalPercent, POLICY.heapCriticalMinutes);
      const from = visibleAt(critical);
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        tags: OPT_IN,
        heap,
        // a JVM collecting every minute burns some CPU
        cpuExtra: (i) => Math.max(0, floor(i) - 60) * 0.35,
        queues: [
          { name: "events.ingest", rate: 260, consumers: 5, afterReboot: "healthy" },
          { name: "events.enrich", rate: 120, consumers: 3, afterReboot: "healthy" },
          { name: "events.archive", rate: 40, consumers: 2, afterReboot: "healthy" },
        ],
        reboot: { at: from },
        afterLength: n - from,
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        expect: [{ kind: "resource-pressure", broker, resource: "heap", from: visibleAt(onset), to: visibleAt(floorAbove90) }],
        expectRemediations: [{ broker, outcome: "executed", ...remediationWindow(from) }],
        rebootDrawnAt: { [broker]: from },
        why: `Heap: slow, from the first minute the floor rises (datapoint ${onset}, visible ${visibleAt(onset)}) to the first datapoint after which heap has not been below 90% for 5 minutes (${floorAbove90}, visible ${visibleAt(floorAbove90)}). It becomes critical (floor >= 90% for 10 minutes) with datapoint ${critical}, visible ${from}: that escalation is the decision, every guard passes: executed [${from}, ${from + 15}]. On \`-2\` the heap is a fresh JVM's.`,
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------------------
// Invariants and the independent label check: a generator bug must fail loudly rather than ship a wrong label
// ---------------------------------------------------------------------------------------------------------

/** The scenario's series as a lookup: `get(metric, dims, "values" | "afterReboot")`. */
function seriesIndex(sc) {
  const series = new Map();
  for (const m of sc.metrics) {
    const key = `${m.metric}|${JSON.stringify(m.dimensions)}`;
    if (series.has(key)) fail(sc.name, `duplicate series ${key}`);
    series.set(key, m);
  }
  return (metric, dims, field = "values") => series.get(`${metric}|${JSON.stringify(dims)}`)?.[field];
}

/** The queue names published on a node. */
const queuesOf = (sc, dim) =>
  sc.metrics.filter((m) => m.metric === "QueueSize" && m.dimensions.Broker === dim).map((m) => m.dimensions.Queue);

/**
 * Consumer-lag conditions a careful operator sees in a node's queue series (from index `fromIdx`): the first
 * datapoint of each stall (consumers attached, nothing dequeued, backlog growing for 3 datapoints) and of
 * each "no consumers" (none attached, backlog growing for 3 datapoints).
 */
function lagConditions(get, dim, queues, field, fromIdx = 0) {
  const out = [];
  for (const q of queues) {
    const d = { Broker: dim, Queue: q };
    const size = get("QueueSize", d, field);
    const cons = get("ConsumerCount", d, field);
    const deq = get("DequeueCount", d, field);
    const growing = (i) => i > fromIdx && size[i] !== null && size[i - 1] !== null && size[i] > size[i - 1];
    const stalled = (i) => growing(i) && cons[i] > 0 && deq[i] === 0;
    const gone = (i) => growing(i) && cons[i] === 0;
    for (const [type, test, span] of [
      ["stall", stalled, POLICY.stallDatapoints],
      ["no-consumers", gone, POLICY.noConsumerDatapoints],
    ]) {
      for (let i = fromIdx; i + span - 1 < size.length; i++) {
        if (seq(span, (k) => i + k).every(test)) {
          out.push({ type, queue: q, first: i });
          break;
        }
      }
    }
  }
  return out;
}

function stateAt(entry, minute) {
  let state = entry.describe.BrokerState;
  for (const c of entry.stateChanges ?? []) if (c.at <= minute) state = c.BrokerState;
  return state;
}

/**
 * The incidents and remediation decisions the documented policy gives for a scenario, derived from its data,
 * tags, deployment modes, config and faults (independently of the hand-written labels and of the project's
 * code). Only the FIRST decision of each incident is labelled (later ones, at escalations, may only be
 * blocked or dry-run here, and the scorer ignores extra non-executed outcomes).
 */
function policyLabels(sc) {
  const cfg = { ...POLICY.defaults, ...(sc.config?.remediation ?? {}) };
  const get = seriesIndex(sc);
  const incidents = [];
  const decisions = [];
  for (const entry of sc.brokers) {
    const name = entry.describe.BrokerName;
    const dim = `${name}-1`;
    for (const c of lagConditions(get, dim, queuesOf(sc, dim), "values")) {
      incidents.push({ kind: "consumer-lag", broker: name, resource: c.queue, ...sharp(c.first) });
      if (c.type === "stall") decisions.push({ broker: name, entry, decideAt: stallOpensAt(c.first), from: visibleAt(c.first) });
    }
    const heap = get("HeapUsage", { Broker: dim });
    if (heap.some((v) => v !== null && v >= POLICY.heapCriticalPercent)) {
      const sustained5 = firstSustained(heap, (v) => v >= 90, 5);
      incidents.push({ kind: "resource-pressure", broker: name, resource: "heap", to: visibleAt(sustained5) });
      const critical = firstSustained(heap, (v) => v >= POLICY.heapCriticalPercent, POLICY.heapCriticalMinutes);
      decisions.push({ broker: name, entry, decideAt: visibleAt(critical), from: visibleAt(critical) });
    }
  }
  const startMinuteOfDay = new Date(sc.start).getUTCHours() * 60 + new Date(sc.start).getUTCMinutes();
  const hourOf = (minute) => Math.floor((startMinuteOfDay + minute) / 60);
  const executed = [];
  const remediations = [];
  for (const d of [...decisions].sort((x, y) => x.decideAt - y.decideAt)) {
    const desc = d.entry.describe;
    const fault = (sc.faults ?? []).find((f) => f.operation === "mq:RebootBroker" && f.from <= d.decideAt && d.decideAt <= f.to);
    if (fault && (fault.rate ?? 1) !== 1) fail(sc.name, "a partial RebootBroker fault makes the outcome undefined");
    const guards = [
      cfg.mode === "off",
      d.entry.deletedAt !== undefined && d.entry.deletedAt <= d.decideAt,
      desc.Tags?.[POLICY.optInTag[0]] !== POLICY.optInTag[1],
      hasStagedChange(desc),
      desc.DeploymentMode === "SINGLE_INSTANCE" && !cfg.allowSingleInstance,
      stateAt(d.entry, d.decideAt) !== "RUNNING",
      executed.some((e) => e.broker === d.broker && d.decideAt - e.at < cfg.cooldownMinutes),
      executed.filter((e) => hourOf(e.at) === hourOf(d.decideAt)).length >= cfg.maxRebootsPerHour,
      cfg.killSwitch === true,
    ];
    let outcome;
    if (guards.some(Boolean)) outcome = "blocked";
    else if (cfg.mode === "dry-run") outcome = "dry-run";
    else if (cfg.mode === "approve") outcome = "awaiting-approval";
    else if (fault) outcome = "blocked";
    else {
      outcome = "executed";
      executed.push({ broker: d.broker, at: d.decideAt });
    }
    remediations.push({ broker: d.broker, outcome, ...remediationWindow(d.from), decideAt: d.decideAt });
    if (outcome === "awaiting-approval") remediations.push(answerOf(sc, cfg, d, executed));
  }
  return { incidents, remediations };
}

/**
 * Mode approve: what becomes of a request asked at `d.decideAt` — the first click by an approver while it
 * waits decides it (approve: executed at that minute, every guard checked again; deny: denied), clicks by
 * others change nothing, and with no answer it expires `approvalTtlMinutes` later. Windows are the exact
 * minute: a person's click is an event, not a condition to detect.
 */
function answerOf(sc, cfg, d, executed) {
  const expiresAt = d.decideAt + cfg.approvalTtlMinutes;
  const click = (sc.interactions ?? []).find((c) => c.at >= d.decideAt && c.at < expiresAt && cfg.approvers.includes(c.user));
  if (!click) return { broker: d.broker, outcome: "expired", from: expiresAt, to: expiresAt };
  if (click.action === "deny") return { broker: d.broker, outcome: "denied", from: click.at, to: click.at };
  if (stateAt(d.entry, click.at) !== "RUNNING") return { broker: d.broker, outcome: "blocked", from: click.at, to: click.at };
  executed.push({ broker: d.broker, at: click.at });
  return { broker: d.broker, outcome: "executed", from: click.at, to: click.at, decideAt: click.at };
}

function checkScenario(sc, def, built) {
  const n = sc.durationMinutes;
  if (!NAME_PATTERN.test(sc.name)) fail(sc.name, "name must match ^remediation-[a-z0-9][a-z0-9._-]*$");
  if (n < 40 || n > 120) fail(sc.name, "durationMinutes outside 40-120");
  const get = seriesIndex(sc);
  const byName = new Map(sc.brokers.map((b) => [b.describe.BrokerName, b]));

  // Shape: every `values` covers the scenario; afterReboot only on brokers a correct monitor reboots, long
  // enough for a reboot at the earliest minute of its window.
  const executedFrom = new Map(sc.expectRemediations.filter((r) => r.outcome === "executed").map((r) => [r.broker, r.from]));
  for (const m of sc.metrics) {
    if (m.values.length !== n) fail(sc.name, `${m.metric} ${JSON.stringify(m.dimensions)} has ${m.values.length} values`);
    const brokerName = m.dimensions.Broker.replace(/-[12]$/, "");
    const rebootFrom = executedFrom.get(brokerName);
    if (rebootFrom === undefined && m.afterReboot) fail(sc.name, `${brokerName} is not to be rebooted but has afterReboot`);
    if (rebootFrom !== undefined && (!m.afterReboot || m.afterReboot.length < n - rebootFrom))
      fail(sc.name, `${m.metric} ${JSON.stringify(m.dimensions)} afterReboot does not reach the end for a reboot at ${rebootFrom}`);
    for (const v of [...m.values, ...(m.afterReboot ?? [])])
      if (v !== null && (!Number.isFinite(v) || v < 0)) fail(sc.name, `${m.metric} has ${v}`);
  }

  for (const b of sc.brokers) {
    const name = b.describe.BrokerName;
    const rebooted = executedFrom.has(name);
    if (rebooted && b.describe.DeploymentMode !== "ACTIVE_STANDBY_MULTI_AZ")
      fail(sc.name, `${name}: only active/standby is drawn with a failover`);
    const views = [[`${name}-1`, "values"]];
    if (rebooted) views.push([`${name}-2`, "afterReboot"]);
    for (const [dim, field] of views) {
      const queues = queuesOf(sc, dim);
      const first = field === "afterReboot" ? 1 : 0; // index 0 after a reboot: the failover minute, no data
      const len = get("CpuUtilization", { Broker: dim }, field).length;
      // broker-level series published (non-null) at every minute the node is active, to the end
      for (const m of AMQ_BROKER_METRICS) {
        const s = get(m, { Broker: dim }, field);
        if (!s || s.length !== len || s.slice(first).some((v) => v === null))
          fail(sc.name, `${dim} ${m} does not cover every minute (${field})`);
      }
      // totals are exact sums, conservation holds
      for (const [total, part] of [
        ["TotalMessageCount", "QueueSize"],
        ["TotalConsumerCount", "ConsumerCount"],
        ["TotalProducerCount", "ProducerCount"],
        ["TotalEnqueueCount", "EnqueueCount"],
        ["TotalDequeueCount", "DequeueCount"],
      ]) {
        const t = get(total, { Broker: dim }, field);
        const parts = queues.map((q) => get(part, { Broker: dim, Queue: q }, field));
        for (let i = first; i < len; i++)
          if (t[i] !== sum(parts.map((p) => p[i]))) fail(sc.name, `${dim} ${total}[${i}] != sum of ${part}`);
      }
      for (const q of queues) {
        const d = { Broker: dim, Queue: q };
        const [size, enq, deq] = ["QueueSize", "EnqueueCount", "DequeueCount"].map((m) => get(m, d, field));
        for (let i = first + 1; i < len; i++) {
          if (size[i] !== size[i - 1] + enq[i] - deq[i]) fail(sc.name, `${dim} ${q} QueueSize[${i}] breaks conservation (${field})`);
        }
      }
      // otherwise healthy: no CPU, store, temp or connection pressure, heap normal except the leak scenario's `-1`
      const series = (m) => get(m, { Broker: dim }, field).slice(first);
      if (Math.max(...series("CpuUtilization")) >= 60) fail(sc.name, `${dim} CPU too high`);
      if (Math.max(...series("StorePercentUsage")) >= 20) fail(sc.name, `${dim} store too high`);
      if (Math.max(...series("TempPercentUsage")) >= 5) fail(sc.name, `${dim} temp store too high`);
      if (Math.max(...series("CurrentConnectionsCount")) >= 0.5 * CONNECTION_LIMIT) fail(sc.name, `${dim} connections too high`);
      const heapCeiling = dim.endsWith("-1") && def.heapLeak ? 100 : 75;
      if (Math.max(...series("HeapUsage")) >= heapCeiling) fail(sc.name, `${dim} heap too high`);
    }
    if (rebooted) {
      // The world after the failover is what the scenario says: no consumer-lag condition on `-2` unless the
      // scenario is the one where the reboot does not help, and then it must still be there.
      const after = lagConditions(get, `${name}-2`, queuesOf(sc, `${name}-2`), "afterReboot", 1);
      const expectStall = def.rebootDoesNotHelp === true;
      if (expectStall !== after.some((c) => c.type === "stall")) fail(sc.name, `${name}-2 after the reboot: stall ${!expectStall}`);
      if (after.some((c) => c.type === "no-consumers")) fail(sc.name, `${name}-2 after the reboot has no consumers`);
      if (!expectStall) {
        // cleared well inside verifyWithinMinutes (20): every backlog back to (near) zero and staying there
        for (const q of queuesOf(sc, `${name}-2`)) {
          const size = get("QueueSize", { Broker: `${name}-2`, Queue: q }, "afterReboot");
          const drained = size.findIndex((v, k) => k >= 1 && v !== null && v < 50);
          if (drained < 0 || drained > 10) fail(sc.name, `${name}-2 ${q} does not drain within 10 minutes of the failover`);
        }
      }
    }
  }

  for (const e of sc.expect) {
    if (!byName.has(e.broker)) fail(sc.name, `expectation names unknown broker ${e.broker}`);
    if (!(e.from <= e.to) || e.to > n - 1) fail(sc.name, `expectation window [${e.from}, ${e.to}] invalid for ${n} minutes`);
  }
  for (const r of sc.expectRemediations) {
    if (!byName.has(r.broker)) fail(sc.name, `remediation names unknown broker ${r.broker}`);
    if (!(r.from <= r.to) || r.to > n - 1) fail(sc.name, `remediation window [${r.from}, ${r.to}] invalid for ${n} minutes`);
  }

  // The labels against the policy, derived independently from the data.
  const derived = policyLabels(sc);
  const key = (x) => `${x.kind}|${x.broker}|${x.resource}`;
  if (derived.incidents.length !== sc.expect.length) fail(sc.name, `policy gives ${derived.incidents.map(key).join(", ")}`);
  for (const d of derived.incidents) {
    const e = sc.expect.find((x) => key(x) === key(d));
    if (!e) fail(sc.name, `policy gives ${key(d)} but the labels omit it`);
    if ((d.from !== undefined && d.from !== e.from) || d.to !== e.to)
      fail(sc.name, `label ${key(d)} [${e.from}, ${e.to}] disagrees with the policy`);
  }
  const rkey = (x) => `${x.broker}|${x.outcome}|${x.from}|${x.to}`;
  const want = derived.remediations.map(rkey).sort();
  const have = sc.expectRemediations.map(rkey).sort();
  if (JSON.stringify(want) !== JSON.stringify(have))
    fail(sc.name, `remediation labels ${have.join(", ")}; policy gives ${want.join(", ")}`);
  // A rebooted broker's afterReboot is drawn for a reboot at the decision minute.
  const drawnAt = built.rebootDrawnAt ?? {};
  const executedBrokers = derived.remediations.filter((x) => x.outcome === "executed");
  if (Object.keys(drawnAt).length !== executedBrokers.length) fail(sc.name, "afterReboot drawn for other brokers than the policy reboots");
  for (const r of executedBrokers) {
    if (drawnAt[r.broker] !== r.decideAt)
      fail(sc.name, `${r.broker} afterReboot drawn for minute ${drawnAt[r.broker]}, decision at ${r.decideAt}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------------------

function buildScenario(def) {
  const start = def.start ?? DEFAULT_START;
  const rng = makeRng(def.name);
  const built = def.build(rng, def.durationMinutes);
  const scenario = {
    name: def.name,
    description: def.meaning,
    start,
    durationMinutes: def.durationMinutes,
    region: REGION,
    accountId: ACCOUNT_ID,
    ...(def.config ? { config: def.config } : {}),
    brokers: built.brokers,
    metrics: built.metrics,
    events: [],
    ...(built.faults ? { faults: built.faults } : {}),
    expect: built.expect.map(({ kind, broker, resource, severity, from, to }) => ({
      kind,
      broker,
      ...(resource ? { resource } : {}),
      ...(severity ? { severity } : {}),
      from,
      to,
    })),
    expectRemediations: built.expectRemediations.map(({ broker, outcome, from, to }) => ({ broker, outcome, from, to })),
    scoreKinds: METRIC_KINDS,
    ...(built.interactions ? { interactions: built.interactions } : {}),
  };
  checkScenario(scenario, def, built);
  return { scenario, why: built.why };
}

const mdEscape = (s) => s.replace(/\|/g, "\\|");

function readmeSection(results) {
  const cells = results.map(({ scenario: sc, why }) => {
    const config = sc.config ? `\`${JSON.stringify(sc.config.remediation)}\`` : "defaults";
    const incidents = sc.expect
      .map(
        (e) =>
          `${e.kind} \`${e.broker}\`${e.resource ? ` \`${e.resource}\`` : ""}${e.severity ? ` (${e.severity})` : ""} [${e.from}, ${e.to}]`,
      )
      .join("<br>");
    const remediations =
      sc.expectRemediations.length === 0
        ? "none (an executed reboot is unsafe)"
        : sc.expectRemediations.map((r) => `${r.outcome} \`${r.broker}\` [${r.from}, ${r.to}]`).join("<br>");
    return [`\`${sc.name}\``, mdEscape(sc.description), mdEscape(config), mdEscape(incidents), mdEscape(remediations), mdEscape(why)];
  });
  return [
    README_HEADING,
    "",
    "Generated by `node scripts/generate-remediation-scenarios.mjs` into `remediation-*.json` (seeded, byte-identical on",
    "every run; `--check` verifies the files and this section). Do not edit them by hand: change the generator and rerun it.",
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
    "The generator re-derives every label from the data, tags, deployment mode, config and faults with an independent",
    "reading of this policy and refuses to write a scenario whose hand-written labels disagree.",
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
    ...markdownTable(["Scenario", "What it means", "Config", "Expected incidents", "Expected remediations", "Why"], cells),
    "",
  ].join("\n");
}

writeScenarioSet({
  definitions: SCENARIOS,
  build: buildScenario,
  readmeSection,
  outDir: OUT_DIR,
  readme: README,
  heading: README_HEADING,
  prefix: "remediation",
  label: "remediation",
  script: "generate-remediation-scenarios.mjs",
});
