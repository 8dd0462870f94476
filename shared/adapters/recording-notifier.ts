import type { MessageGroup } from "../core/notifications";
import type { DeliveryResult, Notifier } from "../ports";

/** One message a backtest would have sent. */
export interface RecordedMessage {
  at: number;
  broker: string;
  transition: MessageGroup["transition"];
  incidentIds: string[];
}

/**
 * `Notifier` that sends nothing and records what would have gone out (a backtest): the delivery
 * policy (grouping per broker, repeats, inhibition) runs unchanged, so the count is the real one.
 */
export class RecordingNotifier implements Notifier {
  readonly messages: RecordedMessage[] = [];

  constructor(readonly name = "message") {}

  async send(group: MessageGroup): Promise<DeliveryResult> {
    const message = {
      at: group.at,
      broker: group.broker,
      transition: group.transition,
      incidentIds: group.items.map((i) => i.incident.id),
    };
    this.messages.push(message);
    return { ok: true, body: message };
  }
}
