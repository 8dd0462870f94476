import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { MqClient } from "@aws-sdk/client-mq";
import type { Context, ScheduledEvent } from "aws-lambda";
import type { PollMetricsDeps } from "../../../functions/poll-metrics";
import type { PostureAuditFunctionDeps, RegionalAuditDeps } from "../../../functions/posture-audit";
import { AwsPostureReader } from "../../../shared/adapters/aws-posture-reader";
import { CloudWatchMetricSource } from "../../../shared/adapters/cloudwatch-metric-source";
import { LoggingPostureRecheck } from "../../../shared/adapters/logging-posture-recheck";
import { MemoryApiActivityStore } from "../../../shared/adapters/memory-api-activity-store";
import { MemoryApprovalStore } from "../../../shared/adapters/memory-approval-store";
import { MemoryIncidentStore } from "../../../shared/adapters/memory-incident-store";
import { MemoryRemediationLedger } from "../../../shared/adapters/memory-remediation-ledger";
import { MemorySilenceStore } from "../../../shared/adapters/memory-silence-store";
import { MqBrokerInventory } from "../../../shared/adapters/mq-broker-inventory";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import type { RegionalCycleDeps } from "../../../shared/app/poll-account";
import { createFetchSchedule } from "../../../shared/app/run-metrics-cycle";
import { DEFAULT_CONFIG } from "../../../shared/core/config";
import { qualifiedBrokerName } from "../../../shared/core/regions";
import type { Clock } from "../../../shared/ports";
import { postureCleanActiveMq } from "../../../shared/sim/posture-clean-broker";
import { parseScenario } from "../../../shared/sim/scenario";
import { routeToSimulator } from "../../../shared/sim/sdk-boundary";
import { SimulatedAccount } from "../../../shared/sim/simulated-account";
import { MINUTE } from "../../support/clock";
import { RecordingNotifier } from "../app/fakes";
import { authorizationMapXml } from "../posture/posture-fixtures";

/** One minute in milliseconds (the tests' one constant, re-exported for this fixture's users). */
export { MINUTE };

/**
 * A deployment at home in us-east-1 that also watches eu-west-1, over two simulated accounts (one
 * per region: a SimulatedAccount answers one scenario, and a region's brokers and metrics are its
 * own), each behind real SDK clients of its region. The real adapters run unchanged; both accounts
 * move on one virtual clock.
 */

export const HOME = "us-east-1";
export const OTHER = "eu-west-1";
export const START = "2026-03-02T09:00:00Z";
export const START_MS = Date.parse(START);
export const DURATION_MINUTES = 90;
export const QUEUE = "payment.settle";

const CREDENTIALS = { accessKeyId: "SIMULATED", secretAccessKey: "SIMULATED" };

/** What a region's one ActiveMQ broker does with its queue, minute by minute. */
export interface QueueStory {
  /** Minute the consumers disconnect (the producers keep sending); absent: never. */
  consumersGoneAt?: number;
  /** Minute they come back and drain the backlog; absent: never. */
  consumersBackAt?: number;
}

/** A region's broker: name (the Amazon MQ name), id, and how it behaves. */
export interface RegionBroker {
  name: string;
  id: string;
  story?: QueueStory;
  /** DescribeBroker fields over the compliant defaults (posture tests). */
  describe?: Record<string, unknown>;
  deletedAt?: number;
}

/** One region's simulated account, from raw scenario fields. */
export function regionAccount(region: string, brokers: readonly RegionBroker[], faults: unknown[] = []): SimulatedAccount {
  return new SimulatedAccount(
    parseScenario({
      name: `two-regions-${region}`,
      start: START,
      durationMinutes: DURATION_MINUTES,
      region,
      brokers: brokers.map((b) => scenarioBroker(region, b)),
      metrics: brokers.flatMap((b) => activeMqSeries(`${b.name}-1`, b.story ?? {})),
      faults,
    }),
  );
}

