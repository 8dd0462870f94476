import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import { SecretsManagerSecret, SsmParameterSecret } from "../shared/adapters/aws-secret";
import { ConsoleNotifier } from "../shared/adapters/console-notifier";
import { DynamoDbApiActivityStore } from "../shared/adapters/dynamodb-api-activity-store";
import { DynamoDbIncidentStore } from "../shared/adapters/dynamodb-incident-store";
import { DynamoDbSilenceStore } from "../shared/adapters/dynamodb-silence-store";
import { MemoryApiActivityStore } from "../shared/adapters/memory-api-activity-store";
import { MemoryIncidentStore } from "../shared/adapters/memory-incident-store";
import { MemoryOptInRecords } from "../shared/adapters/memory-opt-in-records";
import { MemorySilenceStore } from "../shared/adapters/memory-silence-store";
import { PowertoolsLog } from "../shared/adapters/powertools-log";
import { SlackNotifier } from "../shared/adapters/slack-notifier";
import { SnsNotifier } from "../shared/adapters/sns-notifier";
import { systemClock } from "../shared/adapters/system-clock";
import type { Config } from "../shared/core/config";
import type { MessageContext } from "../shared/core/notifications";
import { type Environment, readEnvironment } from "../shared/env";
import type { ApiActivityStore, Clock, IncidentStore, Log, Notifier, OptInRecords, SilenceStore } from "../shared/ports";

/** What every deployed function shares: settings, log, stores, notifiers. */
export interface ProductionRuntime {
  env: Environment;
  log: PowertoolsLog;
  /** SDK client settings: our adapters own retries (jittered, bounded), so one attempt each. */
  sdk: { region: string; maxAttempts: number };
  shared: {
    incidents: IncidentStore;
    activity: ApiActivityStore;
    silences: SilenceStore;
    optIns: OptInRecords;
    notifiers: Notifier[];
    clock: Clock;
    log: Log;
    config: Config;
    links: MessageContext;
    /** The table (null: in-memory stores) and its client, for the function-specific stores. */
    table: string | null;
    dynamo: DynamoDBClient;
  };
}

/** Builds the shared production dependencies from the environment (once per container). */
export function productionRuntime(): ProductionRuntime {
  const env = readEnvironment();
  const log = new PowertoolsLog();
  const sdk = { region: env.region, maxAttempts: 1 };
  const dynamo = new DynamoDBClient(sdk);
  const table = env.tableName;
  const notifiers: Notifier[] = [];
  if (env.slackWebhookSecret) {
    const secret = /^arn:aws[a-z-]*:secretsmanager:/.test(env.slackWebhookSecret)
      ? new SecretsManagerSecret(new SecretsManagerClient(sdk), env.slackWebhookSecret, systemClock)
      : new SsmParameterSecret(new SSMClient(sdk), env.slackWebhookSecret, systemClock);
    notifiers.push(new SlackNotifier(secret, fetch, systemClock, log));
  }
  if (env.topicArn) notifiers.push(new SnsNotifier(new SNSClient(sdk), env.topicArn, systemClock));
  // Without Slack or SNS, notifications are at least written to the log.
  if (notifiers.length === 0) notifiers.push(new ConsoleNotifier(log));
  return {
    env,
    log,
    sdk,
    shared: {
      incidents: table ? new DynamoDbIncidentStore(dynamo, table, systemClock) : new MemoryIncidentStore(),
      activity: table ? new DynamoDbApiActivityStore(dynamo, table, systemClock) : new MemoryApiActivityStore(),
      silences: table ? new DynamoDbSilenceStore(dynamo, table, systemClock) : new MemorySilenceStore(),
      optIns: new MemoryOptInRecords(), // replaced by the DynamoDB records
      notifiers,
      clock: systemClock,
      log,
      config: env.config,
      links: { accountId: "", region: env.region, brokerIds: {} },
      table,
      dynamo,
    },
  };
}
