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
import { brokerInRegion, qualifiedBrokerName } from "../shared/core/regions";
import type { PostureTarget } from "../shared/ports";
import { accountOf } from "./poll-metrics";
import { type DeliveryReporting, deliveryTimeLeft, productionRuntime } from "./runtime";

export type PostureAuditFunctionDeps = PostureAuditDeps & DeliveryDeps;

/** A further region a deployment watches: its own brokers and settings reader. */
export type RegionalAuditDeps = Pick<PostureAuditDeps, "inventory" | "reader"> & { region: string };

/** A re-check request names a broker or a configuration (and its region); the daily schedule names neither. */
function targetOf(event: unknown): PostureTarget | undefined {
  if (!event || typeof event !== "object") return undefined;
  const e = event as Partial<PostureTarget>;
  const brokerId = typeof e.brokerId === "string" ? e.brokerId : null;
  const configurationId = typeof e.configurationId === "string" ? e.configurationId : null;
  if (brokerId === null && configurationId === null) return undefined;
  return {
    brokerId,
    brokerName: typeof e.brokerName === "string" ? e.brokerName : null,
    configurationId,
    region: typeof e.region === "string" ? e.region : null,
  };
}

/**
 * The posture-audit Lambda: daily over the fleet of every watched region, or for one broker (or
 * configuration) after a change, in the region it is in.
 */
export function makePostureAuditHandler(
  deps: PostureAuditFunctionDeps,
  otherRegions: readonly RegionalAuditDeps[] = [],
  options: DeliveryReporting = {},
) {
  const home = deps.links.region;
  const audits = [
    { region: home, deps: otherRegions.length > 0 ? { ...deps, owns: (b: string) => brokerInRegion(b, home, home) } : deps },
    ...otherRegions.map((r) => ({ region: r.region, deps: { ...deps, ...r, owns: (b: string) => brokerInRegion(b, r.region, home) } })),
  ];
  return middy(async (event: unknown, context: Context): Promise<PostureAuditReport & { deliveries: Delivery[] }> => {
    deps.links.accountId ||= accountOf(context.invokedFunctionArn);
    const target = targetOf(event);
    const chosen = target ? audits.filter((a) => a.region === (target.region ?? home)) : audits;
    if (chosen.length === 0) {
      const line = `posture re-check for region ${target?.region} skipped: the deployment does not watch it (parameter regions)`;
      deps.log.warn(line);
      return { audited: [], staged: [], findings: [], transitions: [], errors: [line], deliveries: [] };
    }
    const reports: PostureAuditReport[] = [];
    for (const audit of chosen) reports.push(await runPostureAudit(audit.deps, target));
    const delivery = await deliverNotifications(deps, { timeLeft: deliveryTimeLeft(context) });
    options.emitDeliveryHealth?.(delivery.health);
    return {
      audited: reports.flatMap((r) => r.audited),
      staged: reports.flatMap((r) => r.staged),
      findings: reports.flatMap((r) => r.findings),
      transitions: reports.flatMap((r) => r.transitions),
      errors: [...reports.flatMap((r) => r.errors), ...delivery.errors],
      deliveries: delivery.deliveries,
    };
  });
}

function productionHandler() {
  const { env, log, sdk, shared, emitDeliveryHealth } = productionRuntime();
  const ttlMs = env.config.polling.inventoryTtlMinutes * 60_000;
  const mq = new MqClient(sdk);
  const deps: PostureAuditFunctionDeps = {
    ...shared,
    inventory: new MqBrokerInventory(mq, systemClock, log, { ttlMs }),
    reader: new AwsPostureReader(mq, new EC2Client(sdk), systemClock),
  };
  const otherRegions = env.otherRegions.map((region) => {
    const regional = new MqClient({ ...sdk, region });
    const qualify = (name: string) => qualifiedBrokerName(name, region, env.region);
    return {
      region,
      inventory: new MqBrokerInventory(regional, systemClock, log, { ttlMs, qualify }),
      reader: new AwsPostureReader(regional, new EC2Client({ ...sdk, region }), systemClock),
    };
  });
  return makePostureAuditHandler(deps, otherRegions, { emitDeliveryHealth: emitDeliveryHealth("posture-audit") }).use(
    injectLambdaContext(log.logger),
  );
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing. */
export const handler = (event: unknown, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
