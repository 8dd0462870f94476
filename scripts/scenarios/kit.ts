/**
 * The scenario generators' toolbox: seeded random streams, series shapes, the ActiveMQ queue model and
 * the JSON layout of the files. Every random number comes from a mulberry32 stream named by the scenario
 * (and forked per series), so the output is byte-identical on every run and editing one scenario never
 * changes another. Changing a helper here changes every generated file: run `npm run scenarios`.
 */

/** A value per minute: a constant, an array, or a function of the minute. */
export type PerMinute<T> = T | readonly T[] | ((i: number) => T);
/** A per-minute series as a scenario file holds it (`null` is a missing datapoint). */
export type Values = (number | null)[];

export interface Rng {
  next(): number;
  uniform(lo: number, hi: number): number;
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  normal(): number;
  hex(length: number): string;
  /** Upper-case base32-ish characters, as in IAM unique ids and access key ids. */
  iamChars(length: number): string;
  /** URL-safe base64 characters, as in an encoded authorization failure message. */
  b64(length: number): string;
  oneOf<T>(items: readonly T[]): T;
  /** An independent child stream named `<seed>/<label>`. */
  fork(label: string): Rng;
}

/** FNV-1a 32-bit hash of a string: the seed of a named random stream. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A mulberry32 stream named by `seedText`. */
export function makeRng(seedText: string): Rng {
  let state = hashSeed(seedText);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (alphabet: string, length: number): string => {
    let s = "";
    for (let i = 0; i < length; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    return s;
  };
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    hex: (length) => pick("0123456789abcdef", length),
    iamChars: (length) => pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", length),
    b64: (length) => pick("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", length),
    oneOf: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    fork: (label) => makeRng(`${seedText}/${label}`),
  };
}

export const seq = <T>(n: number, fn: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => fn(i));
export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
export const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : sum(xs) / xs.length);

/** The value of a per-minute parameter at minute `i`. */
export function at<T>(x: PerMinute<T>, i: number): T {
  if (typeof x === "function") return (x as (i: number) => T)(i);
  if (Array.isArray(x)) return x[i] as T;
  return x as T;
}

/** Value `i` of an array that has it (a generator bug otherwise). */
export function nth<T>(xs: readonly T[], i: number): T {
  if (i < 0 || i >= xs.length) throw new Error(`index ${i} outside 0..${xs.length - 1}`);
  return xs[i] as T;
}

export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? 0 : r;
}

/** A percentage with three decimals, kept inside [0, 100]. */
export const pct = (x: number): number => round(clamp(x, 0, 100), 3);

/** Smoothly wandering noise (AR(1)) with standard deviation about `sigma`. */
export function drift(rng: Rng, n: number, sigma: number, corr = 0.8): number[] {
  let x = rng.normal() * sigma;
  const k = Math.sqrt(1 - corr * corr);
  return seq(n, () => {
    x = corr * x + sigma * k * rng.normal();
    return x;
  });
}

/** A step series: `initial`, then each `[minute, value]` change holds until the next one. */
export function steps<T>(n: number, initial: T, changes: readonly (readonly [number, T])[] = []): T[] {
  return seq(n, (i) => {
    let v = initial;
    for (const [from, value] of changes) if (i >= from) v = value;
    return v;
  });
}

/** Linear interpolation through `[minute, value]` points, flat before the first and after the last. */
export function piecewise(n: number, points: readonly (readonly [number, number])[]): number[] {
  const first = nth(points, 0);
  const last = nth(points, points.length - 1);
  return seq(n, (i) => {
    if (i <= first[0]) return first[1];
    for (let k = 1; k < points.length; k++) {
      const [x1, y1] = nth(points, k);
      if (i <= x1) {
        const [x0, y0] = nth(points, k - 1);
        return y0 + ((y1 - y0) * (i - x0)) / (x1 - x0);
      }
    }
    return last[1];
  });
}

export interface Burst {
  at: number;
  size: number;
  len: number;
}

export interface TrafficShape {
  base: PerMinute<number>;
  amp?: number;
  period?: number;
  noise?: number;
  bursts?: number;
  burstPeak?: number;
  burstLen?: number;
  burstGap?: number;
  extraBursts?: readonly Burst[];
}

