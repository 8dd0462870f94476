import {
  detectConsumerLag,
  isDeadLetterQueue,
  type LagSeries,
  lagSeriesForBroker,
  lagSeriesForQueue,
  timeToDrain,
} from "../../../../shared/core/detectors/consumer-lag";
import { type Broker, EngineType, fingerprintOf, IncidentKind, type Series, Severity } from "../../../../shared/core/types";
import {
  activeMqBroker,
  alternate,
  detection,
  flat,
  noisy,
  nulls,
  queueMetrics,
  rabbitMqBroker,
  ramp,
  series,
  withGaps,
} from "../detector-fixtures";

const config = detection.consumerLag;

/** An ActiveMQ destination's series, mapped the way the metrics cycle maps them. */
function activeQueue(name: string, metrics: Record<string, Series>): LagSeries {
  return lagSeriesForQueue(EngineType.activemq, queueMetrics(name, metrics), {});
}

/** A RabbitMQ queue's series (virtual host `/`), with the broker-level series the stall rule reads. */
function rabbitQueue(name: string, metrics: Record<string, Series>, brokerSeries: Record<string, Series> = {}): LagSeries {
  return lagSeriesForQueue(EngineType.rabbitmq, queueMetrics(name, metrics, "/"), brokerSeries);
}

interface LagCase {
  situation: string;
  broker: Broker;
  queue: string;
  lag: LagSeries;
}

interface FiringCase extends LagCase {
  condition: string;
  severity: string;
}

const firing: FiringCase[] = [
  {
    situation: "ActiveMQ consumers have been gone 3 minutes and the backlog grows",
    broker: activeMqBroker,
    queue: "orders.created",
    lag: activeQueue("orders.created", {
      QueueSize: series(flat(0, 27), [40, 80, 120]),
      ConsumerCount: series(flat(4, 27), flat(0, 3)),
      EnqueueCount: flat(40, 30),
      DequeueCount: series(flat(40, 27), flat(0, 3)),
    }),
    condition: "no-consumers",
    severity: Severity.critical,
  },
  {
    situation: "an ActiveMQ queue holds a flat backlog with no consumers and no producers",
    broker: activeMqBroker,
    queue: "reports.monthly",
    lag: activeQueue("reports.monthly", {
      QueueSize: flat(250, 30),
      ConsumerCount: flat(0, 30),
      EnqueueCount: flat(0, 30),
      DequeueCount: flat(0, 30),
    }),
    condition: "no-consumers",
    severity: Severity.warning,
  },
  {
    situation: "RabbitMQ consumers have been gone 3 minutes and the ready count grows",
    broker: rabbitMqBroker,
    queue: "billing.invoice",
    lag: rabbitQueue("billing.invoice", {
      MessageReadyCount: series(flat(0, 27), [30, 60, 90]),
      ConsumerCount: series(flat(3, 27), flat(0, 3)),
      MessageUnacknowledgedCount: series(flat(10, 27), flat(0, 3)),
    }),
    condition: "no-consumers",
    severity: Severity.critical,
  },
  {
    situation: "a RabbitMQ queue holds a flat ready backlog with no consumers",
    broker: rabbitMqBroker,
    queue: "reports.monthly",
    lag: rabbitQueue("reports.monthly", {
      MessageReadyCount: flat(250, 30),
      ConsumerCount: flat(0, 30),
      MessageUnacknowledgedCount: flat(0, 30),
    }),
    condition: "no-consumers",
    severity: Severity.warning,
  },
  {
    situation: "ActiveMQ consumers stay attached but dequeue nothing for 3 minutes while messages arrive",
    broker: activeMqBroker,
    queue: "payments.settle",
    lag: activeQueue("payments.settle", {
      QueueSize: series(flat(0, 27), [30, 60, 90]),
      ConsumerCount: flat(3, 30),
      EnqueueCount: flat(30, 30),
      DequeueCount: series(flat(30, 27), flat(0, 3)),
      InFlightCount: series(flat(5, 27), flat(30, 3)),
    }),
    condition: "stalled",
    severity: Severity.critical,
  },
  {
    situation: "ActiveMQ consumers stay attached but dequeue nothing for 10 minutes on a flat backlog",
    broker: activeMqBroker,
    queue: "payments.refund",
    lag: activeQueue("payments.refund", {
      QueueSize: series(ramp(400, 130, 20), flat(120, 10)),
      ConsumerCount: flat(3, 30),
      EnqueueCount: flat(0, 30),
      DequeueCount: series(flat(14, 20), flat(0, 10)),
    }),
    condition: "stalled",
    severity: Severity.critical,
  },
  {
    situation: "RabbitMQ consumers hold their prefetch, ack nothing and the ready count climbs",
    broker: rabbitMqBroker,
    queue: "payments.settle",
    lag: rabbitQueue(
      "payments.settle",
      {
        MessageReadyCount: series(flat(0, 27), [200, 260, 320]),
        ConsumerCount: flat(5, 30),
        MessageUnacknowledgedCount: series(noisy(40, 10, 27), flat(50, 3)),
      },
      { AckRate: series(flat(120, 27), flat(0, 3)) },
    ),
    condition: "stalled",
    severity: Severity.critical,
  },
  {
    situation: "ActiveMQ consumers dequeue but the backlog has not fallen for 10 minutes",
    broker: activeMqBroker,
    queue: "images.resize",
    lag: activeQueue("images.resize", {
      QueueSize: series(flat(0, 19), ramp(30, 300, 11)),
      ConsumerCount: flat(3, 30),
      EnqueueCount: series(flat(50, 19), flat(77, 11)),
      DequeueCount: flat(50, 30),
    }),
    condition: "slow-consumers",
    severity: Severity.warning,
  },
  {
    situation: "RabbitMQ consumers ack but the ready count has not fallen for 10 minutes",
    broker: rabbitMqBroker,
    queue: "images.resize",
    lag: rabbitQueue(
      "images.resize",
      {
        MessageReadyCount: series(flat(0, 19), ramp(30, 300, 11)),
        ConsumerCount: flat(5, 30),
        MessageUnacknowledgedCount: noisy(40, 10, 30),
      },
      { AckRate: flat(50, 30) },
    ),
    condition: "slow-consumers",
    severity: Severity.warning,
  },
  {
    situation:
      "ActiveMQ consumers dequeue but the backlog has grown every minute for 7 minutes (a slow consumer, though it was empty 9 minutes ago)",
    broker: activeMqBroker,
    queue: "shipping.label",
    lag: activeQueue("shipping.label", {
      QueueSize: series(noisy(3, 3, 20), [0, 2, 3], [20, 52, 75, 112, 140, 171, 205]),
      ConsumerCount: flat(4, 30),
      EnqueueCount: flat(178, 30),
      DequeueCount: series(flat(178, 23), flat(145, 7)),
    }),
    condition: "slow-consumers",
    severity: Severity.warning,
  },
];

