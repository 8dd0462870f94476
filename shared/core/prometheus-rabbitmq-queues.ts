import type { PrometheusExposition, PrometheusSample } from "./prometheus-text";

/**
 * What a RabbitMQ node's `/metrics/detailed` endpoint says about its queues, read into one snapshot:
 * per queue the ready and unacknowledged messages and the consumers (gauges), and the monotonic
 * counters of messages that left the queue and that were routed into it, kept per series so that
 * per-minute counts survive channels that close and counters that restart (see
 * prometheus-queue-history.ts).
 *
 * Families and metric names (rabbitmq_prometheus, `/metrics/detailed?family=...`):
 * - `queue_coarse_metrics`: `rabbitmq_detailed_queue_messages_ready`, `..._messages_unacked`,
 *   `..._messages` (labels `vhost`, `queue`); `queue_consumer_count`: `rabbitmq_detailed_queue_consumers`.
 * - RabbitMQ 3.13 and later (so 4.x, which Amazon MQ serves from 4.2): per-queue counters in
 *   `queue_delivery_metrics` (`rabbitmq_detailed_queue_messages_acked_total`,
 *   `..._messages_delivered_total` and `..._get_total` for automatic acknowledgement, ...) and
 *   `queue_exchange_metrics` (`rabbitmq_detailed_queue_exchange_messages_published_total`).
 * - Before 3.13 (Debian's 3.10) the same counters exist only per channel: `channel_queue_metrics`
 *   (`rabbitmq_detailed_channel_messages_acked_total`, `..._messages_delivered_total`,
 *   `..._get_total`, labels `channel`, `vhost`, `queue`) and `channel_queue_exchange_metrics`
 *   (`rabbitmq_detailed_queue_messages_published_total`, labels `channel`, `queue_vhost`, `queue`,
 *   `exchange_vhost`, `exchange`). A node ignores families it does not know.
 */

/** The families asked for first: the queue gauges and, where the broker has them, per-queue counters. */
export const QUEUE_FAMILIES = ["queue_coarse_metrics", "queue_consumer_count", "queue_delivery_metrics", "queue_exchange_metrics"] as const;
/** The per-channel counter families of brokers older than 3.13, asked for only when the per-queue ones are missing. */
export const CHANNEL_FAMILIES = ["channel_queue_metrics", "channel_queue_exchange_metrics"] as const;

/** One queue as one node reports it. */
export interface ScrapedQueue {
  vhost: string;
  name: string;
  /** Messages ready for delivery (the backlog). */
  ready: number | null;
  /** Messages delivered and not yet acknowledged. */
  unacked: number | null;
  consumers: number | null;
  /**
   * Messages that left the queue (acknowledged, or delivered or fetched without acknowledgement):
   * monotonic counters by series (node, and channel where the broker counts per channel).
   */
  dequeued: Record<string, number>;
  /** Messages routed into the queue: monotonic counters by series (node, channel, exchange). */
  published: Record<string, number>;
}

/** Where a snapshot's counters came from. */
export type CounterSource = "queue" | "channel" | "none";

/** One read of a broker's queues (JSON: it crosses from the scrape function to poll-metrics). */
export interface QueueSnapshot {
  /** The RabbitMQ version the node reports (`rabbitmq_build_info`), when it does. */
  version: string | null;
  /** The nodes read (`rabbitmq_identity_info`), in order. */
  nodes: string[];
  counters: CounterSource;
  queues: ScrapedQueue[];
}

const PREFIX = "rabbitmq_detailed_";
const GAUGES = {
  ready: `${PREFIX}queue_messages_ready`,
  unacked: `${PREFIX}queue_messages_unacked`,
  consumers: `${PREFIX}queue_consumers`,
} as const;
/** Counters of messages leaving a queue, per queue (3.13+) and per channel (older). */
const DEQUEUED = {
  queue: [`${PREFIX}queue_messages_acked_total`, `${PREFIX}queue_messages_delivered_total`, `${PREFIX}queue_get_total`],
  channel: [`${PREFIX}channel_messages_acked_total`, `${PREFIX}channel_messages_delivered_total`, `${PREFIX}channel_get_total`],
} as const;
const PUBLISHED = {
  queue: `${PREFIX}queue_exchange_messages_published_total`,
  channel: `${PREFIX}queue_messages_published_total`,
} as const;

