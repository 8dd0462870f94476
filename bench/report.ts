import {
  ALARMS_PER_BROKER,
  ALARMS_PER_QUEUE,
  alarmEquivalentUsdPerQueueMonth,
  getMetricDataCallBudget,
  MINUTES_PER_MONTH,
  meetsCostTarget,
  splitUsdPerQueueMonth,
  TARGET_SHARE_OF_ALARMS,
  USD_PER_ALARM_MONTH,
  USD_PER_LIST_METRICS_REQUEST,
  USD_PER_METRIC,
  usdPerQueueMonth,
} from "../shared/core/cost-model";
import { medianOf, round } from "../shared/core/series";
import { buildFleet, fleetSummary, REFERENCE_FLEET } from "../shared/sim/fleet/reference-fleet";
import type { ApiEventsBenchResult } from "./api-events-bench";
import type { BundleReport } from "./bundles";
import { COST_BUCKETS, type CostBucket } from "./classify-requests";
import type { DetectorBenchResult } from "./detector-bench";
import type { LibraryQuality } from "./library-quality";
import type { FleetUnitResult } from "./units";

/** Turns the units' results into the figures: the JSON line and the readable tables. */

export interface BenchInputs {
  day: FleetUnitResult;
  tradeOff: FleetUnitResult[];
  /** The default configuration on the same fleet with flat traffic (the cost floor). */
  flat: FleetUnitResult;
  library: LibraryQuality[];
  scaling: FleetUnitResult[];
  detectors: DetectorBenchResult;
  apiEvents: ApiEventsBenchResult;
  bundles: BundleReport;
  variants: { label: string; override: Record<string, unknown> }[];
  benchSeconds: number;
}

/** Everything the benchmark measured: the `--json` line. */
export type BenchFigures = ReturnType<typeof buildFigures>;

/** Rounds to `digits` significant figures (dollars per queue-month span four orders of magnitude). */
function roundSignificant(value: number, digits = 3): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const f = 10 ** (digits - 1 - magnitude);
  return Math.round(value * f) / f;
}

/** How the 1,000-broker fleet's cold start went under the Amazon MQ quota (15/s, burst 100, enforced by the simulated account). */
function coldStartFigures(r: FleetUnitResult | undefined) {
  if (!r || r.coldStart.length === 0) return null;
  const all = r.coldStart.findIndex((c) => c.brokersWatched >= r.brokers);
  return {
    brokers: r.brokers,
    /** Cycles (minutes) until every broker was described and watched. */
    cyclesUntilAllWatched: all < 0 ? null : all + 1,
    brokersWatchedPerCycle: r.coldStart.map((c) => c.brokersWatched),
    /** Most Amazon MQ requests within one second of the quota's clock, over the cold start. */
    mqPeakRequestsPerSecond: Math.max(...r.coldStart.map((c) => c.mqPeakPerSecond)),
    /** Requests the quota refused (the adapter retries them). */
    mqThrottled: r.coldStart.reduce((n, c) => n + c.mqThrottled, 0),
    /** The longest a cycle waited for the quota, seconds (the poller's timeout is 55 s). */
    mqWaitSecondsMaxPerCycle: Math.max(...r.coldStart.map((c) => c.mqWaitSeconds)),
    /** Wall time of the first cycle with simulated latency (pacing waits are on the simulated clock, not included). */
    coldCycleMs: round(r.timed.find((t) => t.cycle === 0)?.ms ?? Number.NaN, 0),
  };
}

const BUCKET_LABELS: Record<CostBucket | "listMetrics", string> = {
  broker: "broker-level signals every minute (active node)",
  limits: "connection/memory/disk limits",
  sweep: "queue sweeps",
  drill: "drills, first stage (the backlog of each queue of a broker whose totals move)",
  drillSuspects: "drills, second stage (every metric of the queues whose backlog is not draining)",
  deadLetterWatch: "dead-letter queues watched every minute",
  incidentQueues: "queues of open incidents",
  standbyProbe: "standby probes",
  listMetrics: "ListMetrics (queue discovery)",
};