const quiet: LagCase[] = [
  {
    situation: "an ActiveMQ burst built a backlog for four minutes and is draining",
    broker: activeMqBroker,
    queue: "page.views",
    lag: activeQueue("page.views", {
      QueueSize: series(noisy(3, 3, 22), [90, 210, 320, 400, 310, 200, 90, 12]),
      ConsumerCount: flat(6, 30),
      EnqueueCount: flat(350, 30),
      DequeueCount: flat(350, 30),
    }),
  },
  {
    situation: "an ActiveMQ backlog grew for 7 minutes but held still one of them",
    broker: activeMqBroker,
    queue: "shipping.label",
    lag: activeQueue("shipping.label", {
      QueueSize: series(noisy(3, 3, 20), [0, 2, 3], [20, 52, 75, 75, 140, 171, 205]),
      ConsumerCount: flat(4, 30),
      EnqueueCount: flat(178, 30),
      DequeueCount: flat(150, 30),
    }),
  },
  {
    situation: "ActiveMQ consumers have been gone 2 minutes (a redeploy in progress)",
    broker: activeMqBroker,
    queue: "orders.created",
    lag: activeQueue("orders.created", {
      QueueSize: series(alternate(0, 12, 28), [40, 80]),
      ConsumerCount: series(flat(4, 28), flat(0, 2)),
      EnqueueCount: flat(40, 30),
      DequeueCount: series(flat(40, 28), flat(0, 2)),
    }),
  },
  {
    situation: "ActiveMQ consumers have been gone 1 minute",
    broker: activeMqBroker,
    queue: "orders.created",
    lag: activeQueue("orders.created", {
      QueueSize: series(alternate(0, 12, 29), [40]),
      ConsumerCount: series(flat(4, 29), [0]),
      EnqueueCount: flat(40, 30),
      DequeueCount: series(flat(40, 29), [0]),
    }),
  },
  {
    situation: "ActiveMQ consumers came back after a 2-minute redeploy",
    broker: activeMqBroker,
    queue: "orders.created",
    lag: activeQueue("orders.created", {
      QueueSize: series(alternate(0, 12, 27), [40, 80, 30]),
      ConsumerCount: series(flat(4, 27), [0, 0, 4]),
      EnqueueCount: flat(40, 30),
      DequeueCount: series(flat(40, 27), [0, 0, 90]),
    }),
  },
  {
    situation: "a busy ActiveMQ queue that never empties loses its consumers for 2 minutes",
    broker: activeMqBroker,
    queue: "orders.created",
    lag: activeQueue("orders.created", {
      QueueSize: series(noisy(200, 30, 28), [280, 360]),
      ConsumerCount: series(flat(4, 28), flat(0, 2)),
      EnqueueCount: flat(80, 30),
      DequeueCount: series(flat(80, 28), flat(0, 2)),
    }),
  },
  {
    situation: "RabbitMQ consumers have been gone 2 minutes (a redeploy in progress)",
    broker: rabbitMqBroker,
    queue: "billing.invoice",
    lag: rabbitQueue("billing.invoice", {
      MessageReadyCount: series(alternate(0, 12, 28), [40, 80]),
      ConsumerCount: series(flat(3, 28), flat(0, 2)),
      MessageUnacknowledgedCount: series(flat(10, 28), flat(0, 2)),
    }),
  },
  {
    situation: "an idle ActiveMQ queue has no consumers and no backlog",
    broker: activeMqBroker,
    queue: "legacy.audit",
    lag: activeQueue("legacy.audit", {
      QueueSize: flat(0, 30),
      ConsumerCount: flat(0, 30),
      EnqueueCount: flat(0, 30),
      DequeueCount: flat(0, 30),
    }),
  },
  {
    situation: "an idle RabbitMQ queue has no consumers and no backlog",
    broker: rabbitMqBroker,
    queue: "legacy.audit",
    lag: rabbitQueue("legacy.audit", {
      MessageReadyCount: flat(0, 30),
      ConsumerCount: flat(0, 30),
      MessageUnacknowledgedCount: flat(0, 30),
    }),
  },
  {
    situation: "an ActiveMQ burst is being drained",
    broker: activeMqBroker,
    queue: "exports.nightly",
    lag: activeQueue("exports.nightly", {
      QueueSize: series(flat(0, 23), [600, 520, 440, 360, 280, 200, 120]),
      ConsumerCount: flat(2, 30),
      EnqueueCount: series(flat(0, 22), [680], flat(0, 7)),
      DequeueCount: series(flat(0, 23), flat(80, 7)),
    }),
  },
  {
    situation: "an ActiveMQ burst older than the slow window is still draining",
    broker: activeMqBroker,
    queue: "exports.nightly",
    lag: activeQueue("exports.nightly", {
      QueueSize: series(flat(0, 10), ramp(2000, 480, 20)),
      ConsumerCount: flat(2, 30),
      EnqueueCount: series(flat(0, 9), [2080], flat(0, 20)),
      DequeueCount: series(flat(0, 10), flat(80, 20)),
    }),
  },
  {
    situation: "a RabbitMQ burst is being drained",
    broker: rabbitMqBroker,
    queue: "exports.nightly",
    lag: rabbitQueue(
      "exports.nightly",
      {
        MessageReadyCount: series(flat(0, 23), [600, 520, 440, 360, 280, 200, 120]),
        ConsumerCount: flat(2, 30),
        MessageUnacknowledgedCount: series(flat(0, 23), flat(20, 7)),
      },
      { AckRate: series(flat(0, 23), flat(1.3, 7)) },
    ),
  },
  {
    situation: "an ActiveMQ backlog wobbles up and down",
    broker: activeMqBroker,
    queue: "search.index",
    lag: activeQueue("search.index", {
      QueueSize: series(flat(300, 10), alternate(300, 420, 20)),
      ConsumerCount: flat(4, 30),
      EnqueueCount: flat(100, 30),
      DequeueCount: flat(100, 30),
    }),
  },
  {
    // Found by the benchmark on healthy traffic: noise that never reached 0 and a burst at the end.
    situation: "an ActiveMQ backlog that wobbled just above 0 takes a burst (regression: fired as slow consumers)",
    broker: activeMqBroker,
    queue: "orders.created",
    lag: activeQueue("orders.created", {
      QueueSize: series(flat(20, 20), [20, 21, 21, 22, 23, 22, 24, 25, 26, 380]),
      ConsumerCount: flat(3, 30),
      EnqueueCount: series(flat(60, 29), [405]),
      DequeueCount: flat(60, 30),
    }),
  },
  {
    situation: "an ActiveMQ backlog creeps up by less than the slow-growth minimum",
    broker: activeMqBroker,
    queue: "search.index",
    lag: activeQueue("search.index", {
      QueueSize: series(flat(200, 20), ramp(200, 290, 10)),
      ConsumerCount: flat(4, 30),
      EnqueueCount: flat(110, 30),
      DequeueCount: flat(100, 30),
    }),
  },
  {
    // The climb pauses a minute: Burrow's rule (reached 0 in the window) decides, not the every-minute growth rule.
    situation: "an ActiveMQ backlog reached 0 within the slow window before climbing",
    broker: activeMqBroker,
    queue: "search.index",
    lag: activeQueue("search.index", {
      QueueSize: series(flat(50, 20), [0], ramp(100, 250, 5), ramp(250, 400, 4)),
      ConsumerCount: flat(4, 30),
      EnqueueCount: flat(140, 30),
      DequeueCount: flat(100, 30),
    }),
  },
  {
    situation: "a RabbitMQ ready count wobbles up and down",
    broker: rabbitMqBroker,
    queue: "search.index",
    lag: rabbitQueue(
      "search.index",
      {
        MessageReadyCount: series(flat(300, 10), alternate(300, 420, 20)),
        ConsumerCount: flat(4, 30),
        MessageUnacknowledgedCount: noisy(40, 10, 30),
      },
      { AckRate: flat(30, 30) },
    ),
  },
  {
    // The climb pauses a minute: Burrow's rule (reached 0 in the window) decides, not the every-minute growth rule.
    situation: "a RabbitMQ ready count reached 0 within the slow window before climbing",
    broker: rabbitMqBroker,
    queue: "search.index",
    lag: rabbitQueue(
      "search.index",
      {
        MessageReadyCount: series(flat(50, 20), [0], ramp(100, 250, 5), ramp(250, 400, 4)),
        ConsumerCount: flat(4, 30),
        MessageUnacknowledgedCount: noisy(40, 10, 30),
      },
      { AckRate: flat(30, 30) },
    ),
  },
  {
    situation: "ActiveMQ consumers dequeued nothing for only 2 minutes",
    broker: activeMqBroker,
    queue: "payments.settle",
    lag: activeQueue("payments.settle", {
      QueueSize: series(flat(0, 28), [30, 60]),
      ConsumerCount: flat(3, 30),
      EnqueueCount: flat(30, 30),
      DequeueCount: series(flat(30, 28), flat(0, 2)),
    }),
  },
  // config.ts `noConsumersMinutes`: "a redeploy that drops them for a minute or two stays quiet". On a
  // queue whose backlog was steady and non-zero, those minutes are the only growth in the slow window,
  // and the slow-consumer rule (which sums dequeues over the whole window) must not call them slow.
  {
    situation: "ActiveMQ consumers have been gone 2 minutes from a queue holding a steady 50",
    broker: activeMqBroker,
    queue: "orders.created",
    lag: activeQueue("orders.created", {
      QueueSize: series(flat(50, 28), [200, 350]),
      ConsumerCount: series(flat(4, 28), flat(0, 2)),
      EnqueueCount: flat(150, 30),
      DequeueCount: series(flat(150, 28), flat(0, 2)),
    }),
  },
  {
    situation: "ActiveMQ consumers came back after 2 minutes to a queue holding a steady 50 and have just started to drain",
    broker: activeMqBroker,
    queue: "orders.created",
    lag: activeQueue("orders.created", {
      QueueSize: series(flat(50, 27), [200, 350, 340]),
      ConsumerCount: series(flat(4, 27), [0, 0, 4]),
      EnqueueCount: flat(150, 30),
      DequeueCount: series(flat(150, 27), [0, 0, 160]),
    }),
  },
  {
    situation: "RabbitMQ consumers have been gone 1 minute from a queue holding a steady 50",
    broker: rabbitMqBroker,
    queue: "orders.created",
    lag: rabbitQueue(
      "orders.created",
      {
        MessageReadyCount: series(flat(50, 29), [200]),
        ConsumerCount: series(flat(4, 29), [0]),
        MessageUnacknowledgedCount: series(flat(40, 29), [0]),
      },
      { AckRate: flat(2, 30) },
    ),
  },
];

