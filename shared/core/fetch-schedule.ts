import type { Config } from "./config";
import { brokerBacklogSignals, type MetricSpec, metricsFor, NAMESPACE, nodeMetricsFor } from "./metric-catalog";
import { at, lastIndex, latest, maxOf, minOf, slice } from "./series";
import { stableHash } from "./stable-hash";
import type { Broker, BrokerObservation, MinuteWindow, NodeObservation, QueueMetrics, QueueRef, Series } from "./types";
import { MINUTE_MS } from "./types";

/**
 * The cost-aware metric plan (DESIGN.md §1.2, §4). CloudWatch bills every metric requested, so:
 * - broker-level signals are read every cycle, from the active node only;
 * - connection and memory/disk limits are read every `limitsRefreshMinutes` and remembered;
 * - queues are swept every `queueSweepMinutes` (sweeps staggered across brokers), with a lookback
 *   window that still covers every minute: a sweep reads each queue's backlog (the first one after a
 *   cold start every sweep metric), and the next cycles read every sweep metric of the queues whose
 *   backlog is not draining (the suspects);
 * - a broker whose broker-level signals moved (total backlog rising, consumers dropping) is drilled
 *   in two stages: at once (and every cycle for `drillHoldMinutes`) the backlog alone of each of its
 *   queues, then, from the next cycle, every sweep metric of the queues whose backlog is not draining
 *   (the suspects), for as long as it is not; queues with an open incident are read every cycle;
 * - a RabbitMQ cluster whose nodes CloudWatch lists has its per-node resource signals read every cycle
 *   instead of the broker-level sums they add up to (one node at its memory alarm blocks publishers
 *   cluster-wide while the totals look fine), and its per-node limits with the broker's.
 * Planning is two-phase: the follow-up phase reads the backlogs of brokers whose signals moved in the
 * first phase's data and probes the standby node when the active one went quiet, so a cycle needs at
 * most ceil(M / 500) + 1 GetMetricData calls. A drill's second stage waits for the next cycle's first
 * phase instead of a third call: the consumer-lag rules need a few minutes of a condition anyway, and
 * every read carries the whole window, so the minute it waits costs no detection.
 *
 * The schedule remembers per broker, in memory, which node is active, when its queues were last
 * swept, its limits and its usual publishing delay. A cold start just sweeps everything once.
 */

/** One planned metric read; `key` is unique within the cycle. */
export interface PlannedRead {
  key: string;
  namespace: string;
  metric: string;
  dimensions: Record<string, string>;
  stat: MetricSpec["stat"];
  broker: string;
  node: string;
  role: "broker" | "limit" | "queue" | "node" | "nodeLimit";
  queue?: QueueRef;
  /** Why a queue is read (queue reads only): what its cost is for. */
  purpose?: QueueReadPurpose;
  /** Per-node reads (`node`, `nodeLimit`): the RabbitMQ node (the `Node` dimension). */
  clusterNode?: string;
}

/**
 * Why a queue is read: `sweep` (every queue, on the sweep cadence), `drill` (a moved broker's backlogs),
 * `suspect` (every sweep metric of a queue whose drilled backlog is not draining), `focus` (a queue with
 * an open incident, detail metrics included), `watch` (a dead-letter queue's backlog, every cycle).
 */
export const QueueReadPurpose = {
  sweep: "sweep",
  drill: "drill",
  suspect: "suspect",
  focus: "focus",
  watch: "watch",
} as const;
export type QueueReadPurpose = (typeof QueueReadPurpose)[keyof typeof QueueReadPurpose];

interface BrokerFetchState {
  activeNode: string;
  /** When the next queue sweep is due (epoch ms); null: now. */
  nextSweepAt: number | null;
  /** The queues' backlogs are read every cycle until this time (epoch ms). */
  drillUntil: number;
  /** Suspect queues (by queue id) and until when each is read in full (epoch ms). */
  suspects: Map<string, number>;
  /** When the limit metrics are due again (epoch ms); null: now. */
  limitsDueAt: number | null;
  limits: Record<string, number>;
  /** Lowest data age seen, in minutes: the broker's usual publishing delay. */
  usualDataAge: number | null;
  /** The broker-level backlog signal is missing, so broker-level triggers cannot work: sweep every cycle. */
  blind: boolean;
  /** When the other nodes were last probed while the active node was quiet (epoch ms). */
  probedAt: number | null;
  /** The broker state seen last cycle, and when it last became RUNNING after another state. */
  lastState: string | null;
  runningSince: number | null;
  /** Latest per-node limits of a cluster, by node, and when each node's are due again (epoch ms). */
  nodeLimits: Map<string, Record<string, number>>;
  nodeLimitsDueAt: Map<string, number>;
  /** One-time notices already given about the broker (an assumed limit, an unreadable configuration). */
  notices: Set<string>;
}

