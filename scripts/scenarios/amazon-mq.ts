/**
 * The simulated Amazon MQ account the scenarios are drawn from: ActiveMQ and RabbitMQ brokers as
 * DescribeBroker returns them, their queues minute by minute, and the CloudWatch series they publish.
 * Metric names and documented limits come from shared/core (the same tables the detectors use), so a
 * scenario cannot drift from what the monitor reads.
 */
import { activeMqConnectionLimit, rabbitMqLimits } from "../../shared/core/instance-limits";
import { ACTIVEMQ_CONNECTION_LIMIT_METRICS } from "../../shared/core/metric-catalog";
import { DeploymentMode } from "../../shared/core/types";
import {
  AMQ_BROKER_METRICS,
  AMQ_QUEUE_METRICS,
  RMQ_BROKER_METRICS,
  RMQ_NODE_METRICS,
  RMQ_QUEUE_METRICS,
} from "../../shared/sim/published-metrics";
import {
  at,
  drift,
  gcSawtooth,
  mean,
  nth,
  type PerMinute,
  pct,
  type Rng,
  round,
  seq,
  sum,
  type TrafficShape,
  traffic,
  uuid,
  type Values,
} from "./kit";
import { type AmqQueue, amqQueue } from "./queue-model";

export const ACCOUNT_ID = "123456789012";
export const REGION = "us-east-1";

/** One series of a scenario file. */
export interface MetricSeries {
  metric: string;
  dimensions: Record<string, string>;
  values: Values;
  afterReboot?: Values;
}

/** A broker entry of a scenario file: DescribeBroker's answer plus what the simulated account serves for it. */
export interface BrokerEntry {
  describe: Record<string, unknown> & { BrokerId: string; BrokerName: string; BrokerArn: string };
  configurationXml?: string;
  securityGroups?: unknown[];
  stateChanges?: { at: number; BrokerState: string }[];
  deletedAt?: number;
  [key: string]: unknown;
}

/**
 * An Amazon MQ call in CloudTrail as EventBridge delivers it ("AWS API Call via CloudTrail", source
 * aws.amazonmq): the envelope around a CloudTrail record `detail`.
 */
export function cloudTrailEnvelope<D>(id: string, time: string, detail: D) {
  return eventBridgeEnvelope("aws.amazonmq", "AWS API Call via CloudTrail", id, time, detail);
}

/** An EventBridge event of this account and region (`detail` absent when undefined: a malformed one). */
export function eventBridgeEnvelope<D>(source: string, detailType: string, id: string, time: string, detail: D) {
  return { version: "0", id, "detail-type": detailType, source, account: ACCOUNT_ID, time, region: REGION, resources: [], detail };
}

/** The first fields of DescribeBroker's answer for a RUNNING broker. */
export function describeHead(
  name: string,
  id: string,
  o: { deployment: string; engine: "ACTIVEMQ" | "RABBITMQ"; version: string; instance: string },
) {
  return {
    BrokerId: id,
    BrokerName: name,
    BrokerArn: `arn:aws:mq:${REGION}:${ACCOUNT_ID}:broker:${name}:${id}`,
    BrokerState: "RUNNING",
    DeploymentMode: o.deployment,
    EngineType: o.engine,
    EngineVersion: o.version,
    HostInstanceType: o.instance,
  };
}

// ---------------------------------------------------------------------------------------------------------
// ActiveMQ
// ---------------------------------------------------------------------------------------------------------

/** mq.m5.large's documented per-protocol limit (the fallback the detectors use). */
export const AMQ_LARGE_LIMIT = activeMqConnectionLimit("mq.m5.large");

type AmqBrokerMetric = (typeof AMQ_BROKER_METRICS)[number];

export interface AmqModel {
  queues: AmqQueue[];
  broker: Record<AmqBrokerMetric, number[]>;
}

export interface HealthyAmqOptions {
  rate: number;
  consumers?: number;
  producers?: number;
  headroom?: number;
  prefetch?: number;
  enqueue?: number[];
  base?: PerMinute<number>;
  amp?: number;
  period?: number;
  noise?: number;
  bursts?: number;
  burstPeak?: number;
  extraBursts?: { at: number; size: number; len: number }[];
  consumerSeries?: PerMinute<number>;
  producerSeries?: PerMinute<number>;
  perConsumer?: PerMinute<number>;
}

/** The traffic of a healthy queue: a gentle wave around `rate`, some noise, one burst unless told. */
function healthyTraffic(rng: Rng, n: number, rate: number, o: Omit<TrafficShape, "base"> & { base?: PerMinute<number> }): number[] {
  return traffic(rng, n, {
    base: o.base ?? rate,
    amp: o.amp ?? 0.28,
    period: o.period ?? 40,
    noise: o.noise ?? 0.1,
    bursts: o.bursts ?? 1,
    burstPeak: o.burstPeak ?? 1.5,
    extraBursts: o.extraBursts ?? [],
  });
}

