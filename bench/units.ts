import { parseConfig } from "../shared/core/config";
import { getMetricDataCallBudget } from "../shared/core/cost-model";
import { meanOf, medianOf } from "../shared/core/series";
import { peakPerWindow, TYPICAL_LATENCY } from "../shared/sim/fleet/api-latency";
import { buildFleet, type FleetOptions } from "../shared/sim/fleet/reference-fleet";
import { COST_BUCKETS, emptySplit } from "./classify-requests";
import { type CycleRecord, FleetHarness } from "./fleet-harness";
import { deepMerge, type LibraryQuality, scoreLibrary } from "./library-quality";

/**
 * The benchmark's units of work. Each is self-contained and returns plain data, so it can run in a
 * worker thread: the fleet simulations are CPU-bound and the machine has two cores.
 */

/** Runs the real poll-metrics handler over a fleet for some simulated minutes. */
export interface FleetUnit {
  kind: "fleet";
  id: string;
  fleet: FleetOptions;
  /** Configuration keys merged into the defaults (e.g. `{ polling: { queueSweepMinutes: 15 } }`). */
  override: Record<string, unknown>;
  /** Cycles in all; cycle 0 is the cold start of a fresh Lambda container. */
  cycles: number;
  /** First cycle counted in the figures (0: the cold start is counted). */
  measureFrom: number;
  /** Cycles run with simulated API latency and real timers (for cycle times and request rates). */
  timed: number[];
}

/** Scores the scenario library under configuration variants. */
interface LibraryUnit {
  kind: "library";
  id: string;
  dir: string;
  variants: { label: string; override: Record<string, unknown> }[];
}

export type Unit = FleetUnit | LibraryUnit;
export type FleetUnitResult = Awaited<ReturnType<typeof runFleetUnit>>;
export type LibraryUnitResult = Awaited<ReturnType<typeof runLibraryUnit>>;
export type UnitResult = FleetUnitResult | LibraryUnitResult;

/** Cycles of a cold start kept for the report, until every broker is watched. */
const COLD_START_CYCLES_KEPT = 12;
/** Data starts three hours before the first cycle, so every window (and ListMetrics' PT3H) is full. */
const FIRST_MINUTE = 180;

export async function runUnit(unit: Unit): Promise<UnitResult> {
  return unit.kind === "fleet" ? runFleetUnit(unit) : runLibraryUnit(unit);
}

/** A timed cycle's wall time and request rates. */
function timedCycle(harness: FleetHarness, k: number, record: CycleRecord, callsBefore: number) {
  const getMetricDataStarts = harness.account.timedCalls
    .slice(callsBefore)
    .filter((c) => c.operation === "cloudwatch:GetMetricData")
    .map((c) => c.startedAt);
  return {
    cycle: k,
    ms: record.ms,
    // On the account's quota clock (requests paced by mq-sentinel wait on it), not the wall clock.
    mqPeakPerSecond: record.mqPeakPerSecond,
    getMetricDataPeakPerSecond: peakPerWindow(getMetricDataStarts),
    /** Amazon MQ requests the account's 15/s token bucket (burst 100) refused. */
    mqThrottled: record.mqThrottled,
  };
}

/** A cold-start cycle: how many brokers it watched and what it asked of Amazon MQ (on the quota's clock). */
function coldStartCycle(record: CycleRecord) {
  return {
    brokersWatched: record.brokersWatched,
    mqPeakPerSecond: record.mqPeakPerSecond,
    mqThrottled: record.mqThrottled,
    /** Seconds the cycle waited for the quota. */
    mqWaitSeconds: Math.round(record.mqWaitSeconds * 10) / 10,
  };
}

/** Incidents opened per kind, slow consumers apart (the healthy fleet's false alarms). */
function countByCondition(opened: readonly { fingerprint: string; summary: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of opened) {
    const kind = o.fingerprint.split("|")[0] ?? "?";
    const condition = /has not fallen|has grown every minute/.test(o.summary) ? `${kind} (slow consumers)` : kind;
    out[condition] = (out[condition] ?? 0) + 1;
  }
  return out;
}

