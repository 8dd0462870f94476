import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { EC2Client } from "@aws-sdk/client-ec2";
import { MqClient } from "@aws-sdk/client-mq";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { AwsPostureReader } from "../shared/adapters/aws-posture-reader";
import { MqBrokerInventory } from "../shared/adapters/mq-broker-inventory";
import { systemClock } from "../shared/adapters/system-clock";
import { type Delivery, type DeliveryDeps, deliverNotifications } from "../shared/app/deliver-notifications";
import { type PostureAuditDeps, type PostureAuditReport, runPostureAudit } from "../shared/app/run-posture-audit";
import type { PostureTarget } from "../shared/ports";
import { accountOf } from "./poll-metrics";
import { productionRuntime } from "./runtime";

export type PostureAuditFunctionDeps = PostureAuditDeps & DeliveryDeps;

/** A re-check request names a broker or a configuration; the daily schedule names neither. */
function targetOf(event: unknown): PostureTarget | undefined {
  if (!event || typeof event !== "object") return undefined;
  const e = event as Partial<PostureTarget>;
  const brokerId = typeof e.brokerId === "string" ? e.brokerId : null;
  const configurationId = typeof e.configurationId === "string" ? e.configurationId : null;
  if (brokerId === null && configurationId === null) return undefined;
  return { brokerId, brokerName: typeof e.brokerName === "string" ? e.brokerName : null, configurationId };
}

/** The posture-audit Lambda: daily over the fleet, or for one broker after a change to it. */
export function makePostureAuditHandler(deps: PostureAuditFunctionDeps) {
  return middy(async (event: unknown, context: Context): Promise<PostureAuditReport & { deliveries: Delivery[] }> => {
    deps.links.accountId ||= accountOf(context.invokedFunctionArn);
    const report = await runPostureAudit(deps, targetOf(event));
    const delivery = await deliverNotifications(deps);
    return { ...report, errors: [...report.errors, ...delivery.errors], deliveries: delivery.deliveries };
  });
}

function productionHandler() {
  const { env, log, sdk, shared } = productionRuntime();
  const mq = new MqClient(sdk);
  const deps: PostureAuditFunctionDeps = {
    ...shared,
    inventory: new MqBrokerInventory(mq, systemClock, log, { ttlMs: env.config.polling.inventoryTtlMinutes * 60_000 }),
    reader: new AwsPostureReader(mq, new EC2Client(sdk), systemClock),
  };
  return makePostureAuditHandler(deps).use(injectLambdaContext(log.logger));
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing. */
export const handler = (event: unknown, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