/** The ranges the options of a busy queue are drawn from (`[lo, hi]`, whole numbers where they count things). */
interface BusyRanges {
  rate: [number, number];
  consumers: [number, number];
  bursts: [number, number];
  burstPeak: [number, number];
  headroom: [number, number];
}

/** `count` busy, bursty, healthy queues named `stream.00`, ...: the noise a hidden problem sits in. */
function busyQueues<Q>(rng: Rng, count: number, r: BusyRanges, draw: (name: string, opts: BusyOptions) => Q): Q[] {
  const pick = rng.fork("busy");
  return seq(count, (k) =>
    draw(`stream.${String(k).padStart(2, "0")}`, {
      rate: pick.int(...r.rate),
      consumers: pick.int(...r.consumers),
      bursts: pick.int(...r.bursts),
      burstPeak: pick.uniform(...r.burstPeak),
      headroom: pick.uniform(...r.headroom),
      noise: 0.15,
    }),
  );
}
type BusyOptions = { [K in keyof BusyRanges]: number } & { noise: number };

/** The consumer side of a healthy queue: its consumers, their capacity with headroom over the rate, the prefetch. */
function healthyConsumers(o: HealthyAmqOptions | HealthyRmqOptions) {
  const { rate, consumers = 3, headroom = 2.3, prefetch = 100 } = o;
  return { consumers: o.consumerSeries ?? consumers, perConsumer: o.perConsumer ?? (rate * headroom) / consumers, prefetch };
}

/** A healthy queue: wavy, noisy traffic and enough consumer headroom that every burst drains. */
export function healthyAmqQueue(rng: Rng, n: number, name: string, opts: HealthyAmqOptions): AmqQueue {
  const enqueue = opts.enqueue ?? healthyTraffic(rng.fork(`${name}/enqueue`), n, opts.rate, opts);
  return amqQueue(rng.fork(`${name}/queue`), n, {
    name,
    enqueue,
    producers: opts.producerSeries ?? opts.producers ?? 2,
    ...healthyConsumers(opts),
  });
}

/** `count` busy, bursty, healthy ActiveMQ queues (50-400 a minute): the noise a hidden problem sits in. */
export function busyAmqQueues(rng: Rng, n: number, count: number): AmqQueue[] {
  const ranges: BusyRanges = { rate: [50, 400], consumers: [2, 6], bursts: [2, 4], burstPeak: [1.8, 2.6], headroom: [2.5, 3] };
  return busyQueues(rng, count, ranges, (name, o) => healthyAmqQueue(rng, n, name, o));
}

/** A queue with no traffic at all (reply queues, nightly job queues outside their hour). */
export function idleAmqQueue(n: number, name: string, { consumers = 0, producers = 0, enqueueTime = 5 } = {}): AmqQueue {
  const zeros = seq(n, () => 0);
  return {
    name,
    initialSize: 0,
    QueueSize: [...zeros],
    ConsumerCount: seq(n, () => consumers),
    ProducerCount: seq(n, () => producers),
    EnqueueCount: [...zeros],
    DequeueCount: [...zeros],
    DispatchCount: [...zeros],
    InFlightCount: [...zeros],
    ExpiredCount: [...zeros],
    EnqueueTime: seq(n, () => enqueueTime),
  };
}

export interface AmqBrokerOptions {
  cpu?: number[];
  heap?: number[];
  store?: number[];
  temp?: number[];
  connections?: number[];
  cpuBase?: number;
  /** Extra CPU points at minute i (reconnecting clients after a failover). */
  cpuExtra?: (i: number) => number;
  connBase?: number;
  connSigma?: number;
  /** Fraction of the clients connected at minute i (after a failover). */
  reconnect?: (i: number) => number;
  storeBase?: number;
  /** Persistent messages waiting in the store take room (about 1% per 20,000 messages). */
  storeHoldsBacklog?: boolean;
  /** A JVM that has just started: the heap begins at its floor. */
  freshJvm?: boolean;
  limit?: number;
}

/**
 * Broker-level ActiveMQ series for a set of queues. Totals are exact sums of the queue series; resource
 * series get realistic defaults that any option overrides.
 */
