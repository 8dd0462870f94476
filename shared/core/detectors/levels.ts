import { fitLine, known, round, slice } from "../series";
import { type Series, Severity } from "../types";

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

export interface ForecastRule {
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
}

/** When a steady climb will reach 100 %, if within the horizon. */
export function forecastFull(percent: Series, end: number, rule: ForecastRule): Forecast | null {
  const window = slice(percent, end, rule.windowMinutes);
  if (known(window).length < Math.ceil(rule.windowMinutes * MIN_KNOWN_SHARE)) return null;
  const current = window[window.length - 1];
  if (current == null || current < rule.minPercent) return null;
  const fit = fitLine(window);
  if (!fit || fit.slope <= 0 || fit.r2 < rule.minFit) return null;
  const minutesToFull = Math.max(0, (100 - Math.max(current, fit.last)) / fit.slope);
  if (minutesToFull > rule.horizonMinutes) return null;
  return { slopePerMinute: round(fit.slope, 2), minutesToFull: round(minutesToFull, 0), fit: round(fit.r2, 2) };
}
