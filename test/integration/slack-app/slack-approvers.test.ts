import { MemoryApprovalStore } from "../../../shared/adapters/memory-approval-store";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { SlackApprovers } from "../../../shared/adapters/slack-approvers";
import { HmacSlackRequestVerifier, signSlackRequest } from "../../../shared/adapters/slack-signature";
import { SlackWebApi } from "../../../shared/adapters/slack-web-api";
import { APPROVE_ACTION, answerSlackInteraction } from "../../../shared/app/answer-slack-interaction";
import { parseConfig } from "../../../shared/core/config";
import type { ApprovalAnswer, RemediationRequest } from "../../../shared/ports";
import { anApprovalRequest } from "../../support/approvals";
import { FakeClock, MINUTE, T0 } from "../../unit/app/fakes";
import { LocalSlackWebApi } from "./local-slack-web-api";

const TOKEN = "xoxb-3333-4444-approvers-token";
const ON_CALL = "S0ONCALL1";

describe("SlackApprovers: remediation.approvers with a Slack user group, against a local Web API", () => {
  const slack = new LocalSlackWebApi(TOKEN, ["C0ALERTS1"]);
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await slack.start();
    slack.userGroups.set(ON_CALL, ["U0ALICE01", "U0BOB0002"]);
  });
  afterAll(() => slack.stop());
  beforeEach(() => slack.reset());

  function approvers(list: string[], options: { api?: boolean } = {}) {
    const clock = new FakeClock();
    const log = new RecordingLog();
    const api = options.api === false ? null : new SlackWebApi({ get: async () => TOKEN }, fetch, clock, baseUrl);
    return { clock, log, approvers: new SlackApprovers(list, api, clock, log, 5 * MINUTE) };
  }

  it("lets a listed user and the members of a listed group answer; the group is read with the bot token, as a form, cached for minutes", async () => {
    // Prepare
    const w = approvers(["U024BE7LH", ON_CALL]);
    // Act
    const answers = [
      await w.approvers.includes("U024BE7LH"),
      await w.approvers.includes("U0ALICE01"),
      await w.approvers.includes("U0BOB0002"),
      await w.approvers.includes("U0MALLORY"),
    ];
    const readsWithinCache = slack.calls("usergroups.users.list").length;
    w.clock.minute = 6;
    await w.approvers.includes("U0ALICE01");
    // Assess
    expect(answers).toEqual([true, true, true, false]);
    expect(readsWithinCache).toBe(1);
    expect(slack.calls("usergroups.users.list")).toHaveLength(2);
    expect(slack.requests[0]).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      contentType: "application/x-www-form-urlencoded",
      args: { usergroup: ON_CALL },
    });
  });

  it.each([
    ["Slack is down", [{ status: 503 }]],
    ["Slack rate limits", [{ status: 429, headers: { "retry-after": "5" } }]],
    ["the token was revoked", [{ slackError: "token_revoked" }]],
  ])("says no when %s, and asks again on the next click", async (_case, script) => {
    // Prepare
    const w = approvers([ON_CALL]);
    slack.script.set("usergroups.users.list", [...script]);
    // Act
    const during = await w.approvers.includes("U0ALICE01");
    const after = await w.approvers.includes("U0ALICE01");
    // Assess
    expect([during, after]).toEqual([false, true]);
    expect(w.log.entries.some((e) => e.level === "error")).toBe(true);
  });

  it("says no for a group in webhook mode (no Web API to read it), with a warning", async () => {
    // Prepare
    const w = approvers([ON_CALL], { api: false });
    // Act
    const answer = await w.approvers.includes("U0ALICE01");
    // Assess
    expect(answer).toBe(false);
    expect(slack.requests).toEqual([]);
    expect(w.log.entries.map((e) => e.level)).toEqual(["warn"]);
  });

  it("accepts a signed approval from a group member through the interactions use case, and refuses a non-member", async () => {
    // Prepare
    const w = approvers([ON_CALL]);
    const secret = "signing-secret-for-groups";
    const store = new MemoryApprovalStore();
    const handed: (RemediationRequest | ApprovalAnswer)[] = [];
    await store.create(anApprovalRequest({ id: "inc-1#1" }));
    await store.create(anApprovalRequest({ id: "inc-2#1", incidentId: "inc-2" }));
    const deps = {
      verifier: new HmacSlackRequestVerifier({ get: async () => secret }),
      approvals: store,
      remediation: { request: async (r: RemediationRequest | ApprovalAnswer) => void handed.push(r) },
      replies: { tell: async () => {} },
      approvers: w.approvers,
      clock: w.clock,
      log: w.log,
      config: parseConfig({ remediation: { mode: "approve", approvers: [ON_CALL] } }).config,
    };
    const click = (user: string, approvalId: string) => {
      const body = new URLSearchParams({
        payload: JSON.stringify({ type: "block_actions", user: { id: user }, actions: [{ action_id: APPROVE_ACTION, value: approvalId }] }),
      }).toString();
      const timestamp = String(Math.floor(T0 / 1000));
      return { headers: { "x-slack-request-timestamp": timestamp, "x-slack-signature": signSlackRequest(secret, timestamp, body) }, body };
    };
    // Act
    const member = await answerSlackInteraction(deps, click("U0BOB0002", "inc-1#1"));
    const stranger = await answerSlackInteraction(deps, click("U0MALLORY", "inc-2#1"));
    // Assess
    expect([member.result, stranger.result]).toEqual(["accepted", "not-an-approver"]);
    expect(handed).toEqual([{ kind: "approval-answer", approvalId: "inc-1#1" }]);
  });
});
