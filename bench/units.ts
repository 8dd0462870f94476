import { parseConfig } from "../shared/core/config";
import { COST_BUCKETS, type CostBucket, emptySplit } from "./classify-requests";
import { getMetricDataCallBudget, type Usage } from "./cost-model";
import { buildFleet, type FleetOptions } from "./fleet";
import { type CycleRecord, FleetHarness } from "./fleet-harness";
import { peakPerWindow, TYPICAL_LATENCY } from "./latency";
import { deepMerge, type LibraryQuality, scoreLibrary } from "./library-quality";
import { mean, median } from "./stats";

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
export interface LibraryUnit {
  kind: "library";
  id: string;
  dir: string;
  variants: { label: string; override: Record<string, unknown> }[];
}

export type Unit = FleetUnit | LibraryUnit;

export interface TimedCycle {
  cycle: number;
  ms: number;
  metricsRequested: number;
  getMetricDataCalls: number;
  listMetricsCalls: number;
  mqCalls: number;
  /** Most Amazon MQ / GetMetricData requests started within one second. */
  mqPeakPerSecond: number;
  getMetricDataPeakPerSecond: number;
  /** Amazon MQ requests the account's 15/s token bucket (burst 100) refused. */
  mqThrottled: number;
  /** Most Amazon MQ requests started within one second of wall time (the simulated latency's clock). */
  mqWallPeakPerSecond: number;
}

/** One cycle of a cold start: how many brokers it watched and what it asked of Amazon MQ. */
export interface ColdStartCycle {
  cycle: number;
  brokersWatched: number;
  mqCalls: number;
  /** Most Amazon MQ requests within one second of the quota's clock. */
  mqPeakPerSecond: number;
  mqThrottled: number;
  /** Seconds the cycle waited for the quota (on the account's clock). */
  mqWaitSeconds: number;
}

/** Cycles of a cold start kept for the report, until every broker is watched. */
const COLD_START_CYCLES_KEPT = 12;

export interface FleetUnitResult {
  kind: "fleet";
  id: string;
  brokers: number;
  queues: number;
  /** The first cycle (cold start). */
  first: Omit<CycleRecord, "split" | "errors"> & { split: Record<CostBucket, number> };
  measuredCycles: number;
  usage: Usage;
  split: Record<CostBucket, number>;
  metricsPerCycle: { mean: number; min: number; max: number };
  getMetricDataCallsPerCycle: { mean: number; max: number };
  /** Cycles that made more GetMetricData calls than ceil(M/500) + 1. */
  callBudgetExceeded: number;
  mqCallsPerCycle: { mean: number; max: number };
  /** DescribeBroker results are reused this long: a run shorter than this sees no refresh. */
  inventoryTtlMinutes: number;
  /** mq-sentinel's own compute milliseconds per measured cycle without latency (the simulation's work subtracted). */
  productCpuMs: { median: number | null; max: number | null };
  timed: TimedCycle[];
  /** The first cycles, until every broker is watched. */
  coldStart: ColdStartCycle[];
  drill: {
    triggersPerBrokerHour: number;
    /** Share of broker-minutes whose queues were all read because of a drill. */
    drillingShare: number;
    reasons: { climbing: number; jump: number; consumersDropped: number; brokerCycles: number };
  };
  incidentsOpened: number;
  openedSample: string[];
  openedByCondition: Record<string, number>;
  remediationRequests: number;
  errors: number;
  errorSample: string[];
  wallMs: number;
}

export interface LibraryUnitResult {
  kind: "library";
  id: string;
  variants: LibraryQuality[];
  wallMs: number;
}

export type UnitResult = FleetUnitResult | LibraryUnitResult;

export async function runUnit(unit: Unit): Promise<UnitResult> {
  return unit.kind === "fleet" ? runFleetUnit(unit) : runLibraryUnit(unit);
}

/** Data starts three hours before the first cycle, so every window (and ListMetrics' PT3H) is full. */
const FIRST_MINUTE = 180;

