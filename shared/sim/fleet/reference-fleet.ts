import { type Broker, DeploymentMode, EngineType, MINUTE_MS } from "../../core/types";
import { AMQ_BROKER_METRICS, AMQ_QUEUE_METRICS, RMQ_BROKER_METRICS, RMQ_QUEUE_METRICS } from "../published-metrics";
import { parseScenario, type Scenario } from "../scenario";

/**
 * The reference fleet (of `npm run bench` and `npm run backtest:fleet`): a deterministic, healthy
 * Amazon MQ account (ActiveMQ and RabbitMQ mixed) whose per-minute metrics are a pure function of
 * (seed, series, minute), so a fleet of 1,000 brokers x 50 queues costs no memory until a minute is read.
 *
 * Traffic is what a healthy production fleet looks like, not flat lines: a daily rhythm, noisy
 * backlogs that never settle at exactly the same value, bursts that build a backlog and drain in
 * minutes, nightly-style batch dumps, rolling redeploys that halve a queue's consumers for two
 * minutes, CPU spikes and GC sawtooth. Those are what move the broker-level totals, and so what
 * makes mq-sentinel read queues between sweeps: a fleet of flat lines would understate the cost.
 * Nothing here is a problem a detector should report (see `scenarios/README.md` for the
 * conventions this follows: totals are exact sums of the queues, and
 * `QueueSize[i] = QueueSize[i-1] + EnqueueCount[i] - DequeueCount[i]`).
 */

const FLEET_START = "2026-03-02T00:00:00Z";
const FLEET_REGION = "us-east-1";
const FLEET_ACCOUNT = "123456789012";

export type QueueKind = "idle" | "steady" | "busy" | "batch" | "dead-letter";

/** One queue's traffic model (fixed for the day; the minute-by-minute values come from hashes). */
export interface QueueModel {
  name: string;
  /** RabbitMQ only. */
  vhost?: string;
  kind: QueueKind;
  /** Hash key of the queue's noise streams. */
  key: number;
  /** Messages per minute at the daily mean. */
  rate: number;
  consumers: number;
  producers: number;
  /** Backlog noise: steady queues hold 0..noise messages; busy ones hover around `level`. */
  noise: number;
  level: number;
  /** Probability that a burst starts in a given minute, its size and how long it takes to drain. */
  burstChance: number;
  burstSize: number;
  drainMinutes: number;
  /** Batch queues: a dump of `burstSize` every `batchPeriod` minutes, at `batchPhase`. */
  batchPeriod: number;
  batchPhase: number;
  /** Dead-letter queues: the (static) number of parked messages. */
  depth: number;
  /** Probability that a rolling redeploy halves the consumers in a given minute (for two minutes). */
  redeployChance: number;
  /** Constant backlog (the `flat` fleet). */
  flat: boolean;
}

/** One broker's model (fixed for the day, like its queues'). */
export type BrokerModel = ReturnType<typeof brokerModel>;

/** A fleet broker as the inventory describes it (RUNNING, untagged). */
export function brokerOf(b: BrokerModel): Broker {
  return {
    id: b.id,
    name: b.name,
    arn: b.arn,
    state: "RUNNING",
    engine: b.engine,
    engineVersion: b.engineVersion,
    deploymentMode: b.mode,
    instanceType: b.instanceType,
    tags: {},
    pendingChanges: [],
    configuration: null,
    nodes: b.nodes,
  };
}

export interface FleetOptions {
  brokers: number;
  queuesPerBroker: number;
  seed: number;
  /**
   * `flat`: the same brokers and queues with constant backlogs and consumers (no noise, bursts,
   * dumps or redeploys): the lower bound of the cost, where no broker-level trigger ever fires.
   */
  traffic?: "realistic" | "flat";
}

export interface Fleet {
  options: FleetOptions;
  brokers: BrokerModel[];
  /** The account as a scenario with brokers only: SimulatedAccount answers the Amazon MQ API from it. */
  scenario: Scenario;
  startMs: number;
}

export const REFERENCE_FLEET: FleetOptions = { brokers: 200, queuesPerBroker: 50, seed: 20260302 };