export interface PlanInput {
  brokers: readonly Broker[];
  /** Queues known (listed by CloudWatch) for a broker, across its nodes. */
  queuesOf: (broker: Broker) => readonly QueueRef[];
  /** Queues with an active consumer-lag incident, per broker name. */
  focus: ReadonlyMap<string, ReadonlySet<string>>;
  /** Queues whose backlog alone is read every cycle (dead-letter queues: every new one is a failure). */
  watch: (queue: QueueRef) => boolean;
  /** The nodes CloudWatch lists for a RabbitMQ cluster (`Node` dimension); none: broker-level reads only. */
  nodesOf?: (broker: Broker) => readonly string[];
  now: number;
}

export interface CycleRead {
  reads: readonly PlannedRead[];
  series: ReadonlyMap<string, Series>;
  failed: ReadonlySet<string>;
}

/** A jump of the total backlog this large (or this share) within a few minutes reads the queues. */
const DRILL_BACKLOG_JUMP = 100;
const DRILL_BACKLOG_JUMP_SHARE = 0.2;
/** A climb of the total backlog three minutes running, by this much (or this share), reads the queues. */
const DRILL_BACKLOG_CLIMB = 50;
const DRILL_BACKLOG_CLIMB_SHARE = 0.1;
/** Watched queues (dead-letter queues) per broker read every cycle; more are left to the sweep. */
export const WATCH_LIMIT_PER_BROKER = 5;
/** Limits that were not published yet are asked for again after this long. */
const LIMITS_RETRY_MINUTES = 5;
/** While every node stays quiet, probe the other nodes again only this often. */
const REPROBE_MINUTES = 5;
/**
 * A suspect queue is read in full this long after its backlog last looked not draining: the next
 * cycle, and every full read renews it while the backlog keeps not draining.
 */
const SUSPECT_HOLD_MINUTES = 1;

export class FetchSchedule {
  private readonly state = new Map<string, BrokerFetchState>();
  private counter = 0;
  /** Brokers whose queues were all swept this cycle. */
  private readonly swept = new Set<string>();
  /** Queues read this cycle (any metric), by broker: a drill reads the backlog of the others. */
  private readonly readThisCycle = new Map<string, Set<string>>();
  private readonly polling: Config["polling"];

  constructor(polling: Config["polling"]) {
    this.polling = polling;
  }

  /** The lookback window of this cycle's reads: whole minutes ending at the current minute. */
  windowAt(now: number): MinuteWindow {
    const end = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    return { startMs: end - this.polling.windowMinutes * MINUTE_MS, minutes: this.polling.windowMinutes };
  }

