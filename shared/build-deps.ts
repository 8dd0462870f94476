import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { MqClient } from "@aws-sdk/client-mq";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import { AwsPostureReader } from "./adapters/aws-posture-reader";
import { SsmParameterSecret, secretAt } from "./adapters/aws-secret";
import { CloudTrailTaggedInventory } from "./adapters/cloudtrail-tagged-inventory";
import { CloudWatchMetricSource } from "./adapters/cloudwatch-metric-source";
import { ConsoleNotifier } from "./adapters/console-notifier";
import { DynamoDbApiActivityStore } from "./adapters/dynamodb-api-activity-store";
import { DynamoDbApprovalStore } from "./adapters/dynamodb-approval-store";
import { DynamoDbIncidentStore } from "./adapters/dynamodb-incident-store";
import { DynamoDbOptInRecords } from "./adapters/dynamodb-opt-in-records";
import { DynamoDbRemediationLedger } from "./adapters/dynamodb-remediation-ledger";
import { DynamoDbSilenceStore } from "./adapters/dynamodb-silence-store";
import { killSwitchOff, SsmKillSwitch } from "./adapters/kill-switch";
import { LambdaPostureRecheck } from "./adapters/lambda-posture-recheck";
import { LambdaRemediationRequests } from "./adapters/lambda-remediation-requests";
import { LoggingPostureRecheck } from "./adapters/logging-posture-recheck";
import { MemoryApiActivityStore } from "./adapters/memory-api-activity-store";
import { MemoryApprovalStore } from "./adapters/memory-approval-store";
import { MemoryIncidentStore } from "./adapters/memory-incident-store";
import { MemoryOptInRecords } from "./adapters/memory-opt-in-records";
import { MemoryRemediationLedger } from "./adapters/memory-remediation-ledger";
import { MemorySilenceStore } from "./adapters/memory-silence-store";
import { MqBrokerControl } from "./adapters/mq-broker-control";
import { MqBrokerDirectory } from "./adapters/mq-broker-directory";
import { MqBrokerInventory } from "./adapters/mq-broker-inventory";
import { PagerDutyNotifier } from "./adapters/pagerduty-notifier";
import { LambdaRabbitMqScraper } from "./adapters/rabbitmq-lambda-scraper";
import { RabbitMqPrometheusScraper } from "./adapters/rabbitmq-prometheus-scraper";
import { SecretsManagerBrokerCredentials } from "./adapters/rabbitmq-secret-credentials";
import { RegionalBrokerControl, RegionalBrokerDirectory } from "./adapters/regional";
import { routeNotifiers } from "./adapters/route-notifiers";
import { SlackAppNotifier } from "./adapters/slack-app-notifier";
import { SlackApprovers } from "./adapters/slack-approvers";
import { SlackNotifier } from "./adapters/slack-notifier";
import { SlackResponseUrlReplies } from "./adapters/slack-response-url-replies";
import { HmacSlackRequestVerifier } from "./adapters/slack-signature";
import { SlackWebApi } from "./adapters/slack-web-api";
import { SnsNotifier } from "./adapters/sns-notifier";
import type { InteractionDeps } from "./app/answer-slack-interaction";
import type { DeliveryDeps } from "./app/deliver-notifications";
import type { ApiEventDeps } from "./app/handle-api-event";
import { OptInTracker } from "./app/opt-in-tracker";
import type { PollAccountDeps, RegionalCycleDeps } from "./app/poll-account";
import type { RemediateDeps } from "./app/remediate";
import { createFetchSchedule, createScrapeHistory } from "./app/run-metrics-cycle";
import type { PostureAuditDeps } from "./app/run-posture-audit";
import type { Config } from "./core/config";
import type { MessageContext } from "./core/notifications";
import { qualifiedBrokerName } from "./core/regions";
import { MINUTE_MS } from "./core/types";
import type { Environment } from "./env";
import type {
  ApiActivityStore,
  ApprovalStore,
  Approvers,
  BrokerScraper,
  Clock,
  IncidentStore,
  InteractionReplies,
  Log,
  Notifier,
  OptInRecords,
  PostureRecheck,
  RemediationLedger,
  RemediationRequests,
  SecretSource,
  SilenceStore,
} from "./ports";

/**
 * The composition root: the one place adapters are built and wired into the use cases' `deps`
 * (Cloud Custodian's `session_factory`, Powertools' client injection). Its seam is the client
 * factory: the deployed functions and the CLI pass one that makes real SDK clients, the replay and the
 * bench one whose clients the simulated account answers at the wire (`shared/sim/sdk-boundary.ts`).
 * Each function's deps are built by their own function below, so a Lambda bundle holds only the SDK
 * clients that function uses.
 */

