import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { type Delivery, type DeliveryDeps, deliverNotifications } from "../shared/app/deliver-notifications";
import { KnownBrokerIds } from "../shared/app/poll-account";
import { type PostureAuditDeps, type PostureAuditReport, runPostureAudit } from "../shared/app/run-posture-audit";
import { postureAuditDeps } from "../shared/build-deps";
import { brokerInRegion } from "../shared/core/regions";
import type { PostureTarget } from "../shared/ports";
import { type DeliveryReporting, deliveryTimeLeft, invocationLinks, productionRuntime } from "./runtime";

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
  const knownBrokers = options.knownBrokers ?? new KnownBrokerIds();
  const audits = [
    { region: home, deps: otherRegions.length > 0 ? { ...deps, owns: (b: string) => brokerInRegion(b, home, home) } : deps },
    ...otherRegions.map((r) => ({ region: r.region, deps: { ...deps, ...r, owns: (b: string) => brokerInRegion(b, r.region, home) } })),
  ];
  return middy(async (event: unknown, context: Context): Promise<PostureAuditReport & { deliveries: Delivery[] }> => {
    const target = targetOf(event);
    const chosen = target ? audits.filter((a) => a.region === (target.region ?? home)) : audits;
    if (chosen.length === 0) {
      const line = `posture re-check for region ${target?.region} skipped: the deployment does not watch it (parameter regions)`;
      deps.log.warn(line);
      return { audited: [], staged: [], findings: [], transitions: [], errors: [line], deliveries: [] };
    }
    const reports: PostureAuditReport[] = [];
    for (const audit of chosen) reports.push(await runPostureAudit(audit.deps, target));
    const links = invocationLinks(deps.links, knownBrokers, context);
    const delivery = await deliverNotifications({ ...deps, links }, { timeLeft: deliveryTimeLeft(context) });
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
  const { deps, log, emitDeliveryHealth } = productionRuntime();
  const audit = postureAuditDeps(deps);
  return makePostureAuditHandler(audit.deps, audit.otherRegions, { emitDeliveryHealth: emitDeliveryHealth("posture-audit") }).use(
    injectLambdaContext(log.logger),
  );
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing. */
export const handler = (event: unknown, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
