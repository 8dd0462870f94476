import { fitLine, known, round, slice } from "../series";
import type { MinuteWindow } from "../types";
import { compareSeverity, type Finding, MINUTE_MS, type Series, Severity } from "../types";

/**
 * Shared rules for "how full is it": a level held over a window (its floor, so spikes and GC
 * sawtooth stay quiet) and a forecast of when a steady climb reaches 100 %.
 */

/** Share of the minutes in a window that must be known for the window to count. */
const MIN_KNOWN_SHARE = 0.8;

export interface LevelThresholds {
  warnPercent: number;
  criticalPercent: number;
  /** Minutes the floor must stay above the warning level. */
  warnMinutes: number;
  /** Minutes the floor must stay above the critical level. */
  criticalMinutes: number;
}

export interface SustainedLevel {
  severity: Severity;
  /** Lowest level over the window that decided the severity. */
  floor: number;
  minutes: number;
}

/** Percent series from a value series and a limit (`null` where unknown). */
export function percentOf(values: Series | undefined, limit: number): (number | null)[] {
  return (values ?? []).map((v) => (v == null || limit <= 0 ? null : (v / limit) * 100));
}

/** The floor of the last `minutes` values, or null when too few are known. */
export function floorOver(percent: Series, end: number, minutes: number): number | null {
  const window = known(slice(percent, end, minutes));
  if (window.length < Math.max(1, Math.ceil(minutes * MIN_KNOWN_SHARE))) return null;
  return Math.min(...window);
}

/** The worst level held long enough, or null when the level is fine. */
export function sustainedLevel(percent: Series, end: number, t: LevelThresholds): SustainedLevel | null {
  const criticalFloor = floorOver(percent, end, t.criticalMinutes);
  if (criticalFloor != null && criticalFloor >= t.criticalPercent) {
    return { severity: Severity.critical, floor: round(criticalFloor), minutes: t.criticalMinutes };
  }
  const warnFloor = floorOver(percent, end, t.warnMinutes);
  if (warnFloor != null && warnFloor >= t.warnPercent) {
    return { severity: Severity.warning, floor: round(warnFloor), minutes: t.warnMinutes };
  }
  return null;
}

/**
 * The worse of two findings for one incident: the more severe, and on equal severity the one whose
 * `fullness` evidence (a percent) is higher, else `b`; a missing finding never wins.
 */
export function worseFinding(a: Finding | null, b: Finding | null, fullness: string): Finding | null {
  if (!a) return b;
  if (!b) return a;
  const bySeverity = compareSeverity(a.severity, b.severity);
  if (bySeverity !== 0) return bySeverity > 0 ? a : b;
  return Number(a.evidence[fullness] ?? 0) > Number(b.evidence[fullness] ?? 0) ? a : b;
}

export interface ForecastRule {
  /** The longest window fitted (minutes); shorter ones are tried too, so a steep steady climb is seen early. */
  windowMinutes: number;
  /** Least R² of the fitted line: only a steady climb is forecast. */
  minFit: number;
  /** Only forecast above this level. */
  minPercent: number;
  horizonMinutes: number;
}

export interface Forecast {
  /** Percentage points per minute. */
  slopePerMinute: number;
  minutesToFull: number;
  fit: number;
  /** Minutes of history the trend was fitted over. */
  windowMinutes: number;
}

/**
 * The windows a forecast tries, shortest first. A window shorter than the rule's longest must also
 * show a new high against the half hour before it (a climb back to the usual level after a failover
 * or a reboot is not a trend), with at least `HISTORY_MINUTES` of that history known.
 */
const FORECAST_WINDOWS = [4, 6, 10, 15] as const;
const HISTORY_MINUTES = 30;
const MIN_HISTORY_POINTS = 8;
/** A short window must be straighter than the rule asks of the long one: few points fit a line easily. */
const SHORT_WINDOW_MIN_FIT = 0.95;
/** The least climb across a window, in percentage points, so noise on a flat level is never a trend. */
const MIN_CLIMB_POINTS = 2;

/** A value series and the limit it runs into, rising (used) or falling (free). */
export interface ReachRule {
  limit: number;
  direction: "up" | "down";
  longestWindowMinutes: number;
  minFit: number;
  horizonMinutes: number;
  /** The least move across a fitted window, in the series' units. */
  minMove: number;
}

/** A trend towards a limit: units per minute (signed), minutes until the limit, fit, window. */
export interface Reach {
  slopePerMinute: number;
  minutesToLimit: number;
  fit: number;
  windowMinutes: number;
}

/**
 * When a steady trend of `values` reaches `limit`, if within the horizon: the first (shortest) window
 * whose fitted line is steady enough says so, so a steep climb is announced within minutes and a slow
 * one once enough of it is seen. Short windows must climb to a new high and move every minute the
 * same way; the longest window only needs the fit (as a plain forecast does).
 */
