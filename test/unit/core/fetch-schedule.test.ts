import { DEFAULT_CONFIG } from "../../../shared/core/config";
import {
  backlogNotDraining,
  type CycleRead,
  drillTriggers,
  FetchSchedule,
  type PlanInput,
  type PlannedRead,
  signalsMoved,
} from "../../../shared/core/fetch-schedule";
import type { Broker, QueueRef, Series } from "../../../shared/core/types";
import { activeMqBroker } from "../../support/brokers";
import { MINUTE } from "../../support/clock";

const T0 = Date.UTC(2026, 2, 2, 9, 0);
const WINDOW = DEFAULT_CONFIG.polling.windowMinutes;

const amq: Broker = activeMqBroker("orders", { id: "b-1", arn: null });
const queues: QueueRef[] = [{ name: "a" }, { name: "b" }, { name: "c" }, { name: "orders.DLQ" }];

function input(minute: number, focus: Record<string, string[]> = {}): PlanInput {
  return {
    brokers: [amq],
    queuesOf: () => queues,
    focus: new Map(Object.entries(focus).map(([b, q]) => [b, new Set(q)])),
    watch: (q) => q.name.endsWith(".DLQ"),
    now: T0 + minute * MINUTE,
  };
}

/** A series on the window whose last `values.length` minutes hold `values` (the newest is 1 minute old). */
function recent(...values: number[]): Series {
  const s: (number | null)[] = new Array(WINDOW).fill(null);
  values.forEach((v, i) => {
    s[WINDOW - 1 - values.length + i] = v;
  });
  return s;
}

/** Answers the reads: broker-level series by metric name for the given node, queue series filled with 0. */
function answer(reads: readonly PlannedRead[], node: string, brokerSeries: Record<string, Series>): CycleRead {
  const series = new Map<string, Series>();
  for (const r of reads) {
    if (r.role === "queue") series.set(r.key, recent(0, 0, 0));
    else if (r.node === node) series.set(r.key, brokerSeries[r.metric] ?? recent(1, 1, 1));
    else series.set(r.key, new Array(WINDOW).fill(null));
  }
  return { reads, series, failed: new Set() };
}

const steady = { TotalMessageCount: recent(5, 5, 5), TotalConsumerCount: recent(4, 4, 4) };
const queueReads = (reads: readonly PlannedRead[]) => reads.filter((r) => r.role === "queue");

/**
 * Minute 0 steady; at minute 1 the total backlog jumps and holds, the follow-up drills in, and of the
 * queues read, b's backlog grows while a and c drain back to 0. Returns the plans of minute 1.
 */
function backlogJumpsAtMinuteOne(schedule: FetchSchedule) {
  schedule.observe(input(0), answer(schedule.planPrimary(input(0)), "orders-1", steady), schedule.windowAt(T0));
  const primary = schedule.planPrimary(input(1));
  const moved = { TotalMessageCount: recent(5, 5, 1200, 1200), TotalConsumerCount: recent(4, 4, 4, 4) };
  const followUp = schedule.planFollowUp(input(1), answer(primary, "orders-1", moved), schedule.windowAt(T0 + MINUTE));
  const read = answer([...primary, ...followUp], "orders-1", moved);
  for (const r of followUp) if (r.queue?.name === "b") (read.series as Map<string, Series>).set(r.key, recent(3, 600, 1190));
  schedule.observe(input(1), read, schedule.windowAt(T0 + MINUTE));
  return { primary, followUp };
}

