import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { MqClient } from "@aws-sdk/client-mq";
import middy from "@middy/core";
import type { Context, ScheduledEvent } from "aws-lambda";
import { CloudWatchMetricSource } from "../shared/adapters/cloudwatch-metric-source";
import { ConsoleNotifier } from "../shared/adapters/console-notifier";
import { DynamoDbIncidentStore } from "../shared/adapters/dynamodb-incident-store";
import { MemoryIncidentStore } from "../shared/adapters/memory-incident-store";
import { MqBrokerInventory } from "../shared/adapters/mq-broker-inventory";
import { PowertoolsLog } from "../shared/adapters/powertools-log";
import { type CycleReport, createFetchSchedule, type MetricsCycleDeps, runMetricsCycle } from "../shared/app/run-metrics-cycle";
import { readEnvironment } from "../shared/env";
import type { Clock } from "../shared/ports";

/** The poll-metrics Lambda: every minute, one metrics cycle. */
export function makePollMetricsHandler(deps: MetricsCycleDeps) {
  return middy(async (_event: ScheduledEvent, _context: Context): Promise<CycleReport> => runMetricsCycle(deps));
}

const wallClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/** Production dependencies, built once per container on the first invocation. */
function productionHandler() {
  const env = readEnvironment();
  const log = new PowertoolsLog();
  // Our adapters own retries (jittered, bounded): one SDK attempt each, so retries never compound.
  const sdk = { region: env.region, maxAttempts: 1 };
  const deps: MetricsCycleDeps = {
    inventory: new MqBrokerInventory(new MqClient(sdk), wallClock, log, { ttlMs: env.config.polling.inventoryTtlMinutes * 60_000 }),
    metrics: new CloudWatchMetricSource(new CloudWatchClient(sdk), wallClock, log),
    incidents: env.tableName ? new DynamoDbIncidentStore(new DynamoDBClient(sdk), env.tableName, wallClock) : new MemoryIncidentStore(),
    notifier: new ConsoleNotifier(log),
    clock: wallClock,
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