function scalingRow(r: FleetUnitResult) {
  const warm = r.timed.filter((t) => t.cycle > 0);
  const cold = r.timed.find((t) => t.cycle === 0);
  const metricsMax = Math.max(r.metricsPerCycle.max, r.first.metricsRequested);
  // A run shorter than the DescribeBroker TTL has no refresh in it: spread the cold start's
  // DescribeBroker calls over the TTL on top of the warm cycles' ListBrokers calls.
  const estimated = r.measuredCycles < r.inventoryTtlMinutes;
  const mqMean = estimated
    ? r.mqCallsPerCycle.mean + (r.first.mqCalls - r.mqCallsPerCycle.mean) / r.inventoryTtlMinutes
    : r.mqCallsPerCycle.mean;
  return {
    brokers: r.brokers,
    queues: r.queues,
    metricsPerCycle: round(r.metricsPerCycle.mean, 0),
    metricsFirstCycle: r.first.metricsRequested,
    metricsMaxCycle: metricsMax,
    getMetricDataCallsPerCycle: Math.max(r.getMetricDataCallsPerCycle.max, r.first.getMetricDataCalls),
    getMetricDataCallsMean: round(r.getMetricDataCallsPerCycle.mean, 1),
    getMetricDataCallBudget: getMetricDataCallBudget(metricsMax),
    callBudgetExceeded: r.callBudgetExceeded,
    getMetricDataPeakPerSecond: Math.max(0, ...r.timed.map((t) => t.getMetricDataPeakPerSecond)),
    mqCallsPerCycle: Math.max(r.mqCallsPerCycle.max, r.first.mqCalls),
    mqCallsPerCycleMean: round(mqMean, 1),
    mqCallsPerSecondMean: round(mqMean / 60, 2),
    /** True when the run was shorter than the DescribeBroker TTL: the mean spreads the cold start's calls over it. */
    mqMeanEstimated: estimated,
    mqPeakPerSecond: Math.max(0, ...r.timed.map((t) => t.mqPeakPerSecond)),
    mqThrottled: Math.max(0, ...r.timed.map((t) => t.mqThrottled)),
    cycleMs: round(medianOf(warm.map((t) => t.ms)) ?? Number.NaN, 0),
    cycleMsMax: round(Math.max(0, ...warm.map((t) => t.ms)), 0),
    cycleMsCold: round(cold?.ms ?? Number.NaN, 0),
    ownComputeMs: round(r.productCpuMsMedian ?? Number.NaN, 0),
  };
}

/** Dollars per queue-month of each bucket, to three significant figures. */
function roundedSplit(r: FleetUnitResult): Record<string, number> {
  const split = splitUsdPerQueueMonth(r.split, r.usage.minutes, r.queues);
  return Object.fromEntries(COST_BUCKETS.map((b) => [b, roundSignificant(split[b])]));
}

function tradeOffRow(v: BenchInputs["variants"][number], q: LibraryQuality | undefined, f: FleetUnitResult, alarm: number) {
  const cost = usdPerQueueMonth(f.usage, f.queues);
  return {
    setting: v.label,
    override: v.override,
    recall: q?.summary.recall ?? null,
    precision: q?.summary.precision ?? null,
    medianDelay: q?.summary.medianDelay ?? null,
    p90Delay: q?.summary.p90Delay ?? null,
    falseAlarms: q?.summary.falseAlarms ?? null,
    usdPerQueueMonth: roundSignificant(cost),
    shareOfAlarmCost: round(cost / alarm, 2),
    drillShare: round(f.split.drill / Math.max(1, f.usage.metricsRequested), 2),
    healthyFleetIncidentsPerDay: round((f.incidentsOpened / f.usage.minutes) * 1440, 1),
  };
}

