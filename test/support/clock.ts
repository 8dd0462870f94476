import type { Clock } from "../../shared/ports";

/** One minute in milliseconds. */
export const MINUTE = 60_000;

/** When the test clock starts unless told otherwise (the fixtures' CloudTrail `DEFAULT_TIME`). */
export const T0 = Date.UTC(2026, 2, 2, 9, 0);

/**
 * The `Clock` of every test: time moves only when the test says so (`minute`, `advance`) or by the
 * waits: `sleep` returns at once but records each wait and moves time by it, so retry tests are fast
 * and can assert the backoff.
 */
export class TestClock implements Clock {
  readonly sleeps: number[] = [];
  private elapsed = 0;

  constructor(readonly start = T0) {}

  /** Minutes since `start`; setting it moves the clock to that minute. */
  get minute(): number {
    return this.elapsed / MINUTE;
  }

  set minute(minute: number) {
    this.elapsed = minute * MINUTE;
  }

  now(): number {
    return this.start + this.elapsed;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.elapsed += ms;
  }

  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    this.elapsed += ms;
  }
}

/** Options for SDK clients under test: no real credentials, and no SDK-level retries (ours are the only layer). */
export const TEST_CLIENT_CONFIG = {
  region: "us-east-1",
  credentials: { accessKeyId: "x", secretAccessKey: "x" },
  maxAttempts: 1,
} as const;
