import { existsSync } from "node:fs";
import amqp, { type Channel, type ChannelModel } from "amqplib";
import type { ReplayOutput } from "../../cli/replay";
import { watchRabbitMqCommand } from "../../cli/watch-rabbitmq-command";
import { isCi, type LocalRabbitMq, RABBITMQ_SERVER, realBrokerPlan, startLocalRabbitMq } from "./local-rabbitmq";

/**
 * mq-sentinel on a real RabbitMQ: a node of the tests' own (Debian's 3.10), real clients (amqplib)
 * making real trouble on live queues, and `watch-rabbitmq` judging them from the live Prometheus
 * endpoint. One reading every INTERVAL seconds is one detector minute, so a 16-minute story takes
 * under a minute.
 */

const INTERVAL_SECONDS = 3;
const plan = realBrokerPlan(existsSync(RABBITMQ_SERVER), isCi());

/** Starts `fn` every `ms` until stopped. */
function every(ms: number, fn: () => void): () => void {
  const timer = setInterval(fn, ms);
  return () => clearInterval(timer);
}

/** The live traffic of four queues, and the moments their trouble starts. */
class Traffic {
  readonly connections: ChannelModel[] = [];
  private readonly stops: (() => void)[] = [];
  private stuckAcking = true;
  private gone: ChannelModel | null = null;
  private busyProducer: Channel | null = null;

  constructor(private readonly url: string) {}

  private async connect(): Promise<ChannelModel> {
    const connection = await amqp.connect(this.url);
    connection.on("error", () => {});
    this.connections.push(connection);
    return connection;
  }

  async start(): Promise<void> {
    const producer = await (await this.connect()).createChannel();
    for (const q of ["lag.gone", "lag.stuck", "lag.slow", "busy.ok"]) await producer.assertQueue(q, { durable: false });
    this.busyProducer = producer;
    // Producers go on whatever the consumers do.
    this.stops.push(
      every(250, () => {
        producer.sendToQueue("lag.gone", Buffer.from("g"));
        producer.sendToQueue("lag.stuck", Buffer.from("s"));
      }),
      every(100, () => producer.sendToQueue("lag.slow", Buffer.from("w"))),
      every(200, () => producer.sendToQueue("busy.ok", Buffer.from("b"))),
    );

    // lag.gone: a consumer on its own connection, which leaves at `leave()`.
    this.gone = await this.connect();
    const gone = await this.gone.createChannel();
    await gone.consume("lag.gone", (m) => m && gone.ack(m));

    // lag.stuck: a consumer that stops acknowledging: its prefetch fills and nothing more leaves the queue.
    const stuck = await (await this.connect()).createChannel();
    await stuck.prefetch(20);
    await stuck.consume("lag.stuck", (m) => {
      if (m && this.stuckAcking) stuck.ack(m);
    });

    // lag.slow: a consumer that handles 5 messages a second while 10 arrive.
    const slow = await (await this.connect()).createChannel();
    await slow.prefetch(1);
    await slow.consume("lag.slow", (m) => {
      // The channel may close (end of the test) before a delayed acknowledgement.
      if (!m) return;
      setTimeout(() => {
        try {
          slow.ack(m);
        } catch {
          // closed at the end of the test
        }
      }, 200).unref();
    });

    // busy.ok: a fast consumer that drains every burst.
    const busy = await (await this.connect()).createChannel();
    await busy.prefetch(200);
    await busy.consume("busy.ok", (m) => m && busy.ack(m));
  }

  /** The lag.gone consumers disconnect. */
  async leave(): Promise<void> {
    await this.gone?.close();
  }

  /** The lag.stuck consumer stops acknowledging. */
  stopAcking(): void {
    this.stuckAcking = false;
  }

  /** A burst of messages on the busy queue, drained at once. */
  burst(): void {
    for (let i = 0; i < 500; i++) this.busyProducer?.sendToQueue("busy.ok", Buffer.from("x"));
  }

  /** Stops the traffic and deletes the queues, so a later run starts on an empty broker. */
  async close(): Promise<void> {
    for (const stop of this.stops) stop();
    const cleaner = await (await this.connect()).createChannel();
    for (const q of ["lag.gone", "lag.stuck", "lag.slow", "busy.ok"]) await cleaner.deleteQueue(q);
    await Promise.all(this.connections.map((c) => c.close().catch(() => {})));
  }
}

