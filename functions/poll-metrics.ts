import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context, ScheduledEvent } from "aws-lambda";
import { cycleMetricsLine } from "../shared/adapters/cycle-metrics";
import {
  accountOf,
  type CycleFigures,
  KnownBrokerIds,
  type PollAccountDeps,
  type PollAccountReport,
  pollAccount,
  type RegionalCycleDeps,
  regionalCycles,
} from "../shared/app/poll-account";
import { pollMetricsDeps, withTagChanges } from "../shared/build-deps";
import { type DeliveryReporting, deliveryTimeLeft, productionRuntime } from "./runtime";

export type PollMetricsDeps = PollAccountDeps;
export type PollMetricsReport = PollAccountReport;

export interface PollMetricsOptions extends DeliveryReporting {
  /** Regions watched besides the home region (`links.region`), one cycle each, side by side. */
  otherRegions?: readonly RegionalCycleDeps[];
  /** Where mq-sentinel's own metrics go: the heartbeat, once detection has run. */
  emitFigures?: (figures: CycleFigures) => void;
}

/**
 * The poll-metrics Lambda, every minute: one poll of the account (see `pollAccount`). Each region's
 * inventory carries the `mq-sentinel:*` tag changes CloudTrail reported before its cached
 * descriptions do.
 */
export function makePollMetricsHandler(deps: PollMetricsDeps, options: PollMetricsOptions = {}) {
  const cycles = regionalCycles(deps, options.otherRegions ?? []).map((c) => withTagChanges(c, deps));
  const knownBrokers = options.knownBrokers ?? new KnownBrokerIds();
  const seenStates = new Map<string, string>();
  return middy(
    (_event: ScheduledEvent, context: Context): Promise<PollMetricsReport> =>
      pollAccount(deps, cycles, {
        accountId: accountOf(deps.links, context.invokedFunctionArn),
        knownBrokers,
        seenStates,
        timeLeft: deliveryTimeLeft(context),
        emitFigures: options.emitFigures,
        emitDeliveryHealth: options.emitDeliveryHealth,
      }),
  );
}

/** Production dependencies, built once per container on the first invocation. */
function productionHandler() {
  const runtime = productionRuntime();
  const { deps, otherRegions } = pollMetricsDeps(runtime.deps);
  const emitFigures = (figures: CycleFigures) => process.stdout.write(`${cycleMetricsLine(figures, runtime.deps.env.stage)}\n`);
  const emitDeliveryHealth = runtime.emitDeliveryHealth("poll-metrics");
  return makePollMetricsHandler(deps, { otherRegions, emitFigures, emitDeliveryHealth }).use(injectLambdaContext(runtime.log.logger));
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing, so replay and tests can reuse the factory. */
export const handler = (event: ScheduledEvent, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