/** A RUNNING ActiveMQ active/standby broker whose settings pass every posture check. */
function scenarioBroker(region: string, b: RegionBroker): Record<string, unknown> {
  return {
    describe: {
      ...postureCleanActiveMq({ region, accountId: "123456789012", id: b.id, name: b.name, kmsKeyId: b.id }),
      SecurityGroups: [],
      StorageType: "EFS",
      Created: "2025-06-01T12:00:00Z",
      Tags: { environment: "production" },
      Configurations: { Current: { Id: `c-${b.id}`, Revision: 1 } },
      ...b.describe,
    },
    configurationXml: SCOPED_CONFIGURATION_XML,
    ...(b.deletedAt === undefined ? {} : { deletedAt: b.deletedAt }),
  };
}

/** An ActiveMQ configuration with a group-scoped authorization map (what the posture checks want). */
const SCOPED_CONFIGURATION_XML = authorizationMapXml([
  '<authorizationEntry admin="admins" queue="&gt;" read="admins" write="admins"/>',
  '<authorizationEntry admin="admins" queue="payment.settle" read="admins,consumers" write="admins,producers"/>',
  '<authorizationEntry admin="admins" read="admins,consumers,producers" topic="ActiveMQ.Advisory.&gt;" write="admins,consumers,producers"/>',
]);

/** The metric series of one ActiveMQ node with one queue, shaped like `scenarios/amq-no-consumers.json`. */
function activeMqSeries(node: string, story: QueueStory): Record<string, unknown>[] {
  const gone = (m: number) =>
    story.consumersGoneAt !== undefined && m >= story.consumersGoneAt && (story.consumersBackAt === undefined || m < story.consumersBackAt);
  const backlog = (m: number) => (gone(m) ? (m - (story.consumersGoneAt as number) + 1) * 150 : m % 4);
  const series = (values: (m: number) => number) => Array.from({ length: DURATION_MINUTES }, (_, m) => values(m));
  const queue = { Broker: node, Queue: QUEUE };
  const broker = { Broker: node };
  const metric = (name: string, dimensions: Record<string, string>, values: (m: number) => number) => ({
    metric: name,
    dimensions,
    values: series(values),
  });
  return [
    metric("QueueSize", queue, backlog),
    metric("ConsumerCount", queue, (m) => (gone(m) ? 0 : 4)),
    metric("ProducerCount", queue, () => 2),
    metric("EnqueueCount", queue, (m) => 150 + (m % 5)),
    metric("DequeueCount", queue, (m) => (gone(m) ? 0 : 150 + (m % 5))),
    metric("DispatchCount", queue, (m) => (gone(m) ? 0 : 150 + (m % 5))),
    metric("InFlightCount", queue, (m) => (gone(m) ? 0 : m % 3)),
    metric("EnqueueTime", queue, (m) => (gone(m) ? (m - (story.consumersGoneAt as number) + 1) * 60_000 : 8)),
    metric("ExpiredCount", queue, () => 0),
    metric("CpuUtilization", broker, (m) => 15 + (m % 3) / 2),
    metric("HeapUsage", broker, (m) => 40 + (m % 5)),
    metric("StorePercentUsage", broker, () => 5),
    metric("TempPercentUsage", broker, () => 0.5),
    metric("CurrentConnectionsCount", broker, (m) => 180 + (m % 4)),
    metric("EstablishedConnectionsCount", broker, (m) => 184 + (m % 4)),
    metric("TotalMessageCount", broker, backlog),
    metric("TotalConsumerCount", broker, (m) => (gone(m) ? 0 : 4)),
    metric("TotalProducerCount", broker, () => 2),
    metric("TotalEnqueueCount", broker, (m) => 150 + (m % 5)),
    metric("TotalDequeueCount", broker, (m) => (gone(m) ? 0 : 150 + (m % 5))),
    ...[
      "OpenwireMaximumConnections",
      "AmqpMaximumConnections",
      "StompMaximumConnections",
      "MqttMaximumConnections",
      "WsMaximumConnections",
    ].map((name) => metric(name, broker, () => 2000)),
  ];
}

/** Both regions' accounts on one virtual clock. */
export class TwoRegionClock implements Clock {
  constructor(private readonly accounts: readonly SimulatedAccount[]) {}
  get minute(): number {
    return this.accounts[0]?.minute ?? 0;
  }
  set minute(m: number) {
    for (const a of this.accounts) a.minute = m;
  }
  now(): number {
    return START_MS + this.minute * MINUTE;
  }
  async sleep(): Promise<void> {}
}

