import type { DetectionConfig } from "../config";
import { rabbitMqFileDescriptorLimit, rabbitMqNodeCount } from "../instance-limits";
import { at, lastIndex, round, slice } from "../series";
import {
  type BrokerObservation,
  EngineType,
  type Finding,
  fingerprintOf,
  IncidentKind,
  type Judgement,
  type NodeObservation,
  Resource,
  type Series,
  Severity,
} from "../types";
import {
  type Forecast,
  forecastFloor,
  forecastFull,
  forecastReach,
  forecastTime,
  type LevelThresholds,
  percentOf,
  sustainedLevel,
  worseFinding,
} from "./levels";

/**
 * Resource pressure: CPU, memory and storage held high (the floor over a window, so short spikes and
 * GC sawtooth stay quiet) or filling steadily. One incident per resource: `cpu`, `heap`, `store`,
 * `temp-store` (ActiveMQ), `memory`, `disk`, `file-descriptors` (RabbitMQ). A RabbitMQ cluster whose
 * per-node series were read is judged node by node: the memory and disk alarms fire per node and block
 * publishers cluster-wide, so one node at its watermark matters while the broker-level totals read ~55%.
 */

type ResourceConfig = DetectionConfig["resources"];

interface Gauge {
  resource: Resource;
  label: string;
  /** Percent used, per minute. */
  percent: Series;
  thresholds: LevelThresholds;
  /**
   * Forecast of a steady fill (every saturating resource; not CPU, which climbs and falls by nature):
   * `true` fits the percent series; a function forecasts from the gauge's own units (the heap's
   * post-GC floor, free disk).
   */
  forecast: boolean | ((end: number) => Forecast | null);
  /** The trend a forecast follows, in words (default: the level's points a minute). */
  trend?: (f: Forecast) => string;
  /** What 100 % means for people: the consequence. */
  consequence: string;
  extra?: (end: number) => Record<string, number | string | null>;
  /** A sentence appended to the summary (a node's finding: what the cluster's totals read). */
  context?: () => string;
  /** What the percent is of, in the summary (` of its high watermark`); default: nothing. */
  of?: string;
}

const levels = (t: { warnPercent: number; criticalPercent: number; sustainMinutes: number }): LevelThresholds => ({
  warnPercent: t.warnPercent,
  criticalPercent: t.criticalPercent,
  warnMinutes: t.sustainMinutes,
  criticalMinutes: t.sustainMinutes,
});

function gaugesOf(observation: BrokerObservation, config: ResourceConfig): Gauge[] {
  const { broker, series, limits } = observation;
  if (broker.engine === EngineType.activemq) {
    return [
      {
        resource: Resource.cpu,
        label: "CPU",
        percent: series.CpuUtilization ?? [],
        thresholds: levels(config.cpu),
        forecast: false,
        consequence: "message processing slows down",
      },
      {
        resource: Resource.heap,
        label: "Heap (floor between GCs)",
        percent: series.HeapUsage ?? [],
        thresholds: levels(config.heap),
        // The sawtooth's peaks say nothing: only a floor that rises from one collection to the next is a leak.
        forecast: (end) =>
          forecastFloor(series.HeapUsage ?? [], end, { minFit: FILL_MIN_FIT, horizonMinutes: config.fillForecastHorizonMinutes }),
        trend: (f) => `post-GC floor +${f.slopePerMinute} points/min across the collections of the last ${f.windowMinutes} min`,
        consequence: "producer flow control blocks senders",
      },
      {
        resource: Resource.store,
        label: "Message store",
        percent: series.StorePercentUsage ?? [],
        thresholds: levels(config.store),
        forecast: true,
        consequence: "the broker refuses persistent messages",
      },
      {
        resource: Resource.tempStore,
        label: "Temp store",
        percent: series.TempPercentUsage ?? [],
        thresholds: levels(config.tempStore),
        forecast: true,
        consequence: "non-persistent messages block producers",
      },
    ];
  }
  const nodes = (observation.nodes ?? []).filter((n) => NODE_RESOURCE_METRICS.some((m) => lastIndex(n.series[m]) >= 0));
  if (nodes.length > 0) return nodes.flatMap((n) => nodeGauges(n, nodes, observation, config));
  const nodeCount = rabbitMqNodeCount(broker.deploymentMode);
  const cpu = clusterCpu(series.SystemCpuUtilization ?? [], nodeCount);
  return rabbitGauges(
    {
      series: { ...series, SystemCpuUtilization: cpu.percent },
      memLimit: limits.RabbitMQMemLimit,
      diskLimit: limits.RabbitMQDiskFreeLimit,
      fdLimit: rabbitMqFileDescriptorLimit(config.fileDescriptorLimitPerNode, broker.deploymentMode),
      cpuExtra: nodeCount > 1 ? { cpuReading: cpu.reading } : {},
    },
    config,
  );
}