const TEAMS =
  "orders payments billing inventory shipping search clickstream notifications ledger catalog pricing fraud identity reports loyalty claims".split(
    " ",
  );
const ENTITIES = "created updated settle refund reserve label index email sms audit sync export score quote invoice events".split(" ");
const MINUTES_PER_DAY = 1440;
/** Streams of the counter-based generator, so no two quantities share random numbers. */
const Stream = { noise: 1, burst: 2, burstSize: 3, enqueue: 4, redeploy: 5, cpu: 6, cpuSpike: 7, conn: 8, idle: 9, misc: 10 } as const;

/** A 32-bit mix of a few integers (murmur3's finaliser over a running combination). */
function hash32(a: number, b: number, c = 0, d = 0): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ d, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) that depends only on its inputs. */
export function uniform(a: number, b: number, c = 0, d = 0): number {
  return hash32(a, b, c, d) / 4_294_967_296;
}

/** mulberry32: the seeded PRNG for the fleet's fixed parameters. */
function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Builds a fleet: ~25% RabbitMQ 3.13 (cluster and single), ActiveMQ 5.18 mostly active/standby. */
export function buildFleet(options: FleetOptions): Fleet {
  const brokers: BrokerModel[] = [];
  for (let i = 0; i < options.brokers; i++) brokers.push(brokerModel(options, i));
  const scenario = parseScenario(
    {
      name: `reference-fleet-${options.brokers}x${options.queuesPerBroker}`,
      description: "The benchmark's reference fleet (brokers only; metrics are computed on demand).",
      start: FLEET_START,
      durationMinutes: 1,
      region: FLEET_REGION,
      accountId: FLEET_ACCOUNT,
      brokers: brokers.map((b) => ({ describe: describeOf(b) })),
      metrics: [],
    },
    "shared/sim/fleet/reference-fleet.ts",
  );
  return { options, brokers, scenario, startMs: Date.parse(FLEET_START) };
}

function brokerModel(options: FleetOptions, index: number) {
  const random = seededRandom(hash32(options.seed, index, 0x62726f6b));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  // Every fourth broker is RabbitMQ, so any prefix of the fleet (10, 200, 1,000) keeps the mix.
  const rabbit = index % 4 === 3;
  const team = TEAMS[index % TEAMS.length] as string;
  const name = `${team}-${rabbit ? "rmq" : "amq"}-${String(index).padStart(4, "0")}`;
  const hex = hash32(options.seed, index, 7).toString(16).padStart(8, "0");
  const id = `b-${hex}-${hash32(options.seed, index, 8).toString(16).padStart(8, "0").slice(0, 4)}-4c1d-9e2f-${String(index).padStart(12, "0")}`;
  let mode: DeploymentMode;
  let instanceType: string;
  if (rabbit) {
    mode = random() < 0.5 ? DeploymentMode.cluster : DeploymentMode.single;
    instanceType = pick(["mq.m5.large", "mq.m5.large", "mq.m5.xlarge"]);
  } else {
    mode = random() < 0.8 ? DeploymentMode.activeStandby : DeploymentMode.single;
    instanceType = mode === DeploymentMode.single && random() < 0.3 ? "mq.t3.micro" : pick(["mq.m5.large", "mq.m5.large", "mq.m5.xlarge"]);
  }
  const nodes = rabbit ? [name] : mode === DeploymentMode.activeStandby ? [`${name}-1`, `${name}-2`] : [`${name}-1`];
  const micro = instanceType === "mq.t3.micro";
  const nodeCount = mode === DeploymentMode.cluster ? 3 : 1;
  const queues = queueModels(options, index, rabbit, team, random);
  const connectionLimit = rabbit ? (instanceType === "mq.m5.xlarge" ? 10_000 : 5_000) * nodeCount : micro ? 300 : 2000;
  return {
    index,
    key: hash32(options.seed, index, 0x6b6579),
    name,
    id,
    arn: `arn:aws:mq:${FLEET_REGION}:${FLEET_ACCOUNT}:broker:${name}:${id}`,
    engine: rabbit ? EngineType.rabbitmq : EngineType.activemq,
    engineVersion: rabbit ? "3.13" : "5.18",
    mode,
    instanceType,
    /** CloudWatch `Broker` dimension values; the first publishes (the standby of a pair publishes nothing). */
    nodes,
    activeNode: nodes[0] as string,
    queues,
    /** Shifts the daily rhythm (teams in other time zones). */
    dayPhase: Math.floor(random() * 360),
    cpuBase: 8 + random() * 30,
    heapLow: 25 + random() * 15,
    heapHigh: 50 + random() * 15,
    heapPeriod: 6 + Math.floor(random() * 10),
    storeBase: 1 + random() * 15,
    // Well inside the limit: 10-45% of it.
    connections: Math.round(connectionLimit * (0.1 + random() * 0.35)),
    /** ActiveMQ: per-protocol connection limit. RabbitMQ: the broker's connections. */
    connectionLimit,
    memLimit: 3.2e9 * (instanceType === "mq.m5.xlarge" ? 2 : 1) * nodeCount,
    memShare: 0.15 + random() * 0.25,
    diskFreeLimit: 8 * 1024 ** 3 * nodeCount,
    diskFree: (150 + random() * 300) * 1e9 * nodeCount,
  };
}

