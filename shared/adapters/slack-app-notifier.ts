import type { ApprovalPrompt, ChatMessageRef, MessageGroup, NotificationItem, SlackPayload } from "../core/notifications";
import { approvalBlocks, renderSlackMessage, SLACK_LIMITS } from "../core/render/slack-message";
import type { DeliveryResult, Log, Notifier } from "../ports";
import type { DeliveryFailure } from "./delivery-failure";
import type { SlackWebApi } from "./slack-web-api";

/** One Web API call as it was sent: the method and its exact payload (what the replay records). */
export interface WebApiCall {
  method: "chat.postMessage" | "chat.update";
  payload: Record<string, unknown>;
}

/** The block id of the Approve/Deny buttons (set by the renderer). */
const BUTTONS_BLOCK_ID = "mq-sentinel-approval";

/**
 * `Notifier` for a Slack app (`notifications.slack.mode` app): one message per incident, posted with
 * `chat.postMessage` and edited in place with `chat.update` on every later transition, so the channel
 * shows each incident as it is now; each change is also posted in the incident's thread (`thread_ts`),
 * and the resolution edits the message to resolved. The message's channel and `ts` are returned with
 * the result and stored with the incident (the outbox writes them with the sent mark), so a later
 * transition knows which message to edit; until they are stored, the outbox holds the incident's
 * later notifications back.
 *
 * One attempt per send (the outbox owns retries). A send is at most two calls: the edit first (a retry
 * repeats it harmlessly), then the thread reply, so a retry after a failed reply never doubles the
 * edit's effect and a failed edit posts nothing in the thread.
 */
export class SlackAppNotifier implements Notifier {
  readonly name = "slack";
  readonly perIncident = true;

  constructor(
    private readonly api: SlackWebApi,
    private readonly channel: string,
    private readonly log: Log,
  ) {}

  async send(group: MessageGroup): Promise<DeliveryResult> {
    const item = group.items[0];
    const rendered = renderSlackMessage(group);
    const ref = item?.incident.messages?.[this.name];
    const approval = waitingApproval(ref, item, group.at);
    const calls: WebApiCall[] = [];
    const call = async (method: WebApiCall["method"], payload: Record<string, unknown>) => {
      calls.push({ method, payload });
      return this.api.call(method, payload);
    };
    const failed = (result: DeliveryFailure): DeliveryResult => {
      if (!result.retryable) this.log.error("Slack refused a call for good", { error: result.error, broker: group.broker });
      return { ...result, body: calls };
    };

    if (!ref) return this.post(call, rendered, approval, failed, calls);

    // 1. the incident's message, edited to the incident as it is now (buttons kept while a request
    //    waits): a resolved incident's message stays resolved, whatever is announced after
    const current = resolvedNow(group) ? renderSlackMessage({ ...group, transition: "resolved" }) : rendered;
    const update = await call("chat.update", { channel: ref.channel, ts: ref.ts, ...withButtons(current, approval) });
    if (!update.ok) {
      // Someone deleted the message: the incident gets a new one, and the thread starts again there.
      if (update.error.endsWith(": message_not_found")) return this.post(call, rendered, approval, failed, calls);
      return failed(update);
    }
    // 2. the change, in the incident's thread (the buttons stay on the message itself)
    const reply = await call("chat.postMessage", { channel: ref.channel, thread_ts: ref.ts, ...withoutButtons(rendered) });
    if (!reply.ok) return failed(reply);
    return { ok: true, body: calls, message: { channel: ref.channel, ts: ref.ts, approval } };
  }

  private async post(
    call: (method: WebApiCall["method"], payload: Record<string, unknown>) => ReturnType<SlackWebApi["call"]>,
    rendered: SlackPayload,
    approval: ApprovalPrompt | null,
    failed: (result: DeliveryFailure) => DeliveryResult,
    calls: WebApiCall[],
  ): Promise<DeliveryResult> {
    const posted = await call("chat.postMessage", {
      channel: this.channel,
      unfurl_links: false,
      unfurl_media: false,
      ...withButtons(rendered, approval),
    });
    if (!posted.ok) return failed(posted);
    const ts = posted.answer.ts;
    const channel = posted.answer.channel;
    if (typeof ts !== "string" || typeof channel !== "string") {
      // Posted, but nothing to edit later: the next transition posts a new message rather than lose one.
      this.log.error("chat.postMessage answered without channel and ts");
      return { ok: true, body: calls };
    }
    return { ok: true, body: calls, message: { channel, ts, approval } };
  }
}

/**
 * The reboot request the incident's message shows buttons for after this send: the one this
 * notification puts to people; none once a decision is announced; else the one already shown, until
 * it expires.
 */
function waitingApproval(ref: ChatMessageRef | undefined, item: NotificationItem | undefined, at: number): ApprovalPrompt | null {
  const note = item?.remediation;
  if (note?.outcome === "awaiting-approval" && note.approval) return note.approval;
  if (note) return null;
  const shown = ref?.approval ?? null;
  return shown && shown.expiresAt > at ? shown : null;
}

/** True when the group's incident is resolved but the group announces something else (a verified reboot). */
function resolvedNow(group: MessageGroup): boolean {
  const incident = group.items[0]?.incident;
  return group.transition !== "resolved" && incident !== undefined && incident.status === "resolved";
}

/** The message with the waiting request's facts and buttons (added when the rendering has none). */
function withButtons(message: SlackPayload, approval: ApprovalPrompt | null): SlackPayload {
  if (!approval || message.blocks.some((b) => b.block_id === BUTTONS_BLOCK_ID)) return message;
  const extra = approvalBlocks(approval);
  if (message.blocks.length + extra.length > SLACK_LIMITS.blocks) return message;
  return { text: message.text, blocks: [...message.blocks, ...extra] };
}

/** The message without buttons: a thread reply must not be a second place to answer a request. */
function withoutButtons(message: SlackPayload): SlackPayload {
  return { text: message.text, blocks: message.blocks.filter((b) => b.block_id !== BUTTONS_BLOCK_ID) };
}