describe("FetchSchedule", () => {
  it("reads broker-level signals from the active node only, limits once, and sweeps every queue in full on a cold start", () => {
    // Prepare
    const schedule = new FetchSchedule(DEFAULT_CONFIG.polling);
    // Act
    const reads = schedule.planPrimary(input(0));
    // Assess
    expect(new Set(reads.map((r) => r.node))).toEqual(new Set(["orders-1"]));
    expect(reads.filter((r) => r.role === "broker").map((r) => r.metric)).toContain("CpuUtilization");
    expect(reads.filter((r) => r.role === "limit")).toHaveLength(5);
    expect(new Set(queueReads(reads).map((r) => r.queue?.name))).toEqual(new Set(["a", "b", "c", "orders.DLQ"]));
    expect(
      queueReads(reads)
        .filter((r) => r.queue?.name === "a")
        .map((r) => r.metric),
    ).toEqual(["QueueSize", "ConsumerCount", "EnqueueCount", "DequeueCount"]);
    expect(queueReads(reads).map((r) => r.metric)).not.toContain("InFlightCount");
  });

  it("sweeps only the queues' backlogs after the first sweep", () => {
    // Prepare
    const polling = { ...DEFAULT_CONFIG.polling, queueSweepMinutes: 10 };
    const schedule = new FetchSchedule(polling);
    schedule.observe(input(0), answer(schedule.planPrimary(input(0)), "orders-1", steady), schedule.windowAt(T0));
    // Act: every cycle until the next sweep
    const sweeps = Array.from({ length: 12 }, (_, k) => {
      const plan = input(k + 1);
      const reads = schedule.planPrimary(plan);
      schedule.observe(plan, answer(reads, "orders-1", steady), schedule.windowAt(plan.now));
      return queueReads(reads).filter((r) => r.queue?.name === "a");
    }).filter((reads) => reads.length > 0);
    // Assess
    expect(sweeps.length).toBeGreaterThanOrEqual(1);
    for (const reads of sweeps) expect(reads.map((r) => [r.metric, r.purpose])).toEqual([["QueueSize", "sweep"]]);
  });

  it("reads every sweep metric, in the next cycles, of the queues whose swept backlog is not draining, and of no other", () => {
    // Prepare: past the first (full) sweep, the next sweep reads backlogs
    const polling = { ...DEFAULT_CONFIG.polling, queueSweepMinutes: 1 };
    const schedule = new FetchSchedule(polling);
    schedule.observe(input(-1), answer(schedule.planPrimary(input(-1)), "orders-1", steady), schedule.windowAt(T0 - MINUTE));
    const first = schedule.planPrimary(input(0));
    expect(queueReads(first).every((r) => r.metric === "QueueSize")).toBe(true);
    const read = answer(first, "orders-1", steady);
    // c holds 40 messages still (no consumers, no inflow); a and b are empty; the dead-letter queue is judged on its backlog alone.
    for (const r of first)
      if (r.queue?.name === "c" || r.queue?.name === "orders.DLQ") (read.series as Map<string, Series>).set(r.key, recent(40, 40, 40));
    // Act
    schedule.observe(input(0), read, schedule.windowAt(T0));
    const next = schedule.planPrimary(input(1));
    // Assess (another backlog sweep may be due, this interval being 1 minute)
    expect(
      queueReads(next)
        .filter((r) => r.purpose !== "sweep" && r.purpose !== "watch")
        .map((r) => [r.queue?.name, r.metric, r.purpose]),
    ).toEqual([
      ["c", "QueueSize", "suspect"],
      ["c", "ConsumerCount", "suspect"],
      ["c", "EnqueueCount", "suspect"],
      ["c", "DequeueCount", "suspect"],
    ]);
    expect(next.find((r) => r.metric === "DequeueCount")?.stat).toBe("Sum");
    expect(queueReads(next).map((r) => r.metric)).not.toContain("InFlightCount");
  });

  it("does not read queues or limits again until they are due", () => {
    // Prepare
    const schedule = new FetchSchedule(DEFAULT_CONFIG.polling);
    const first = schedule.planPrimary(input(0));
    schedule.observe(input(0), answer(first, "orders-1", steady), schedule.windowAt(T0));
    // Act
    const next = schedule.planPrimary(input(1));
    // Assess: only the dead-letter queue's backlog, which is watched every cycle
    expect(queueReads(next).map((r) => [r.queue?.name, r.metric])).toEqual([["orders.DLQ", "QueueSize"]]);
    expect(next.filter((r) => r.role === "limit")).toHaveLength(0);
    expect(next.filter((r) => r.role === "broker")).toHaveLength(7);
  });

  it("sweeps the queues again within the sweep interval and reads limits hourly", () => {
    // Prepare
    const schedule = new FetchSchedule(DEFAULT_CONFIG.polling);
    const sweepMinutes = DEFAULT_CONFIG.polling.queueSweepMinutes;
    let swept = 0;
    let limitReads = 0;
    // Act
    for (let m = 0; m < 120; m++) {
      const reads = schedule.planPrimary(input(m));
      if (queueReads(reads).some((r) => r.queue?.name === "a")) swept++;
      if (reads.some((r) => r.role === "limit")) limitReads++;
      schedule.observe(input(m), answer(reads, "orders-1", steady), schedule.windowAt(T0 + m * MINUTE));
    }
    // Assess: a first sweep, then one per interval (staggered start)
    expect(swept).toBeGreaterThanOrEqual(Math.floor(120 / sweepMinutes));
    expect(swept).toBeLessThanOrEqual(Math.ceil(120 / sweepMinutes) + 1);
    expect(limitReads).toBe(2);
  });

  it("drills in two stages: the backlog of every queue when the total backlog jumps and holds, then every sweep metric of the queues whose backlog is not draining", () => {
    // Prepare
    const polling = { ...DEFAULT_CONFIG.polling, drillHoldMinutes: 3 };
    const schedule = new FetchSchedule(polling);
    // Act
    const { followUp } = backlogJumpsAtMinuteOne(schedule);
    const held = schedule.planPrimary(input(2));
    const afterHold = schedule.planPrimary(input(1 + polling.drillHoldMinutes));
    // Assess: first stage, the backlog alone of the queues not read yet (the dead-letter queue's was)
    expect(queueReads(followUp).map((r) => [r.queue?.name, r.metric, r.purpose])).toEqual([
      ["a", "QueueSize", "drill"],
      ["b", "QueueSize", "drill"],
      ["c", "QueueSize", "drill"],
    ]);
    // second stage, from the next cycle: every sweep metric of b (not the evidence-only detail), the others' backlog while the drill holds
    expect(
      queueReads(held)
        .filter((r) => r.queue?.name === "b")
        .map((r) => r.metric),
    ).toEqual(["QueueSize", "ConsumerCount", "EnqueueCount", "DequeueCount"]);
    expect(
      queueReads(held)
        .filter((r) => r.queue?.name === "a")
        .map((r) => [r.metric, r.purpose]),
    ).toEqual([["QueueSize", "drill"]]);
    expect(queueReads(afterHold).map((r) => r.queue?.name)).toEqual(["orders.DLQ"]);
  });

  it("stops reading in full a queue whose backlog holds still once its consumers are seen working (a queue in balance)", () => {
    // Prepare: a sweep finds c's backlog holding at 40
    const polling = { ...DEFAULT_CONFIG.polling, queueSweepMinutes: 1 };
    const schedule = new FetchSchedule(polling);
    schedule.observe(input(-1), answer(schedule.planPrimary(input(-1)), "orders-1", steady), schedule.windowAt(T0 - MINUTE));
    const sweep = schedule.planPrimary(input(0));
    const swept = answer(sweep, "orders-1", steady);
    for (const r of sweep) if (r.queue?.name === "c") (swept.series as Map<string, Series>).set(r.key, recent(40, 40, 40));
    schedule.observe(input(0), swept, schedule.windowAt(T0));
    const full = schedule.planPrimary(input(1));
    const balanced = answer(full, "orders-1", steady);
    const working: Record<string, Series> = {
      QueueSize: recent(40, 40, 40),
      ConsumerCount: recent(3, 3, 3),
      DequeueCount: recent(90, 85, 95),
    };
    for (const r of full)
      if (r.queue?.name === "c") (balanced.series as Map<string, Series>).set(r.key, working[r.metric] ?? recent(90, 85, 95));
    // Act
    schedule.observe(input(1), balanced, schedule.windowAt(T0 + MINUTE));
    const next = schedule.planPrimary(input(2));
    // Assess
    expect(queueReads(full).filter((r) => r.queue?.name === "c" && r.purpose === "suspect")).toHaveLength(4);
    expect(queueReads(next).filter((r) => r.purpose === "suspect")).toEqual([]);
  });

  it("stops reading a suspect queue in full once its backlog drains", () => {
    // Prepare
    const schedule = new FetchSchedule(DEFAULT_CONFIG.polling);
    backlogJumpsAtMinuteOne(schedule);
    const suspect = schedule.planPrimary(input(2));
    const drained = answer(suspect, "orders-1", steady);
    for (const r of suspect) if (r.queue?.name === "b") (drained.series as Map<string, Series>).set(r.key, recent(1190, 400, 0));
    // Act
    schedule.observe(input(2), drained, schedule.windowAt(T0 + 2 * MINUTE));
    const later = [3, 4, 5].map((m) => schedule.planPrimary(input(m)));
    // Assess: read in full while suspect, then within the hold only the watched dead-letter queue
    expect(queueReads(suspect).filter((r) => r.queue?.name === "b")).toHaveLength(4);
    expect(queueReads(later[2] ?? []).map((r) => r.queue?.name)).toEqual(["orders.DLQ"]);
  });

  it("reads the queues of an open incident every cycle, and only those", () => {
    // Prepare
    const schedule = new FetchSchedule(DEFAULT_CONFIG.polling);
    const first = schedule.planPrimary(input(0));
    schedule.observe(input(0), answer(first, "orders-1", steady), schedule.windowAt(T0));
    // Act
    const reads = schedule.planPrimary(input(1, { orders: ["b"] }));
    // Assess
    expect(new Set(queueReads(reads).map((r) => r.queue?.name))).toEqual(new Set(["b", "orders.DLQ"]));
    expect(queueReads(reads).map((r) => r.metric)).toContain("EnqueueTime");
  });

  it("probes the standby when the active node goes quiet and follows a failover to it", () => {
    // Prepare
    const schedule = new FetchSchedule(DEFAULT_CONFIG.polling);
    const first = schedule.planPrimary(input(0));
    schedule.observe(input(0), answer(first, "orders-1", steady), schedule.windowAt(T0));
    const primary = schedule.planPrimary(input(1));
    const quiet = { TotalMessageCount: new Array(WINDOW).fill(null), CpuUtilization: new Array(WINDOW).fill(null) };
    const primaryRead = answer(primary, "orders-2", {});
    for (const r of primary) if (r.role !== "queue") (primaryRead.series as Map<string, Series>).set(r.key, quiet.CpuUtilization);
    // Act
    const probe = schedule.planFollowUp(input(1), primaryRead, schedule.windowAt(T0 + MINUTE));
    const observations = schedule.observe(input(1), answer([...primary, ...probe], "orders-2", steady), schedule.windowAt(T0 + MINUTE));
    const next = schedule.planPrimary(input(2));
    // Assess
    expect(new Set(probe.map((r) => r.node))).toEqual(new Set(["orders-2"]));
    expect(observations.get("orders")?.node).toBe("orders-2");
    expect(new Set(next.filter((r) => r.role === "broker").map((r) => r.node))).toEqual(new Set(["orders-2"]));
  });

  it("watches at most five dead-letter queues of a broker every cycle, by their backlog alone", () => {
    // Prepare
    const schedule = new FetchSchedule(DEFAULT_CONFIG.polling);
    const many: QueueRef[] = Array.from({ length: 8 }, (_, i) => ({ name: `q${i}.DLQ` }));
    const plan = { ...input(0), queuesOf: () => many };
    schedule.observe(plan, answer(schedule.planPrimary(plan), "orders-1", steady), schedule.windowAt(T0));
    // Act
    const next = schedule.planPrimary({ ...plan, now: T0 + MINUTE });
    // Assess
    expect(queueReads(next)).toHaveLength(5);
    expect(new Set(queueReads(next).map((r) => r.metric))).toEqual(new Set(["QueueSize"]));
  });

  it("sweeps every cycle when the broker publishes no total backlog (broker-level triggers cannot work)", () => {
    // Prepare
    const schedule = new FetchSchedule(DEFAULT_CONFIG.polling);
    const blind = { TotalMessageCount: new Array(WINDOW).fill(null), TotalConsumerCount: recent(1, 1, 1) };
    const first = schedule.planPrimary(input(0));
    schedule.observe(input(0), answer(first, "orders-1", blind), schedule.windowAt(T0));
    // Act
    const next = schedule.planPrimary(input(1));
    // Assess
    expect(queueReads(next)).not.toHaveLength(0);
  });
});

