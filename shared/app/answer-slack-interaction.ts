import type { Config } from "../core/config";
import { APPROVE_ACTION_ID, DENY_ACTION_ID } from "../core/render/slack-message";
import { describeError } from "../errors";
import type {
  ApprovalAnswer,
  ApprovalStore,
  Approvers,
  Clock,
  InteractionReplies,
  Log,
  RemediationRequests,
  SlackRequestVerifier,
} from "../ports";

/** What answering a Slack interaction needs. */
export interface InteractionDeps {
  verifier: SlackRequestVerifier;
  approvals: ApprovalStore;
  /** The remediate function, which acts on the answer (it alone may reboot). */
  remediation: RemediationRequests;
  replies: InteractionReplies;
  /** Who may answer, user groups expanded (Slack app mode). Absent: `remediation.approvers` as listed. */
  approvers?: Approvers;
  clock: Clock;
  log: Log;
  config: Config;
}

/** The part of a Lambda function URL request the interactions function reads. */
export interface SlackInteractionEvent {
  headers?: Readonly<Record<string, string | undefined>>;
  body?: string;
  isBase64Encoded?: boolean;
}

/** An HTTP request as the function URL delivers it: lower-case header names, the raw body. */
export interface InteractionRequest {
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
}

/** The HTTP answer to Slack, and what was decided (for logs, tests and replay). */
export interface InteractionOutcome {
  status: number;
  body: string;
  /** What happened: `accepted`, or why nothing did. */
  result:
    | "accepted"
    | "bad-signature"
    | "stale"
    | "replayed"
    | "malformed"
    | "not-an-approver"
    | "expired"
    | "already-answered"
    | "unknown-request";
  answer?: ApprovalAnswer;
}

/** Slack signs a request for this long (its documented replay window). */
const MAX_AGE_SECONDS = 5 * 60;
/** The action ids of the Approve and Deny buttons (the Slack renderer sets them). */
export const APPROVE_ACTION = APPROVE_ACTION_ID;
export const DENY_ACTION = DENY_ACTION_ID;

/**
 * A click on Approve or Deny in Slack:
 * 1. verify the request as Slack specifies: HMAC-SHA256 of `v0:timestamp:body` with the signing
 *    secret, compared in constant time, at most 5 minutes old
 * 2. accept each signed request once (a replay or a retry changes nothing)
 * 3. read the click: who, which button, which request
 * 4. only `remediation.approvers` may answer; a request past its time has expired
 * 5. record the answer (a conditional write: of two clicks or two approvers at once, the first wins;
 *    no other role may write answers) and tell the remediate function, which re-checks every guard
 *    before it reboots
 * Slack needs an answer within 3 seconds: the reboot itself happens in the remediate function.
 */
export async function answerSlackInteraction(deps: InteractionDeps, request: InteractionRequest): Promise<InteractionOutcome> {
  const { clock, log } = deps;
  const now = clock.now();
  const reject = (status: number, result: InteractionOutcome["result"]): InteractionOutcome => {
    log.warn("Slack interaction refused", { result });
    return { status, body: "", result };
  };

  // 1. authenticity and freshness
  const timestamp = request.headers["x-slack-request-timestamp"] ?? "";
  const signature = request.headers["x-slack-signature"] ?? "";
  if (!/^\d{1,12}$/.test(timestamp) || !signature) return reject(401, "bad-signature");
  if (Math.abs(now / 1000 - Number(timestamp)) > MAX_AGE_SECONDS) return reject(401, "stale");
  let authentic: boolean;
  try {
    authentic = await deps.verifier.verify(timestamp, request.body, signature);
  } catch (error) {
    // Without the secret nothing can be verified: Slack retries, and the click is not lost.
    log.error("Slack signing secret unavailable", { error: describeError(error) });
    return { status: 503, body: "", result: "bad-signature" };
  }
  if (!authentic) return reject(401, "bad-signature");

  // 2. once
  if (!(await deps.approvals.acceptInteractionOnce(signature, now))) return { status: 200, body: "", result: "replayed" };

  // 3. the click
  const click = clickOf(request.body);
  if (!click) return reject(400, "malformed");

  // 4. who and when
  const say = (text: string) => (click.responseUrl ? deps.replies.tell(click.responseUrl, text) : Promise.resolve());
  const approver = deps.approvers ? await deps.approvers.includes(click.user) : deps.config.remediation.approvers.includes(click.user);
  if (!approver) {
    await say("You are not among the people who may answer mq-sentinel's reboot requests (remediation.approvers).");
    return reject(200, "not-an-approver");
  }
  const approval = await deps.approvals.get(click.approvalId);
  if (!approval) {
    await say("mq-sentinel has no such reboot request.");
    return reject(200, "unknown-request");
  }
  if (approval.status === "pending" && approval.expiresAt <= now) {
    await say("This reboot request has expired: nothing was done. mq-sentinel asks again if the problem comes back.");
    return reject(200, "expired");
  }

  // 5. answer, once
  const answer: ApprovalAnswer = { kind: "approval-answer", approvalId: approval.id };
  const earlier = approval.status === "pending" ? null : await deps.approvals.answerOf(approval.id);
  if (
    approval.status !== "pending" ||
    !(await deps.approvals.recordAnswer({ approvalId: approval.id, action: click.action, user: click.user, at: now }))
  ) {
    const first = earlier ?? (await deps.approvals.answerOf(approval.id));
    await say(`This reboot request was already answered${first ? ` (${first.action} by ${first.user})` : ` (${approval.status})`}.`);
    return { status: 200, body: "", result: "already-answered" };
  }
  await deps.remediation.request(answer);
  log.info("reboot request answered", { approvalId: approval.id, action: click.action, user: click.user });
  // A webhook's message can only be edited through the click's response_url: the buttons give way to
  // the answer and who gave it. A Slack app edits its own message when the outcome is announced.
  if (deps.config.notifications.slack.mode === "webhook" && click.responseUrl && click.blocks && deps.replies.replaceOriginal)
    await deps.replies.replaceOriginal(click.responseUrl, answeredMessage(click.blocks, click.action, click.user, now));
  await say(
    click.action === "approve"
      ? `Approved. mq-sentinel checks every guard again now and reboots ${approval.broker} only if they all still pass.`
      : `Denied. ${approval.broker} is not rebooted for this incident.`,
  );
  return { status: 200, body: "", result: "accepted", answer };
}