describe("detectConsumerLag", () => {
  it.each(firing)("raises $severity $condition when $situation", ({ broker, queue, lag, condition, severity }) => {
    // Prepare
    const expectedFingerprint = `consumer-lag|${broker.name}|${queue}`;

    // Act
    const { judged, findings } = detectConsumerLag(broker, queue, lag, config);

    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: IncidentKind.consumerLag,
      broker: broker.name,
      resource: queue,
      condition,
      severity,
    });
    expect(judged).toEqual([expectedFingerprint]);
    expect(fingerprintOf(findings[0] as (typeof findings)[number])).toBe(expectedFingerprint);
  });

  it.each(quiet)("stays quiet but judges the queue when $situation", ({ broker, queue, lag }) => {
    // Prepare
    const expectedFingerprint = fingerprintOf({ kind: IncidentKind.consumerLag, broker: broker.name, resource: queue });

    // Act
    const { judged, findings } = detectConsumerLag(broker, queue, lag, config);

    // Assess
    expect(findings).toEqual([]);
    expect(judged).toEqual([expectedFingerprint]);
  });

  it("reports how long consumers have been gone and how much the backlog grew", () => {
    // Prepare
    const lag = activeQueue("orders.created", {
      QueueSize: series(flat(0, 25), [20, 40, 60, 80, 100]),
      ConsumerCount: series(flat(4, 25), flat(0, 5)),
      EnqueueCount: flat(20, 30),
      DequeueCount: series(flat(20, 25), flat(0, 5)),
    });

    // Act
    const { findings } = detectConsumerLag(activeMqBroker, "orders.created", lag, config);

    // Assess
    expect(findings[0]?.evidence).toMatchObject({ backlog: 100, consumers: 0, noConsumersForMinutes: 5, backlogGrowth: 40 });
    expect(findings[0]?.summary).toContain("No consumers on orders.created for 5 min");
  });

  it("reports how long a stall has lasted, the consumers still attached and the in-flight count", () => {
    // Prepare
    const lag = activeQueue("payments.refund", {
      QueueSize: series(ramp(400, 130, 20), flat(120, 10)),
      ConsumerCount: flat(3, 30),
      EnqueueCount: flat(0, 30),
      DequeueCount: series(flat(14, 20), flat(0, 10)),
      InFlightCount: flat(30, 30),
    });

    // Act
    const { findings } = detectConsumerLag(activeMqBroker, "payments.refund", lag, config);

    // Assess
    expect(findings[0]?.evidence).toMatchObject({ backlog: 120, consumers: 3, stalledForMinutes: 10, inFlight: 30 });
  });

  it("carries the key series for a sparkline, newest last", () => {
    // Prepare
    const backlog = series(flat(0, 27), [40, 80, 120]);
    const lag = activeQueue("orders.created", {
      QueueSize: backlog,
      ConsumerCount: series(flat(4, 27), flat(0, 3)),
      EnqueueCount: flat(40, 30),
      DequeueCount: series(flat(40, 27), flat(0, 3)),
    });

    // Act
    const { findings } = detectConsumerLag(activeMqBroker, "orders.created", lag, config);

    // Assess
    expect(findings[0]?.series?.backlog).toEqual(backlog);
    expect(findings[0]?.series?.consumers?.at(-1)).toBe(0);
    expect(findings[0]?.series?.dequeues?.at(-1)).toBe(0);
  });
});