export async function runFleetUnit(unit: FleetUnit): Promise<FleetUnitResult> {
  const started = performance.now();
  const fleet = buildFleet(unit.fleet);
  const { config } = parseConfig(deepMerge({}, unit.override));
  const harness = new FleetHarness(fleet, config);
  const timed = new Set(unit.timed);
  const measured: CycleRecord[] = [];
  const timedCycles: TimedCycle[] = [];
  let first: CycleRecord | null = null;
  const coldStart: ColdStartCycle[] = [];
  const errorSample: string[] = [];
  let errors = 0;
  const reasonsBefore = { ...harness.classifier.reasons };
  let drillingBefore = 0;
  for (let k = 0; k < unit.cycles; k++) {
    if (k === unit.measureFrom) {
      Object.assign(reasonsBefore, harness.classifier.reasons);
      drillingBefore = harness.classifier.drillingBrokerCycles;
    }
    const callsBefore = harness.account.timedCalls.length;
    const record = await harness.runCycle(FIRST_MINUTE + k, timed.has(k) ? TYPICAL_LATENCY : null);
    if (k === 0) first = record;
    errors += record.errors.length;
    for (const e of record.errors) if (errorSample.length < 10) errorSample.push(`cycle ${k}: ${e}`);
    if (k >= unit.measureFrom) measured.push(record);
    if (record.latency) {
      const calls = harness.account.timedCalls.slice(callsBefore);
      const mqStarts = calls.filter((c) => c.operation.startsWith("mq:")).map((c) => c.startedAt);
      timedCycles.push({
        cycle: k,
        ms: record.ms,
        metricsRequested: record.metricsRequested,
        getMetricDataCalls: record.getMetricDataCalls,
        listMetricsCalls: record.listMetricsCalls,
        mqCalls: record.mqCalls,
        // On the account's quota clock (requests paced by mq-sentinel wait on it), not the wall clock.
        mqPeakPerSecond: record.mqPeakPerSecond,
        getMetricDataPeakPerSecond: peakPerWindow(calls.filter((c) => c.operation === "cloudwatch:GetMetricData").map((c) => c.startedAt)),
        mqThrottled: record.mqThrottled,
        mqWallPeakPerSecond: peakPerWindow(mqStarts),
      });
    }
    if (
      coldStart.length < COLD_START_CYCLES_KEPT &&
      (coldStart.length === 0 || (coldStart.at(-1)?.brokersWatched ?? 0) < fleet.brokers.length)
    )
      coldStart.push({
        cycle: k,
        brokersWatched: record.brokersWatched,
        mqCalls: record.mqCalls,
        mqPeakPerSecond: record.mqPeakPerSecond,
        mqThrottled: record.mqThrottled,
        mqWaitSeconds: Math.round(record.mqWaitSeconds * 10) / 10,
      });
  }
  const split = emptySplit();
  for (const r of measured) for (const key of COST_BUCKETS) split[key] += r.split[key];
  const metrics = measured.map((r) => r.metricsRequested);
  const cpu = measured.map((r) => r.productCpuMs).filter((v): v is number => v !== null);
  const reasons = harness.classifier.reasons;
  const brokerCycles = reasons.brokerCycles - reasonsBefore.brokerCycles;
  const queues = fleet.brokers.reduce((n, b) => n + b.queues.length, 0);
  // Incidents opened in the measured cycles only (a warm-up's are not part of the figures).
  const opened = harness.opened.filter((o) => o.minute >= FIRST_MINUTE + unit.measureFrom);
  const openedByCondition: Record<string, number> = {};
  for (const o of opened) {
    const kind = o.fingerprint.split("|")[0] ?? "?";
    const condition = /has not fallen|has grown every minute/.test(o.summary) ? `${kind} (slow consumers)` : kind;
    openedByCondition[condition] = (openedByCondition[condition] ?? 0) + 1;
  }
  const f = first as CycleRecord;
  return {
    kind: "fleet",
    id: unit.id,
    brokers: fleet.brokers.length,
    queues,
    first: {
      minute: f.minute,
      metricsRequested: f.metricsRequested,
      getMetricDataCalls: f.getMetricDataCalls,
      listMetricsCalls: f.listMetricsCalls,
      mqCalls: f.mqCalls,
      ms: f.ms,
      productCpuMs: f.productCpuMs,
      latency: f.latency,
      drillTriggers: f.drillTriggers,
      brokersWatched: f.brokersWatched,
      mqThrottled: f.mqThrottled,
      mqPeakPerSecond: f.mqPeakPerSecond,
      mqWaitSeconds: f.mqWaitSeconds,
      opened: f.opened,
      split: f.split,
    },
    measuredCycles: measured.length,
    usage: {
      metricsRequested: metrics.reduce((a, b) => a + b, 0),
      listMetricsRequests: measured.reduce((n, r) => n + r.listMetricsCalls, 0),
      minutes: measured.length,
    },
    split,
    metricsPerCycle: { mean: mean(metrics) ?? 0, min: Math.min(...metrics), max: Math.max(...metrics) },
    getMetricDataCallsPerCycle: {
      mean: mean(measured.map((r) => r.getMetricDataCalls)) ?? 0,
      max: Math.max(...measured.map((r) => r.getMetricDataCalls)),
    },
    callBudgetExceeded: [f, ...measured].filter((r) => r.getMetricDataCalls > getMetricDataCallBudget(r.metricsRequested)).length,
    mqCallsPerCycle: { mean: mean(measured.map((r) => r.mqCalls)) ?? 0, max: Math.max(...measured.map((r) => r.mqCalls)) },
    inventoryTtlMinutes: config.polling.inventoryTtlMinutes,
    productCpuMs: { median: median(cpu), max: cpu.length ? Math.max(...cpu) : null },
    timed: timedCycles,
    coldStart,
    drill: {
      triggersPerBrokerHour: brokerCycles ? ((reasons.triggers - reasonsBefore.triggers) / brokerCycles) * 60 : 0,
      drillingShare: brokerCycles ? (harness.classifier.drillingBrokerCycles - drillingBefore) / brokerCycles : 0,
      reasons: {
        climbing: reasons.climbing - reasonsBefore.climbing,
        jump: reasons.jump - reasonsBefore.jump,
        consumersDropped: reasons.consumersDropped - reasonsBefore.consumersDropped,
        brokerCycles,
      },
    },
    incidentsOpened: opened.length,
    openedSample: opened.slice(0, 5).map((o) => `t=${o.minute - FIRST_MINUTE} ${o.fingerprint}: ${o.summary}`),
    openedByCondition,
    remediationRequests: harness.remediationRequests,
    errors,
    errorSample: [...errorSample, ...harness.log.problems.slice(0, 5)],
    wallMs: performance.now() - started,
  };
}

async function runLibraryUnit(unit: LibraryUnit): Promise<LibraryUnitResult> {
  const started = performance.now();
  const variants: LibraryQuality[] = [];
  for (const v of unit.variants) variants.push(await scoreLibrary(unit.dir, v.label, v.override));
  return { kind: "library", id: unit.id, variants, wallMs: performance.now() - started };
}
