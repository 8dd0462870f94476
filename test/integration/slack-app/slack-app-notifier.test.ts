import { RecordingLog } from "../../../shared/adapters/recording-log";
import { SlackAppNotifier } from "../../../shared/adapters/slack-app-notifier";
import { SlackWebApi } from "../../../shared/adapters/slack-web-api";
import { deliverNotifications } from "../../../shared/app/deliver-notifications";
import type { Incident } from "../../../shared/core/incidents";
import type { ApprovalPrompt, RemediationNote } from "../../../shared/core/notifications";
import { enqueueRemediation } from "../../../shared/core/notify-policy";
import { type Finding, fingerprintOf, IncidentKind, type Severity } from "../../../shared/core/types";
import { deliveryWorld } from "../../support/delivery-world";
import { FakeClock, MINUTE, T0 } from "../../unit/app/fakes";
import { LocalSlackWebApi } from "./local-slack-web-api";

const TOKEN = "xoxb-1111-2222-local-test-token";
const CHANNEL = "C0ALERTS1";

function finding(resource: string, severity: Severity = "critical"): Finding {
  return {
    kind: IncidentKind.consumerLag,
    broker: "orders",
    resource,
    severity,
    condition: "stalled",
    summary: `stalled on ${resource}`,
    evidence: {},
  };
}

const approval: ApprovalPrompt = {
  id: "inc-x#100",
  expiresAt: T0 + 30 * MINUTE,
  approvers: ["U024BE7LH"],
  blastRadius: {
    connections: 42,
    consumers: 5,
    queues: 3,
    activeNode: "orders-1",
    nodes: ["orders-1", "orders-2"],
    standby: "orders-2 waiting",
  },
  guards: [{ guard: "cooldown", ok: true, detail: "passes" }],
  lastReboot: null,
};