/**
 * Per-minute message counts with a realistic shape: a slow wave (two incommensurate sines, so it never
 * repeats exactly), multiplicative noise, and bursts that rise at once and decay linearly.
 */
export function traffic(rng: Rng, n: number, shape: TrafficShape): number[] {
  const { base, amp = 0.25, period = 45, noise = 0.08, bursts = 0, burstPeak = 2.5, burstLen = 4, burstGap = 12, extraBursts = [] } = shape;
  const phase = rng.uniform(0, 2 * Math.PI);
  const phase2 = rng.uniform(0, 2 * Math.PI);
  const period2 = period / rng.uniform(2.3, 3.1);
  const mid = at(base, Math.floor(n / 2));
  const burstList = [...extraBursts];
  for (let b = 0; b < bursts; b++) {
    // bursts of one queue stay at least `burstGap` minutes apart, so each drains before the next
    let start = rng.int(3, n - 4);
    for (let tries = 0; tries < 50 && burstList.some((o) => Math.abs(o.at - start) < burstGap); tries++) start = rng.int(3, n - 4);
    burstList.push({ at: start, size: mid * burstPeak * rng.uniform(0.6, 1.2), len: rng.int(2, burstLen) });
  }
  return seq(n, (i) => {
    const wave = 1 + amp * Math.sin((2 * Math.PI * i) / period + phase) + amp * 0.4 * Math.sin((2 * Math.PI * i) / period2 + phase2);
    let v = at(base, i) * Math.max(0.05, wave) * (1 + noise * rng.normal());
    for (const b of burstList) if (i >= b.at && i < b.at + b.len) v += b.size * (1 - (i - b.at) / b.len);
    return Math.max(0, Math.round(v));
  });
}

export interface SawtoothShape {
  floor: PerMinute<number>;
  peak: PerMinute<number>;
  rise: PerMinute<number>;
  jitter?: number;
  /** Where in a GC cycle the series starts (0: at its floor, a fresh JVM); random when absent. */
  startFraction?: number | null;
}

/**
 * JVM heap as ActiveMQ reports it: a GC sawtooth that climbs by `rise` a minute from the post-GC `floor`
 * until it nears `peak`, then collapses back to the floor. A climbing floor draws a leak.
 */
export function gcSawtooth(rng: Rng, n: number, { floor, peak, rise, jitter = 0.6, startFraction = null }: SawtoothShape): number[] {
  let v = at(floor, 0) + (startFraction ?? rng.uniform(0, 0.6)) * (at(peak, 0) - at(floor, 0));
  let threshold = at(peak, 0) - rng.uniform(0, 2);
  return seq(n, (i) => {
    const out = pct(v + rng.normal() * jitter);
    v += at(rise, i) * rng.uniform(0.6, 1.4);
    if (v >= threshold) {
      v = at(floor, i + 1) + rng.uniform(-1, 1.5);
      threshold = at(peak, i + 1) - rng.uniform(0, 2);
    }
    return out;
  });
}

/** The first index from `fromIdx` whose datapoint satisfies the predicate (a generator bug if none). */
export function firstIndex(values: readonly (number | null)[], predicate: (v: number, i: number) => boolean, fromIdx = 0): number {
  for (let i = fromIdx; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && predicate(v, i)) return i;
  }
  throw new Error("firstIndex: no datapoint matches");
}

/** First minute i such that the last `span` datapoints (i-span+1..i) all satisfy the predicate. */
export function firstSustained(values: readonly (number | null)[], predicate: (v: number) => boolean, span: number, fromIdx = 0): number {
  return firstIndex(
    values,
    (_, i) => i - span + 1 >= 0 && values.slice(i - span + 1, i + 1).every((v) => v !== null && predicate(v)),
    fromIdx,
  );
}

/** A random-looking UUID (not version-stamped), as the metric library has always drawn them. */
export function uuid(rng: Rng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A random version 4 UUID, the shape of EventBridge ids and CloudTrail event and request ids. */
export function uuidV4(rng: Rng): string {
  const h = rng.hex(32);
  const variant = "89ab"[Number.parseInt(h.charAt(16), 16) % 4];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20)}`;
}

/** ISO time without milliseconds, as AWS prints it. */
export const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");
