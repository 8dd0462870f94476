/**
 * The remediation scenarios (`remediation-*`): ActiveMQ brokers whose incidents a reboot may or may not
 * help, under different remediation settings. Expectations (`expect`, `expectRemediations`) are written by
 * hand per scenario from the documented policy (scenarios/README.md, "Remediation scenarios"); nothing here
 * re-derives them.
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
import { DEFAULT_CONFIG } from "../../shared/core/config";
import {
  type AmqModel,
  activeMqBroker,
  amqBrokerModel,
  type BrokerEntry,
  emitAmq,
  emitAmqWithReboot,
  type MetricSeries,
} from "./amazon-mq";
import {
  At,
  Between,
  ConsumerLag,
  Critical,
  type Expectation,
  type RemediationExpectation,
  ResourcePressure,
  Sharp,
  Slow,
  visibleAt,
  Want,
} from "./dsl";
import { firstSustained, gcSawtooth, nth, type Rng, seq, steps, traffic } from "./kit";
import { type AmqQueue, amqQueue } from "./queue-model";

/** The default heap thresholds: critical is the floor at or above `criticalPercent` for `sustainMinutes`. */
const HEAP = DEFAULT_CONFIG.detection.resources.heap;
/**
 * The minute a stall whose first datapoint is `i` opens, which is when a reboot is decided: its
 * `stalledMinutes`-th datapoint (the default 3: the third) is visible.
 */
const decidedAt = (i: number): number => visibleAt(i + DEFAULT_CONFIG.detection.consumerLag.stalledMinutes - 1);
/** A remediation decided at minute `from` must be recorded within 15 minutes. */
const Decision = (from: number) => At(from).within(15);
/** A reboot (or its refusal) the scenario wants: `WantReboot(Decision(20), broker, "executed")`. */
const WantReboot = (
  window: { from: number; to: number },
  broker: string,
  outcome: RemediationExpectation["outcome"],
): RemediationExpectation => ({
  broker,
  outcome,
  from: window.from,
  to: window.to,
});

const OPT_IN = { "mq-sentinel:remediate": "reboot" };

/** What a remediation scenario's `build` returns. */
interface BuiltRemediationScenario {
  brokers: BrokerEntry[];
  metrics: MetricSeries[];
  faults?: Record<string, unknown>[];
  interactions?: Record<string, unknown>[];
  expect: Expectation[];
  expectRemediations: RemediationExpectation[];
  why: string;
}

export interface RemediationScenario {
  name: string;
  durationMinutes: number;
  start?: string;
  /** The scenario's `config` (absent: the shipped defaults). */
  config?: { remediation: Record<string, unknown> };
  meaning: string;
  build(rng: Rng, n: number): BuiltRemediationScenario;
}

/**
 * A queue of a broker, described once and drawn twice (before and after a failover). `stallFrom`:
 * consumers attached, nothing acknowledged, from that minute; `goneFrom`: consumers disconnect for good;
 * `afterReboot`: how the queue behaves on node `-2` once its consumers have reconnected.
 */
interface QueueSpec {
  name: string;
  rate: number;
  consumers: number;
  producers?: number;
  perConsumer?: number;
  drainPerConsumer?: number;
  prefetch?: number;
  bursts?: number;
  stallFrom?: number;
  goneFrom?: number;
  afterReboot?: "healthy" | "stalled";
}

/** The broker's queues over the whole scenario on node `-1` (the world without a reboot). */
function drawQueues(rng: Rng, n: number, specs: readonly QueueSpec[]): AmqQueue[] {
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
    const stallFrom = s.stallFrom;
    return amqQueue(rng.fork(`${s.name}/queue`), n, {
      name: s.name,
      enqueue,
      consumers,
      producers: s.producers ?? 2,
      perConsumer: s.perConsumer ?? (s.rate * 2.3) / s.consumers,
      prefetch: s.prefetch ?? 100,
      ...(stallFrom !== undefined ? { stalled: (i: number) => i >= stallFrom } : {}),
    });
  });
}

/**
 * The queues on node `-2` after a failover at minute `rebootAt` (index 0 of the arrays). Index 0 is the
 * failover minute (no node publishes; producers buffer, so nothing is enqueued); from index 1 producers send
 * again (plus what they buffered) and consumers reconnect (about 60% at index 1, all from index 2). The
 * backlog each queue had on node `-1` is still there (the store is shared).
 */
function drawQueuesAfterReboot(rng: Rng, length: number, specs: readonly QueueSpec[], before: AmqQueue[], rebootAt: number): AmqQueue[] {
  return specs.map((s, k) => {
    const backlog = nth(nth(before, k).QueueSize, rebootAt - 1);
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
      ...(stalled ? { stalled: () => true } : {}),
    });
  });
}

