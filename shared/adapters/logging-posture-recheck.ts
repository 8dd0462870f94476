import type { Log, PostureRecheck } from "../ports";

/** `PostureRecheck` that only logs the request (until the posture audit consumes it). */
export class LoggingPostureRecheck implements PostureRecheck {
  readonly requested: { id: string; name: string | null; reason: string }[] = [];

  constructor(private readonly log: Log) {}

  async request(broker: { id: string; name: string | null }, reason: string): Promise<void> {
    this.requested.push({ ...broker, reason });
    this.log.info("posture re-check requested", { brokerId: broker.id, broker: broker.name, reason });
  }
}