export function amqBrokerModel(rng: Rng, n: number, queues: AmqQueue[], o: AmqBrokerOptions = {}): AmqModel {
  const col = (m: "EnqueueCount" | "QueueSize" | "ConsumerCount" | "ProducerCount" | "DequeueCount") =>
    seq(n, (i) => sum(queues.map((q) => nth(q[m], i))));
  const totalEnq = col("EnqueueCount");
  const cpuNoise = drift(rng.fork("cpu"), n, 1.1, 0.7);
  const cpuBase = o.cpuBase ?? rng.uniform(9, 15);
  const cpuExtra = o.cpuExtra ?? (() => 0);
  const connNoise = drift(rng.fork("connections"), n, o.connSigma ?? 5, 0.6);
  const connBase = o.connBase ?? rng.int(180, 520);
  const reconnect = o.reconnect ?? (() => 1);
  const current = o.connections ?? seq(n, (i) => Math.max(0, Math.round((connBase + nth(connNoise, i)) * reconnect(i))));
  const estRng = rng.fork("established");
  const storeBase = o.storeBase ?? rng.uniform(3, 6);
  const storeNoise = drift(rng.fork("store"), n, 0.15, 0.5);
  const tempBase = rng.uniform(0.3, 0.7);
  const tempNoise = drift(rng.fork("temp"), n, 0.08, 0.3);
  const totalMessages = col("QueueSize");
  const stored = (i: number) => (o.storeHoldsBacklog ? nth(totalMessages, i) / 20000 : 0);
  const limit = o.limit ?? AMQ_LARGE_LIMIT;
  const broker = {
    CpuUtilization: o.cpu ?? seq(n, (i) => pct(cpuBase + (nth(totalEnq, i) / 1000) * 7 + nth(cpuNoise, i) + cpuExtra(i))),
    HeapUsage:
      o.heap ??
      gcSawtooth(rng.fork("heap"), n, {
        floor: rng.uniform(31, 37),
        peak: rng.uniform(56, 64),
        rise: rng.uniform(2.2, 3.4),
        startFraction: o.freshJvm ? 0 : null,
      }),
    StorePercentUsage: o.store ?? seq(n, (i) => pct(Math.max(0.5, storeBase + nth(storeNoise, i) + stored(i)))),
    TempPercentUsage: o.temp ?? seq(n, (i) => pct(Math.max(0.05, tempBase + nth(tempNoise, i)))),
    CurrentConnectionsCount: current,
    EstablishedConnectionsCount: current.map((c) => c + Math.round(c * 0.015 + Math.abs(estRng.normal()) * 2)),
    TotalMessageCount: totalMessages,
    TotalConsumerCount: col("ConsumerCount"),
    TotalProducerCount: col("ProducerCount"),
    TotalEnqueueCount: totalEnq,
    TotalDequeueCount: col("DequeueCount"),
  } as Record<AmqBrokerMetric, number[]>;
  for (const m of ACTIVEMQ_CONNECTION_LIMIT_METRICS) broker[m] = seq(n, () => limit);
  return { queues, broker };
}

/**
 * A broker heap that leaks from `onset`: the post-GC floor climbs `slope` points a minute from 34% to 93.5%,
 * the collector runs every minute or two and the peaks reach 99% (producer flow control imminent).
 */
export function leakingHeap(rng: Rng, n: number, onset: number, slope: number): { floor: (i: number) => number; heap: number[] } {
  const floor = (i: number) => (i < onset ? 34 : Math.min(93.5, 34 + (i - onset) * slope));
  return { floor, heap: gcSawtooth(rng, n, { floor, peak: (i) => Math.min(99.3, floor(i) + 24), rise: 3.5, jitter: 0.4 }) };
}

/**
 * CloudWatch series of an ActiveMQ broker. `nodeOf[i]` says which node (1 or 2) is active and publishing
 * at minute i (null: neither). The `-1` series are always written; the `-2` series only when that node
 * is active at some minute (an all-null series answers GetMetricData exactly as an absent one does).
 */
export function emitAmq(brokerName: string, model: AmqModel, nodeOf: readonly (number | null)[] | null = null): MetricSeries[] {
  const n = model.broker.CpuUtilization.length;
  const active = nodeOf ?? seq<number | null>(n, () => 1);
  const nodes = ([1, 2] as const).filter((k) => k === 1 || active.includes(k));
  const metrics: MetricSeries[] = [];
  for (const node of nodes) {
    const dim = `${brokerName}-${node}`;
    const mask = (values: number[]): Values => values.map((v, i) => (active[i] === node ? v : null));
    for (const q of model.queues) {
      for (const m of AMQ_QUEUE_METRICS) metrics.push({ metric: m, dimensions: { Broker: dim, Queue: q.name }, values: mask(q[m]) });
    }
    for (const m of AMQ_BROKER_METRICS) metrics.push({ metric: m, dimensions: { Broker: dim }, values: mask(model.broker[m]) });
  }
  return metrics;
}

/**
 * CloudWatch series of an active/standby ActiveMQ broker a correct monitor reboots: node `-1` publishes
 * `before` (the world without a reboot) and nothing after a reboot; node `-2` publishes nothing unless the
 * broker is rebooted, then `after` from index 1 (index 0, the failover minute, has data from neither node).
 */
