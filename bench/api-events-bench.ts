import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Context } from "aws-lambda";
import { makeApiActivityHandler } from "../functions/api-activity";
import { RecordingLog } from "../shared/adapters/recording-log";
import { apiActivityDeps, buildDeps } from "../shared/build-deps";
import { DEFAULT_CONFIG } from "../shared/core/config";
import { medianOf, quantileOf } from "../shared/core/series";
import type { Clock } from "../shared/ports";
import { parseScenario } from "../shared/sim/scenario";
import { SimulatedAccount } from "../shared/sim/simulated-account";
import { simulatedDeps, simulatedEnvironment } from "../shared/sim/simulated-deps";

/**
 * Throughput of the api-activity handler: every EventBridge event of the library's API scenarios
 * (denied bursts, risky changes, read traffic, malformed and attacker-shaped events), replayed with
 * fresh ids until `count` events have gone through one warm handler, as one Lambda container would
 * take them. Wired by `buildDeps` as the deployed function is, against a simulated account: memory
 * stores, and Slack messages rendered and posted to the simulated webhook, so the figure is
 * mq-sentinel's own work per event; a deployed function adds the DynamoDB and Slack round trips.
 */

export type ApiEventsBenchResult = Awaited<ReturnType<typeof benchApiEvents>>;

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
  // Slack only (no SNS topic), the one destination the figure has always included.
  const env = { ...simulatedEnvironment(account.scenario, DEFAULT_CONFIG), topicArn: null };
  const deps = buildDeps({ ...simulatedDeps(account, env, new RecordingLog()), clock });
  const handler = makeApiActivityHandler(apiActivityDeps(deps));
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