function queueModels(options: FleetOptions, brokerIndex: number, rabbit: boolean, team: string, random: () => number): QueueModel[] {
  const out: QueueModel[] = [];
  const n = options.queuesPerBroker;
  // A few dead-letter queues: most brokers have one, some two, some none.
  const r = random();
  const deadLetters = Math.min(n, r < 0.25 ? 0 : r < 0.85 ? 1 : 2);
  const vhost = rabbit ? (random() < 0.8 ? "/" : "prod") : undefined;
  for (let q = 0; q < n; q++) {
    const key = hash32(options.seed, brokerIndex, q, 0x71);
    const entity = ENTITIES[q % ENTITIES.length] as string;
    const domain = TEAMS[(brokerIndex + Math.floor(q / ENTITIES.length)) % TEAMS.length] as string;
    const base = `${domain === team ? team : `${team}.${domain}`}.${entity}${q >= ENTITIES.length ? `.${q}` : ""}`;
    if (q >= n - deadLetters) {
      const dlqName = rabbit ? `${base}.dlq` : q === n - 1 ? "ActiveMQ.DLQ" : `DLQ.${base}`;
      out.push(deadLetterQueue(dlqName, vhost, key, random));
      continue;
    }
    const roll = random();
    const drawn: QueueKind = roll < 0.25 ? "idle" : roll < 0.72 ? "steady" : roll < 0.93 ? "busy" : "batch";
    const flat = options.traffic === "flat";
    const kind: QueueKind = flat && drawn === "batch" ? "steady" : drawn;
    const rate =
      kind === "idle" ? 0.3 : kind === "steady" ? 20 + random() * 400 : kind === "busy" ? 600 + random() * 4000 : 5 + random() * 30;
    const consumers = kind === "idle" ? 1 + Math.floor(random() * 2) : 2 + Math.floor(random() * 7);
    // Drawn whether used or not, so the flat fleet has the same queues as the realistic one.
    const burstDraw = random();
    out.push({
      name: base,
      ...(vhost ? { vhost } : {}),
      kind,
      key,
      rate,
      consumers,
      producers: 1 + Math.floor(random() * 4),
      // Calibrated on the library's quiet scenarios: a steady queue holds 0..rate/40 messages (often
      // 0), a busy one hovers around rate/40 +-25% and never empties.
      noise: Math.max(1, Math.round(rate / 40)),
      level: kind === "busy" ? rate / 40 : 0,
      // Steady and busy queues see 0.5-3.5 bursts a day (the library's amq-quiet-bursty has one per
      // queue every 90 minutes), batch queues a dump every 1-4 hours.
      burstChance: (kind === "steady" || kind === "busy") && !flat ? (0.5 + burstDraw * 3) / MINUTES_PER_DAY : 0,
      burstSize: kind === "batch" ? 500 + random() * 4500 : rate * (1 + random() * 2),
      drainMinutes: 3 + Math.floor(random() * 6),
      batchPeriod: 60 * (1 + Math.floor(random() * 4)),
      batchPhase: Math.floor(random() * 240),
      depth: 0,
      // About one rolling redeploy every two days per queue (services deploy independently).
      redeployChance: kind === "idle" || flat ? 0 : 0.5 / MINUTES_PER_DAY,
      flat,
    });
  }
  return out;
}

