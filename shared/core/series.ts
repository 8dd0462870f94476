import type { Series } from "./types";

/**
 * Small, allocation-light helpers over per-minute series (index = minute on the cycle's window,
 * `null` = missing datapoint). Detectors use only these, so their edge cases live in one place.
 */

/** Index of the last known datapoint, or -1. */
export function lastIndex(series: Series | undefined): number {
  if (!series) return -1;
  for (let i = series.length - 1; i >= 0; i--) if (series[i] != null) return i;
  return -1;
}

/** The value at an index, or null when missing or out of range. */
export function at(series: Series | undefined, index: number): number | null {
  if (!series || index < 0 || index >= series.length) return null;
  return series[index] ?? null;
}

/** The last known value, or null. */
export function latest(series: Series | undefined): number | null {
  return at(series, lastIndex(series));
}

/** The `count` values ending at `end` (inclusive), oldest first, missing ones as null. */
export function slice(series: Series | undefined, end: number, count: number): (number | null)[] {
  const out: (number | null)[] = [];
  for (let i = end - count + 1; i <= end; i++) out.push(at(series, i));
  return out;
}

/** Only the known values of a list. */
export function known(values: readonly (number | null)[]): number[] {
  return values.filter((v): v is number => v != null);
}

/** True when every value is known and satisfies the predicate (an empty list is false). */
export function allKnownAnd(values: readonly (number | null)[], predicate: (v: number) => boolean): boolean {
  return values.length > 0 && values.every((v) => v != null && predicate(v));
}

export function minOf(values: readonly (number | null)[]): number | null {
  const k = known(values);
  return k.length ? Math.min(...k) : null;
}

export function maxOf(values: readonly (number | null)[]): number | null {
  const k = known(values);
  return k.length ? Math.max(...k) : null;
}

export function meanOf(values: readonly (number | null)[]): number | null {
  const k = known(values);
  return k.length ? k.reduce((a, b) => a + b, 0) / k.length : null;
}

export function sumOf(values: readonly (number | null)[]): number {
  return known(values).reduce((a, b) => a + b, 0);
}

/** Least-squares line through the known points of a list (x = position in the list, in minutes). */
export interface LineFit {
  /** Change per minute. */
  slope: number;
  /** Fitted value at the last position. */
  last: number;
  /** Coefficient of determination; 1 for a perfectly straight line, 0 for no linear trend. */
  r2: number;
  points: number;
}

export function fitLine(values: readonly (number | null)[]): LineFit | null {
  const xs: number[] = [];
  const ys: number[] = [];
  values.forEach((v, i) => {
    if (v != null) {
      xs.push(i);
      ys.push(v);
    }
  });
  const n = xs.length;
  if (n < 3) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  return { slope, last: my + slope * (values.length - 1 - mx), r2, points: n };
}

/** Rounds for display and evidence: integers stay integers, others keep `digits` decimals. */
export function round(value: number, digits = 1): number {
  if (Number.isInteger(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The median of the known values (the mean of the two middle ones for an even count), or null. */
export function medianOf(values: readonly (number | null)[]): number | null {
  const sorted = known(values).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The value below which a share `q` (0-1) of the known values lie (nearest rank), or null. */
export function quantileOf(values: readonly (number | null)[], q: number): number | null {
  const sorted = known(values).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? null;
}