  /** Phase one: broker-level signals, due limits, due queue sweeps, drilled, suspect, focused and watched queues. */
  planPrimary(input: PlanInput): PlannedRead[] {
    const reads: PlannedRead[] = [];
    this.swept.clear();
    this.readThisCycle.clear();
    for (const broker of input.brokers) {
      const st = this.stateOf(broker);
      if (broker.state === "RUNNING" && st.lastState !== null && st.lastState !== "RUNNING") st.runningSince = input.now;
      st.lastState = broker.state;
      const specs = metricsFor(broker.engine);
      const nodeSpecs = nodeMetricsFor(broker);
      const clusterNodes = nodeSpecs.signals.length > 0 ? (input.nodesOf?.(broker) ?? []) : [];
      // The per-node reads replace the broker-level sums they add up to.
      const brokerSpecs = clusterNodes.length > 0 ? specs.broker.filter((s) => !nodeSpecs.replaces.includes(s.name)) : specs.broker;
      reads.push(...this.brokerReads(broker, st.activeNode, brokerSpecs, "broker"));
      if (st.limitsDueAt === null || input.now >= st.limitsDueAt) {
        reads.push(...this.brokerReads(broker, st.activeNode, specs.limits, "limit"));
      }
      for (const node of [...st.nodeLimits.keys()]) {
        if (!clusterNodes.includes(node)) st.nodeLimits.delete(node);
      }
      for (const node of [...st.nodeLimitsDueAt.keys()]) {
        if (!clusterNodes.includes(node)) st.nodeLimitsDueAt.delete(node);
      }
      for (const node of clusterNodes) {
        reads.push(...this.nodeReads(broker, st.activeNode, node, nodeSpecs.signals, "node"));
        const due = st.nodeLimitsDueAt.get(node);
        if (due === undefined || input.now >= due)
          reads.push(...this.nodeReads(broker, st.activeNode, node, nodeSpecs.limits, "nodeLimit"));
      }
      const queues = input.queuesOf(broker);
      const drilling = input.now < st.drillUntil;
      const firstSweep = st.nextSweepAt === null;
      const sweepDue = st.blind || firstSweep || input.now >= (st.nextSweepAt as number);
      const focus = input.focus.get(broker.name) ?? new Set<string>();
      if (sweepDue) this.swept.add(broker.name);
      const read = this.readSetOf(broker.name);
      const listed = new Set(queues.map(queueId));
      for (const id of [...st.suspects.keys()]) if (!listed.has(id) || input.now > (st.suspects.get(id) as number)) st.suspects.delete(id);
      let watched = 0;
      for (const queue of queues) {
        const id = queueId(queue);
        // The detail metrics only enrich an incident's evidence: read for the queues of open incidents.
        if (focus.has(queue.name)) {
          reads.push(...this.queueReads(broker, st.activeNode, queue, [...specs.queueSweep, ...specs.queueDetail], QueueReadPurpose.focus));
        } else if (st.suspects.has(id))
          reads.push(...this.queueReads(broker, st.activeNode, queue, specs.queueSweep, QueueReadPurpose.suspect));
        // The first sweep reads every sweep metric: a cold start (or a one-off `check`) judges every
        // queue at once; later sweeps read the backlog and leave the rest to the suspects' reads.
        else if (sweepDue)
          reads.push(
            ...this.queueReads(
              broker,
              st.activeNode,
              queue,
              firstSweep ? specs.queueSweep : specs.queueSweep.slice(0, 1),
              QueueReadPurpose.sweep,
            ),
          );
        else if (drilling)
          reads.push(...this.queueReads(broker, st.activeNode, queue, specs.queueSweep.slice(0, 1), QueueReadPurpose.drill));
        else if (watched < WATCH_LIMIT_PER_BROKER && input.watch(queue)) {
          watched++;
          reads.push(...this.queueReads(broker, st.activeNode, queue, specs.queueSweep.slice(0, 1), QueueReadPurpose.watch));
        } else continue;
        read.add(id);
      }
    }
    return reads;
  }

  /**
   * Phase two, from phase one's data: probe the other node of a pair whose active node went quiet,
   * and read the backlog of every queue not read yet of the brokers whose broker-level signals moved
   * (the drill's first stage; `observe` picks the suspects its second stage reads in full).
   */
  planFollowUp(input: PlanInput, primary: CycleRead, window: MinuteWindow): PlannedRead[] {
    const reads: PlannedRead[] = [];
    for (const broker of input.brokers) {
      const st = this.stateOf(broker);
      const specs = metricsFor(broker.engine);
      const series = brokerSeriesOf(primary, broker.name, st.activeNode);
      if (!series) continue; // the read failed: nothing to learn from it
      const age = dataAgeMinutes(series, window);
      const usual = st.usualDataAge ?? 1;
      const quiet = age === null || age > usual + 1;
      if (!quiet) st.probedAt = null;
      const probeDue = st.probedAt === null || input.now - st.probedAt >= REPROBE_MINUTES * MINUTE_MS;
      if (broker.nodes.length > 1 && quiet && probeDue) {
        // The active node is quiet: a failover may have moved the broker to its standby.
        st.probedAt = input.now;
        for (const node of broker.nodes) {
          if (node === st.activeNode) continue;
          reads.push(...this.brokerReads(broker, node, [...specs.broker, ...specs.limits], "broker"));
        }
        continue;
      }
      if (!signalsMoved(broker, series)) continue;
      st.drillUntil = input.now + this.polling.drillHoldMinutes * MINUTE_MS;
      const read = this.readSetOf(broker.name);
      for (const queue of input.queuesOf(broker)) {
        const id = queueId(queue);
        if (read.has(id)) continue; // its backlog is already read this cycle
        read.add(id);
        reads.push(...this.queueReads(broker, st.activeNode, queue, specs.queueSweep.slice(0, 1), QueueReadPurpose.drill));
      }
    }
    return reads;
  }

