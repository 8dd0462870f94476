import { DEFAULT_CONFIG } from "../../../shared/core/config";
import { type IncidentEpisode, quietSettings } from "../../../shared/core/quiet-settings";

const episode = (over: Partial<IncidentEpisode>): IncidentEpisode => ({
  kind: "resource-pressure",
  resource: "cpu",
  conditions: new Set(["cpu-high"]),
  seenMinutes: 2,
  peak: {},
  least: {},
  ...over,
});

describe("quietSettings", () => {
  const detection = DEFAULT_CONFIG.detection;

  it("raises a level just above the highest value seen, and a hold past the longest episode", () => {
    const out = quietSettings(
      [episode({ peak: { percentUsed: 91.2 } }), episode({ peak: { percentUsed: 88 }, seenMinutes: 6 })],
      detection,
    );
    expect(out).toEqual([
      expect.objectContaining({ key: "detection.resources.cpu.warnPercent", current: 85, suggested: 92 }),
      expect.objectContaining({ key: "detection.resources.cpu.sustainMinutes", current: 5, suggested: 12 }),
    ]);
  });

  it("shortens a forecast horizon below the nearest exhaustion foreseen", () => {
    const out = quietSettings(
      [episode({ resource: "store", conditions: new Set(["store-filling"]), least: { minutesToFull: 41 } })],
      detection,
    );
    expect(out).toEqual([expect.objectContaining({ key: "detection.resources.fillForecastHorizonMinutes", current: 60, suggested: 40 })]);
  });

  it("lengthens the stall hold for a queue that stalls briefly, and the dead-letter growth for a trickling DLQ", () => {
    const stalled = quietSettings(
      [episode({ kind: "consumer-lag", resource: "q", conditions: new Set(["stalled"]), seenMinutes: 4 })],
      detection,
    );
    expect(stalled).toEqual([expect.objectContaining({ key: "detection.consumerLag.stalledMinutes", current: 3, suggested: 8 })]);
    const dlq = quietSettings(
      [episode({ kind: "consumer-lag", resource: "DLQ.x", conditions: new Set(["dead-letter-growing"]), peak: { growth: 7 } })],
      detection,
    );
    expect(dlq).toEqual([expect.objectContaining({ key: "detection.consumerLag.deadLetterMinGrowth", suggested: 8 })]);
  });

  it("names no level above 100 % (no setting keeps a full resource quiet)", () => {
    const out = quietSettings([episode({ peak: { percentUsed: 100 } })], detection);
    expect(out.map((q) => q.key)).toEqual(["detection.resources.cpu.sustainMinutes"]);
  });
});
