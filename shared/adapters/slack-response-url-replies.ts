import { describeError } from "../errors";
import type { InteractionReplies, Log } from "../ports";

/** How long telling the person who clicked may take: Slack wants its answer within 3 seconds. */
const REPLY_TIMEOUT_MS = 2_000;

/**
 * `InteractionReplies` through the interaction's `response_url`: an ephemeral message to the person
 * who clicked. The URL comes in the (verified) payload; only Slack's own hosts are posted to, so a
 * forged URL can never make mq-sentinel call anywhere else.
 */
export class SlackResponseUrlReplies implements InteractionReplies {
  constructor(
    private readonly fetchFn: typeof fetch,
    private readonly log: Log,
  ) {}

  tell(responseUrl: string, text: string): Promise<void> {
    return this.post(responseUrl, { response_type: "ephemeral", replace_original: false, text });
  }

  replaceOriginal(responseUrl: string, message: { text: string; blocks: readonly Record<string, unknown>[] }): Promise<void> {
    return this.post(responseUrl, { replace_original: true, text: message.text, blocks: message.blocks });
  }

  private async post(responseUrl: string, body: Record<string, unknown>): Promise<void> {
    if (!isSlackResponseUrl(responseUrl)) {
      this.log.warn("interaction reply skipped: response_url is not a Slack URL");
      return;
    }
    try {
      const response = await this.fetchFn(responseUrl, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REPLY_TIMEOUT_MS),
      });
      await response.text().catch(() => "");
      if (!response.ok) this.log.warn("interaction reply refused", { status: response.status });
    } catch (error) {
      this.log.warn("interaction reply failed", { error: describeError(error) });
    }
  }
}

/** `https://hooks.slack.com/...` (and Slack's GovSlack host) only. */
export function isSlackResponseUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "https:" && (u.hostname === "hooks.slack.com" || u.hostname === "hooks.slack-gov.com") && u.port === "";
  } catch {
    return false;
  }
}
