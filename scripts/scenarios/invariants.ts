/**
 * Invariants of the data a metric scenario holds: a generator bug must fail loudly rather than ship a file
 * whose numbers contradict each other or its labels. These check the simulated account (conservation,
 * totals, ranges, the shape of an expectation), never what a detector would make of it.
 */
import type { BrokerEntry, MetricSeries } from "./amazon-mq";
import type { Expectation } from "./dsl";
import { sum } from "./kit";

/** The parts of a scenario the invariants read. */
export interface ScenarioData {
  name: string;
  durationMinutes: number;
  brokers: BrokerEntry[];
  metrics: MetricSeries[];
  expect: Expectation[];
}

const RESOURCES = ["cpu", "heap", "store", "temp-store", "memory", "disk", "file-descriptors"];
const AMQ_TOTALS = [
  ["TotalMessageCount", "QueueSize"],
  ["TotalConsumerCount", "ConsumerCount"],
  ["TotalProducerCount", "ProducerCount"],
  ["TotalEnqueueCount", "EnqueueCount"],
  ["TotalDequeueCount", "DequeueCount"],
] as const;
const RMQ_TOTALS = ["MessageCount", "MessageReadyCount", "MessageUnacknowledgedCount", "ConsumerCount"] as const;

type Get = (metric: string, dims: Record<string, string>) => (number | null)[];

/** Throws `<scenario>: <message>`. */
export function fail(name: string, message: string): never {
  throw new Error(`${name}: ${message}`);
}

/** Checks series lengths and values, ActiveMQ conservation and totals, RabbitMQ sums, expectation shapes. */
export function checkMetricScenario(sc: ScenarioData, { minMinutes = 40, maxMinutes = 120 } = {}): void {
  const n = sc.durationMinutes;
  if (n < minMinutes || n > maxMinutes) fail(sc.name, `durationMinutes outside ${minMinutes}-${maxMinutes}`);
  const series = new Map<string, (number | null)[]>();
  for (const m of sc.metrics) {
    if (m.values.length !== n) fail(sc.name, `${m.metric} ${JSON.stringify(m.dimensions)} has ${m.values.length} values`);
    for (const v of m.values) if (v !== null && (!Number.isFinite(v) || v < 0)) fail(sc.name, `${m.metric} has value ${v}`);
    const key = `${m.metric}|${JSON.stringify(m.dimensions)}`;
    if (series.has(key)) fail(sc.name, `duplicate series ${key}`);
    series.set(key, m.values);
  }
  const get: Get = (metric, dims) =>
    series.get(`${metric}|${JSON.stringify(dims)}`) ?? fail(sc.name, `no ${metric} ${JSON.stringify(dims)}`);
  for (const b of sc.brokers) {
    if (b.describe.EngineType === "ACTIVEMQ") checkActiveMq(sc, b.describe.BrokerName, get, series);
    else checkRabbitMq(sc, b, get);
  }
  const brokerNames = new Set(sc.brokers.map((b) => b.describe.BrokerName));
  for (const e of sc.expect) {
    if (!brokerNames.has(e.broker)) fail(sc.name, `expectation names unknown broker ${e.broker}`);
    if (!(e.from <= e.to) || e.to > n - 1) fail(sc.name, `expectation window [${e.from}, ${e.to}] invalid for ${n} minutes`);
    if (e.kind === "consumer-lag" && !e.resource) fail(sc.name, "consumer-lag needs the queue as resource");
    if (e.kind === "resource-pressure" && !RESOURCES.includes(e.resource ?? "")) fail(sc.name, `bad resource ${e.resource}`);
    if ((e.kind === "connection-exhaustion" || e.kind === "broker-unhealthy") && e.resource !== undefined)
      fail(sc.name, `${e.kind} takes no resource`);
  }
  if (sc.expect.length === 0) checkQuietQueuesDrain(sc, get);
}