/**
 * A broker with a change staged, as DescribeBroker shows it: `engine` stages an engine upgrade
 * (`EngineVersion` the running one, `PendingEngineVersion` the next); `configuration` a newer revision
 * of its configuration (`Configurations.Pending`). RebootBroker would roll either out.
 */
function withStaged(broker: BrokerEntry, staged: "engine" | "configuration"): BrokerEntry {
  const d = broker.describe;
  if (staged === "engine") return { ...broker, describe: { ...d, EngineVersion: "5.17.6", PendingEngineVersion: "5.18" } };
  const current = (d.Configurations as { Current: { Id: string; Revision: number } }).Current;
  const configurations = {
    Current: current,
    Pending: { Id: current.Id, Revision: current.Revision + 1 },
    History: [{ Id: current.Id, Revision: current.Revision }],
  };
  return { ...broker, describe: { ...d, Configurations: configurations } };
}

interface AmqBrokerStory {
  name: string;
  queues: QueueSpec[];
  deployment?: string;
  environment?: string;
  tags?: Record<string, string>;
  staged?: "engine" | "configuration";
  heap?: number[];
  cpuExtra?: (i: number) => number;
  /** Draws the world after a failover at minute `at` (the decision minute) for `afterLength` minutes. */
  reboot?: { at: number };
  afterLength?: number;
}

/** One ActiveMQ broker, with `afterReboot` series only when a correct monitor reboots it. */
function amqBroker(rng: Rng, n: number, story: AmqBrokerStory): { entry: BrokerEntry; metrics: MetricSeries[]; before: AmqQueue[] } {
  const { name, queues: specs, deployment, environment, tags, staged, heap, cpuExtra, reboot, afterLength = 0 } = story;
  const connBase = rng.int(220, 480);
  const before = drawQueues(rng.fork("before"), n, specs);
  const described = activeMqBroker(rng.fork("describe"), name, {
    queues: specs.map((s) => s.name),
    ...(deployment ? { deployment } : {}),
    ...(environment ? { environment } : {}),
    ...(tags ? { tags } : {}),
  });
  const entry = staged ? withStaged(described, staged) : described;
  const beforeModel = amqBrokerModel(rng.fork("broker-1"), n, before, {
    connBase,
    storeHoldsBacklog: true,
    ...(heap ? { heap } : {}),
    ...(cpuExtra ? { cpuExtra } : {}),
  });
  if (!reboot) return { entry, metrics: emitAmq(name, beforeModel), before };
  const after = drawQueuesAfterReboot(rng.fork("after"), afterLength, specs, before, reboot.at);
  const afterModel: AmqModel = amqBrokerModel(rng.fork("broker-2"), afterLength, after, {
    connBase,
    storeHoldsBacklog: true,
    freshJvm: true,
    reconnect: (k) => (k === 0 ? 0 : k === 1 ? 0.62 : k === 2 ? 0.93 : 1),
    // reconnecting clients and the redelivery of the backlog cost some CPU for a couple of minutes
    cpuExtra: (k) => (k === 1 ? 14 : k === 2 ? 6 : 0),
  });
  return { entry, metrics: emitAmqWithReboot(name, beforeModel, afterModel), before };
}