/** SDK client settings: our adapters own retries (jittered, bounded), so one attempt each, and request timeouts. */
export interface SdkSettings {
  region: string;
  maxAttempts: number;
  /** Absent: the SDK's own timeouts (none), for the backtest's long history reads. */
  requestHandler?: { connectionTimeout: number; requestTimeout: number };
  /** Absent in a deployed function (the role's); the simulation's stand-ins otherwise. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** A local endpoint (dynalite, DynamoDB Local) for the CLI's commands on a deployment's table. */
  endpoint?: string;
}

/** Time to open a connection to an AWS endpoint; past it the endpoint is unreachable. */
const CONNECTION_TIMEOUT_MS = 2_000;
/**
 * Time for one AWS request. GetMetricData with 500 queries of 60 datapoints answers well within it;
 * an endpoint that accepts and never answers costs at most this much.
 */
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * Time for one invocation of scrape-rabbitmq: its own timeout (30 s in serverless.yml) and a margin.
 * It runs while CloudWatch is read, within poll-metrics' 55 s.
 */
const SCRAPE_INVOKE_TIMEOUT_MS = 32_000;
/** Broker names are reused this long before ListBrokers runs again. */
const DIRECTORY_TTL_MS = 5 * MINUTE_MS;

/** The client settings for a region: one attempt, and connection and request timeouts. */
export function sdkSettings(region: string): SdkSettings {
  return { region, maxAttempts: 1, requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS } };
}

/** An AWS SDK v3 client class. */
export type SdkClientClass<C> = new (settings: SdkSettings) => C;

/** Makes every SDK client the wiring uses: the one seam between mq-sentinel and AWS (or the simulated account). */
export type MakeClient = <C>(Client: SdkClientClass<C>, settings: SdkSettings) => C;

/** Real SDK clients, talking to AWS. */
export const makeAwsClient: MakeClient = (Client, settings) => new Client(settings);

/** What a secret is read for (the simulated parameter store answers by purpose, not by name). */
export type SecretPurpose = "slack-webhook" | "slack-bot-token" | "slack-signing-secret" | "route-slack-webhook" | "route-pagerduty-key";

/** Reads the secret kept at `location` (an SSM parameter name or a Secrets Manager ARN). */
export type SecretReader = (location: string, purpose: SecretPurpose) => SecretSource;

/**
 * Stand-ins for what the simulated account does not answer over the wire (DynamoDB, the parameter
 * store, the other functions' invocations, Slack's response URLs); the deployed functions pass none.
 */
export interface StandIns {
  /** The incident and API-activity stores: the simulated DynamoDB, which counts calls and applies faults. */
  stores?: { incidents?: IncidentStore; activity?: ApiActivityStore };
  secrets?: SecretReader;
  /** The remediate and posture-audit functions, when the driver runs them in-process. */
  invoke?: { remediation: RemediationRequests; posture: PostureRecheck };
  replies?: InteractionReplies;
}

export interface BuildDepsInput {
  env: Environment;
  makeClient: MakeClient;
  fetch: typeof fetch;
  clock: Clock;
  log: Log;
  standIns?: StandIns;
}

/** The dependencies every function shares: settings, stores, notifiers; built once per process. */
export interface Deps {
  env: Environment;
  makeClient: MakeClient;
  fetch: typeof fetch;
  sdk: SdkSettings;
  standIns: StandIns;
  incidents: IncidentStore;
  activity: ApiActivityStore;
  silences: SilenceStore;
  /** Since when each broker carries the reboot opt-in (poll-metrics, api-activity and remediate keep it). */
  optIns: OptInRecords;
  /** Reboot requests put to people (mode approve): remediate asks, the interactions function answers, poll-metrics expires. */
  approvals: ApprovalStore;
  ledger: RemediationLedger;
  notifiers: Notifier[];
  /** Who may answer reboot requests (user groups read through the Slack app's Web API). */
  approvers: Approvers;
  clock: Clock;
  log: Log;
  config: Config;
  /** The deployment's account (empty: each invocation's function ARN says) and region, for console links. */
  links: MessageContext;
  secrets: SecretReader;
}