describe("detectConsumerLag on RabbitMQ stalls", () => {
  // RabbitMQ publishes no per-queue dequeue count: a stall must be confirmed by an unacknowledged
  // count that sits still and a broker ack rate at zero, else the queue is left to the slow rule.
  const ready = series(flat(0, 19), ramp(30, 300, 11));

  it.each([
    { confirmation: "unacked flat and broker ack rate at zero", unacked: flat(50, 30), ackRate: flat(0, 30), condition: "stalled" },
    { confirmation: "unacked flat but acks still flowing", unacked: flat(50, 30), ackRate: flat(3, 30), condition: "slow-consumers" },
    { confirmation: "ack rate at zero but unacked moving", unacked: noisy(40, 10, 30), ackRate: flat(0, 30), condition: "slow-consumers" },
    { confirmation: "unacked flat but no broker ack rate", unacked: flat(50, 30), ackRate: undefined, condition: "slow-consumers" },
  ])("raises $condition with $confirmation", ({ unacked, ackRate, condition }) => {
    // Prepare
    const lag = rabbitQueue(
      "payments.settle",
      { MessageReadyCount: ready, ConsumerCount: flat(5, 30), MessageUnacknowledgedCount: unacked },
      ackRate ? { AckRate: ackRate } : {},
    );

    // Act
    const { findings } = detectConsumerLag(rabbitMqBroker, "payments.settle", lag, config);

    // Assess
    expect(findings.map((f) => f.condition)).toEqual([condition]);
  });

  it("stays quiet when acks flow and the ready count only started climbing inside the slow window", () => {
    // Prepare
    const lag = rabbitQueue(
      "payments.settle",
      { MessageReadyCount: series(flat(0, 26), [10, 40, 70, 100]), ConsumerCount: flat(5, 30), MessageUnacknowledgedCount: flat(50, 30) },
      { AckRate: flat(3, 30) },
    );

    // Act
    const { judged, findings } = detectConsumerLag(rabbitMqBroker, "payments.settle", lag, config);

    // Assess
    expect(findings).toEqual([]);
    expect(judged).toEqual(["consumer-lag|events-rmq|payments.settle"]);
  });

  it("does not call a flat ready backlog a stall without fresh messages", () => {
    // Prepare
    const lag = rabbitQueue(
      "payments.settle",
      { MessageReadyCount: flat(320, 30), ConsumerCount: flat(5, 30), MessageUnacknowledgedCount: flat(50, 30) },
      { AckRate: flat(0, 30) },
    );

    // Act
    const { findings } = detectConsumerLag(rabbitMqBroker, "payments.settle", lag, config);

    // Assess
    expect(findings).toEqual([]);
  });
});