/** The block id of the Approve/Deny buttons (set by the Slack renderer). */
const BUTTONS_BLOCK_ID = "mq-sentinel-approval";

/**
 * The message a click was on, with the buttons replaced by the answer: who gave it (a user id Slack
 * signed; anything else is shown as plain text) and when.
 */
function answeredMessage(
  blocks: readonly Record<string, unknown>[],
  action: "approve" | "deny",
  user: string,
  now: number,
): { text: string; blocks: Record<string, unknown>[] } {
  const who = /^[UW][A-Z0-9]{2,20}$/.test(user) ? `<@${user}>` : "someone";
  const when = `${new Date(now).toISOString().slice(0, 16).replace("T", " ")} UTC`;
  const said =
    action === "approve"
      ? `🙋 *Approved* by ${who} at ${when}. mq-sentinel checks every guard again and reboots only if they all still pass; the outcome follows.`
      : `🙅 *Denied* by ${who} at ${when}. The broker is not rebooted for this incident.`;
  const kept = blocks.filter((b) => b.block_id !== BUTTONS_BLOCK_ID).slice(0, 49);
  return {
    text: action === "approve" ? "Reboot approved: guards checked again" : "Reboot denied",
    blocks: [...kept, { type: "section", block_id: "mq-sentinel-answer", text: { type: "mrkdwn", text: said, verbatim: true } }],
  };
}

/** A button click from a `block_actions` payload (`payload=<JSON>` form body), or null. */
function clickOf(body: string): {
  user: string;
  action: "approve" | "deny";
  approvalId: string;
  responseUrl: string | null;
  /** The blocks of the message the button was on (Slack sends them with the click), when present. */
  blocks: Record<string, unknown>[] | null;
} | null {
  let payload: unknown;
  try {
    payload = JSON.parse(new URLSearchParams(body).get("payload") ?? "");
  } catch {
    return null;
  }
  if (!payload || typeof payload !== "object") return null;
  const p = payload as {
    type?: unknown;
    user?: { id?: unknown };
    actions?: unknown;
    response_url?: unknown;
    message?: { blocks?: unknown };
  };
  const action = Array.isArray(p.actions) ? (p.actions[0] as { action_id?: unknown; value?: unknown } | undefined) : undefined;
  if (p.type !== "block_actions" || typeof p.user?.id !== "string" || !action || typeof action.value !== "string") return null;
  const kind = action.action_id === APPROVE_ACTION ? "approve" : action.action_id === DENY_ACTION ? "deny" : null;
  if (!kind || action.value.length > 200) return null;
  return {
    user: p.user.id,
    action: kind,
    approvalId: action.value,
    responseUrl: typeof p.response_url === "string" ? p.response_url : null,
    blocks: Array.isArray(p.message?.blocks)
      ? p.message.blocks.filter((b): b is Record<string, unknown> => typeof b === "object" && b !== null && !Array.isArray(b))
      : null,
  };
}