  /**
   * Builds each broker's observation from the cycle's reads and updates what the schedule
   * remembers (active node, limits, sweep times, usual delay).
   */
  observe(input: PlanInput, read: CycleRead, window: MinuteWindow): Map<string, BrokerObservation & { brokerLevelRead: boolean }> {
    const out = new Map<string, BrokerObservation & { brokerLevelRead: boolean }>();
    for (const broker of input.brokers) {
      const st = this.stateOf(broker);
      const node = this.pickActiveNode(broker, read);
      if (node !== st.activeNode) st.activeNode = node;
      const series = brokerSeriesOf(read, broker.name, node) ?? {};
      const brokerLevelRead = read.reads.some(
        (r) => r.broker === broker.name && r.node === node && r.role === "broker" && !read.failed.has(r.key),
      );

      for (const r of read.reads) {
        if (r.broker !== broker.name || (r.role !== "broker" && r.role !== "limit") || read.failed.has(r.key)) continue;
        if (!specsIncludeLimit(broker, r.metric)) continue;
        if (r.node !== node) continue;
        const value = at(read.series.get(r.key), lastIndex(read.series.get(r.key)));
        if (value != null) st.limits[r.metric] = value;
        // Limits found are read again after the refresh interval; limits not published yet soon.
        if (r.role === "limit")
          st.limitsDueAt = input.now + (value != null ? this.polling.limitsRefreshMinutes : LIMITS_RETRY_MINUTES) * MINUTE_MS;
      }

      const nodes = this.observeNodes(st, broker, read, input.now);

      const age = dataAgeMinutes(series, window);
      if (age !== null) st.usualDataAge = st.usualDataAge === null ? age : Math.min(st.usualDataAge, age);
      const signals = brokerBacklogSignals(broker.engine);
      st.blind = age !== null && lastIndex(series[signals.backlog]) < 0;

      const queues = queueMetricsOf(read, broker.name);
      this.pickSuspects(st, broker, read, input);
      // Only a read of all the broker's queues with every sweep metric counts as a sweep.
      const swept = this.swept.has(broker.name);
      if (swept && queues.some((q) => Object.values(q.series).some((s) => lastIndex(s) >= 0))) {
        const interval = this.polling.queueSweepMinutes * MINUTE_MS;
        // The first sweep after a cold start staggers brokers across the interval so later sweeps
        // spread evenly over the minutes instead of all landing in one cycle.
        st.nextSweepAt =
          st.nextSweepAt === null
            ? input.now + MINUTE_MS + (stableHash(broker.name) % this.polling.queueSweepMinutes) * MINUTE_MS
            : input.now + interval;
      }
      out.set(broker.name, {
        broker,
        node: age === null ? null : node,
        window,
        series,
        limits: { ...st.limits },
        queues,
        knownQueueCount: input.queuesOf(broker).length,
        nodes,
        brokerLevelRead,
      });
    }
    return out;
  }

  /**
   * True the first time a notice `key` is given about a broker while this schedule lives (a warm Lambda,
   * one replay), so a standing condition (an assumed limit) is logged once, not every minute. A broker
   * that goes away and comes back is told about again.
   */
  firstNotice(broker: Broker, key: string): boolean {
    const st = this.stateOf(broker);
    if (st.notices.has(key)) return false;
    st.notices.add(key);
    return true;
  }

  /** The lowest data age seen for a broker (its usual publishing delay), if known. */
  usualDataAge(brokerName: string): number | null {
    return this.state.get(brokerName)?.usualDataAge ?? null;
  }

  /** When the broker last came back to RUNNING from another state (a reboot), if seen. */
  runningSince(brokerName: string): number | null {
    return this.state.get(brokerName)?.runningSince ?? null;
  }

  /** Forgets brokers that are gone, so memory follows the fleet. */
  retain(brokers: readonly Broker[]): void {
    const names = new Set(brokers.map((b) => b.name));
    for (const name of this.state.keys()) if (!names.has(name)) this.state.delete(name);
  }