/** The per-node series judged for resources (the ones that replace the broker-level sums). */
const NODE_RESOURCE_METRICS = ["SystemCpuUtilization", "RabbitMQMemUsed", "RabbitMQDiskFree", "RabbitMQFdUsed"] as const;

/**
 * Broker-level `SystemCpuUtilization` of a cluster: AWS documents it as "the aggregate of all three
 * RabbitMQ nodes" without saying whether that is a sum or an average. A value over 100 can only be a
 * sum, so then every value of the window is divided by the nodes; otherwise it is read as it is (an
 * average, or a sum of lightly loaded nodes: judging it as is errs towards an alarm, never a miss).
 * Clusters whose nodes are listed are judged on the per-node values instead.
 */
export function clusterCpu(values: Series, nodes: number): { percent: Series; reading: "sum" | "as-published" } {
  if (nodes <= 1 || !values.some((v) => v != null && v > 100)) return { percent: values, reading: "as-published" };
  return { percent: values.map((v) => (v == null ? null : v / nodes)), reading: "sum" };
}

interface RabbitScope {
  series: Readonly<Record<string, Series>>;
  memLimit: number | undefined;
  diskLimit: number | undefined;
  fdLimit: number;
  /** The node these series are of; absent for the broker-level series. */
  node?: string;
  /** What the cluster's totals read at the newest minute, for the node's summary. */
  context?: (resource: Resource) => string;
  cpuExtra?: Record<string, string>;
}

/** One node's gauges, each limit its own (a missing node limit: the broker-level limit shared by the nodes). */
function nodeGauges(n: NodeObservation, all: readonly NodeObservation[], observation: BrokerObservation, config: ResourceConfig): Gauge[] {
  const count = rabbitMqNodeCount(observation.broker.deploymentMode);
  const shared = (metric: string) => {
    const total = observation.limits[metric];
    return total ? total / count : undefined;
  };
  const memLimitOf = (x: NodeObservation) => x.limits.RabbitMQMemLimit ?? shared("RabbitMQMemLimit");
  const diskLimitOf = (x: NodeObservation) => x.limits.RabbitMQDiskFreeLimit ?? shared("RabbitMQDiskFreeLimit");
  const totals = (metric: string, limitOf: (x: NodeObservation) => number | undefined) => {
    let value = 0;
    let limit = 0;
    for (const x of all) {
      const v = at(x.series[metric], lastIndex(x.series[metric]));
      const l = limitOf(x);
      if (v == null || !l) return null;
      value += v;
      limit += l;
    }
    return { value, limit };
  };
  const context = (resource: Resource): string => {
    if (resource === Resource.memory) {
      const t = totals("RabbitMQMemUsed", memLimitOf);
      return t ? ` The cluster's total reads ${round((t.value / t.limit) * 100)}% of its memory limit.` : "";
    }
    if (resource === Resource.disk) {
      const t = totals("RabbitMQDiskFree", diskLimitOf);
      return t ? ` The cluster's total free disk is ${round(t.value / t.limit, 1)}x its free-disk limit.` : "";
    }
    return "";
  };
  return rabbitGauges(
    {
      series: n.series,
      memLimit: memLimitOf(n),
      diskLimit: diskLimitOf(n),
      fdLimit: config.fileDescriptorLimitPerNode,
      node: n.node,
      context,
    },
    config,
  );
}

