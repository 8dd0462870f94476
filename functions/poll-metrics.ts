import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { MqClient } from "@aws-sdk/client-mq";
import middy from "@middy/core";
import type { Context, ScheduledEvent } from "aws-lambda";
import { CloudTrailTaggedInventory } from "../shared/adapters/cloudtrail-tagged-inventory";
import { CloudWatchMetricSource } from "../shared/adapters/cloudwatch-metric-source";
import { type CycleFigures, cycleMetricsLine } from "../shared/adapters/cycle-metrics";
import { DynamoDbRemediationLedger } from "../shared/adapters/dynamodb-remediation-ledger";
import { LambdaPostureRecheck } from "../shared/adapters/lambda-posture-recheck";
import { LambdaRemediationRequests } from "../shared/adapters/lambda-remediation-requests";
import { LoggingPostureRecheck } from "../shared/adapters/logging-posture-recheck";
import { MemoryRemediationLedger } from "../shared/adapters/memory-remediation-ledger";
import { MqBrokerInventory } from "../shared/adapters/mq-broker-inventory";
import { LambdaRabbitMqScraper } from "../shared/adapters/rabbitmq-lambda-scraper";
import { systemClock } from "../shared/adapters/system-clock";
import { auditNewBrokers, type NewBrokerAuditDeps } from "../shared/app/audit-new-brokers";
import { type Delivery, type DeliveryDeps, type DeliveryHealth, deliverNotifications } from "../shared/app/deliver-notifications";
import { OptInTracker } from "../shared/app/opt-in-tracker";
import { expireApprovals, type RemediationResult } from "../shared/app/remediate";
import {
  type CycleReport,
  createFetchSchedule,
  createScrapeHistory,
  type MetricsCycleDeps,
  runMetricsCycle,
} from "../shared/app/run-metrics-cycle";
import { type ApiSweepDeps, sweepApiIncidents } from "../shared/app/sweep-api-incidents";
import { type VerifyDeps, verifyRemediations } from "../shared/app/verify-remediations";
import { brokerInRegion, qualifiedBrokerName } from "../shared/core/regions";
import type { ApprovalStore, RemediationRequests } from "../shared/ports";
import { deliveryTimeLeft, productionRuntime } from "./runtime";

export type PollMetricsDeps = MetricsCycleDeps &
  ApiSweepDeps &
  DeliveryDeps &
  VerifyDeps &
  NewBrokerAuditDeps & { approvals: ApprovalStore };

export type PollMetricsReport = CycleReport & {
  deliveries: Delivery[];
  /** Reboot requests nobody answered in time, expired this minute (mode approve). */
  expiredApprovals: RemediationResult[];
};

/** A further region a deployment watches: its own brokers, metrics and fetch schedule. */
export type RegionalCycleDeps = Pick<MetricsCycleDeps, "inventory" | "metrics" | "schedule"> & { region: string };

export interface PollMetricsOptions {
  /** Regions watched besides the home region (`links.region`), one cycle each, side by side. */
  otherRegions?: readonly RegionalCycleDeps[];
  /** Where mq-sentinel's own metrics go: the heartbeat, once detection has run. */
  emitFigures?: (figures: CycleFigures) => void;
  /** Where the delivery-health figures go, once delivery has run. */
  emitDeliveryHealth?: (health: DeliveryHealth) => void;
}

/**
 * The poll-metrics Lambda, every minute: one metrics cycle per watched region; the sweep that
 * resolves API incidents whose calls stopped (no event announces that, so the minute tick does);
 * the check of recent reboots; the posture re-check of brokers that were just created and now run;
 * its own figures (the heartbeat: detection ran); then the delivery of every notification waiting in
 * an outbox (new ones, retries after an outage, reminders) within the invocation's remaining time,
 * and the delivery-health figures. Each region's inventory carries the `mq-sentinel:*` tag changes
 * CloudTrail reported before its cached descriptions do.
 */
export function makePollMetricsHandler(deps: PollMetricsDeps, options: PollMetricsOptions = {}) {
  const home = deps.links.region;
  const others = options.otherRegions ?? [];
  // With one region a cycle judges every incident; with several, each its own region's brokers.
  const regional: MetricsCycleDeps[] =
    others.length === 0
      ? [deps]
      : [
          { ...deps, owns: (broker) => brokerInRegion(broker, home, home) },
          // The scrape function runs in the home region's VPC: only home-region brokers are read through it.
          ...others.map((r) => ({ ...deps, ...r, scrapes: undefined, owns: (broker: string) => brokerInRegion(broker, r.region, home) })),
        ];
  const ttlMs = deps.config.polling.inventoryTtlMinutes * 60_000;
  const cycles = regional.map((c) => ({
    ...c,
    inventory: new CloudTrailTaggedInventory(c.inventory, deps.activity, deps.clock, deps.log, ttlMs),
  }));
  /** Broker states the previous cycles of this container saw (to notice a broker that finished being created). */
  const seenStates = new Map<string, string>();
  return middy(async (_event: ScheduledEvent, context: Context): Promise<PollMetricsReport> => {
    const startedAt = deps.clock.now();
    deps.links.accountId ||= accountOf(context.invokedFunctionArn);
    const report = mergeReports(await Promise.all(cycles.map((c) => runMetricsCycle(c))));
    Object.assign(deps.links.brokerIds, report.brokerIds);
    const sweep = await sweepApiIncidents(deps);
    const verify = await verifyRemediations(deps, new Map(Object.entries(report.brokerStates)));
    const listed = Object.entries(report.brokerIds).map(([name, id]) => ({ id, name, state: report.brokerStates[id] ?? "" }));
    const audits = await auditNewBrokers(deps, listed, seenStates);
    const approvals = await expireApprovals(deps);
    const detectionErrors = [...report.errors, ...sweep.errors, ...verify.errors, ...audits.errors, ...approvals.errors];
    // The heartbeat goes out before delivery: a destination that hangs must not make it look as if
    // detection stopped.
    options.emitFigures?.({
      at: startedAt,
      durationMs: deps.clock.now() - startedAt,
      findings: report.findings.length,
      transitions: report.transitions.length + sweep.transitions.length,
      metricsRequested: report.metricsRequested,
      getMetricDataCalls: report.getMetricDataCalls,
      handledErrors: detectionErrors.length,
    });
    const delivery = await deliverNotifications(deps, { timeLeft: deliveryTimeLeft(context) });
    options.emitDeliveryHealth?.(delivery.health);
    return {
      ...report,
      transitions: [...report.transitions, ...sweep.transitions],
      errors: [...detectionErrors, ...delivery.errors],
      deliveries: delivery.deliveries,
      expiredApprovals: approvals.expired,
    };
  });
}

