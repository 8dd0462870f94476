import { type LagSeries, SlowGrowthRule, slowWindowOf } from "../../../../shared/core/detectors/consumer-lag";
import type { Series } from "../../../../shared/core/types";
import { detection, flat, nulls, ramp } from "../detector-fixtures";

const config = detection.consumerLag;
const WINDOW = config.slowWindowMinutes;

/** A slow consumer over the whole window: +200 in steady steps, four consumers dequeuing every minute. */
const SLOW: LagSeries = { backlog: ramp(1000, 1200, WINDOW), consumers: flat(4, WINDOW), dequeues: flat(50, WINDOW) };

function lag(overrides: Partial<LagSeries>): LagSeries {
  return { ...SLOW, ...overrides };
}

/** A backlog of the window's length from explicit values. */
function backlog(...values: (number | null)[]): Series {
  return values;
}

// Burrow's evaluator tests list each rule with the offsets it sees and what it says; so does this table.
describe("SlowGrowthRule", () => {
  it.each<[keyof typeof SlowGrowthRule, string, boolean, LagSeries]>([
    ["windowKnown", "a whole window", true, SLOW],
    ["windowKnown", "8 of 10 minutes known", true, lag({ backlog: [...nulls(2), ...ramp(1000, 1200, 8)] })],
    ["windowKnown", "7 of 10 minutes known", false, lag({ backlog: [...nulls(3), ...ramp(1000, 1200, 7)] })],
    ["neverLow", "a backlog that stays up", true, SLOW],
    ["neverLow", "a backlog that reached zero", false, lag({ backlog: [0, ...ramp(1000, 1200, WINDOW - 1)] })],
    ["grewEnough", "+200 over the window", true, SLOW],
    ["grewEnough", "+100, the least growth", true, lag({ backlog: ramp(1000, 1100, WINDOW) })],
    ["grewEnough", "+99", false, lag({ backlog: ramp(1000, 1099, WINDOW) })],
    ["roseSteadily", "a rise every minute", true, SLOW],
    ["roseSteadily", "a flat stretch then a climb", false, lag({ backlog: [...flat(1000, 6), ...ramp(1050, 1200, 4)] })],
    [
      "roseSteadily",
      "three falls in nine steps",
      false,
      lag({ backlog: backlog(1000, 1100, 1050, 1150, 1100, 1200, 1150, 1250, 1300, 1350) }),
    ],
    [
      "roseSteadily",
      "two falls in nine steps",
      true,
      lag({ backlog: backlog(1000, 1100, 1050, 1150, 1100, 1200, 1250, 1300, 1350, 1400) }),
    ],
    ["noBurst", "steady steps", true, SLOW],
    ["noBurst", "one minute bringing most of the growth", false, lag({ backlog: [...ramp(1000, 1040, 9), 1300] })],
    ["nearPeak", "ends at its peak", true, SLOW],
    ["nearPeak", "ends well below its peak", false, lag({ backlog: [...ramp(1000, 1400, 9), 1300] })],
    ["nearPeak", "ends within 5% of its peak", true, lag({ backlog: [...ramp(1000, 1400, 9), 1340] })],
    ["consumersThroughout", "four consumers every minute", true, SLOW],
    ["consumersThroughout", "a minute without consumers", false, lag({ consumers: [...flat(4, WINDOW - 1), 0] })],
    ["consumersThroughout", "no consumer count at all", false, lag({ consumers: nulls(WINDOW) })],
    ["dequeuing", "dequeues every minute", true, SLOW],
    ["dequeuing", "no per-queue dequeue count (RabbitMQ)", true, lag({ dequeues: undefined })],
    ["dequeuing", "8 of 10 minutes dequeuing", true, lag({ dequeues: [0, 0, ...flat(50, 8)] })],
    ["dequeuing", "7 of 10 minutes dequeuing", false, lag({ dequeues: [0, 0, 0, ...flat(50, 7)] })],
  ])("%s: %s -> %s", (rule, _, verdict, series) => {
    // Act
    const passes = SlowGrowthRule[rule](slowWindowOf(series, WINDOW - 1, config), config);
    // Assess
    expect(passes).toBe(verdict);
  });
});