function checkActiveMq(sc: ScenarioData, brokerName: string, get: Get, series: Map<string, unknown>): void {
  for (const node of [1, 2]) {
    const dim = `${brokerName}-${node}`;
    if (!series.has(`TotalMessageCount|${JSON.stringify({ Broker: dim })}`)) continue;
    const queues = sc.metrics.filter((m) => m.metric === "QueueSize" && m.dimensions.Broker === dim).map((m) => m.dimensions.Queue ?? "");
    for (const [total, part] of AMQ_TOTALS) {
      const parts = queues.map((q) => get(part, { Broker: dim, Queue: q }));
      get(total, { Broker: dim }).forEach((v, i) => {
        const values = parts.map((p) => p[i] ?? null);
        if (v !== null && values.every((p) => p !== null) && v !== sum(values as number[]))
          fail(sc.name, `${dim} ${total}[${i}] != sum of ${part}`);
      });
    }
    for (const q of queues) {
      const [size, enq, deq] = ["QueueSize", "EnqueueCount", "DequeueCount"].map((m) => get(m, { Broker: dim, Queue: q })) as [
        (number | null)[],
        (number | null)[],
        (number | null)[],
      ];
      for (let i = 1; i < sc.durationMinutes; i++) {
        const [s, prev, e, d] = [size[i], size[i - 1], enq[i], deq[i]];
        if (s == null || prev == null || e == null || d == null) continue;
        if (s !== prev + e - d) fail(sc.name, `${dim} ${q} QueueSize[${i}] breaks conservation`);
      }
    }
    for (const m of ["CpuUtilization", "HeapUsage", "StorePercentUsage", "TempPercentUsage"]) {
      if (get(m, { Broker: dim }).some((v) => v !== null && v > 100)) fail(sc.name, `${dim} ${m} above 100`);
    }
  }
}

function checkRabbitMq(sc: ScenarioData, b: BrokerEntry, get: Get): void {
  const d = b.describe;
  const dim = { Broker: d.BrokerName };
  const queues = sc.metrics.filter((m) => m.metric === "MessageCount" && m.dimensions.Queue).map((m) => m.dimensions.Queue ?? "");
  const rabbit4 = Number.parseInt(String(d.EngineVersion), 10) >= 4;
  if (rabbit4 && queues.length > 0) fail(sc.name, `${d.BrokerName}: RabbitMQ 4 publishes no queue series`);
  const nodeSeries = sc.metrics.filter((m) => m.dimensions.Broker === d.BrokerName && m.dimensions.Node);
  if (nodeSeries.length > 0 && d.DeploymentMode !== "CLUSTER_MULTI_AZ") fail(sc.name, `${d.BrokerName}: per-node series only for clusters`);
  for (const m of new Set(nodeSeries.map((x) => x.metric))) {
    if (m === "SystemCpuUtilization") continue; // the broker-level CPU is their average (see withNodes)
    const parts = nodeSeries.filter((x) => x.metric === m).map((x) => x.values);
    get(m, dim).forEach((v, i) => {
      if (v !== sum(parts.map((p) => p[i] ?? 0))) fail(sc.name, `${d.BrokerName} ${m}[${i}] != sum over nodes`);
    });
  }
  for (const total of rabbit4 ? [] : RMQ_TOTALS) {
    const parts = queues.map((q) => get(total, { ...dim, VirtualHost: "/", Queue: q }));
    get(total, dim).forEach((v, i) => {
      if (v !== sum(parts.map((p) => p[i] ?? 0))) fail(sc.name, `${d.BrokerName} ${total}[${i}] != sum over queues`);
    });
  }
  for (const q of queues) {
    const qd = { ...dim, VirtualHost: "/", Queue: q };
    const ready = get("MessageReadyCount", qd);
    const unacked = get("MessageUnacknowledgedCount", qd);
    get("MessageCount", qd).forEach((v, i) => {
      if (v !== (ready[i] ?? 0) + (unacked[i] ?? 0)) fail(sc.name, `${q} MessageCount != ready + unacked`);
    });
  }
}

/** A quiet scenario's queues with consumers never hold a real backlog for long: they always drain. */
function checkQuietQueuesDrain(sc: ScenarioData, get: Get): void {
  const tags = (b: BrokerEntry) => (b.describe.Tags ?? {}) as Record<string, string>;
  const ignored = new Set(sc.brokers.filter((b) => tags(b)["mq-sentinel:ignore"] === "true").map((b) => b.describe.BrokerName));
  for (const m of sc.metrics) {
    const isAmq = m.metric === "QueueSize";
    const isRmq = m.metric === "MessageReadyCount" && m.dimensions.Queue;
    if (!isAmq && !isRmq) continue;
    const broker = m.dimensions.Broker ?? "";
    if (ignored.has(isAmq ? broker.replace(/-[12]$/, "") : broker)) continue;
    const consumers = get("ConsumerCount", m.dimensions);
    let run = 0;
    m.values.forEach((v, i) => {
      const c = consumers[i] ?? null;
      const withConsumers = c === null || c > 0;
      run = v !== null && v > 60 && withConsumers ? run + 1 : 0;
      if (run > 6) fail(sc.name, `quiet scenario but ${JSON.stringify(m.dimensions)} holds a backlog for ${run} minutes at ${i}`);
    });
  }
}
