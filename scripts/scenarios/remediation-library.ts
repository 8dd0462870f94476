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
  leakingHeap,
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
import { firstSustained, nth, type Rng, seq, steps, traffic } from "./kit";
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
 * `stallsAgain`: on node `-2` its reconnected consumers stall again (else they drain it, as after most reboots).
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
  stallsAgain?: boolean;
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
    const stalled = s.stallsAgain === true;
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

/** A queue whose consumers stay attached but stop acknowledging from datapoint `minute`. */
const stalls = (name: string, rate: number, consumers: number, minute: number, more: Partial<QueueSpec> = {}): QueueSpec => ({
  name,
  rate,
  consumers,
  stallFrom: minute,
  ...more,
});
/** A queue whose consumers disconnect for good at datapoint `minute`. */
const leaves = (name: string, rate: number, consumers: number, minute: number): QueueSpec => ({ name, rate, consumers, goneFrom: minute });
/** A queue whose consumers keep up. */
const steady = (name: string, rate: number, consumers: number, more: Partial<QueueSpec> = {}): QueueSpec => ({
  name,
  rate,
  consumers,
  ...more,
});

/** A broker of a stall scenario, before its reboot (if any) is known. */
type StalledBrokerStory = Omit<AmqBrokerStory, "reboot" | "afterLength">;

/** The words a stall scenario's `why` is written with, from the first stalled datapoint `onset`. */
interface StallWords {
  onset: number;
  /** The minute the first stalled datapoint is visible. */
  from: number;
  /** The minute the incident opens and a reboot is decided (or asked for). */
  asked: number;
  /** The consumer-lag window. */
  lag: string;
  /** The window of the first remediation decision. */
  decision: string;
}

/**
 * A scenario of one broker whose first queue's consumers stall (or leave, `goneFrom`) at minute `onset` of
 * its spec: what differs is the broker, its config, the decision expected and what follows it.
 */
interface StallStory extends Omit<StalledBrokerStory, "name"> {
  name: string;
  durationMinutes: number;
  config?: RemediationScenario["config"];
  meaning: string;
  /** The broker, opted in (tagged `mq-sentinel:remediate=reboot` from the start) unless `tags` says otherwise. */
  broker: string;
  /** The incident must reach critical (a reboot that did not help). */
  critical?: boolean;
  /** The broker is rebooted when the reboot is decided, or at the minute someone approves it. */
  rebootAt?: "decision" | number;
  /** The first decision's outcome (none: no reboot may be considered), then a later one at a minute. */
  decision: RemediationExpectation["outcome"] | null;
  later?: { at: number; outcome: RemediationExpectation["outcome"] };
  faults?: Record<string, unknown>[];
  interactions?: Record<string, unknown>[];
  why: (words: StallWords) => string;
}

/** A broker whose first queue stalls (or loses its consumers): its onset and incident, drawn once. */
function stalledBroker(broker: StalledBrokerStory, rebootAt?: "decision" | number) {
  const first = nth(broker.queues, 0);
  const onset = first.stallFrom ?? first.goneFrom;
  if (onset === undefined) throw new Error(`${broker.name}: its first queue neither stalls nor loses its consumers`);
  const from = visibleAt(onset);
  const rebootMinute = rebootAt === "decision" ? decidedAt(onset) : rebootAt;
  // the world after a reboot reaches the end for a reboot at the earliest minute it may happen
  const earliest = rebootAt === "decision" ? from : rebootAt;
  return {
    onset,
    from,
    lag: ConsumerLag(broker.name, first.name),
    draw: (rng: Rng, n: number) =>
      amqBroker(rng.fork(broker.name), n, {
        ...broker,
        tags: broker.tags ?? OPT_IN,
        ...(rebootMinute !== undefined && earliest !== undefined ? { reboot: { at: rebootMinute }, afterLength: n - earliest } : {}),
      }),
  };
}

