import type { DetectionConfig } from "../config";
import { allKnownAnd, at, fitLine, known, lastIndex, maxOf, meanOf, minOf, round, slice, sumOf } from "../series";
import {
  type Broker,
  type ConsumerLagCondition,
  EngineType,
  type Finding,
  fingerprintOf,
  IncidentKind,
  type Judgement,
  type QueueMetrics,
  type Series,
  Severity,
} from "../types";

/**
 * Consumer lag, after Burrow's evaluation rules adapted to queue metrics (DESIGN.md "Detector notes"):
 * a backlog that reached 0 recently is fine; otherwise the queue has no consumers, stalled consumers
 * (attached, nothing dequeued), or slow consumers (dequeuing, but the backlog never falls).
 * Dead-letter queues are judged only on growth: holding old messages without consumers is normal.
 */

type LagConfig = DetectionConfig["consumerLag"];

/** The series the rules need, whatever the engine calls them. */
export interface LagSeries {
  backlog: Series;
  consumers?: Series;
  /** Messages dequeued (acknowledged) per minute. */
  dequeues?: Series;
  /** Messages enqueued (published) per minute. */
  enqueues?: Series;
  /** ActiveMQ: dispatched but not acknowledged. RabbitMQ: unacknowledged. */
  inFlight?: Series;
  /** Broker-level acknowledgements per second (RabbitMQ), to confirm a stall. */
  brokerAckRate?: Series;
  /** ActiveMQ EnqueueTime: average broker residence time in ms. */
  residenceMs?: Series;
  /** True for a broker's totals standing in for its queues (RabbitMQ 4.x). */
  aggregate?: boolean;
}

/** The outcome of judging one queue: whether there was enough data, and the finding if any. */
interface LagVerdict {
  evaluated: boolean;
  finding: Finding | null;
}

const NOT_EVALUATED: LagVerdict = { evaluated: false, finding: null };
const QUIET: LagVerdict = { evaluated: true, finding: null };
const SPARKLINE_MINUTES = 30;
const RATE_MINUTES = 5;

/** Maps a queue's CloudWatch series to the rule inputs for its engine. */
export function lagSeriesForQueue(engine: EngineType, queue: QueueMetrics, brokerSeries: Readonly<Record<string, Series>>): LagSeries {
  const s = queue.series;
  if (engine === EngineType.rabbitmq) {
    return {
      backlog: s.MessageReadyCount ?? [],
      consumers: s.ConsumerCount,
      inFlight: s.MessageUnacknowledgedCount,
      brokerAckRate: brokerSeries.AckRate,
    };
  }
  return {
    backlog: s.QueueSize ?? [],
    consumers: s.ConsumerCount,
    dequeues: s.DequeueCount,
    enqueues: s.EnqueueCount,
    inFlight: s.InFlightCount,
    residenceMs: s.EnqueueTime,
  };
}

/**
 * Broker-wide lag for RabbitMQ 4.x, which publishes no per-queue metrics: the broker's ready count,
 * consumers, and publish/ack rates (per second, turned into per minute) stand in for one queue.
 */
export function lagSeriesForBroker(brokerSeries: Readonly<Record<string, Series>>): LagSeries {
  const perMinute = (s: Series | undefined) => s?.map((v) => (v == null ? null : v * 60));
  return {
    backlog: brokerSeries.MessageReadyCount ?? [],
    consumers: brokerSeries.ConsumerCount,
    dequeues: perMinute(brokerSeries.AckRate),
    enqueues: perMinute(brokerSeries.PublishRate),
    inFlight: brokerSeries.MessageUnacknowledgedCount,
    aggregate: true,
  };
}

/** True when a queue name looks like a dead-letter queue (`ActiveMQ.DLQ`, `DLQ.orders`, `orders.dlq`, ...). */
export function isDeadLetterQueue(name: string, config: LagConfig): boolean {
  let pattern = compiledPatterns.get(config.deadLetterPattern);
  if (!pattern) {
    pattern = new RegExp(config.deadLetterPattern, "i");
    compiledPatterns.set(config.deadLetterPattern, pattern);
  }
  return pattern.test(name);
}

const compiledPatterns = new Map<string, RegExp>();

/**
 * Judges one queue. `resource` is the queue name (null for the broker-wide RabbitMQ 4.x check).
 */
export function detectConsumerLag(broker: Broker, resource: string | null, series: LagSeries, config: LagConfig): Judgement {
  const verdict = judgeQueue(broker, resource, series, config);
  return {
    judged: verdict.evaluated ? [fingerprintOf({ kind: IncidentKind.consumerLag, broker: broker.name, resource })] : [],
    findings: verdict.finding ? [verdict.finding] : [],
  };
}

