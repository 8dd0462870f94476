import { MemoryIncidentStore } from "../../../shared/adapters/memory-incident-store";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { createFetchSchedule, createScrapeHistory, type MetricsCycleDeps, runMetricsCycle } from "../../../shared/app/run-metrics-cycle";
import { DEFAULT_CONFIG, parseConfig } from "../../../shared/core/config";
import type { Transition } from "../../../shared/core/incidents";
import type { QueueSnapshot, ScrapedQueue } from "../../../shared/core/prometheus-rabbitmq-queues";
import { PROMETHEUS_TAG, type ScrapeTarget } from "../../../shared/core/prometheus-targets";
import type { Broker } from "../../../shared/core/types";
import type { BrokerScraper, ScrapeResult } from "../../../shared/ports";
import { TestClock } from "../../support/clock";
import { cycleDeps, FakeInventory, FakeMetrics } from "./fakes";

const PROMETHEUS = "https://b-orders.mq.us-east-1.on.aws:15691";

function rabbit4(overrides: Partial<Broker> = {}): Broker {
  return {
    id: "b-orders",
    name: "orders",
    arn: null,
    state: "RUNNING",
    engine: "RABBITMQ",
    engineVersion: "4.2.1",
    deploymentMode: "SINGLE_INSTANCE",
    instanceType: "mq.m7g.large",
    tags: { [PROMETHEUS_TAG]: "true" },
    pendingChanges: [],
    configuration: null,
    nodes: ["orders"],
    endpoints: ["amqps://b-orders.mq.us-east-1.on.aws:5671", PROMETHEUS],
    ...overrides,
  };
}

/** The broker's queues minute by minute, as its endpoint would answer; `failing` minutes answer nothing. */
class ScriptedScraper implements BrokerScraper {
  readonly asked: ScrapeTarget[][] = [];
  failing = new Set<number>();
  constructor(
    private readonly clock: TestClock,
    private readonly queuesAt: (minute: number) => ScrapedQueue[],
  ) {}
  async scrape(targets: readonly ScrapeTarget[]): Promise<ScrapeResult[]> {
    this.asked.push([...targets]);
    const minute = this.clock.minute;
    return targets.map((t) =>
      this.failing.has(minute)
        ? { broker: t.broker, snapshot: null, error: "https://b-orders.mq.us-east-1.on.aws:15691/metrics/detailed: ECONNREFUSED" }
        : { broker: t.broker, snapshot: snapshot(this.queuesAt(minute)) },
    );
  }
}

function snapshot(queues: ScrapedQueue[]): QueueSnapshot {
  return { version: "4.2.1", nodes: ["rabbit@ip-10-0-0-1"], counters: "queue", queues };
}

/** 50 busy queues (bursts that drain, 600 a minute acknowledged) and `stuck`, whose consumers stop acknowledging at STALL. */
const STALL = 12;
function fleetAt(minute: number, options: { withStuck?: boolean } = {}): ScrapedQueue[] {
  const busy = Array.from({ length: 50 }, (_, i) => ({
    vhost: "/",
    name: `busy-${i}`,
    ready: minute % 4 === 0 ? 300 : 0,
    unacked: 10,
    consumers: 2,
    dequeued: { n: minute * 600 },
    published: { "n|/|": minute * 600 },
  }));
  if (options.withStuck === false) return busy;
  const acked = Math.min(minute, STALL) * 100;
  return [
    ...busy,
    {
      vhost: "/",
      name: "stuck",
      ready: minute < STALL ? 0 : (minute - STALL + 1) * 100,
      unacked: minute < STALL ? 0 : 50,
      consumers: 2,
      dequeued: { n: acked },
      published: { "n|/|": minute * 100 },
    },
  ];
}

function world(broker: Broker, queuesAt: (minute: number) => ScrapedQueue[] = (m) => fleetAt(m), config = DEFAULT_CONFIG) {
  const clock = new TestClock();
  const inventory = new FakeInventory();
  inventory.brokers = [broker];
  // CloudWatch answers, but has no per-queue metrics for RabbitMQ 4: the broker's totals only.
  const metrics = new FakeMetrics(clock);
  const totals = { Broker: "orders" };
  metrics.set("MessageReadyCount", totals, new Array(60).fill(1000));
  metrics.set("ConsumerCount", totals, new Array(60).fill(102));
  metrics.set("AckRate", totals, new Array(60).fill(500));
  metrics.set("PublishRate", totals, new Array(60).fill(500));
  const scraper = new ScriptedScraper(clock, queuesAt);
  const log = new RecordingLog();
  const store = new MemoryIncidentStore();
  const deps = cycleDeps({
    inventory,
    metrics,
    incidents: store,
    clock,
    log,
    config,
    scrapes: { scraper, history: createScrapeHistory(config), secretPrefix: "mq-sentinel/rabbitmq/" },
  });
  const transitions: { minute: number; t: Transition }[] = [];
  const errors: { minute: number; line: string }[] = [];
  const notices: string[] = [];
  const runUntil = async (last: number) => {
    for (; clock.minute <= last; clock.minute++) {
      const report = await runMetricsCycle(deps);
      transitions.push(...report.transitions.map((t) => ({ minute: clock.minute, t })));
      errors.push(...report.errors.map((line) => ({ minute: clock.minute, line })));
      notices.push(...report.notices);
    }
  };
  return { clock, scraper, store, deps, transitions, errors, notices, runUntil, metrics };
}