export function buildFigures(inputs: BenchInputs) {
  const { day, tradeOff, flat, library, scaling, detectors, apiEvents, bundles } = inputs;
  const reference = buildFleet(REFERENCE_FLEET);
  const summary = fleetSummary(reference);
  const alarm = alarmEquivalentUsdPerQueueMonth({ queues: summary.queues ?? 0, brokers: reference.brokers.length });
  const usd = usdPerQueueMonth(day.usage, day.queues);
  const listMetricsUsd = usdPerQueueMonth(
    { metricsRequested: 0, listMetricsRequests: day.usage.listMetricsRequests, minutes: day.usage.minutes },
    day.queues,
  );
  const ref = scaling.find((r) => r.brokers === REFERENCE_FLEET.brokers) ?? (scaling[0] as FleetUnitResult);
  const refRow = scalingRow(ref);
  const defaults = (library[0] as LibraryQuality).summary;
  const brokerMinutes = Math.max(1, day.drill.reasons.brokerCycles);
  const flatUsd = usdPerQueueMonth(flat.usage, flat.queues);
  const fleet: Record<string, number> = { ...summary, queuesPerBroker: REFERENCE_FLEET.queuesPerBroker, seed: REFERENCE_FLEET.seed };
  return {
    fleet,
    usdPerQueueMonth: roundSignificant(usd),
    alarmEquivalentUsdPerQueueMonth: roundSignificant(alarm),
    targetUsdPerQueueMonth: roundSignificant(TARGET_SHARE_OF_ALARMS * alarm),
    meetsCostTarget: meetsCostTarget(usd, alarm),
    shareOfAlarmCost: round(usd / alarm, 2),
    costBasis: `default configuration, ${day.usage.minutes} one-minute cycles (a simulated day, cold start included) on the first ${day.brokers} brokers (${day.queues} queues) of the reference fleet`,
    usdPerQueueMonthReferenceFleet: roundSignificant(usdPerQueueMonth(ref.usage, ref.queues)),
    costSplitUsdPerQueueMonth: { ...roundedSplit(day), listMetrics: roundSignificant(listMetricsUsd) },
    drill: {
      triggersPerBrokerHour: round(day.drill.triggersPerBrokerHour, 1),
      drillingShareOfBrokerMinutes: round(day.drill.drillingShare, 3),
      reasonShareOfBrokerMinutes: {
        climbing: round(day.drill.reasons.climbing / brokerMinutes, 3),
        jump: round(day.drill.reasons.jump / brokerMinutes, 3),
        consumersDropped: round(day.drill.reasons.consumersDropped / brokerMinutes, 3),
      },
    },
    metricsPerCycle: refRow.metricsPerCycle,
    metricsPerCycleFirst: refRow.metricsFirstCycle,
    metricsPerCycleMax: refRow.metricsMaxCycle,
    getMetricDataCallsPerCycle: refRow.getMetricDataCallsPerCycle,
    getMetricDataCallBudget: refRow.getMetricDataCallBudget,
    getMetricDataCallBudgetExceeded: [...scaling, day, ...tradeOff, flat].reduce((n, r) => n + r.callBudgetExceeded, 0),
    getMetricDataPeakPerSecond: refRow.getMetricDataPeakPerSecond,
    mqCallsPerCycle: refRow.mqCallsPerCycle,
    mqCallsPerCycleMean: refRow.mqCallsPerCycleMean,
    mqPeakRequestsPerSecond: refRow.mqPeakPerSecond,
    mqThrottledPerInventoryRefresh: ref.timed.find((t) => t.cycle === 5)?.mqThrottled ?? null,
    coldStart1000: coldStartFigures(scaling.find((r) => r.brokers === 1000)),
    cycleMs: refRow.cycleMs,
    cycleMsMax: refRow.cycleMsMax,
    cycleMsCold: refRow.cycleMsCold,
    ownComputeMsPerCycle: refRow.ownComputeMs,
    detectMsPer1000Queues: round(detectors.msPer1000Queues, 2),
    /** CloudTrail events one warm api-activity handler processes per second (memory stores, rendering included). */
    apiEventsPerSecond: apiEvents.eventsPerSecond,
    apiEventMedianMs: apiEvents.medianMs,
    apiEventP99Ms: apiEvents.p99Ms,
    bundleBytes: Object.fromEntries(bundles.functions.map((f) => [f.name, f.zipBytes])),
    coldStartMs: Object.fromEntries(bundles.functions.map((f) => [f.name, round(f.importMs, 0)])),
    coldStartProcessMs: Object.fromEntries(bundles.functions.map((f) => [f.name, round(f.processMs, 0)])),
    bundleSource: bundles.source,
    ...(bundles.error ? { bundleError: bundles.error } : {}),
    recall: defaults.recall,
    precision: defaults.precision,
    medianDelay: defaults.medianDelay,
    p90Delay: defaults.p90Delay,
    falseAlarms: defaults.falseAlarms,
    unsafeReboots: defaults.unsafeReboots,
    scenarios: defaults.scenarios,
    healthyFleet: {
      basis: `${day.usage.minutes} minutes of ${day.brokers} healthy brokers (${day.queues} queues)`,
      incidentsOpened: day.incidentsOpened,
      incidentsOpenedPer1000QueueDays: round((day.incidentsOpened / day.queues) * 1000 * (1440 / day.usage.minutes), 1),
      byCondition: day.openedByCondition,
      sample: day.openedSample,
      remediationRequests: day.remediationRequests,
      errors: day.errors,
    },
    scaling: scaling.map(scalingRow),
    tradeOff: inputs.variants.map((v, i) =>
      tradeOffRow(
        v,
        library.find((l) => l.label === v.label),
        tradeOff[i] as FleetUnitResult,
        alarm,
      ),
    ),
    costFloorFlatTraffic: {
      setting: "default configuration, same fleet with flat traffic (no drill ever triggers)",
      usdPerQueueMonth: roundSignificant(flatUsd),
      shareOfAlarmCost: round(flatUsd / alarm, 2),
      split: roundedSplit(flat),
    },
    prices: {
      getMetricDataPerMetric: USD_PER_METRIC,
      listMetricsPerRequest: USD_PER_LIST_METRICS_REQUEST,
      alarmPerMonth: USD_PER_ALARM_MONTH,
      minutesPerMonth: MINUTES_PER_MONTH,
      alarmsPerQueue: ALARMS_PER_QUEUE,
      alarmsPerBroker: ALARMS_PER_BROKER,
    },
    benchSeconds: round(inputs.benchSeconds, 1),
  };
}