/** Real SDK clients of `region` answered by `account`. */
function clientsOf(region: string, account: SimulatedAccount) {
  const sdk = { region, credentials: CREDENTIALS, maxAttempts: 1 };
  return {
    mq: routeToSimulator(new MqClient(sdk), "mq", account),
    cloudwatch: routeToSimulator(new CloudWatchClient(sdk), "cloudwatch", account),
    ec2: routeToSimulator(new EC2Client(sdk), "ec2", account),
  };
}

/** Counts of one account's calls, for "this region was (not) asked" assertions. */
export function callsOf(account: SimulatedAccount, operation: string): number {
  return account.calls.get(operation) ?? 0;
}

/**
 * The shared parts of a deployment at home in us-east-1 (one incident store, one notifier) and, per
 * region, the adapters the production handlers build: the home ones unqualified, eu-west-1's naming
 * its brokers `eu-west-1/<name>`.
 */
export function twoRegionDeployment(home: SimulatedAccount, other: SimulatedAccount) {
  const clock = new TwoRegionClock([home, other]);
  const log = new RecordingLog();
  const config = DEFAULT_CONFIG;
  const incidents = new MemoryIncidentStore();
  const notifier = new RecordingNotifier("slack");
  const ttlMs = config.polling.inventoryTtlMinutes * MINUTE;
  const homeClients = clientsOf(HOME, home);
  const otherClients = clientsOf(OTHER, other);
  const qualify = (name: string) => qualifiedBrokerName(name, OTHER, HOME);
  const shared = {
    incidents,
    activity: new MemoryApiActivityStore(),
    silences: new MemorySilenceStore(),
    approvals: new MemoryApprovalStore(),
    notifiers: [notifier],
    clock,
    log,
    config,
    links: { accountId: "123456789012", region: HOME, brokerIds: {} as Record<string, string> },
  };
  const pollDeps: PollMetricsDeps = {
    ...shared,
    inventory: new MqBrokerInventory(homeClients.mq, clock, log, { ttlMs }),
    metrics: new CloudWatchMetricSource(homeClients.cloudwatch, clock, log),
    schedule: createFetchSchedule(config),
    remediation: { request: async () => {} },
    posture: new LoggingPostureRecheck(log),
    ledger: new MemoryRemediationLedger(clock),
  };
  const pollOther: RegionalCycleDeps = {
    region: OTHER,
    inventory: new MqBrokerInventory(otherClients.mq, clock, log, { ttlMs, qualify }),
    metrics: new CloudWatchMetricSource(otherClients.cloudwatch, clock, log),
    schedule: createFetchSchedule(config),
  };
  const auditDeps: PostureAuditFunctionDeps = {
    ...shared,
    inventory: new MqBrokerInventory(homeClients.mq, clock, log, { ttlMs }),
    reader: new AwsPostureReader(homeClients.mq, homeClients.ec2, clock),
  };
  const auditOther: RegionalAuditDeps = {
    region: OTHER,
    inventory: new MqBrokerInventory(otherClients.mq, clock, log, { ttlMs, qualify }),
    reader: new AwsPostureReader(otherClients.mq, otherClients.ec2, clock),
  };
  return { clock, log, incidents, notifier, links: shared.links, pollDeps, pollOther, auditDeps, auditOther };
}

/** The scheduled event of the minute tick. */
export function scheduledEvent(minute: number): ScheduledEvent {
  return {
    version: "0",
    id: `tick-${minute}`,
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "123456789012",
    time: new Date(START_MS + minute * MINUTE).toISOString(),
    region: HOME,
    resources: [],
    detail: {},
  };
}

/** The Lambda context fields the handlers read; no deadline, so middy sets no early-timeout timer. */
export function lambdaContext(functionName: string): Context {
  return {
    functionName,
    invokedFunctionArn: `arn:aws:lambda:${HOME}:123456789012:function:${functionName}`,
    awsRequestId: "00000000-0000-4000-8000-000000000001",
  } as Context;
}
