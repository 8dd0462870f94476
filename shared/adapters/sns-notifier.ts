import { PublishCommand, type PublishCommandInput, type SNSClient } from "@aws-sdk/client-sns";
import type { MessageGroup } from "../core/notifications";
import { renderSnsMessage } from "../core/render/sns-message";
import type { DeliveryResult, Notifier } from "../ports";
import { thrownFailure } from "./delivery-failure";

/**
 * `Notifier` for an SNS topic: a JSON message with a short subject, and the message attributes
 * `severity`, `kind` (String.Array) and `broker` that subscription filter policies match on. One
 * attempt per call: the outbox owns retries (the client's own request timeout bounds the call).
 */
export class SnsNotifier implements Notifier {
  readonly name = "sns";

  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async send(group: MessageGroup): Promise<DeliveryResult> {
    const payload = renderSnsMessage(group);
    const input: PublishCommandInput = {
      TopicArn: this.topicArn,
      Subject: payload.subject,
      Message: payload.message,
      MessageAttributes: {
        severity: { DataType: "String", StringValue: payload.attributes.severity },
        kind: { DataType: "String.Array", StringValue: JSON.stringify(payload.attributes.kind) },
        // SNS refuses an empty attribute value.
        broker: { DataType: "String", StringValue: payload.attributes.broker || "*" },
        transition: { DataType: "String", StringValue: payload.attributes.transition },
      },
    };
    try {
      await this.client.send(new PublishCommand(input));
      return { ok: true, body: input };
    } catch (error) {
      return thrownFailure(error, input);
    }
  }
}
