import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { PowertoolsLog } from "../shared/adapters/powertools-log";
import type { ScrapeRequest, ScrapeResponse } from "../shared/adapters/rabbitmq-lambda-scraper";
import { systemClock } from "../shared/adapters/system-clock";
import { makeAwsClient, rabbitMqScraper } from "../shared/build-deps";
import type { ScrapeTarget } from "../shared/core/prometheus-targets";
import { readEnvironment } from "../shared/env";
import type { BrokerScraper, ScrapeResult } from "../shared/ports";

/**
 * The scrape-rabbitmq Lambda: runs in the brokers' VPC (they are private), reads each broker's
 * Prometheus endpoint with the broker's credentials from Secrets Manager, and answers poll-metrics
 * (which invokes it) with one queue snapshot, or the reason it could not read, per broker. It keeps
 * nothing between invocations but the credentials cache and what each endpoint serves; it touches no
 * table and sends no notification.
 */
export function makeScrapeRabbitMqHandler(scraper: BrokerScraper, secretPrefix: string) {
  return middy(async (event: ScrapeRequest, _context: Context): Promise<ScrapeResponse> => {
    const targets = Array.isArray(event?.targets) ? event.targets : [];
    const results: ScrapeResult[] = [];
    const valid: ScrapeTarget[] = [];
    for (const target of targets) {
      const problem = targetProblem(target, secretPrefix);
      if (problem) results.push({ broker: String(target?.broker ?? "?"), snapshot: null, error: problem });
      else valid.push(target);
    }
    results.push(...(await scraper.scrape(valid)));
    return { results };
  });
}

/** Why a target is refused: only this deployment's broker secrets, and only https endpoints. */
function targetProblem(target: ScrapeTarget | undefined, secretPrefix: string): string | null {
  if (!target || typeof target.broker !== "string" || !Array.isArray(target.endpoints)) return "not a scrape target";
  if (target.secretId !== null && (typeof target.secretId !== "string" || !target.secretId.startsWith(secretPrefix)))
    return `secret outside ${secretPrefix}: refused`;
  if (target.endpoints.some((e) => typeof e !== "string" || !e.startsWith("https://"))) return "only https endpoints are read";
  return null;
}

function productionHandler() {
  const env = readEnvironment();
  const log = new PowertoolsLog();
  const scraper = rabbitMqScraper({ env, makeClient: makeAwsClient, clock: systemClock, log });
  return makeScrapeRabbitMqHandler(scraper, env.rabbitMqSecretPrefix).use(injectLambdaContext(log.logger));
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing. */
export const handler = (event: ScrapeRequest, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
