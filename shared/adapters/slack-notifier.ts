import type { MessageGroup } from "../core/notifications";
import { renderSlackMessage } from "../core/render/slack-message";
import { describeError } from "../errors";
import type { Clock, DeliveryResult, Log, Notifier, SecretSource } from "../ports";

/** Attempts within one delivery round; what still fails waits in the outbox for a later round. */
const ATTEMPTS = 3;
/** A Retry-After up to this long is waited out in place; a longer one is left to a later round. */
const MAX_INLINE_WAIT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 5_000;
const BACKOFF_MS = 500;

/**
 * `Notifier` for a Slack incoming webhook. The URL is a secret (read from SSM or Secrets Manager at
 * run time) and never appears in a log line or an error. HTTP 429 honours `Retry-After`; 5xx and
 * network errors are retried with backoff; any other 4xx will never succeed and is reported with
 * Slack's answer as a permanent failure.
 */
export class SlackNotifier implements Notifier {
  readonly name = "slack";

  constructor(
    private readonly webhookUrl: SecretSource,
    private readonly fetchFn: typeof fetch,
    private readonly clock: Clock,
    private readonly log: Log,
  ) {}

  async send(group: MessageGroup): Promise<DeliveryResult> {
    const payload = renderSlackMessage(group);
    const body = JSON.stringify(payload);
    let url: string;
    try {
      url = await this.webhookUrl.get();
    } catch (error) {
      return { ok: false, retryable: true, error: `Slack webhook URL unavailable: ${describeError(error)}`, body: payload };
    }
    let last: DeliveryResult = { ok: false, retryable: true, error: "not sent", body: payload };
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      let response: Response;
      try {
        response = await this.fetchFn(url, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8" },
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        last = { ok: false, retryable: true, error: hide(describeError(error), url), body: payload };
        if (attempt < ATTEMPTS) await this.clock.sleep(BACKOFF_MS * attempt);
        continue;
      }
      if (response.ok) return { ok: true, body: payload };
      const answer = hide(await response.text().catch(() => ""), url).slice(0, 300);
      if (response.status === 429) {
        const retryAfterMs = retryAfter(response.headers.get("retry-after"));
        last = {
          ok: false,
          retryable: true,
          retryAfterMs,
          error: `HTTP 429 rate limited (Retry-After ${retryAfterMs / 1000} s)`,
          body: payload,
        };
        if (attempt < ATTEMPTS && retryAfterMs <= MAX_INLINE_WAIT_MS) {
          await this.clock.sleep(retryAfterMs);
          continue;
        }
        return last;
      }
      if (response.status >= 500) {
        last = { ok: false, retryable: true, error: `HTTP ${response.status}: ${answer}`, body: payload };
        if (attempt < ATTEMPTS) await this.clock.sleep(BACKOFF_MS * attempt);
        continue;
      }
      // 400 invalid_payload, 403 action_prohibited, 404 no_service, 410 channel_is_archived: final.
      this.log.error("Slack refused a message for good", { status: response.status, response: answer, broker: group.broker });
      return { ok: false, retryable: false, error: `HTTP ${response.status}: ${answer}`, body: payload };
    }
    return last;
  }
}

/** `Retry-After` in seconds (or an HTTP date) as milliseconds; one second when absent or odd. */
function retryAfter(header: string | null): number {
  if (!header) return 1_000;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 3_600) * 1_000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? 1_000 : Math.max(0, Math.min(date - Date.now(), 3_600_000));
}

/** Removes the webhook URL (a secret) from any text that might quote it. */
function hide(text: string, url: string): string {
  return url ? text.split(url).join("[webhook]") : text;
}