/** CPU, memory, disk and file-descriptor gauges of a RabbitMQ broker (broker-level) or of one of its nodes. */
function rabbitGauges(scope: RabbitScope, config: ResourceConfig): Gauge[] {
  const { series, memLimit, diskLimit, fdLimit, node } = scope;
  const of = (what: string) => (node === undefined ? what : `Node ${node}: ${what.charAt(0).toLowerCase()}${what.slice(1)}`);
  const where: Record<string, string> = node === undefined ? {} : { node };
  const context = scope.context;
  const gauges: Gauge[] = [
    {
      resource: Resource.cpu,
      label: of("CPU"),
      percent: series.SystemCpuUtilization ?? [],
      thresholds: levels(config.cpu),
      forecast: false,
      consequence: node === undefined ? "message processing slows down" : "message processing on that node slows down",
      extra: () => ({ ...where, ...(scope.cpuExtra ?? {}) }),
    },
  ];
  if (memLimit) {
    gauges.push({
      resource: Resource.memory,
      label: node === undefined ? "Memory (of the high watermark)" : `Node ${node}: memory`,
      of: node === undefined ? undefined : " of its high watermark",
      percent: percentOf(series.RabbitMQMemUsed, memLimit),
      thresholds: levels(config.memory),
      forecast: true,
      consequence: node === undefined ? "the memory alarm blocks every publisher" : "the memory alarm blocks publishers cluster-wide",
      extra: (end) => ({ ...where, memUsedBytes: at(series.RabbitMQMemUsed, end), memLimitBytes: memLimit }),
      context: context ? () => context(Resource.memory) : undefined,
    });
  }
  if (diskLimit) {
    // "Used" here is how close free space is to the alarm: 100 % when free space equals the limit.
    const warnAt = 100 / config.diskWarnRatio;
    const criticalAt = 100 / config.diskCriticalRatio;
    gauges.push({
      resource: Resource.disk,
      label: of("Disk (free space against the disk alarm)"),
      percent: (series.RabbitMQDiskFree ?? []).map((free) => (free == null ? null : free <= 0 ? 1000 : (diskLimit / free) * 100)),
      thresholds: {
        warnPercent: warnAt,
        criticalPercent: criticalAt,
        warnMinutes: config.diskSustainMinutes,
        criticalMinutes: config.diskSustainMinutes,
      },
      // The percent here (limit / free) curves as the disk fills: forecast on free bytes instead.
      forecast: (end) => forecastDiskAlarm(series.RabbitMQDiskFree, diskLimit, end, config.fillForecastHorizonMinutes),
      trend: (f) => `free space falling by ${f.slopePerMinute}% of the disk-alarm limit a minute over the last ${f.windowMinutes} min`,
      consequence: "the disk alarm blocks publishers on every node",
      extra: (end) => ({ ...where, diskFreeBytes: at(series.RabbitMQDiskFree, end), diskFreeLimitBytes: diskLimit }),
      context: context ? () => context(Resource.disk) : undefined,
    });
  }
  gauges.push({
    resource: Resource.fileDescriptors,
    label: of("File descriptors"),
    percent: percentOf(series.RabbitMQFdUsed, fdLimit),
    thresholds: levels(config.fileDescriptors),
    forecast: true,
    consequence: node === undefined ? "new connections and queue files fail" : "new connections and queue files on that node fail",
    extra: (end) => ({ ...where, fileDescriptorsUsed: at(series.RabbitMQFdUsed, end), estimatedLimit: fdLimit }),
  });
  return gauges;
}

/**
 * Judges every resource of a broker; one finding per resource under pressure. A cluster judged node by
 * node still has one per resource: the worst node's, which names the node.
 */
export function detectResourcePressure(observation: BrokerObservation, config: ResourceConfig): Judgement {
  const byResource = new Map<Resource, Gauge[]>();
  for (const gauge of gaugesOf(observation, config)) byResource.set(gauge.resource, [...(byResource.get(gauge.resource) ?? []), gauge]);
  const findings: Finding[] = [];
  const judged: string[] = [];
  for (const [resource, gauges] of byResource) {
    let evaluated = false;
    let worst: Finding | null = null;
    for (const gauge of gauges) {
      const end = lastIndex(gauge.percent);
      if (end < 0) continue;
      evaluated = true;
      worst = worseFinding(judge(observation, gauge, end, config), worst, "percentUsed");
    }
    if (evaluated) judged.push(fingerprintOf({ kind: IncidentKind.resourcePressure, broker: observation.broker.name, resource }));
    if (worst) findings.push(worst);
  }
  return { judged, findings };
}

