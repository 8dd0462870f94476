import type { MessageGroup } from "../core/notifications";
import type { DeliveryResult, Log, Notifier } from "../ports";

/**
 * `Notifier` that writes each message as one structured log line: the channel of a deployment
 * without Slack or SNS, and of `mq-sentinel check`.
 */
export class ConsoleNotifier implements Notifier {
  readonly name = "log";

  constructor(private readonly log: Log) {}

  async send(group: MessageGroup): Promise<DeliveryResult> {
    const body = {
      transition: group.transition,
      broker: group.broker,
      incidents: group.items.map((i) => ({
        id: i.incident.id,
        kind: i.incident.kind,
        severity: i.incident.severity,
        resource: i.incident.resource,
        reason: i.reason,
        summary: i.incident.summary,
      })),
    };
    this.log.info(`notification ${group.transition}`, body);
    return { ok: true, body };
  }
}
