import { peakPerWindow } from "../../../../shared/sim/fleet/api-latency";

describe("request-rate helpers", () => {
  it("counts the most calls started within any one-second window", () => {
    // Prepare: 3 calls in the first 900 ms, then 2 spread out
    const starts = [0, 400, 899, 1500, 3000];
    // Act / Assess
    expect(peakPerWindow(starts)).toBe(3);
    expect(peakPerWindow([])).toBe(0);
  });
});