async function watch(broker: LocalRabbitMq, minutes: number, onMinute: (minute: number) => Promise<void> | void) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await watchRabbitMqCommand(
    [
      "--endpoint",
      broker.prometheusUrl,
      "--minutes",
      String(minutes),
      "--interval-seconds",
      String(INTERVAL_SECONDS),
      "--name",
      "local",
      "--json",
    ],
    (line) => out.push(line),
    (line) => err.push(line),
    { onMinute },
  );
  return { code, output: JSON.parse(out.at(-1) ?? "null") as ReplayOutput, err };
}

if (!plan.run && !plan.fail) {
  // Visible in the run's output, so nobody takes a local green for the real thing.
  console.warn(`real-broker suite: ${plan.message}`);
}

(plan.run ? describe : plan.fail ? describe : describe.skip)("watch-rabbitmq on a real RabbitMQ node (Debian's rabbitmq-server)", () => {
  if (!plan.run) {
    it("has rabbitmq-server installed (CI runs these tests; never green by skipping)", () => {
      throw new Error(plan.message);
    });
    return;
  }

  let broker: LocalRabbitMq;
  beforeAll(async () => {
    broker = await startLocalRabbitMq();
  }, 120_000);
  afterAll(async () => {
    await broker?.cleanup();
  }, 90_000);

  const LEAVE = 4;
  const STOP_ACKING = 4;

  it("reports consumers that left, consumers that stopped acknowledging and a consumer slower than the inflow, and stays quiet on a busy healthy queue", async () => {
    // Prepare
    const traffic = new Traffic(broker.amqpUrl);
    await traffic.start();
    let run: Awaited<ReturnType<typeof watch>>;
    try {
      // Act
      run = await watch(broker, 16, async (minute) => {
        if (minute === LEAVE) await traffic.leave();
        if (minute === STOP_ACKING) traffic.stopAcking();
        if (minute % 3 === 1) traffic.burst();
      });
    } finally {
      await traffic.close();
    }

    // Assess
    const { code, output } = run;
    const byQueue = new Map(output.incidents.map((i) => [i.resource, i]));
    expect(code).toBe(0);
    expect(output.errors).toEqual([]);
    expect(output.apiCalls["rabbitmq:Read"]).toBe(16);
    const gone = byQueue.get("lag.gone");
    expect(gone).toMatchObject({ kind: "consumer-lag", broker: "local" });
    expect(gone?.summary).toMatch(/^No consumers on lag\.gone/);
    // Within 5 minutes of the consumers leaving.
    expect(gone?.openedMinute).toBeGreaterThanOrEqual(LEAVE);
    expect(gone?.openedMinute).toBeLessThanOrEqual(LEAVE + 5);
    const stuck = byQueue.get("lag.stuck");
    expect(stuck).toMatchObject({ kind: "consumer-lag", severity: "critical" });
    expect(stuck?.summary).toMatch(/^Consumers on lag\.stuck are connected \(1\) but nothing was dequeued/);
    expect(stuck?.openedMinute).toBeLessThanOrEqual(STOP_ACKING + 5);
    const slow = byQueue.get("lag.slow");
    expect(slow).toMatchObject({ kind: "consumer-lag", severity: "warning" });
    expect(slow?.summary).toMatch(/^Backlog on lag\.slow has not fallen/);
    expect(output.incidents.map((i) => i.resource).sort()).toEqual(["lag.gone", "lag.slow", "lag.stuck"]);
    expect(byQueue.has("busy.ok")).toBe(false);
  }, 150_000);

  it("reports a broker stopped in the middle of a run as not read, then unhealthy, and goes on to the end", async () => {
    // Prepare
    const STOPPED = 3;

    // Act
    const { code, output } = await watch(broker, 8, async (minute) => {
      if (minute === STOPPED) await broker.stop();
    });

    // Assess
    expect(code).toBe(0);
    expect(output.apiCalls).toEqual({ "rabbitmq:Read": STOPPED, "rabbitmq:NotRead": 8 - STOPPED });
    expect(output.errors).toHaveLength(8 - STOPPED);
    expect(output.errors[0]).toMatch(
      /^t=3 broker local: Prometheus endpoint not read \(queues not judged this minute\): .*(ECONNREFUSED|no complete answer)/,
    );
    expect(output.incidents).toEqual([
      expect.objectContaining({ kind: "broker-unhealthy", broker: "local", resource: null, openedMinute: 5 }),
    ]);
  }, 150_000);
});
