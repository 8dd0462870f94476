import type { DetectionConfig } from "./config";
import { type Incident, IncidentStatus } from "./incidents";
import {
  type Condition,
  type ConnectionExhaustionCondition,
  type ConnectionLevel,
  type ConnectionSignal,
  IncidentKind,
  MINUTE_MS,
  type PressureLevel,
  type Resource,
  type ResourcePressureCondition,
} from "./types";

/**
 * Where a backtest found a noisy threshold, the setting that would have kept it quiet: for a level,
 * just above the highest value the incidents reached; for a condition that must hold, longer than
 * the longest time it held; for a forecast, a horizon shorter than the nearest it foresaw. Derived
 * from the incidents' own evidence, so it is the least change that silences exactly what was seen
 * (and, like any such change, would also have silenced a real problem of the same size).
 */

/** What one incident showed, gathered over its transitions. */
export interface IncidentEpisode {
  kind: Incident["kind"];
  resource: string | null;
  conditions: ReadonlySet<Condition>;
  /** Minutes from the first finding to the last (the condition held this long after its hold time). */
  seenMinutes: number;
  /** The highest and lowest value of each numeric evidence field. */
  peak: Readonly<Record<string, number>>;
  least: Readonly<Record<string, number>>;
}

export interface QuietSetting {
  /** The configuration key, as written in a config file (`detection.resources.cpu.warnPercent`). */
  key: string;
  current: number;
  suggested: number;
  why: string;
}

/** Gathers an episode from the incident states a run saw (opening, changes, resolution). */
export function episodeOf(states: readonly Incident[]): IncidentEpisode | null {
  const first = states[0];
  if (!first) return null;
  const peak: Record<string, number> = {};
  const least: Record<string, number> = {};
  const conditions = new Set<Condition>();
  let lastSeenAt = first.lastSeenAt;
  for (const s of states) {
    conditions.add(s.condition);
    lastSeenAt = Math.max(lastSeenAt, s.status === IncidentStatus.resolved ? s.lastSeenAt : s.lastSeenAt);
    for (const [k, v] of Object.entries(s.evidence)) {
      if (typeof v !== "number" || !Number.isFinite(v)) continue;
      peak[k] = Math.max(peak[k] ?? v, v);
      least[k] = Math.min(least[k] ?? v, v);
    }
  }
  return {
    kind: first.kind,
    resource: first.resource,
    conditions,
    seenMinutes: Math.max(0, Math.round((lastSeenAt - first.firstSeenAt) / MINUTE_MS)),
    peak,
    least,
  };
}

const RESOURCE_KEYS: Readonly<Record<string, keyof DetectionConfig["resources"]>> = {
  cpu: "cpu",
  heap: "heap",
  store: "store",
  "temp-store": "tempStore",
  memory: "memory",
  "file-descriptors": "fileDescriptors",
};

/**
 * The settings that would have kept a noisy incident quiet (several when more than one knob would),
 * from all its episodes in the backtest. Empty when no single setting would (e.g. a level at 100 %).
 */
export function quietSettings(episodes: readonly IncidentEpisode[], config: DetectionConfig): QuietSetting[] {
  if (episodes.length === 0) return [];
  const max = (field: string) => Math.max(...episodes.map((e) => e.peak[field] ?? Number.NEGATIVE_INFINITY));
  const min = (field: string) => Math.min(...episodes.map((e) => e.least[field] ?? Number.POSITIVE_INFINITY));
  const longest = Math.max(...episodes.map((e) => e.seenMinutes));
  const has = (...wanted: readonly Condition[]) => episodes.some((e) => wanted.some((c) => e.conditions.has(c)));
  const out: QuietSetting[] = [];
  const sustain = (key: string, current: number, what: string) =>
    out.push({
      key,
      current,
      suggested: current + longest + 1,
      why: `${what} was seen for at most ${longest} min after its ${current} min hold`,
    });
  const level = (key: string, current: number, peak: number, what: string) => {
    const suggested = Math.floor(peak) + 1;
    if (Number.isFinite(peak) && suggested <= 100 && suggested > current)
      out.push({ key, current, suggested, why: `${what} peaked at ${round(peak)}%` });
  };
  const horizon = (key: string, current: number, nearest: number, what: string) => {
    if (Number.isFinite(nearest) && nearest > 1 && nearest - 1 < current)
      out.push({ key, current, suggested: nearest - 1, why: `the nearest ${what} foreseen was ${nearest} min away` });
  };
  const first = episodes[0] as IncidentEpisode;
  if (first.kind === IncidentKind.resourcePressure) {
    const name = RESOURCE_KEYS[first.resource ?? ""];
    const r = config.resources;
    // One incident per resource: its conditions all name it (`heap-high`, `heap-filling`, ...).
    const resource = first.resource as Resource;
    const at = (...levels: readonly PressureLevel[]) => has(...levels.map((l): ResourcePressureCondition => `${resource}-${l}`));
    if (at("filling"))
      horizon("detection.resources.fillForecastHorizonMinutes", r.fillForecastHorizonMinutes, min("minutesToFull"), "exhaustion");
    if (name && typeof r[name] === "object") {
      const t = r[name] as { warnPercent: number; sustainMinutes: number };
      if (at("high", "critical")) {
        level(
          `detection.resources.${name}.warnPercent`,
          t.warnPercent,
          max("floorPercent") > 0 ? max("floorPercent") : max("percentUsed"),
          first.resource ?? name,
        );
        sustain(`detection.resources.${name}.sustainMinutes`, t.sustainMinutes, "the level");
      }
    } else if (first.resource === "disk" && !at("filling")) {
      sustain("detection.resources.diskSustainMinutes", r.diskSustainMinutes, "low free disk");
    }
  } else if (first.kind === IncidentKind.connectionExhaustion) {
    const c = config.connections;
    const at = (...levels: readonly ConnectionLevel[]) =>
      has(...levels.flatMap((l) => CONNECTION_SIGNALS.map((s): ConnectionExhaustionCondition => `${s}-${l}`)));
    if (at("leak"))
      horizon("detection.connections.forecastHorizonMinutes", c.forecastHorizonMinutes, min("minutesToLimit"), "connection limit");
    if (at("high", "at-limit")) {
      level("detection.connections.warnPercent", c.warnPercent, max("percentOfLimit"), "connections");
      sustain("detection.connections.sustainMinutes", c.sustainMinutes, "the level");
    }
  } else if (first.kind === IncidentKind.consumerLag) {
    const l = config.consumerLag;
    if (has("stalled")) sustain("detection.consumerLag.stalledMinutes", l.stalledMinutes, "a stall");
    if (has("no-consumers")) sustain("detection.consumerLag.noConsumersMinutes", l.noConsumersMinutes, "a queue without consumers");
    if (has("slow-consumers")) sustain("detection.consumerLag.slowWindowMinutes", l.slowWindowMinutes, "a backlog that never fell");
    if (has("dead-letter-growing")) {
      const growth = max("growth");
      if (Number.isFinite(growth))
        out.push({
          key: "detection.consumerLag.deadLetterMinGrowth",
          current: l.deadLetterMinGrowth,
          suggested: Math.floor(growth) + 1,
          why: `the dead-letter queue grew by at most ${round(growth)} messages within ${l.slowWindowMinutes} min`,
        });
    }
  } else if (first.kind === IncidentKind.brokerUnhealthy && has("metrics-missing")) {
    sustain("detection.brokerHealth.silentMinutes", config.brokerHealth.silentMinutes, "missing metrics");
  }
  return out;
}

const CONNECTION_SIGNALS: readonly ConnectionSignal[] = ["connections", "channels"];

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
