import { type Finding, fingerprintOf, type Series } from "./types";

/**
 * The key series of each incident over a whole run, stitched from the windows its findings carried
 * minute after minute, for the picture of a report (replay, backtest). Each finding's series end at
 * the newest datapoint its cycle could see: datapoint `minute - 1 - publishDelayMinutes` for the cycle
 * of `minute` (DESIGN.md §3). A later window overwrites what an earlier one said of the same minute.
 */
export class IncidentTraces {
  private readonly traces = new Map<string, Map<string, Map<number, number | null>>>();

  constructor(private readonly publishDelayMinutes: number) {}

  /** Keeps the series of a cycle's findings (or of the incidents its transitions carry). */
  record(minute: number, findings: readonly Pick<Finding, "kind" | "broker" | "resource" | "series">[]): void {
    const newest = minute - 1 - this.publishDelayMinutes;
    for (const f of findings) {
      if (!f.series) continue;
      const fingerprint = fingerprintOf(f);
      let byName = this.traces.get(fingerprint);
      if (!byName) {
        byName = new Map();
        this.traces.set(fingerprint, byName);
      }
      for (const [name, values] of Object.entries(f.series)) {
        let points = byName.get(name);
        if (!points) {
          points = new Map();
          byName.set(name, points);
        }
        const first = newest - values.length + 1;
        values.forEach((v, i) => {
          // A gap in a newer window does not erase a value an older window had.
          if (v != null || !points.has(first + i)) points.set(first + i, v ?? null);
        });
      }
    }
  }

  /** The series of an incident from `from` to `to` (inclusive data minutes), by name; empty when never seen. */
  seriesOf(fingerprint: string, from: number, to: number): { name: string; values: Series }[] {
    const byName = this.traces.get(fingerprint);
    if (!byName || to < from) return [];
    return [...byName].map(([name, points]) => {
      const values: (number | null)[] = [];
      for (let m = from; m <= to; m++) values.push(points.get(m) ?? null);
      return { name, values };
    });
  }

  /** The first and last data minute known for an incident, or null. */
  extentOf(fingerprint: string): { from: number; to: number } | null {
    const byName = this.traces.get(fingerprint);
    if (!byName) return null;
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const points of byName.values()) {
      for (const [m, v] of points) {
        if (v == null) continue;
        from = Math.min(from, m);
        to = Math.max(to, m);
      }
    }
    return Number.isFinite(from) ? { from, to } : null;
  }
}
