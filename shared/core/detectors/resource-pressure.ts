import type { DetectionConfig } from "../config";
import { rabbitMqFileDescriptorLimit } from "../instance-limits";
import { at, fitLine, known, lastIndex, round, slice } from "../series";
import {
  type BrokerObservation,
  EngineType,
  type Finding,
  fingerprintOf,
  IncidentKind,
  type Judgement,
  type Series,
  Severity,
} from "../types";
import { type Forecast, forecastFull, type LevelThresholds, percentOf, sustainedLevel } from "./levels";

/**
 * Resource pressure: CPU, memory and storage held high (the floor over a window, so short spikes and
 * GC sawtooth stay quiet) or filling steadily. One incident per resource: `cpu`, `heap`, `store`,
 * `temp-store` (ActiveMQ), `memory`, `disk`, `file-descriptors` (RabbitMQ).
 */

type ResourceConfig = DetectionConfig["resources"];

export const Resource = {
  cpu: "cpu",
  heap: "heap",
  store: "store",
  tempStore: "temp-store",
  memory: "memory",
  disk: "disk",
  fileDescriptors: "file-descriptors",
} as const;
export type Resource = (typeof Resource)[keyof typeof Resource];

interface Gauge {
  resource: Resource;
  label: string;
  /** Percent used, per minute. */
  percent: Series;
  thresholds: LevelThresholds;
  /**
   * Forecast of a steady fill (storage only: CPU and heap climb and fall by nature): `true` fits the
   * percent series; a function forecasts from the gauge's own units.
   */
  forecast: boolean | ((end: number) => Forecast | null);
  /** What 100 % means for people: the consequence. */
  consequence: string;
  extra?: (end: number) => Record<string, number | null>;
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
        forecast: false,
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
  const gauges: Gauge[] = [
    {
      resource: Resource.cpu,
      label: "CPU",
      percent: series.SystemCpuUtilization ?? [],
      thresholds: levels(config.cpu),
      forecast: false,
      consequence: "message processing slows down",
    },
  ];
  const memLimit = limits.RabbitMQMemLimit;
  if (memLimit) {
    gauges.push({
      resource: Resource.memory,
      label: "Memory (of the high watermark)",
      percent: percentOf(series.RabbitMQMemUsed, memLimit),
      thresholds: levels(config.memory),
      forecast: false,
      consequence: "the memory alarm blocks every publisher",
      extra: (end) => ({ memUsedBytes: at(series.RabbitMQMemUsed, end), memLimitBytes: memLimit }),
    });
  }
  const diskLimit = limits.RabbitMQDiskFreeLimit;
  if (diskLimit) {
    // "Used" here is how close free space is to the alarm: 100 % when free space equals the limit.
    const warnAt = 100 / config.diskWarnRatio;
    const criticalAt = 100 / config.diskCriticalRatio;
    gauges.push({
      resource: Resource.disk,
      label: "Disk (free space against the disk alarm)",
      percent: (series.RabbitMQDiskFree ?? []).map((free) => (free == null ? null : free <= 0 ? 1000 : (diskLimit / free) * 100)),
      thresholds: {
        warnPercent: warnAt,
        criticalPercent: criticalAt,
        warnMinutes: config.diskSustainMinutes,
        criticalMinutes: config.diskSustainMinutes,
      },
      // The percent here (limit / free) curves as the disk fills: forecast on free bytes instead.
      forecast: (end) => forecastDiskAlarm(series.RabbitMQDiskFree, diskLimit, end, config.fillForecastHorizonMinutes),
      consequence: "the disk alarm blocks publishers on every node",
      extra: (end) => ({ diskFreeBytes: at(series.RabbitMQDiskFree, end), diskFreeLimitBytes: diskLimit }),
    });
  }
  const fdLimit = rabbitMqFileDescriptorLimit(config.fileDescriptorLimitPerNode, broker.deploymentMode);
  gauges.push({
    resource: Resource.fileDescriptors,
    label: "File descriptors",
    percent: percentOf(series.RabbitMQFdUsed, fdLimit),
    thresholds: levels(config.fileDescriptors),
    forecast: true,
    consequence: "new connections and queue files fail",
    extra: (end) => ({ fileDescriptorsUsed: at(series.RabbitMQFdUsed, end), estimatedLimit: fdLimit }),
  });
  return gauges;
}

/** Judges every resource of a broker; one finding per resource under pressure. */
export function detectResourcePressure(observation: BrokerObservation, config: ResourceConfig): Judgement {
  const findings: Finding[] = [];
  const judged: string[] = [];
  for (const gauge of gaugesOf(observation, config)) {
    const end = lastIndex(gauge.percent);
    if (end < 0) continue;
    judged.push(fingerprintOf({ kind: IncidentKind.resourcePressure, broker: observation.broker.name, resource: gauge.resource }));
    const finding = judge(observation, gauge, end, config);
    if (finding) findings.push(finding);
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
            minPercent: 50,
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
      severity: level.severity,
      condition: `${gauge.resource}-${level.severity === Severity.critical ? "critical" : "high"}`,
      summary: `${gauge.label} at ${now}%, at least ${level.floor}% for ${level.minutes} min; at 100% ${gauge.consequence}.${forecast ? ` Full in ~${forecast.minutesToFull} min at the current rate.` : ""}`,
    };
  }
  const f = forecast as Forecast;
  return {
    ...base,
    severity: Severity.warning,
    condition: `${gauge.resource}-filling`,
    summary: `${gauge.label} filling steadily (now ${now}%): full in ~${f.minutesToFull} min at the current rate, then ${gauge.consequence}.`,
  };
}

/** Minutes of history a fill forecast fits, and how straight the fill must be. */
export const FILL_WINDOW_MINUTES = 20;
const FILL_MIN_FIT = 0.8;
/** Free disk is forecast only once it is within this multiple of the disk-alarm limit. */
const DISK_FORECAST_WITHIN = 4;

/** When free disk, falling steadily, reaches the disk-alarm limit, if within the horizon. */
function forecastDiskAlarm(free: Series | undefined, limit: number, end: number, horizonMinutes: number): Forecast | null {
  const window = slice(free, end, FILL_WINDOW_MINUTES);
  if (known(window).length < Math.ceil(FILL_WINDOW_MINUTES * 0.8)) return null;
  const current = at(free, end);
  if (current == null || current > limit * DISK_FORECAST_WITHIN) return null;
  const fit = fitLine(window);
  if (!fit || fit.slope >= 0 || fit.r2 < FILL_MIN_FIT) return null;
  const minutes = Math.max(0, (Math.min(current, fit.last) - limit) / -fit.slope);
  if (minutes > horizonMinutes) return null;
  return { slopePerMinute: round((fit.slope / limit) * 100, 2), minutesToFull: round(minutes, 0), fit: round(fit.r2, 2) };
}
