/**
 * The shared shape of a metric scenario, built once: a definition names its brokers, their queues and the
 * series that make its problem, and `drawStory` turns that into DescribeBroker entries and CloudWatch series.
 * Every broker draws from its own named streams (`describe`, `broker`, one per queue), so the order in which
 * a definition lists things never changes the numbers.
 */
import {
  type AmqBrokerOptions,
  type AmqBrokerSpec,
  activeMqBroker,
  amqBrokerModel,
  type BrokerEntry,
  emitAmq,
  emitRmq,
  type HealthyAmqOptions,
  type HealthyRmqOptions,
  healthyAmqQueue,
  healthyRmqQueue,
  idleAmqQueue,
  type MetricSeries,
  type NodeOptions,
  type RmqBrokerOptions,
  type RmqBrokerSpec,
  type RmqModel,
  type RmqQueue,
  type RmqQueueSpec,
  rabbitMqBroker,
  rmqBrokerModel,
  rmqQueue,
  withNodes,
} from "./amazon-mq";
import type { Expectation } from "./dsl";
import { type Rng, seq, type TrafficShape, traffic } from "./kit";
import { type AmqQueue, type AmqQueueSpec, amqQueue } from "./queue-model";

/** A healthy queue, by its traffic and consumers (the engine's `healthy*Queue` options). */
type Healthy<O> = { name: string } & O;
/** A queue the scenario draws itself, from the broker's stream (one queue or several). */
type Recipe<Q> = (rng: Rng, n: number) => Q | Q[];

interface BrokerDef<Q, O, D, M> {
  name: string;
  queues: readonly (Healthy<O> | Recipe<Q>)[];
  /** DescribeBroker facts beyond the defaults (instance, environment, tags, configuration). */
  describe?: D;
  /** Broker-level series and options of the model (a drawn CPU, heap or connection series). */
  model?: M;
  stateChanges?: { at: number; BrokerState: string }[];
  deletedAt?: number;
}

/** An ActiveMQ broker of a scenario; `nodeOf(i)` is the node publishing at minute i (null: none). */
export interface AmqDef extends BrokerDef<AmqQueue, HealthyAmqOptions, Omit<AmqBrokerSpec, "queues">, AmqBrokerOptions> {
  engine: "activemq";
  nodeOf?: (i: number) => number | null;
}

/** A RabbitMQ broker of a scenario; `nodes` splits a cluster into its nodes' series; 4.x publishes no queue series. */
export interface RmqDef extends BrokerDef<RmqQueue, HealthyRmqOptions, RmqBrokerSpec, RmqBrokerOptions> {
  engine: "rabbitmq";
  nodes?: NodeOptions;
  queueMetrics?: boolean;
}

export type AmqFacts = Omit<AmqDef, "engine" | "name" | "queues">;
export type RmqFacts = Omit<RmqDef, "engine" | "name" | "queues">;

export const amq = (name: string, queues: AmqDef["queues"], facts: AmqFacts = {}): AmqDef => ({
  engine: "activemq",
  name,
  queues,
  ...facts,
});
export const rmq = (name: string, queues: RmqDef["queues"], facts: RmqFacts = {}): RmqDef => ({
  engine: "rabbitmq",
  name,
  queues,
  ...facts,
});

/** What a metric scenario holds besides its name and timing: its brokers, faults, events and expectations. */
export interface MetricStory {
  brokers: readonly (AmqDef | RmqDef | DrawnBroker)[];
  events?: { at: number; event: unknown }[];
  faults?: Record<string, unknown>[];
  expect: Expectation[];
  /** Why the windows are what they are (README). */
  why: string;
}

/** A broker already drawn (a definition that needs its entry, e.g. for an API event naming its id). */
export interface DrawnBroker {
  entry: BrokerEntry;
  metrics: MetricSeries[];
}

const drawQueues = <Q, O>(own: Rng, n: number, defs: readonly (Healthy<O> | Recipe<Q>)[], healthy: (spec: Healthy<O>) => Q): Q[] =>
  defs.flatMap((def) => (typeof def === "function" ? def(own, n) : healthy(def)));

function withState(entry: BrokerEntry, def: { stateChanges?: BrokerEntry["stateChanges"]; deletedAt?: number }): BrokerEntry {
  if (def.stateChanges) entry.stateChanges = def.stateChanges;
  if (def.deletedAt !== undefined) entry.deletedAt = def.deletedAt;
  return entry;
}