describe("SlackAppNotifier through the outbox, against a local Slack Web API", () => {
  const slack = new LocalSlackWebApi(TOKEN, [CHANNEL]);
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await slack.start();
  });
  afterAll(() => slack.stop());
  beforeEach(() => slack.reset());

  function world(options: { token?: string; channel?: string } = {}) {
    const clock = new FakeClock();
    const log = new RecordingLog();
    const api = new SlackWebApi({ get: async () => options.token ?? TOKEN }, fetch, clock, baseUrl);
    const notifier = new SlackAppNotifier(api, options.channel ?? CHANNEL, log);
    const { incidents, deps, evaluate } = deliveryWorld([notifier], { clock, log });
    const remediation = async (note: RemediationNote) => {
      const [incident] = (await incidents.loadActive()) as [Incident];
      await incidents.save(
        { ...enqueueRemediation(incident, note, ["slack"], clock.now()), version: incident.version + 1 },
        incident.version,
      );
    };
    const stored = async () => (await incidents.get(fingerprintOf(finding("work")))) as Incident;
    /** The ts of the Slack message of the incident on `work`, as the incident stores it. */
    const messageTs = async () => (await stored()).messages?.slack?.ts as string;
    /** Opens the incident on `work` and posts its message; returns the message's ts. */
    const posted = async () => {
      await evaluate([finding("work")]);
      await deliverNotifications(deps);
      return messageTs();
    };
    return { clock, incidents, log, deps, evaluate, remediation, stored, messageTs, posted };
  }

  it("posts one message per incident, edits it on every change with the change in its thread, and edits it to resolved", async () => {
    // Prepare
    const w = world();
    await w.evaluate([finding("work"), finding("billing")]);
    // Act: opened (two incidents: two messages), lowered to warning, then resolved
    await deliverNotifications(w.deps);
    const ts = await w.messageTs();
    w.clock.minute = 1;
    await w.evaluate([finding("work", "warning"), finding("billing")]);
    await deliverNotifications(w.deps);
    w.clock.minute = 2;
    await w.evaluate([finding("billing")]);
    w.clock.minute = 3;
    await w.evaluate([finding("billing")]);
    const report = await deliverNotifications(w.deps);
    // Assess
    expect(report.errors).toEqual([]);
    expect(slack.messages.size).toBe(2);
    expect(slack.requests.map((r) => [r.method, r.args.ts ?? null, r.args.thread_ts ?? null])).toEqual([
      ["chat.postMessage", null, null],
      ["chat.postMessage", null, null],
      ["chat.update", ts, null],
      ["chat.postMessage", null, ts],
      ["chat.update", ts, null],
      ["chat.postMessage", null, ts],
    ]);
    const message = slack.messages.get(ts);
    expect(message?.text).toMatch(/^\[RESOLVED\] consumer-lag on orders \/ work/);
    expect(message?.updates).toBe(2);
    expect(slack.threads.get(ts)?.map((m) => m.text.slice(0, 12))).toEqual(["[WARNING] co", "[RESOLVED] c"]);
    expect(slack.requests.every((r) => r.authorization === `Bearer ${TOKEN}` && r.contentType?.startsWith("application/json"))).toBe(true);
    expect(await w.stored()).toMatchObject({ outbox: [], messages: { slack: { channel: CHANNEL, ts } } });
  });

  it("honours a 429's Retry-After: the change waits in the outbox and is posted once, later", async () => {
    // Prepare
    const w = world();
    const ts = await w.posted();
    await w.remediation({ action: "reboot-broker", outcome: "denied", reason: "denied by U024BE7LH" });
    slack.script.set("chat.update", [{ status: 429, headers: { "retry-after": "30" } }]);
    // Act
    const limited = await deliverNotifications(w.deps);
    const [waiting] = (await w.stored()).outbox;
    const early = await deliverNotifications(w.deps);
    w.clock.minute = 1;
    const later = await deliverNotifications(w.deps);
    // Assess
    expect(limited.deliveries[0]?.result).toMatchObject({ ok: false, retryable: true, retryAfterMs: 30_000 });
    expect(waiting?.notBefore).toBeGreaterThanOrEqual(T0 + 30_000);
    expect(early.deliveries).toEqual([]);
    expect(later.health.sent).toBe(1);
    expect(slack.threads.get(ts)?.map((m) => m.text)).toEqual([expect.stringContaining("Reboot denied")]);
    expect(slack.messages.get(ts)?.text).toContain("Reboot denied");
  });

  it("retries Slack's ok:false ratelimited after its Retry-After; the repeated edit is harmless and the thread gets the change once", async () => {
    // Prepare
    const w = world();
    const ts = await w.posted();
    await w.remediation({ action: "reboot-broker", outcome: "blocked", reason: "the kill switch is on" });
    slack.script.set("chat.postMessage", [{ slackError: "ratelimited", retryAfter: "1" }]);
    // Act
    const report = await deliverNotifications(w.deps);
    // Assess: edit, reply refused, then (after 1 s) edit and reply again in the same round
    expect(slack.requests.map((r) => r.method)).toEqual([
      "chat.postMessage",
      "chat.update",
      "chat.postMessage",
      "chat.update",
      "chat.postMessage",
    ]);
    expect(report.health).toMatchObject({ sent: 1, failed: 0 });
    expect(slack.threads.get(ts)).toHaveLength(1);
    expect(slack.messages.get(ts)?.updates).toBe(2);
  });

  it.each([
    ["another token", { token: "xoxb-revoked" }, "invalid_auth"],
    ["a channel the app cannot post to", { channel: "C0NOWHERE" }, "channel_not_found"],
  ])("refuses for good when Slack says the app is wrong (%s), and never shows the token", async (_case, options, code) => {
    // Prepare
    const w = world(options);
    await w.evaluate([finding("work")]);
    // Act
    const report = await deliverNotifications(w.deps);
    w.clock.minute = 1;
    const again = await deliverNotifications(w.deps);
    // Assess
    expect(report.deliveries[0]?.result).toMatchObject({ ok: false, retryable: false, error: `Slack chat.postMessage: ${code}` });
    expect(again.deliveries).toEqual([]);
    expect((await w.stored()).outbox).toEqual([]);
    expect(JSON.stringify([report, w.log.entries])).not.toContain(TOKEN);
    expect(w.log.entries.some((e) => e.level === "error" && e.message === "Slack refused a call for good")).toBe(true);
  });

  it("holds an incident's later notifications until its message is posted and its ts stored", async () => {
    // Prepare: the opening and a decision wait together; Slack fails the post three times
    const w = world();
    await w.evaluate([finding("work")]);
    await w.remediation({ action: "reboot-broker", outcome: "dry-run", reason: "would reboot orders" });
    slack.script.set("chat.postMessage", [{ status: 503 }, { status: 503 }, { status: 503 }]);
    // Act
    const failed = await deliverNotifications(w.deps);
    const afterFailure = slack.requests.map((r) => r.method);
    w.clock.minute = 1;
    await deliverNotifications(w.deps);
    // Assess: no edit nor thread reply before the post succeeded; then post, edit, reply, once each
    expect(failed.health).toMatchObject({ sent: 0, failed: 1, deferred: 1 });
    expect(afterFailure).toEqual(["chat.postMessage", "chat.postMessage", "chat.postMessage"]);
    const ts = await w.messageTs();
    expect(slack.requests.slice(3).map((r) => [r.method, r.args.ts ?? null, r.args.thread_ts ?? null])).toEqual([
      ["chat.postMessage", null, null],
      ["chat.update", ts, null],
      ["chat.postMessage", null, ts],
    ]);
    expect((await w.stored()).outbox).toEqual([]);
  });

  it("posts a new message for the incident when its message was deleted (message_not_found)", async () => {
    // Prepare
    const w = world();
    const first = await w.posted();
    slack.messages.delete(first);
    await w.remediation({ action: "reboot-broker", outcome: "dry-run", reason: "would reboot orders" });
    // Act
    const report = await deliverNotifications(w.deps);
    // Assess
    const second = await w.messageTs();
    expect(report.health.sent).toBe(1);
    expect(second).not.toBe(first);
    expect(slack.messages.get(second)?.text).toContain("Reboot dry run");
  });

  it("keeps Approve/Deny on the incident's message while the request waits, never in the thread, and removes them once decided", async () => {
    // Prepare
    const w = world();
    const ts = await w.posted();
    const buttons = () => JSON.stringify(slack.messages.get(ts)?.blocks).includes('"block_id":"mq-sentinel-approval"');
    // Act
    await w.remediation({ action: "reboot-broker", outcome: "awaiting-approval", reason: "asks for approval", approval });
    await deliverNotifications(w.deps);
    const asked = buttons();
    w.clock.minute = 1;
    await w.evaluate([finding("work", "warning")]);
    await deliverNotifications(w.deps);
    const afterChange = buttons();
    w.clock.minute = 2;
    await w.remediation({ action: "reboot-broker", outcome: "denied", reason: "denied by U024BE7LH" });
    await deliverNotifications(w.deps);
    // Assess
    expect([asked, afterChange, buttons()]).toEqual([true, true, false]);
    expect(slack.messages.get(ts)?.text).toContain("Reboot denied");
    expect(JSON.stringify(slack.threads.get(ts))).not.toContain('"type":"actions"');
    expect(slack.threads.get(ts)).toHaveLength(3);
  });
});
