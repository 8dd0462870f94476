import { RecordingLog } from "../../../shared/adapters/recording-log";
import { type CycleReport, runMetricsCycle } from "../../../shared/app/run-metrics-cycle";
import type { Broker } from "../../../shared/core/types";
import type { NodeListing } from "../../../shared/ports";
import { TestClock } from "../../support/clock";
import { cycleDeps, FakeInventory, FakeMetrics } from "./fakes";

/** The inventory with configuration revisions (as MqBrokerInventory reads them). */
class ConfigInventory extends FakeInventory {
  texts = new Map<string, string>();
  reads = 0;
  async configurationText(c: { id: string; revision: number }): Promise<string> {
    this.reads++;
    const text = this.texts.get(`${c.id}#${c.revision}`);
    if (text === undefined) throw new Error("ForbiddenException: not authorized to perform mq:DescribeConfigurationRevision");
    return text;
  }
}

/** The metrics with RabbitMQ node discovery (as CloudWatchMetricSource lists them). */
class NodeMetrics extends FakeMetrics {
  nodes = new Map<string, string[]>();
  async listNodes(): Promise<NodeListing> {
    return { nodesByBroker: this.nodes, listedAt: 0 };
  }
}

const MINUTES = 40;
const flat = (v: number) => new Array(MINUTES).fill(v);

function rabbit(name: string, overrides: Partial<Broker>): Broker {
  return {
    id: `b-${name}`,
    name,
    arn: null,
    state: "RUNNING",
    engine: "RABBITMQ",
    engineVersion: "4.2",
    deploymentMode: "SINGLE_INSTANCE",
    instanceType: "mq.m7g.large",
    tags: {},
    pendingChanges: [],
    configuration: { id: `c-${name}`, revision: 3 },
    nodes: [name],
    ...overrides,
  };
}

function world(brokers: Broker[]) {
  const clock = new TestClock();
  const inventory = new ConfigInventory();
  inventory.brokers = brokers;
  const metrics = new NodeMetrics(clock);
  const log = new RecordingLog();
  const deps = cycleDeps({ inventory, metrics, clock, log });
  const runUntil = async (last: number) => {
    const reports: CycleReport[] = [];
    for (; clock.minute <= last; clock.minute++) reports.push(await runMetricsCycle(deps));
    return reports;
  };
  return { inventory, metrics, log, runUntil };
}

/** Healthy broker-level RabbitMQ series with `connections` connections. */
function publish(metrics: FakeMetrics, broker: string, connections: number): void {
  const dims = { Broker: broker };
  metrics.set("ConnectionCount", dims, flat(connections));
  metrics.set("ChannelCount", dims, flat(Math.round(connections * 1.4)));
  metrics.set("MessageReadyCount", dims, flat(3));
  metrics.set("ConsumerCount", dims, flat(4));
  metrics.set("SystemCpuUtilization", dims, flat(20));
}

