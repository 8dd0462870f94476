import {
  type ForecastRule,
  floorOver,
  forecastFloor,
  forecastFull,
  forecastReach,
  percentOf,
  sustainedLevel,
} from "../../../../shared/core/detectors/levels";
import { Severity } from "../../../../shared/core/types";
import { alternate, flat, noisy, nulls, ramp, sawtooth, series, withGaps } from "../detector-fixtures";

const thresholds = { warnPercent: 80, criticalPercent: 95, warnMinutes: 3, criticalMinutes: 2 };
const rule: ForecastRule = { windowMinutes: 20, minFit: 0.8, minPercent: 50, horizonMinutes: 60 };

/** The last index of a series: detectors judge at the newest known minute. */
const endOf = (s: readonly unknown[]) => s.length - 1;

describe("percentOf", () => {
  it("turns values into percent of a limit and keeps missing minutes missing", () => {
    // Act
    const percent = percentOf([500, null, 1500], 2000);

    // Assess
    expect(percent).toEqual([25, null, 75]);
  });

  it.each([
    { what: "a limit of 0", limit: 0 },
    { what: "a negative limit", limit: -1 },
  ])("knows nothing against $what", ({ limit }) => {
    // Act
    const percent = percentOf([10, 20], limit);

    // Assess
    expect(percent).toEqual([null, null]);
  });

  it("gives an empty series for a missing series", () => {
    // Act
    const percent = percentOf(undefined, 100);

    // Assess
    expect(percent).toEqual([]);
  });
});

describe("floorOver", () => {
  it.each([
    { situation: "every minute of 10 is known", values: series(flat(99, 20), [91, 95, 93, 97, 92, 96, 94, 98, 93, 95]), expected: 91 },
    { situation: "8 of 10 minutes are known", values: withGaps(series(flat(50, 20), flat(90, 10)), [-1, -4]), expected: 90 },
    {
      situation: "the lowest known minute is in the window",
      values: withGaps(series(flat(50, 20), flat(90, 9), [70]), [-2, -3]),
      expected: 70,
    },
    { situation: "only 7 of 10 minutes are known", values: withGaps(series(flat(50, 20), flat(90, 10)), [-1, -4, -7]), expected: null },
    { situation: "nothing is known", values: nulls(30), expected: null },
    { situation: "the series is shorter than the window", values: flat(90, 7), expected: null },
  ])("is $expected when $situation", ({ values, expected }) => {
    // Act
    const floor = floorOver(values, endOf(values), 10);

    // Assess
    expect(floor).toBe(expected);
  });

  it("ignores minutes before the window", () => {
    // Prepare
    const values = series([0, 0, 0], flat(90, 3));

    // Act
    const floor = floorOver(values, endOf(values), 3);

    // Assess
    expect(floor).toBe(90);
  });

  it.each([
    { minutes: 2, known: 2, expected: 90 },
    { minutes: 2, known: 1, expected: null },
    { minutes: 3, known: 2, expected: null },
    { minutes: 5, known: 4, expected: 90 },
  ])("needs 80% of $minutes minutes known (has $known)", ({ minutes, known, expected }) => {
    // Prepare
    const values = series(flat(50, 10), nulls(minutes - known), flat(90, known));

    // Act
    const floor = floorOver(values, endOf(values), minutes);

    // Assess
    expect(floor).toBe(expected);
  });
});