export function emitAmqWithReboot(brokerName: string, before: AmqModel, after: AmqModel): MetricSeries[] {
  const n = before.broker.CpuUtilization.length;
  const length = after.broker.CpuUtilization.length;
  const nulls = (k: number): Values => seq(k, () => null);
  const failover = (values: number[]): Values => values.map((v, k) => (k === 0 ? null : v));
  const one = `${brokerName}-1`;
  const two = `${brokerName}-2`;
  const metrics: MetricSeries[] = [];
  for (const q of before.queues) {
    for (const m of AMQ_QUEUE_METRICS) {
      metrics.push({ metric: m, dimensions: { Broker: one, Queue: q.name }, values: [...q[m]], afterReboot: nulls(length) });
    }
  }
  for (const m of AMQ_BROKER_METRICS)
    metrics.push({ metric: m, dimensions: { Broker: one }, values: [...before.broker[m]], afterReboot: nulls(length) });
  for (const q of after.queues) {
    for (const m of AMQ_QUEUE_METRICS) {
      metrics.push({ metric: m, dimensions: { Broker: two, Queue: q.name }, values: nulls(n), afterReboot: failover(q[m]) });
    }
  }
  for (const m of AMQ_BROKER_METRICS)
    metrics.push({ metric: m, dimensions: { Broker: two }, values: nulls(n), afterReboot: failover(after.broker[m]) });
  return metrics;
}

// ---------------------------------------------------------------------------------------------------------
// RabbitMQ
// ---------------------------------------------------------------------------------------------------------

const RMQ3_LARGE = rabbitMqLimits({ engineVersion: "3.13", instanceType: "mq.m5.large", deploymentMode: DeploymentMode.cluster });

/** RabbitMQ 3.13 mq.m5.large per-node limits and sizes. */
export const RMQ_NODE = {
  connections: RMQ3_LARGE.connections.perNode,
  channels: RMQ3_LARGE.channels.perNode,
  memLimitBytes: 3.2e9,
  // disk_free_limit.relative = 1.0 of the node's 8 GiB of RAM
  diskFreeLimitBytes: 8589934592,
  diskFreeBytes: 1.8e11,
};

type RmqNodeMetric = (typeof RMQ_NODE_METRICS)[number];
type RmqBrokerMetric = (typeof RMQ_BROKER_METRICS)[number];

export type RmqQueue = { name: string; autoAck: boolean; published: number[]; acked: number[] } & Record<
  (typeof RMQ_QUEUE_METRICS)[number],
  number[]
>;

export interface RmqQueueSpec {
  name: string;
  publish: readonly number[];
  consumers: PerMinute<number>;
  perConsumer: PerMinute<number>;
  prefetch?: number;
  autoAck?: boolean;
  procSeconds?: number;
  stalled?: (i: number) => boolean;
  residual?: number;
  initialReady?: number;
}

/**
 * Simulates one RabbitMQ queue minute by minute on its content (ready + unacked):
 * content[i] = content[i-1] + published[i] - acked[i]. Unacked is a snapshot of deliveries in progress
 * (rate x processing time, at most the prefetch); when consumers stall it sits at the prefetch total;
 * with no consumers it is 0 (everything is ready). `autoAck` queues never hold unacked messages and
 * do not count towards the broker's AckRate.
 */
export function rmqQueue(rng: Rng, n: number, spec: RmqQueueSpec): RmqQueue {
  const { name, publish, consumers, perConsumer, prefetch = 100, autoAck = false, procSeconds = 1.2 } = spec;
  const stalled = spec.stalled ?? (() => false);
  const residual = spec.residual ?? Math.max(2, Math.round(mean(publish) * 0.02));
  const q: RmqQueue = {
    name,
    autoAck,
    published: [],
    acked: [],
    MessageReadyCount: [],
    MessageUnacknowledgedCount: [],
    MessageCount: [],
    ConsumerCount: [],
  };
  let content = spec.initialReady ?? 0;
  for (let i = 0; i < n; i++) {
    const c = at(consumers, i);
    const published = nth(publish, i);
    const avail = content + published;
    let acked = 0;
    let unacked = 0;
    if (c > 0 && stalled(i)) {
      unacked = Math.min(avail, c * prefetch);
    } else if (c > 0) {
      const cap = Math.floor(c * at(perConsumer, i) * rng.uniform(0.9, 1.1));
      const inProgress = autoAck
        ? 0
        : Math.min(c * prefetch, Math.round((Math.min(avail, cap) / 60) * procSeconds * rng.uniform(0.7, 1.3)));
      const ready = rng.chance(0.5) ? 0 : rng.int(0, residual);
      const keep = Math.min(avail, Math.max(inProgress + ready, avail - cap));
      acked = avail - keep;
      unacked = Math.min(keep, inProgress);
    }
    content = avail - acked;
    q.published.push(published);
    q.acked.push(acked);
    q.MessageReadyCount.push(content - unacked);
    q.MessageUnacknowledgedCount.push(unacked);
    q.MessageCount.push(content);
    q.ConsumerCount.push(c);
  }
  return q;
}