describe("runMetricsCycle: RabbitMQ limits", () => {
  it("judges a RabbitMQ 4.2 mq.m7g.large against its default 1,500 connections", async () => {
    // Prepare: 1,440 connections, 96% of 1,500 (and 29% of the 5,000 of RabbitMQ 3)
    const { inventory, metrics, runUntil } = world([rabbit("orders", {})]);
    inventory.texts.set("c-orders#3", "# defaults\nconsumer_timeout = 1800000\n");
    publish(metrics, "orders", 1440);

    // Act
    const reports = await runUntil(10);

    // Assess
    const found = reports.flatMap((r) => r.findings).find((f) => f.kind === "connection-exhaustion");
    expect(found?.evidence).toMatchObject({ limit: 1500, limitSource: "RabbitMQ 4 default for mq.m7g.large (single instance)" });
    expect(reports.at(-1)?.limits?.orders).toBe(
      "1,500 connections / 4,500 channels per node; connections: RabbitMQ 4 default for mq.m7g.large (single instance); channels: RabbitMQ 4 default for mq.m7g.large (single instance)",
    );
  });

  it("takes connection_max from the current configuration revision, read once", async () => {
    // Prepare
    const { inventory, metrics, runUntil } = world([rabbit("orders", {})]);
    inventory.texts.set("c-orders#3", "connection_max = 3000\nchannel_max_per_node = 9000\n");
    publish(metrics, "orders", 1440);

    // Act
    const reports = await runUntil(10);

    // Assess: read every cycle from the inventory's cache (MqConfigurationRevisions keeps the text)
    expect(reports.flatMap((r) => r.findings)).toEqual([]);
    expect(reports.at(-1)?.limits?.orders).toMatch(
      /^3,000 connections \/ 9,000 channels per node; connections: connection_max in configuration c-orders revision 3/,
    );
    expect(reports.flatMap((r) => r.notices)).toEqual([]);
  });

  it("says once, in the notices and the log, when the configuration cannot be read, and judges against the defaults", async () => {
    // Prepare: no text for the revision: the read fails
    const { metrics, log, runUntil } = world([rabbit("orders", {})]);
    publish(metrics, "orders", 1440);

    // Act
    const reports = await runUntil(10);

    // Assess
    const notices = reports.flatMap((r) => r.notices);
    expect(notices).toEqual([
      expect.stringMatching(
        /^broker orders: configuration c-orders revision 3 could not be read \(.*ForbiddenException.*\); its connection_max and channel_max_per_node are taken as not set/,
      ),
    ]);
    expect(log.entries.filter((e) => e.level === "warn" && e.message === notices[0])).toHaveLength(1);
    expect(reports.flatMap((r) => r.findings).some((f) => f.kind === "connection-exhaustion" && f.evidence.limit === 1500)).toBe(true);
  });

  it("says once per broker that a limit is assumed, and still judges the broker", async () => {
    // Prepare: two brokers of an instance type the tables do not know
    const { inventory, metrics, log, runUntil } = world([
      rabbit("media", { instanceType: "mq.m8g.large" }),
      rabbit("edge", { instanceType: "mq.m8g.large" }),
    ]);
    inventory.texts.set("c-media#3", "");
    inventory.texts.set("c-edge#3", "");
    publish(metrics, "media", 1450);
    publish(metrics, "edge", 300);

    // Act
    const reports = await runUntil(10);

    // Assess
    const notices = reports.flatMap((r) => r.notices);
    expect(notices).toEqual([
      expect.stringMatching(
        /^broker media: mq\.m8g\.large is not among the documented RabbitMQ 4 instance types \(single instance\); assuming 1,500 connections/,
      ),
      expect.stringMatching(/^broker edge: mq\.m8g\.large/),
    ]);
    expect(log.entries.filter((e) => e.level === "warn" && /not among the documented/.test(e.message))).toHaveLength(2);
    expect(
      reports
        .flatMap((r) => r.findings)
        .filter((f) => f.kind === "connection-exhaustion")
        .map((f) => f.broker),
    ).toContain("media");
  });

  it("reports a malformed limit in the configuration once, and uses the default for it", async () => {
    // Prepare
    const { inventory, metrics, runUntil } = world([rabbit("orders", {})]);
    inventory.texts.set("c-orders#3", "connection_max = 3k\n");
    publish(metrics, "orders", 1440);

    // Act
    const reports = await runUntil(5);

    // Assess
    expect(reports.flatMap((r) => r.notices)).toEqual([
      'broker orders: configuration c-orders revision 3, line 1: connection_max = "3k" is not a positive whole number; read as not set',
    ]);
  });

  it("does not read the configuration of RabbitMQ 3 brokers, whose limits cannot be changed", async () => {
    // Prepare
    const { inventory, metrics, runUntil } = world([rabbit("legacy", { engineVersion: "3.13", instanceType: "mq.m5.large" })]);
    publish(metrics, "legacy", 1440);

    // Act
    const reports = await runUntil(3);

    // Assess
    expect(inventory.reads).toBe(0);
    expect(reports.flatMap((r) => r.notices)).toEqual([]);
  });
});

describe("runMetricsCycle: RabbitMQ cluster nodes", () => {
  const NODES = ["rabbit@ip-10-0-1-11.ec2.internal", "rabbit@ip-10-0-2-22.ec2.internal", "rabbit@ip-10-0-3-33.ec2.internal"];

  it("opens resource-pressure memory when one node sits at its watermark while the totals read ~53%", async () => {
    // Prepare: a 3.13 cluster; node 0 at 97% of its 3.2 GB watermark, the others at 31%
    const { metrics, runUntil } = world([
      rabbit("pricing", { engineVersion: "3.13", instanceType: "mq.m5.large", deploymentMode: "CLUSTER_MULTI_AZ", configuration: null }),
    ]);
    publish(metrics, "pricing", 900);
    metrics.set("RabbitMQMemLimit", { Broker: "pricing" }, flat(9.6e9));
    metrics.set("RabbitMQMemUsed", { Broker: "pricing" }, flat(5.1e9));
    metrics.nodes.set("pricing", NODES);
    NODES.forEach((node, k) => {
      const dims = { Broker: "pricing", Node: node };
      metrics.set("RabbitMQMemUsed", dims, flat(k === 0 ? 3.1e9 : 1.0e9));
      metrics.set("RabbitMQMemLimit", dims, flat(3.2e9));
      metrics.set("RabbitMQDiskFree", dims, flat(4e10));
      metrics.set("RabbitMQDiskFreeLimit", dims, flat(8e9));
      metrics.set("RabbitMQFdUsed", dims, flat(400));
      metrics.set("SystemCpuUtilization", dims, flat(20));
    });

    // Act
    const reports = await runUntil(10);

    // Assess
    const memory = reports.flatMap((r) => r.findings).filter((f) => f.kind === "resource-pressure" && f.resource === "memory");
    expect(memory.length).toBeGreaterThan(0);
    expect(memory.at(-1)?.evidence.node).toBe(NODES[0]);
    expect(memory.at(-1)?.summary).toMatch(/The cluster's total reads 53(\.\d)?% of its memory limit/);
    // The broker-level sums of the replaced signals are no longer asked for
    const asked = metrics.requested.flat();
    expect(asked.some((r) => r.metric === "RabbitMQMemUsed" && !("Node" in r.dimensions))).toBe(false);
  });
});
