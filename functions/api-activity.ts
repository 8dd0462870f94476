import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { MqClient } from "@aws-sdk/client-mq";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { LambdaPostureRecheck } from "../shared/adapters/lambda-posture-recheck";
import { LoggingPostureRecheck } from "../shared/adapters/logging-posture-recheck";
import { MqBrokerDirectory } from "../shared/adapters/mq-broker-directory";
import { RegionalBrokerDirectory } from "../shared/adapters/regional";
import { systemClock } from "../shared/adapters/system-clock";
import { type Delivery, type DeliveryDeps, deliverNotifications } from "../shared/app/deliver-notifications";
import { type ApiEventDeps, type ApiEventOutcome, handleApiEvent } from "../shared/app/handle-api-event";
import { qualifiedBrokerName } from "../shared/core/regions";
import { accountOf } from "./poll-metrics";
import { type DeliveryReporting, deliveryTimeLeft, productionRuntime } from "./runtime";

export type ApiActivityDeps = ApiEventDeps & DeliveryDeps;

/**
 * The api-activity Lambda: one CloudTrail "AWS API Call via CloudTrail" event from EventBridge,
 * then the delivery of what it enqueued (security findings should not wait for the next minute).
 */
export function makeApiActivityHandler(deps: ApiActivityDeps, options: DeliveryReporting = {}) {
  // The event is attacker-shaped input: typed `unknown` and left to the parser.
  return middy(async (event: unknown, context: Context): Promise<ApiEventOutcome & { deliveries: Delivery[] }> => {
    deps.links.accountId ||= accountOf(context.invokedFunctionArn);
    const outcome = await handleApiEvent(deps, event);
    if (outcome.transitions.length === 0) return { ...outcome, deliveries: [] };
    const delivery = await deliverNotifications(deps, { timeLeft: deliveryTimeLeft(context) });
    options.emitDeliveryHealth?.(delivery.health);
    return { ...outcome, errors: [...outcome.errors, ...delivery.errors], deliveries: delivery.deliveries };
  });
}

/** Broker names are reused this long before ListBrokers runs again. */
const DIRECTORY_TTL_MS = 5 * 60_000;

function productionHandler() {
  const { env, log, sdk, shared, emitDeliveryHealth } = productionRuntime();
  const deps: ApiActivityDeps = {
    ...shared,
    optIns: shared.optIns,
    // Events come from the home region and, through the forwarder, from the other watched regions.
    directory: new RegionalBrokerDirectory(
      env.region,
      (region) =>
        new MqBrokerDirectory(new MqClient({ ...sdk, region }), systemClock, DIRECTORY_TTL_MS, (name) =>
          qualifiedBrokerName(name, region, env.region),
        ),
    ),
    posture: env.postureFunction
      ? new LambdaPostureRecheck(new LambdaClient(sdk), env.postureFunction, systemClock, log)
      : new LoggingPostureRecheck(log),
  };
  return makeApiActivityHandler(deps, { emitDeliveryHealth: emitDeliveryHealth("api-activity") }).use(injectLambdaContext(log.logger));
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing. */
export const handler = (event: unknown, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
