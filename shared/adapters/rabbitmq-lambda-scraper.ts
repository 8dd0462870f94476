import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { z } from "zod";
import { mapWithConcurrency } from "../core/concurrency";
import type { ScrapeTarget } from "../core/prometheus-targets";
import { describeError } from "../errors";
import type { BrokerScraper, ScrapeResult } from "../ports";

/** Brokers read at the same time (one invocation each). */
const INVOKE_CONCURRENCY = 4;

/** What the scrape-rabbitmq function is given: the brokers to read. */
export interface ScrapeRequest {
  targets: ScrapeTarget[];
}

const counters = z.record(z.string(), z.number().finite().min(0));
const count = z.number().finite().min(0).nullable();
const snapshotSchema = z.object({
  version: z.string().nullable(),
  nodes: z.array(z.string()),
  counters: z.enum(["queue", "channel", "none"]),
  queues: z.array(
    z.object({
      vhost: z.string(),
      name: z.string(),
      ready: count,
      unacked: count,
      consumers: count,
      dequeued: counters,
      published: counters,
    }),
  ),
});
const resultsSchema = z.object({
  results: z.array(
    z.union([
      z.object({ broker: z.string(), snapshot: snapshotSchema }),
      z.object({ broker: z.string(), snapshot: z.null(), error: z.string() }),
    ]),
  ),
});

/** The answer of the scrape-rabbitmq function: one result per broker it was given. */
export type ScrapeResponse = z.infer<typeof resultsSchema>;

/**
 * `BrokerScraper` that asks the scrape-rabbitmq function, which runs in the brokers' VPC (the brokers
 * are private), one invocation per broker so that one slow broker costs only its own read. A failed
 * invocation or an answer of the wrong shape is that broker "not read". Not retried: the next minute
 * reads again, and a retry would only push the cycle past its minute.
 */
export class LambdaRabbitMqScraper implements BrokerScraper {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  scrape(targets: readonly ScrapeTarget[]): Promise<ScrapeResult[]> {
    return mapWithConcurrency(targets, INVOKE_CONCURRENCY, (target) => this.scrapeOne(target));
  }

  private async scrapeOne(target: ScrapeTarget): Promise<ScrapeResult> {
    const notRead = (error: string): ScrapeResult => ({ broker: target.broker, snapshot: null, error });
    let payload: Uint8Array | undefined;
    try {
      const request: ScrapeRequest = { targets: [target] };
      const out = await this.client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: "RequestResponse",
          Payload: new TextEncoder().encode(JSON.stringify(request)),
        }),
      );
      if (out.FunctionError) return notRead(`scrape function failed (${out.FunctionError})`);
      payload = out.Payload;
    } catch (error) {
      return notRead(`scrape function not invoked: ${describeError(error)}`);
    }
    let parsed: ScrapeResponse;
    try {
      parsed = resultsSchema.parse(JSON.parse(new TextDecoder().decode(payload ?? new Uint8Array())));
    } catch {
      return notRead("scrape function answered in an unexpected shape");
    }
    const result = parsed.results.find((r) => r.broker === target.broker);
    return result ?? notRead("scrape function answered without this broker");
  }
}