describe("detectConsumerLag on dead-letter queues", () => {
  const names = ["ActiveMQ.DLQ", "DLQ.orders", "orders.dlq", "payments-dead-letter"];

  it.each(names)("does not fire for %s having no consumers and a steady backlog", (name) => {
    // Prepare
    const lag = activeQueue(name, {
      QueueSize: flat(40, 30),
      ConsumerCount: flat(0, 30),
      EnqueueCount: flat(0, 30),
      DequeueCount: flat(0, 30),
    });

    // Act
    const { judged, findings } = detectConsumerLag(activeMqBroker, name, lag, config);

    // Assess
    expect(findings).toEqual([]);
    expect(judged).toEqual([`consumer-lag|orders-amq|${name}`]);
  });

  it.each(names)("raises a warning when %s grows by 5 messages within the window", (name) => {
    // Prepare
    const lag = activeQueue(name, {
      QueueSize: series(flat(40, 25), [41, 42, 43, 44, 45]),
      ConsumerCount: flat(0, 30),
      EnqueueCount: series(flat(0, 25), flat(1, 5)),
      DequeueCount: flat(0, 30),
    });

    // Act
    const { findings } = detectConsumerLag(activeMqBroker, name, lag, config);

    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ condition: "dead-letter-growing", severity: Severity.warning, resource: name });
    expect(findings[0]?.evidence).toMatchObject({ backlog: 45, growth: 5 });
  });

  it.each(names)("raises a warning when the RabbitMQ queue %s grows by 5 messages within the window", (name) => {
    // Prepare
    const lag = rabbitQueue(name, {
      MessageReadyCount: series(flat(40, 25), [41, 42, 43, 44, 45]),
      ConsumerCount: flat(0, 30),
      MessageUnacknowledgedCount: flat(0, 30),
    });

    // Act
    const { findings } = detectConsumerLag(rabbitMqBroker, name, lag, config);

    // Assess
    expect(findings.map((f) => [f.condition, f.severity])).toEqual([["dead-letter-growing", Severity.warning]]);
  });

  it.each([
    { growth: "4 messages within the window", backlog: series(flat(40, 26), [41, 42, 43, 44]) },
    { growth: "20 messages, all before the window", backlog: series(ramp(20, 40, 10), flat(40, 20)) },
    { growth: "nothing since it was purged", backlog: series(flat(300, 20), flat(0, 10)) },
  ])("stays quiet when a dead-letter queue grew by $growth", ({ backlog }) => {
    // Prepare
    const lag = activeQueue("ActiveMQ.DLQ", { QueueSize: backlog, ConsumerCount: flat(0, 30) });

    // Act
    const { judged, findings } = detectConsumerLag(activeMqBroker, "ActiveMQ.DLQ", lag, config);

    // Assess
    expect(findings).toEqual([]);
    expect(judged).toHaveLength(1);
  });

  it("judges an ordinary queue with the same series as having no consumers", () => {
    // Prepare
    const lag = activeQueue("orders", { QueueSize: flat(40, 30), ConsumerCount: flat(0, 30) });

    // Act
    const { findings } = detectConsumerLag(activeMqBroker, "orders", lag, config);

    // Assess
    expect(findings.map((f) => f.condition)).toEqual(["no-consumers"]);
  });
});

