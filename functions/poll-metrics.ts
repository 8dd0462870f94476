import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { MqClient } from "@aws-sdk/client-mq";
import middy from "@middy/core";
import type { Context, ScheduledEvent } from "aws-lambda";
import { CloudWatchMetricSource } from "../shared/adapters/cloudwatch-metric-source";
import { DynamoDbRemediationLedger } from "../shared/adapters/dynamodb-remediation-ledger";
import { LambdaRemediationRequests } from "../shared/adapters/lambda-remediation-requests";
import { MemoryRemediationLedger } from "../shared/adapters/memory-remediation-ledger";
import { MqBrokerInventory } from "../shared/adapters/mq-broker-inventory";
import { systemClock } from "../shared/adapters/system-clock";
import { type Delivery, type DeliveryDeps, deliverNotifications } from "../shared/app/deliver-notifications";
import { type CycleReport, createFetchSchedule, type MetricsCycleDeps, runMetricsCycle } from "../shared/app/run-metrics-cycle";
import { type ApiSweepDeps, sweepApiIncidents } from "../shared/app/sweep-api-incidents";
import { type VerifyDeps, verifyRemediations } from "../shared/app/verify-remediations";
import type { RemediationRequests } from "../shared/ports";
import { productionRuntime } from "./runtime";

export type PollMetricsDeps = MetricsCycleDeps & ApiSweepDeps & DeliveryDeps & VerifyDeps;

export type PollMetricsReport = CycleReport & { deliveries: Delivery[] };

/**
 * The poll-metrics Lambda, every minute: one metrics cycle; the sweep that resolves API incidents
 * whose calls stopped (no event announces that, so the minute tick does); the check of recent
 * reboots; then the delivery of every notification waiting in an outbox (new ones, retries after
 * an outage, reminders).
 */
export function makePollMetricsHandler(deps: PollMetricsDeps) {
  return middy(async (_event: ScheduledEvent, context: Context): Promise<PollMetricsReport> => {
    deps.links.accountId ||= accountOf(context.invokedFunctionArn);
    const report = await runMetricsCycle(deps);
    Object.assign(deps.links.brokerIds, report.brokerIds);
    const sweep = await sweepApiIncidents(deps);
    const verify = await verifyRemediations(deps, new Map(Object.entries(report.brokerStates)));
    const delivery = await deliverNotifications(deps);
    return {
      ...report,
      transitions: [...report.transitions, ...sweep.transitions],
      errors: [...report.errors, ...sweep.errors, ...verify.errors, ...delivery.errors],
      deliveries: delivery.deliveries,
    };
  });
}

/** The account id in a Lambda function ARN (`arn:aws:lambda:<region>:<account>:function:<name>`). */
export function accountOf(functionArn: string): string {
  return functionArn.split(":")[4] ?? "";
}

/** Without a remediate function (a trial deployment), requests are only logged by the caller. */
const noRemediation: RemediationRequests = { request: async () => {} };

/** Production dependencies, built once per container on the first invocation. */
function productionHandler() {
  const runtime = productionRuntime();
  const { env, log, sdk } = runtime;
  const deps: PollMetricsDeps = {
    ...runtime.shared,
    inventory: new MqBrokerInventory(new MqClient(sdk), systemClock, log, { ttlMs: env.config.polling.inventoryTtlMinutes * 60_000 }),
    metrics: new CloudWatchMetricSource(new CloudWatchClient(sdk), systemClock, log),
    schedule: createFetchSchedule(env.config),
    remediation: env.remediateFunction
      ? new LambdaRemediationRequests(new LambdaClient(sdk), env.remediateFunction, systemClock)
      : noRemediation,
    ledger: runtime.shared.table
      ? new DynamoDbRemediationLedger(runtime.shared.dynamo, runtime.shared.table, systemClock)
      : new MemoryRemediationLedger(systemClock),
  };
  return makePollMetricsHandler(deps).use(injectLambdaContext(log.logger));
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing, so replay and tests can reuse the factory. */
export const handler = (event: ScheduledEvent, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
