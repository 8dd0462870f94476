import {
  alarmEquivalentUsdPerQueueMonth,
  getMetricDataCallBudget,
  MINUTES_PER_MONTH,
  meetsCostTarget,
  splitUsdPerQueueMonth,
  usdPerMonth,
  usdPerMonthPolledEveryMinute,
  usdPerQueueMonth,
} from "../../../bench/cost-model";

describe("cost model", () => {
  it("prices one metric polled every minute at $0.432 a month, as DESIGN.md §4 says", () => {
    // Act
    const usd = usdPerMonthPolledEveryMinute(1);
    // Assess
    expect(usd).toBeCloseTo(0.432, 6);
  });

  it("scales a sample of minutes to a 30-day month and adds ListMetrics requests", () => {
    // Prepare: one day of 1,000 metrics a minute and 96 ListMetrics requests
    const usage = { metricsRequested: 1000 * 1440, listMetricsRequests: 96, minutes: 1440 };
    // Act
    const month = usdPerMonth(usage);
    // Assess: 30 days of 1.44M metrics at $0.01/1,000, plus 2,880 requests at $0.01/1,000
    expect(month).toBeCloseTo(30 * 14.4 + 30 * 0.00096, 6);
    expect(usdPerQueueMonth(usage, 1000)).toBeCloseTo(month / 1000, 9);
  });

  it("returns zero for an empty sample instead of dividing by zero", () => {
    expect(usdPerMonth({ metricsRequested: 10, listMetricsRequests: 0, minutes: 0 })).toBe(0);
    expect(usdPerQueueMonth({ metricsRequested: 10, listMetricsRequests: 0, minutes: 10 }, 0)).toBe(0);
  });

  it.each([
    // queues, brokers, expected $ per queue-month: (3 x queues + 4 x brokers) x $0.10 / queues
    [10_000, 200, 0.308],
    [50, 1, 0.308],
    [1, 1, 0.7],
  ])("prices the equivalent alarm set of %i queues on %i brokers at $%d per queue-month", (queues, brokers, expected) => {
    expect(alarmEquivalentUsdPerQueueMonth({ queues, brokers })).toBeCloseTo(expected, 9);
  });

  it.each([
    [0.15, 0.308, true],
    [0.154, 0.308, true],
    [0.16, 0.308, false],
  ])("judges $%d per queue-month against an alarm set of $%d: meets the target = %s", (usd, alarm, expected) => {
    expect(meetsCostTarget(usd, alarm)).toBe(expected);
  });

  it("splits metrics by what they were read for, in dollars per queue-month", () => {
    // Prepare: one minute of 100 broker-level and 50 queue metrics, 10 queues
    const split = splitUsdPerQueueMonth({ broker: 100, sweep: 50 }, 1, 10);
    // Assess
    expect(split.broker).toBeCloseTo((100 * MINUTES_PER_MONTH * 0.00001) / 10, 9);
    expect(split.sweep).toBeCloseTo(split.broker / 2, 9);
  });

  it.each([
    [1, 2],
    [500, 2],
    [501, 3],
    [41_002, 84],
  ])("allows %i metrics at most %i GetMetricData calls (ceil(M/500) + 1)", (metrics, calls) => {
    expect(getMetricDataCallBudget(metrics)).toBe(calls);
  });
});