export interface HealthyRmqOptions {
  rate: number;
  consumers?: number;
  headroom?: number;
  prefetch?: number;
  publish?: number[];
  amp?: number;
  period?: number;
  noise?: number;
  bursts?: number;
  burstPeak?: number;
  consumerSeries?: PerMinute<number>;
  perConsumer?: PerMinute<number>;
  autoAck?: boolean;
  procSeconds?: number;
}

/** A healthy RabbitMQ queue with consumer headroom. */
export function healthyRmqQueue(rng: Rng, n: number, name: string, opts: HealthyRmqOptions): RmqQueue {
  const publish = opts.publish ?? healthyTraffic(rng.fork(`${name}/publish`), n, opts.rate, opts);
  return rmqQueue(rng.fork(`${name}/queue`), n, {
    name,
    publish,
    ...healthyConsumers(opts),
    autoAck: opts.autoAck ?? false,
    procSeconds: opts.procSeconds ?? 1.2,
  });
}

/** `count` busy, bursty, healthy RabbitMQ queues (100-900 a minute). */
export function busyRmqQueues(rng: Rng, n: number, count: number): RmqQueue[] {
  const ranges: BusyRanges = { rate: [100, 900], consumers: [2, 8], bursts: [2, 3], burstPeak: [1.8, 2.5], headroom: [2.4, 2.9] };
  return busyQueues(rng, count, ranges, (name, o) => healthyRmqQueue(rng, n, name, o));
}

export interface RmqNode {
  name: string;
  series: Partial<Record<RmqNodeMetric, number[]>>;
}

export interface RmqModel {
  queues: RmqQueue[];
  broker: Record<RmqBrokerMetric, number[]>;
  nodes: number;
  nodeSeries?: RmqNode[];
}

export interface RmqBrokerOptions {
  nodes?: number;
  connections?: number[];
  connBase?: number;
  connSigma?: number;
  channelsPerConnection?: number;
  /** Memory used as a fraction of the limit, per minute. */
  memFraction?: number[];
  memBase?: number;
  /** Free disk as a ratio of the free-disk limit, per minute. */
  diskFreeRatio?: number[];
  cpu?: number[];
  cpuBase?: number;
}

/**
 * Broker-level RabbitMQ series. In a cluster the broker-level values are the sum over the nodes (so are
 * the limits: RabbitMQMemLimit and RabbitMQDiskFreeLimit are node limit x nodes). Rates are messages per
 * second sampled once a minute.
 */
export function rmqBrokerModel(rng: Rng, n: number, queues: RmqQueue[], o: RmqBrokerOptions = {}): RmqModel {
  const nodes = o.nodes ?? 3;
  const memLimit = RMQ_NODE.memLimitBytes * nodes;
  const diskLimit = RMQ_NODE.diskFreeLimitBytes * nodes;
  const total = (pick: (q: RmqQueue) => number[], of = queues) => seq(n, (i) => sum(of.map((q) => nth(pick(q), i))));
  const connNoise = drift(rng.fork("connections"), n, o.connSigma ?? 12, 0.6);
  const connBase = o.connBase ?? rng.int(600, 1400);
  const connections = o.connections ?? seq(n, (i) => Math.max(0, Math.round(connBase + nth(connNoise, i))));
  const chanRatio = o.channelsPerConnection ?? rng.uniform(1.2, 1.6);
  const chanRng = rng.fork("channels");
  const channels = connections.map((c) => Math.round(c * chanRatio + chanRng.normal() * 4));
  const published = total((q) => q.published);
  const acked = total(
    (q) => q.acked,
    queues.filter((q) => !q.autoAck),
  );
  const messages = total((q) => q.MessageCount);
  const memNoise = drift(rng.fork("memory"), n, 0.008, 0.9);
  const memBase = o.memBase ?? rng.uniform(0.24, 0.32);
  const memFraction =
    o.memFraction ?? seq(n, (i) => memBase + nth(memNoise, i) + (nth(connections, i) * 120e3 + nth(messages, i) * 2.5e3) / memLimit);
  const diskNoise = drift(rng.fork("disk"), n, 2e8, 0.9);
  const diskFree = o.diskFreeRatio
    ? o.diskFreeRatio.map((r) => Math.round(r * diskLimit))
    : seq(n, (i) => Math.round(RMQ_NODE.diskFreeBytes * nodes - i * 3e6 - nth(messages, i) * 4e3 + nth(diskNoise, i)));
  const cpuNoise = drift(rng.fork("cpu"), n, 1.0, 0.7);
  const cpuBase = o.cpuBase ?? rng.uniform(7, 13);
  const rateRng = rng.fork("rates");
  const fdRng = rng.fork("fd");
  const broker: Record<RmqBrokerMetric, number[]> = {
    SystemCpuUtilization:
      o.cpu ?? seq(n, (i) => pct(cpuBase + (nth(published, i) / 60) * 0.03 + nth(connections, i) * 0.0006 + nth(cpuNoise, i))),
    RabbitMQMemUsed: memFraction.map((f) => Math.round(f * memLimit)),
    RabbitMQMemLimit: seq(n, () => memLimit),
    RabbitMQDiskFree: diskFree,
    RabbitMQDiskFreeLimit: seq(n, () => diskLimit),
    RabbitMQFdUsed: connections.map((c) => c + nodes * 64 + queues.length * nodes * 2 + fdRng.int(0, 6)),
    ConnectionCount: connections,
    ChannelCount: channels,
    QueueCount: seq(n, () => queues.length),
    ConsumerCount: total((q) => q.ConsumerCount),
    MessageCount: messages,
    MessageReadyCount: total((q) => q.MessageReadyCount),
    MessageUnacknowledgedCount: total((q) => q.MessageUnacknowledgedCount),
    PublishRate: published.map((p) => round((p / 60) * rateRng.uniform(0.93, 1.07), 2)),
    AckRate: acked.map((a) => round((a / 60) * rateRng.uniform(0.93, 1.07), 2)),
  };
  return { queues, broker, nodes };
}

