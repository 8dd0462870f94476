import { CloudWatchClient, CloudWatchServiceException, ListMetricsCommand, type Metric } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { CloudWatchMetricSource } from "../../../shared/adapters/cloudwatch-metric-source";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { NAMESPACE } from "../../../shared/core/metric-catalog";
import { serviceError } from "../../support/aws-errors";
import { MINUTE, TEST_CLIENT_CONFIG, TestClock } from "../../support/clock";

const cloudWatch = mockClient(CloudWatchClient);

function metric(dimensions: Record<string, string>, name = "RabbitMQMemUsed"): Metric {
  return { Namespace: NAMESPACE, MetricName: name, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) };
}

const accessDenied = () =>
  serviceError(CloudWatchServiceException, "AccessDeniedException", 403, "not authorized to perform cloudwatch:ListMetrics");

function setUp() {
  const clock = new TestClock();
  const log = new RecordingLog();
  return { source: new CloudWatchMetricSource(new CloudWatchClient(TEST_CLIENT_CONFIG), clock, log), clock, log };
}

beforeEach(() => cloudWatch.reset());
afterAll(() => cloudWatch.restore());

describe("CloudWatchMetricSource.listNodes", () => {
  it("lists each RabbitMQ broker's nodes from the per-node series, over every page", async () => {
    // Prepare
    cloudWatch
      .on(ListMetricsCommand)
      .resolvesOnce({
        Metrics: [
          metric({ Broker: "events", Node: "rabbit@ip-10-0-2-22.ec2.internal" }),
          metric({ Broker: "events", Node: "rabbit@ip-10-0-1-11.ec2.internal" }),
          // the broker-level series of the same metric has no Node
          metric({ Broker: "events" }),
        ],
        NextToken: "page-2",
      })
      .resolvesOnce({
        Metrics: [
          metric({ Broker: "events", Node: "rabbit@ip-10-0-3-33.ec2.internal" }),
          metric({ Broker: "billing", Node: "rabbit@ip-10-9-9-9.ec2.internal" }),
        ],
      });
    const { source } = setUp();

    // Act
    const listing = await source.listNodes(15 * MINUTE);

    // Assess
    expect(Object.fromEntries(listing.nodesByBroker)).toEqual({
      events: ["rabbit@ip-10-0-1-11.ec2.internal", "rabbit@ip-10-0-2-22.ec2.internal", "rabbit@ip-10-0-3-33.ec2.internal"],
      billing: ["rabbit@ip-10-9-9-9.ec2.internal"],
    });
    expect(cloudWatch).toHaveReceivedCommandWith(ListMetricsCommand, {
      Namespace: NAMESPACE,
      MetricName: "RabbitMQMemUsed",
      Dimensions: [{ Name: "Node" }],
      RecentlyActive: "PT3H",
    });
  });

  it("reuses a listing younger than maxAgeMs and lists again after it", async () => {
    // Prepare
    cloudWatch.on(ListMetricsCommand).resolves({ Metrics: [metric({ Broker: "events", Node: "rabbit@a" })] });
    const { source, clock } = setUp();

    // Act
    await source.listNodes(15 * MINUTE);
    clock.advance(14 * MINUTE);
    await source.listNodes(15 * MINUTE);
    clock.advance(2 * MINUTE);
    await source.listNodes(15 * MINUTE);

    // Assess
    expect(cloudWatch).toHaveReceivedCommandTimes(ListMetricsCommand, 2);
  });

  it("keeps the previous listing when listing fails, and fails without one", async () => {
    // Prepare
    cloudWatch
      .on(ListMetricsCommand)
      .resolvesOnce({ Metrics: [metric({ Broker: "events", Node: "rabbit@a" })] })
      .rejects(accessDenied());
    const { source, clock, log } = setUp();
    const fresh = setUp().source;

    // Act
    const first = await source.listNodes(MINUTE);
    clock.advance(2 * MINUTE);
    const second = await source.listNodes(MINUTE);

    // Assess
    expect(second).toBe(first);
    expect(log.entries.some((e) => e.level === "warn" && e.message === "node listing failed; using the previous one")).toBe(true);
    await expect(fresh.listNodes(MINUTE)).rejects.toThrow(/AccessDenied/);
  });
});
