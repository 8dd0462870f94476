import type { Context } from "aws-lambda";
import { deliveryMetricsLine } from "../shared/adapters/cycle-metrics";
import { PowertoolsLog } from "../shared/adapters/powertools-log";
import { systemClock } from "../shared/adapters/system-clock";
import type { DeliveryHealth } from "../shared/app/deliver-notifications";
import { accountOf, type KnownBrokerIds } from "../shared/app/poll-account";
import { buildDeps, type Deps, makeAwsClient } from "../shared/build-deps";
import type { MessageContext } from "../shared/core/notifications";
import { readEnvironment } from "../shared/env";

/** What every deployed function shares: the dependencies, and the log the Lambda context is injected into. */
export interface ProductionRuntime {
  deps: Deps;
  log: PowertoolsLog;
  /** Writes an invocation's delivery-health figures (embedded metric format) for a function. */
  emitDeliveryHealth: (functionName: string) => (health: DeliveryHealth) => void;
}

/** Kept back from the Lambda's remaining time when delivering: the last writes and the return. */
const DELIVERY_MARGIN_MS = 3_000;

/** Where a handler reports the delivery-health figures of each invocation, and what it knows of broker ids. */
export interface DeliveryReporting {
  emitDeliveryHealth?: (health: DeliveryHealth) => void;
  /** The broker ids learnt so far (the replay's functions share poll-metrics'); absent: the handler's own. */
  knownBrokers?: KnownBrokerIds;
}

/**
 * How long delivery may still take in this invocation: the Lambda's remaining time minus a margin.
 * A context without a clock (a handler called outside Lambda, e.g. a local trial) sets no limit.
 */
export function deliveryTimeLeft(context: Partial<Pick<Context, "getRemainingTimeInMillis">>): () => number {
  const remaining = context.getRemainingTimeInMillis;
  if (typeof remaining !== "function") return () => Number.POSITIVE_INFINITY;
  return () => remaining.call(context) - DELIVERY_MARGIN_MS;
}

/** The console links of one invocation: in the invocation's account, with the broker ids known so far. */
export function invocationLinks(
  links: MessageContext,
  known: KnownBrokerIds,
  context: Pick<Context, "invokedFunctionArn">,
): MessageContext {
  return known.links(links, accountOf(links, context.invokedFunctionArn));
}

/** Builds the production dependencies from the environment, with real SDK clients (once per container). */
export function productionRuntime(): ProductionRuntime {
  const env = readEnvironment();
  const log = new PowertoolsLog();
  return {
    deps: buildDeps({ env, makeClient: makeAwsClient, fetch, clock: systemClock, log }),
    log,
    emitDeliveryHealth: (functionName) => (health) =>
      process.stdout.write(`${deliveryMetricsLine(health, systemClock.now(), env.stage, functionName)}\n`),
  };
}