function usd(value: number): string {
  return value >= 1 ? `$${value.toFixed(2)}` : `$${value.toFixed(3)}`;
}

const n = (v: number | null) => (v !== null && Number.isFinite(v) ? v.toLocaleString("en-US") : String(v));
const pct = (share: number) => `${(share * 100).toFixed(1)}%`;

type Cell = string | number | null;

/** A markdown table, padded so it also reads in a terminal. */
function table(headers: string[], rows: Cell[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] as number)).join(" | ")} |`;
  return [line(headers), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.slice(1).map(line)].join("\n");
}

/** A table whose columns are each a header and how a row fills it; `extra` rows follow as they are. */
function columnTable<T>(rows: readonly T[], columns: [string, (row: T) => Cell][], extra: Cell[][] = []): string {
  return table(
    columns.map(([header]) => header),
    [...rows.map((row) => columns.map(([, cell]) => cell(row))), ...extra],
  );
}

/** A titled section of the report: a blank line, the heading, a blank line, then its blocks. */
function section(title: string, ...blocks: string[]): string[] {
  return ["", `## ${title}`, "", ...blocks];
}

/** A paragraph after the one before it. */
function paragraph(...lines: string[]): string[] {
  return ["", ...lines];
}

function fleetHeader(f: BenchFigures["fleet"]): string[] {
  return [
    `mq-sentinel benchmark — reference fleet: ${n(f.brokers ?? 0)} brokers x ${f.queuesPerBroker} queues = ${n(f.queues ?? 0)} queues ` +
      `(${f.activemq} ActiveMQ 5.18, ${f.rabbitmq} RabbitMQ 3.13; ${f.activeStandby} active/standby, ${f.cluster} cluster, ${f.single} single-instance; ` +
      `${f["dead-letter"]} dead-letter queues), seed ${f.seed}`,
  ];
}

