import { describeError } from "../errors";
import type { Clock, SecretSource } from "../ports";
import { type DeliveryFailure, httpFailure, slackApiFailure, thrownFailure } from "./delivery-failure";

/** How long one Web API call may take; past it the outbox tries again on a later round. */
export const SLACK_API_TIMEOUT_MS = 5_000;

/** Slack's Web API. */
export const SLACK_API_URL = "https://slack.com/api/";

/** What one Web API call gave: Slack's answer, or a classified failure (one attempt; the caller owns retries). */
export type WebApiResult = { ok: true; answer: Record<string, unknown> } | DeliveryFailure;

/**
 * The subset of Slack's Web API mq-sentinel uses (`chat.postMessage`, `chat.update`,
 * `usergroups.users.list`), one attempt per call. The bot token (`xoxb-…`, from SSM or Secrets
 * Manager) goes in the `Authorization: Bearer` header only, never in a log line or an error. Slack
 * answers most errors with HTTP 200 and `ok: false`; they are classified like HTTP failures
 * ({@link slackApiFailure}), and a 429's `Retry-After` is honoured.
 */
export class SlackWebApi {
  constructor(
    private readonly token: SecretSource,
    private readonly fetchFn: typeof fetch,
    private readonly clock: Clock,
    private readonly baseUrl: string = SLACK_API_URL,
    private readonly timeoutMs: number = SLACK_API_TIMEOUT_MS,
  ) {}

  /**
   * Calls `method` with `payload`: JSON for the write methods, a form for the read ones (Slack reads
   * arguments of methods such as `usergroups.users.list` only from a query or a form).
   */
  async call(method: string, payload: Record<string, unknown>, encoding: "json" | "form" = "json"): Promise<WebApiResult> {
    let token: string;
    try {
      token = await this.token.get();
    } catch (error) {
      return { ok: false, retryable: true, error: `Slack bot token unavailable: ${describeError(error)}`, body: payload };
    }
    const hide = (text: string) => text.split(token).join("[token]");
    const body =
      encoding === "json"
        ? JSON.stringify(payload)
        : new URLSearchParams(Object.entries(payload).map(([k, v]): [string, string] => [k, String(v)])).toString();
    let response: Response;
    try {
      response = await this.fetchFn(`${this.baseUrl}${method}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": encoding === "json" ? "application/json; charset=utf-8" : "application/x-www-form-urlencoded",
        },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      return thrownFailure(error, payload, hide);
    }
    const text = await response.text().catch(() => "");
    if (!response.ok)
      return httpFailure(response.status, hide(text).slice(0, 300), response.headers.get("retry-after"), this.clock.now(), payload);
    let answer: Record<string, unknown>;
    try {
      answer = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return { ok: false, retryable: true, error: `Slack ${method}: an answer that is not JSON`, body: payload };
    }
    if (answer.ok !== true) {
      const code = typeof answer.error === "string" ? answer.error.slice(0, 100) : "unknown_error";
      return slackApiFailure(method, code, response.headers.get("retry-after"), this.clock.now(), payload);
    }
    return { ok: true, answer };
  }
}
