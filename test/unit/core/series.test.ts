import { medianOf, quantileOf } from "../../../shared/core/series";

describe("series statistics", () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[5, null, 1], 3],
    [[], null],
  ])("gives the median of the known values of %j as %p", (values, expected) => {
    expect(medianOf(values)).toBe(expected);
  });

  it("gives the nearest-rank quantile of the known values", () => {
    // Prepare: 1..100 shuffled, with a gap
    const values = [...Array.from({ length: 100 }, (_, i) => 100 - i), null];
    // Act / Assess
    expect(quantileOf(values, 0.99)).toBe(99);
    expect(quantileOf(values, 0.5)).toBe(50);
    expect(quantileOf(values, 0)).toBe(1);
    expect(quantileOf([], 0.9)).toBeNull();
  });
});