function judge(observation: BrokerObservation, gauge: Gauge, end: number, config: ResourceConfig): Finding | null {
  const now = round(at(gauge.percent, end) as number);
  const level = sustainedLevel(gauge.percent, end, gauge.thresholds);
  const forecast: Forecast | null =
    typeof gauge.forecast === "function"
      ? gauge.forecast(end)
      : gauge.forecast
        ? forecastFull(gauge.percent, end, {
            windowMinutes: FILL_WINDOW_MINUTES,
            minFit: FILL_MIN_FIT,
            minPercent: FILL_MIN_PERCENT,
            horizonMinutes: config.fillForecastHorizonMinutes,
          })
        : null;
  if (!level && !forecast) return null;
  const evidence = {
    percentUsed: now,
    floorPercent: level?.floor ?? null,
    warnPercent: round(gauge.thresholds.warnPercent),
    criticalPercent: round(gauge.thresholds.criticalPercent),
    minutesToFull: forecast?.minutesToFull ?? null,
    trendPointsPerMinute: forecast?.slopePerMinute ?? null,
    trendWindowMinutes: forecast?.windowMinutes ?? null,
    fullAt: forecast ? forecastTime(observation, end, forecast.minutesToFull) : null,
    ...(gauge.extra ? gauge.extra(end) : {}),
  };
  const base = {
    kind: IncidentKind.resourcePressure,
    broker: observation.broker.name,
    resource: gauge.resource,
    evidence,
    series: { [gauge.resource]: slice(gauge.percent, end, 30) },
  };
  if (level) {
    return {
      ...base,
      gauge: {
        label: gauge.resource === Resource.cpu ? (gauge.label.startsWith("Node") ? gauge.label : "CPU") : gauge.label,
        unit: "%",
        value: level.floor,
        latest: now,
        warning: round(gauge.thresholds.warnPercent),
        critical: round(gauge.thresholds.criticalPercent),
      },
      severity: level.severity,
      condition: `${gauge.resource}-${level.severity === Severity.critical ? "critical" : "high"}`,
      summary: `${gauge.label} at ${now}%${gauge.of ?? ""}, at least ${level.floor}% for ${level.minutes} min; at 100% ${gauge.consequence}.${forecast ? ` Full in ~${forecast.minutesToFull} min at the current rate.` : ""}${gauge.context?.() ?? ""}`,
    };
  }
  const f = forecast as Forecast;
  const trend = gauge.trend ? gauge.trend(f) : `+${f.slopePerMinute} points/min over the last ${f.windowMinutes} min`;
  return {
    ...base,
    severity: Severity.warning,
    condition: `${gauge.resource}-filling`,
    summary: `${gauge.label} filling steadily (now ${now}%${gauge.of ?? ""}; ${trend}): at this rate full in ~${f.minutesToFull} min (around ${evidence.fullAt}), then ${gauge.consequence}.${gauge.context?.() ?? ""}`,
  };
}

/** Minutes of history a fill forecast fits at most (shorter windows first), and how straight the fill must be. */
export const FILL_WINDOW_MINUTES = 20;
const FILL_MIN_FIT = 0.8;
/** Fills are forecast from this level: below it a resource is nowhere near trouble whatever its trend. */
const FILL_MIN_PERCENT = 10;
/** Free disk must fall by at least this share of the disk-alarm limit across a fitted window: noise on free space is no trend. */
const DISK_MIN_MOVE_SHARE = 0.05;

/** When free disk, falling steadily, reaches the disk-alarm limit, if within the horizon. */
function forecastDiskAlarm(free: Series | undefined, limit: number, end: number, horizonMinutes: number): Forecast | null {
  const reach = forecastReach(free ?? [], end, {
    limit,
    direction: "down",
    longestWindowMinutes: FILL_WINDOW_MINUTES,
    minFit: FILL_MIN_FIT,
    horizonMinutes,
    minMove: limit * DISK_MIN_MOVE_SHARE,
  });
  if (!reach) return null;
  // In points of the limit a minute, as the percent gauges say it.
  return {
    slopePerMinute: round((-reach.slopePerMinute / limit) * 100, 2),
    minutesToFull: round(reach.minutesToLimit, 0),
    fit: round(reach.fit, 2),
    windowMinutes: reach.windowMinutes,
  };
}