/** One report of the cycles of several regions. */
function mergeReports(reports: CycleReport[]): CycleReport {
  const [first, ...rest] = reports as [CycleReport, ...CycleReport[]];
  return rest.reduce<CycleReport>(
    (a, b) => ({
      at: a.at,
      brokers: a.brokers + b.brokers,
      ignored: a.ignored + b.ignored,
      findings: [...a.findings, ...b.findings],
      transitions: [...a.transitions, ...b.transitions],
      metricsRequested: a.metricsRequested + b.metricsRequested,
      getMetricDataCalls: a.getMetricDataCalls + b.getMetricDataCalls,
      errors: [...a.errors, ...b.errors],
      notices: [...a.notices, ...b.notices],
      brokerIds: { ...a.brokerIds, ...b.brokerIds },
      brokerStates: { ...a.brokerStates, ...b.brokerStates },
    }),
    first,
  );
}

/** The account id in a Lambda function ARN (`arn:aws:lambda:<region>:<account>:function:<name>`). */
export function accountOf(functionArn: string): string {
  return functionArn.split(":")[4] ?? "";
}

/**
 * Time for one invocation of scrape-rabbitmq: its own timeout (30 s in serverless.yml) and a margin.
 * It runs while CloudWatch is read, within poll-metrics' 55 s.
 */
const SCRAPE_INVOKE_TIMEOUT_MS = 32_000;

/** Without a remediate function (a trial deployment), requests are only logged by the caller. */
const noRemediation: RemediationRequests = { request: async () => {} };

/** Production dependencies, built once per container on the first invocation. */
function productionHandler() {
  const runtime = productionRuntime();
  const { env, log, sdk } = runtime;
  const inventoryTtlMs = env.config.polling.inventoryTtlMinutes * 60_000;
  const deps: PollMetricsDeps = {
    ...runtime.shared,
    inventory: new MqBrokerInventory(new MqClient(sdk), systemClock, log, { ttlMs: inventoryTtlMs }),
    metrics: new CloudWatchMetricSource(new CloudWatchClient(sdk), systemClock, log),
    schedule: createFetchSchedule(env.config),
    optInTracker: new OptInTracker(runtime.shared.optIns),
    remediation: env.remediateFunction
      ? new LambdaRemediationRequests(new LambdaClient(sdk), env.remediateFunction, systemClock)
      : noRemediation,
    ledger: runtime.shared.table
      ? new DynamoDbRemediationLedger(runtime.shared.dynamo, runtime.shared.table, systemClock)
      : new MemoryRemediationLedger(systemClock),
    posture: env.postureFunction
      ? new LambdaPostureRecheck(new LambdaClient(sdk), env.postureFunction, systemClock, log)
      : new LoggingPostureRecheck(log),
    // Deployed only with its VPC settings; without it opted-in brokers are judged from CloudWatch (with a notice).
    scrapes: env.scrapeFunction
      ? {
          scraper: new LambdaRabbitMqScraper(
            new LambdaClient({ ...sdk, requestHandler: { ...sdk.requestHandler, requestTimeout: SCRAPE_INVOKE_TIMEOUT_MS } }),
            env.scrapeFunction,
          ),
          history: createScrapeHistory(env.config),
          secretPrefix: env.rabbitMqSecretPrefix,
        }
      : undefined,
  };
  const otherRegions = env.otherRegions.map((region) => {
    const regional = { ...sdk, region };
    const qualify = (name: string) => qualifiedBrokerName(name, region, env.region);
    return {
      region,
      inventory: new MqBrokerInventory(new MqClient(regional), systemClock, log, { ttlMs: inventoryTtlMs, qualify }),
      metrics: new CloudWatchMetricSource(new CloudWatchClient(regional), systemClock, log),
      schedule: createFetchSchedule(env.config),
    };
  });
  const emitFigures = (figures: CycleFigures) => process.stdout.write(`${cycleMetricsLine(figures, env.stage)}\n`);
  const emitDeliveryHealth = runtime.emitDeliveryHealth("poll-metrics");
  return makePollMetricsHandler(deps, { otherRegions, emitFigures, emitDeliveryHealth }).use(injectLambdaContext(log.logger));
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing, so replay and tests can reuse the factory. */
export const handler = (event: ScheduledEvent, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