describe("sustainedLevel", () => {
  it.each([
    { situation: "2 minutes at or above critical", values: series(flat(50, 10), [96, 95]), severity: Severity.critical, minutes: 2 },
    { situation: "3 minutes above warning", values: series(flat(50, 10), [85, 81, 90]), severity: Severity.warning, minutes: 3 },
    {
      situation: "3 minutes above warning ending with 1 at critical",
      values: series(flat(50, 10), [85, 81, 99]),
      severity: Severity.warning,
      minutes: 3,
    },
    {
      situation: "exactly the warning level for 3 minutes",
      values: series(flat(50, 10), flat(80, 3)),
      severity: Severity.warning,
      minutes: 3,
    },
  ])("is $severity after $situation", ({ values, severity, minutes }) => {
    // Act
    const level = sustainedLevel(values, endOf(values), thresholds);

    // Assess
    expect(level).toMatchObject({ severity, minutes });
  });

  it("reports the floor that decided the severity", () => {
    // Prepare
    const values = series(flat(50, 10), [85, 81.26, 90]);

    // Act
    const level = sustainedLevel(values, endOf(values), thresholds);

    // Assess
    expect(level?.floor).toBe(81.3);
  });

  it.each([
    { situation: "one minute at critical", values: series(flat(50, 10), [99]) },
    { situation: "2 minutes above warning", values: series(flat(50, 10), [85, 90]) },
    { situation: "a dip below warning in the last 3 minutes", values: series(flat(85, 10), [90, 79, 90]) },
    { situation: "a sawtooth from 35% to 99%", values: sawtooth(35, 99, 4, 30) },
    { situation: "missing minutes at the end", values: withGaps(flat(99, 12), [-2]) },
  ])("is null after $situation", ({ values }) => {
    // Act
    const level = sustainedLevel(values, endOf(values), thresholds);

    // Assess
    expect(level).toBeNull();
  });
});

describe("forecastFull", () => {
  it("forecasts when a straight climb reaches 100%", () => {
    // Prepare: 50% -> 69% over 20 minutes is 1 point a minute, 31 minutes from full.
    const values = ramp(50, 69, 20);

    // Act
    const forecast = forecastFull(values, endOf(values), rule);

    // Assess
    expect(forecast).toEqual({ slopePerMinute: 1, minutesToFull: 31, fit: 1, windowMinutes: 4 });
  });

  it("forecasts a climb with a little noise that is still close to a line", () => {
    // Prepare
    const values = ramp(50, 69, 20).map((v, i) => v + (i % 2 === 0 ? 0.5 : -0.5));

    // Act
    const forecast = forecastFull(values, endOf(values), rule);

    // Assess
    expect(forecast?.fit).toBeGreaterThanOrEqual(0.8);
    expect(forecast?.minutesToFull).toBeGreaterThan(25);
  });

  it("tolerates up to 20% missing minutes in its window", () => {
    // Prepare
    const values = withGaps(ramp(50, 69, 20), [2, 5, 9, 14]);

    // Act
    const forecast = forecastFull(values, endOf(values), rule);

    // Assess
    expect(forecast).toEqual({ slopePerMinute: 1, minutesToFull: 31, fit: 1, windowMinutes: 4 });
  });

  it.each([
    { situation: "the climb zigzags too much to be a line (R² below the minimum)", values: series(alternate(55, 75, 19), [76]) },
    { situation: "the level is noisy with no trend", values: noisy(60, 8, 20) },
    { situation: "the level is below the minimum percent", values: ramp(30, 49, 20) },
    { situation: "the climb would reach 100% after the horizon", values: ramp(50, 54.75, 20) },
    { situation: "the level falls", values: ramp(90, 60, 20) },
    { situation: "the level is flat", values: flat(70, 20) },
    { situation: "more than 20% of every window is missing", values: withGaps(ramp(50, 69, 20), [11, 13, 15, 17, 18]) },
    { situation: "the newest minute is missing", values: withGaps(ramp(50, 69, 20), [-1]) },
  ])("is null when $situation", ({ values }) => {
    // Act
    const forecast = forecastFull(values, endOf(values), rule);

    // Assess
    expect(forecast).toBeNull();
  });

  it("lets the fit decide between a straight and a zigzag climb of the same trend", () => {
    // Prepare
    const straight = ramp(55, 75, 20);
    const zigzag = straight.map((v, i) => v + (i % 2 === 0 ? 8 : -8));

    // Act
    const fromStraight = forecastFull(straight, endOf(straight), rule);
    const fromZigzag = forecastFull(zigzag, endOf(zigzag), rule);
    const fromZigzagLenient = forecastFull(zigzag, endOf(zigzag), { ...rule, minFit: 0.2 });

    // Assess
    expect(fromStraight?.fit).toBe(1);
    expect(fromZigzag).toBeNull();
    expect(fromZigzagLenient).not.toBeNull();
  });

  it("says 0 minutes when the level is already at 100%", () => {
    // Prepare
    const values = ramp(81, 100, 20);

    // Act
    const forecast = forecastFull(values, endOf(values), rule);

    // Assess
    expect(forecast?.minutesToFull).toBe(0);
  });
});

