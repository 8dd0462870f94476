import { MemoryApprovalStore } from "../../../shared/adapters/memory-approval-store";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { isSlackResponseUrl } from "../../../shared/adapters/slack-response-url-replies";
import { HmacSlackRequestVerifier, signSlackRequest } from "../../../shared/adapters/slack-signature";
import {
  APPROVE_ACTION,
  answerSlackInteraction,
  DENY_ACTION,
  type InteractionDeps,
  type InteractionRequest,
} from "../../../shared/app/answer-slack-interaction";
import { parseConfig } from "../../../shared/core/config";
import type { ApprovalAnswer, RemediationRequest } from "../../../shared/ports";
import { anApprovalRequest } from "../../support/approvals";
import { TestClock } from "../../support/clock";
import { MINUTE, T0 } from "../app/fakes";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const APPROVER = "U024BE7LH";

function world() {
  const clock = new TestClock();
  const approvals = new MemoryApprovalStore();
  const handed: (RemediationRequest | ApprovalAnswer)[] = [];
  const told: { url: string; text: string }[] = [];
  const replaced: { url: string; message: { text: string; blocks: readonly Record<string, unknown>[] } }[] = [];
  const deps: InteractionDeps = {
    verifier: new HmacSlackRequestVerifier({ get: async () => SECRET }),
    approvals,
    remediation: { request: async (r) => void handed.push(r) },
    replies: {
      tell: async (url, text) => void told.push({ url, text }),
      replaceOriginal: async (url, message) => void replaced.push({ url, message }),
    },
    clock,
    log: new RecordingLog(),
    config: parseConfig({ remediation: { mode: "approve", approvers: [APPROVER] } }).config,
  };
  return { clock, approvals, handed, told, replaced, deps };
}

