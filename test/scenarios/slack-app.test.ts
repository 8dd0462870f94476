import { join } from "node:path";
import { type ReplayOutput, replayScenario } from "../../cli/replay";
import { loadScenarioFile } from "../../shared/sim/scenario";

/**
 * Slack app mode in replay (scenario remediation-approve-slack-app, the twin of
 * remediation-approve-approved with `notifications.slack.mode` app): the contract's notification
 * entries keep their fixed shape, one per Web API call, the body the call's exact payload; each
 * incident has one message, edited in place, with every change in its thread; the approval flow
 * decides as in webhook mode; a rate-limited edit is announced later, once.
 */

const LIBRARY = join(__dirname, "..", "..", "scenarios");
let app: ReplayOutput;
let webhook: ReplayOutput;

beforeAll(async () => {
  app = (await replayScenario(loadScenarioFile(join(LIBRARY, "remediation-approve-slack-app.json")))).output;
  webhook = (await replayScenario(loadScenarioFile(join(LIBRARY, "remediation-approve-approved.json")))).output;
});

type Body = { channel?: string; ts?: string; thread_ts?: string; text: string; blocks: { block_id?: string }[] };
const slackCalls = () => app.notifications.filter((n) => n.channel === "slack").map((n) => ({ ...n, body: n.body as Body }));

describe("replay in Slack app mode", () => {
  it("keeps the contract's notification entries: the fixed keys, one entry per Web API call, methods counted in apiCalls", () => {
    // Act
    const keys = new Set(app.notifications.map((n) => Object.keys(n).sort().join(",")));
    const calls = slackCalls();
    const posts = calls.filter((c) => c.body.ts === undefined).length;
    const edits = calls.filter((c) => c.body.ts !== undefined).length;
    // Assess
    expect([...keys]).toEqual(["body,channel,incidentId,minute,transition"]);
    expect(app.apiCalls["slack:chat.postMessage"]).toBe(posts);
    // the edit at minute 22 was refused (ratelimited, Retry-After 1 s) on each of its three attempts in that invocation
    expect(app.apiCalls["slack:chat.update"]).toBe(edits + 3);
    expect(app.apiCalls["slack:webhook"]).toBeUndefined();
  });

  it("posts one message per incident and sends every later change as an edit of it plus a reply in its thread", () => {
    // Prepare
    const calls = slackCalls();
    const incidents = new Set(calls.map((c) => c.incidentId));
    for (const incidentId of incidents) {
      const mine = calls.filter((c) => c.incidentId === incidentId);
      const [first, ...later] = mine;
      // Act
      const edits = later.filter((c) => c.body.ts !== undefined);
      const replies = later.filter((c) => c.body.thread_ts !== undefined);
      // Assess
      expect({ incidentId, first: first?.transition, ts: first?.body.ts, thread: first?.body.thread_ts }).toEqual({
        incidentId,
        first: "opened",
        ts: undefined,
        thread: undefined,
      });
      expect(first?.body.channel).toBe("C0ALERTS1");
      expect(edits).toHaveLength(replies.length);
      expect(new Set([...edits.map((c) => c.body.ts), ...replies.map((c) => c.body.thread_ts)]).size).toBe(1);
    }
  });

  it("decides the approval as webhook mode does: one reboot, approved by the approver, announced once after the rate-limited edit", () => {
    // Act
    const executed = slackCalls().filter((c) => c.body.thread_ts !== undefined && c.body.text.includes("Broker rebooted"));
    // Assess
    expect(app.remediations).toEqual(webhook.remediations);
    expect(app.remediations.filter((r) => r.outcome === "executed")).toHaveLength(1);
    expect(executed.map((c) => c.minute)).toEqual([23]);
    expect(app.errors).toEqual(webhook.errors);
  });

  it("shows Approve/Deny only on the incident's message, and leaves the message resolved", () => {
    // Prepare
    const calls = slackCalls();
    const buttons = (c: (typeof calls)[number]) => c.body.blocks.some((b) => b.block_id === "mq-sentinel-approval");
    // Act
    const withButtons = calls.filter(buttons);
    const lastEdit = calls.filter((c) => c.body.ts !== undefined).at(-1);
    // Assess
    expect(withButtons.map((c) => [c.minute, c.body.ts !== undefined])).toEqual([[18, true]]);
    expect(lastEdit?.body.text).toMatch(/^\[RESOLVED\]/);
  });
});
