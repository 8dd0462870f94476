import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { MqClient } from "@aws-sdk/client-mq";
import middy from "@middy/core";
import type { Context, ScheduledEvent } from "aws-lambda";
import { CloudWatchMetricSource } from "../shared/adapters/cloudwatch-metric-source";
import { ConsoleNotifier } from "../shared/adapters/console-notifier";
import { DynamoDbApiActivityStore } from "../shared/adapters/dynamodb-api-activity-store";
import { DynamoDbIncidentStore } from "../shared/adapters/dynamodb-incident-store";
import { MemoryApiActivityStore } from "../shared/adapters/memory-api-activity-store";
import { MemoryIncidentStore } from "../shared/adapters/memory-incident-store";
import { MqBrokerInventory } from "../shared/adapters/mq-broker-inventory";
import { PowertoolsLog } from "../shared/adapters/powertools-log";
import { systemClock } from "../shared/adapters/system-clock";
import { type CycleReport, createFetchSchedule, type MetricsCycleDeps, runMetricsCycle } from "../shared/app/run-metrics-cycle";
import { type ApiSweepDeps, sweepApiIncidents } from "../shared/app/sweep-api-incidents";
import { readEnvironment } from "../shared/env";

export type PollMetricsDeps = MetricsCycleDeps & ApiSweepDeps;

/**
 * The poll-metrics Lambda, every minute: one metrics cycle, then the sweep that resolves API
 * incidents whose calls stopped (no event announces that, so the minute tick does).
 */
export function makePollMetricsHandler(deps: PollMetricsDeps) {
  return middy(async (_event: ScheduledEvent, _context: Context): Promise<CycleReport> => {
    const report = await runMetricsCycle(deps);
    const sweep = await sweepApiIncidents(deps);
    return { ...report, transitions: [...report.transitions, ...sweep.transitions], errors: [...report.errors, ...sweep.errors] };
  });
}

/** Production dependencies, built once per container on the first invocation. */
function productionHandler() {
  const env = readEnvironment();
  const log = new PowertoolsLog();
  // Our adapters own retries (jittered, bounded): one SDK attempt each, so retries never compound.
  const sdk = { region: env.region, maxAttempts: 1 };
  const dynamo = new DynamoDBClient(sdk);
  const deps: PollMetricsDeps = {
    inventory: new MqBrokerInventory(new MqClient(sdk), systemClock, log, { ttlMs: env.config.polling.inventoryTtlMinutes * 60_000 }),
    metrics: new CloudWatchMetricSource(new CloudWatchClient(sdk), systemClock, log),
    incidents: env.tableName ? new DynamoDbIncidentStore(dynamo, env.tableName, systemClock) : new MemoryIncidentStore(),
    activity: env.tableName ? new DynamoDbApiActivityStore(dynamo, env.tableName, systemClock) : new MemoryApiActivityStore(),
    notifier: new ConsoleNotifier(log),
    clock: systemClock,
    log,
    config: env.config,
    schedule: createFetchSchedule(env.config),
  };
  return makePollMetricsHandler(deps).use(injectLambdaContext(log.logger));
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing, so replay and tests can reuse the factory. */
export const handler = (event: ScheduledEvent, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