describe("backlogNotDraining", () => {
  it.each([
    ["a backlog growing two minutes running", true, recent(10, 40, 90)],
    ["a backlog holding above 0 for three minutes (no consumers, no inflow)", true, recent(50, 50, 50)],
    ["a backlog falling", false, recent(10, 90, 40)],
    ["a backlog that rose and fell back (a burst draining)", false, recent(10, 90, 60)],
    ["a backlog wobbling up by a few messages", false, recent(3, 5, 8)],
    ["an empty queue", false, recent(0, 0, 0)],
    ["two datapoints only", false, recent(10, 90)],
    [
      "a backlog that never emptied in ten minutes and ends higher (a slow consumer's wobble)",
      true,
      recent(50, 70, 60, 90, 80, 110, 100, 130, 120, 125),
    ],
    ["a busy queue wobbling above 0 that ends where it began", false, recent(50, 70, 60, 90, 80, 60, 55, 70, 45, 50)],
  ])("%s: %s", (_label, expected, backlog) => {
    // Act / Assess
    expect(backlogNotDraining(backlog)).toBe(expected);
  });
});

describe("signalsMoved", () => {
  it.each([
    ["a backlog jump that held a minute", true, { TotalMessageCount: recent(0, 0, 500, 500) }],
    ["a backlog jump in its first minute (most bursts drain at once)", false, { TotalMessageCount: recent(0, 0, 0, 500) }],
    ["a backlog climbing three minutes by more than noise", true, { TotalMessageCount: recent(100, 130, 170, 220) }],
    ["a backlog rising twice by noise (regression: drilled on healthy traffic)", false, { TotalMessageCount: recent(10, 12, 15) }],
    ["a backlog climbing three minutes by a few messages", false, { TotalMessageCount: recent(400, 405, 409, 420) }],
    ["a burst that jumped and is already draining", false, { TotalMessageCount: recent(20, 20, 380, 300) }],
    ["a jump that holds", true, { TotalMessageCount: recent(20, 20, 380, 380) }],
    ["consumers dropping", true, { TotalMessageCount: recent(0, 0, 0), TotalConsumerCount: recent(7, 7, 3) }],
    ["a steady backlog", false, { TotalMessageCount: recent(36, 36, 36), TotalConsumerCount: recent(7, 7, 7) }],
    ["a draining backlog", false, { TotalMessageCount: recent(900, 500, 100), TotalConsumerCount: recent(7, 7, 7) }],
    ["a tiny wobble", false, { TotalMessageCount: recent(3, 5, 4), TotalConsumerCount: recent(7, 7, 7) }],
  ])("treats %s as moved = %s", (_name, expected, series) => {
    expect(signalsMoved(amq, series)).toBe(expected);
  });
});