  /** The queues read this cycle of a broker, by queue id. */
  private readSetOf(brokerName: string): Set<string> {
    let set = this.readThisCycle.get(brokerName);
    if (!set) {
      set = new Set();
      this.readThisCycle.set(brokerName, set);
    }
    return set;
  }

  /**
   * The second stage of sweeps and drills: a queue whose backlog, read by a sweep, a drill or as a
   * suspect, is not draining is read in full in the next `SUSPECT_HOLD_MINUTES` cycles.
   */
  private pickSuspects(st: BrokerFetchState, broker: Broker, read: CycleRead, input: PlanInput): void {
    const backlogMetric = metricsFor(broker.engine).queueSweep[0]?.name;
    const staged: readonly (QueueReadPurpose | undefined)[] = [QueueReadPurpose.sweep, QueueReadPurpose.drill, QueueReadPurpose.suspect];
    const queues = queueMetricsOf(read, broker.name);
    for (const r of read.reads) {
      if (r.broker !== broker.name || r.role !== "queue" || !r.queue || r.metric !== backlogMetric) continue;
      if (!staged.includes(r.purpose)) continue;
      if (read.failed.has(r.key) || input.watch(r.queue)) continue;
      const id = queueId(r.queue);
      // A backlog that holds still is only suspect while nothing says its consumers are working: once
      // read in full, consumers attached and dequeuing every minute keep it in balance.
      const full = queues.find((q) => queueId(q.queue) === id)?.series ?? {};
      const held = !consumersWorking(full);
      if (backlogNotDraining(read.series.get(r.key), { held })) st.suspects.set(id, input.now + SUSPECT_HOLD_MINUTES * MINUTE_MS);
    }
  }

  private stateOf(broker: Broker): BrokerFetchState {
    let st = this.state.get(broker.name);
    if (!st) {
      st = {
        activeNode: broker.nodes[0] ?? broker.name,
        nextSweepAt: null,
        drillUntil: 0,
        suspects: new Map(),
        limitsDueAt: null,
        limits: {},
        usualDataAge: null,
        blind: false,
        probedAt: null,
        lastState: null,
        runningSince: null,
        nodeLimits: new Map(),
        nodeLimitsDueAt: new Map(),
        notices: new Set(),
      };
      this.state.set(broker.name, st);
    }
    if (!broker.nodes.includes(st.activeNode) && broker.nodes[0]) st.activeNode = broker.nodes[0];
    return st;
  }

  /** The node with the freshest broker-level data; the current one on a tie. */
  private pickActiveNode(broker: Broker, read: CycleRead): string {
    const st = this.stateOf(broker);
    let best = st.activeNode;
    let bestIndex = latestIndexOf(brokerSeriesOf(read, broker.name, best));
    for (const node of broker.nodes) {
      const index = latestIndexOf(brokerSeriesOf(read, broker.name, node));
      if (index > bestIndex) {
        best = node;
        bestIndex = index;
      }
    }
    return best;
  }

  private brokerReads(broker: Broker, node: string, specs: readonly MetricSpec[], role: "broker" | "limit"): PlannedRead[] {
    return specs.map((spec) => ({
      key: this.nextKey(),
      namespace: NAMESPACE,
      metric: spec.name,
      dimensions: { Broker: node },
      stat: spec.stat,
      broker: broker.name,
      node,
      role,
    }));
  }

  /** Per-node series of a cluster this cycle, with the node limits remembered (updated from this cycle's reads). */
  private observeNodes(st: BrokerFetchState, broker: Broker, read: CycleRead, now: number): NodeObservation[] {
    const byNode = new Map<string, Record<string, Series>>();
    const due = new Map<string, number>();
    for (const r of read.reads) {
      if (r.broker !== broker.name || r.clusterNode === undefined || read.failed.has(r.key)) continue;
      const s = read.series.get(r.key);
      if (r.role === "nodeLimit") {
        const value = s ? at(s, lastIndex(s)) : null;
        const known = st.nodeLimits.get(r.clusterNode) ?? {};
        if (value != null) known[r.metric] = value;
        st.nodeLimits.set(r.clusterNode, known);
        // As for the broker's limits: found ones again after the refresh interval, missing ones soon.
        const next = now + (value != null ? this.polling.limitsRefreshMinutes : LIMITS_RETRY_MINUTES) * MINUTE_MS;
        due.set(r.clusterNode, Math.min(due.get(r.clusterNode) ?? next, next));
      } else if (r.role === "node" && s) {
        const series = byNode.get(r.clusterNode) ?? {};
        series[r.metric] = s;
        byNode.set(r.clusterNode, series);
      }
    }
    for (const [node, dueAt] of due) st.nodeLimitsDueAt.set(node, dueAt);
    return [...byNode].map(([node, series]) => ({ node, series, limits: { ...(st.nodeLimits.get(node) ?? {}) } }));
  }

