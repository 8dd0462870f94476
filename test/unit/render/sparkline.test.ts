import fc from "fast-check";
import { SPARK_BARS, SPARK_GAP, sparkline } from "../../../shared/core/render/sparkline";

describe("sparkline", () => {
  it.each([
    ["an empty series", [], ""],
    ["a series with nothing known", [null, null], ""],
    ["a rising series", [0, 1, 2, 3, 4, 5, 6, 7], "▁▂▃▄▅▆▇█"],
    ["a falling series", [70, 0], "█▁"],
    ["gaps", [1, null, 3, null], `▁${SPARK_GAP}█${SPARK_GAP}`],
    ["a flat series at zero", [0, 0, 0], "▁▁▁"],
    ["a flat series above zero", [669, 669, 669], "▄▄▄"],
    ["negative values", [-10, 0, 10], "▁▅█"],
    ["values that are not numbers", [1, Number.NaN, Number.POSITIVE_INFINITY, 2], `▁${SPARK_GAP}${SPARK_GAP}█`],
  ])("draws %s", (_name, series, expected) => {
    // Act
    const line = sparkline(series);
    // Assess
    expect(line).toBe(expected);
  });

  it("averages a longer series into the given width", () => {
    // Prepare
    const series = [0, 0, 0, 0, 10, 10, 10, 10];
    // Act
    const line = sparkline(series, 2);
    // Assess
    expect(line).toBe("▁█");
  });

  it("shows a bucket with no known value as a gap", () => {
    // Prepare
    const series = [1, 1, null, null, 5, 5];
    // Act
    const line = sparkline(series, 3);
    // Assess
    expect(line).toBe(`▁${SPARK_GAP}█`);
  });

  it("keeps a series shorter than the width as it is", () => {
    // Act
    const line = sparkline([1, 2], 30);
    // Assess
    expect(line).toBe("▁█");
  });

  it("draws one character per point (or bucket), only bars and gaps, low and high included", () => {
    const value = fc.option(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { nil: null });
    fc.assert(
      fc.property(fc.array(value, { maxLength: 200 }), fc.integer({ min: 1, max: 60 }), (series, width) => {
        // Act
        const line = sparkline(series, width);
        // Assess
        const chars = [...line];
        const drawn = series.some((v) => v !== null);
        if (!drawn) return expect(line).toBe("");
        expect(chars).toHaveLength(Math.min(series.length, width));
        expect(chars.every((c) => SPARK_BARS.includes(c) || c === SPARK_GAP)).toBe(true);
        const bars = chars.filter((c) => c !== SPARK_GAP);
        const flat = new Set(bars).size === 1;
        if (!flat) {
          expect(bars).toContain("▁");
          expect(bars).toContain("█");
        }
      }),
    );
  });
});
