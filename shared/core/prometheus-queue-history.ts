import type { LagSeries } from "./detectors/consumer-lag";
import { type QueueSnapshot, queueKey, type ScrapedQueue } from "./prometheus-rabbitmq-queues";
import type { MinuteWindow, QueueMetrics, QueueRef, Series } from "./types";
import { MINUTE_MS } from "./types";

/**
 * The per-minute series of the queues read from brokers' own Prometheus endpoints. A read is a
 * snapshot of one moment; the detectors judge per-minute series over a window, so the reads of the
 * last minutes are kept here (in memory, like the fetch schedule: a warm Lambda keeps them, a cold
 * start begins with none, and the queues are judged again once enough minutes are read).
 *
 * A read made during minute `m` stands for the minute that just ended (`m - 1`), as a CloudWatch
 * datapoint stands for its minute. Gauges are taken as read. Counters become per-minute counts as
 * Prometheus's `increase()` does, series by series: the difference to the previous minute's read,
 * the whole value for a series that appeared since (a new channel, a new queue), and the whole value
 * again after a counter went down (a restart). A series that vanished (a channel closed) adds
 * nothing. A count needs the read of the minute before: after a minute not read it is unknown, never
 * zero, so a gap never looks like a stall.
 */

/** Series names, as the CloudWatch metrics that mean the same, so the evidence reads alike. */
export const ScrapedMetric = {
  ready: "MessageReadyCount",
  unacked: "MessageUnacknowledgedCount",
  consumers: "ConsumerCount",
  dequeues: "DequeueCount",
  enqueues: "EnqueueCount",
} as const;

const FIELDS = [ScrapedMetric.ready, ScrapedMetric.unacked, ScrapedMetric.consumers, ScrapedMetric.dequeues, ScrapedMetric.enqueues];

/** A broker's read queues on a window. */
export interface ScrapedQueues {
  /** True when the window's last minute was read: only then are the broker's queues judged. */
  current: boolean;
  /** Minutes from the end of the last minute read to the end of the window. */
  ageMinutes: number;
  /** Minutes from the first minute read in the window to its end: how far back the reads reach (short after a cold start). */
  coveredMinutes: number;
  /** The queues of the last read, with their series on the window. */
  queues: QueueMetrics[];
}

interface QueueTrack {
  ref: QueueRef;
  /** `capacity` slots of the five fields; NaN where unknown. */
  values: Float64Array;
  lastSeen: number;
}

interface BrokerTrack {
  /** The minute each slot holds (-1: none). */
  slotMinute: Float64Array;
  /** 1 where the slot's minute was read. */
  slotRead: Uint8Array;
  queues: Map<string, QueueTrack>;
  /** The last minute read, its counters by queue and their source. */
  last: { minute: number; source: QueueSnapshot["counters"]; counters: Map<string, Pick<ScrapedQueue, "dequeued" | "published">> } | null;
}

export class PrometheusQueueHistory {
  private readonly brokers = new Map<string, BrokerTrack>();

  /** @param capacityMinutes minutes kept: the read window of the detectors. */
  constructor(private readonly capacityMinutes: number) {}

  /** The minute a read at `now` stands for (the minute that just ended), as a minute number. */
  static minuteOf(now: number): number {
    return Math.floor(now / MINUTE_MS) - 1;
  }

  /** Records the read of a broker made at `now`, or that it could not be read (`null`). */
  record(broker: string, now: number, snapshot: QueueSnapshot | null): void {
    const minute = PrometheusQueueHistory.minuteOf(now);
    const track = this.trackOf(broker);
    const slot = this.slotOf(minute);
    track.slotMinute[slot] = minute;
    track.slotRead[slot] = snapshot ? 1 : 0;
    const seen = new Set<string>();
    if (snapshot) {
      const previous = track.last && track.last.minute === minute - 1 && track.last.source === snapshot.counters ? track.last : null;
      const counted = snapshot.counters !== "none";
      for (const q of snapshot.queues) {
        const key = queueKey(q.vhost, q.name);
        seen.add(key);
        let queue = track.queues.get(key);
        if (!queue) {
          queue = { ref: { name: q.name, vhost: q.vhost }, values: nanArray(this.capacityMinutes * FIELDS.length), lastSeen: minute };
          track.queues.set(key, queue);
        }
        queue.lastSeen = minute;
        const before = previous ? (previous.counters.get(key) ?? { dequeued: {}, published: {} }) : null;
        const row = [
          q.ready,
          q.unacked,
          q.consumers,
          counted && before ? increase(before.dequeued, q.dequeued) : null,
          counted && before ? increase(before.published, q.published) : null,
        ];
        row.forEach((v, k) => {
          (queue as QueueTrack).values[slot * FIELDS.length + k] = v ?? Number.NaN;
        });
      }
      track.last = {
        minute,
        source: snapshot.counters,
        counters: new Map(snapshot.queues.map((q) => [queueKey(q.vhost, q.name), { dequeued: q.dequeued, published: q.published }])),
      };
    }
    for (const [key, queue] of track.queues) {
      if (seen.has(key)) continue;
      for (let k = 0; k < FIELDS.length; k++) queue.values[slot * FIELDS.length + k] = Number.NaN;
      // A queue gone for a whole window is forgotten.
      if (minute - queue.lastSeen >= this.capacityMinutes) track.queues.delete(key);
    }
  }

