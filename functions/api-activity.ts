import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { type Delivery, type DeliveryDeps, deliverNotifications } from "../shared/app/deliver-notifications";
import { type ApiEventDeps, type ApiEventOutcome, handleApiEvent } from "../shared/app/handle-api-event";
import { KnownBrokerIds } from "../shared/app/poll-account";
import { apiActivityDeps } from "../shared/build-deps";
import { type DeliveryReporting, deliveryTimeLeft, invocationLinks, productionRuntime } from "./runtime";

export type ApiActivityDeps = ApiEventDeps & DeliveryDeps;

/**
 * The api-activity Lambda: one CloudTrail "AWS API Call via CloudTrail" event from EventBridge,
 * then the delivery of what it enqueued (security findings should not wait for the next minute).
 */
export function makeApiActivityHandler(deps: ApiActivityDeps, options: DeliveryReporting = {}) {
  const knownBrokers = options.knownBrokers ?? new KnownBrokerIds();
  // The event is attacker-shaped input: typed `unknown` and left to the parser.
  return middy(async (event: unknown, context: Context): Promise<ApiEventOutcome & { deliveries: Delivery[] }> => {
    const outcome = await handleApiEvent(deps, event);
    if (outcome.transitions.length === 0) return { ...outcome, deliveries: [] };
    const links = invocationLinks(deps.links, knownBrokers, context);
    const delivery = await deliverNotifications({ ...deps, links }, { timeLeft: deliveryTimeLeft(context) });
    options.emitDeliveryHealth?.(delivery.health);
    return { ...outcome, errors: [...outcome.errors, ...delivery.errors], deliveries: delivery.deliveries };
  });
}

function productionHandler() {
  const { deps, log, emitDeliveryHealth } = productionRuntime();
  return makeApiActivityHandler(apiActivityDeps(deps), { emitDeliveryHealth: emitDeliveryHealth("api-activity") }).use(
    injectLambdaContext(log.logger),
  );
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing. */
export const handler = (event: unknown, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
