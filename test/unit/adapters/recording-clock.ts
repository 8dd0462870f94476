import type { Clock } from "../../../shared/ports";

/**
 * A `Clock` for adapter tests: time moves only when the test says so (or by the waits), and
 * `sleep` returns at once but records each wait, so retry tests are fast and can assert the backoff.
 */
export class RecordingClock implements Clock {
  readonly sleeps: number[] = [];
  private current: number;

  constructor(startMs = Date.UTC(2026, 0, 15, 12, 0, 0)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += ms;
  }

  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    this.current += ms;
  }
}

/** Options for SDK clients under test: no real credentials, and no SDK-level retries (ours are the only layer). */
export const TEST_CLIENT_CONFIG = {
  region: "us-east-1",
  credentials: { accessKeyId: "x", secretAccessKey: "x" },
  maxAttempts: 1,
} as const;
