import type { Clock } from "../ports";

/**
 * Amazon MQ's API quota: 15 requests a second per account, across every Amazon MQ API and every
 * caller, with a burst of 100 (Amazon MQ quotas). mq-sentinel paces its own calls below it, leaving
 * room for people, tools and its other functions (the posture audit, remediation).
 */
export const AMAZON_MQ_PACE = { ratePerSecond: 12, burst: 40 } as const;

/**
 * A client-side token bucket: `take()` resolves when a request may be sent, waiting on the clock
 * when the bucket is empty, so a burst of calls goes out at the bucket's pace instead of being
 * throttled. Time is the clock's, advanced by the waits themselves: on the replay's virtual clock,
 * which stands still within a minute, the waits are what moves it.
 */
export class RequestPacer {
  private tokens: number;
  private last: number | null = null;
  /** The clock as the pacer knows it: never behind its own waits. */
  private virtualNow = 0;
  /** Takes are served one at a time, in order, so concurrent callers never overspend the bucket. */
  private queue: Promise<void> = Promise.resolve();
  /** Milliseconds waited in all (for logs and the benchmark). */
  waitedMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly pace: { ratePerSecond: number; burst: number } = AMAZON_MQ_PACE,
  ) {
    this.tokens = pace.burst;
  }

  /** Resolves when one request may go out. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.takeNow());
    this.queue = turn.catch(() => {});
    return turn;
  }

  private async takeNow(): Promise<void> {
    this.refill();
    if (this.tokens < 1) {
      const wait = Math.ceil(((1 - this.tokens) / this.pace.ratePerSecond) * 1000);
      const before = this.time();
      await this.clock.sleep(wait);
      this.waitedMs += wait;
      // A real clock has moved on by itself; the replay's virtual one only by the wait.
      this.virtualNow = Math.max(this.virtualNow, before + wait);
      this.refill();
    }
    this.tokens -= 1;
  }

  private time(): number {
    return Math.max(this.clock.now(), this.virtualNow);
  }

  private refill(): void {
    const now = this.time();
    if (this.last !== null) this.tokens = Math.min(this.pace.burst, this.tokens + ((now - this.last) / 1000) * this.pace.ratePerSecond);
    this.last = now;
  }
}
