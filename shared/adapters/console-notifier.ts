import type { Transition } from "../core/incidents";
import type { Log, Notifier } from "../ports";

/**
 * `Notifier` that writes each transition as one structured log line: the notifier of a deployment
 * without Slack or SNS, and of `mq-sentinel check`.
 */
export class ConsoleNotifier implements Notifier {
  constructor(private readonly log: Log) {}

  async notify(transitions: readonly Transition[]): Promise<void> {
    for (const t of transitions) {
      this.log.info(`incident ${t.type}`, {
        incidentId: t.incident.id,
        kind: t.incident.kind,
        broker: t.incident.broker,
        resource: t.incident.resource,
        severity: t.incident.severity,
        summary: t.incident.summary,
      });
    }
  }
}