describe("isDeadLetterQueue", () => {
  it.each([
    ["ActiveMQ.DLQ", true],
    ["DLQ.orders", true],
    ["orders.dlq", true],
    ["payments-dead-letter", true],
    ["ActiveMQ.DLQ.Queue.orders", true],
    ["orders_dead_letters", true],
    ["orders", false],
    ["billing.events", false],
    ["deadline-reminders", false],
  ])("classifies %s as a dead-letter queue: %s", (name, expected) => {
    // Act
    const result = isDeadLetterQueue(name, config);

    // Assess
    expect(result).toBe(expected);
  });
});

describe("lagSeriesForBroker", () => {
  it("turns the broker's per-second publish and ack rates into per-minute counts", () => {
    // Prepare
    const brokerSeries = {
      MessageReadyCount: [10, 20, null],
      ConsumerCount: [4, 4, 4],
      AckRate: [1, 2.5, null],
      PublishRate: [0, 3, 4],
      MessageUnacknowledgedCount: [7, 8, 9],
    };

    // Act
    const lag = lagSeriesForBroker(brokerSeries);

    // Assess
    expect(lag).toEqual({
      backlog: [10, 20, null],
      consumers: [4, 4, 4],
      dequeues: [60, 150, null],
      enqueues: [0, 180, 240],
      inFlight: [7, 8, 9],
      aggregate: true,
    });
  });

  it("gives an empty backlog when the broker publishes no ready count", () => {
    // Act
    const lag = lagSeriesForBroker({ AckRate: [1, 2] });

    // Assess
    expect(lag.backlog).toEqual([]);
  });
});

