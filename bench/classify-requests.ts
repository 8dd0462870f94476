import type { Config } from "../shared/core/config";
import { drillTriggers, type PlannedRead, signalsMoved } from "../shared/core/fetch-schedule";
import type { Broker, EngineType, MinuteWindow, Series } from "../shared/core/types";
import type { Clock, MetricFetch, MetricRequest, MetricSource, QueueListing } from "../shared/ports";

/**
 * A `MetricSource` wrapper that sorts every metric requested into what it was read for, so the
 * cost can be split by signal. It looks only at the requests (the fetch schedule's `PlannedRead`s:
 * role, broker, node, queue) and at the answers, never at the schedule's memory:
 * - first fetch of a cycle (phase one): `broker` signals, `limits`, and queue reads, which are a
 *   `drill` while the broker's broker-level signals moved within `drillHoldMinutes`, a `sweep` when
 *   every queue of the broker is read, `incidentQueues` when only some are (queues with an open
 *   incident), and `deadLetterWatch` for a queue read with its backlog alone;
 * - second fetch (phase two): queue reads start a `drill`; broker reads are `standbyProbe`s.
 * The drill hold is followed with the schedule's own exported trigger (`signalsMoved`).
 */

export const COST_BUCKETS = ["broker", "limits", "sweep", "drill", "deadLetterWatch", "incidentQueues", "standbyProbe"] as const;
export type CostBucket = (typeof COST_BUCKETS)[number];

const MINUTE = 60_000;

export function emptySplit(): Record<CostBucket, number> {
  return { broker: 0, limits: 0, sweep: 0, drill: 0, deadLetterWatch: 0, incidentQueues: 0, standbyProbe: 0 };
}

export class RequestClassifier implements MetricSource {
  private phase = 0;
  private split = emptySplit();
  private readonly drillUntil = new Map<string, number>();
  /** Brokers whose signals moved in the last cycle. */
  lastTriggers = 0;
  /** Brokers x cycles whose queues were all read because of a drill (held or started). */
  drillingBrokerCycles = 0;
  /** Cycles x brokers in which each trigger condition held (a broker may meet several). */
  readonly reasons = { climbing: 0, jump: 0, consumersDropped: 0, triggers: 0, brokerCycles: 0 };

  constructor(
    private readonly inner: MetricSource,
    private readonly brokers: ReadonlyMap<string, Broker>,
    /** Queues each broker publishes (all are listed), to tell a full read from a partial one. */
    private readonly queueCounts: ReadonlyMap<string, number>,
    private readonly polling: Config["polling"],
    private readonly clock: Clock,
  ) {}

  beginCycle(): void {
    this.phase = 0;
    this.split = emptySplit();
    this.lastTriggers = 0;
  }

  endCycle(): Record<CostBucket, number> {
    return this.split;
  }

  listQueues(engine: EngineType, maxAgeMs: number): Promise<QueueListing> {
    return this.inner.listQueues(engine, maxAgeMs);
  }

  async fetch(requests: readonly MetricRequest[], window: MinuteWindow): Promise<MetricFetch> {
    const reads = requests as readonly PlannedRead[];
    const now = this.clock.now();
    const primary = this.phase++ === 0;
    if (primary) this.classifyPrimary(reads, now);
    else {
      const drilled = new Set<string>();
      for (const r of reads) {
        this.split[r.role === "queue" ? "drill" : "standbyProbe"]++;
        if (r.role === "queue") drilled.add(r.broker);
      }
      this.drillingBrokerCycles += drilled.size;
    }
    const result = await this.inner.fetch(requests, window);
    if (primary) this.followTriggers(reads, result, now);
    return result;
  }

  private classifyPrimary(reads: readonly PlannedRead[], now: number): void {
    const queuesByBroker = new Map<string, Map<string, number>>();
    for (const r of reads) {
      if (r.role === "broker") this.split.broker++;
      else if (r.role === "limit") this.split.limits++;
      else {
        const perQueue = queuesByBroker.get(r.broker) ?? new Map<string, number>();
        const id = `${r.queue?.vhost ?? ""}\u0000${r.queue?.name ?? ""}`;
        perQueue.set(id, (perQueue.get(id) ?? 0) + 1);
        queuesByBroker.set(r.broker, perQueue);
      }
    }
    for (const [broker, perQueue] of queuesByBroker) {
      const drilling = now < (this.drillUntil.get(broker) ?? 0);
      const multi = [...perQueue.values()].filter((n) => n > 1);
      const single = perQueue.size - multi.length;
      const multiMetrics = multi.reduce((a, b) => a + b, 0);
      // While drilling every queue is read with all its metrics; a lone backlog read is a watched DLQ.
      this.split.deadLetterWatch += drilling ? 0 : single;
      const known = this.queueCounts.get(broker) ?? perQueue.size;
      if (drilling) {
        this.split.drill += multiMetrics + single;
        this.drillingBrokerCycles++;
      } else if (multi.length >= known) this.split.sweep += multiMetrics;
      else this.split.incidentQueues += multiMetrics;
    }
  }

  private followTriggers(reads: readonly PlannedRead[], result: MetricFetch, now: number): void {
    const byBroker = new Map<string, Record<string, Series>>();
    for (const r of reads) {
      if (r.role !== "broker") continue;
      const s = result.series.get(r.key);
      if (!s) continue;
      const series = byBroker.get(r.broker) ?? {};
      series[r.metric] = s;
      byBroker.set(r.broker, series);
    }
    for (const [name, series] of byBroker) {
      const broker = this.brokers.get(name);
      if (!broker) continue;
      this.reasons.brokerCycles++;
      const why = drillTriggers(broker, series);
      const moved = signalsMoved(broker, series);
      if (why.climbing) this.reasons.climbing++;
      if (why.jump) this.reasons.jump++;
      if (why.consumersDropped) this.reasons.consumersDropped++;
      if (!moved) continue;
      this.reasons.triggers++;
      this.lastTriggers++;
      this.drillUntil.set(name, now + this.polling.drillHoldMinutes * MINUTE);
    }
  }
}
