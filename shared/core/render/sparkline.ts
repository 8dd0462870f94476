import type { Series } from "../types";

/** The eight bar heights of a sparkline, lowest first. */
export const SPARK_BARS = "▁▂▃▄▅▆▇█";

/** What a missing datapoint (or a bucket with none) shows as: a gap, not a zero. */
export const SPARK_GAP = "·";

/**
 * A one-line unicode chart of a series (oldest first), scaled between its lowest and highest known
 * value. Missing datapoints show as {@link SPARK_GAP}; a flat series is a flat line (at the bottom
 * when it sits at zero, mid-height otherwise, so an idle queue and a stuck one do not look alike).
 * With `width`, a longer series is averaged into that many buckets. Empty, or nothing known: `""`.
 */
export function sparkline(series: Series, width?: number): string {
  const points = width === undefined ? [...series] : downsample(series, Math.floor(width));
  const known = points.filter(isKnown);
  if (known.length === 0) return "";
  // reduce, not Math.min(...known): a spread of a very long series overflows the stack
  const low = known.reduce((a, b) => Math.min(a, b));
  const high = known.reduce((a, b) => Math.max(a, b));
  const flatBar = high === 0 ? FLAT_AT_ZERO : FLAT;
  return points
    .map((v) => {
      if (!isKnown(v)) return SPARK_GAP;
      if (high === low) return flatBar;
      return SPARK_BARS[Math.round(((v - low) / (high - low)) * (SPARK_BARS.length - 1))];
    })
    .join("");
}

const FLAT_AT_ZERO = SPARK_BARS[0] as string;
const FLAT = SPARK_BARS[3] as string;

function isKnown(v: number | null | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** Averages the known values of each of `width` equal buckets; a bucket with none is a gap. */
function downsample(series: Series, width: number): (number | null)[] {
  if (width <= 0) return [];
  if (series.length <= width) return [...series];
  const out: (number | null)[] = [];
  for (let i = 0; i < width; i++) {
    const from = Math.floor((i * series.length) / width);
    const to = Math.floor(((i + 1) * series.length) / width);
    const bucket = series.slice(from, to).filter(isKnown);
    out.push(bucket.length === 0 ? null : bucket.reduce((a, b) => a + b, 0) / bucket.length);
  }
  return out;
}