/** The shared shape of every stall scenario: the broker drawn once, the expectations from its story. */
function stallScenario(story: StallStory): RemediationScenario {
  const { name, durationMinutes, config, meaning, broker, queues, tags, deployment, environment, staged } = story;
  const { critical, rebootAt, decision, later, faults, interactions, why } = story;
  const { onset, from, lag, draw } = stalledBroker({ name: broker, queues, tags, deployment, environment, staged }, rebootAt);
  const words = { onset, from, asked: decidedAt(onset), lag: `consumer-lag [${from}, ${from + 10}]`, decision: `[${from}, ${from + 15}]` };
  return {
    name,
    durationMinutes,
    ...(config ? { config } : {}),
    meaning,
    build(rng, n) {
      const b = draw(rng, n);
      return {
        brokers: [b.entry],
        metrics: b.metrics,
        ...(faults ? { faults } : {}),
        ...(interactions ? { interactions } : {}),
        expect: [Want(Sharp(onset), critical ? Critical(lag) : lag)],
        expectRemediations: [
          ...(decision ? [WantReboot(Decision(from), broker, decision)] : []),
          ...(later ? [WantReboot(Between(later.at, later.at), broker, later.outcome)] : []),
        ],
        why: why(words),
      };
    },
  };
}

const stall = (w: StallWords) => `Stall from datapoint ${w.onset} (visible ${w.from})`;
const AUTO = { remediation: { mode: "auto" } };
const APPROVE = { remediation: { mode: "approve", approvers: ["U024BE7LH"] } };