function costSection(j: BenchFigures): string[] {
  const figures = table(
    ["figure", "value"],
    [
      ["usdPerQueueMonth (whole CloudWatch spend per monitored queue-month)", usd(j.usdPerQueueMonth)],
      [
        `alarmEquivalentUsdPerQueueMonth (${ALARMS_PER_QUEUE} alarms per queue + ${ALARMS_PER_BROKER} per broker, $0.10 each)`,
        usd(j.alarmEquivalentUsdPerQueueMonth),
      ],
      [
        `target: at most ${TARGET_SHARE_OF_ALARMS} x the alarm set`,
        `${usd(j.targetUsdPerQueueMonth)}: ${j.meetsCostTarget ? "met" : `MISSED (spend = ${j.shareOfAlarmCost} x the alarm set)`}`,
      ],
      ["cross-check: 30 warm minutes of the whole 200-broker fleet", usd(j.usdPerQueueMonthReferenceFleet)],
      [
        "floor: same fleet with flat traffic (no drill ever fires)",
        `${usd(j.costFloorFlatTraffic.usdPerQueueMonth)} (${j.costFloorFlatTraffic.shareOfAlarmCost} x the alarm set)`,
      ],
    ],
  );
  const split = j.costSplitUsdPerQueueMonth;
  const total = Object.values(split).reduce((a, b) => a + b, 0);
  const splitTable = table(
    ["what was read", "$ per queue-month", "share"],
    Object.entries(split)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [BUCKET_LABELS[k as CostBucket] ?? k, usd(v), pct(v / total)]),
  );
  const reasons = j.drill.reasonShareOfBrokerMinutes;
  return [
    ...section("CloudWatch cost (default configuration)", figures),
    ...paragraph(`Basis: ${j.costBasis}.`, "", splitTable),
    ...paragraph(
      `Drills: the broker-level totals "moved" ${j.drill.triggersPerBrokerHour} times per broker-hour, and a drill read all of a broker's queues in ` +
        `${pct(j.drill.drillingShareOfBrokerMinutes)} of broker-minutes. Share of broker-minutes meeting each trigger condition: ` +
        `total backlog climbing 3 minutes by max(50, 10%) ${pct(reasons.climbing)}, jumped by max(100, 20%) and held a minute ${pct(reasons.jump)}, ` +
        `consumers below their 10-minute maximum ${pct(reasons.consumersDropped)}.`,
    ),
  ];
}

function coldStartCells(c: BenchFigures["coldStart1000"]): [string, string] {
  if (!c) return ["not run", "not run"];
  return [
    `${c.cyclesUntilAllWatched ?? "more than measured"} / ${c.brokersWatchedPerCycle.join(", ")}`,
    `${c.mqPeakRequestsPerSecond} / ${c.mqThrottled} / ${c.mqWaitSecondsMaxPerCycle} / ${n(c.coldCycleMs)}`,
  ];
}