  private nodeReads(
    broker: Broker,
    brokerNode: string,
    node: string,
    specs: readonly MetricSpec[],
    role: "node" | "nodeLimit",
  ): PlannedRead[] {
    return specs.map((spec) => ({
      key: this.nextKey(),
      namespace: NAMESPACE,
      metric: spec.name,
      dimensions: { Broker: brokerNode, Node: node },
      stat: spec.stat,
      broker: broker.name,
      node: brokerNode,
      role,
      clusterNode: node,
    }));
  }

  private queueReads(
    broker: Broker,
    node: string,
    queue: QueueRef,
    specs: readonly MetricSpec[],
    purpose: QueueReadPurpose,
  ): PlannedRead[] {
    const dimensions: Record<string, string> =
      queue.vhost !== undefined ? { Broker: node, VirtualHost: queue.vhost, Queue: queue.name } : { Broker: node, Queue: queue.name };
    return specs.map((spec) => ({
      key: this.nextKey(),
      namespace: NAMESPACE,
      metric: spec.name,
      dimensions,
      stat: spec.stat,
      broker: broker.name,
      node,
      role: "queue",
      queue,
      purpose,
    }));
  }

  private nextKey(): string {
    this.counter = (this.counter + 1) % Number.MAX_SAFE_INTEGER;
    return `r${this.counter}`;
  }
}

function specsIncludeLimit(broker: Broker, metric: string): boolean {
  return metricsFor(broker.engine).limits.some((s) => s.name === metric);
}

/** Broker-level series of one node by metric name, or null when none were read or all failed. */
function brokerSeriesOf(read: CycleRead, brokerName: string, node: string): Record<string, Series> | null {
  let any = false;
  const out: Record<string, Series> = {};
  for (const r of read.reads) {
    if (r.broker !== brokerName || r.node !== node || r.role !== "broker") continue;
    if (read.failed.has(r.key)) continue;
    const s = read.series.get(r.key);
    if (s) {
      out[r.metric] = s;
      any = true;
    }
  }
  return any ? out : null;
}

/** A queue's identity within its broker (RabbitMQ queues are named within a virtual host). */
function queueId(queue: QueueRef): string {
  return `${queue.vhost ?? ""}\u0000${queue.name}`;
}

/** The least rise of a queue's backlog that makes it a suspect (a healthy queue wobbles by less). */
export const SUSPECT_MIN_RISE = 10;
/** A backlog above 0 this long that ends higher than it began is a suspect too (a slow consumer). */
const SUSPECT_SLOW_MINUTES = 10;

/**
 * Whether a queue's backlog is not draining at its newest minute: it rose two minutes running by more
 * than a healthy queue wobbles, it has held still above 0 for three minutes, or it stayed above 0 for
 * ten minutes, rose in at least half of them and ended a quarter higher than it began. A queue with no
 * consumers, stalled or slow consumers does one or the other; a healthy one keeps falling back towards
 * 0, so it is rarely a suspect, and the drill reads little more than its backlog.
 */
/** Consumers attached and dequeuing at the newest minute, as far as the queue's series say (false when unread). */
function consumersWorking(series: Readonly<Record<string, Series>>): boolean {
  const consumers = latest(series.ConsumerCount);
  if (consumers == null || consumers <= 0) return false;
  const dequeues = series.DequeueCount;
  // RabbitMQ publishes no per-queue dequeues: attached consumers are all its series say.
  return dequeues === undefined || (latest(dequeues) ?? 0) > 0;
}

