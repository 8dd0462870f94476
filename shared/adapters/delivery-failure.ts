import { describeError, errorNameOf, isRetryable } from "../errors";
import type { DeliveryResult } from "../ports";

/** A failed attempt, classified. */
export type DeliveryFailure = Extract<DeliveryResult, { ok: false }>;

/**
 * One classifier for every notifier's failed attempt (Alertmanager's `Retrier`): whether a retry can
 * help, how long the destination asked us to wait, and whether the message may have arrived anyway.
 * Notifiers make one attempt each; the outbox (deliver-notifications) owns every retry and backoff.
 */

/** The longest wait a destination's `Retry-After` is taken at its word for. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * A failure that threw (a network error, a timeout, an SDK exception). A timeout after the request
 * left is an unknown outcome: the destination may have received the message, so a retry may repeat it.
 */
export function thrownFailure(error: unknown, body: unknown, hide: (text: string) => string = (t) => t): DeliveryFailure {
  const name = errorNameOf(error);
  const outcomeUnknown = TIMEOUT_NAMES.has(name) || TIMEOUT_NAMES.has(errorNameOf((error as { cause?: unknown } | null)?.cause));
  const cause = (error as { cause?: unknown } | null)?.cause;
  const socketError = cause === undefined ? "" : ` (${describeError(cause)})`;
  return {
    ok: false,
    retryable: outcomeUnknown || isRetryable(error) || isNetworkFailure(error),
    error: hide(`${describeError(error)}${socketError}`),
    body,
    ...(outcomeUnknown ? { outcomeUnknown: true } : {}),
  };
}

/**
 * An HTTP answer other than 2xx: 429 (with `Retry-After`, seconds or an HTTP date) and 5xx are worth
 * retrying; any other 4xx will never succeed (Slack's 400 invalid_payload, 403, 404 no_service, 410
 * channel_is_archived).
 */
export function httpFailure(status: number, answer: string, retryAfterHeader: string | null, now: number, body: unknown): DeliveryFailure {
  if (status === 429) {
    const retryAfterMs = retryAfterOf(retryAfterHeader, now);
    return { ok: false, retryable: true, retryAfterMs, error: `HTTP 429 rate limited (Retry-After ${retryAfterMs / 1000} s)`, body };
  }
  return { ok: false, retryable: status >= 500, error: `HTTP ${status}: ${answer}`, body };
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds; one second when absent or odd. */
export function retryAfterOf(header: string | null, now: number): number {
  if (!header) return 1_000;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1_000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 1_000 : Math.max(0, Math.min(date - now, MAX_RETRY_AFTER_MS));
}

/** `fetch` aborted by its timeout signal, or the SDK's request timeout. */
const TIMEOUT_NAMES = new Set(["TimeoutError", "AbortError", "RequestTimeout", "RequestTimeoutException"]);

/**
 * `fetch` fails with a TypeError ("fetch failed") whose cause carries the socket error (ECONNREFUSED,
 * ENOTFOUND, ...). Matched by name: the error may come from another realm than our TypeError.
 */
function isNetworkFailure(error: unknown): boolean {
  return errorNameOf(error) === "TypeError" && (error as { cause?: unknown }).cause !== undefined;
}

/**
 * Slack Web API errors come as HTTP 200 with `{"ok": false, "error": "<code>"}`. These pass: Slack's
 * own trouble and its rate limit (which also arrives as HTTP 429). Every other code — `invalid_auth`,
 * `not_authed`, `token_revoked`, `account_inactive`, `missing_scope`, `channel_not_found`,
 * `not_in_channel`, `is_archived`, `invalid_blocks`, `msg_too_long`, `message_not_found`, ... — will
 * not change by retrying: a person must fix the app or the channel.
 */
const RETRYABLE_SLACK_ERRORS = new Set([
  "ratelimited",
  "rate_limited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
]);

/** A Web API answer `ok: false`, classified; `retryAfterHeader` is honoured for `ratelimited`. */
export function slackApiFailure(
  method: string,
  code: string,
  retryAfterHeader: string | null,
  now: number,
  body: unknown,
): DeliveryFailure {
  const retryable = RETRYABLE_SLACK_ERRORS.has(code);
  const limited = code === "ratelimited" || code === "rate_limited";
  return {
    ok: false,
    retryable,
    ...(limited ? { retryAfterMs: retryAfterOf(retryAfterHeader, now) } : {}),
    error: `Slack ${method}: ${code}`,
    body,
  };
}
