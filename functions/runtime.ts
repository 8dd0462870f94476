import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { Context } from "aws-lambda";
import { SsmParameterSecret, secretAt } from "../shared/adapters/aws-secret";
import { ConsoleNotifier } from "../shared/adapters/console-notifier";
import { deliveryMetricsLine } from "../shared/adapters/cycle-metrics";
import { DynamoDbApiActivityStore } from "../shared/adapters/dynamodb-api-activity-store";
import { DynamoDbApprovalStore } from "../shared/adapters/dynamodb-approval-store";
import { DynamoDbIncidentStore } from "../shared/adapters/dynamodb-incident-store";
import { DynamoDbOptInRecords } from "../shared/adapters/dynamodb-opt-in-records";
import { DynamoDbSilenceStore } from "../shared/adapters/dynamodb-silence-store";
import { MemoryApiActivityStore } from "../shared/adapters/memory-api-activity-store";
import { MemoryApprovalStore } from "../shared/adapters/memory-approval-store";
import { MemoryIncidentStore } from "../shared/adapters/memory-incident-store";
import { MemoryOptInRecords } from "../shared/adapters/memory-opt-in-records";
import { MemorySilenceStore } from "../shared/adapters/memory-silence-store";
import { PagerDutyNotifier } from "../shared/adapters/pagerduty-notifier";
import { PowertoolsLog } from "../shared/adapters/powertools-log";
import { routeNotifiers } from "../shared/adapters/route-notifiers";
import { SlackAppNotifier } from "../shared/adapters/slack-app-notifier";
import { SlackApprovers } from "../shared/adapters/slack-approvers";
import { SlackNotifier } from "../shared/adapters/slack-notifier";
import { SlackWebApi } from "../shared/adapters/slack-web-api";
import { SnsNotifier } from "../shared/adapters/sns-notifier";
import { systemClock } from "../shared/adapters/system-clock";
import type { DeliveryHealth } from "../shared/app/deliver-notifications";
import type { Config } from "../shared/core/config";
import type { MessageContext } from "../shared/core/notifications";
import { type Environment, readEnvironment } from "../shared/env";
import type {
  ApiActivityStore,
  ApprovalStore,
  Approvers,
  Clock,
  IncidentStore,
  Log,
  Notifier,
  OptInRecords,
  SilenceStore,
} from "../shared/ports";

/** What every deployed function shares: settings, log, stores, notifiers. */
export interface ProductionRuntime {
  env: Environment;
  log: PowertoolsLog;
  /**
   * SDK client settings: our adapters own retries (jittered, bounded), so one attempt each, and every
   * request has its own timeouts (none are set by default: a hanging endpoint would hold the function).
   */
  sdk: SdkSettings;
  /** Writes an invocation's delivery-health figures (embedded metric format) for a function. */
  emitDeliveryHealth: (functionName: string) => (health: DeliveryHealth) => void;
  shared: {
    incidents: IncidentStore;
    activity: ApiActivityStore;
    silences: SilenceStore;
    /** Since when each broker carries the reboot opt-in (poll-metrics, api-activity and remediate keep it). */
    optIns: OptInRecords;
    /** Reboot requests put to people (mode approve): remediate asks, the interactions function answers, poll-metrics expires. */
    approvals: ApprovalStore;
    notifiers: Notifier[];
    /** Who may answer reboot requests (user groups read through the Slack app's Web API). */
    approvers: Approvers;
    clock: Clock;
    log: Log;
    config: Config;
    links: MessageContext;
    /** The table (null: in-memory stores) and its client, for the function-specific stores. */
    table: string | null;
    dynamo: DynamoDBClient;
  };
}

/** SDK client settings of every function. */
export interface SdkSettings {
  region: string;
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number };
}

/** Time to open a connection to an AWS endpoint; past it the endpoint is unreachable. */
const CONNECTION_TIMEOUT_MS = 2_000;
/**
 * Time for one AWS request. GetMetricData with 500 queries of 60 datapoints answers well within it;
 * an endpoint that accepts and never answers costs at most this much.
 */
const REQUEST_TIMEOUT_MS = 10_000;
/** Kept back from the Lambda's remaining time when delivering: the last writes and the return. */
const DELIVERY_MARGIN_MS = 3_000;

