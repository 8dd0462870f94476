import { MINUTE_MS } from "../../shared/core/types";
import { AMQ_QUEUE_METRICS } from "../../shared/sim/published-metrics";
import { at, mean, type PerMinute, type Rng, round } from "./kit";

export type AmqQueueMetric = (typeof AMQ_QUEUE_METRICS)[number];

/** One simulated ActiveMQ queue: its name, its series, and the backlog it starts with. */
export type AmqQueue = { name: string; initialSize: number } & Record<AmqQueueMetric, number[]>;

export interface AmqQueueSpec {
  name: string;
  enqueue: readonly number[];
  consumers: PerMinute<number>;
  producers?: PerMinute<number>;
  perConsumer?: PerMinute<number>;
  /** Total dequeue capacity a minute, instead of consumers x perConsumer. */
  capacity?: PerMinute<number> | null;
  prefetch?: number;
  stalled?: (i: number) => boolean;
  residual?: number;
  initialSize?: number;
  restingEnqueueTime?: number;
  deliveredBefore?: boolean;
  waitingSince?: number | null;
  expired?: readonly number[];
}

/**
 * Simulates one ActiveMQ queue minute by minute. Conservation holds exactly:
 * QueueSize[i] = QueueSize[i-1] + EnqueueCount[i] - DequeueCount[i], never negative.
 * - consumers dequeue up to `perConsumer` each a minute (or `capacity[i]` in total), leaving a small
 *   random remainder in flight, so a healthy queue hovers near 0 and touches it often;
 * - `stalled(i)`: consumers stay attached but acknowledge nothing; InFlightCount fills to the prefetch;
 * - EnqueueTime (ms): about 5-11 ms plus the wait behind the backlog; once deliveries stop with a
 *   backlog it is the age of the oldest waiting message; a queue never delivered from keeps its value.
 */
export function amqQueue(rng: Rng, n: number, spec: AmqQueueSpec): AmqQueue {
  const { name, enqueue, consumers, producers = 2, perConsumer = 100, capacity = null, prefetch = 100 } = spec;
  const stalled = spec.stalled ?? (() => false);
  const residual = spec.residual ?? Math.max(2, Math.round(mean(enqueue) * 0.03));
  const q = { name, initialSize: 0 } as AmqQueue;
  for (const m of AMQ_QUEUE_METRICS) q[m] = [];
  let size = spec.initialSize ?? 0;
  let inflight = 0;
  let enqTime = spec.restingEnqueueTime ?? rng.int(5, 11);
  let delivered = spec.deliveredBefore ?? size === 0;
  let waitingSince = spec.waitingSince ?? null;
  for (let i = 0; i < n; i++) {
    const c = at(consumers, i);
    const enq = enqueue[i] ?? 0;
    const avail = size + enq;
    const isStalled = c > 0 && stalled(i);
    let deq = 0;
    if (c > 0 && !isStalled) {
      const cap = capacity ? at(capacity, i) : c * at(perConsumer, i) * rng.uniform(0.9, 1.1);
      const leftover = rng.chance(0.45) ? 0 : rng.int(0, residual);
      deq = Math.max(0, Math.min(avail - Math.min(leftover, avail), Math.floor(cap)));
    }
    const newSize = avail - deq;
    const newInflight = c === 0 ? 0 : Math.min(newSize, c * prefetch);
    if (deq > 0) {
      const wait = size > 0 ? (size / deq) * MINUTE_MS * 0.5 : 0;
      enqTime = round(rng.uniform(5, 11) + wait);
      delivered = true;
      waitingSince = null;
    } else if (newSize > 0 && delivered) {
      if (waitingSince === null) waitingSince = i;
      enqTime = (i - waitingSince + 1) * MINUTE_MS;
    } else if (newSize === 0 && delivered) {
      enqTime = rng.int(5, 11);
    }
    q.QueueSize.push(newSize);
    q.ConsumerCount.push(c);
    q.ProducerCount.push(at(producers, i));
    q.EnqueueCount.push(enq);
    q.DequeueCount.push(deq);
    q.DispatchCount.push(Math.max(0, deq + newInflight - inflight));
    q.InFlightCount.push(newInflight);
    q.ExpiredCount.push(spec.expired ? (spec.expired[i] ?? 0) : 0);
    q.EnqueueTime.push(enqTime);
    size = newSize;
    inflight = newInflight;
  }
  q.initialSize = spec.initialSize ?? 0;
  return q;
}
