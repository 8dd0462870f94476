import { type CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { RebootBrokerCommand } from "@aws-sdk/client-mq";
import { at, MINUTE, metricQuery, START_MS, simulate } from "./scenario-fixtures";

/**
 * Edge cases of DESIGN.md §3 that the simulated account once got wrong: mid-minute StartTime,
 * repeated reboots, prototype-named dimension filters, and series a reboot emptied.
 */

const CPU = { Broker: "orders-1" };
const ramp = (length: number, from = 0) => Array.from({ length }, (_, i) => from + i);

/** One ascending GetMetricData call for the orders-1 CPU series between two wall-clock times. */
async function cpuBetween(cloudwatch: CloudWatchClient, start: Date, end: Date) {
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: start,
      EndTime: end,
      ScanBy: "TimestampAscending",
      MetricDataQueries: [metricQuery("cpu", "CpuUtilization", CPU)],
    }),
  );
  const result = out.MetricDataResults?.[0];
  return { timestamps: result?.Timestamps ?? [], values: result?.Values ?? [] };
}

describe("SimulatedAccount (DESIGN.md §3 edge cases)", () => {
  it("stamps datapoints on whole minutes (start + i) when StartTime falls inside a minute", async () => {
    // Prepare
    const { account, cloudwatch } = simulate({ metrics: [{ metric: "CpuUtilization", dimensions: CPU, values: ramp(10) }] });
    account.minute = 30;
    // Act
    const got = await cpuBetween(cloudwatch, at(0.5), at(5));
    // Assess: §3 "datapoint i has the timestamp start + i minutes"
    expect(got.timestamps.map((t) => (t.getTime() - START_MS) % MINUTE)).toEqual(got.timestamps.map(() => 0));
  });

  it("leaves out a datapoint whose minute starts before StartTime", async () => {
    // Prepare
    const { account, cloudwatch } = simulate({ metrics: [{ metric: "CpuUtilization", dimensions: CPU, values: ramp(10) }] });
    account.minute = 30;
    // Act
    const got = await cpuBetween(cloudwatch, at(0.5), at(5));
    // Assess: §3 "only datapoints ... inside [StartTime, EndTime) come back": datapoint 0 (start) is before start + 30 s
    expect(got.values).toEqual([1, 2, 3, 4]);
  });

  it("restarts afterReboot at index 0 on a second successful reboot", async () => {
    // Prepare
    const { account, cloudwatch, mq } = simulate({
      metrics: [{ metric: "CpuUtilization", dimensions: CPU, values: ramp(30), afterReboot: ramp(30, 100) }],
    });
    account.minute = 5;
    await mq.send(new RebootBrokerCommand({ BrokerId: "b-orders" }));
    account.minute = 10; // RUNNING again since minute 8
    await mq.send(new RebootBrokerCommand({ BrokerId: "b-orders" }));
    account.minute = 20;
    // Act
    const got = await cpuBetween(cloudwatch, at(0), at(20));
    // Assess: §3 "after a successful RebootBroker at minute r ... index 0 = minute r", here r = 10 for datapoints 10..18
    expect(got.values).toEqual([...ramp(5), ...ramp(5, 100), ...ramp(9, 100)]);
  });

  it("lists no series for a dimension filter named like an Object.prototype member", async () => {
    // Prepare
    const { account, cloudwatch } = simulate({ metrics: [{ metric: "CpuUtilization", dimensions: CPU, values: [1] }] });
    account.minute = 10;
    // Act
    const out = await cloudwatch.send(new ListMetricsCommand({ Dimensions: [{ Name: "constructor" }] }));
    // Assess: the only series has no `constructor` dimension; CloudWatch returns nothing
    expect(out.Metrics).toEqual([]);
  });

  it("does not list a series whose only datapoints a reboot replaced with nulls", async () => {
    // Prepare: queue `late` appears at minute 20 on node -1, but the broker fails over at minute 10 and afterReboot is all null
    const late = [...Array<null>(20).fill(null), 5, 5, 5, 5, 5];
    const { account, cloudwatch, mq } = simulate({
      metrics: [
        { metric: "QueueSize", dimensions: { Broker: "orders-1", Queue: "late" }, values: late, afterReboot: Array<null>(40).fill(null) },
      ],
    });
    account.minute = 10;
    await mq.send(new RebootBrokerCommand({ BrokerId: "b-orders" }));
    account.minute = 24;
    // Act
    const out = await cloudwatch.send(new ListMetricsCommand({}));
    // Assess: §3 "ListMetrics lists a series once its first datapoint is visible"; this series never has one
    expect(out.Metrics).toEqual([]);
  });
});
