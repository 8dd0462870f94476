/**
 * The metric scenarios of the library (`amq-*`, `rmq*-*`, `mixed-*`): brokers whose CloudWatch series show
 * a problem a careful operator would want to be told about, or a busy-but-healthy day that must stay quiet.
 * Each definition draws its data from the simulated account and writes its expectation by hand with the
 * words of ./dsl.ts; `why` says how the window was chosen (it goes to the README).
 */
import { activeMqConnectionLimit, rabbitMqLimits } from "../../shared/core/instance-limits";
import { DeploymentMode, MINUTE_MS } from "../../shared/core/types";
import {
  ACCOUNT_ID,
  AMQ_LARGE_LIMIT,
  type BrokerEntry,
  busyAmqQueues,
  busyRmqQueues,
  cloudTrailEnvelope,
  leakingHeap,
  type MetricSeries,
  REGION,
  RMQ_NODE,
  rmqQueue,
} from "./amazon-mq";
import {
  At,
  BrokerUnhealthy,
  ConnectionExhaustion,
  ConsumerLag,
  ResourcePressure,
  SHARP_WINDOW,
  Sharp,
  Slow,
  StateChange,
  visibleAt,
  Want,
} from "./dsl";
import { clamp, drift, firstIndex, firstSustained, gcSawtooth, iso, nth, pct, piecewise, type Rng, seq, steps, traffic, uuid } from "./kit";
import {
  amq,
  amqProblem,
  consumersUntil,
  deadLetters,
  drawAmq,
  drawRmq,
  drawStory,
  healthy,
  idle,
  type MetricStory,
  publishesUntil,
  rmq,
  rmqProblem,
  stalledFrom,
} from "./metric-story";
import { amqQueue } from "./queue-model";

const RMQ4_M7G_LARGE_SINGLE = rabbitMqLimits({ engineVersion: "4.2", instanceType: "mq.m7g.large", deploymentMode: DeploymentMode.single });

/** What a metric scenario's `build` returns: its story with the brokers drawn and their series. */
export type BuiltMetricScenario = Omit<MetricStory, "brokers"> & { brokers: BrokerEntry[]; metrics: MetricSeries[] };

/** A metric scenario: `build(rng, n, start)` draws `n` minutes from the stream named by the scenario. */
export interface MetricScenario {
  name: string;
  durationMinutes: number;
  start?: string;
  /** What the scenario means (its `description`). */
  meaning: string;
  build(rng: Rng, n: number, start: string): BuiltMetricScenario;
}

/**
 * A metric scenario's definition: its brokers and expectations as data, or, where its problem is a drawn
 * series the expectation is read from, a `story` that draws it (from the scenario's stream) first.
 */
type MetricDefinition = Omit<MetricScenario, "build"> & (MetricStory | { story(rng: Rng, n: number, start: string): MetricStory });

