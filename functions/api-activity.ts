import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { MqClient } from "@aws-sdk/client-mq";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { ConsoleNotifier } from "../shared/adapters/console-notifier";
import { DynamoDbApiActivityStore } from "../shared/adapters/dynamodb-api-activity-store";
import { DynamoDbIncidentStore } from "../shared/adapters/dynamodb-incident-store";
import { LoggingPostureRecheck } from "../shared/adapters/logging-posture-recheck";
import { MemoryApiActivityStore } from "../shared/adapters/memory-api-activity-store";
import { MemoryIncidentStore } from "../shared/adapters/memory-incident-store";
import { MqBrokerDirectory } from "../shared/adapters/mq-broker-directory";
import { PowertoolsLog } from "../shared/adapters/powertools-log";
import { systemClock } from "../shared/adapters/system-clock";
import { type ApiEventDeps, type ApiEventOutcome, handleApiEvent } from "../shared/app/handle-api-event";
import { readEnvironment } from "../shared/env";

/** The api-activity Lambda: one CloudTrail "AWS API Call via CloudTrail" event from EventBridge. */
export function makeApiActivityHandler(deps: ApiEventDeps) {
  // The event is attacker-shaped input: typed `unknown` and left to the parser.
  return middy(async (event: unknown, _context: Context): Promise<ApiEventOutcome> => handleApiEvent(deps, event));
}

/** Broker names are reused this long before ListBrokers runs again. */
const DIRECTORY_TTL_MS = 5 * 60_000;

function productionHandler() {
  const env = readEnvironment();
  const log = new PowertoolsLog();
  const sdk = { region: env.region, maxAttempts: 1 };
  const dynamo = new DynamoDBClient(sdk);
  const deps: ApiEventDeps = {
    activity: env.tableName ? new DynamoDbApiActivityStore(dynamo, env.tableName, systemClock) : new MemoryApiActivityStore(),
    directory: new MqBrokerDirectory(new MqClient(sdk), systemClock, DIRECTORY_TTL_MS),
    incidents: env.tableName ? new DynamoDbIncidentStore(dynamo, env.tableName, systemClock) : new MemoryIncidentStore(),
    notifier: new ConsoleNotifier(log),
    posture: new LoggingPostureRecheck(log),
    clock: systemClock,
    log,
    config: env.config,
  };
  return makeApiActivityHandler(deps).use(injectLambdaContext(log.logger));
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing. */
export const handler = (event: unknown, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
