import type { MessageGroup } from "../core/notifications";
import { renderSlackMessage } from "../core/render/slack-message";
import type { Clock, DeliveryResult, Log, Notifier, SecretSource } from "../ports";
import { httpFailure } from "./delivery-failure";
import { postWithSecret, type SecretDestination } from "./post-with-secret";

/**
 * How long one post to the webhook may take. A webhook that accepts the connection and never answers
 * must not hold the invocation: the outbox tries again on a later round.
 */
export const SLACK_REQUEST_TIMEOUT_MS = 5_000;

/** The webhook's URL is the secret: `[webhook]` stands for it in any text kept. */
const WEBHOOK: SecretDestination = { secretName: "Slack webhook URL", mask: "[webhook]", contentType: "application/json; charset=utf-8" };

/**
 * `Notifier` for a Slack incoming webhook: one attempt per call (the outbox owns retries and
 * backoff). The URL is a secret (read from SSM or Secrets Manager at run time) and never appears in a
 * log line or an error. A refusal for good (a 4xx other than 429) is logged with Slack's answer.
 */
export class SlackNotifier implements Notifier {
  readonly name = "slack";

  constructor(
    private readonly webhookUrl: SecretSource,
    private readonly fetchFn: typeof fetch,
    private readonly clock: Clock,
    private readonly log: Log,
    private readonly requestTimeoutMs: number = SLACK_REQUEST_TIMEOUT_MS,
  ) {}

  async send(group: MessageGroup): Promise<DeliveryResult> {
    const payload = renderSlackMessage(group);
    const posted = await postWithSecret(
      WEBHOOK,
      { secret: this.webhookUrl, fetchFn: this.fetchFn, timeoutMs: this.requestTimeoutMs },
      (url) => ({ url, body: JSON.stringify(payload) }),
      payload,
    );
    if ("failure" in posted) return posted.failure;
    const { response, hide } = posted;
    if (response.ok) {
      // The body is not needed; reading it frees the connection.
      await response.text().catch(() => "");
      return { ok: true, body: payload };
    }
    const answer = hide(await response.text().catch(() => "")).slice(0, 300);
    const result = httpFailure(response.status, answer, response.headers.get("retry-after"), this.clock.now(), payload);
    if (!result.ok && !result.retryable) {
      this.log.error("Slack refused a message for good", { status: response.status, response: answer, broker: group.broker });
    }
    return result;
  }
}
