import { MemoryIncidentStore } from "../../../shared/adapters/memory-incident-store";
import { MemoryOptInRecords } from "../../../shared/adapters/memory-opt-in-records";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { OptInTracker } from "../../../shared/app/opt-in-tracker";
import { IGNORED_REASON, runMetricsCycle } from "../../../shared/app/run-metrics-cycle";
import { type Config, DEFAULT_CONFIG, parseConfig } from "../../../shared/core/config";
import type { Incident, Transition } from "../../../shared/core/incidents";
import { Tags } from "../../../shared/core/types";
import type { IncidentStore, OptInRecords } from "../../../shared/ports";
import { TestClock } from "../../support/clock";
import { activeMqBroker, cycleDeps, FakeInventory, FakeMetrics, MINUTE, T0 } from "./fakes";

/** A store whose writes can be made to fail, like DynamoDB during an outage. */
class FlakyStore implements IncidentStore {
  failSaves = false;
  failLoads = false;
  constructor(readonly inner = new MemoryIncidentStore()) {}
  async loadActive(): Promise<Incident[]> {
    if (this.failLoads) throw new Error("InternalServerError");
    return this.inner.loadActive();
  }
  async save(incident: Incident, expectedVersion: number): Promise<boolean> {
    if (this.failSaves) throw new Error("ProvisionedThroughputExceededException");
    return this.inner.save(incident, expectedVersion);
  }
  async get(fingerprint: string): Promise<Incident | null> {
    return this.inner.get(fingerprint);
  }
  async loadWithPendingNotifications(): Promise<Incident[]> {
    return this.inner.loadWithPendingNotifications();
  }
}

const STALL_AT = 10;
const node = { Broker: "orders-1" };
const queue = { Broker: "orders-1", Queue: "work" };

function world(config: Config = DEFAULT_CONFIG) {
  const clock = new TestClock();
  const inventory = new FakeInventory();
  inventory.brokers = [activeMqBroker("orders")];
  const metrics = new FakeMetrics(clock);
  const minutes = 60;
  const backlog = Array.from({ length: minutes }, (_, m) => (m < STALL_AT ? 0 : (m - STALL_AT + 1) * 100));
  metrics.set("QueueSize", queue, backlog);
  metrics.set("ConsumerCount", queue, new Array(minutes).fill(5));
  metrics.set("EnqueueCount", queue, new Array(minutes).fill(100));
  metrics.set(
    "DequeueCount",
    queue,
    Array.from({ length: minutes }, (_, m) => (m < STALL_AT ? 100 : 0)),
  );
  metrics.set("TotalMessageCount", node, backlog);
  metrics.set("TotalConsumerCount", node, new Array(minutes).fill(5));
  metrics.set("CpuUtilization", node, new Array(minutes).fill(20));
  metrics.set("HeapUsage", node, new Array(minutes).fill(40));
  metrics.set("StorePercentUsage", node, new Array(minutes).fill(3));
  metrics.set("CurrentConnectionsCount", node, new Array(minutes).fill(200));
  metrics.queues = new Map([["orders-1", [{ name: "work" }]]]);
  const store = new FlakyStore();
  const sent: Transition[] = [];
  const log = new RecordingLog();
  const deps = cycleDeps({ inventory, metrics, incidents: store, clock, log, config });
  const runUntil = async (last: number) => {
    const reports = [];
    for (; clock.minute <= last; clock.minute++) {
      const report = await runMetricsCycle(deps);
      sent.push(...report.transitions);
      reports.push(report);
    }
    return reports;
  };
  return { clock, inventory, metrics, store, notifier: { sent }, log, deps, runUntil };
}

