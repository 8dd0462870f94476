import { ListBrokersCommand, type MqClient } from "@aws-sdk/client-mq";
import { MINUTE_MS } from "../core/types";
import type { BrokerDirectory, Clock } from "../ports";
import { withRetry } from "./retry";

/**
 * `BrokerDirectory` over ListBrokers alone (its summaries carry the names, no DescribeBroker
 * needed). The list is reused for `ttlMs`; an unknown id lists again at most once a minute (it may be
 * a broker created seconds ago); every name ever seen is remembered, so a DeleteBroker event still
 * finds the name of a broker that is already gone.
 */
export class MqBrokerDirectory implements BrokerDirectory {
  private readonly names = new Map<string, string>();
  private listedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly client: MqClient,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    /** How brokers are named (outside the home region: `<region>/<name>`, see core/regions). */
    private readonly qualify: (name: string) => string = (name) => name,
  ) {}

  async nameOf(brokerId: string): Promise<string | null> {
    const age = this.clock.now() - this.listedAt;
    if (age >= this.ttlMs || (!this.names.has(brokerId) && age >= MINUTE_MS)) await this.refresh();
    return this.names.get(brokerId) ?? null;
  }

  private async refresh(): Promise<void> {
    let nextToken: string | undefined;
    do {
      const page = await withRetry("mq:ListBrokers", this.clock, () =>
        this.client.send(new ListBrokersCommand({ MaxResults: 100, NextToken: nextToken })),
      );
      for (const b of page.BrokerSummaries ?? []) if (b.BrokerId && b.BrokerName) this.names.set(b.BrokerId, this.qualify(b.BrokerName));
      nextToken = page.NextToken;
    } while (nextToken);
    this.listedAt = this.clock.now();
  }
}