function judgeQueue(broker: Broker, resource: string | null, series: LagSeries, config: LagConfig): LagVerdict {
  const end = lastIndex(series.backlog);
  if (end < 0) return NOT_EVALUATED;
  const label = resource ?? "the broker";
  const make = (
    condition: ConsumerLagCondition,
    severity: Severity,
    summary: string,
    evidence: Record<string, number | string | null>,
  ): LagVerdict => ({
    evaluated: true,
    finding: {
      kind: IncidentKind.consumerLag,
      broker: broker.name,
      resource,
      severity,
      condition,
      summary,
      evidence: { condition, ...rateEvidence(series, end), ...evidence },
      series: sparkSeries(series, end),
    },
  });

  if (resource !== null && isDeadLetterQueue(resource, config)) {
    const window = slice(series.backlog, end, config.slowWindowMinutes + 1);
    const low = minOf(window);
    const now = at(series.backlog, end) as number;
    const growth = low == null ? 0 : now - low;
    if (growth >= config.deadLetterMinGrowth) {
      return make(
        "dead-letter-growing",
        Severity.warning,
        `Dead-letter queue ${label} grew by ${round(growth)} messages in ${config.slowWindowMinutes} min (now ${round(now)}): messages are failing.`,
        { backlog: now, growth },
      );
    }
    return QUIET;
  }

  const backlogNow = at(series.backlog, end) as number;

  // No consumers: held long enough that a redeploy (consumers back within a minute or two) stays quiet.
  const noConsumers = slice(series.consumers, end, config.noConsumersMinutes);
  const backlogRecent = slice(series.backlog, end, config.noConsumersMinutes);
  if (allKnownAnd(noConsumers, (c) => c === 0) && allKnownAnd(backlogRecent, (b) => b >= config.minBacklog)) {
    const since = runLength(series.consumers, end, (c) => c === 0);
    const growth = backlogNow - (backlogRecent[0] as number);
    const inflow = sumOf(slice(series.enqueues, end, config.noConsumersMinutes));
    const growing = growth > 0 || inflow > 0;
    return make(
      "no-consumers",
      growing ? Severity.critical : Severity.warning,
      `No consumers on ${label} for ${since} min; backlog ${round(backlogNow)}${growing ? ` and growing (+${round(growth)} in ${config.noConsumersMinutes} min)` : ""}.`,
      { backlog: backlogNow, consumers: 0, noConsumersForMinutes: since, backlogGrowth: growth },
    );
  }

  const stall = stalledFor(series, end, config);
  if (stall > 0) {
    const consumers = at(series.consumers, end);
    const start = at(series.backlog, end - stall + 1) ?? backlogNow;
    return make(
      "stalled",
      Severity.critical,
      `Consumers on ${label} are connected (${consumers ?? "?"}) but nothing was dequeued for ${stall} min; backlog ${round(backlogNow)} (+${round(backlogNow - start)}).`,
      { backlog: backlogNow, consumers, stalledForMinutes: stall, inFlight: at(series.inFlight, end) },
    );
  }

  const slow = slowGrowth(series, end, config) ?? steadyGrowth(series, end, config);
  if (slow) {
    return make(
      "slow-consumers",
      Severity.warning,
      `Backlog on ${label} has ${slow.minutes < config.slowWindowMinutes ? "grown every minute" : "not fallen"} for ${slow.minutes} min (+${round(slow.growth)} to ${round(backlogNow)}) although consumers are working; ${drainPhrase(series, end)}.`,
      { backlog: backlogNow, backlogGrowth: slow.growth, consumers: at(series.consumers, end) },
    );
  }
  return QUIET;
}

/** Minutes (ending at `end`) the predicate has held, counting back over known values. */
function runLength(series: Series | undefined, end: number, predicate: (v: number) => boolean): number {
  let n = 0;
  for (let i = end; i >= 0; i--) {
    const v = at(series, i);
    if (v == null || !predicate(v)) break;
    n++;
  }
  return n;
}

