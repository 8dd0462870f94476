import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { type Delivery, type DeliveryDeps, deliverNotifications } from "../shared/app/deliver-notifications";
import { KnownBrokerIds } from "../shared/app/poll-account";
import { type RemediateDeps, type RemediationResult, remediate } from "../shared/app/remediate";
import { remediateDeps } from "../shared/build-deps";
import type { ApprovalAnswer, RemediationRequest } from "../shared/ports";
import { type DeliveryReporting, deliveryTimeLeft, invocationLinks, productionRuntime } from "./runtime";

export type RemediateFunctionDeps = RemediateDeps & DeliveryDeps;

/**
 * The remediate Lambda (invoked asynchronously with one request): decides on fresh facts, reboots
 * when every guard passes, and announces the decision. Its role is the only one with mq:RebootBroker.
 */
export function makeRemediateHandler(deps: RemediateFunctionDeps, options: DeliveryReporting = {}) {
  const knownBrokers = options.knownBrokers ?? new KnownBrokerIds();
  return middy(
    async (
      event: RemediationRequest | ApprovalAnswer,
      context: Context,
    ): Promise<RemediationResult & { deliveries: Delivery[]; errors: string[] }> => {
      const result = await remediate(deps, event);
      const links = invocationLinks(deps.links, knownBrokers, context);
      const delivery = await deliverNotifications({ ...deps, links }, { timeLeft: deliveryTimeLeft(context) });
      options.emitDeliveryHealth?.(delivery.health);
      return { ...result, deliveries: delivery.deliveries, errors: delivery.errors };
    },
  );
}

function productionHandler() {
  const { deps, log, emitDeliveryHealth } = productionRuntime();
  return makeRemediateHandler(remediateDeps(deps), { emitDeliveryHealth: emitDeliveryHealth("remediate") }).use(
    injectLambdaContext(log.logger),
  );
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing. */
export const handler = (event: RemediationRequest | ApprovalAnswer, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