function cycleSection(j: BenchFigures, apiEvents: number): string[] {
  const [coldWatched, coldQuota] = coldStartCells(j.coldStart1000);
  return section(
    "One cycle, reference fleet (200 brokers x 50 queues)",
    table(
      ["figure", "value"],
      [
        ["metricsPerCycle (mean of 30 warm cycles)", n(j.metricsPerCycle)],
        ["metrics in the first (cold-start) cycle / largest cycle", `${n(j.metricsPerCycleFirst)} / ${n(j.metricsPerCycleMax)}`],
        [
          "getMetricDataCallsPerCycle (most in one cycle; budget ceil(M/500)+1)",
          `${j.getMetricDataCallsPerCycle} (budget ${j.getMetricDataCallBudget}; cycles over budget in every run: ${j.getMetricDataCallBudgetExceeded})`,
        ],
        ["GetMetricData requests started within one second (peak; quota 50/s)", n(j.getMetricDataPeakPerSecond)],
        ["Amazon MQ calls per cycle (most / mean)", `${j.mqCallsPerCycle} / ${j.mqCallsPerCycleMean}`],
        ["Amazon MQ requests within one second of the quota's clock (peak; quota 15/s, burst 100)", n(j.mqPeakRequestsPerSecond)],
        [
          "of the DescribeBroker refresh cycle's calls, the account's 15/s token bucket (burst 100) throttled",
          n(j.mqThrottledPerInventoryRefresh),
        ],
        ["cold start of 1,000 brokers: cycles until all are watched / brokers watched per cycle", coldWatched],
        [
          "cold start of 1,000 brokers: Amazon MQ peak req/s (quota clock) / throttled / longest wait for the quota in a cycle (s) / first cycle ms",
          coldQuota,
        ],
        [
          "cycleMs: median warm cycle with simulated latency / slowest warm / cold start",
          `${n(j.cycleMs)} / ${n(j.cycleMsMax)} / ${n(j.cycleMsCold)}`,
        ],
        ["mq-sentinel's own compute per warm cycle, ms (no latency, simulation subtracted)", n(j.ownComputeMsPerCycle)],
        ["detectMsPer1000Queues (pure detectors: 1,000 queues and their 20 brokers, median)", String(j.detectMsPer1000Queues)],
        [
          `apiEventsPerSecond: the library's CloudTrail events through one warm api-activity handler (${n(apiEvents)} events; memory stores, Slack rendering included) / median / p99 ms per event`,
          `${n(j.apiEventsPerSecond)} / ${j.apiEventMedianMs} / ${j.apiEventP99Ms}`,
        ],
      ],
    ),
  );
}

function scalingSection(rows: BenchFigures["scaling"]): string[] {
  const out = section(
    "Scaling (50 queues per broker; latency GetMetricData 50-150 ms, ListMetrics 30 ms, Amazon MQ 40 ms)",
    columnTable(rows, [
      ["brokers", (r) => n(r.brokers)],
      ["queues", (r) => n(r.queues)],
      ["metrics/cycle (warm mean)", (r) => n(r.metricsPerCycle)],
      ["metrics, 1st cycle", (r) => n(r.metricsFirstCycle)],
      ["GetMetricData calls (most; budget)", (r) => `${r.getMetricDataCallsPerCycle}; ${r.getMetricDataCallBudget}`],
      ["GetMetricData peak/s", (r) => r.getMetricDataPeakPerSecond],
      ["MQ calls/cycle (most / mean)", (r) => `${r.mqCallsPerCycle} / ${r.mqMeanEstimated ? "~" : ""}${r.mqCallsPerCycleMean}`],
      ["MQ req/s (mean / peak)", (r) => `${r.mqMeanEstimated ? "~" : ""}${r.mqCallsPerSecondMean} / ${r.mqPeakPerSecond}`],
      ["MQ throttled (15/s bucket)", (r) => n(r.mqThrottled)],
      ["cycle ms (warm / cold)", (r) => `${n(r.cycleMs)} / ${n(r.cycleMsCold)}`],
      ["own compute ms (warm)", (r) => n(r.ownComputeMs)],
    ]),
  );
  const largest = rows[rows.length - 1];
  if (!largest) return out;
  return [
    ...out,
    ...paragraph(
      `Warm means: 30 cycles for 10 and 200 brokers, 2 for ${n(largest.brokers)} (simulating one such cycle takes ~10 s). ` +
        "Cold: the first cycle of a new container (every DescribeBroker, every queue listed, every queue swept). " +
        "~: the run is shorter than the 5-minute DescribeBroker TTL, so the mean spreads the cold start's DescribeBroker calls over it. " +
        "Cycle ms: wall time with simulated latency, less the simulated account's own work. " +
        "Own compute: a warm cycle without latency less the simulated account's work (nothing else waits), on this machine.",
    ),
  ];
}