const opened = (w: ReturnType<typeof world>) =>
  w.transitions.filter((x) => x.t.type === "opened").map((x) => [x.minute, x.t.incident.resource, x.t.incident.condition]);

describe("runMetricsCycle with brokers read from their Prometheus endpoint", () => {
  it("finds the one stalled queue among fifty busy ones on RabbitMQ 4 (which CloudWatch judges on totals only)", async () => {
    // Prepare
    const w = world(rabbit4());

    // Act
    await w.runUntil(25);

    // Assess: read minutes 12, 13, 14 show no acknowledgement; the cycle of minute 15 reads minute 14.
    expect(opened(w)).toEqual([[15, "stuck", "stalled"]]);
    expect(w.scraper.asked[0]).toEqual([{ broker: "orders", endpoints: [PROMETHEUS], secretId: "mq-sentinel/rabbitmq/orders" }]);
    expect(w.errors).toEqual([]);
  });

  it("judges the broker's totals as one queue, as before, when the broker is not opted in", async () => {
    // Prepare
    const w = world(rabbit4({ tags: {} }));

    // Act
    await w.runUntil(25);

    // Assess
    expect(w.scraper.asked).toEqual([]);
    expect(opened(w)).toEqual([]);
  });

  it("opens nothing and resolves nothing while the endpoint cannot be read, and says so each minute", async () => {
    // Prepare: the stall is found at minute 15; the endpoint then stops answering for 10 minutes,
    // longer than an incident needs to resolve once its condition is clear.
    const w = world(rabbit4(), (m) => fleetAt(m, { withStuck: m < 16 }));
    for (let m = 16; m <= 25; m++) w.scraper.failing.add(m);

    // Act
    await w.runUntil(25);

    // Assess
    expect(w.transitions.map((x) => [x.minute, x.t.type, x.t.incident.resource])).toEqual([[15, "opened", "stuck"]]);
    expect(w.errors.map((e) => e.minute)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(w.errors[0]?.line).toMatch(/broker orders: Prometheus endpoint not read \(queues not judged this minute\): .*ECONNREFUSED/);
  });

  it("resolves the incident of a queue that is gone from a later read (deleted)", async () => {
    // Prepare
    const w = world(rabbit4(), (m) => fleetAt(m, { withStuck: m < 18 }));

    // Act
    await w.runUntil(30);

    // Assess
    const stuck = w.transitions.filter((x) => x.t.incident.resource === "stuck").map((x) => [x.minute, x.t.type]);
    expect(stuck).toEqual([
      [15, "opened"],
      [23, "resolved"],
    ]);
  });

  it("after a cold start, does not resolve an incident opened before it until the reads cover the longest rule's window", async () => {
    // Prepare: the stall is found; the container restarts (the history is lost) while it lasts. A
    // condition clear for one minute resolves, so any minute judged clear on too short a history shows.
    const config = parseConfig({ incidents: { resolveAfterMinutes: 1 } }).config;
    const w = world(rabbit4(), undefined, config);
    await w.runUntil(16);
    w.deps.scrapes = { ...(w.deps.scrapes as NonNullable<MetricsCycleDeps["scrapes"]>), history: createScrapeHistory(config) };
    w.deps.schedule = createFetchSchedule(config);

    // Act
    await w.runUntil(40);

    // Assess: the stall goes on, so the incident never resolves.
    expect(w.transitions.map((x) => [x.minute, x.t.type, x.t.incident.resource])).toEqual([[15, "opened", "stuck"]]);
    expect((await w.store.loadActive()).map((i) => i.resource)).toEqual(["stuck"]);
  });

  it("reads only opted-in RabbitMQ brokers whose description lists an endpoint, and says once why one is not read", async () => {
    // Prepare
    const config = parseConfig({ prometheus: { brokers: ["orders"] } }).config;
    const w = world(
      rabbit4({ tags: {}, endpoints: ["amqps://b-orders.mq.us-east-1.on.aws:5671"], engineVersion: "3.13.7" }),
      undefined,
      config,
    );

    // Act
    await w.runUntil(3);

    // Assess
    expect(w.scraper.asked).toEqual([]);
    expect(w.notices).toEqual([
      expect.stringMatching(/broker orders is opted in to Prometheus reads, but its description lists no Prometheus endpoint/),
    ]);
  });

  it("reads the endpoint the configuration names for a broker, over the one its description lists", async () => {
    // Prepare
    const config = parseConfig({ prometheus: { endpoints: { orders: "https://10.0.3.7:15691/metrics" } } }).config;
    const w = world(rabbit4(), undefined, config);

    // Act
    await w.runUntil(0);

    // Assess
    expect(w.scraper.asked[0]?.[0]?.endpoints).toEqual(["https://10.0.3.7:15691"]);
  });
});