/** Builds the shared dependencies from the environment, with clients from `makeClient`. */
export function buildDeps(input: BuildDepsInput): Deps {
  const { env, makeClient, fetch, clock, log } = input;
  const standIns = input.standIns ?? {};
  const sdk = sdkSettings(env.region);
  const secrets = standIns.secrets ?? awsSecrets(makeClient, sdk, clock);
  const table = env.tableName;
  const dynamo = table ? makeClient(DynamoDBClient, sdk) : null;
  const slack = env.config.notifications.slack;
  let slackApi: SlackWebApi | null = null;
  if (slack.mode === "app") {
    if (!env.slackBotToken)
      throw new Error("notifications.slack.mode app needs SLACK_BOT_TOKEN_PARAMETER (parameter slackBotTokenParameter)");
    slackApi = new SlackWebApi(secrets(env.slackBotToken, "slack-bot-token"), fetch, clock);
  }
  return {
    env,
    makeClient,
    fetch,
    sdk,
    standIns,
    incidents:
      standIns.stores?.incidents ?? (dynamo && table ? new DynamoDbIncidentStore(dynamo, table, clock) : new MemoryIncidentStore()),
    activity:
      standIns.stores?.activity ?? (dynamo && table ? new DynamoDbApiActivityStore(dynamo, table, clock) : new MemoryApiActivityStore()),
    silences: dynamo && table ? new DynamoDbSilenceStore(dynamo, table, clock) : new MemorySilenceStore(),
    optIns: dynamo && table ? new DynamoDbOptInRecords(dynamo, table, clock) : new MemoryOptInRecords(),
    approvals: dynamo && table ? new DynamoDbApprovalStore(dynamo, table, clock) : new MemoryApprovalStore(),
    ledger: dynamo && table ? new DynamoDbRemediationLedger(dynamo, table, clock) : new MemoryRemediationLedger(clock),
    notifiers: notifiersOf(env, { makeClient, sdk, secrets, fetch, clock, log, slackApi }),
    approvers: new SlackApprovers(env.config.remediation.approvers, slackApi, clock, log, slack.userGroupCacheMinutes * MINUTE_MS),
    clock,
    log,
    config: env.config,
    links: { accountId: "", region: env.region, brokerIds: {} },
    secrets,
  };
}

/** Without a remediate function (a trial deployment), requests are only logged by the caller. */
const noRemediation: RemediationRequests = { request: async () => {} };

/** Reboot requests and answers, for the remediate function (invoked asynchronously). */
function remediationRequests(deps: Deps): RemediationRequests {
  const { env, standIns } = deps;
  if (standIns.invoke) return standIns.invoke.remediation;
  return env.remediateFunction
    ? new LambdaRemediationRequests(deps.makeClient(LambdaClient, deps.sdk), env.remediateFunction, deps.clock)
    : noRemediation;
}

/** Posture re-checks of a changed or new broker, for the posture-audit function (invoked asynchronously). */
function postureRechecks(deps: Deps): PostureRecheck {
  const { env, standIns } = deps;
  if (standIns.invoke) return standIns.invoke.posture;
  return env.postureFunction
    ? new LambdaPostureRecheck(deps.makeClient(LambdaClient, deps.sdk), env.postureFunction, deps.clock, deps.log)
    : new LoggingPostureRecheck(deps.log);
}

/** Secrets read from SSM or Secrets Manager at run time, never logged. */
function awsSecrets(makeClient: MakeClient, sdk: SdkSettings, clock: Clock): SecretReader {
  // One client per service, made when the first secret there is read.
  let ssm: SSMClient | null = null;
  let secretsManager: SecretsManagerClient | null = null;
  const clients = {
    ssm: () => {
      ssm ??= makeClient(SSMClient, sdk);
      return ssm;
    },
    secretsManager: () => {
      secretsManager ??= makeClient(SecretsManagerClient, sdk);
      return secretsManager;
    },
  };
  return (location, purpose) => {
    switch (purpose) {
      case "slack-bot-token":
        return secretAt(location, clients, clock, ["botToken", "token"]);
      case "slack-signing-secret":
        return secretAt(location, clients, clock, ["signingSecret"]);
      case "slack-webhook":
        return secretAt(location, clients, clock);
      // A notification route names an SSM parameter.
      case "route-slack-webhook":
      case "route-pagerduty-key":
        return new SsmParameterSecret(clients.ssm(), location, clock);
    }
  };
}