function deadLetterQueue(name: string, vhost: string | undefined, key: number, random: () => number): QueueModel {
  return {
    name,
    ...(vhost ? { vhost } : {}),
    kind: "dead-letter",
    key,
    rate: 0,
    consumers: 0,
    producers: 0,
    noise: 0,
    level: 0,
    burstChance: 0,
    burstSize: 0,
    drainMinutes: 1,
    batchPeriod: 1,
    batchPhase: 0,
    // Old dead letters nobody has replayed yet; none arrive during the day (a new one is a finding).
    depth: Math.floor(random() * 40),
    redeployChance: 0,
    flat: true,
  };
}

function describeOf(b: BrokerModel): Record<string, unknown> {
  const host = (suffix: string) => `${b.id}${suffix}.mq.${FLEET_REGION}.amazonaws.com`;
  const instances =
    b.engine === EngineType.rabbitmq
      ? [{ ConsoleURL: `https://${host("")}`, Endpoints: [`amqps://${host("")}:5671`] }]
      : b.nodes.map((_, i) => ({ ConsoleURL: `https://${host(`-${i + 1}`)}:8162`, Endpoints: [`ssl://${host(`-${i + 1}`)}:61617`] }));
  return {
    BrokerId: b.id,
    BrokerName: b.name,
    BrokerArn: b.arn,
    BrokerState: "RUNNING",
    DeploymentMode: b.mode,
    EngineType: b.engine,
    EngineVersion: b.engineVersion,
    HostInstanceType: b.instanceType,
    PubliclyAccessible: false,
    AutoMinorVersionUpgrade: true,
    AuthenticationStrategy: "SIMPLE",
    StorageType: b.engine === EngineType.rabbitmq ? "EBS" : "EFS",
    Logs: { General: true, ...(b.engine === EngineType.activemq ? { Audit: true } : {}) },
    Created: "2025-06-01T12:00:00Z",
    BrokerInstances: instances,
    Tags: { environment: "production", team: b.name.split("-")[0] as string },
  };
}

// ---------------------------------------------------------------------------------------------
// Values: pure functions of (broker, queue, metric, minute). Minute `i` is the datapoint index
// (the minute starting at FLEET_START + i).

/** The daily rhythm: 0.65 .. 1.35 of the mean rate, peaking mid-afternoon of the broker's time zone. */
function diurnal(broker: BrokerModel, minute: number): number {
  return 1 + 0.35 * Math.sin((2 * Math.PI * (minute + broker.dayPhase * 4 - 540)) / MINUTES_PER_DAY);
}

/** Backlog left by bursts (or batch dumps) that started within the drain time. */
function burstBacklog(q: QueueModel, minute: number): number {
  let total = 0;
  if (q.kind === "batch") {
    const k = (((minute + q.batchPhase) % q.batchPeriod) + q.batchPeriod) % q.batchPeriod;
    if (k < q.drainMinutes) total += q.burstSize * (1 - k / q.drainMinutes);
    return total;
  }
  if (q.burstChance === 0) return 0;
  for (let b = minute - q.drainMinutes + 1; b <= minute; b++) {
    if (uniform(q.key, Stream.burst, b) < q.burstChance) {
      const size = q.burstSize * (0.5 + uniform(q.key, Stream.burstSize, b));
      total += size * (1 - (minute - b) / q.drainMinutes);
    }
  }
  return total;
}