/** True when the answer carries per-queue counters (RabbitMQ 3.13 and later): no per-channel families needed. */
export function hasQueueCounters(exposition: PrometheusExposition): boolean {
  return exposition.has(DEQUEUED.queue[0]);
}

/** The queue key of a vhost and name (a NUL cannot appear in either). */
export function queueKey(vhost: string, name: string): string {
  return `${vhost}\u0000${name}`;
}

/**
 * Reads one node's answer (or the answers of one node's two requests, merged) into a snapshot.
 * Queues are those the gauges list; counters of queues the node does not list are dropped.
 */
export function queueSnapshotOf(exposition: PrometheusExposition): QueueSnapshot {
  const identity = exposition.get("rabbitmq_identity_info")?.samples[0]?.labels;
  const build = exposition.get("rabbitmq_build_info")?.samples[0]?.labels;
  const node = identity?.rabbitmq_node ?? "";
  const queues = new Map<string, ScrapedQueue>();
  const queueOf = (s: PrometheusSample, create: boolean): ScrapedQueue | null => {
    const vhost = s.labels.vhost ?? s.labels.queue_vhost;
    const name = s.labels.queue ?? s.labels.queue_name;
    if (vhost === undefined || name === undefined) return null;
    const key = queueKey(vhost, name);
    let q = queues.get(key);
    if (!q && create) {
      q = { vhost, name, ready: null, unacked: null, consumers: null, dequeued: {}, published: {} };
      queues.set(key, q);
    }
    return q ?? null;
  };
  for (const [field, metric] of Object.entries(GAUGES) as [keyof typeof GAUGES, string][]) {
    for (const s of exposition.get(metric)?.samples ?? []) {
      const q = queueOf(s, true);
      if (q) q[field] = Number.isFinite(s.value) && s.value >= 0 ? s.value : null;
    }
  }
  const counters: CounterSource = hasQueueCounters(exposition) ? "queue" : exposition.has(DEQUEUED.channel[0]) ? "channel" : "none";
  if (counters !== "none") {
    const add = (into: Record<string, number>, series: string, value: number) => {
      if (!Number.isFinite(value) || value < 0) return;
      into[series] = (into[series] ?? 0) + value;
    };
    for (const metric of DEQUEUED[counters]) {
      for (const s of exposition.get(metric)?.samples ?? []) {
        const q = queueOf(s, false);
        if (q) add(q.dequeued, seriesOf(node, s.labels.channel), s.value);
      }
    }
    for (const s of exposition.get(PUBLISHED[counters])?.samples ?? []) {
      const q = queueOf(s, false);
      const exchange = `${s.labels.exchange_vhost ?? s.labels.vhost ?? ""}|${s.labels.exchange ?? ""}`;
      if (q) add(q.published, `${seriesOf(node, s.labels.channel)}|${exchange}`, s.value);
    }
  }
  return { version: build?.rabbitmq_version ?? null, nodes: node ? [node] : [], counters, queues: [...queues.values()] };
}

function seriesOf(node: string, channel: string | undefined): string {
  return channel === undefined ? node : `${node}|${channel}`;
}

/**
 * The snapshots of a cluster's nodes as one: each node reports the queues it hosts, and counts the
 * deliveries of its own channels, so a queue's gauges come from the first node that lists it and
 * its counters from every node (their series are told apart by node).
 */
export function mergeSnapshots(snapshots: readonly QueueSnapshot[]): QueueSnapshot {
  const queues = new Map<string, ScrapedQueue>();
  for (const snapshot of snapshots) {
    for (const q of snapshot.queues) {
      const key = queueKey(q.vhost, q.name);
      const seen = queues.get(key);
      if (!seen) {
        queues.set(key, { ...q, dequeued: { ...q.dequeued }, published: { ...q.published } });
        continue;
      }
      seen.ready ??= q.ready;
      seen.unacked ??= q.unacked;
      seen.consumers ??= q.consumers;
      Object.assign(seen.dequeued, q.dequeued);
      Object.assign(seen.published, q.published);
    }
  }
  const sources = new Set(snapshots.map((s) => s.counters));
  return {
    version: snapshots.find((s) => s.version !== null)?.version ?? null,
    nodes: snapshots.flatMap((s) => s.nodes),
    // Counters from some nodes only would undercount: counted only when every node had them the same way.
    counters: sources.size === 1 ? (snapshots[0]?.counters ?? "none") : "none",
    queues: [...queues.values()],
  };
}