/** The client settings for a region: one attempt, and connection and request timeouts. */
export function sdkSettings(region: string): SdkSettings {
  return { region, maxAttempts: 1, requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS } };
}

/** Where a handler reports the delivery-health figures of each invocation. */
export interface DeliveryReporting {
  emitDeliveryHealth?: (health: DeliveryHealth) => void;
}

/**
 * How long delivery may still take in this invocation: the Lambda's remaining time minus a margin.
 * A context without a clock (a handler called outside Lambda, e.g. a local trial) sets no limit.
 */
export function deliveryTimeLeft(context: Partial<Pick<Context, "getRemainingTimeInMillis">>): () => number {
  const remaining = context.getRemainingTimeInMillis;
  if (typeof remaining !== "function") return () => Number.POSITIVE_INFINITY;
  return () => remaining.call(context) - DELIVERY_MARGIN_MS;
}

/** Builds the shared production dependencies from the environment (once per container). */
export function productionRuntime(): ProductionRuntime {
  const env = readEnvironment();
  const log = new PowertoolsLog();
  const sdk = sdkSettings(env.region);
  const dynamo = new DynamoDBClient(sdk);
  const table = env.tableName;
  const notifiers: Notifier[] = [];
  const clients = { ssm: () => new SSMClient(sdk), secretsManager: () => new SecretsManagerClient(sdk) };
  const slack = env.config.notifications.slack;
  let slackApi: SlackWebApi | null = null;
  if (slack.mode === "app") {
    if (!env.slackBotToken)
      throw new Error("notifications.slack.mode app needs SLACK_BOT_TOKEN_PARAMETER (parameter slackBotTokenParameter)");
    slackApi = new SlackWebApi(secretAt(env.slackBotToken, clients, systemClock, ["botToken", "token"]), fetch, systemClock);
    notifiers.push(new SlackAppNotifier(slackApi, slack.channel, log));
  } else if (env.slackWebhookSecret) {
    notifiers.push(new SlackNotifier(secretAt(env.slackWebhookSecret, clients, systemClock), fetch, systemClock, log));
  }
  if (env.topicArn) notifiers.push(new SnsNotifier(new SNSClient(sdk), env.topicArn));
  // Without Slack or SNS, notifications (of the default route) are at least written to the log.
  if (notifiers.length === 0) notifiers.push(new ConsoleNotifier(log));
  // Each destination the notification routes name: its secret read from SSM at run time, never logged.
  const ssm = new SSMClient(sdk);
  notifiers.push(
    ...routeNotifiers(env.config.notifications.routes, {
      slack: (parameter) => new SlackNotifier(new SsmParameterSecret(ssm, parameter, systemClock), fetch, systemClock, log),
      // A topic lives in its ARN's region, which may not be the deployment's.
      sns: (topicArn) => new SnsNotifier(new SNSClient({ ...sdk, region: topicArn.split(":")[3] ?? sdk.region }), topicArn),
      pagerduty: (channel, parameter) =>
        new PagerDutyNotifier(channel, new SsmParameterSecret(ssm, parameter, systemClock), fetch, systemClock, log),
    }),
  );
  return {
    env,
    log,
    sdk,
    emitDeliveryHealth: (functionName) => (health) =>
      process.stdout.write(`${deliveryMetricsLine(health, systemClock.now(), env.stage, functionName)}\n`),
    shared: {
      incidents: table ? new DynamoDbIncidentStore(dynamo, table, systemClock) : new MemoryIncidentStore(),
      activity: table ? new DynamoDbApiActivityStore(dynamo, table, systemClock) : new MemoryApiActivityStore(),
      silences: table ? new DynamoDbSilenceStore(dynamo, table, systemClock) : new MemorySilenceStore(),
      optIns: table ? new DynamoDbOptInRecords(dynamo, table, systemClock) : new MemoryOptInRecords(),
      approvals: table ? new DynamoDbApprovalStore(dynamo, table, systemClock) : new MemoryApprovalStore(),
      notifiers,
      approvers: new SlackApprovers(env.config.remediation.approvers, slackApi, systemClock, log, slack.userGroupCacheMinutes * 60_000),
      clock: systemClock,
      log,
      config: env.config,
      links: { accountId: "", region: env.region, brokerIds: {} },
      table,
      dynamo,
    },
  };
}