/**
 * CloudWatch series of a RabbitMQ broker (dimension `Broker` = the broker name, no node suffix). RabbitMQ
 * 4.x publishes no queue series (`queueMetrics: false`); a cluster modelled with `withNodes` adds its
 * per-node series (dimensions `Broker` + `Node`).
 */
export function emitRmq(brokerName: string, model: RmqModel, { queueMetrics = true } = {}): MetricSeries[] {
  const metrics: MetricSeries[] = [];
  if (queueMetrics) {
    for (const q of model.queues) {
      for (const m of RMQ_QUEUE_METRICS) {
        metrics.push({ metric: m, dimensions: { Broker: brokerName, VirtualHost: "/", Queue: q.name }, values: [...q[m]] });
      }
    }
  }
  for (const m of RMQ_BROKER_METRICS) metrics.push({ metric: m, dimensions: { Broker: brokerName }, values: [...model.broker[m]] });
  for (const node of model.nodeSeries ?? []) {
    for (const m of RMQ_NODE_METRICS) {
      const values = node.series[m];
      if (values) metrics.push({ metric: m, dimensions: { Broker: brokerName, Node: node.name }, values: [...values] });
    }
  }
  return metrics;
}

/** A RabbitMQ node name as CloudWatch's `Node` dimension spells it (us-east-1 private DNS: `ec2.internal`). */
function rmqNodeName(rng: Rng): string {
  return `rabbit@ip-10-30-${rng.int(1, 250)}-${rng.int(4, 250)}.ec2.internal`;
}

export interface NodeOptions {
  connShare?: number[];
  memFraction?: (number[] | undefined)[];
  diskFreeRatio?: (number[] | undefined)[];
  cpu?: (number[] | undefined)[];
  /** Per-node connection and channel counts (RabbitMQ 4.2+). */
  counts?: boolean;
}

/**
 * Splits a 3-node cluster model into its nodes and makes the broker-level values their sums (CPU: their
 * average; AWS calls it "the aggregate" without saying which). Each node has the per-node limits
 * (RMQ_NODE). `o.memFraction[k]`, `o.diskFreeRatio[k]`, `o.cpu[k]` (series) override node k; connections,
 * channels and file descriptors are split by `o.connShare` (default roughly even).
 */
export function withNodes(rng: Rng, model: RmqModel, n: number, o: NodeOptions = {}): RmqModel {
  const names = [0, 1, 2].map(() => rmqNodeName(rng));
  const share = o.connShare ?? [0.34, 0.33, 0.33];
  const b = model.broker;
  const nodes = names.map((name, k) => {
    const nrng = rng.fork(`node-${k}`);
    const memNoise = drift(nrng.fork("memory"), n, 0.006, 0.9);
    const memBase = nrng.uniform(0.27, 0.33);
    const memFraction = o.memFraction?.[k] ?? seq(n, (i) => memBase + nth(memNoise, i));
    const diskNoise = drift(nrng.fork("disk"), n, 1e8, 0.9);
    const ratio = o.diskFreeRatio?.[k];
    const diskFree = ratio
      ? ratio.map((r) => Math.round(r * RMQ_NODE.diskFreeLimitBytes))
      : seq(n, (i) => Math.round(RMQ_NODE.diskFreeBytes - i * 1e6 + nth(diskNoise, i)));
    const cpuNoise = drift(nrng.fork("cpu"), n, 1.0, 0.7);
    const cpuBase = nrng.uniform(7, 13);
    const part = nth(share, k);
    const connections = b.ConnectionCount.map((c) => Math.round(c * part));
    const channels = b.ChannelCount.map((c) => Math.round(c * part));
    const series: RmqNode["series"] = {
      SystemCpuUtilization: o.cpu?.[k] ?? seq(n, (i) => pct(cpuBase + nth(cpuNoise, i))),
      RabbitMQMemUsed: memFraction.map((f) => Math.round(f * RMQ_NODE.memLimitBytes)),
      RabbitMQMemLimit: seq(n, () => RMQ_NODE.memLimitBytes),
      RabbitMQDiskFree: diskFree,
      RabbitMQDiskFreeLimit: seq(n, () => RMQ_NODE.diskFreeLimitBytes),
      RabbitMQFdUsed: connections.map((c) => c + 64 + model.queues.length * 2 + nrng.int(0, 3)),
      ...(o.counts ? { ConnectionCount: connections, ChannelCount: channels } : {}),
    };
    return { name, series };
  });
  const total = (m: RmqNodeMetric) => seq(n, (i) => sum(nodes.map((x) => nth(x.series[m] ?? [], i))));
  const broker = {
    ...b,
    SystemCpuUtilization: seq(n, (i) => round(mean(nodes.map((x) => nth(x.series.SystemCpuUtilization ?? [], i))), 2)),
    RabbitMQMemUsed: total("RabbitMQMemUsed"),
    RabbitMQMemLimit: total("RabbitMQMemLimit"),
    RabbitMQDiskFree: total("RabbitMQDiskFree"),
    RabbitMQDiskFreeLimit: total("RabbitMQDiskFreeLimit"),
    RabbitMQFdUsed: total("RabbitMQFdUsed"),
    ...(o.counts ? { ConnectionCount: total("ConnectionCount"), ChannelCount: total("ChannelCount") } : {}),
  };
  return { ...model, broker, nodeSeries: nodes };
}

