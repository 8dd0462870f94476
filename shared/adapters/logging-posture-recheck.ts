import type { Log, PostureRecheck, PostureTarget } from "../ports";

/** `PostureRecheck` that only logs the request (until the posture audit consumes it). */
export class LoggingPostureRecheck implements PostureRecheck {
  readonly requested: (PostureTarget & { reason: string })[] = [];

  constructor(private readonly log: Log) {}

  async request(target: PostureTarget, reason: string): Promise<void> {
    this.requested.push({ ...target, reason });
    this.log.info("posture re-check requested", { ...target, reason });
  }
}
