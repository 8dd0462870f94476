import { isRetryable, ServiceCallError } from "../errors";
import type { Clock } from "../ports";

/** Attempts per call, the first included. The SDK clients run with `maxAttempts: 1`, so this is the only retry layer. */
export const MAX_ATTEMPTS = 4;
/** The first backoff's upper bound; each retry doubles it ("full jitter"). */
export const BASE_BACKOFF_MS = 200;
/** No single wait is longer than this: a Lambda cycle has a minute at most. */
export const MAX_BACKOFF_MS = 5_000;

/**
 * Calls `fn`, retrying retryable failures (throttling, 5xx, network) with jittered exponential
 * backoff, and throws a `ServiceCallError` naming the operation when it gives up.
 */
export async function withRetry<T>(
  operation: string,
  clock: Clock,
  fn: () => Promise<T>,
  context: { brokerId?: string; attempts?: number } = {},
): Promise<T> {
  const attempts = context.attempts ?? MAX_ATTEMPTS;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await fn();
    } catch (error) {
      lastError = error;
      if (!isRetryable(error) || attempt === attempts - 1) break;
      const cap = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt);
      await clock.sleep(Math.random() * cap);
    }
  }
  throw new ServiceCallError(operation, lastError, context.brokerId ? { brokerId: context.brokerId } : {});
}