// ---------------------------------------------------------------------------------------------------------
// DescribeBroker, configuration and security groups
// ---------------------------------------------------------------------------------------------------------

export const xmlAttr = (s: string): string => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The end of an authorization map: temp destinations for their own admins, then the plugin closes. */
export const AMQ_AUTHORIZATION_MAP_END = [
  "          </authorizationEntries>",
  "          <tempDestinationAuthorizationEntry>",
  '            <tempDestinationAuthorizationEntry admin="tempDestinationAdmins" read="tempDestinationAdmins" write="tempDestinationAdmins"/>',
  "          </tempDestinationAuthorizationEntry>",
  "        </authorizationMap>",
  "      </map>",
  "    </authorizationPlugin>",
];

/** The closing lines of every compliant ActiveMQ configuration: advisory topics, temp destinations, plugins. */
const AMQ_XML_TAIL = [
  '            <authorizationEntry admin="admins" read="admins,consumers,producers" topic="ActiveMQ.Advisory.&gt;" write="admins,consumers,producers"/>',
  ...AMQ_AUTHORIZATION_MAP_END,
  "    <statisticsBrokerPlugin/>",
  "  </plugins>",
  "</broker>",
  "",
];

/**
 * An ActiveMQ configuration that passes the posture audit: an authorization map scoped to groups
 * (nothing granted to everyone; dead-letter queues read by operators), optionally an individual
 * dead-letter strategy (`DLQ.<queue>`) and `concurrentStoreAndDispatchQueues="false"` for brokers whose
 * consumers are slow.
 */
export function activeMqXml(queueNames: readonly string[], { dlqPrefix = null, slowConsumers = false }: AmqXmlOptions = {}): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', '<broker xmlns="http://activemq.apache.org/schema/core">'];
  if (dlqPrefix) {
    lines.push(
      "  <destinationPolicy>",
      "    <policyMap>",
      "      <policyEntries>",
      '        <policyEntry queue="&gt;">',
      "          <deadLetterStrategy>",
      `            <individualDeadLetterStrategy queuePrefix="${xmlAttr(dlqPrefix)}" useQueueForQueueMessages="true"/>`,
      "          </deadLetterStrategy>",
      "        </policyEntry>",
      "      </policyEntries>",
      "    </policyMap>",
      "  </destinationPolicy>",
    );
  }
  if (slowConsumers) {
    lines.push("  <persistenceAdapter>", '    <kahaDB concurrentStoreAndDispatchQueues="false"/>', "  </persistenceAdapter>");
  }
  lines.push("  <plugins>", "    <authorizationPlugin>", "      <map>", "        <authorizationMap>", "          <authorizationEntries>");
  lines.push('            <authorizationEntry admin="admins" queue="&gt;" read="admins" write="admins"/>');
  for (const q of queueNames) {
    const dead = q === "ActiveMQ.DLQ" || q.startsWith("DLQ.");
    const read = dead ? "admins,operators" : "admins,consumers";
    const write = dead ? "admins" : "admins,producers";
    lines.push(`            <authorizationEntry admin="admins" queue="${xmlAttr(q)}" read="${read}" write="${write}"/>`);
  }
  lines.push(...AMQ_XML_TAIL);
  return lines.join("\n");
}

export interface AmqXmlOptions {
  dlqPrefix?: string | null;
  slowConsumers?: boolean;
}