export function backlogNotDraining(backlog: Series | undefined, options: { held?: boolean } = {}): boolean {
  const end = lastIndex(backlog);
  const now = at(backlog, end);
  const before = at(backlog, end - 1);
  const first = at(backlog, end - 2);
  if (now == null || before == null || first == null || now <= 0) return false;
  const rising = now > before && before >= first && now - first >= SUSPECT_MIN_RISE;
  const held = (options.held ?? true) && now === before && before === first;
  // A slow consumer's backlog wobbles but never empties and ends higher than it began.
  const recent = slice(backlog, end, SUSPECT_SLOW_MINUTES);
  const start = recent[0];
  let rises = 0;
  for (let i = 1; i < recent.length; i++) if ((recent[i] ?? 0) > (recent[i - 1] ?? 0)) rises++;
  const creeping =
    start != null &&
    recent.every((v) => v != null && v > 0) &&
    rises >= recent.length / 2 &&
    now - start >= Math.max(SUSPECT_MIN_RISE, start / 4);
  return rising || held || creeping;
}

function queueMetricsOf(read: CycleRead, brokerName: string): QueueMetrics[] {
  const byQueue = new Map<string, { queue: QueueRef; series: Record<string, Series> }>();
  for (const r of read.reads) {
    if (r.broker !== brokerName || r.role !== "queue" || !r.queue || read.failed.has(r.key)) continue;
    const s = read.series.get(r.key);
    if (!s) continue;
    const id = queueId(r.queue);
    let entry = byQueue.get(id);
    if (!entry) {
      entry = { queue: r.queue, series: {} };
      byQueue.set(id, entry);
    }
    entry.series[r.metric] = s;
  }
  return [...byQueue.values()];
}

function latestIndexOf(series: Record<string, Series> | null): number {
  if (!series) return -1;
  return Math.max(-1, ...Object.values(series).map(lastIndex));
}

/** Minutes from the end of the newest datapoint to the end of the window, or null without data. */
export function dataAgeMinutes(series: Readonly<Record<string, Series>> | null, window: MinuteWindow): number | null {
  const index = latestIndexOf(series as Record<string, Series> | null);
  return index < 0 ? null : window.minutes - (index + 1);
}

/** Which of the drill's trigger conditions hold on a broker's latest broker-level data. */
export interface DrillTriggers {
  /** The total backlog climbed three minutes running by more than noise: a queue fills faster than it drains. */
  climbing: boolean;
  /** The total backlog jumped and held a minute without draining (most bursts start falling at once). */
  jump: boolean;
  /** Consumers are below their 10-minute maximum (some left: a queue may have none). */
  consumersDropped: boolean;
}

/**
 * Whether the broker-level totals moved enough to read the queues now (any trigger holds). Reading
 * late loses nothing (queue reads carry the whole window), so the trigger only has to fire by the
 * time a queue detector can conclude, and must stay quiet on healthy noise: every firing reads all
 * of a broker's queues.
 */
export function signalsMoved(broker: Broker, series: Readonly<Record<string, Series>>): boolean {
  const t = drillTriggers(broker, series);
  return t.climbing || t.jump || t.consumersDropped;
}

export function drillTriggers(broker: Pick<Broker, "engine">, series: Readonly<Record<string, Series>>): DrillTriggers {
  const out: DrillTriggers = { climbing: false, jump: false, consumersDropped: false };
  const signals = brokerBacklogSignals(broker.engine);
  const backlog = series[signals.backlog];
  const end = lastIndex(backlog);
  if (end >= 0 && (at(backlog, end) as number) > 0) {
    const now = at(backlog, end) as number;
    const prev = at(backlog, end - 1);
    const prev2 = at(backlog, end - 2);
    const prev3 = at(backlog, end - 3);
    out.climbing =
      prev != null &&
      prev2 != null &&
      prev3 != null &&
      now > prev &&
      prev > prev2 &&
      prev2 > prev3 &&
      now - prev3 >= Math.max(DRILL_BACKLOG_CLIMB, prev3 * DRILL_BACKLOG_CLIMB_SHARE);
    const low = minOf(slice(backlog, end - 1, 6));
    out.jump = low != null && prev != null && prev - low >= Math.max(DRILL_BACKLOG_JUMP, low * DRILL_BACKLOG_JUMP_SHARE) && now >= prev;
  }
  const consumers = series[signals.consumers];
  const cEnd = lastIndex(consumers);
  if (cEnd >= 0) {
    const recentMax = maxOf(slice(consumers, cEnd, 10));
    out.consumersDropped = recentMax != null && (at(consumers, cEnd) as number) < recentMax;
  }
  return out;
}
