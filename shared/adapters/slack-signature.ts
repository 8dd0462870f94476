import { createHmac, timingSafeEqual } from "node:crypto";
import type { SecretSource, SlackRequestVerifier } from "../ports";

/**
 * Slack's request signing (api.slack.com/authentication/verifying-requests-from-slack): the
 * signature is `v0=` + hex HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<raw body>` keyed with the
 * app's signing secret, compared in constant time. The secret is read at run time and never logged.
 */
export class HmacSlackRequestVerifier implements SlackRequestVerifier {
  constructor(private readonly signingSecret: SecretSource) {}

  async verify(timestamp: string, rawBody: string, signature: string): Promise<boolean> {
    const expected = signSlackRequest(await this.signingSecret.get(), timestamp, rawBody);
    const a = Buffer.from(expected, "utf8");
    const b = Buffer.from(signature, "utf8");
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** The signature Slack sends for a request (also how the replay signs its simulated clicks). */
export function signSlackRequest(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${rawBody}`).digest("hex")}`;
}
