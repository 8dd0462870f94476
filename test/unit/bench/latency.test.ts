import { peakPerWindow, throttledByTokenBucket } from "../../../bench/latency";

describe("request-rate helpers", () => {
  it("counts the most calls started within any one-second window", () => {
    // Prepare: 3 calls in the first 900 ms, then 2 spread out
    const starts = [0, 400, 899, 1500, 3000];
    // Act / Assess
    expect(peakPerWindow(starts)).toBe(3);
    expect(peakPerWindow([])).toBe(0);
  });

  it("throttles nothing within the burst and then allows the refill rate", () => {
    // Prepare: 100 calls at once drain the burst; 30 more over the next second get 15 tokens
    const burst = new Array(100).fill(0);
    const next = Array.from({ length: 30 }, (_, i) => 1 + (i * 1000) / 30);
    // Act
    const throttled = throttledByTokenBucket([...burst, ...next]);
    // Assess
    expect(throttledByTokenBucket(burst)).toBe(0);
    expect(throttled).toBeGreaterThanOrEqual(14);
    expect(throttled).toBeLessThanOrEqual(16);
  });

  it("never throttles a steady rate below 15 per second", () => {
    const starts = Array.from({ length: 600 }, (_, i) => i * 100);
    expect(throttledByTokenBucket(starts)).toBe(0);
  });
});