/** The default route's Slack (webhook or app) and SNS, the log when neither is set, then each configured route's destination. */
function notifiersOf(
  env: Environment,
  w: {
    makeClient: MakeClient;
    sdk: SdkSettings;
    secrets: SecretReader;
    fetch: typeof fetch;
    clock: Clock;
    log: Log;
    slackApi: SlackWebApi | null;
  },
): Notifier[] {
  const notifiers: Notifier[] = [];
  const slack = env.config.notifications.slack;
  if (w.slackApi) notifiers.push(new SlackAppNotifier(w.slackApi, slack.channel, w.log));
  else if (env.slackWebhookSecret)
    notifiers.push(new SlackNotifier(w.secrets(env.slackWebhookSecret, "slack-webhook"), w.fetch, w.clock, w.log));
  if (env.topicArn) notifiers.push(new SnsNotifier(w.makeClient(SNSClient, w.sdk), env.topicArn));
  // Without Slack or SNS, notifications (of the default route) are at least written to the log.
  if (notifiers.length === 0) notifiers.push(new ConsoleNotifier(w.log));
  notifiers.push(
    ...routeNotifiers(env.config.notifications.routes, {
      slack: (parameter) => new SlackNotifier(w.secrets(parameter, "route-slack-webhook"), w.fetch, w.clock, w.log),
      // A topic lives in its ARN's region, which may not be the deployment's.
      sns: (topicArn) => new SnsNotifier(w.makeClient(SNSClient, { ...w.sdk, region: topicArn.split(":")[3] ?? w.sdk.region }), topicArn),
      pagerduty: (channel, parameter) =>
        new PagerDutyNotifier(channel, w.secrets(parameter, "route-pagerduty-key"), w.fetch, w.clock, w.log),
    }),
  );
  return notifiers;
}

/** The client settings of another region. */
function inRegion(deps: Deps, region: string): SdkSettings {
  return { ...deps.sdk, region };
}

/** Broker names outside the home region are `<region>/<name>` (core/regions). */
function qualifierFor(deps: Deps, region: string): (name: string) => string {
  return (name) => qualifiedBrokerName(name, region, deps.env.region);
}

/** An Amazon MQ inventory of one region, its descriptions reused for `polling.inventoryTtlMinutes`. */
function inventoryOf(deps: Deps, region: string): MqBrokerInventory {
  const ttlMs = deps.config.polling.inventoryTtlMinutes * MINUTE_MS;
  const home = region === deps.env.region;
  return new MqBrokerInventory(deps.makeClient(MqClient, inRegion(deps, region)), deps.clock, deps.log, {
    ttlMs,
    ...(home ? {} : { qualify: qualifierFor(deps, region) }),
  });
}

/** The watched regions besides the home one: each its own inventory, metrics and fetch schedule. */
export interface PollMetricsWiring {
  deps: PollAccountDeps;
  otherRegions: RegionalCycleDeps[];
}

/** The poll-metrics function's dependencies, every watched region's. */
export function pollMetricsDeps(deps: Deps): PollMetricsWiring {
  const { env, makeClient, clock, log, sdk } = deps;
  const cycleOf = (region: string): RegionalCycleDeps => ({
    region,
    inventory: inventoryOf(deps, region),
    metrics: new CloudWatchMetricSource(makeClient(CloudWatchClient, inRegion(deps, region)), clock, log),
    schedule: createFetchSchedule(env.config),
  });
  const { region: _home, ...home } = cycleOf(env.region);
  return {
    deps: {
      ...deps,
      ...home,
      optInTracker: new OptInTracker(deps.optIns),
      remediation: remediationRequests(deps),
      posture: postureRechecks(deps),
      // Deployed only with its VPC settings; without it opted-in brokers are judged from CloudWatch (with a notice).
      scrapes: env.scrapeFunction
        ? {
            scraper: new LambdaRabbitMqScraper(
              makeClient(LambdaClient, {
                ...sdk,
                requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: SCRAPE_INVOKE_TIMEOUT_MS },
              }),
              env.scrapeFunction,
            ),
            history: createScrapeHistory(env.config),
            secretPrefix: env.rabbitMqSecretPrefix,
          }
        : undefined,
    },
    otherRegions: env.otherRegions.map(cycleOf),
  };
}

/**
 * Each region's inventory carries the `mq-sentinel:*` tag changes CloudTrail reported before its
 * cached descriptions do.
 */
export function withTagChanges<T extends Pick<PollAccountDeps, "inventory">>(
  cycle: T,
  deps: Pick<PollAccountDeps, "activity" | "clock" | "log" | "config">,
): T {
  const ttlMs = deps.config.polling.inventoryTtlMinutes * MINUTE_MS;
  return { ...cycle, inventory: new CloudTrailTaggedInventory(cycle.inventory, deps.activity, deps.clock, deps.log, ttlMs) };
}

