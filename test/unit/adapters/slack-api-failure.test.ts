import { slackApiFailure } from "../../../shared/adapters/delivery-failure";

const NOW = Date.UTC(2026, 2, 2, 9, 0);

describe("slackApiFailure", () => {
  it.each([
    ["ratelimited", "7", true, 7_000],
    ["rate_limited", null, true, 1_000],
    ["internal_error", null, true, undefined],
    ["fatal_error", null, true, undefined],
    ["service_unavailable", null, true, undefined],
    ["request_timeout", null, true, undefined],
  ])("retries Slack's own trouble: %s (Retry-After %s)", (code, retryAfter, retryable, retryAfterMs) => {
    // Act
    const result = slackApiFailure("chat.update", code, retryAfter, NOW, { channel: "C1" });
    // Assess
    expect(result).toEqual({
      ok: false,
      retryable,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      error: `Slack chat.update: ${code}`,
      body: { channel: "C1" },
    });
  });

  it.each([
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "account_inactive",
    "missing_scope",
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_blocks",
    "msg_too_long",
    "message_not_found",
    "something_new",
  ])("never retries what a person must fix: %s", (code) => {
    // Act
    const result = slackApiFailure("chat.postMessage", code, "30", NOW, null);
    // Assess
    expect(result).toMatchObject({ ok: false, retryable: false, error: `Slack chat.postMessage: ${code}` });
    expect(result.retryAfterMs).toBeUndefined();
  });
});