export const REMEDIATION_SCENARIOS: RemediationScenario[] = [
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
        reboot: { at: decidedAt(onset) },
        afterLength: n - from,
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        expect: [Want(Sharp(onset), ConsumerLag(broker, "fraud.score"))],
        expectRemediations: [WantReboot(Decision(from), broker, "executed")],
        why: `Stall from datapoint ${onset} (visible ${from}, opens at ${decidedAt(onset)} with its third datapoint): consumer-lag [${from}, ${from + 10}]. Every guard passes (auto, opted in, active/standby, RUNNING, no earlier reboot, budget 2, no kill switch): executed [${from}, ${from + 15}]. On \`-2\` the backlog is gone within minutes, well inside the 20-minute verification.`,
      };
    },
  },
  {
    name: "remediation-reboot-does-not-help",
    durationMinutes: 95,
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
        reboot: { at: decidedAt(onset) },
        afterLength: n - from,
      });
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        expect: [Want(Sharp(onset), Critical(ConsumerLag(broker, "ledger.post")))],
        expectRemediations: [WantReboot(Decision(from), broker, "executed")],
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
        expect: [Want(Sharp(onset), ConsumerLag(broker, "report.render"))],
        expectRemediations: [WantReboot(Decision(from), broker, "blocked")],
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
        expect: [Want(Sharp(onset), ConsumerLag(broker, "stock.update"))],
        expectRemediations: [WantReboot(Decision(from), broker, "blocked")],
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
        expect: [Want(Sharp(onset), ConsumerLag(broker, "mail.outbound"))],
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
        expect: [Want(Sharp(onset), ConsumerLag(broker, "route.compute"))],
        expectRemediations: [WantReboot(Decision(from), broker, "blocked")],
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
        expect: [Want(Sharp(onset), ConsumerLag(broker, "billing.charge"))],
        expectRemediations: [WantReboot(Decision(from), broker, "blocked")],
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
        expect: [Want(Sharp(onset), ConsumerLag(broker, "pricing.quote"))],
        expectRemediations: [
          WantReboot(Decision(from), broker, "awaiting-approval"),
          WantReboot(Between(approvedAt, approvedAt), broker, "executed"),
        ],
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
        expect: [Want(Sharp(onset), ConsumerLag(broker, "returns.process"))],
        expectRemediations: [WantReboot(Decision(from), broker, "awaiting-approval"), WantReboot(Between(21, 21), broker, "denied")],
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
      const asked = decidedAt(onset);
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        expect: [Want(Sharp(onset), ConsumerLag(broker, "catalog.sync"))],
        expectRemediations: [
          WantReboot(Decision(from), broker, "awaiting-approval"),
          WantReboot(Between(asked + 30, asked + 30), broker, "expired"),
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
        expect: [Want(Sharp(onset), ConsumerLag(broker, "shipping.label"))],
        expectRemediations: [WantReboot(Decision(from), broker, "blocked")],
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
        reboot: { at: decidedAt(onsetA) },
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
        expect: [Want(Sharp(onsetA), ConsumerLag(first, "orders.new")), Want(Sharp(onsetB), ConsumerLag(second, "notify.email"))],
        expectRemediations: [WantReboot(Decision(fromA), first, "executed"), WantReboot(Decision(fromB), second, "blocked")],
        why: `\`${first}\` stalls from datapoint ${onsetA} (visible ${fromA}, opens ${decidedAt(onsetA)}), \`${second}\` from ${onsetB} (visible ${fromB}, opens ${decidedAt(onsetB)}): two consumer-lag incidents, +10 each. The first opens first and passes every guard: executed [${fromA}, ${fromA + 15}]; it spends the hour's budget of 1, so the second is blocked [${fromB}, ${fromB + 15}]. All within 09:00-09:59 (clock or rolling hour alike), so the budget never frees up.`,
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
        expect: [Want(Sharp(onset), ConsumerLag(broker, "claims.score"))],
        expectRemediations: [WantReboot(Decision(from), broker, "blocked")],
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
        expect: [Want(Sharp(onset), ConsumerLag(broker, "kyc.check"))],
        expectRemediations: [WantReboot(Decision(from), broker, "dry-run")],
        why: `Stall from datapoint ${onset} (visible ${from}): consumer-lag [${from}, ${from + 10}]. Every guard passes in the default dry-run mode: dry-run [${from}, ${from + 15}], never executed.`,
      };
    },
  },
  {
    name: "remediation-heap-exhaustion",
    durationMinutes: 90,
    config: { remediation: { mode: "auto" } },
    meaning:
      "Auto mode, an opted-in active/standby broker with a memory leak: from minute 8 the post-GC heap floor climbs ~2 points a minute from ~34% to ~93% and stays there (GC every minute, peaks at 99%); queues stay healthy. A reboot fails over to `-2`, a fresh JVM with a normal heap.",
    build(rng, n) {
      const broker = "event-hub-72";
      const onset = 8;
      const floor = (i: number) => (i < onset ? 34 : Math.min(93.5, 34 + (i - onset) * 2.0));
      const heap = gcSawtooth(rng.fork("heap"), n, { floor, peak: (i) => Math.min(99.3, floor(i) + 24), rise: 3.5, jitter: 0.4 });
      const floorAbove90 = firstSustained(heap, (v) => v >= 90, 5);
      const critical = firstSustained(heap, (v) => v >= HEAP.criticalPercent, HEAP.sustainMinutes);
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
        expect: [Want(Slow(onset, floorAbove90), ResourcePressure(broker, "heap"))],
        expectRemediations: [WantReboot(Decision(from), broker, "executed")],
        why: `Heap: slow, from the first minute the floor rises (datapoint ${onset}, visible ${visibleAt(onset)}) to the first datapoint after which heap has not been below 90% for 5 minutes (${floorAbove90}, visible ${visibleAt(floorAbove90)}). It becomes critical (floor >= 90% for 10 minutes) with datapoint ${critical}, visible ${from}: that escalation is the decision, every guard passes: executed [${from}, ${from + 15}]. On \`-2\` the heap is a fresh JVM's.`,
      };
    },
  },
];