/** Messages waiting in the queue at the end of a minute (ActiveMQ QueueSize, RabbitMQ MessageReadyCount). */
function backlogAt(q: QueueModel, minute: number): number {
  if (q.flat) return q.kind === "busy" ? Math.round(q.level) : q.depth;
  switch (q.kind) {
    case "idle":
    case "dead-letter":
      return q.depth;
    case "steady":
      return Math.floor(uniform(q.key, Stream.noise, minute) * (q.noise + 1)) + Math.round(burstBacklog(q, minute));
    case "busy":
      return Math.round(q.level * (0.75 + 0.5 * uniform(q.key, Stream.noise, minute)) + burstBacklog(q, minute));
    case "batch":
      return Math.floor(uniform(q.key, Stream.noise, minute) * 3) + Math.round(burstBacklog(q, minute));
  }
}

function burstStartsAt(q: QueueModel, minute: number): number {
  if (q.kind === "batch") return (((minute + q.batchPhase) % q.batchPeriod) + q.batchPeriod) % q.batchPeriod === 0 ? q.burstSize : 0;
  if (q.burstChance === 0 || uniform(q.key, Stream.burst, minute) >= q.burstChance) return 0;
  return q.burstSize * (0.5 + uniform(q.key, Stream.burstSize, minute));
}

/** One queue at the end of one minute. */
export interface QueueState {
  backlog: number;
  enqueues: number;
  dequeues: number;
  consumers: number;
  inFlight: number;
}

/**
 * A queue's state at a minute. Enqueues are always at least what the backlog grew by, so
 * `dequeues = enqueues + backlog[i-1] - backlog[i]` is never negative.
 */
export function queueStateAt(broker: BrokerModel, q: QueueModel, minute: number): QueueState {
  const backlog = backlogAt(q, minute);
  if (q.kind === "dead-letter") return { backlog, enqueues: 0, dequeues: 0, consumers: 0, inFlight: 0 };
  const previous = backlogAt(q, minute - 1);
  let enqueues: number;
  if (q.kind === "idle") enqueues = uniform(q.key, Stream.idle, minute) < q.rate ? 1 : 0;
  else {
    const base = Math.round(q.rate * diurnal(broker, minute) * (0.9 + 0.2 * uniform(q.key, Stream.enqueue, minute)));
    enqueues = Math.max(base + Math.round(burstStartsAt(q, minute)), backlog - previous);
  }
  const consumers = consumersAt(q, minute);
  let inFlight = 0;
  if (q.kind !== "idle") {
    const prefetchUsed = Math.ceil((q.rate / 600) * (0.5 + uniform(q.key, Stream.misc, minute)));
    inFlight = Math.min(backlog, Math.max(1, consumers * Math.min(50, prefetchUsed)));
  }
  return { backlog, enqueues, dequeues: enqueues + previous - backlog, consumers, inFlight };
}

/** Consumers attached: constant, except rolling redeploys that halve them for two minutes. */
function consumersAt(q: QueueModel, minute: number): number {
  if (q.redeployChance === 0) return q.consumers;
  const redeploying =
    uniform(q.key, Stream.redeploy, minute) < q.redeployChance || uniform(q.key, Stream.redeploy, minute - 1) < q.redeployChance;
  return redeploying ? Math.max(1, Math.floor(q.consumers / 2)) : q.consumers;
}

/** ActiveMQ EnqueueTime: average residence in ms, a few ms when consumers keep up. */
function enqueueTimeAt(q: QueueModel, state: QueueState, minute: number): number {
  if (q.kind === "dead-letter" || q.kind === "idle") return 0;
  const perMs = Math.max(1, state.dequeues) / MINUTE_MS;
  return Math.round(5 + 10 * uniform(q.key, Stream.misc, minute, 1) + state.backlog / perMs / 2);
}

/** The value of a queue-level metric from the queue's state at a minute. */
export function queueMetricValue(engine: EngineType, q: QueueModel, state: QueueState, metric: string, minute: number): number | null {
  switch (metric) {
    case "QueueSize":
    case "MessageReadyCount":
      return state.backlog;
    case "ConsumerCount":
      return state.consumers;
    case "ProducerCount":
      return q.producers;
    case "EnqueueCount":
      return state.enqueues;
    case "DequeueCount":
    case "DispatchCount":
      return state.dequeues;
    case "InFlightCount":
    case "MessageUnacknowledgedCount":
      return state.inFlight;
    case "MessageCount":
      return engine === EngineType.rabbitmq ? state.backlog + state.inFlight : null;
    case "ExpiredCount":
      return 0;
    case "EnqueueTime":
      return enqueueTimeAt(q, state, minute);
    default:
      return null;
  }
}

