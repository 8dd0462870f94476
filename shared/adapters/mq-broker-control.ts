import { DescribeBrokerCommand, type MqClient, RebootBrokerCommand } from "@aws-sdk/client-mq";
import type { Broker } from "../core/types";
import { ServiceCallError } from "../errors";
import type { BrokerControl, Clock } from "../ports";
import { toBroker } from "./mq-broker-inventory";
import { withRetry } from "./retry";

/** `BrokerControl` over the Amazon MQ API: a fresh DescribeBroker and RebootBroker. */
export class MqBrokerControl implements BrokerControl {
  constructor(
    private readonly client: MqClient,
    private readonly clock: Clock,
    /** How brokers are named (outside the home region: `<region>/<name>`, see core/regions). */
    private readonly qualify: (name: string) => string = (name) => name,
  ) {}

  async describe(brokerId: string): Promise<Broker | null> {
    try {
      const out = await withRetry(
        "mq:DescribeBroker",
        this.clock,
        () => this.client.send(new DescribeBrokerCommand({ BrokerId: brokerId })),
        { brokerId },
      );
      return toBroker(out, this.qualify);
    } catch (error) {
      if (error instanceof ServiceCallError && error.errorName === "NotFoundException") return null;
      throw error;
    }
  }

  async reboot(brokerId: string): Promise<void> {
    // Never retried: a reboot whose answer was lost may have happened, and a second one must not.
    await withRetry("mq:RebootBroker", this.clock, () => this.client.send(new RebootBrokerCommand({ BrokerId: brokerId })), {
      brokerId,
      attempts: 1,
    });
  }
}