describe("forecastFull on short windows", () => {
  const low: ForecastRule = { ...rule, minPercent: 20 };

  it("announces a steep steady climb four minutes in, once it passes everything of the half hour before", () => {
    // Prepare: 25% for half an hour, then +3 points a minute
    const values = series(flat(25, 30), ramp(28, 37, 4));

    // Act
    const forecast = forecastFull(values, endOf(values), low);

    // Assess
    expect(forecast).toMatchObject({ slopePerMinute: 3, windowMinutes: 4, minutesToFull: 21 });
  });

  it.each([
    { situation: "a climb back to the usual level after a failover emptied it", values: series(flat(60, 20), flat(5, 3), ramp(15, 58, 5)) },
    { situation: "a steep climb with too little history before it to call it new", values: series(nulls(25), ramp(28, 37, 4)) },
    { situation: "a short climb that wobbled down once", values: series(flat(25, 30), [28, 34, 31, 37]) },
    { situation: "a short climb of less than two points", values: series(flat(25, 30), [25.2, 25.6, 26, 26.4]) },
  ])("is null for $situation", ({ values }) => {
    // Act
    const forecast = forecastFull(values, endOf(values), low);

    // Assess
    expect(forecast).toBeNull();
  });
});

describe("forecastReach", () => {
  it("forecasts a falling free space reaching its limit from below", () => {
    // Prepare: 60 units free for half an hour, then -9 a minute towards a limit of 8
    const values = series(flat(60, 26), ramp(60, 33, 4));

    // Act
    const reach = forecastReach(values, endOf(values), {
      limit: 8,
      direction: "down",
      longestWindowMinutes: 20,
      minFit: 0.8,
      horizonMinutes: 60,
      minMove: 1,
    });

    // Assess
    expect(reach).toMatchObject({ slopePerMinute: -9, windowMinutes: 4 });
    expect(reach?.minutesToLimit).toBeCloseTo(25 / 9, 5);
  });
});

describe("forecastFloor", () => {
  const floorRule = { minFit: 0.8, horizonMinutes: 60 };

  it("forecasts a post-GC floor that rises from one collection to the next", () => {
    // Prepare: collections every 6 minutes, the floor +1.2 points a minute
    const values = Array.from({ length: 30 }, (_, i) => 30 + 1.2 * i + 5 * (i % 6));

    // Act
    const forecast = forecastFloor(values, endOf(values), floorRule);

    // Assess
    expect(forecast?.slopePerMinute).toBeCloseTo(1.2, 1);
    expect(forecast?.minutesToFull).toBeLessThanOrEqual(60);
  });

  it("forecasts from two collections when the second floor is far above the first (one cycle already shows the leak)", () => {
    // Prepare: a floor of 34%, then 42% eight minutes later
    const values = series(flat(50, 4), sawtooth(34, 60, 8, 8), sawtooth(42, 68, 8, 6));

    // Act
    const forecast = forecastFloor(values, endOf(values), floorRule);

    // Assess: +8 points in 8 minutes, 1 point a minute
    expect(forecast).toMatchObject({ slopePerMinute: 1, fit: 1 });
  });

  it.each([
    { situation: "a sawtooth whose floor holds, however high its peaks", values: sawtooth(35, 90, 6, 40) },
    { situation: "a climb without collections", values: ramp(30, 60, 30) },
    { situation: "two collections only, their floors a point apart", values: sawtooth(35, 60, 12, 30) },
    {
      situation: "two collections whose floors are 4 points apart (within a healthy floor's wobble over a cycle)",
      values: series(flat(50, 2), sawtooth(35, 60, 12, 12), sawtooth(39, 64, 12, 10)),
    },
  ])("is null for $situation", ({ values }) => {
    // Act / Assess
    expect(forecastFloor(values, endOf(values), floorRule)).toBeNull();
  });
});