/** Sums of the queue series at one minute (broker totals). */
export interface Totals {
  backlog: number;
  consumers: number;
  producers: number;
  enqueues: number;
  dequeues: number;
  inFlight: number;
}

/** Broker totals at a minute, computed from scratch (the account caches them). */
export function totalsAt(broker: BrokerModel, minute: number, stateOf = queueStateAt): Totals {
  const t: Totals = { backlog: 0, consumers: 0, producers: 0, enqueues: 0, dequeues: 0, inFlight: 0 };
  for (const q of broker.queues) {
    const s = stateOf(broker, q, minute);
    t.backlog += s.backlog;
    t.consumers += s.consumers;
    t.producers += q.producers;
    t.enqueues += s.enqueues;
    t.dequeues += s.dequeues;
    t.inFlight += s.inFlight;
  }
  return t;
}

/** CPU: a base that follows traffic, noise, and rare 1-2 minute spikes (which must stay quiet). */
function cpuAt(broker: BrokerModel, minute: number): number {
  const spike =
    uniform(broker.key, Stream.cpuSpike, minute) < 3 / MINUTES_PER_DAY ||
    uniform(broker.key, Stream.cpuSpike, minute - 1) < 3 / MINUTES_PER_DAY;
  const level = broker.cpuBase * (0.8 + 0.3 * diurnal(broker, minute)) + 4 * uniform(broker.key, Stream.cpu, minute);
  return Math.round((spike ? Math.max(level, 70 + 25 * uniform(broker.key, Stream.cpuSpike, minute, 1)) : level) * 100) / 100;
}

/** ActiveMQ heap: GC sawtooth between a low and a high mark. */
function heapAt(broker: BrokerModel, minute: number): number {
  const phase = (((minute + broker.index) % broker.heapPeriod) + broker.heapPeriod) % broker.heapPeriod;
  const v =
    broker.heapLow + ((broker.heapHigh - broker.heapLow) * phase) / broker.heapPeriod + 2 * uniform(broker.key, Stream.misc, minute);
  return Math.round(v * 100) / 100;
}

function connectionsAt(broker: BrokerModel, minute: number): number {
  return Math.round(broker.connections * (1 + 0.02 * (uniform(broker.key, Stream.conn, minute) - 0.5)));
}

/** The value of a broker-level metric at a minute. */
export function brokerValue(
  broker: BrokerModel,
  metric: string,
  minute: number,
  totals: (broker: BrokerModel, minute: number) => Totals = totalsAt,
): number | null {
  const noise = uniform(broker.key, Stream.misc, minute, 2);
  switch (metric) {
    case "CpuUtilization":
    case "SystemCpuUtilization":
      return cpuAt(broker, minute);
    case "HeapUsage":
      return heapAt(broker, minute);
    case "StorePercentUsage":
      return Math.round((broker.storeBase + 0.3 * noise) * 1000) / 1000;
    case "TempPercentUsage":
      return Math.round((0.3 + 0.3 * noise) * 1000) / 1000;
    case "CurrentConnectionsCount":
    case "ConnectionCount":
      return connectionsAt(broker, minute);
    case "EstablishedConnectionsCount":
      return Math.round(connectionsAt(broker, minute) * 1.02);
    case "ChannelCount":
      return Math.round(connectionsAt(broker, minute) * 1.5);
    case "OpenwireMaximumConnections":
    case "AmqpMaximumConnections":
    case "StompMaximumConnections":
    case "MqttMaximumConnections":
    case "WsMaximumConnections":
      return broker.connectionLimit;
    case "TotalMessageCount":
    case "MessageReadyCount":
      return totals(broker, minute).backlog;
    case "TotalConsumerCount":
    case "ConsumerCount":
      return totals(broker, minute).consumers;
    case "TotalProducerCount":
      return totals(broker, minute).producers;
    case "TotalEnqueueCount":
      return totals(broker, minute).enqueues;
    case "TotalDequeueCount":
      return totals(broker, minute).dequeues;
    case "MessageUnacknowledgedCount":
      return totals(broker, minute).inFlight;
    case "MessageCount": {
      const t = totals(broker, minute);
      return t.backlog + t.inFlight;
    }
    case "QueueCount":
      return broker.queues.length;
    case "PublishRate":
      return Math.round((totals(broker, minute).enqueues / 60) * 100) / 100;
    case "AckRate":
      return Math.round((totals(broker, minute).dequeues / 60) * 100) / 100;
    case "RabbitMQMemUsed":
      return Math.round(broker.memLimit * broker.memShare * (1 + 0.03 * noise));
    case "RabbitMQMemLimit":
      return broker.memLimit;
    case "RabbitMQDiskFree":
      return Math.round(broker.diskFree * (1 + 0.001 * noise));
    case "RabbitMQDiskFreeLimit":
      return broker.diskFreeLimit;
    case "RabbitMQFdUsed":
      return Math.round(connectionsAt(broker, minute) * 1.1 + broker.queues.length * 2);
    default:
      return null;
  }
}