/** A security group that admits `ports` from `cidr` only, as EC2 DescribeSecurityGroups returns it. */
export function securityGroup(rng: Rng, brokerName: string, cidr: string, ports: readonly number[]) {
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

/**
 * What every compliant broker says about access: private, automatic minor upgrades, its own users, and
 * encryption with a customer managed KMS key (`keyId`).
 */
export function compliantAccess(keyId: string) {
  return {
    PubliclyAccessible: false,
    AutoMinorVersionUpgrade: true,
    AuthenticationStrategy: "SIMPLE",
    EncryptionOptions: { UseAwsOwnedKey: false, KmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${keyId}` },
  };
}

/** The instance of an ActiveMQ broker node `k`, with its endpoints. */
export function amqInstance(rng: Rng, id: string, k: number, { publiclyAccessible = false } = {}) {
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
    IpAddress: publiclyAccessible
      ? `54.${rng.int(144, 221)}.${rng.int(1, 254)}.${rng.int(1, 254)}`
      : `10.20.${rng.int(1, 250)}.${rng.int(4, 250)}`,
  };
}

export interface AmqBrokerSpec extends AmqXmlOptions {
  queues: readonly string[];
  instance?: string;
  deployment?: string;
  environment?: string;
  tags?: Record<string, string>;
  revision?: number;
}

/** A posture-compliant ActiveMQ 5.18 broker as DescribeBroker returns it, with its configuration and SG. */
export function activeMqBroker(rng: Rng, name: string, opts: AmqBrokerSpec): BrokerEntry {
  const { queues, instance = "mq.m5.large", environment = "production", tags = {}, revision = 4 } = opts;
  const deployment = opts.deployment ?? (instance.endsWith(".micro") ? "SINGLE_INSTANCE" : "ACTIVE_STANDBY_MULTI_AZ");
  const id = `b-${uuid(rng)}`;
  const sg = securityGroup(rng, name, "10.20.0.0/16", [61617, 8162]);
  const instances = (deployment === "SINGLE_INSTANCE" ? [1] : [1, 2]).map((k) => amqInstance(rng, id, k));
  const subnets = instances.map(() => `subnet-0${rng.hex(16)}`);
  return {
    describe: {
      ...describeHead(name, id, { deployment, engine: "ACTIVEMQ", version: "5.18", instance }),
      ...compliantAccess(uuid(rng)),
      Logs: { Audit: true, General: true },
      SecurityGroups: [sg.id],
      SubnetIds: subnets,
      StorageType: "EFS",
      MaintenanceWindowStartTime: { DayOfWeek: "SUNDAY", TimeOfDay: "03:00", TimeZone: "UTC" },
      Created: "2025-06-01T12:00:00Z",
      BrokerInstances: instances,
      Users: [{ Username: "app" }, { Username: "ops" }],
      Tags: { environment, ...tags },
      Configurations: { Current: { Id: `c-${uuid(rng)}`, Revision: revision } },
    },
    configurationXml: activeMqXml(queues, opts),
    securityGroups: [sg.entry],
  };
}

export interface RmqBrokerSpec {
  deployment?: string;
  environment?: string;
  tags?: Record<string, string>;
  engineVersion?: string;
  instance?: string;
  /** The Cuttlefish text of its current configuration revision (served as `configurationXml`). */
  configuration?: string;
}

/** A posture-compliant RabbitMQ broker (3.13 on mq.m5.large unless told) as DescribeBroker returns it. */
export function rabbitMqBroker(rng: Rng, name: string, spec: RmqBrokerSpec = {}): BrokerEntry {
  const { deployment = "CLUSTER_MULTI_AZ", environment = "production", tags = {}, engineVersion = "3.13", instance = "mq.m5.large" } = spec;
  const id = `b-${uuid(rng)}`;
  const sg = securityGroup(rng, name, "10.30.0.0/16", [5671, 443]);
  const host = `${id}.mq.${REGION}.amazonaws.com`;
  return {
    describe: {
      ...describeHead(name, id, { deployment, engine: "RABBITMQ", version: engineVersion, instance }),
      ...compliantAccess(uuid(rng)),
      Logs: { General: true },
      SecurityGroups: [sg.id],
      SubnetIds: seq(deployment === "CLUSTER_MULTI_AZ" ? 3 : 1, () => `subnet-0${rng.hex(16)}`),
      StorageType: "EBS",
      MaintenanceWindowStartTime: { DayOfWeek: "SUNDAY", TimeOfDay: "03:00", TimeZone: "UTC" },
      Created: "2025-06-01T12:00:00Z",
      BrokerInstances: [{ ConsoleURL: `https://${host}`, Endpoints: [`amqps://${host}:5671`] }],
      Users: [],
      Tags: { environment, ...tags },
      Configurations: { Current: { Id: `c-${uuid(rng)}`, Revision: 2 } },
    },
    ...(spec.configuration !== undefined ? { configurationXml: spec.configuration } : {}),
    securityGroups: [sg.entry],
  };
}