  /** A broker's queues on the window, or null when no minute of the window was read. */
  queuesOn(broker: string, window: MinuteWindow): ScrapedQueues | null {
    const track = this.brokers.get(broker);
    if (!track) return null;
    const first = Math.round(window.startMs / MINUTE_MS);
    const minutes = Array.from({ length: window.minutes }, (_, i) => first + i);
    const read = minutes.map((m) => {
      const slot = this.slotOf(m);
      return track.slotMinute[slot] === m && track.slotRead[slot] === 1 ? slot : -1;
    });
    const lastIndex = read.findLastIndex((slot) => slot >= 0);
    if (lastIndex < 0) return null;
    const lastMinute = first + lastIndex;
    const queues: QueueMetrics[] = [];
    for (const queue of track.queues.values()) {
      if (queue.lastSeen !== lastMinute) continue;
      const series: Record<string, Series> = {};
      FIELDS.forEach((field, k) => {
        series[field] = read.map((slot) => {
          if (slot < 0) return null;
          const v = queue.values[slot * FIELDS.length + k] as number;
          return Number.isNaN(v) ? null : v;
        });
      });
      queues.push({ queue: queue.ref, series });
    }
    return {
      current: lastIndex === window.minutes - 1,
      ageMinutes: window.minutes - (lastIndex + 1),
      coveredMinutes: window.minutes - read.findIndex((slot) => slot >= 0),
      queues,
    };
  }

  /** Forgets brokers no longer watched. */
  retain(brokers: Iterable<string>): void {
    const keep = new Set(brokers);
    for (const name of this.brokers.keys()) if (!keep.has(name)) this.brokers.delete(name);
  }

  private trackOf(broker: string): BrokerTrack {
    let track = this.brokers.get(broker);
    if (!track) {
      track = {
        slotMinute: new Float64Array(this.capacityMinutes).fill(-1),
        slotRead: new Uint8Array(this.capacityMinutes),
        queues: new Map(),
        last: null,
      };
      this.brokers.set(broker, track);
    }
    return track;
  }

  private slotOf(minute: number): number {
    return ((minute % this.capacityMinutes) + this.capacityMinutes) % this.capacityMinutes;
  }
}

/**
 * What counters rose by between two reads, series by series: the difference, or the whole value for
 * a series new since the previous read or one that went down (restarted).
 */
export function increase(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const [series, value] of Object.entries(after)) {
    const previous = Object.hasOwn(before, series) ? (before[series] as number) : null;
    total += previous === null || value < previous ? value : value - previous;
  }
  return total;
}

/** The consumer-lag rules' inputs for a queue read from its broker: the backlog, consumers, and real per-minute dequeues and enqueues. */
export function lagSeriesOfScraped(queue: QueueMetrics): LagSeries {
  const s = queue.series;
  return {
    backlog: s[ScrapedMetric.ready] ?? [],
    consumers: s[ScrapedMetric.consumers],
    inFlight: s[ScrapedMetric.unacked],
    dequeues: s[ScrapedMetric.dequeues],
    enqueues: s[ScrapedMetric.enqueues],
  };
}

/**
 * The incident resource of a read queue: its name in the default virtual host `/` (as CloudWatch names
 * it), `<vhost>/<name>` in any other, so same-named queues of two virtual hosts stay apart.
 */
export function scrapedQueueResource(ref: QueueRef): string {
  return ref.vhost === undefined || ref.vhost === "/" ? ref.name : `${ref.vhost}/${ref.name}`;
}

function nanArray(length: number): Float64Array {
  return new Float64Array(length).fill(Number.NaN);
}