/** How many minutes the queue has been stalled (0 when it is not). */
function stalledFor(series: LagSeries, end: number, config: LagConfig): number {
  const n = config.stalledMinutes;
  const consumers = slice(series.consumers, end, n);
  const backlog = slice(series.backlog, end, n);
  if (!allKnownAnd(consumers, (c) => c > 0) || !allKnownAnd(backlog, (b) => b >= config.minBacklog)) return 0;

  if (series.dequeues) {
    if (!allKnownAnd(slice(series.dequeues, end, n), (d) => d === 0)) return 0;
    // A broker's totals include parked dead letters: without a backlog rising every minute an
    // idle broker would look stalled.
    if (series.aggregate && !backlog.every((b, i) => i === 0 || (b as number) > (backlog[i - 1] as number))) return 0;
    return Math.min(
      runLength(series.dequeues, end, (d) => d === 0),
      runLength(series.consumers, end, (c) => c > 0),
    );
  }
  // RabbitMQ publishes no per-queue dequeue count. A stall shows as a ready backlog rising every
  // minute while the unacknowledged count sits still (consumers hold their prefetch and ack
  // nothing), confirmed by the broker's ack rate at zero. Without that confirmation the queue is
  // left to the slow-consumer rule, which needs the whole window.
  const unacked = slice(series.inFlight, end, n);
  const acks = slice(series.brokerAckRate, end, n);
  const rising = backlog.every((b, i) => i === 0 || (b as number) > (backlog[i - 1] as number));
  const held = allKnownAnd(unacked, (u) => u > 0) && new Set(unacked).size === 1;
  const noAcks = allKnownAnd(acks, (a) => a <= 0.01);
  return rising && held && noAcks ? n : 0;
}

/** The largest share of a slow consumer's growth over the window that one minute may bring. */
const SLOW_MAX_STEP_SHARE = 0.5;

/** Minutes of a backlog growing every single minute under working consumers that tell a slow consumer before Burrow's window. */
export const STEADY_GROWTH_MINUTES = 7;

/**
 * A slow consumer seen sooner than Burrow's window: the backlog grew every minute for
 * `STEADY_GROWTH_MINUTES` (no minute without growth, none bringing half of it, as a burst would),
 * by at least `slowMinGrowth`, while consumers were attached and dequeuing every minute.
 */
function steadyGrowth(series: LagSeries, end: number, config: LagConfig): { growth: number; minutes: number } | null {
  const minutes = Math.min(STEADY_GROWTH_MINUTES, config.slowWindowMinutes);
  const window = slice(series.backlog, end, minutes);
  if (!allKnownAnd(window, (b) => b >= config.minBacklog)) return null;
  const values = window as number[];
  let biggestRise = 0;
  for (let i = 1; i < values.length; i++) {
    const step = (values[i] as number) - (values[i - 1] as number);
    if (step <= 0) return null;
    biggestRise = Math.max(biggestRise, step);
  }
  const growth = (values[values.length - 1] as number) - (values[0] as number);
  if (growth < config.slowMinGrowth || biggestRise > SLOW_MAX_STEP_SHARE * growth) return null;
  if (!allKnownAnd(slice(series.consumers, end, minutes), (c) => c > 0)) return null;
  if (series.dequeues && !allKnownAnd(slice(series.dequeues, end, minutes), (d) => d > 0)) return null;
  return { growth, minutes };
}

/** The shares Burrow's window rule judges by. */
const SLOW = {
  /** Of the window's minutes that must be known (and dequeuing, where dequeues are published). */
  minKnownShare: 0.8,
  /** Of the window's steps that may fall at most: a slow consumer's backlog grows minute after minute. */
  maxFallingShare: 0.25,
  /** Of the window's steps that must rise at least. */
  minRisingShare: 0.5,
  /** Of the window's peak the backlog must end at: still at its highest, not draining. */
  nearPeakShare: 0.95,
} as const;

/** The window Burrow's WARN rule judges: the known backlog values (oldest first) and the consumer series over it. */
export interface SlowWindow {
  minutes: number;
  backlog: readonly number[];
  consumers: readonly number[];
  /** Null where the engine publishes no per-queue dequeue count. */
  dequeues: readonly number[] | null;
}

/** The window ending at `end` that `slowGrowth` judges. */
export function slowWindowOf(series: LagSeries, end: number, config: LagConfig): SlowWindow {
  const minutes = config.slowWindowMinutes;
  return {
    minutes,
    backlog: known(slice(series.backlog, end, minutes)),
    consumers: known(slice(series.consumers, end, minutes)),
    dequeues: series.dequeues ? known(slice(series.dequeues, end, minutes)) : null,
  };
}

function growthOf(w: SlowWindow): number {
  return (w.backlog[w.backlog.length - 1] as number) - (w.backlog[0] as number);
}

function stepsOf(w: SlowWindow): number[] {
  return w.backlog.slice(1).map((b, i) => b - (w.backlog[i] as number));
}

/**
 * Burrow's WARN rule as named rules, each of which must pass, in the order they are checked: over the
 * window the backlog never reached zero and never really fell, while consumers were there and working.
 */
