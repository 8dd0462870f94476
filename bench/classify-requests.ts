import { drillTriggers, type PlannedRead, type QueueReadPurpose, signalsMoved } from "../shared/core/fetch-schedule";
import type { Broker, EngineType, MinuteWindow, Series } from "../shared/core/types";
import type { MetricFetch, MetricRequest, MetricSource, QueueListing } from "../shared/ports";

/**
 * A `MetricSource` wrapper that sorts every metric requested into what it was read for, so the
 * cost can be split by signal. It looks only at the requests (the fetch schedule's `PlannedRead`s:
 * role and, for queues, the purpose the schedule gives each read) and at the answers, never at the
 * schedule's memory:
 * - `broker` signals, `limits`, and `standbyProbe`s (broker reads of the second phase);
 * - queue reads by purpose: `sweep`, `drill` (a moved broker's backlogs, the drill's first stage),
 *   `drillSuspects` (every sweep metric of the queues whose backlog was not draining, its second
 *   stage), `incidentQueues` (queues with an open incident), `deadLetterWatch`.
 * Which brokers moved is followed with the schedule's own exported trigger (`signalsMoved`).
 */

export const COST_BUCKETS = [
  "broker",
  "limits",
  "sweep",
  "drill",
  "drillSuspects",
  "deadLetterWatch",
  "incidentQueues",
  "standbyProbe",
] as const;
export type CostBucket = (typeof COST_BUCKETS)[number];

export function emptySplit(): Record<CostBucket, number> {
  return Object.fromEntries(COST_BUCKETS.map((bucket) => [bucket, 0])) as Record<CostBucket, number>;
}

/** The bucket of a queue read, by the purpose the schedule gave it. */
const QUEUE_BUCKET: Record<QueueReadPurpose, CostBucket> = {
  sweep: "sweep",
  drill: "drill",
  suspect: "drillSuspects",
  focus: "incidentQueues",
  watch: "deadLetterWatch",
};

export class RequestClassifier implements MetricSource {
  private phase = 0;
  private split = emptySplit();
  /** Brokers x cycles whose queues' backlogs were read for a drill (held or started). */
  drillingBrokerCycles = 0;
  /** Cycles x brokers in which each trigger condition held (a broker may meet several). */
  readonly reasons = { climbing: 0, jump: 0, consumersDropped: 0, triggers: 0, brokerCycles: 0 };

  constructor(
    private readonly inner: MetricSource,
    private readonly brokers: ReadonlyMap<string, Broker>,
  ) {}

  beginCycle(): void {
    this.phase = 0;
    this.split = emptySplit();
  }

  endCycle(): Record<CostBucket, number> {
    return this.split;
  }

  listQueues(engine: EngineType, maxAgeMs: number): Promise<QueueListing> {
    return this.inner.listQueues(engine, maxAgeMs);
  }

  async fetch(requests: readonly MetricRequest[], window: MinuteWindow): Promise<MetricFetch> {
    const reads = requests as readonly PlannedRead[];
    const primary = this.phase++ === 0;
    const drilled = new Set<string>();
    for (const r of reads) {
      // A cluster's per-node signals and limits count with the broker's.
      if (r.role === "broker" || r.role === "node") this.split[primary ? "broker" : "standbyProbe"]++;
      else if (r.role === "limit" || r.role === "nodeLimit") this.split.limits++;
      else if (r.role === "queue") {
        const bucket = QUEUE_BUCKET[r.purpose ?? "sweep"];
        this.split[bucket]++;
        if (bucket === "drill") drilled.add(r.broker);
      }
    }
    this.drillingBrokerCycles += drilled.size;
    const result = await this.inner.fetch(requests, window);
    if (primary) this.followTriggers(reads, result);
    return result;
  }

  private followTriggers(reads: readonly PlannedRead[], result: MetricFetch): void {
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
      if (why.climbing) this.reasons.climbing++;
      if (why.jump) this.reasons.jump++;
      if (why.consumersDropped) this.reasons.consumersDropped++;
      if (signalsMoved(broker, series)) this.reasons.triggers++;
    }
  }
}