describe("detectConsumerLag on the RabbitMQ 4.x broker-wide path", () => {
  it.each([
    {
      situation: "broker acks stop while consumers stay and the ready count climbs",
      brokerSeries: {
        MessageReadyCount: series(noisy(20, 10, 27), [500, 900, 1300]),
        ConsumerCount: flat(12, 30),
        AckRate: series(flat(8, 27), flat(0, 3)),
        PublishRate: flat(7, 30),
      },
      condition: "stalled",
      severity: Severity.critical,
    },
    {
      situation: "every consumer has been gone 5 minutes and messages keep arriving",
      brokerSeries: {
        MessageReadyCount: series(noisy(20, 10, 25), [440, 860, 1280, 1700, 2120]),
        ConsumerCount: series(flat(12, 25), flat(0, 5)),
        AckRate: series(flat(7, 25), flat(0, 5)),
        PublishRate: flat(7, 30),
      },
      condition: "no-consumers",
      severity: Severity.critical,
    },
  ])("raises $severity $condition for the broker when $situation", ({ brokerSeries, condition, severity }) => {
    // Prepare
    const lag = lagSeriesForBroker(brokerSeries);

    // Act
    const { judged, findings } = detectConsumerLag(rabbitMqBroker, null, lag, config);

    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ broker: "events-rmq", resource: null, condition, severity });
    expect(findings[0]?.summary).toContain("the broker");
    expect(judged).toEqual(["consumer-lag|events-rmq|"]);
    expect(judged).toEqual([fingerprintOf(findings[0] as (typeof findings)[number])]);
  });

  it("stays quiet on a healthy broker whose acks keep up with publishes", () => {
    // Prepare
    const lag = lagSeriesForBroker({
      MessageReadyCount: noisy(20, 10, 30),
      ConsumerCount: flat(12, 30),
      AckRate: noisy(7, 1, 30),
      PublishRate: noisy(7, 1, 30, 11),
    });

    // Act
    const { judged, findings } = detectConsumerLag(rabbitMqBroker, null, lag, config);

    // Assess
    expect(findings).toEqual([]);
    expect(judged).toEqual(["consumer-lag|events-rmq|"]);
  });

  it("stays quiet when traffic pauses and the only ready messages are parked dead letters", () => {
    // The module's TSDoc: "Dead-letter queues are judged only on growth". Broker-wide, MessageReadyCount
    // includes every dead-letter queue, so a quiet broker with a few parked dead letters looks like
    // "consumers attached, no acks, backlog": a critical stall, the kind remediation may reboot for.
    // Prepare
    const lag = lagSeriesForBroker({
      MessageReadyCount: series(noisy(30, 10, 20), flat(12, 10)),
      ConsumerCount: flat(8, 30),
      AckRate: series(noisy(6, 2, 20), flat(0, 10)),
      PublishRate: series(noisy(6, 2, 20), flat(0, 10)),
    });

    // Act
    const { findings } = detectConsumerLag(rabbitMqBroker, null, lag, config);

    // Assess
    expect(findings).toEqual([]);
  });

  it("does not treat the broker-wide check as a dead-letter queue", () => {
    // Prepare: a broker-wide backlog with no consumers is no-consumers, whatever the pattern says.
    const lag = lagSeriesForBroker({ MessageReadyCount: flat(500, 30), ConsumerCount: flat(0, 30) });

    // Act
    const { findings } = detectConsumerLag(rabbitMqBroker, null, lag, { ...config, deadLetterPattern: ".*" });

    // Assess
    expect(findings.map((f) => f.condition)).toEqual(["no-consumers"]);
  });
});