/** The api-activity function's dependencies: events come from the home region and, through the forwarder, the others. */
export function apiActivityDeps(deps: Deps): ApiEventDeps & DeliveryDeps {
  return {
    ...deps,
    posture: postureRechecks(deps),
    directory: new RegionalBrokerDirectory(
      deps.env.region,
      (region) =>
        new MqBrokerDirectory(deps.makeClient(MqClient, inRegion(deps, region)), deps.clock, DIRECTORY_TTL_MS, qualifierFor(deps, region)),
    ),
  };
}

/** The remediate function's dependencies: the home region first, then every other watched region. */
export function remediateDeps(deps: Deps): RemediateDeps & DeliveryDeps {
  const { env, makeClient, clock, sdk } = deps;
  return {
    ...deps,
    control: new RegionalBrokerControl(
      new Map(
        [env.region, ...env.otherRegions].map((region) => [
          region,
          new MqBrokerControl(makeClient(MqClient, inRegion(deps, region)), clock, qualifierFor(deps, region)),
        ]),
      ),
    ),
    killSwitch: env.killSwitchParameter ? new SsmKillSwitch(makeClient(SSMClient, sdk), env.killSwitchParameter, clock) : killSwitchOff,
  };
}

/** The posture-audit function's dependencies, every watched region's. */
export function postureAuditDeps(deps: Deps): {
  deps: PostureAuditDeps & DeliveryDeps;
  otherRegions: (Pick<PostureAuditDeps, "inventory" | "reader"> & { region: string })[];
} {
  const regional = (region: string) => {
    const mq = deps.makeClient(MqClient, inRegion(deps, region));
    return {
      region,
      inventory: inventoryOf(deps, region),
      reader: new AwsPostureReader(mq, deps.makeClient(EC2Client, inRegion(deps, region)), deps.clock),
    };
  };
  const { region: _home, ...home } = regional(deps.env.region);
  return { deps: { ...deps, ...home }, otherRegions: deps.env.otherRegions.map(regional) };
}

/** The slack-interactions function's dependencies: it verifies a click and hands the answer to remediate. */
export function slackInteractionsDeps(deps: Deps): InteractionDeps {
  const { env } = deps;
  if (!env.slackSigningSecret || !(env.remediateFunction || deps.standIns.invoke)) {
    throw new Error(
      "slack-interactions needs SLACK_SIGNING_SECRET_PARAMETER and REMEDIATE_FUNCTION (parameter slackSigningSecretParameter)",
    );
  }
  return {
    verifier: new HmacSlackRequestVerifier(deps.secrets(env.slackSigningSecret, "slack-signing-secret")),
    approvals: deps.approvals,
    remediation: remediationRequests(deps),
    replies: deps.standIns.replies ?? new SlackResponseUrlReplies(deps.fetch, deps.log),
    approvers: deps.approvers,
    clock: deps.clock,
    log: deps.log,
    config: deps.config,
  };
}

/** The read-only adapters of one region, for the CLI's looks at an account (check, audit, backtest). */
export interface AccountReaders {
  inventory: MqBrokerInventory;
  metrics: CloudWatchMetricSource;
  posture: AwsPostureReader;
}

/**
 * Builds the read-only adapters of `region` for a command that stores, sends and reboots nothing:
 * no deployment (table, topic, functions) is needed. `sdk` replaces the functions' client settings
 * (the backtest's long history reads); descriptions are reused for `inventoryTtlMs`.
 */
export function accountReaders(input: {
  region: string;
  makeClient: MakeClient;
  clock: Clock;
  log: Log;
  inventoryTtlMs: number;
  sdk?: SdkSettings;
}): AccountReaders {
  const { makeClient, clock, log } = input;
  const sdk = input.sdk ?? sdkSettings(input.region);
  const mq = makeClient(MqClient, sdk);
  return {
    inventory: new MqBrokerInventory(mq, clock, log, { ttlMs: input.inventoryTtlMs }),
    metrics: new CloudWatchMetricSource(makeClient(CloudWatchClient, sdk), clock, log),
    posture: new AwsPostureReader(mq, makeClient(EC2Client, sdk), clock),
  };
}

/** The scrape-rabbitmq function's scraper: each broker's Prometheus endpoint, with its credentials from Secrets Manager. */
export function rabbitMqScraper(input: Pick<BuildDepsInput, "env" | "makeClient" | "clock" | "log">): BrokerScraper {
  const { env } = input;
  const credentials = new SecretsManagerBrokerCredentials(input.makeClient(SecretsManagerClient, sdkSettings(env.region)), input.clock);
  return new RabbitMqPrometheusScraper(credentials, input.log, {
    timeoutMs: env.config.prometheus.timeoutSeconds * 1000,
    maxBytes: env.config.prometheus.maxResponseBytes,
    httpsOnly: true,
  });
}