async function runFleetUnit(unit: FleetUnit) {
  const started = performance.now();
  const fleet = buildFleet(unit.fleet);
  const { config } = parseConfig(deepMerge({}, unit.override));
  const harness = new FleetHarness(fleet, config);
  const { classifier } = harness;
  const measured: CycleRecord[] = [];
  const timed: ReturnType<typeof timedCycle>[] = [];
  const coldStart: ReturnType<typeof coldStartCycle>[] = [];
  let first: CycleRecord | null = null;
  let errors = 0;
  const reasonsBefore = { ...classifier.reasons };
  let drillingBefore = 0;
  for (let k = 0; k < unit.cycles; k++) {
    if (k === unit.measureFrom) {
      Object.assign(reasonsBefore, classifier.reasons);
      drillingBefore = classifier.drillingBrokerCycles;
    }
    const callsBefore = harness.account.timedCalls.length;
    const record = await harness.runCycle(FIRST_MINUTE + k, unit.timed.includes(k) ? TYPICAL_LATENCY : null);
    first ??= record;
    errors += record.errors.length;
    if (k >= unit.measureFrom) measured.push(record);
    if (record.latency) timed.push(timedCycle(harness, k, record, callsBefore));
    const watchedAll = (coldStart.at(-1)?.brokersWatched ?? 0) >= fleet.brokers.length;
    if (coldStart.length < COLD_START_CYCLES_KEPT && (coldStart.length === 0 || !watchedAll)) coldStart.push(coldStartCycle(record));
  }
  const f = first as CycleRecord;
  const split = emptySplit();
  for (const r of measured) for (const key of COST_BUCKETS) split[key] += r.split[key];
  const metrics = measured.map((r) => r.metricsRequested);
  const reasons = classifier.reasons;
  const brokerCycles = reasons.brokerCycles - reasonsBefore.brokerCycles;
  // Incidents opened in the measured cycles only (a warm-up's are not part of the figures).
  const opened = harness.opened.filter((o) => o.minute >= FIRST_MINUTE + unit.measureFrom);
  return {
    kind: "fleet" as const,
    id: unit.id,
    brokers: fleet.brokers.length,
    queues: fleet.brokers.reduce((n, b) => n + b.queues.length, 0),
    /** The first cycle (cold start). */
    first: { metricsRequested: f.metricsRequested, getMetricDataCalls: f.getMetricDataCalls, mqCalls: f.mqCalls },
    measuredCycles: measured.length,
    usage: {
      metricsRequested: metrics.reduce((a, b) => a + b, 0),
      listMetricsRequests: measured.reduce((n, r) => n + r.listMetricsCalls, 0),
      minutes: measured.length,
    },
    split,
    metricsPerCycle: { mean: meanOf(metrics) ?? 0, max: Math.max(...metrics) },
    getMetricDataCallsPerCycle: {
      mean: meanOf(measured.map((r) => r.getMetricDataCalls)) ?? 0,
      max: Math.max(...measured.map((r) => r.getMetricDataCalls)),
    },
    /** Cycles that made more GetMetricData calls than ceil(M/500) + 1. */
    callBudgetExceeded: [f, ...measured].filter((r) => r.getMetricDataCalls > getMetricDataCallBudget(r.metricsRequested)).length,
    mqCallsPerCycle: { mean: meanOf(measured.map((r) => r.mqCalls)) ?? 0, max: Math.max(...measured.map((r) => r.mqCalls)) },
    /** DescribeBroker results are reused this long: a run shorter than this sees no refresh. */
    inventoryTtlMinutes: config.polling.inventoryTtlMinutes,
    /** mq-sentinel's own compute milliseconds per measured cycle without latency (the simulation's work subtracted). */
    productCpuMsMedian: medianOf(measured.map((r) => (r.latency ? null : r.ms))),
    timed,
    /** The first cycles, until every broker is watched. */
    coldStart,
    drill: {
      triggersPerBrokerHour: brokerCycles ? ((reasons.triggers - reasonsBefore.triggers) / brokerCycles) * 60 : 0,
      /** Share of broker-minutes whose queues were all read because of a drill. */
      drillingShare: brokerCycles ? (classifier.drillingBrokerCycles - drillingBefore) / brokerCycles : 0,
      reasons: {
        climbing: reasons.climbing - reasonsBefore.climbing,
        jump: reasons.jump - reasonsBefore.jump,
        consumersDropped: reasons.consumersDropped - reasonsBefore.consumersDropped,
        brokerCycles,
      },
    },
    incidentsOpened: opened.length,
    openedSample: opened.slice(0, 5).map((o) => `t=${o.minute - FIRST_MINUTE} ${o.fingerprint}: ${o.summary}`),
    openedByCondition: countByCondition(opened),
    remediationRequests: harness.remediationRequests,
    errors,
    wallMs: performance.now() - started,
  };
}

async function runLibraryUnit(unit: LibraryUnit) {
  const started = performance.now();
  const variants: LibraryQuality[] = [];
  for (const v of unit.variants) variants.push(await scoreLibrary(unit.dir, v.label, v.override));
  return { kind: "library" as const, id: unit.id, variants, wallMs: performance.now() - started };
}