export const REMEDIATION_SCENARIOS: RemediationScenario[] = [
  stallScenario({
    name: "remediation-reboot-helps",
    durationMinutes: 75,
    config: AUTO,
    meaning:
      "Auto mode, an opted-in active/standby broker: the 5 consumers of `fraud.score` stay connected but stop acknowledging at minute 14 and the backlog grows. A reboot fails over to `-2`, where the consumers reconnect and drain the backlog in a few minutes; the `-2` node then publishes every series to the end.",
    broker: "fraud-check-21",
    queues: [
      stalls("fraud.score", 240, 5, 14, { prefetch: 50, drainPerConsumer: 260 }),
      steady("fraud.audit", 90, 3),
      steady("rules.refresh", 35, 2),
    ],
    rebootAt: "decision",
    decision: "executed",
    why: (w) =>
      `Stall from datapoint ${w.onset} (visible ${w.from}, opens at ${w.asked} with its third datapoint): ${w.lag}. Every guard passes (auto, opted in, active/standby, RUNNING, no earlier reboot, budget 2, no kill switch): executed ${w.decision}. On \`-2\` the backlog is gone within minutes, well inside the 20-minute verification.`,
  }),
  stallScenario({
    name: "remediation-reboot-does-not-help",
    durationMinutes: 95,
    config: AUTO,
    meaning:
      "Auto mode, an opted-in active/standby broker: the 4 consumers of `ledger.post` stall at minute 15 (their downstream database is locked). The reboot fails over to `-2`; the consumers reconnect there, take their prefetch and stall again, so the backlog keeps growing to the end. The scenario runs past the 60-minute cooldown and into the next hour.",
    broker: "ledger-post-63",
    queues: [stalls("ledger.post", 180, 4, 15, { prefetch: 100, stallsAgain: true }), steady("ledger.audit", 70, 2)],
    critical: true,
    rebootAt: "decision",
    decision: "executed",
    why: (w) =>
      `${stall(w)}: ${w.lag}, and it must reach critical: the reboot (executed ${w.decision}, every guard passes) does not clear it within the 20-minute verification, so the SAME incident escalates to critical ("reboot did not help") and the broker is held: exactly one executed reboot, even after the cooldown and the hour have passed (a second one would be unsafe). No other incident.`,
  }),
  stallScenario({
    name: "remediation-single-instance-blocked",
    durationMinutes: 60,
    config: AUTO,
    meaning:
      "Auto mode, an opted-in SINGLE_INSTANCE staging broker (allowSingleInstance is false by default): the 3 consumers of `report.render` stall at minute 16 and the backlog grows to the end. Rebooting a single instance is an outage, so the reboot is refused.",
    broker: "report-render-07",
    deployment: "SINGLE_INSTANCE",
    environment: "staging",
    queues: [stalls("report.render", 120, 3, 16), steady("report.deliver", 45, 2)],
    decision: "blocked",
    why: (w) =>
      `${stall(w)}: ${w.lag}. The single-instance guard fails (allowSingleInstance false): blocked ${w.decision}, never executed.`,
  }),
  stallScenario({
    name: "remediation-not-opted-in",
    durationMinutes: 60,
    config: AUTO,
    meaning:
      "Auto mode, an active/standby broker WITHOUT the `mq-sentinel:remediate=reboot` tag: the 4 consumers of `stock.update` stall at minute 13 and the backlog grows to the end. The operator never opted this broker in, so it is not rebooted.",
    broker: "inventory-sync-44",
    tags: { team: "inventory" },
    queues: [stalls("stock.update", 160, 4, 13), steady("stock.audit", 50, 2)],
    decision: "blocked",
    why: (w) => `${stall(w)}: ${w.lag}. The opt-in guard fails (no remediate tag): blocked ${w.decision}.`,
  }),
  stallScenario({
    name: "remediation-no-consumers",
    durationMinutes: 60,
    config: AUTO,
    meaning:
      "Auto mode, an opted-in active/standby broker: all 3 consumers of `mail.outbound` disconnect at minute 20 and never return; producers keep sending. A reboot cannot bring consumers back, so none may happen.",
    broker: "mail-relay-19",
    queues: [leaves("mail.outbound", 110, 3, 20), steady("mail.bounces", 30, 2)],
    decision: null,
    why: (w) =>
      `Consumers gone from datapoint ${w.onset} (visible ${w.from}): ${w.lag}. "No consumers" is not an incident a reboot can help: no remediation is expected and an executed reboot would be unsafe.`,
  }),
  stallScenario({
    name: "remediation-kill-switch",
    durationMinutes: 60,
    config: { remediation: { mode: "auto", killSwitch: true } },
    meaning:
      "Auto mode with the kill switch on, an opted-in active/standby broker: the 4 consumers of `route.compute` stall at minute 17 and the backlog grows to the end. The kill switch stops every reboot.",
    broker: "geo-route-56",
    queues: [stalls("route.compute", 200, 4, 17), steady("route.cache", 60, 2)],
    decision: "blocked",
    why: (w) => `${stall(w)}: ${w.lag}. Every other guard passes; the kill switch (the last guard) fails: blocked ${w.decision}.`,
  }),
  stallScenario({
    name: "remediation-staged-engine-version",
    durationMinutes: 60,
    config: AUTO,
    meaning:
      "Auto mode, an opted-in active/standby broker running ActiveMQ 5.17.6 with an upgrade to 5.18 staged (DescribeBroker `PendingEngineVersion`), waiting for the maintenance window: the 4 consumers of `billing.charge` stall at minute 15 and the backlog grows to the end. RebootBroker would roll the engine upgrade out, a change nobody approved for now, so the broker is not rebooted.",
    broker: "billing-run-81",
    staged: "engine",
    queues: [stalls("billing.charge", 190, 4, 15), steady("billing.receipts", 55, 2)],
    decision: "blocked",
    why: (w) =>
      `${stall(w)}: ${w.lag}. The broker is opted in (tagged from the start), but an engine version is staged: a reboot would apply it, so blocked ${w.decision}, never executed.`,
  }),
  stallScenario({
    name: "remediation-approve-approved",
    durationMinutes: 75,
    config: APPROVE,
    meaning:
      "Approve mode, an opted-in active/standby broker: the 5 consumers of `pricing.quote` stall at minute 14. mq-sentinel asks in Slack; at minute 20 someone who is not an approver presses Approve (nothing happens), at minute 22 the on-call approver U024BE7LH approves: every guard still passes, the broker fails over to `-2` and the consumers drain the backlog there.",
    broker: "pricing-quote-44",
    queues: [stalls("pricing.quote", 230, 5, 14, { prefetch: 50, drainPerConsumer: 260 }), steady("pricing.audit", 60, 2)],
    rebootAt: 22,
    interactions: [
      { at: 20, action: "approve", user: "U0NOTONCALL" },
      { at: 22, action: "approve", user: "U024BE7LH" },
    ],
    decision: "awaiting-approval",
    later: { at: 22, outcome: "executed" },
    why: (w) =>
      `${stall(w)}: ${w.lag}; every guard passes, so a request is put to people: awaiting-approval ${w.decision}. The click at 20 is not an approver's; the approver's at 22 re-checks every guard (all pass): executed at 22, once.`,
  }),
  stallScenario({
    name: "remediation-approve-denied",
    durationMinutes: 60,
    config: APPROVE,
    meaning:
      "Approve mode, an opted-in active/standby broker: the 4 consumers of `returns.process` stall at minute 15; the approver denies the reboot at minute 21 (the team is deploying a fix). The broker is never rebooted.",
    broker: "returns-process-17",
    queues: [stalls("returns.process", 150, 4, 15), steady("returns.notify", 40, 2)],
    interactions: [{ at: 21, action: "deny", user: "U024BE7LH" }],
    decision: "awaiting-approval",
    later: { at: 21, outcome: "denied" },
    why: (w) => `${stall(w)}: ${w.lag}; awaiting-approval ${w.decision}; the approver's Deny at 21: denied at 21, never executed.`,
  }),
  stallScenario({
    name: "remediation-approve-expired",
    durationMinutes: 70,
    config: { remediation: { ...APPROVE.remediation, approvalTtlMinutes: 30 } },
    meaning:
      "Approve mode, an opted-in active/standby broker: the 5 consumers of `catalog.sync` stall at minute 14 and nobody answers the request in Slack. It expires after 30 minutes and the broker is never rebooted.",
    broker: "catalog-sync-52",
    queues: [stalls("catalog.sync", 120, 5, 14), steady("catalog.index", 50, 2)],
    decision: "awaiting-approval",
    later: { at: decidedAt(14) + 30, outcome: "expired" },
    why: (w) =>
      `Stall from datapoint ${w.onset} (visible ${w.from}, asked at ${w.asked}): ${w.lag}; awaiting-approval ${w.decision}; no answer within approvalTtlMinutes (30): expired at ${w.asked + 30}.`,
  }),
  stallScenario({
    name: "remediation-staged-configuration",
    durationMinutes: 60,
    config: AUTO,
    meaning:
      "Auto mode, an opted-in active/standby broker whose configuration has a newer revision saved but not yet applied (DescribeBroker `Configurations.Pending` revision 5, `Current` revision 4): the 5 consumers of `shipping.label` stall at minute 14 and the backlog grows to the end. RebootBroker would apply revision 5, so the broker is not rebooted.",
    broker: "shipping-label-29",
    staged: "configuration",
    queues: [stalls("shipping.label", 210, 5, 14), steady("shipping.track", 70, 2)],
    decision: "blocked",
    why: (w) =>
      `${stall(w)}: ${w.lag}. The broker is opted in, but configuration revision 5 is pending (revision 4 runs): a reboot would apply it, so blocked ${w.decision}, never executed.`,
  }),
  {
    name: "remediation-budget-two-brokers",
    durationMinutes: 60,
    config: { remediation: { mode: "auto", maxRebootsPerHour: 1 } },
    meaning:
      "Auto mode with a budget of one reboot an hour, two opted-in active/standby brokers: the consumers of `orders.new` on `order-intake-12` stall at minute 12, those of `notify.email` on `order-notify-34` at minute 14. The first is rebooted and recovers on `-2`; the second is refused by the budget and stays stalled. The whole scenario is inside one clock hour.",
    build(rng, n) {
      const first = stalledBroker(
        {
          name: "order-intake-12",
          queues: [stalls("orders.new", 220, 5, 12, { prefetch: 50, drainPerConsumer: 240 }), steady("orders.audit", 80, 2)],
        },
        "decision",
      );
      const second = stalledBroker({
        name: "order-notify-34",
        queues: [stalls("notify.email", 130, 3, 14), steady("notify.sms", 40, 2)],
      });
      const [a, b] = [first.draw(rng, n), second.draw(rng, n)];
      const [fromA, fromB] = [first.from, second.from];
      return {
        brokers: [a.entry, b.entry],
        metrics: [...a.metrics, ...b.metrics],
        expect: [Want(Sharp(first.onset), first.lag), Want(Sharp(second.onset), second.lag)],
        expectRemediations: [
          WantReboot(Decision(fromA), first.lag.broker, "executed"),
          WantReboot(Decision(fromB), second.lag.broker, "blocked"),
        ],
        why: `\`${first.lag.broker}\` stalls from datapoint ${first.onset} (visible ${fromA}, opens ${decidedAt(first.onset)}), \`${second.lag.broker}\` from ${second.onset} (visible ${fromB}, opens ${decidedAt(second.onset)}): two consumer-lag incidents, +10 each. The first opens first and passes every guard: executed [${fromA}, ${fromA + 15}]; it spends the hour's budget of 1, so the second is blocked [${fromB}, ${fromB + 15}]. All within 09:00-09:59 (clock or rolling hour alike), so the budget never frees up.`,
      };
    },
  },
  stallScenario({
    name: "remediation-reboot-api-failure",
    durationMinutes: 60,
    config: AUTO,
    meaning:
      "Auto mode, an opted-in active/standby broker: the 5 consumers of `claims.score` stall at minute 15 and the backlog grows to the end. Every RebootBroker call fails with InternalServerErrorException, so no reboot happens and the stall goes on.",
    broker: "claims-score-27",
    queues: [stalls("claims.score", 170, 5, 15), steady("claims.intake", 60, 2)],
    faults: [{ operation: "mq:RebootBroker", from: 0, to: 60, error: "InternalServerErrorException" }],
    decision: "blocked",
    why: (w) =>
      `${stall(w)}: ${w.lag}. Every guard passes but RebootBroker fails, which is recorded as blocked ("RebootBroker failed") ${w.decision}; nothing is executed.`,
  }),
  stallScenario({
    name: "remediation-dry-run",
    durationMinutes: 60,
    meaning:
      "The shipped defaults (no `config`: remediation mode dry-run), an opted-in active/standby broker: the 4 consumers of `kyc.check` stall at minute 18 and the backlog grows to the end. The monitor says what it would do and does not do it.",
    broker: "kyc-verify-38",
    queues: [stalls("kyc.check", 150, 4, 18), steady("kyc.documents", 40, 2)],
    decision: "dry-run",
    why: (w) => `${stall(w)}: ${w.lag}. Every guard passes in the default dry-run mode: dry-run ${w.decision}, never executed.`,
  }),
  {
    name: "remediation-heap-exhaustion",
    durationMinutes: 90,
    config: AUTO,
    meaning:
      "Auto mode, an opted-in active/standby broker with a memory leak: from minute 8 the post-GC heap floor climbs ~2 points a minute from ~34% to ~93% and stays there (GC every minute, peaks at 99%); queues stay healthy. A reboot fails over to `-2`, a fresh JVM with a normal heap.",
    build(rng, n) {
      const broker = "event-hub-72";
      const onset = 8;
      const { floor, heap } = leakingHeap(rng.fork("heap"), n, onset, 2.0);
      const floorAbove90 = firstSustained(heap, (v) => v >= 90, 5);
      const critical = firstSustained(heap, (v) => v >= HEAP.criticalPercent, HEAP.sustainMinutes);
      const from = visibleAt(critical);
      const b = amqBroker(rng.fork(broker), n, {
        name: broker,
        tags: OPT_IN,
        heap,
        // a JVM collecting every minute burns some CPU
        cpuExtra: (i) => Math.max(0, floor(i) - 60) * 0.35,
        queues: [steady("events.ingest", 260, 5), steady("events.enrich", 120, 3), steady("events.archive", 40, 2)],
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