/** An ActiveMQ broker drawn from `own`, the scenario's stream (one broker) or the broker's (several). */
export function drawAmq(own: Rng, n: number, def: Omit<AmqDef, "engine">): DrawnBroker & { queues: AmqQueue[] } {
  const queues = drawQueues(own, n, def.queues, ({ name, ...o }) => healthyAmqQueue(own, n, name, o));
  const entry = activeMqBroker(own.fork("describe"), def.name, { queues: queues.map((q) => q.name), ...def.describe });
  const nodeOf = def.nodeOf ? seq(n, def.nodeOf) : null;
  return {
    entry: withState(entry, def),
    metrics: emitAmq(def.name, amqBrokerModel(own.fork("broker"), n, queues, def.model), nodeOf),
    queues,
  };
}

/** A RabbitMQ broker drawn from `own`, as `drawAmq`. */
export function drawRmq(own: Rng, n: number, def: Omit<RmqDef, "engine">): DrawnBroker & { model: RmqModel } {
  const queues = drawQueues(own, n, def.queues, ({ name, ...o }) => healthyRmqQueue(own, n, name, o));
  const entry = rabbitMqBroker(own.fork("describe"), def.name, def.describe);
  const flat = rmqBrokerModel(own.fork("broker"), n, queues, def.model);
  const model = def.nodes ? withNodes(own.fork("nodes"), flat, n, def.nodes) : flat;
  return { entry: withState(entry, def), metrics: emitRmq(def.name, model, { queueMetrics: def.queueMetrics ?? true }), model };
}

/** The brokers and series of a story: one broker draws from the scenario's stream, several each from its own. */
export function drawStory(rng: Rng, n: number, story: MetricStory) {
  const own = (name: string) => (story.brokers.length > 1 ? rng.fork(name) : rng);
  const drawn = story.brokers.map((b) =>
    "entry" in b ? b : b.engine === "activemq" ? drawAmq(own(b.name), n, b) : drawRmq(own(b.name), n, b),
  );
  return {
    brokers: drawn.map((b) => b.entry),
    metrics: drawn.flatMap((b) => b.metrics),
    ...(story.events ? { events: story.events } : {}),
    ...(story.faults ? { faults: story.faults } : {}),
    expect: story.expect,
    why: story.why,
  };
}

/** Consumers that stay attached but acknowledge nothing from datapoint `onset`. */
export const stalledFrom =
  (onset: number) =>
  (i: number): boolean =>
    i >= onset;

/** `count` consumers until datapoint `onset`, none from then on. */
export const consumersUntil =
  (count: number, onset: number) =>
  (i: number): number =>
    i < onset ? count : 0;

/** An ActiveMQ queue with its own traffic shape and consumer behaviour (streams `<name>`, `<name>/enqueue`). */
export const amqProblem =
  (name: string, shape: TrafficShape, spec: Omit<AmqQueueSpec, "name" | "enqueue">): Recipe<AmqQueue> =>
  (rng, n) =>
    amqQueue(rng.fork(name), n, { name, enqueue: traffic(rng.fork(`${name}/enqueue`), n, shape), ...spec });

/** A RabbitMQ queue with its own traffic shape and consumer behaviour (streams `<name>`, `<name>/publish`). */
export const rmqProblem =
  (name: string, shape: TrafficShape, spec: Omit<RmqQueueSpec, "name" | "publish">): Recipe<RmqQueue> =>
  (rng, n) =>
    rmqQueue(rng.fork(name), n, { name, publish: traffic(rng.fork(`${name}/publish`), n, shape), ...spec });

/** An ActiveMQ queue with no traffic at all (reply queues, nightly job queues outside their hour). */
export const idle =
  (name: string, o: Parameters<typeof idleAmqQueue>[2] = {}): Recipe<AmqQueue> =>
  (_rng, n) =>
    idleAmqQueue(n, name, o);

/** A dead-letter queue nobody consumes: `held` old messages, then `arriving` new ones a minute (none unless told). */
export const deadLetters =
  (name: string, o: { held: number; restingEnqueueTime: number; arriving?: number[] }): Recipe<AmqQueue> =>
  (rng, n) =>
    amqQueue(rng.fork(name), n, {
      name,
      enqueue: o.arriving ?? seq(n, () => 0),
      consumers: 0,
      producers: 0,
      initialSize: o.held,
      deliveredBefore: false,
      restingEnqueueTime: o.restingEnqueueTime,
    });

/** Node `-1` publishes until datapoint `minute`, then nothing does (a broker whose metrics stop). */
export const publishesUntil =
  (minute: number) =>
  (i: number): number | null =>
    i < minute ? 1 : null;

/** A healthy queue of either engine: its rate a minute, its consumers, and any other option of its shape. */
export const healthy = <O extends object>(name: string, rate: number, consumers: number, more?: O) => ({ name, rate, consumers, ...more });