/** A click as Slack posts it: form body `payload=<json>`, signed at `atSeconds` with `secret`. */
function click(
  options: {
    user?: string;
    action?: string;
    value?: string;
    atSeconds?: number;
    secret?: string;
    responseUrl?: string;
    blocks?: Record<string, unknown>[];
  } = {},
): InteractionRequest {
  const payload = {
    ...(options.blocks ? { message: { type: "message", ts: "1772442000.000100", blocks: options.blocks } } : {}),
    type: "block_actions",
    user: { id: options.user ?? APPROVER, username: "jules" },
    actions: [{ action_id: options.action ?? APPROVE_ACTION, value: options.value ?? "inc-1#100", type: "button" }],
    response_url: options.responseUrl ?? "https://hooks.slack.com/actions/T0/1/abc",
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(options.atSeconds ?? Math.floor(T0 / 1000));
  return {
    headers: { "x-slack-request-timestamp": timestamp, "x-slack-signature": signSlackRequest(options.secret ?? SECRET, timestamp, body) },
    body,
  };
}

describe("answerSlackInteraction", () => {
  it("accepts a signed approval from an approver, marks the request approved and hands it to remediate", async () => {
    // Prepare
    const w = world();
    await w.approvals.create(anApprovalRequest());
    // Act
    const outcome = await answerSlackInteraction(w.deps, click());
    // Assess
    expect(outcome).toMatchObject({ status: 200, result: "accepted" });
    expect(w.handed).toEqual([{ kind: "approval-answer", approvalId: "inc-1#100" }]);
    expect(await w.approvals.answerOf("inc-1#100")).toEqual({ approvalId: "inc-1#100", action: "approve", user: APPROVER, at: T0 });
    expect(w.told.map((t) => t.text)).toEqual([expect.stringMatching(/^Approved\. mq-sentinel checks every guard again/)]);
  });

  it("records a denial the same way", async () => {
    // Prepare
    const w = world();
    await w.approvals.create(anApprovalRequest());
    // Act
    const outcome = await answerSlackInteraction(w.deps, click({ action: DENY_ACTION }));
    // Assess
    expect(outcome.result).toBe("accepted");
    expect(w.handed).toHaveLength(1);
    expect((await w.approvals.answerOf("inc-1#100"))?.action).toBe("deny");
  });

  it.each<[string, InteractionRequest]>([
    ["signed with another secret", click({ secret: "not-the-secret" })],
    ["with its body changed after signing", { ...click(), body: click({ user: "U0ATTACKER" }).body }],
    ["without a signature", { headers: { "x-slack-request-timestamp": String(T0 / 1000) }, body: click().body }],
    ["with a malformed timestamp", { ...click(), headers: { ...click().headers, "x-slack-request-timestamp": "yesterday" } }],
  ])("refuses a request %s, with 401 and nothing done", async (_label, request) => {
    // Prepare
    const w = world();
    await w.approvals.create(anApprovalRequest());
    // Act
    const outcome = await answerSlackInteraction(w.deps, request);
    // Assess
    expect(outcome).toMatchObject({ status: 401, result: "bad-signature" });
    expect(w.handed).toEqual([]);
    expect(await w.approvals.answerOf("inc-1#100")).toBeNull();
  });

  it.each([6 * 60, -6 * 60])("refuses a correctly signed request %i s away from now (a replay of an old click)", async (offset) => {
    // Prepare
    const w = world();
    await w.approvals.create(anApprovalRequest());
    // Act
    const outcome = await answerSlackInteraction(w.deps, click({ atSeconds: Math.floor(T0 / 1000) + offset }));
    // Assess
    expect(outcome).toMatchObject({ status: 401, result: "stale" });
    expect(w.handed).toEqual([]);
  });

  it("accepts the same signed request once: a replay or Slack's retry changes nothing", async () => {
    // Prepare
    const w = world();
    await w.approvals.create(anApprovalRequest());
    const request = click();
    // Act
    const first = await answerSlackInteraction(w.deps, request);
    const again = await answerSlackInteraction(w.deps, request);
    // Assess
    expect([first.result, again.result]).toEqual(["accepted", "replayed"]);
    expect(w.handed).toHaveLength(1);
  });

  it("lets only remediation.approvers answer, and tells the person who is not one", async () => {
    // Prepare
    const w = world();
    await w.approvals.create(anApprovalRequest());
    // Act
    const outcome = await answerSlackInteraction(w.deps, click({ user: "U0NOTALLOWED" }));
    // Assess
    expect(outcome).toMatchObject({ status: 200, result: "not-an-approver" });
    expect(w.handed).toEqual([]);
    expect(await w.approvals.answerOf("inc-1#100")).toBeNull();
    expect(w.told[0]?.text).toMatch(/not among the people who may answer/);
  });

  it("does nothing with an approval that comes after the request expired", async () => {
    // Prepare
    const w = world();
    await w.approvals.create(anApprovalRequest({ expiresAt: T0 + 30 * MINUTE }));
    w.clock.minute = 31;
    // Act
    const outcome = await answerSlackInteraction(w.deps, click({ atSeconds: Math.floor(w.clock.now() / 1000) }));
    // Assess
    expect(outcome.result).toBe("expired");
    expect(w.handed).toEqual([]);
  });

  it("hands over one answer when two approvers click at the same time", async () => {
    // Prepare
    const w = world();
    w.deps = { ...w.deps, config: parseConfig({ remediation: { mode: "approve", approvers: [APPROVER, "U0SECOND"] } }).config };
    await w.approvals.create(anApprovalRequest());
    // Act
    const outcomes = await Promise.all([
      answerSlackInteraction(w.deps, click()),
      answerSlackInteraction(w.deps, click({ user: "U0SECOND" })),
      answerSlackInteraction(w.deps, click({ user: "U0SECOND", atSeconds: Math.floor(T0 / 1000) + 1 })),
    ]);
    // Assess
    expect(outcomes.map((o) => o.result).sort()).toEqual(["accepted", "already-answered", "already-answered"]);
    expect(w.handed).toHaveLength(1);
  });

  it.each([
    [APPROVE_ACTION, "🙋 *Approved* by <@U024BE7LH> at 2026-03-02 09:00 UTC."],
    [DENY_ACTION, "🙅 *Denied* by <@U024BE7LH> at 2026-03-02 09:00 UTC."],
  ])("replaces the webhook message's buttons (%s) with the answer and who gave it, through the response_url", async (action, said) => {
    // Prepare
    const w = world();
    await w.approvals.create(anApprovalRequest());
    const blocks = [
      { type: "header", block_id: "h", text: { type: "plain_text", text: "🔴 Reboot awaits approval" } },
      { type: "section", block_id: "mq-sentinel-approval-facts", text: { type: "plain_text", text: "A reboot touches: 42 connections" } },
      { type: "actions", block_id: "mq-sentinel-approval", elements: [] },
    ];
    // Act
    const outcome = await answerSlackInteraction(w.deps, click({ action, blocks }));
    // Assess
    expect(outcome.result).toBe("accepted");
    expect(w.replaced).toHaveLength(1);
    expect(w.replaced[0]?.url).toBe("https://hooks.slack.com/actions/T0/1/abc");
    const kept = w.replaced[0]?.message.blocks ?? [];
    expect(kept.map((b) => b.block_id)).toEqual(["h", "mq-sentinel-approval-facts", "mq-sentinel-answer"]);
    expect(JSON.stringify(kept.at(-1))).toContain(JSON.stringify(said).slice(1, -1));
  });

  it("leaves the message to the Slack app's own edit in app mode, and edits nothing for a refused click", async () => {
    // Prepare
    const w = world();
    const app = parseConfig({
      remediation: { mode: "approve", approvers: [APPROVER] },
      notifications: { slack: { mode: "app", channel: "C0ALERTS1" } },
    }).config;
    await w.approvals.create(anApprovalRequest());
    await w.approvals.create(anApprovalRequest({ id: "inc-2#100", incidentId: "inc-2" }));
    const blocks = [{ type: "actions", block_id: "mq-sentinel-approval", elements: [] }];
    // Act
    const inApp = await answerSlackInteraction({ ...w.deps, config: app }, click({ blocks }));
    const refused = await answerSlackInteraction(w.deps, click({ user: "U0NOTALLOWED", value: "inc-2#100", blocks }));
    // Assess
    expect([inApp.result, refused.result]).toEqual(["accepted", "not-an-approver"]);
    expect(w.replaced).toEqual([]);
  });

  it("refuses a payload that is not a button click on a request", async () => {
    // Prepare
    const w = world();
    const body = new URLSearchParams({ payload: JSON.stringify({ type: "view_submission", user: { id: APPROVER } }) }).toString();
    const timestamp = String(Math.floor(T0 / 1000));
    // Act
    const outcome = await answerSlackInteraction(w.deps, {
      headers: { "x-slack-request-timestamp": timestamp, "x-slack-signature": signSlackRequest(SECRET, timestamp, body) },
      body,
    });
    // Assess
    expect(outcome).toMatchObject({ status: 400, result: "malformed" });
  });
});

describe("isSlackResponseUrl", () => {
  it.each([
    ["https://hooks.slack.com/actions/T0/1/abc", true],
    ["http://hooks.slack.com/actions/T0/1/abc", false],
    ["https://hooks.slack.com.evil.example/x", false],
    ["https://evil.example/?hooks.slack.com", false],
    ["https://hooks.slack.com:8443/x", false],
    ["not a url", false],
  ])("%s -> %s", (url, expected) => {
    expect(isSlackResponseUrl(url)).toBe(expected);
  });
});
