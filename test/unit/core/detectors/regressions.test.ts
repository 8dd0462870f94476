import { detectConsumerLag, lagSeriesForBroker, lagSeriesForQueue } from "../../../../shared/core/detectors/consumer-lag";
import { detectResourcePressure } from "../../../../shared/core/detectors/resource-pressure";
import { EngineType, Severity } from "../../../../shared/core/types";
import { activeMqBroker, detection, flat, noisy, observation, queueMetrics, rabbitMqBroker, ramp, series } from "../detector-fixtures";

/**
 * Regressions: behaviour the detectors' docs (TSDoc, config.ts, DESIGN.md) promise and an earlier
 * version did not deliver: a short redeploy read as slow consumers, parked dead letters read as a
 * stalled RabbitMQ 4.x broker, a filling disk never forecast, and the disk-ratio bounds.
 */

const GIB = 1024 ** 3;

describe("detectConsumerLag during a short redeploy (regression)", () => {
  // config.ts `noConsumersMinutes`: "a redeploy that drops them for a minute or two stays quiet".
  // On a queue whose backlog was steady and non-zero, the minutes without consumers are the only
  // growth in the slow window, and the slow-consumer rule (which sums dequeues over the whole
  // window) calls them slow consumers "although consumers are working".
  it.each([
    {
      situation: "ActiveMQ consumers have been gone 2 minutes from a queue holding a steady 50",
      broker: activeMqBroker,
      lag: lagSeriesForQueue(
        EngineType.activemq,
        queueMetrics("orders.created", {
          QueueSize: series(flat(50, 28), [200, 350]),
          ConsumerCount: series(flat(4, 28), flat(0, 2)),
          EnqueueCount: flat(150, 30),
          DequeueCount: series(flat(150, 28), flat(0, 2)),
        }),
        {},
      ),
    },
    {
      situation: "ActiveMQ consumers came back after 2 minutes and have just started to drain",
      broker: activeMqBroker,
      lag: lagSeriesForQueue(
        EngineType.activemq,
        queueMetrics("orders.created", {
          QueueSize: series(flat(50, 27), [200, 350, 340]),
          ConsumerCount: series(flat(4, 27), [0, 0, 4]),
          EnqueueCount: flat(150, 30),
          DequeueCount: series(flat(150, 27), [0, 0, 160]),
        }),
        {},
      ),
    },
    {
      situation: "RabbitMQ consumers have been gone 1 minute from a queue holding a steady 50",
      broker: rabbitMqBroker,
      lag: lagSeriesForQueue(
        EngineType.rabbitmq,
        queueMetrics(
          "orders.created",
          {
            MessageReadyCount: series(flat(50, 29), [200]),
            ConsumerCount: series(flat(4, 29), [0]),
            MessageUnacknowledgedCount: series(flat(40, 29), [0]),
          },
          "/",
        ),
        { AckRate: flat(2, 30) },
      ),
    },
  ])("stays quiet when $situation", ({ broker, lag }) => {
    // Act
    const { judged, findings } = detectConsumerLag(broker, "orders.created", lag, detection.consumerLag);

    // Assess
    expect(findings).toEqual([]);
    expect(judged).toEqual([`consumer-lag|${broker.name}|orders.created`]);
  });
});

describe("detectConsumerLag on the RabbitMQ 4.x broker-wide path with parked dead letters (regression)", () => {
  // The module's TSDoc: "Dead-letter queues are judged only on growth: holding old messages without
  // consumers is normal." Broker-wide, MessageReadyCount includes every dead-letter queue, so a
  // quiet broker with a few parked dead letters looks like "consumers attached, no acks, backlog":
  // a critical stall, the kind remediation may reboot for. The per-queue RabbitMQ stall rule
  // avoids this by requiring the ready count to rise every minute; the broker-wide path does not.
  it("stays quiet when traffic pauses and the only ready messages are parked", () => {
    // Prepare
    const lag = lagSeriesForBroker({
      MessageReadyCount: series(noisy(30, 10, 20), flat(12, 10)),
      ConsumerCount: flat(8, 30),
      AckRate: series(noisy(6, 2, 20), flat(0, 10)),
      PublishRate: series(noisy(6, 2, 20), flat(0, 10)),
    });

    // Act
    const { findings } = detectConsumerLag(rabbitMqBroker, null, lag, detection.consumerLag);

    // Assess
    expect(findings).toEqual([]);
  });
});

describe("detectResourcePressure on RabbitMQ free disk (regressions)", () => {
  const limits = { RabbitMQMemLimit: 3.2 * GIB, RabbitMQDiskFreeLimit: 1 * GIB };

  // config.ts `fillForecastHorizonMinutes`: "Forecast store and disk exhaustion within this horizon
  // (a steady fill)", and the Gauge `forecast` flag reads "storage only". The disk gauge is built
  // with `forecast: false`, so a disk filling steadily towards the alarm raises nothing until free
  // space is already below 2x the limit.
  it("warns with a forecast when free disk falls steadily towards the disk limit", () => {
    // Prepare: 6 GiB -> 2.2 GiB free over 20 minutes (0.2 GiB a minute): the 1 GiB alarm in ~6 minutes.
    const obs = observation(rabbitMqBroker, {
      series: { RabbitMQDiskFree: series(flat(8 * GIB, 10), ramp(6 * GIB, 2.2 * GIB, 20)) },
      limits,
    });

    // Act
    const { findings } = detectResourcePressure(obs, detection.resources);

    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ resource: "disk", condition: "disk-filling", severity: Severity.warning });
    expect(findings[0]?.evidence.minutesToFull).not.toBeNull();
  });

  // config.ts: "warn below this multiple of the free-disk limit, critical below the second".
  // The comparison is inclusive (floor >= 100 / ratio), so free space exactly at the multiple
  // already raises the level meant for "below" it.
  it.each([
    { situation: "exactly 2x the limit free is a warning", free: 2 * GIB, expected: ["disk-high"] },
    { situation: "just above 2x the limit free raises nothing", free: 2.05 * GIB, expected: [] as string[] },
    { situation: "exactly 1.1x the limit free is critical", free: 1.1 * GIB, expected: ["disk-critical"] },
    { situation: "just above 1.1x the limit free is a warning", free: 1.15 * GIB, expected: ["disk-high"] },
  ])(
    "treats the disk ratios as inclusive bounds (config: warn at or below 2x, critical at or below 1.1x): $situation",
    ({ free, expected }) => {
      // Prepare
      const obs = observation(rabbitMqBroker, { series: { RabbitMQDiskFree: flat(free, 30) }, limits });

      // Act
      const { findings } = detectResourcePressure(obs, detection.resources);

      // Assess
      expect(findings.map((f) => f.condition)).toEqual(expected);
    },
  );
});