describe("detectConsumerLag on missing data", () => {
  it.each([
    {
      what: "an ActiveMQ queue whose QueueSize is all missing",
      broker: activeMqBroker,
      lag: activeQueue("q", { QueueSize: nulls(30), ConsumerCount: flat(0, 30) }),
    },
    { what: "an ActiveMQ queue without a QueueSize series", broker: activeMqBroker, lag: activeQueue("q", { ConsumerCount: flat(0, 30) }) },
    {
      what: "a RabbitMQ queue whose ready count is all missing",
      broker: rabbitMqBroker,
      lag: rabbitQueue("q", { MessageReadyCount: nulls(30), ConsumerCount: flat(0, 30) }),
    },
    {
      what: "a RabbitMQ 4.x broker without a ready count",
      broker: rabbitMqBroker,
      lag: lagSeriesForBroker({ ConsumerCount: flat(0, 30) }),
    },
  ])("does not judge $what", ({ broker, lag }) => {
    // Act
    const result = detectConsumerLag(broker, "q", lag, config);

    // Assess
    expect(result).toEqual({ judged: [], findings: [] });
  });

  it("judges the newest known minute when the latest datapoints are still missing", () => {
    // Prepare
    const lag = activeQueue("orders.created", {
      QueueSize: withGaps(series(flat(0, 25), [40, 80, 120], [160, 200]), [-1, -2]),
      ConsumerCount: withGaps(series(flat(4, 25), flat(0, 5)), [-1, -2]),
      EnqueueCount: flat(40, 30),
    });

    // Act
    const { findings } = detectConsumerLag(activeMqBroker, "orders.created", lag, config);

    // Assess
    expect(findings[0]).toMatchObject({ condition: "no-consumers", severity: Severity.critical });
    expect(findings[0]?.evidence).toMatchObject({ backlog: 120 });
  });

  it("does not call a queue consumer-less when its consumer count is missing", () => {
    // Prepare
    const lag = activeQueue("orders.created", { QueueSize: flat(250, 30), ConsumerCount: nulls(30) });

    // Act
    const { judged, findings } = detectConsumerLag(activeMqBroker, "orders.created", lag, config);

    // Assess
    expect(findings).toEqual([]);
    expect(judged).toEqual(["consumer-lag|orders-amq|orders.created"]);
  });
});

describe("timeToDrain", () => {
  it.each([
    {
      situation: "dequeues outpace enqueues by 50/min on a backlog of 1000",
      lag: { backlog: series(flat(900, 29), [1000]), dequeues: flat(150, 30), enqueues: flat(100, 30) },
      expected: 20,
    },
    { situation: "the backlog is already empty", lag: { backlog: flat(0, 30), dequeues: flat(0, 30), enqueues: flat(0, 30) }, expected: 0 },
    {
      situation: "dequeues only match enqueues",
      lag: { backlog: flat(1000, 30), dequeues: flat(100, 30), enqueues: flat(100, 30) },
      expected: null,
    },
    {
      situation: "enqueues outpace dequeues",
      lag: { backlog: ramp(100, 1550, 30), dequeues: flat(50, 30), enqueues: flat(100, 30) },
      expected: null,
    },
    {
      situation: "without rates, the backlog falls 50/min to 250",
      lag: { backlog: series(flat(500, 25), [450, 400, 350, 300, 250]) },
      expected: 5,
    },
    { situation: "without rates, the backlog climbs", lag: { backlog: ramp(100, 390, 30) }, expected: null },
    {
      situation: "the newest backlog datapoint is missing",
      lag: { backlog: withGaps(flat(500, 30), [-1]), dequeues: flat(150, 30), enqueues: flat(100, 30) },
      expected: null,
    },
  ])("is $expected when $situation", ({ lag, expected }) => {
    // Prepare
    const end = lag.backlog.length - 1;

    // Act
    const minutes = timeToDrain(lag, end);

    // Assess
    expect(minutes).toBe(expected);
  });

  it("shows in a slow-consumer finding as never draining", () => {
    // Prepare
    const lag = activeQueue("images.resize", {
      QueueSize: series(flat(0, 19), ramp(30, 300, 11)),
      ConsumerCount: flat(3, 30),
      EnqueueCount: series(flat(50, 19), flat(77, 11)),
      DequeueCount: flat(50, 30),
    });

    // Act
    const { findings } = detectConsumerLag(activeMqBroker, "images.resize", lag, config);

    // Assess
    expect(findings[0]?.evidence).toMatchObject({ timeToDrainMinutes: null, dequeuesPerMinute: 50, enqueuesPerMinute: 77 });
    expect(findings[0]?.summary).toContain("never drains");
  });
});