describe("runMetricsCycle", () => {
  it("opens one consumer-lag incident when consumers stall, within two minutes of the third stalled datapoint", async () => {
    // Prepare
    const w = world();
    // Act
    await w.runUntil(25);
    // Assess
    expect(w.notifier.sent.map((t) => [t.type, t.incident.kind, t.incident.resource])).toEqual([["opened", "consumer-lag", "work"]]);
    const opened = w.notifier.sent[0];
    expect(opened?.incident.condition).toBe("stalled");
    // Datapoints 10..12 are visible at minute 14.
    expect(opened?.at).toBe(w.clock.now() - (25 + 1 - 14) * 60_000);
  });

  it("rewrites an open incident's evidence every incidents.refreshMinutes while it lasts, announcing nothing", async () => {
    // Prepare
    const everyFive = world(parseConfig({ incidents: { refreshMinutes: 5 } }).config);
    const everyFifteen = world();
    // Act
    await everyFive.runUntil(55);
    await everyFifteen.runUntil(55);
    // Assess
    const [often] = await everyFive.store.loadActive();
    const [seldom] = await everyFifteen.store.loadActive();
    expect(often?.version).toBeGreaterThan(seldom?.version ?? Number.POSITIVE_INFINITY);
    expect(often?.lastSeenAt).toBeGreaterThan(seldom?.lastSeenAt ?? Number.POSITIVE_INFINITY);
    expect(everyFive.notifier.sent.map((t) => t.type)).toEqual(everyFifteen.notifier.sent.map((t) => t.type));
  });

  it("skips the cycle with a logged error when the broker list cannot be read, and writes nothing", async () => {
    // Prepare
    const w = world();
    w.inventory.failing = true;
    // Act
    const [report] = await w.runUntil(0);
    // Assess
    expect(report?.errors[0]).toMatch(/broker inventory unavailable/);
    expect(w.metrics.requested).toHaveLength(0);
    expect(w.log.entries.some((e) => e.level === "error")).toBe(true);
  });

  it("loses nothing when the store fails: the incident opens on the first cycle after the store recovers", async () => {
    // Prepare
    const w = world();
    await w.runUntil(13);
    w.store.failSaves = true;
    // Act
    const during = await w.runUntil(17);
    w.store.failSaves = false;
    await w.runUntil(18);
    // Assess
    expect(during.some((r) => r.errors.some((e) => e.includes("saving incident")))).toBe(true);
    expect(w.notifier.sent.filter((t) => t.type === "opened")).toHaveLength(1);
    expect(w.notifier.sent[0]?.at).toBe(w.clock.now() - 60_000);
  });

  it("leaves open incidents untouched while their metrics cannot be read", async () => {
    // Prepare
    const w = world();
    await w.runUntil(20);
    w.metrics.failFetch = true;
    // Act
    const reports = await w.runUntil(40);
    // Assess
    expect(reports.every((r) => r.errors.some((e) => e.includes("GetMetricData")))).toBe(true);
    expect(w.notifier.sent.map((t) => t.type)).toEqual(["opened"]);
    expect((await w.store.loadActive()).map((i) => i.status)).toEqual(["open"]);
  });

  it("resolves the incidents of a broker that was deleted", async () => {
    // Prepare
    const w = world();
    await w.runUntil(20);
    w.inventory.brokers = [];
    // Act
    await w.runUntil(30);
    // Assess
    expect(w.notifier.sent.map((t) => t.type)).toEqual(["opened", "resolved"]);
  });

  it("keeps the incidents of a broker skipped this cycle (described with an error), rather than resolving them", async () => {
    // Prepare
    const w = world();
    await w.runUntil(20);
    w.inventory.brokers = [];
    w.inventory.skipped = [{ brokerId: "b-orders", brokerName: "orders", reason: "InternalServiceError", gone: false }];
    // Act
    const reports = await w.runUntil(30);
    // Assess
    expect(w.notifier.sent.map((t) => t.type)).toEqual(["opened"]);
    expect(reports[0]?.errors[0]).toMatch(/orders skipped/);
  });

  it("keeps the incidents of a broker waiting for its first description (a paced cold start), with one notice and no error", async () => {
    // Prepare: an incident open, then a fresh container that has not described the broker yet
    const w = world();
    await w.runUntil(20);
    w.inventory.brokers = [];
    w.inventory.skipped = [{ brokerId: "b-orders", brokerName: "orders", reason: "not described yet", gone: false, pending: true }];
    // Act
    const reports = await w.runUntil(30);
    // Assess
    expect(w.notifier.sent.map((t) => t.type)).toEqual(["opened"]);
    expect(reports.every((r) => r.errors.length === 0)).toBe(true);
    expect(reports[0]?.notices).toEqual([
      "1 broker not described yet (descriptions are paced under the Amazon MQ API quota): watched from a later cycle",
    ]);
  });

  it("closes the incidents of a broker tagged mq-sentinel:ignore at once as no longer watched, never as recovered", async () => {
    // Prepare
    const w = world();
    await w.runUntil(20);
    w.inventory.brokers = [activeMqBroker("orders", { tags: { [Tags.ignore]: "true" } })];
    // Act
    const reports = await w.runUntil(30);
    // Assess
    expect(reports.every((r) => r.findings.length === 0 && r.ignored === 1)).toBe(true);
    expect(w.notifier.sent.map((t) => [t.type, t.incident.closeReason ?? null, (t.at - T0) / MINUTE])).toEqual([
      ["opened", null, 14],
      ["resolved", "no longer watched: tagged mq-sentinel:ignore", 21],
    ]);
    const stored = await w.store.get(w.notifier.sent[0]?.incident.fingerprint ?? "");
    expect(stored).toEqual(expect.objectContaining({ status: "resolved", closeReason: IGNORED_REASON, resolvedAt: T0 + 21 * MINUTE }));
  });

  it("leaves alone an incident the CloudTrail path already closed as no longer watched", async () => {
    // Prepare
    const w = world();
    await w.runUntil(20);
    const open = (await w.store.loadActive())[0] as Incident;
    const byCloudTrail = "no longer watched: ignored by arn:aws:iam::111122223333:user/mallory";
    await w.store.save(
      { ...open, status: "resolved", resolvedAt: w.clock.now(), closeReason: byCloudTrail, version: open.version + 1 },
      open.version,
    );
    w.inventory.brokers = [activeMqBroker("orders", { tags: { [Tags.ignore]: "true" } })];
    // Act
    await w.runUntil(30);
    // Assess
    expect(w.notifier.sent.map((t) => t.type)).toEqual(["opened"]);
    expect(await w.store.get(open.fingerprint)).toEqual(expect.objectContaining({ closeReason: byCloudTrail }));
  });

  it("skips the cycle when active incidents cannot be loaded, so nothing is opened twice", async () => {
    // Prepare
    const w = world();
    await w.runUntil(20);
    w.store.failLoads = true;
    // Act
    const [report] = await w.runUntil(21);
    // Assess
    expect(report?.errors[0]).toMatch(/incident store unavailable/);
    expect(w.notifier.sent).toHaveLength(1);
  });

  it("reads each broker-level metric once a minute and queues only when due or moved", async () => {
    // Prepare
    const w = world();
    // Act
    const reports = await w.runUntil(9);
    // Assess: before the stall nothing moves: each cycle reads the 7 broker-level metrics, plus the
    // 5 connection limits every 5 minutes while the broker has not published them (this fake never does)
    const steady = reports.slice(3).map((r) => r.metricsRequested);
    expect(new Set(steady)).toEqual(new Set([7, 12]));
    expect(steady.filter((n) => n === 12)).toHaveLength(1);
  });

  it("records each broker's opt-in the first time it sees it, and reports a record it cannot write without losing the cycle", async () => {
    // Prepare
    const w = world();
    w.inventory.brokers = [activeMqBroker("orders", { tags: { [Tags.remediate]: "reboot" } })];
    const records = new MemoryOptInRecords();
    let failing = true;
    const flaky: OptInRecords = {
      get: (ids) => records.get(ids),
      record: (state) => (failing ? Promise.reject(new Error("InternalServerError")) : records.record(state)),
    };
    w.deps.optInTracker = new OptInTracker(flaky);
    // Act
    const [first] = await w.runUntil(0);
    failing = false;
    const [second] = await w.runUntil(1);
    // Assess
    expect(first?.errors).toEqual([expect.stringMatching(/^opt-in of broker orders not recorded: .*InternalServerError/)]);
    expect(first?.metricsRequested).toBeGreaterThan(0);
    expect(second?.errors).toEqual([]);
    expect((await records.get(["b-orders"])).get("b-orders")).toEqual({
      brokerId: "b-orders",
      broker: "orders",
      optedIn: true,
      since: null,
      source: "inventory",
    });
  });
});
