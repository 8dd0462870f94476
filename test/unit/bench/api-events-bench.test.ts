import { join } from "node:path";
import { benchApiEvents } from "../../../bench/api-events-bench";

describe("benchApiEvents", () => {
  it("runs the library's CloudTrail events through the real handler, opening incidents as the scenarios do", async () => {
    // Act
    const result = await benchApiEvents(join(__dirname, "../../../scenarios"), 400);
    // Assess: the events did real work (they open and update incidents), and every figure is filled in
    expect(result.events).toBe(400);
    expect(result.transitions).toBeGreaterThan(5);
    expect(result.eventsPerSecond).toBeGreaterThan(0);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.medianMs);
  });
});