export const SlowGrowthRule = {
  /** Enough of the window is known to judge it. */
  windowKnown: (w: SlowWindow) => w.backlog.length >= Math.ceil(w.minutes * SLOW.minKnownShare),
  /** The backlog stayed at or above `minBacklog` (a backlog that reached zero is fine). */
  neverLow: (w: SlowWindow, config: LagConfig) => !w.backlog.some((b) => b < config.minBacklog),
  /** It grew by at least `slowMinGrowth` over the window. */
  grewEnough: (w: SlowWindow, config: LagConfig) => growthOf(w) >= config.slowMinGrowth,
  /**
   * It grew minute after minute: few falls and mostly rises. A jump after a flat stretch is something
   * else (a burst, judged by whether it drains), even when noise made the flat stretch wobble upwards.
   */
  roseSteadily: (w: SlowWindow) => {
    const steps = stepsOf(w);
    const falls = steps.filter((s) => s < 0).length;
    const rises = steps.filter((s) => s > 0).length;
    return !(falls > steps.length * SLOW.maxFallingShare || rises < steps.length * SLOW.minRisingShare);
  },
  /** No single minute brought more than `SLOW_MAX_STEP_SHARE` of the growth (a burst would). */
  noBurst: (w: SlowWindow) => Math.max(0, ...stepsOf(w)) <= SLOW_MAX_STEP_SHARE * growthOf(w),
  /** It ends near its peak. */
  nearPeak: (w: SlowWindow) => (w.backlog[w.backlog.length - 1] as number) >= SLOW.nearPeakShare * (maxOf(w.backlog) as number),
  /** Consumers were attached the whole window: minutes without belong to the no-consumers rule (a short redeploy stays quiet). */
  consumersThroughout: (w: SlowWindow) => w.consumers.length > 0 && !w.consumers.some((c) => c <= 0),
  /** They dequeued nearly every minute: minutes without dequeues belong to the stall rule. */
  dequeuing: (w: SlowWindow) => w.dequeues === null || w.dequeues.filter((d) => d > 0).length >= Math.ceil(w.minutes * SLOW.minKnownShare),
} as const satisfies Record<string, (w: SlowWindow, config: LagConfig) => boolean>;

/** Burrow's WARN rule: every rule of `SlowGrowthRule` passes over the window. */
function slowGrowth(series: LagSeries, end: number, config: LagConfig): { growth: number; minutes: number } | null {
  const w = slowWindowOf(series, end, config);
  const rules: readonly ((w: SlowWindow, config: LagConfig) => boolean)[] = Object.values(SlowGrowthRule);
  if (!rules.every((passes) => passes(w, config))) return null;
  return { growth: growthOf(w), minutes: w.minutes };
}

/** Dequeue and enqueue rates, time-to-drain and residence time, for the evidence. */
function rateEvidence(series: LagSeries, end: number): Record<string, number | null> {
  const deq = meanOf(slice(series.dequeues, end, RATE_MINUTES));
  const enq = meanOf(slice(series.enqueues, end, RATE_MINUTES));
  const residence = at(series.residenceMs, end);
  return {
    dequeuesPerMinute: deq == null ? null : round(deq),
    enqueuesPerMinute: enq == null ? null : round(enq),
    timeToDrainMinutes: timeToDrain(series, end),
    avgEnqueueTimeMs: residence == null ? null : round(residence, 0),
  };
}

/**
 * Minutes until the backlog is gone at current rates: backlog / (dequeue rate - enqueue rate), or,
 * without rates, from the backlog's own trend. Null when it never drains at current rates.
 */
export function timeToDrain(series: LagSeries, end: number): number | null {
  const backlog = at(series.backlog, end);
  if (backlog == null) return null;
  if (backlog <= 0) return 0;
  const deq = meanOf(slice(series.dequeues, end, RATE_MINUTES));
  const enq = meanOf(slice(series.enqueues, end, RATE_MINUTES));
  let drainPerMinute: number | null = null;
  if (deq != null && enq != null) drainPerMinute = deq - enq;
  else {
    const fit = fitLine(slice(series.backlog, end, RATE_MINUTES));
    if (fit) drainPerMinute = -fit.slope;
  }
  if (drainPerMinute == null || drainPerMinute <= 0) return null;
  return round(backlog / drainPerMinute, 0);
}

function drainPhrase(series: LagSeries, end: number): string {
  const ttd = timeToDrain(series, end);
  return ttd == null ? "at current rates it never drains" : `time to drain ~${ttd} min`;
}

function sparkSeries(series: LagSeries, end: number): Record<string, Series> {
  const out: Record<string, Series> = { backlog: slice(series.backlog, end, SPARKLINE_MINUTES) };
  if (series.consumers) out.consumers = slice(series.consumers, end, SPARKLINE_MINUTES);
  if (series.dequeues) out.dequeues = slice(series.dequeues, end, SPARKLINE_MINUTES);
  return out;
}