/** The series a broker publishes (the names the scenario generators write): broker-level and queue-level, per engine. */
export function publishedMetrics(engine: EngineType): { broker: readonly string[]; queue: readonly string[] } {
  return engine === EngineType.rabbitmq
    ? { broker: RMQ_BROKER_METRICS, queue: RMQ_QUEUE_METRICS }
    : { broker: AMQ_BROKER_METRICS, queue: AMQ_QUEUE_METRICS };
}

/** Every series a broker publishes, with its dimensions (the active node's; the queue's for a queue series). */
export function publishedSeries(b: BrokerModel): { metric: string; dimensions: Record<string, string>; queue: QueueModel | null }[] {
  const names = publishedMetrics(b.engine);
  const out = names.broker.map((metric) => ({ metric, dimensions: { Broker: b.activeNode }, queue: null as QueueModel | null }));
  for (const q of b.queues) {
    const dimensions =
      q.vhost !== undefined ? { Broker: b.activeNode, VirtualHost: q.vhost, Queue: q.name } : { Broker: b.activeNode, Queue: q.name };
    for (const metric of names.queue) out.push({ metric, dimensions, queue: q });
  }
  return out;
}

/** Brokers per engine and deployment mode, queues per kind: the fleet's make-up, for the report. */
export function fleetSummary(fleet: Fleet): Record<string, number> {
  const out: Record<string, number> = {
    brokers: fleet.brokers.length,
    activemq: 0,
    rabbitmq: 0,
    activeStandby: 0,
    cluster: 0,
    single: 0,
    queues: 0,
  };
  const add = (key: string, n = 1) => {
    out[key] = (out[key] ?? 0) + n;
  };
  for (const b of fleet.brokers) {
    add(b.engine === EngineType.rabbitmq ? "rabbitmq" : "activemq");
    add(b.mode === DeploymentMode.activeStandby ? "activeStandby" : b.mode === DeploymentMode.cluster ? "cluster" : "single");
    add("queues", b.queues.length);
    for (const q of b.queues) add(q.kind);
  }
  return out;
}

/**
 * The fleet as an ordinary scenario with every series written out for minutes [0, minutes): only
 * for small fleets (tests compare the lazy account with SimulatedAccount on it).
 */
export function materializeScenario(fleet: Fleet, minutes: number): Scenario {
  const metrics = fleet.brokers.flatMap((b) =>
    publishedSeries(b).map(({ metric, dimensions, queue }) => ({
      metric,
      dimensions,
      values: Array.from({ length: minutes }, (_, i) =>
        queue ? queueMetricValue(b.engine, queue, queueStateAt(b, queue, i), metric, i) : brokerValue(b, metric, i),
      ),
    })),
  );
  return parseScenario(
    {
      name: fleet.scenario.name,
      start: FLEET_START,
      durationMinutes: minutes,
      region: FLEET_REGION,
      accountId: FLEET_ACCOUNT,
      brokers: fleet.scenario.brokers,
      metrics,
    },
    "shared/sim/fleet/reference-fleet.ts",
  );
}
