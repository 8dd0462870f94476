import { signSlackRequest } from "../adapters/slack-signature";
import { APPROVE_ACTION, DENY_ACTION, type SlackInteractionEvent } from "../app/answer-slack-interaction";

/**
 * People answering in Slack, as the simulation posts them: a click on Approve or Deny is the
 * `block_actions` payload Slack sends to the interactions function URL, signed with the app's signing
 * secret as Slack signs it, so the real verification runs.
 */

/** The replay's Slack app signing secret: clicks are signed with it as Slack signs interactions. */
export const REPLAY_SIGNING_SECRET = "replay-signing-secret";

/** A click on Approve or Deny as Slack posts it to the interactions function URL, signed. */
export function signedClick(approvalId: string, click: { action: "approve" | "deny"; user: string }, nowMs: number): SlackInteractionEvent {
  const payload = {
    type: "block_actions",
    user: { id: click.user },
    actions: [{ action_id: click.action === "approve" ? APPROVE_ACTION : DENY_ACTION, value: approvalId, type: "button" }],
    response_url: "https://hooks.slack.com/actions/T0/1/replay",
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": signSlackRequest(REPLAY_SIGNING_SECRET, timestamp, body),
    },
    body,
    isBase64Encoded: false,
  };
}
