import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MqClient } from "@aws-sdk/client-mq";
import { SSMClient } from "@aws-sdk/client-ssm";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { DynamoDbRemediationLedger } from "../shared/adapters/dynamodb-remediation-ledger";
import { killSwitchOff, SsmKillSwitch } from "../shared/adapters/kill-switch";
import { MemoryRemediationLedger } from "../shared/adapters/memory-remediation-ledger";
import { MqBrokerControl } from "../shared/adapters/mq-broker-control";
import { RegionalBrokerControl } from "../shared/adapters/regional";
import { systemClock } from "../shared/adapters/system-clock";
import { type Delivery, type DeliveryDeps, deliverNotifications } from "../shared/app/deliver-notifications";
import { type RemediateDeps, type RemediationResult, remediate } from "../shared/app/remediate";
import { qualifiedBrokerName } from "../shared/core/regions";
import type { ApprovalAnswer, RemediationRequest } from "../shared/ports";
import { accountOf } from "./poll-metrics";
import { type DeliveryReporting, deliveryTimeLeft, productionRuntime } from "./runtime";

export type RemediateFunctionDeps = RemediateDeps & DeliveryDeps;

/**
 * The remediate Lambda (invoked asynchronously with one request): decides on fresh facts, reboots
 * when every guard passes, and announces the decision. Its role is the only one with mq:RebootBroker.
 */
export function makeRemediateHandler(deps: RemediateFunctionDeps, options: DeliveryReporting = {}) {
  return middy(
    async (
      event: RemediationRequest | ApprovalAnswer,
      context: Context,
    ): Promise<RemediationResult & { deliveries: Delivery[]; errors: string[] }> => {
      deps.links.accountId ||= accountOf(context.invokedFunctionArn);
      const result = await remediate(deps, event);
      const delivery = await deliverNotifications(deps, { timeLeft: deliveryTimeLeft(context) });
      options.emitDeliveryHealth?.(delivery.health);
      return { ...result, deliveries: delivery.deliveries, errors: delivery.errors };
    },
  );
}

function productionHandler() {
  const { env, log, sdk, shared, emitDeliveryHealth } = productionRuntime();
  const deps: RemediateFunctionDeps = {
    ...shared,
    ledger: shared.table
      ? new DynamoDbRemediationLedger(shared.dynamo, shared.table, systemClock)
      : new MemoryRemediationLedger(systemClock),
    // The home region first, then every other watched region (the request names only the broker id).
    control: new RegionalBrokerControl(
      new Map(
        [env.region, ...env.otherRegions].map((region) => [
          region,
          new MqBrokerControl(new MqClient({ ...sdk, region }), systemClock, (name) => qualifiedBrokerName(name, region, env.region)),
        ]),
      ),
    ),
    killSwitch: env.killSwitchParameter ? new SsmKillSwitch(new SSMClient(sdk), env.killSwitchParameter, systemClock) : killSwitchOff,
  };
  return makeRemediateHandler(deps, { emitDeliveryHealth: emitDeliveryHealth("remediate") }).use(injectLambdaContext(log.logger));
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing. */
export const handler = (event: RemediationRequest | ApprovalAnswer, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
