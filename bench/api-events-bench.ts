import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MqClient } from "@aws-sdk/client-mq";
import type { Context } from "aws-lambda";
import { makeApiActivityHandler } from "../functions/api-activity";
import { MemoryApiActivityStore } from "../shared/adapters/memory-api-activity-store";
import { MemoryIncidentStore } from "../shared/adapters/memory-incident-store";
import { MemoryOptInRecords } from "../shared/adapters/memory-opt-in-records";
import { MemorySilenceStore } from "../shared/adapters/memory-silence-store";
import { MqBrokerDirectory } from "../shared/adapters/mq-broker-directory";
import { RecordingLog } from "../shared/adapters/recording-log";
import { DEFAULT_CONFIG } from "../shared/core/config";
import type { MessageGroup } from "../shared/core/notifications";
import { renderSlackMessage } from "../shared/core/render/slack-message";
import { medianOf, quantileOf } from "../shared/core/series";
import type { Clock, DeliveryResult, Notifier } from "../shared/ports";
import { parseScenario } from "../shared/sim/scenario";
import { routeToSimulator } from "../shared/sim/sdk-boundary";
import { SimulatedAccount } from "../shared/sim/simulated-account";

/**
 * Throughput of the api-activity handler: every EventBridge event of the library's API scenarios
 * (denied bursts, risky changes, read traffic, malformed and attacker-shaped events), replayed with
 * fresh ids until `count` events have gone through one warm handler, as one Lambda container would
 * take them. Stores are in memory and Slack messages are rendered but not sent, so the figure is
 * mq-sentinel's own work per event; a deployed function adds the DynamoDB round trips.
 */

export type ApiEventsBenchResult = Awaited<ReturnType<typeof benchApiEvents>>;

const CREDENTIALS = { accessKeyId: "SIMULATED", secretAccessKey: "SIMULATED" };

/** A Slack notifier without the network: renders each message group, as delivery would, and drops it. */
class RenderOnlyNotifier implements Notifier {
  readonly name = "slack";
  async send(group: MessageGroup): Promise<DeliveryResult> {
    return { ok: true, body: renderSlackMessage(group) };
  }
}

/** A clock that advances one second per event (bursts, windows and quiet periods still happen). */
class EventClock implements Clock {
  constructor(private at: number) {}
  now(): number {
    return this.at;
  }
  async sleep(ms: number): Promise<void> {
    this.at += ms;
  }
  tick(): void {
    this.at += 1_000;
  }
}

export async function benchApiEvents(scenarioDir: string, count = 5_000) {
  const scenarios = readdirSync(scenarioDir)
    .filter((f) => /^api-.*\.json$/.test(f))
    .map(
      (f) =>
        JSON.parse(readFileSync(join(scenarioDir, f), "utf8")) as {
          brokers: { describe: { BrokerId: string } }[];
          events?: { event: unknown }[];
        },
    );
  const events = scenarios.flatMap((s) => (s.events ?? []).map((e) => e.event));
  const brokers = [...new Map(scenarios.flatMap((s) => s.brokers).map((b) => [b.describe.BrokerId, b])).values()];
  const account = new SimulatedAccount(
    parseScenario({
      name: "api-events-bench",
      start: "2026-03-04T10:00:00Z",
      durationMinutes: 10_000,
      region: "us-east-1",
      brokers,
      metrics: [],
    }),
  );
  const clock = new EventClock(Date.parse("2026-03-04T10:00:00Z"));
  const mq = routeToSimulator(new MqClient({ region: "us-east-1", credentials: CREDENTIALS, maxAttempts: 1 }), "mq", account);
  const handler = makeApiActivityHandler({
    incidents: new MemoryIncidentStore(),
    activity: new MemoryApiActivityStore(),
    silences: new MemorySilenceStore(),
    optIns: new MemoryOptInRecords(),
    notifiers: [new RenderOnlyNotifier()],
    clock,
    log: new RecordingLog(),
    config: DEFAULT_CONFIG,
    links: { accountId: "123456789012", region: "us-east-1", brokerIds: {} },
    directory: new MqBrokerDirectory(mq, clock, 5 * 60_000),
    posture: { request: async () => {} },
  });
  const context = { invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:api-activity" } as Context;

  const durations: number[] = [];
  let transitions = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const template = events[i % events.length];
    // A fresh EventBridge id and CloudTrail id: the same event twice would be skipped as a duplicate.
    const event =
      template && typeof template === "object"
        ? { ...(template as Record<string, unknown>), id: `bench-${i}`, time: new Date(clock.now()).toISOString() }
        : template;
    const t0 = performance.now();
    try {
      const outcome = await handler(event, context);
      transitions += outcome.transitions.length;
    } catch {
      // A failed event would be retried by EventBridge; it still counts as work done.
    }
    durations.push(performance.now() - t0);
    clock.tick();
  }
  const wallMs = performance.now() - started;
  return {
    events: count,
    eventsPerSecond: Math.round((count / wallMs) * 1000),
    medianMs: Math.round((medianOf(durations) ?? 0) * 1000) / 1000,
    p99Ms: Math.round((quantileOf(durations, 0.99) ?? 0) * 1000) / 1000,
    transitions,
  };
}