describe("drillTriggers", () => {
  it.each([
    [
      "a backlog climbing three minutes",
      { TotalMessageCount: recent(100, 130, 170, 220), TotalConsumerCount: recent(4, 4, 4, 4) },
      "climbing",
    ],
    ["a jump that held", { TotalMessageCount: recent(10, 10, 150, 160), TotalConsumerCount: recent(4, 4, 4, 4) }, "jump"],
    ["a consumer gone", { TotalMessageCount: recent(0, 0, 0), TotalConsumerCount: recent(4, 4, 3) }, "consumersDropped"],
  ] as const)("names the condition for %s, and only that one", (_name, series, condition) => {
    // Act
    const triggers = drillTriggers(amq, series);
    // Assess
    expect(
      Object.entries(triggers)
        .filter(([, on]) => on)
        .map(([name]) => name),
    ).toEqual([condition]);
  });
});

describe("FetchSchedule for RabbitMQ clusters", () => {
  const NODES = ["rabbit@ip-10-0-1-11.ec2.internal", "rabbit@ip-10-0-2-22.ec2.internal", "rabbit@ip-10-0-3-33.ec2.internal"];
  const rabbit = (overrides: Partial<Broker>): Broker => ({
    id: "b-2",
    name: "events",
    arn: null,
    state: "RUNNING",
    engine: "RABBITMQ",
    engineVersion: "3.13",
    deploymentMode: "CLUSTER_MULTI_AZ",
    instanceType: "mq.m5.large",
    tags: {},
    pendingChanges: [],
    configuration: null,
    nodes: ["events"],
    ...overrides,
  });
  const plan = (broker: Broker, minute: number, nodes: readonly string[] = NODES): PlanInput => ({
    brokers: [broker],
    queuesOf: () => [],
    focus: new Map(),
    watch: () => false,
    nodesOf: () => nodes,
    now: T0 + minute * MINUTE,
  });
  const nodeReads = (reads: readonly PlannedRead[]) => reads.filter((r) => r.role === "node");
  const brokerMetrics = (reads: readonly PlannedRead[]) => reads.filter((r) => r.role === "broker").map((r) => r.metric);
  /** Answers every read with a series whose newest value is `value(read)`. */
  const answerWith = (reads: readonly PlannedRead[], value: (r: PlannedRead) => number | null): CycleRead => ({
    reads,
    series: new Map(
      reads.map((r) => [r.key, value(r) === null ? new Array(WINDOW).fill(null) : recent(value(r) as number, value(r) as number)]),
    ),
    failed: new Set(),
  });

  it.each<{ situation: string; broker: Broker; nodeMetrics: string[] }>([
    {
      situation: "a RabbitMQ 3.13 cluster: memory, disk, file descriptors and CPU per node",
      broker: rabbit({}),
      nodeMetrics: ["SystemCpuUtilization", "RabbitMQMemUsed", "RabbitMQDiskFree", "RabbitMQFdUsed"],
    },
    {
      situation: "a RabbitMQ 4.2 cluster: connections and channels per node too",
      broker: rabbit({ engineVersion: "4.2", instanceType: "mq.m7g.large" }),
      nodeMetrics: ["SystemCpuUtilization", "RabbitMQMemUsed", "RabbitMQDiskFree", "RabbitMQFdUsed", "ConnectionCount", "ChannelCount"],
    },
  ])("reads every listed node of $situation, instead of the broker-level sums", ({ broker, nodeMetrics }) => {
    // Prepare
    const schedule = new FetchSchedule(DEFAULT_CONFIG.polling);

    // Act
    const reads = schedule.planPrimary(plan(broker, 0));

    // Assess
    for (const node of NODES) {
      const mine = nodeReads(reads).filter((r) => r.clusterNode === node);
      expect(mine.map((r) => r.metric)).toEqual(nodeMetrics);
      expect(mine.every((r) => r.dimensions.Broker === "events" && r.dimensions.Node === node)).toBe(true);
    }
    expect(brokerMetrics(reads)).not.toEqual(expect.arrayContaining(["RabbitMQMemUsed"]));
    expect(brokerMetrics(reads)).toEqual(expect.arrayContaining(["ConnectionCount", "ChannelCount", "MessageReadyCount"]));
    expect(brokerMetrics(reads)).not.toContain("SystemCpuUtilization");
  });

  it.each<{ situation: string; broker: Broker; nodes: string[] }>([
    { situation: "a cluster whose nodes are not listed (yet)", broker: rabbit({}), nodes: [] },
    {
      situation: "a single-instance broker, even with a node listed",
      broker: rabbit({ deploymentMode: "SINGLE_INSTANCE" }),
      nodes: NODES.slice(0, 1),
    },
  ])("reads only broker-level signals for $situation, as before", ({ broker, nodes }) => {
    // Prepare
    const schedule = new FetchSchedule(DEFAULT_CONFIG.polling);

    // Act
    const reads = schedule.planPrimary(plan(broker, 0, nodes));

    // Assess
    expect(nodeReads(reads)).toEqual([]);
    expect(brokerMetrics(reads)).toEqual(
      expect.arrayContaining(["SystemCpuUtilization", "RabbitMQMemUsed", "RabbitMQDiskFree", "RabbitMQFdUsed"]),
    );
  });

  it("reads each node's limits hourly, and a missing one again within five minutes", () => {
    // Prepare: node 0 publishes its limits, node 1 not yet
    const schedule = new FetchSchedule(DEFAULT_CONFIG.polling);
    const limitReads: Record<string, number> = {};
    // Act
    for (let m = 0; m < 61; m++) {
      const reads = schedule.planPrimary(plan(rabbit({}), m, NODES.slice(0, 2)));
      for (const r of reads.filter((x) => x.role === "nodeLimit"))
        limitReads[r.clusterNode as string] = (limitReads[r.clusterNode as string] ?? 0) + 1;
      schedule.observe(
        plan(rabbit({}), m, NODES.slice(0, 2)),
        answerWith(reads, (r) => (r.role === "nodeLimit" && r.clusterNode === NODES[1] ? null : 5)),
        schedule.windowAt(T0 + m * MINUTE),
      );
    }
    // Assess: two metrics a read; node 0 at 0 and 60, node 1 every five minutes
    expect(limitReads[NODES[0] as string]).toBe(2 * 2);
    expect(limitReads[NODES[1] as string]).toBe(13 * 2);
  });

  it("hands the detectors each node's series and limits", () => {
    // Prepare
    const schedule = new FetchSchedule(DEFAULT_CONFIG.polling);
    const reads = schedule.planPrimary(plan(rabbit({}), 0));
    const value = (r: PlannedRead) =>
      r.metric === "RabbitMQMemLimit" ? (r.role === "nodeLimit" ? 3.2e9 : 9.6e9) : r.clusterNode === NODES[2] ? 7 : 1;

    // Act
    const observation = schedule.observe(plan(rabbit({}), 0), answerWith(reads, value), schedule.windowAt(T0)).get("events");

    // Assess
    expect(observation?.nodes?.map((n) => n.node)).toEqual(NODES);
    expect(observation?.nodes?.[2]?.series.RabbitMQMemUsed?.at(-2)).toBe(7);
    expect(observation?.nodes?.[0]?.limits).toEqual({ RabbitMQMemLimit: 3.2e9, RabbitMQDiskFreeLimit: 1 });
    // Node limits and the broker's own (the sum) stay apart
    expect(observation?.limits.RabbitMQMemLimit).toBe(9.6e9);
  });

  it("gives a notice about a broker once while it lives, and again after it went away and came back", () => {
    // Prepare
    const schedule = new FetchSchedule(DEFAULT_CONFIG.polling);
    const broker = rabbit({});

    // Act
    const first = [schedule.firstNotice(broker, "limits"), schedule.firstNotice(broker, "limits"), schedule.firstNotice(broker, "other")];
    schedule.retain([]);
    const afterReturn = schedule.firstNotice(broker, "limits");

    // Assess
    expect(first).toEqual([true, false, true]);
    expect(afterReturn).toBe(true);
  });
});