export function forecastReach(values: Series, end: number, rule: ReachRule): Reach | null {
  const sign = rule.direction === "up" ? 1 : -1;
  const current = values[end];
  if (current == null) return null;
  const windows = [...FORECAST_WINDOWS.filter((w) => w < rule.longestWindowMinutes), rule.longestWindowMinutes];
  for (const w of windows) {
    const longest = w === rule.longestWindowMinutes;
    const window = slice(values, end, w);
    const points = known(window);
    if (points.length < Math.max(3, Math.ceil(w * MIN_KNOWN_SHARE))) continue;
    const fit = fitLine(window);
    if (!fit || fit.slope * sign <= 0 || fit.r2 < (longest ? rule.minFit : Math.max(rule.minFit, SHORT_WINDOW_MIN_FIT))) continue;
    if (Math.abs(fit.slope) * (w - 1) < rule.minMove) continue;
    if (!longest && !steadyNewHigh(values, end, w, sign)) continue;
    const from = sign > 0 ? Math.max(current, fit.last) : Math.min(current, fit.last);
    const minutesToLimit = Math.max(0, ((rule.limit - from) * sign) / Math.abs(fit.slope));
    if (minutesToLimit > rule.horizonMinutes) continue;
    return { slopePerMinute: fit.slope, minutesToLimit, fit: fit.r2, windowMinutes: w };
  }
  return null;
}

/** The window moves one way every minute and ends past everything in the half hour before it. */
function steadyNewHigh(values: Series, end: number, w: number, sign: number): boolean {
  const window = known(slice(values, end, w));
  for (let i = 1; i < window.length; i++) if (((window[i] as number) - (window[i - 1] as number)) * sign < 0) return false;
  const history = known(slice(values, end - w, HISTORY_MINUTES));
  if (history.length < MIN_HISTORY_POINTS) return false;
  const last = window[window.length - 1] as number;
  return sign > 0 ? last > Math.max(...history) : last < Math.min(...history);
}

/** When a steady climb will reach 100 %, if within the horizon. */
export function forecastFull(percent: Series, end: number, rule: ForecastRule): Forecast | null {
  const current = percent[end];
  if (current == null || current < rule.minPercent) return null;
  const reach = forecastReach(percent, end, {
    limit: 100,
    direction: "up",
    longestWindowMinutes: rule.windowMinutes,
    minFit: rule.minFit,
    horizonMinutes: rule.horizonMinutes,
    minMove: MIN_CLIMB_POINTS,
  });
  if (!reach) return null;
  return {
    slopePerMinute: round(reach.slopePerMinute, 2),
    minutesToFull: round(reach.minutesToLimit, 0),
    fit: round(reach.fit, 2),
    windowMinutes: reach.windowMinutes,
  };
}

/** A GC drops the heap by at least this many points in a minute: the value after it is a post-GC floor. */
const GC_DROP_POINTS = 5;
/** Post-GC floors looked at, and how many of the newest the floor's trend is fitted to. */
const FLOOR_LOOKBACK_MINUTES = 45;
const FLOORS_FITTED = 3;
/** Three floors must rise by at least this much across them (a healthy floor wobbles by a point or two). */
const MIN_FLOOR_RISE_POINTS = 4;
/** Two floors are enough when the second is this much higher: one collection cycle already shows the leak. */
const FLOOR_STEP_POINTS = 6;

/**
 * When the heap's post-GC floor, climbing steadily, reaches 100 %, if within the horizon: a leak
 * raises the floor from one collection to the next, while a healthy sawtooth returns to the same floor
 * however high its peaks. Needs three collections in the last 45 minutes on a straight enough line, or
 * two whose floors are far apart.
 */
export function forecastFloor(percent: Series, end: number, rule: { minFit: number; horizonMinutes: number }): Forecast | null {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = Math.max(1, end - FLOOR_LOOKBACK_MINUTES + 1); i <= end; i++) {
    const v = percent[i];
    const before = percent[i - 1];
    if (v == null || before == null || before - v < GC_DROP_POINTS) continue;
    const next = i < end ? percent[i + 1] : null;
    // The floor is the lowest value right after the drop.
    xs.push(next != null && next < v ? i + 1 : i);
    ys.push(next != null && next < v ? next : v);
  }
  // The newest floors only: a leak that began lately shows in them, not in the flat floors before it.
  xs.splice(0, Math.max(0, xs.length - FLOORS_FITTED));
  ys.splice(0, Math.max(0, ys.length - FLOORS_FITTED));
  if (xs.length < 2) return null;
  const first = xs[0] as number;
  const rise = (ys[ys.length - 1] as number) - (ys[0] as number);
  let slope: number;
  let last: number;
  let fit: number;
  if (xs.length === 2) {
    if (rise < FLOOR_STEP_POINTS) return null;
    slope = rise / ((xs[1] as number) - first);
    last = (ys[1] as number) + slope * (end - (xs[1] as number));
    fit = 1;
  } else {
    if (rise < MIN_FLOOR_RISE_POINTS) return null;
    const fitted: (number | null)[] = new Array(end - first + 1).fill(null);
    xs.forEach((x, k) => {
      fitted[x - first] = ys[k] as number;
    });
    const line = fitLine(fitted);
    if (!line || line.r2 < rule.minFit) return null;
    slope = line.slope;
    last = line.last;
    fit = line.r2;
  }
  if (slope <= 0) return null;
  const minutesToFull = Math.max(0, (100 - last) / slope);
  if (minutesToFull > rule.horizonMinutes) return null;
  return { slopePerMinute: round(slope, 2), minutesToFull: round(minutesToFull, 0), fit: round(fit, 2), windowMinutes: end - first + 1 };
}

/** The time (UTC, HH:MM) a forecast reaches its limit: from the end of the newest datapoint. */
export function forecastTime(observation: { window: MinuteWindow }, end: number, minutes: number): string {
  const at = new Date(observation.window.startMs + (end + 1 + minutes) * MINUTE_MS);
  return `${at.toISOString().slice(11, 16)} UTC`;
}