/** A CloudTrail "AWS API Call via CloudTrail" EventBridge event for an Amazon MQ call by a platform admin. */
function cloudTrailEvent(
  rng: Rng,
  o: {
    start: string;
    minute: number;
    eventName: string;
    broker: BrokerEntry;
    principal: string;
    requestParameters: unknown;
    responseElements: unknown;
  },
) {
  const time = iso(Date.parse(o.start) + o.minute * MINUTE_MS + rng.int(3, 55) * 1000);
  const sessionStart = iso(Date.parse(o.start) - rng.int(5, 90) * MINUTE_MS);
  const id = uuid(rng);
  return cloudTrailEnvelope(id, time, {
    eventVersion: "1.09",
    userIdentity: {
      type: "AssumedRole",
      principalId: `AROAEXAMPLEPLATFORM:${o.principal}`,
      arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/platform-admin/${o.principal}`,
      accountId: ACCOUNT_ID,
      sessionContext: {
        sessionIssuer: {
          type: "Role",
          principalId: "AROAEXAMPLEPLATFORM",
          arn: `arn:aws:iam::${ACCOUNT_ID}:role/platform-admin`,
          accountId: ACCOUNT_ID,
          userName: "platform-admin",
        },
        attributes: { creationDate: sessionStart, mfaAuthenticated: "true" },
      },
    },
    eventTime: time,
    eventSource: "amazonmq.amazonaws.com",
    eventName: o.eventName,
    awsRegion: REGION,
    sourceIPAddress: "10.40.12.7",
    userAgent: "aws-cli/2.17.0 md/awscrt#0.20.11 ua/2.0 os/linux#6.1 md/arch#x86_64",
    requestParameters: o.requestParameters,
    responseElements: o.responseElements,
    requestID: uuid(rng),
    eventID: uuid(rng),
    readOnly: false,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: ACCOUNT_ID,
    eventCategory: "Management",
    resources: [{ accountId: ACCOUNT_ID, type: "AWS::AmazonMQ::Broker", ARN: o.broker.describe.BrokerArn }],
  });
}

const SINGLE_STAGING = { deployment: "SINGLE_INSTANCE", environment: "staging" };

/** Publishers of a RabbitMQ broker whose memory alarm blocks them at the minutes `blockedAt` (PublishRate ~0). */
function blockedPublishers(rng: Rng, n: number, blockedAt: readonly number[], queues: { name: string; rate: number; consumers: number }[]) {
  return queues.map((q) => ({
    ...q,
    publish: traffic(rng.fork(`${q.name}/publish`), n, { base: q.rate, amp: 0.25 }).map((v, i) =>
      blockedAt.includes(i) ? Math.round(v * 0.02) : v,
    ),
  }));
}

/** Connections that jump at `onset` from about `from` to about `to` (held under `cap`) and stay there. */
function jumpingConnections(rng: Rng, n: number, o: { sigma: number; corr: number; onset: number; from: number; to: number; cap: number }) {
  const noise = drift(rng.fork("connections"), n, o.sigma, o.corr);
  return seq(n, (i) => (i < o.onset ? Math.round(o.from + nth(noise, i)) : Math.min(o.cap, Math.round(o.to + nth(noise, i)))));
}

/**
 * Healthy ActiveMQ queues through a reboot: nothing is sent or consumed while the broker is `down`, then
 * producers send what they buffered (`surge` x the rate) at minute `resume`.
 */
function throughReboot(rng: Rng, n: number, o: { down: (i: number) => boolean; resume: number; amp: number; surge: number }) {
  return (name: string, rate: number, consumers: number) =>
    healthy(name, rate, consumers, {
      enqueue: traffic(rng.fork(`${name}/enqueue`), n, {
        base: rate,
        amp: o.amp,
        extraBursts: [{ at: o.resume, size: rate * o.surge, len: 2 }],
      }).map((v, i) => (o.down(i) ? 0 : v)),
      consumerSeries: seq(n, (i) => (o.down(i) ? 0 : consumers)),
    });
}

/** RabbitMQ connections that leak from `onset`: flat at `from`, then a ramp to `to`, held under `cap`. */
function leakingConnections(rng: Rng, n: number, o: { sigma: number; from: number; onset: number; to: [number, number]; cap: number }) {
  const noise = drift(rng.fork("connections"), n, o.sigma, 0.6);
  return piecewise(n, [[0, o.from], [o.onset, o.from], o.to]).map((v, i) => Math.min(o.cap, Math.round(v + nth(noise, i))));
}

const DEFINITIONS: MetricDefinition[] = [
  // ----------------------------------------------------------------------- ActiveMQ: positives
  {
    name: "amq-no-consumers",
    durationMinutes: 60,
    meaning:
      "All 4 consumers of `payment.settle` disconnect at minute 23 and never return; producers keep sending, so the backlog grows every minute.",
    brokers: [
      amq("billing-events-41", [
        amqProblem(
          "payment.settle",
          { base: 140, amp: 0.25, period: 35, bursts: 1, burstPeak: 1.2 },
          { consumers: consumersUntil(4, 23), perConsumer: 85 },
        ),
        healthy("invoice.render", 60, 3),
        healthy("audit.log", 90, 2),
      ]),
    ],
    expect: [Want(Sharp(23), ConsumerLag("billing-events-41", "payment.settle"))],
    why: "Sharp: datapoint 23 is the first with ConsumerCount 0 and a backlog (visible at 25); +10.",
  },
  {
    name: "amq-stalled-consumers",
    durationMinutes: 70,
    meaning:
      "The 5 consumers of `score.requests` stay connected but stop acknowledging at minute 19 (a downstream deadlock): DequeueCount 0, InFlightCount stuck at the 250-message prefetch, backlog and EnqueueTime climb.",
    brokers: [
      amq("risk-engine-27", [
        amqProblem(
          "score.requests",
          { base: 260, amp: 0.3, period: 40, bursts: 1, burstPeak: 1.3 },
          { consumers: 5, perConsumer: 120, prefetch: 50, stalled: stalledFrom(19) },
        ),
        healthy("audit.log", 80, 3),
        healthy("model.refresh", 12, 1),
      ]),
    ],
    expect: [Want(Sharp(19), ConsumerLag("risk-engine-27", "score.requests"))],
    why: "Sharp: datapoint 19 is the first with consumers attached, zero dequeues and a growing backlog (visible at 21); +10.",
  },
  {
    name: "amq-slow-consumer",
    durationMinutes: 75,
    meaning:
      "From minute 14 the consumers of `shipping.label` slow down (a downstream API got slower): dequeues continue at ~140/min but stay 20-50/min below the enqueue rate, so the backlog grows every minute for an hour.",
    story(rng, n) {
      const onset = 14;
      const enqueue = traffic(rng.fork("shipping.label/enqueue"), n, { base: 178, amp: 0.07, period: 30, noise: 0.03 });
      const gapNoise = drift(rng.fork("shipping.label/gap"), n, 6, 0.7);
      const gap = seq(n, (i) => Math.round(clamp(35 + 9 * Math.sin(i / 7) + nth(gapNoise, i), 20, 50)));
      const label = amqQueue(rng.fork("shipping.label"), n, {
        name: "shipping.label",
        enqueue,
        consumers: 4,
        capacity: seq(n, (i) => (i < onset ? 178 * 2.2 : nth(enqueue, i) - nth(gap, i))),
      });
      const queues = [() => label, healthy("pick.list", 90, 3), healthy("returns.process", 25, 2)];
      return {
        brokers: [amq("fulfilment-52", queues, { describe: { slowConsumers: true } })],
        expect: [Want(Slow(onset, onset + 20), ConsumerLag("fulfilment-52", "shipping.label"))],
        why: "Slow: from = the first minute of growth (datapoint 14, visible 16). to = 20 minutes of growth without a single dip (~700 messages and climbing): no careful operator would wait longer.",
      };
    },
  },
  {
    name: "amq-dlq-growing",
    durationMinutes: 65,
    meaning:
      "A bad producer release at minute 16 sends messages that always fail: after the redelivery limit they land in the individual dead-letter queue `DLQ.orders`, which grows by 3-9 a minute from then on. The `orders` queue itself stays healthy.",
    story(rng, n) {
      const poisonRng = rng.fork("poison");
      const poison = seq(n, (i) => (i < 16 ? 0 : poisonRng.int(3, 9)));
      const queues = [
        healthy("orders", 220, 6),
        healthy("payments", 130, 4),
        deadLetters("DLQ.orders", { held: 12, restingEnqueueTime: 84213, arriving: poison }),
      ];
      return {
        brokers: [amq("orders-core-18", queues, { describe: { dlqPrefix: "DLQ." } })],
        expect: [Want(Sharp(16), ConsumerLag("orders-core-18", "DLQ.orders"))],
        why: "Sharp: the dead-letter queue had held 12 old messages unchanged; datapoint 16 is the first new dead letter (visible 18) and it grows every minute after; +10.",
      };
    },
  },
  {
    name: "amq-connection-leak",
    durationMinutes: 85,
    meaning:
      "A client release at minute 10 leaks OpenWire connections: CurrentConnectionsCount climbs ~19 a minute from ~540 towards the 2,000 per-protocol limit with no drop.",
    story(rng, n) {
      const onset = 10;
      const limit = AMQ_LARGE_LIMIT;
      const noise = drift(rng.fork("leak"), n, 7, 0.5);
      const connections = piecewise(n, [
        [0, 540],
        [onset, 540],
        [n - 1, 1965],
      ]).map((v, i) => Math.min(limit - 8, Math.round(v + nth(noise, i))));
      const heap = gcSawtooth(rng.fork("heap"), n, {
        floor: (i) => 33 + (nth(connections, Math.min(i, n - 1)) - 540) * 0.005,
        peak: (i) => 60 + (nth(connections, Math.min(i, n - 1)) - 540) * 0.005,
        rise: 2.8,
      });
      const at90 = firstIndex(connections, (v) => v >= 0.9 * limit);
      const queues = [healthy("telemetry.ingest", 400, 8), healthy("device.commands", 50, 2), healthy("alerts", 15, 2)];
      return {
        brokers: [amq("iot-gateway-63", queues, { model: { connections, heap, limit } })],
        expect: [Want(Slow(onset, at90), ConnectionExhaustion("iot-gateway-63"))],
        why: `Slow: from = the first minute of the climb (datapoint ${onset}). to = the datapoint where it passes 90% of the limit (${at90}); the limit itself is ~10 minutes further on.`,
      };
    },
  },
  {
    name: "amq-connection-jump-micro",
    durationMinutes: 60,
    meaning:
      "On an mq.t3.micro (300 connections per protocol) a deploy with a broken pool setting opens connections at minute 26: CurrentConnectionsCount jumps from ~70 to ~290 (97%) and stays there.",
    story(rng, n) {
      const connections = jumpingConnections(rng, n, { sigma: 2.5, corr: 0.5, onset: 26, from: 72, to: 290, cap: 296 });
      const queues = [healthy("cache.invalidate", 40, 2), healthy("session.events", 25, 2)];
      return {
        brokers: [
          amq("edge-cache-05", queues, {
            describe: { instance: "mq.t3.micro", environment: "staging" },
            model: { connections, limit: activeMqConnectionLimit("mq.t3.micro"), cpuBase: 18 },
          }),
        ],
        expect: [Want(Sharp(26), ConnectionExhaustion("edge-cache-05"))],
        why: "Sharp: datapoint 26 is the first at 97% of the 300 limit (visible 28); +10. (mq.t3.micro is single-instance only, hence a staging broker.)",
      };
    },
  },
  {
    name: "amq-cpu-saturated",
    durationMinutes: 75,
    meaning:
      "A consumer with a non-indexed selector makes the broker scan the queue: CpuUtilization jumps to 96-99.6% at minute 21 and stays there for 42 minutes before a fix brings it back.",
    story(rng, n) {
      const [onset, end] = [21, 63];
      const cpuRng = rng.fork("cpu");
      const cpuNoise = drift(rng.fork("cpu-noise"), n, 1.2, 0.7);
      const cpu = seq(n, (i) =>
        i >= onset && i < end ? pct(Math.min(99.6, 96.3 + cpuRng.uniform(0, 3.3))) : pct(17 + nth(cpuNoise, i) + (i >= end ? 5 : 0)),
      );
      const queues = [healthy("index.update", 300, 6, { headroom: 1.9 }), healthy("index.rebuild", 40, 2)];
      return {
        brokers: [amq("search-index-44", queues, { model: { cpu } })],
        expect: [Want(Sharp(onset), ResourcePressure("search-index-44", "cpu"))],
        why: "Sharp: datapoint 21 is the first above 95% (visible 23) and it never drops below for 42 minutes; +10.",
      };
    },
  },
  {
    name: "amq-heap-floor-climbing",
    durationMinutes: 80,
    meaning:
      "A memory leak in the broker: from minute 15 the post-GC heap floor climbs ~1.5 points a minute from ~34% to ~93%, GC runs every 1-2 minutes and peaks reach 99% (producer flow control imminent). Queues are healthy.",
    story(rng, n) {
      const onset = 15;
      const { heap } = leakingHeap(rng.fork("heap"), n, onset, 1.55);
      const floorAbove90 = firstSustained(heap, (v) => v >= 90, 5);
      const queues = [healthy("push.send", 180, 4), healthy("email.send", 60, 3), healthy("sms.send", 20, 2)];
      return {
        brokers: [amq("notifications-36", queues, { model: { heap } })],
        expect: [Want(Slow(onset, floorAbove90), ResourcePressure("notifications-36", "heap"))],
        why: `Slow: from = the first minute the floor rises (datapoint ${onset}). to = the first datapoint after which heap has not been below 90% for 5 minutes (${floorAbove90}): the floor is then unmistakably above 90%.`,
      };
    },
  },
  {
    name: "amq-store-filling",
    durationMinutes: 70,
    meaning:
      "An offline durable subscriber on topic `archive.events` retains every message, so StorePercentUsage climbs from 40% to 97% between minutes 12 and 52 (at 100% the broker refuses messages). Queue metrics stay healthy.",
    story(rng, n) {
      const onset = 12;
      const noise = drift(rng.fork("store"), n, 0.18, 0.5);
      const store = piecewise(n, [
        [0, 40.2],
        [onset, 40.4],
        [52, 97],
      ]).map((v, i) => pct(Math.min(97.8, v + nth(noise, i))));
      const at90 = firstIndex(store, (v) => v >= 90);
      const queues = [healthy("archive.write", 150, 3), healthy("archive.index", 60, 2)];
      return {
        brokers: [amq("archive-sink-29", queues, { model: { store } })],
        expect: [Want(Slow(onset, at90), ResourcePressure("archive-sink-29", "store"))],
        why: `Slow: from = the first minute of the climb (datapoint ${onset}). to = the datapoint where the store passes 90% (${at90}), about 5 minutes before it would be full at that rate.`,
      };
    },
  },
  {
    name: "amq-temp-store-jump",
    durationMinutes: 60,
    meaning:
      "A slow subscriber on a non-persistent market-data topic makes the broker spool to the temp store: TempPercentUsage jumps from <1% to 96% at minute 22 and stays.",
    story(rng, n) {
      const tempRng = rng.fork("temp");
      const temp = seq(n, (i) =>
        i < 22 ? pct(0.4 + tempRng.uniform(-0.12, 0.12)) : i === 22 ? 58.4 : pct(95.6 + tempRng.uniform(0, 1.5)),
      );
      const queues = [healthy("quotes.snapshot", 500, 6), healthy("orders.route", 80, 3)];
      return {
        brokers: [amq("market-data-71", queues, { model: { temp } })],
        expect: [Want(Sharp(22), ResourcePressure("market-data-71", "temp-store"))],
        why: "Sharp: datapoint 22 jumps to 58% and the next to 96% (visible from 24); +10.",
      };
    },
  },
  {
    name: "amq-critical-action-required",
    durationMinutes: 50,
    meaning:
      "At minute 18 the broker's state changes from RUNNING to CRITICAL_ACTION_REQUIRED (running but degraded, needs an operator); its metrics look normal.",
    brokers: [
      amq("ledger-sync-58", [healthy("ledger.entries", 120, 3), healthy("ledger.reconcile", 30, 2)], {
        stateChanges: [{ at: 18, BrokerState: "CRITICAL_ACTION_REQUIRED" }],
      }),
    ],
    expect: [Want(StateChange(18), BrokerUnhealthy("ledger-sync-58"))],
    why: "State change: DescribeBroker shows it from minute 18 (no publish delay); +10.",
  },
  {
    name: "amq-metrics-stopped",
    durationMinutes: 60,
    meaning:
      "Two brokers. `loyalty-points-47` is RUNNING but every one of its series stops at minute 27 (no datapoints from either node); `checkout-api-12` next to it keeps publishing, so it is not a CloudWatch-wide outage.",
    brokers: [
      amq("checkout-api-12", [healthy("checkout.completed", 160, 4), healthy("cart.abandoned", 35, 2)]),
      amq("loyalty-points-47", [healthy("points.accrue", 110, 3), healthy("points.redeem", 20, 2), healthy("tier.recalculate", 8, 1)], {
        nodeOf: publishesUntil(27),
      }),
    ],
    expect: [Want(Sharp(27), BrokerUnhealthy("loyalty-points-47"))],
    why: "Sharp: datapoint 27 is the first missing one (it would have been visible at 29) and none follows; +10.",
  },
  {
    name: "amq-metrics-stopped-single",
    durationMinutes: 50,
    meaning: "The only broker in the account is RUNNING but all its series stop at minute 21 and never resume.",
    brokers: [amq("tax-calc-90", [healthy("tax.quote", 210, 4), healthy("tax.filing", 15, 2)], { nodeOf: publishesUntil(21) })],
    expect: [Want(Sharp(21), BrokerUnhealthy("tax-calc-90"))],
    why: "Sharp: datapoint 21 is the first missing one (would have been visible at 23); +10.",
  },
  {
    name: "amq-reboot-stuck",
    durationMinutes: 75,
    meaning:
      "A reboot starts at minute 12 and hangs: the broker stays REBOOT_IN_PROGRESS for 40 minutes with no metrics, then comes back RUNNING on node -2 at minute 52 (data from minute 54).",
    story(rng, n) {
      const [start, back, dataBack] = [12, 52, 54];
      const down = (i: number) => i >= start && i < dataBack;
      // clients buffer while the broker is down and send it all once it is back
      const queue = throughReboot(rng, n, { down, resume: dataBack, amp: 0.25, surge: 1.6 });
      const stateChanges = [
        { at: start, BrokerState: "REBOOT_IN_PROGRESS" },
        { at: back, BrokerState: "RUNNING" },
      ];
      const nodeOf = (i: number) => (i < start ? 1 : i < dataBack ? null : 2);
      return {
        brokers: [amq("claims-intake-33", [queue("claims.submitted", 150, 4), queue("claims.documents", 45, 2)], { stateChanges, nodeOf })],
        expect: [Want(At(start + 20).within(SHARP_WINDOW), BrokerUnhealthy("claims-intake-33"))],
        why: "A reboot normally takes a few minutes (rebootMinutes 3; the maintenance-reboot scenario takes 4), so REBOOT_IN_PROGRESS alone is not wrong. At start + 20 it is clearly longer than any normal reboot; +10.",
      };
    },
  },
  {
    name: "amq-throttled-then-stall",
    durationMinutes: 60,
    meaning:
      "GetMetricData is throttled for half the calls in minutes 10-14 (the monitor must survive and catch up); later, at minute 25, the consumers of `quote.requests` stall with a growing backlog.",
    brokers: [
      amq("quote-engine-24", [
        amqProblem(
          "quote.requests",
          { base: 190, amp: 0.3, period: 38, bursts: 1, burstPeak: 1.2 },
          { consumers: 4, perConsumer: 110, prefetch: 100, stalled: stalledFrom(25) },
        ),
        healthy("quote.audit", 70, 2),
      ]),
    ],
    faults: [{ operation: "cloudwatch:GetMetricData", from: 10, to: 14, error: "ThrottlingException", rate: 0.5 }],
    expect: [Want(Sharp(25), ConsumerLag("quote-engine-24", "quote.requests"))],
    why: "Sharp: datapoint 25 is the first with attached consumers, zero dequeues and a backlog (visible 27); +10. The throttling window ends long before and must cause no incident.",
  },
  {
    name: "amq-partial-data-then-stall",
    durationMinutes: 60,
    meaning:
      "CloudWatch answers every GetMetricData call of minutes 15-45 with StatusCode PartialData (the older half of each query's datapoints; the rest behind a NextToken); at minute 25 the consumers of `invoice.render` stall with a growing backlog.",
    brokers: [
      amq("billing-docs-31", [
        amqProblem(
          "invoice.render",
          { base: 140, amp: 0.25, period: 42, bursts: 1, burstPeak: 1.3 },
          { consumers: 3, perConsumer: 110, prefetch: 100, stalled: stalledFrom(25) },
        ),
        healthy("invoice.email", 60, 2),
      ]),
    ],
    faults: [{ operation: "cloudwatch:GetMetricData", from: 15, to: 45, error: "status:PartialData" }],
    expect: [Want(Sharp(25), ConsumerLag("billing-docs-31", "invoice.render"))],
    why: "Sharp: datapoint 25 is the first with attached consumers, zero dequeues and a backlog (visible 27); +10. PartialData only delays the newest minutes to the NextToken's call: the data is all there, so the stall is as visible as without it.",
  },
  {
    name: "amq-metrics-stopped-behind-internal-error",
    durationMinutes: 60,
    meaning:
      "CloudWatch answers every GetMetricData call of minutes 20-28 with StatusCode InternalError (no datapoints); behind it, at minute 24, every series of `fx-rates-58` stops for good. `fx-quotes-59` next to it publishes throughout.",
    brokers: [
      amq("fx-quotes-59", [healthy("quotes.stream", 240, 5), healthy("quotes.audit", 25, 1)]),
      amq("fx-rates-58", [healthy("rates.publish", 90, 3), healthy("rates.snapshot", 12, 1)], { nodeOf: publishesUntil(24) }),
    ],
    faults: [{ operation: "cloudwatch:GetMetricData", from: 20, to: 28, error: "status:InternalError" }],
    expect: [Want(At(29).within(SHARP_WINDOW), BrokerUnhealthy("fx-rates-58"))],
    why: "Datapoint 24 is the first missing one, but nothing can be read until CloudWatch answers again at 29: that is when the silence is visible (and already 5 minutes old); +10. The InternalError minutes themselves are not a silence.",
  },

  // ----------------------------------------------------------------------- ActiveMQ: quiet
  {
    name: "amq-quiet-bursty",
    durationMinutes: 90,
    meaning:
      "Busy, bursty traffic on three queues: bursts of 2-3x the rate build backlogs of a few hundred messages that drain within a few minutes every time.",
    brokers: [
      amq(
        "clickstream-22",
        [
          healthy("page.views", 350, 6, { bursts: 4, burstPeak: 2.6, headroom: 2.0 }),
          healthy("cart.events", 120, 3, { bursts: 3, burstPeak: 2.8, headroom: 2.4 }),
          healthy("search.events", 200, 4, { bursts: 2, burstPeak: 2.4, headroom: 2.0 }),
        ],
        { model: { connBase: 640 } },
      ),
    ],
    expect: [],
    why: "Every backlog reaches 0 within minutes of its burst.",
  },
  {
    name: "amq-quiet-batch-dump",
    durationMinutes: 70,
    meaning:
      "A nightly report job dumps 5,000 messages into `reports.batch` at minute 31; its 4 consumers (~1,200/min) drain it in about 5 minutes.",
    story(rng, n) {
      const enqueue = traffic(rng.fork("reports.batch/enqueue"), n, { base: 40, amp: 0.3 }).map((v, i) => (i === 31 ? v + 5000 : v));
      const batch = amqQueue(rng.fork("reports.batch"), n, {
        name: "reports.batch",
        enqueue,
        consumers: 4,
        perConsumer: 300,
        prefetch: 200,
      });
      const queues = [() => batch, healthy("reports.export", 20, 2), healthy("reports.schedule", 6, 1)];
      return {
        brokers: [amq("reporting-08", queues)],
        expect: [],
        why: "The dump drains at full consumer speed in ~5 minutes; dequeues never stop.",
      };
    },
  },
  {
    name: "amq-quiet-redeploy",
    durationMinutes: 75,
    meaning:
      "A redeploy drops the 3 consumers of `profile.updated` for minutes 40-41; the backlog of two minutes' traffic drains within 2 minutes of their return. `profile.search-sync` has a rolling restart (4-3-2-3-4 consumers) at the same time.",
    story(_rng, n) {
      const queues = [
        {
          name: "profile.updated",
          rate: 110,
          consumers: 3,
          headroom: 2.4,
          consumerSeries: steps(n, 3, [
            [40, 0],
            [42, 3],
          ]),
        },
        {
          name: "profile.search-sync",
          rate: 70,
          consumers: 4,
          consumerSeries: steps(n, 4, [
            [40, 3],
            [41, 2],
            [43, 3],
            [44, 4],
          ]),
        },
        healthy("profile.avatar", 12, 1),
      ];
      return {
        brokers: [amq("profile-service-61", queues)],
        expect: [],
        why: "Consumers are gone for 2 minutes only and the backlog is back to 0 by minute ~44.",
      };
    },
  },
  {
    name: "amq-quiet-idle-queues",
    durationMinutes: 60,
    meaning:
      "Three queues with no consumers, no producers and no messages (a nightly job queue outside its hour, an ad-hoc job queue, an unused reply queue) next to one small active queue.",
    brokers: [
      amq(
        "batch-scheduler-14",
        [healthy("jobs.trigger", 30, 2), idle("jobs.nightly"), idle("jobs.adhoc", { enqueueTime: 7 }), idle("rpc.reply.idle")],
        { model: { connBase: 60 } },
      ),
    ],
    expect: [],
    why: "No consumers but also nothing waiting: nothing is wrong.",
  },
  {
    name: "amq-quiet-dlq-static",
    durationMinutes: 70,
    meaning:
      "`ActiveMQ.DLQ` holds 142 old dead letters from last week, no consumer, and receives nothing new during the whole window; the live queues are healthy.",
    brokers: [
      amq("payments-ledger-77", [
        healthy("payments.capture", 140, 4),
        healthy("payments.refund", 18, 2),
        deadLetters("ActiveMQ.DLQ", { held: 142, restingEnqueueTime: 2160000 }),
      ]),
    ],
    expect: [],
    why: "A non-empty DLQ is history, not an incident, as long as it does not grow.",
  },
  {
    name: "amq-quiet-cpu-spikes",
    durationMinutes: 75,
    meaning:
      "A scheduled price import makes CPU spike to ~98% for 2 minutes at minutes 14, 38 and 61, each with a burst of messages that drains at once; otherwise CPU sits around 20%.",
    story(rng, n) {
      const spikes = [14, 38, 61];
      const cpuRng = rng.fork("cpu");
      const cpuNoise = drift(rng.fork("cpu-noise"), n, 1.3, 0.7);
      const cpu = seq(n, (i) =>
        spikes.some((s) => i === s || i === s + 1) ? pct(97.2 + cpuRng.uniform(0, 1.4)) : pct(20 + nth(cpuNoise, i)),
      );
      const queues = [
        { name: "prices.import", rate: 60, consumers: 4, headroom: 6, extraBursts: spikes.map((s) => ({ at: s, size: 260, len: 2 })) },
        healthy("prices.publish", 140, 3),
      ];
      return {
        brokers: [amq("pricing-rules-39", queues, { model: { cpu } })],
        expect: [],
        why: "Two-minute spikes that return to normal are not saturation.",
      };
    },
  },
  {
    name: "amq-quiet-gc-sawtooth",
    durationMinutes: 90,
    meaning:
      "A healthy JVM: HeapUsage climbs from ~35% to ~88% and the collector brings it back to ~35% every 12-18 minutes; the post-GC floor does not move.",
    story(rng, n) {
      const heap = gcSawtooth(rng.fork("heap"), n, { floor: 35, peak: 90.5, rise: 3.6, jitter: 0.5 });
      const queues = [healthy("catalog.items", 260, 5), healthy("catalog.prices", 90, 3), healthy("catalog.images", 30, 2)];
      return {
        brokers: [amq("catalog-sync-85", queues, { model: { heap } })],
        expect: [],
        why: "High peaks with a flat floor are how a JVM works; only a rising floor is a leak.",
      };
    },
  },
  {
    name: "amq-quiet-planned-failover",
    durationMinutes: 70,
    meaning:
      "A planned failover at minute 32: every `hr-events-53-1` series stops and the `-2` series start at minute 33 (one minute with neither); clients reconnect within 2 minutes, the broker stays RUNNING.",
    story(rng, n) {
      const switchAt = 32;
      // every queue's consumers drop at the switch and reconnect to the other node within two minutes
      const reconnecting = (name: string, rate: number, consumers: number, changes: [number, number][]) => ({
        name,
        rate,
        consumers,
        consumerSeries: steps(n, consumers, [[switchAt, 0], ...changes.map(([k, c]): [number, number] => [switchAt + k, c])]),
      });
      const queues = [
        reconnecting("employee.changed", 90, 3, [
          [1, 2],
          [2, 3],
        ]),
        reconnecting("payroll.events", 50, 2, [[1, 2]]),
        reconnecting("badge.access", 140, 3, [[1, 3]]),
      ];
      const connNoise = drift(rng.fork("connections"), n, 4, 0.6);
      const reconnect = (i: number) => (i < switchAt ? 1 : i === switchAt ? 0 : i === switchAt + 1 ? 0.62 : i === switchAt + 2 ? 0.93 : 1);
      const connections = seq(n, (i) => Math.round((310 + nth(connNoise, i)) * reconnect(i)));
      const h1 = gcSawtooth(rng.fork("heap-1"), n, { floor: 34, peak: 61, rise: 2.7 });
      const h2 = gcSawtooth(rng.fork("heap-2"), n, { floor: 27, peak: 58, rise: 2.5, startFraction: 0.1 });
      const heap = seq(n, (i) => (i <= switchAt ? nth(h1, i) : nth(h2, i - switchAt - 1)));
      const cpuNoise = drift(rng.fork("cpu"), n, 1.1, 0.7);
      const cpu = seq(n, (i) => pct(14 + nth(cpuNoise, i) + (i === switchAt + 1 ? 28 : i === switchAt + 2 ? 9 : 0)));
      const nodeOf = (i: number) => (i < switchAt ? 1 : i === switchAt ? null : 2);
      return {
        brokers: [amq("hr-events-53", queues, { model: { connections, heap, cpu }, nodeOf })],
        expect: [],
        why: "Metrics moving to the other node of an active/standby pair is a failover, not an outage.",
      };
    },
  },
  {
    name: "amq-quiet-maintenance-reboot",
    durationMinutes: 60,
    start: "2026-03-01T02:40:00Z",
    meaning:
      "The Sunday 03:00 UTC maintenance window reboots the broker: REBOOT_IN_PROGRESS at minute 20, RUNNING again at minute 24; `-1` publishes nothing for minutes 20-23, then clients reconnect and a small burst of buffered messages drains.",
    story(rng, n) {
      const [start, back] = [20, 24];
      const down = (i: number) => i >= start && i < back;
      const queue = throughReboot(rng, n, { down, resume: back, amp: 0.2, surge: 1.5 });
      const connNoise = drift(rng.fork("connections"), n, 3, 0.6);
      const connections = seq(n, (i) => (down(i) ? 0 : Math.round((230 + nth(connNoise, i)) * (i === back ? 0.7 : 1))));
      const h1 = gcSawtooth(rng.fork("heap-before"), n, { floor: 33, peak: 60, rise: 2.6 });
      const h2 = gcSawtooth(rng.fork("heap-after"), n, { floor: 26, peak: 57, rise: 2.4, startFraction: 0 });
      const heap = seq(n, (i) => (i < back ? nth(h1, i) : nth(h2, i - back)));
      const stateChanges = [
        { at: start, BrokerState: "REBOOT_IN_PROGRESS" },
        { at: back, BrokerState: "RUNNING" },
      ];
      const queues = [queue("stock.moves", 120, 4), queue("pick.confirm", 60, 2), queue("labels.print", 20, 1)];
      const nodeOf = (i: number) => (down(i) ? null : 1);
      return {
        brokers: [amq("warehouse-mq-17", queues, { model: { connections, heap }, stateChanges, nodeOf })],
        expect: [],
        why: "A 4-minute reboot in the maintenance window, with the matching metrics gap, is routine.",
      };
    },
  },
  {
    name: "amq-quiet-morning-ramp",
    durationMinutes: 90,
    start: "2026-03-02T06:30:00Z",
    meaning:
      "The morning rush: from minute 15 to 50 connections rise from ~400 (20% of the 2,000 limit) to ~900 (45%) as clients come online and traffic more than doubles, then everything levels off.",
    story(rng, n) {
      const level = piecewise(n, [
        [0, 1],
        [15, 1],
        [50, 2.25],
      ]);
      const noise = drift(rng.fork("connections"), n, 6, 0.6);
      const connections = seq(n, (i) => Math.round(400 * nth(level, i) + nth(noise, i)));
      const rising = (name: string, rate: number, consumers: number) => ({
        name,
        rate,
        consumers,
        base: (i: number) => rate * nth(level, i),
        headroom: 4.6,
        amp: 0.12,
      });
      const queues = [rising("trips.booked", 120, 4), rising("payments.authorise", 80, 3), rising("push.notify", 200, 4)];
      return {
        brokers: [amq("commuter-app-26", queues, { model: { connections, cpuBase: 12 } })],
        expect: [],
        why: "A rise that levels off at 45% of the limit is load, not a leak.",
      };
    },
  },
  {
    name: "amq-quiet-missing-datapoints",
    durationMinutes: 80,
    meaning:
      "Healthy traffic with CloudWatch gaps: ~3% of datapoints missing at random, plus two single minutes (24 and 57) where the whole broker published nothing.",
    story(rng, n) {
      const gaps = [24, 57];
      const broker = drawAmq(rng, n, {
        name: "metering-48",
        queues: [healthy("usage.records", 300, 5), healthy("usage.rollup", 40, 2), healthy("billing.export", 10, 1)],
        nodeOf: (i) => (gaps.includes(i) ? null : 1),
      });
      const holes = rng.fork("holes");
      for (const m of broker.metrics) m.values = m.values.map((v) => (holes.chance(0.03) ? null : v));
      return {
        brokers: [broker],
        expect: [],
        why: "Isolated missing datapoints and one-minute gaps are CloudWatch noise; data always resumes the next minute.",
      };
    },
  },
  {
    name: "amq-quiet-ignored-broker",
    durationMinutes: 60,
    meaning:
      "`fraud-sandbox-56` is tagged `mq-sentinel:ignore=true` and has a real stall on `score.requests` from minute 15; `fraud-scoring-55` beside it is healthy. The ignored broker must produce nothing.",
    brokers: [
      amq("fraud-scoring-55", [healthy("score.requests", 240, 5), healthy("score.feedback", 40, 2)]),
      amq(
        "fraud-sandbox-56",
        [
          (rng, n) =>
            amqQueue(rng.fork("score.requests"), n, {
              name: "score.requests",
              enqueue: traffic(rng.fork("enqueue"), n, { base: 60, amp: 0.3 }),
              consumers: 2,
              perConsumer: 80,
              prefetch: 100,
              stalled: stalledFrom(15),
            }),
          healthy("score.feedback", 10, 1),
        ],
        { describe: { environment: "sandbox", tags: { "mq-sentinel:ignore": "true" } } },
      ),
    ],
    expect: [],
    why: "The operator opted the sandbox broker out; the other broker is healthy.",
  },
  {
    name: "amq-quiet-describe-errors",
    durationMinutes: 60,
    meaning: "mq:DescribeBroker fails with InternalServiceError for every call in minutes 15-19; both brokers are healthy throughout.",
    brokers: [
      amq("inventory-sync-32", [healthy("stock.level", 180, 4), healthy("stock.reserve", 60, 2)]),
      amq("inventory-sync-33", [healthy("stock.level", 160, 4), healthy("stock.audit", 20, 1)]),
    ],
    faults: [{ operation: "mq:DescribeBroker", from: 15, to: 19, error: "InternalServiceError" }],
    expect: [],
    why: "An API error of the monitor's own is not a broker problem (it belongs in `errors`).",
  },
  {
    name: "amq-quiet-cloudwatch-internal-error",
    durationMinutes: 70,
    meaning:
      "CloudWatch answers every GetMetricData call of minutes 20-26, and every second call of minutes 40-49, with StatusCode InternalError for every query (no datapoints); both brokers (active/standby pairs) are healthy throughout.",
    brokers: [
      amq("catalog-sync-61", [
        healthy("catalog.updates", 150, 4),
        healthy("catalog.images", 40, 2),
        idle("catalog.replay", { consumers: 1 }),
      ]),
      amq("search-index-62", [healthy("index.documents", 210, 5), healthy("index.deletes", 18, 1)]),
    ],
    faults: [
      { operation: "cloudwatch:GetMetricData", from: 20, to: 26, error: "status:InternalError" },
      { operation: "cloudwatch:GetMetricData", from: 40, to: 49, error: "status:InternalError", rate: 0.5 },
    ],
    expect: [],
    why: "Metrics CloudWatch could not read are not a silent broker: they are reported as not read (in `errors`) and nothing is judged on them.",
  },
  {
    name: "amq-quiet-broker-deleted",
    durationMinutes: 60,
    meaning:
      "An operator deletes the decommissioned `legacy-orders-09` at minute 30 (DeleteBroker event, DELETION_IN_PROGRESS, metrics stop at 31, gone from minute 34); `orders-v2-10` carries on healthy.",
    story(rng, n, start) {
      const del = 30;
      const legacy = drawAmq(rng.fork("legacy-orders-09"), n, {
        name: "legacy-orders-09",
        queues: [healthy("orders.legacy", 4, 1, { bursts: 0 }), idle("orders.legacy.reply")],
        model: { connBase: 12 },
        nodeOf: (i) => (i <= del ? 1 : null),
        stateChanges: [{ at: del, BrokerState: "DELETION_IN_PROGRESS" }],
        deletedAt: del + 4,
      });
      const event = cloudTrailEvent(rng.fork("event"), {
        start,
        minute: del,
        eventName: "DeleteBroker",
        broker: legacy.entry,
        principal: "jane.ops",
        requestParameters: { brokerId: legacy.entry.describe.BrokerId },
        responseElements: { brokerId: legacy.entry.describe.BrokerId },
      });
      const current = amq("orders-v2-10", [healthy("orders", 200, 5), healthy("orders.reply", 60, 2)]);
      return {
        brokers: [legacy, current],
        events: [{ at: del, event }],
        expect: [],
        why: "A deliberate deletion ends a broker's metrics; nothing for the metric detectors to raise (the DeleteBroker risky-change is not scored here).",
      };
    },
  },

  // ----------------------------------------------------------------------- RabbitMQ: positives
  {
    name: "rmq-no-consumers",
    durationMinutes: 60,
    meaning:
      "The 3 consumers of `invoice.generate` disappear at minute 22 (their service crashed) while publishers continue: MessageReadyCount climbs ~90 a minute, ConsumerCount 0.",
    brokers: [
      rmq("notify-cluster-19", [
        rmqProblem(
          "invoice.generate",
          { base: 90, amp: 0.25, bursts: 1, burstPeak: 1.2 },
          { consumers: consumersUntil(3, 22), perConsumer: 70, prefetch: 50 },
        ),
        healthy("email.send", 200, 4),
        healthy("webhook.dispatch", 60, 2),
      ]),
    ],
    expect: [Want(Sharp(22), ConsumerLag("notify-cluster-19", "invoice.generate"))],
    why: "Sharp: datapoint 22 is the first with ConsumerCount 0 and ready messages (visible 24); +10.",
  },
  {
    name: "rmq-stalled-consumers",
    durationMinutes: 65,
    meaning:
      "The 4 consumers of `orders.process` stay attached but stop acking at minute 18: MessageReadyCount rises every minute, MessageUnacknowledgedCount sits flat at the 1,000-message prefetch total, and the broker's AckRate drops to 0 (the only other busy queue, `telemetry.fanout`, is consumed in auto-ack mode).",
    brokers: [
      rmq("orders-rabbit-42", [
        rmqProblem(
          "orders.process",
          { base: 360, amp: 0.25, bursts: 1, burstPeak: 1.2 },
          { consumers: 4, perConsumer: 210, prefetch: 250, procSeconds: 1.5, stalled: stalledFrom(18) },
        ),
        healthy("telemetry.fanout", 600, 2, { autoAck: true }),
        (rng, n) =>
          rmqQueue(rng.fork("reports.idle"), n, { name: "reports.idle", publish: seq(n, () => 0), consumers: 1, perConsumer: 50 }),
      ]),
    ],
    expect: [Want(Sharp(18), ConsumerLag("orders-rabbit-42", "orders.process"))],
    why: "Sharp: datapoint 18 is the first with no acks, unacked pinned at the prefetch and ready growing (visible 20); +10.",
  },
  {
    name: "rmq-memory-watermark",
    durationMinutes: 80,
    meaning:
      "Memory climbs from ~33% of RabbitMQMemLimit at minute 10 to the high watermark by minute 50 and stays at 95-100%; twice it touches the limit and the memory alarm blocks publishers for a minute (PublishRate ~0).",
    story(rng, n) {
      const onset = 10;
      const hover = rng.fork("hover");
      const blockedAt = [58, 67];
      const memNoise = drift(rng.fork("memory"), n, 0.005, 0.8);
      const memFraction = piecewise(n, [
        [0, 0.33],
        [onset, 0.332],
        [50, 0.965],
      ]).map((v, i) => (blockedAt.includes(i) ? 1.003 : i > 50 ? 0.955 + hover.uniform(0, 0.04) : v + nth(memNoise, i)));
      const queues = [healthy("session.write", 420, 4), healthy("session.expire", 80, 2), healthy("presence.update", 260, 3)];
      const at90 = firstIndex(memFraction, (v) => v >= 0.9);
      return {
        brokers: [rmq("session-store-66", blockedPublishers(rng, n, blockedAt, queues), { model: { memFraction } })],
        expect: [Want(Slow(onset, at90), ResourcePressure("session-store-66", "memory"))],
        why: `Slow: from = the first minute of the climb (datapoint ${onset}). to = the datapoint where it passes 90% of the limit (${at90}).`,
      };
    },
  },
  {
    name: "rmq-disk-free-low",
    durationMinutes: 80,
    meaning:
      "Quorum-queue segment files are not being reclaimed: from minute 8 RabbitMQDiskFree falls from 3.1x RabbitMQDiskFreeLimit to ~1.04x by minute 55 and hovers just above the limit (at the limit the disk alarm blocks every publisher). Queue depths are normal.",
    story(rng, n) {
      const onset = 8;
      const noise = drift(rng.fork("disk"), n, 0.012, 0.8);
      const hover = rng.fork("hover");
      const diskFreeRatio = piecewise(n, [
        [0, 3.1],
        [onset, 3.09],
        [55, 1.04],
      ]).map((v, i) => (i > 55 ? 1.02 + hover.uniform(0, 0.05) : v + nth(noise, i)));
      const below = firstIndex(diskFreeRatio, (v) => v < 1.1);
      const queues = [healthy("ledger.append", 380, 4), healthy("ledger.snapshot", 30, 1), healthy("ledger.audit", 120, 2)];
      return {
        brokers: [rmq("ledger-stream-23", queues, { model: { diskFreeRatio } })],
        expect: [Want(Slow(onset, below), ResourcePressure("ledger-stream-23", "disk"))],
        why: `Slow: from = the first minute of the fall (datapoint ${onset}). to = the datapoint where free disk drops below 1.1x the limit (${below}).`,
      };
    },
  },
  {
    name: "rmq-connection-limit",
    durationMinutes: 80,
    meaning:
      "A mobile backend opens a connection per request and never closes it: from minute 10 ConnectionCount climbs from ~4,300 to ~14,550 (97% of the cluster's 3 x 5,000) by minute 55 and holds there.",
    story(rng, n) {
      const onset = 10;
      const connections = leakingConnections(rng, n, { sigma: 35, from: 4300, onset, to: [55, 14550], cap: 14640 });
      const at90 = firstIndex(connections, (v) => v >= 0.9 * (3 * RMQ_NODE.connections));
      const queues = [healthy("push.ios", 500, 6), healthy("push.android", 700, 6), healthy("push.receipts", 150, 2)];
      return {
        brokers: [rmq("mobile-push-81", queues, { model: { connections, channelsPerConnection: 1.25 } })],
        expect: [Want(Slow(onset, at90), ConnectionExhaustion("mobile-push-81"))],
        why: `Slow: from = the first minute of the climb (datapoint ${onset}). to = the datapoint where it passes 90% of the 15,000 limit (${at90}).`,
      };
    },
  },
  {
    name: "rmq-single-instance-connection-jump",
    durationMinutes: 60,
    meaning:
      "A single-instance (staging) broker, limit 5,000 connections: a load test at minute 24 opens connections and ConnectionCount jumps from ~1,100 to ~4,850 (97%) and stays.",
    story(rng, n) {
      const connections = jumpingConnections(rng, n, { sigma: 18, corr: 0.6, onset: 24, from: 1100, to: 4850, cap: 4930 });
      const queues = [healthy("partner.requests", 240, 4), healthy("partner.callbacks", 80, 2)];
      return {
        brokers: [
          rmq("partner-api-rmq-07", queues, {
            describe: SINGLE_STAGING,
            model: { nodes: 1, connections, channelsPerConnection: 1.2 },
          }),
        ],
        expect: [Want(Sharp(24), ConnectionExhaustion("partner-api-rmq-07"))],
        why: "Sharp: datapoint 24 is the first at 97% of the single node's 5,000 (visible 26); +10.",
      };
    },
  },

  {
    name: "rmq4-connection-ramp-m7g-large",
    durationMinutes: 80,
    meaning:
      "RabbitMQ 4.2 on a single-instance mq.m7g.large with the default resource limits, where RabbitMQ refuses clients at 1,500 connections per node (not the 5,000 of RabbitMQ 3 on the same size). A client release at minute 12 leaks connections: ConnectionCount climbs ~18 a minute from ~420 to ~1,480 by minute 70 and holds there. Its configuration revision sets other keys, no connection_max.",
    story(rng, n) {
      const onset = 12;
      const connections = leakingConnections(rng, n, { sigma: 9, from: 420, onset, to: [70, 1480], cap: 1490 });
      const at80 = firstIndex(connections, (v) => v >= 0.8 * RMQ4_M7G_LARGE_SINGLE.connections.perNode);
      const configuration = ["# orders-rmq4-12: platform defaults", "consumer_timeout = 1800000", "max_message_size = 1048576", ""].join(
        "\n",
      );
      const queues = [healthy("orders.created", 300, 4), healthy("orders.fulfilled", 120, 2)];
      return {
        brokers: [
          rmq("orders-rmq4-12", queues, {
            describe: { ...SINGLE_STAGING, engineVersion: "4.2", instance: "mq.m7g.large", configuration },
            model: { nodes: 1, connections, channelsPerConnection: 1.3 },
            queueMetrics: false,
          }),
        ],
        expect: [Want(Slow(onset, at80 - 1), ConnectionExhaustion("orders-rmq4-12"))],
        why: `Slow: from = the first minute of the climb (datapoint ${onset}). to = the last minute before a datapoint at 80% of the 1,500 default is visible (datapoint ${at80} reaches ${connections[at80]}): the point of knowing the RabbitMQ 4 limit is to warn before that.`,
      };
    },
  },
  {
    name: "rmq4-unknown-instance-type",
    durationMinutes: 80,
    meaning:
      "DescribeBroker names an instance type mq-sentinel's tables do not know: `mq.m8g.large` (a hypothetical next generation, 2 vCPU like mq.m7g.large; Amazon MQ's RabbitMQ 4 single-instance defaults are 750 connections per vCPU, so it too refuses clients at 1,500 per node). RabbitMQ 4.2, single instance, default limits. From minute 15 a client leaks connections: ConnectionCount climbs ~19 a minute from ~380 to ~1,470 by minute 72.",
    story(rng, n) {
      const onset = 15;
      const connections = leakingConnections(rng, n, { sigma: 9, from: 380, onset, to: [72, 1470], cap: 1485 });
      const at80 = firstIndex(connections, (v) => v >= 0.8 * 1500);
      const queues = [healthy("transcode.jobs", 90, 3), healthy("transcode.done", 90, 1)];
      return {
        brokers: [
          rmq("media-transcode-rmq4-33", queues, {
            describe: {
              ...SINGLE_STAGING,
              engineVersion: "4.2",
              instance: "mq.m8g.large",
              configuration: "# media-transcode: no overrides\n",
            },
            model: { nodes: 1, connections, channelsPerConnection: 1.1 },
            queueMetrics: false,
          }),
        ],
        expect: [Want(Slow(onset, at80 - 1), ConnectionExhaustion("media-transcode-rmq4-33"))],
        why: `Slow: from = the first minute of the climb (datapoint ${onset}). to = the last minute before 80% of the 1,500 limit is visible (datapoint ${at80}). An unknown instance type must not turn connection detection off.`,
      };
    },
  },
  {
    name: "rmq-cluster-node-memory-alarm",
    durationMinutes: 80,
    meaning:
      "A 3-node cluster where the leader of the busiest classic queues lives on one node: from minute 12 that node's memory climbs from ~36% of its high watermark to ~97% by minute 50 and then hovers at 95-100%; twice (minutes 58 and 67) it crosses the watermark and its memory alarm blocks publishers cluster-wide (PublishRate ~0). The other two nodes stay at ~30%, so the broker-level totals never pass ~56%.",
    story(rng, n) {
      const onset = 12;
      const blockedAt = [58, 67];
      const hover = rng.fork("hover");
      const noise = drift(rng.fork("hot-node"), n, 0.004, 0.8);
      const hot = piecewise(n, [
        [0, 0.36],
        [onset, 0.362],
        [50, 0.97],
      ]).map((v, i) => (blockedAt.includes(i) ? 1.002 : i > 50 ? 0.952 + hover.uniform(0, 0.04) : v + nth(noise, i)));
      const queues = [healthy("prices.update", 520, 5), healthy("prices.snapshot", 60, 1), healthy("quotes.request", 240, 3)];
      const broker = drawRmq(rng, n, {
        name: "pricing-cluster-48",
        queues: blockedPublishers(rng, n, blockedAt, queues),
        nodes: { memFraction: [hot] },
      });
      const at90 = firstIndex(hot, (v) => v >= 0.9);
      const totals = broker.model.broker.RabbitMQMemUsed.map((u, i) => u / nth(broker.model.broker.RabbitMQMemLimit, i));
      if (Math.max(...totals) > 0.6) throw new Error("rmq-cluster-node-memory-alarm: " + "the cluster's total must look fine (<= 60%)");
      return {
        brokers: [broker],
        expect: [Want(Slow(onset, at90), ResourcePressure("pricing-cluster-48", "memory"))],
        why: `Slow: from = the first minute of the hot node's climb (datapoint ${onset}). to = the datapoint where that node passes 90% of its watermark (${at90}); the broker-level total never passes ${Math.round(Math.max(...totals) * 100)}%.`,
      };
    },
  },

  // ----------------------------------------------------------------------- RabbitMQ: quiet
  {
    name: "rmq4-quiet-connection-max-raised",
    durationMinutes: 70,
    meaning:
      "RabbitMQ 4.2 on a single-instance mq.m7g.large (default limit 1,500 connections per node) whose configuration revision raises connection_max to 3,000 and channel_max_per_node to 9,000 (generic lines, plus a section for mq.m7g.xlarge that does not apply to it). ConnectionCount holds ~1,400 all along: 93% of the default, 47% of the configured limit.",
    story(rng, n) {
      const noise = drift(rng.fork("connections"), n, 14, 0.6);
      const connections = seq(n, (i) => Math.round(1400 + nth(noise, i)));
      const configuration = [
        "# Raised after the Q3 load test (OPS-2214)",
        "connection_max = 3000",
        "channel_max_per_node = 9000",
        "",
        "{{m7g.xlarge.1}}",
        "connection_max = 6000",
        "{{m7g.xlarge.1}}",
        "",
      ].join("\n");
      const queues = [healthy("ledger.post", 260, 4), healthy("ledger.reconcile", 40, 1)];
      return {
        brokers: [
          rmq("ledger-api-rmq4-06", queues, {
            describe: { ...SINGLE_STAGING, engineVersion: "4.2", instance: "mq.m7g.large", configuration },
            model: { nodes: 1, connections, channelsPerConnection: 1.4 },
            queueMetrics: false,
          }),
        ],
        expect: [],
        why: "The broker's own configuration allows 3,000 connections: ~1,400 is under half of it, steady.",
      };
    },
  },
  {
    name: "rmq-quiet-cluster-uneven-nodes",
    durationMinutes: 70,
    meaning:
      "A healthy RabbitMQ 4.2 cluster on mq.m7g.xlarge (default 1,000 connections per node) whose load is uneven: the node holding the busiest queue leaders runs at ~62% memory, ~55% CPU, ~4x its free-disk limit and ~600 of its 1,000 connections; the other two nodes are lighter (~45% and ~31% memory).",
    story(rng, n) {
      const around = (r: Rng, base: number, sigma: number) => {
        const d = drift(r, n, sigma, 0.8);
        return seq(n, (i) => base + nth(d, i));
      };
      const queues = [healthy("search.index", 700, 6), healthy("search.reindex", 80, 2), healthy("search.suggest", 240, 3)];
      const nodes = {
        connShare: [0.5, 0.3, 0.2],
        memFraction: [around(rng.fork("m0"), 0.62, 0.01), around(rng.fork("m1"), 0.45, 0.01), around(rng.fork("m2"), 0.31, 0.008)],
        diskFreeRatio: [around(rng.fork("d0"), 4.0, 0.03), around(rng.fork("d1"), 12, 0.05), around(rng.fork("d2"), 20, 0.05)],
        cpu: [around(rng.fork("c0"), 55, 3).map(pct), around(rng.fork("c1"), 32, 3).map(pct), around(rng.fork("c2"), 18, 2).map(pct)],
        counts: true,
      };
      return {
        brokers: [
          rmq("search-cluster-62", queues, {
            describe: {
              engineVersion: "4.2",
              instance: "mq.m7g.xlarge",
              configuration: "# search-cluster: defaults\nmax_message_size = 4194304\n",
            },
            model: { connBase: 1200, connSigma: 10 },
            nodes,
            queueMetrics: false,
          }),
        ],
        expect: [],
        why: "Uneven is not unhealthy: every node stays well inside its own memory, disk, CPU and connection limits.",
      };
    },
  },
  {
    name: "rmq-quiet-busy-bursts",
    durationMinutes: 90,
    meaning:
      "A busy, healthy 3-node cluster: four queues with waves and bursts of 2-3x that drain within minutes; ~2,400 connections of 15,000, memory ~30%, plenty of disk.",
    brokers: [
      rmq(
        "events-hub-57",
        [
          healthy("events.ingest", 900, 8, { bursts: 3, burstPeak: 2.5, headroom: 2.0 }),
          healthy("events.enrich", 400, 4, { bursts: 2, burstPeak: 2.6, headroom: 2.0 }),
          healthy("events.archive", 250, 2, { bursts: 2, burstPeak: 2.2, headroom: 2.1 }),
          healthy("events.alerts", 25, 2, { bursts: 1, burstPeak: 3 }),
        ],
        { model: { connBase: 2400, connSigma: 30 } },
      ),
    ],
    expect: [],
    why: "Every backlog drains; every resource is far from its limit.",
  },
  {
    name: "rmq-quiet-redeploy",
    durationMinutes: 70,
    meaning:
      "A redeploy removes the consumers of `billing.charge` for minutes 33-34; ~2 minutes of messages wait as ready and are gone by minute 37.",
    story(_rng, n) {
      const charge = {
        name: "billing.charge",
        rate: 160,
        consumers: 3,
        headroom: 2.4,
        consumerSeries: steps(n, 3, [
          [33, 0],
          [35, 3],
        ]),
      };
      const queues = [charge, healthy("billing.receipt", 90, 2), healthy("billing.dunning", 15, 1)];
      return {
        brokers: [rmq("billing-rabbit-35", queues)],
        expect: [],
        why: "Consumers are back within 2 minutes and the queue drains right away.",
      };
    },
  },

  // ----------------------------------------------------------------------- one problem queue hidden among many busy ones
  // A broker's totals are dominated by dozens of busy, bursty queues; one small queue goes wrong. Its
  // backlog moves the totals by less than their noise, so only reading the queues shows it.
  {
    name: "amq-hidden-stall-busy",
    durationMinutes: 80,
    meaning:
      "A busy broker with 24 bursty queues (50-400 messages a minute, bursts of 2-3x that drain within minutes) and one small queue, `invoice.pdf` (~15 a minute): its 2 consumers stay connected but stop acknowledging at minute 28. Its backlog grows ~15 a minute, less than the total backlog's minute-to-minute noise.",
    brokers: [
      amq(
        "commerce-hub-14",
        [
          (rng, n) => busyAmqQueues(rng, n, 24),
          amqProblem(
            "invoice.pdf",
            { base: 15, amp: 0.2, period: 30, noise: 0.15 },
            { consumers: 2, perConsumer: 20, prefetch: 10, stalled: stalledFrom(28) },
          ),
        ],
        { model: { connBase: 900 } },
      ),
    ],
    expect: [Want(Sharp(28), ConsumerLag("commerce-hub-14", "invoice.pdf"))],
    why: "Sharp: datapoint 28 is the first with consumers attached, nothing dequeued and the backlog growing (visible at 30); +10. The broker's totals do not show it: only the queue's own backlog does.",
  },
  {
    name: "amq-hidden-slow-busy",
    durationMinutes: 85,
    meaning:
      "The same kind of busy broker (24 bursty queues); from minute 20 the consumer of the small queue `ledger.export` (~50 a minute) slows down: it keeps dequeuing, 14-22 a minute fewer than arrive, so its backlog grows every minute, by less than the totals' noise.",
    story(rng, n) {
      const onset = 20;
      const enqueue = traffic(rng.fork("ledger.export/enqueue"), n, { base: 50, amp: 0.08, period: 30, noise: 0.04 });
      const gapRng = rng.fork("ledger.export/gap");
      const gap = seq(n, () => gapRng.int(14, 22));
      const ledger = amqQueue(rng.fork("ledger.export"), n, {
        name: "ledger.export",
        enqueue,
        consumers: 1,
        capacity: seq(n, (i) => (i < onset ? 50 * 2.2 : Math.max(1, nth(enqueue, i) - nth(gap, i)))),
      });
      return {
        brokers: [
          amq("finance-hub-77", [() => busyAmqQueues(rng, n, 24), () => ledger], {
            describe: { slowConsumers: true },
            model: { connBase: 860 },
          }),
        ],
        expect: [Want(Slow(onset, onset + 20), ConsumerLag("finance-hub-77", "ledger.export"))],
        why: "Slow: from = the first minute of growth (datapoint 20, visible 22). to = 20 minutes of growth without a dip (~360 messages and climbing).",
      };
    },
  },
  {
    name: "rmq-hidden-stall-busy",
    durationMinutes: 80,
    meaning:
      "A busy RabbitMQ cluster with 20 bursty queues (100-900 messages a minute) and one small queue, `audit.sign` (~25 a minute, 2 consumers, prefetch 20): at minute 30 its consumers stop acking. Ready messages grow ~25 a minute and its unacknowledged count sits at the 40-message prefetch total; the other queues keep the broker's AckRate high, so the data cannot tell this stall from consumers that still ack a little.",
    brokers: [
      rmq(
        "platform-rabbit-09",
        [
          (rng, n) => busyRmqQueues(rng, n, 20),
          rmqProblem(
            "audit.sign",
            { base: 25, amp: 0.2, period: 30, noise: 0.15 },
            { consumers: 2, perConsumer: 30, prefetch: 20, stalled: stalledFrom(30) },
          ),
        ],
        { model: { connBase: 2600, connSigma: 30 } },
      ),
    ],
    expect: [Want(Sharp(30), ConsumerLag("platform-rabbit-09", "audit.sign"))],
    why: "Sharp: datapoint 30 is the first with unacked pinned at the prefetch and ready growing (visible 32); +10. The broker's AckRate stays high (the other queues), so only the queue's own series show it (as consumers not keeping up).",
  },
  {
    name: "amq-quiet-busy-many-queues",
    durationMinutes: 90,
    meaning:
      "A busy, healthy broker with 30 bursty queues (50-400 messages a minute, several bursts each of 2-3x that drain within minutes) and a few small ones: the total backlog jumps around by hundreds every few minutes.",
    brokers: [
      amq("retail-hub-31", [(rng, n) => busyAmqQueues(rng, n, 30), healthy("receipts.small", 12, 1), healthy("refunds.small", 6, 1)], {
        model: { connBase: 980 },
      }),
    ],
    expect: [],
    why: "Every backlog drains within minutes of its burst; a noisy total is not a problem.",
  },

  // ----------------------------------------------------------------------- both engines
  {
    name: "mixed-amq-rmq-two-problems",
    durationMinutes: 70,
    meaning:
      "One account, two engines, one problem each: on ActiveMQ `orders-amq-31` messages start dead-lettering into `ActiveMQ.DLQ` at minute 20; on RabbitMQ `events-rmq-31` memory climbs from minute 15 to ~96% of the limit by minute 58.",
    story(rng, n) {
      const [dlqOnset, memOnset] = [20, 15];
      const dlqRng = rng.fork("dlq");
      const arriving = seq(n, (i) => (i < dlqOnset ? 0 : dlqRng.int(2, 8)));
      // drawn from the scenario's stream, not the broker's
      const dlq = deadLetters("ActiveMQ.DLQ", { held: 3, restingEnqueueTime: 51200, arriving })(rng, n);
      const memNoise = drift(rng.fork("memory"), n, 0.005, 0.8);
      const hover = rng.fork("hover");
      const memFraction = piecewise(n, [
        [0, 0.3],
        [memOnset, 0.302],
        [58, 0.962],
      ]).map((v, i) => (i > 58 ? 0.952 + hover.uniform(0, 0.035) : v + nth(memNoise, i)));
      const at90 = firstIndex(memFraction, (v) => v >= 0.9);
      const amqQueues = [healthy("orders.created", 190, 4), healthy("orders.shipped", 70, 2), () => dlq];
      const rmqQueues = [healthy("events.ingest", 500, 5), healthy("events.notify", 120, 2)];
      return {
        brokers: [amq("orders-amq-31", amqQueues), rmq("events-rmq-31", rmqQueues, { model: { memFraction } })],
        expect: [
          Want(Sharp(dlqOnset), ConsumerLag("orders-amq-31", "ActiveMQ.DLQ")),
          Want(Slow(memOnset, at90), ResourcePressure("events-rmq-31", "memory")),
        ],
        why: `DLQ: sharp, first new dead letter at datapoint ${dlqOnset} (visible ${visibleAt(dlqOnset)}); +10. Memory: slow, from the start of the climb (datapoint ${memOnset}) to where it passes 90% of the limit (${at90}).`,
      };
    },
  },
];

export const METRIC_SCENARIOS: MetricScenario[] = DEFINITIONS.map((def) => {
  const { name, durationMinutes, start, meaning } = def;
  return {
    name,
    durationMinutes,
    ...(start ? { start } : {}),
    meaning,
    build: (rng, n, at) => drawStory(rng, n, "story" in def ? def.story(rng, n, at) : def),
  };
});