/** The detection quality columns the trade-off and the library's tables share. */
type Detection = Record<"recall" | "precision" | "medianDelay" | "p90Delay", number | null>;
const DETECTION_COLUMNS: [string, (row: Detection) => Cell][] = [
  ["recall", (r) => r.recall],
  ["precision", (r) => r.precision],
  ["median delay (min)", (r) => r.medianDelay],
  ["p90 delay (min)", (r) => r.p90Delay],
];

function tradeOffSection(j: BenchFigures): string[] {
  const floor = j.costFloorFlatTraffic;
  return section(
    "Trade-off: cadence vs cost vs detection (scenario library replayed with each setting; cost: 3 warm hours of the first 20 brokers)",
    columnTable(
      j.tradeOff,
      [
        ["setting", (r) => r.setting],
        ...DETECTION_COLUMNS,
        ["$ per queue-month", (r) => usd(r.usdPerQueueMonth)],
        ["x alarm set", (r) => r.shareOfAlarmCost],
        ["drills' share", (r) => `${Math.round(r.drillShare * 100)}%`],
        ["false incidents/day, 20 healthy brokers", (r) => r.healthyFleetIncidentsPerDay],
      ],
      [["(floor) default settings, flat traffic", "–", "–", "–", "–", usd(floor.usdPerQueueMonth), floor.shareOfAlarmCost, "0%", "–"]],
    ),
  );
}

function qualitySection(j: BenchFigures): string[] {
  return section(
    "Detection quality on the built-in scenario library (default configuration, as `mq-sentinel replay --score`)",
    columnTable(
      [j],
      [
        ["scenarios", (r) => r.scenarios],
        ...DETECTION_COLUMNS,
        ["false alarms", (r) => r.falseAlarms],
        ["unsafe reboots", (r) => r.unsafeReboots],
      ],
    ),
  );
}

function bundlesSection(j: BenchFigures, bundles: BundleReport): string[] {
  const out = section(
    `Packaged functions (${j.bundleSource}; importing the bundled handler in a fresh node ${process.version}, median of 5)`,
    columnTable(bundles.functions, [
      ["function", (b) => b.name],
      ["zip bytes", (b) => n(b.zipBytes)],
      ["handler bytes", (b) => n(b.handlerBytes)],
      ["import ms", (b) => n(round(b.importMs, 0))],
      ["whole node process ms", (b) => n(round(b.processMs, 0))],
    ]),
  );
  return j.bundleError ? [...out, ...paragraph(`Packaging: ${j.bundleError}`)] : out;
}

function healthyFleetSection(hf: BenchFigures["healthyFleet"]): string[] {
  const byCondition = Object.entries(hf.byCondition)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ");
  return [
    ...section(
      "The healthy fleet",
      `${hf.basis}: ${hf.incidentsOpened} incidents opened (${hf.incidentsOpenedPer1000QueueDays} per 1,000 queue-days; ${byCondition}), ` +
        `${hf.remediationRequests} reboot requests, ${hf.errors} handled errors. The fleet has no problem: every incident is a false alarm.`,
    ),
    ...hf.sample.slice(0, 3).map((s) => `- ${s}`),
  ];
}

function runTime(j: BenchFigures, inputs: BenchInputs): string[] {
  const simulated = inputs.day.usage.minutes + inputs.tradeOff.reduce((a, t) => a + t.usage.minutes, 0) + inputs.flat.usage.minutes;
  return paragraph(`Bench run time: ${j.benchSeconds} s (${n(simulated)} simulated fleet-minutes in phase 1, then the timed runs).`);
}

/** The readable report (markdown tables, so the README can take them as they are). */
export function formatReport(j: BenchFigures, inputs: BenchInputs): string {
  return [
    ...fleetHeader(j.fleet),
    ...costSection(j),
    ...cycleSection(j, inputs.apiEvents.events),
    ...scalingSection(j.scaling),
    ...tradeOffSection(j),
    ...qualitySection(j),
    ...bundlesSection(j, inputs.bundles),
    ...healthyFleetSection(j.healthyFleet),
    ...runTime(j, inputs),
  ].join("\n");
}
