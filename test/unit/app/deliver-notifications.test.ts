import { MemoryIncidentStore } from "../../../shared/adapters/memory-incident-store";
import { applyIncidentChanges } from "../../../shared/app/apply-incident-changes";
import { type DeliveryReport, deliverNotifications } from "../../../shared/app/deliver-notifications";
import { type Config, DEFAULT_CONFIG, parseConfig } from "../../../shared/core/config";
import { foldFindings, type Incident } from "../../../shared/core/incidents";
import type { MessageGroup } from "../../../shared/core/notifications";
import { enqueueRemediation, type Silence } from "../../../shared/core/notify-policy";
import { type Finding, IncidentKind, Severity } from "../../../shared/core/types";
import type { DeliveryResult } from "../../../shared/ports";
import { deliveryWorld } from "../../support/delivery-world";
import { MINUTE, RecordingNotifier } from "./fakes";

function finding(
  resource: string | null,
  kind: Finding["kind"] = IncidentKind.consumerLag,
  severity: Finding["severity"] = Severity.critical,
): Finding {
  return { kind, broker: "orders", resource, severity, condition: "stalled", summary: `problem on ${resource}`, evidence: {} };
}

function world(config: Config = DEFAULT_CONFIG) {
  const slack = new RecordingNotifier("slack");
  const sns = new RecordingNotifier("sns");
  return { ...deliveryWorld([slack, sns], { config }), slack, sns };
}

/** Silences broker orders (unless `silence` says otherwise) from the start until `minutes` from now. */
function silenceFor(w: ReturnType<typeof world>, minutes: number, silence: Pick<Silence, "id"> & Partial<Silence>) {
  return w.silences.add({
    broker: "orders",
    startsAt: 0,
    endsAt: w.clock.now() + minutes * MINUTE,
    comment: "",
    createdBy: "ops",
    ...silence,
  });
}

/** Delivers once at each of these minutes, in order, moving the clock there: a report per minute. */
async function deliverAt<const M extends readonly number[]>(
  w: ReturnType<typeof world>,
  minutes: M,
  deps = w.deps,
): Promise<{ [K in keyof M]: DeliveryReport }> {
  const reports: DeliveryReport[] = [];
  for (const minute of minutes) {
    w.clock.minute = minute;
    reports.push(await deliverNotifications(deps));
  }
  // One report per minute given, in order: the tuple the minutes describe.
  return reports as { [K in keyof M]: DeliveryReport };
}

describe("deliverNotifications", () => {
  it("delivers an opened incident once on every channel and records it as announced", async () => {
    // Prepare
    const w = world();
    await w.evaluate([finding("work")]);
    // Act
    const [first, second] = await deliverAt(w, [0, 1]);
    // Assess
    expect(first.deliveries.map((d) => [d.channel, d.group.transition, d.group.items[0]?.reason])).toEqual([
      ["slack", "opened", "first"],
      ["sns", "opened", "first"],
    ]);
    expect(second.deliveries).toHaveLength(0);
    const [incident] = await w.incidents.loadActive();
    expect(incident?.notified).toEqual({ at: w.clock.now() - MINUTE, severity: "critical" });
    expect(incident?.outbox).toEqual([]);
  });

  it("groups a storm on one broker into one message per channel", async () => {
    // Prepare
    const w = world();
    await w.evaluate(["a", "b", "c", "d", "e"].map((q) => finding(q)));
    // Act
    const report = await deliverNotifications(w.deps);
    // Assess
    expect(w.slack.sent).toHaveLength(1);
    expect(w.slack.sent[0]?.items.map((i) => i.incident.resource).sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(report.deliveries).toHaveLength(2);
  });

  it("tries a quick failure again within the round, then after its backoff, without sending twice on the channel that worked", async () => {
    // Prepare
    const w = world();
    await w.evaluate([finding("work")]);
    w.slack.answer = { ok: false, retryable: true, error: "HTTP 503", body: null };
    // Act
    const [, tooSoon] = await deliverAt(w, [0, 0.5]);
    w.slack.answer = null;
    const [later] = await deliverAt(w, [2]);
    // Assess
    expect(tooSoon.deliveries).toHaveLength(0);
    expect(later.deliveries.map((d) => d.channel)).toEqual(["slack"]);
    expect(w.sns.sent).toHaveLength(1);
    expect(w.slack.sent).toHaveLength(3 + 1); // three attempts in the first round, one later
    expect(await w.incidents.loadWithPendingNotifications()).toHaveLength(0);
  });

  it("waits at least Slack's Retry-After before the next attempt", async () => {
    // Prepare
    const w = world();
    await w.evaluate([finding("work")]);
    w.slack.answer = { ok: false, retryable: true, retryAfterMs: 5 * MINUTE, error: "HTTP 429", body: null };
    await deliverNotifications(w.deps);
    w.slack.answer = null;
    // Act
    const [early, due] = await deliverAt(w, [4, 5]);
    // Assess
    expect(early.deliveries).toHaveLength(0);
    expect(due.deliveries.map((d) => d.channel)).toEqual(["slack"]);
  });

  it("drops a notification a channel refused for good, without retrying it", async () => {
    // Prepare
    const w = world();
    await w.evaluate([finding("work")]);
    w.slack.answer = { ok: false, retryable: false, error: "HTTP 400: invalid_blocks", body: null };
    // Act
    const [, later] = await deliverAt(w, [0, 60]);
    // Assess
    expect(later.deliveries).toHaveLength(0);
    expect(w.slack.sent).toHaveLength(1);
    const [incident] = await w.incidents.loadActive();
    expect(incident?.notified).not.toBeNull(); // SNS delivered
  });

  it("drops what a silence covers, with the reason muted", async () => {
    // Prepare
    const w = world();
    await silenceFor(w, 60, { id: "s-1", kind: "consumer-lag", comment: "deploy" });
    await w.evaluate([finding("work")]);
    // Act
    const report = await deliverNotifications(w.deps);
    // Assess
    expect(report.deliveries).toHaveLength(0);
    expect(report.decisions.map((d) => [d.decision.action, d.decision.reason])).toEqual([["drop", "muted"]]);
  });

  it("announces an incident that opened during a silence once the silence ends, if it is still open", async () => {
    // Prepare
    const w = world();
    await silenceFor(w, 30, { id: "s-3", comment: "deploy" });
    await w.evaluate([finding("work")]);
    await deliverNotifications(w.deps);
    // Act
    const [during, after, later] = await deliverAt(w, [29, 30, 31]);
    // Assess
    expect(during.deliveries).toEqual([]);
    expect(after.deliveries.map((d) => [d.channel, d.group.transition, d.group.items[0]?.reason])).toEqual([
      ["slack", "opened", "first"],
      ["sns", "opened", "first"],
    ]);
    expect(later.deliveries).toEqual([]);
    const [incident] = await w.incidents.loadActive();
    expect(incident?.notified?.at).toBe(w.clock.now() - MINUTE);
    expect(incident?.mutedAt).toBeNull();
  });

  it("writes nothing for a silenced incident while the silence lasts (no reminder enqueued only to be dropped)", async () => {
    // Prepare: announced, then silenced for longer than the repeat interval
    const w = world();
    await w.evaluate([finding("work")]);
    await deliverNotifications(w.deps);
    await silenceFor(w, 600, { id: "s-4" });
    const [before] = await w.incidents.loadActive();
    // Act
    w.clock.minute = 300;
    const report = await deliverNotifications(w.deps);
    // Assess
    const [after] = await w.incidents.loadActive();
    expect(report.decisions).toEqual([]);
    expect(after?.version).toBe(before?.version);
  });

  it("does not announce again an opening that failed for good (only a silence's drop is made up for)", async () => {
    // Prepare: both channels refuse the opening for good
    const w = world();
    w.slack.answer = { ok: false, retryable: false, error: "invalid_token", body: null };
    w.sns.answer = { ok: false, retryable: false, error: "AuthorizationError", body: null };
    await w.evaluate([finding("work")]);
    await deliverNotifications(w.deps);
    w.slack.answer = null;
    w.sns.answer = null;
    // Act
    w.clock.minute = 1;
    const next = await deliverNotifications(w.deps);
    // Assess
    expect(next.deliveries).toEqual([]);
    const [incident] = await w.incidents.loadActive();
    expect(incident?.mutedAt ?? null).toBeNull();
  });

  it("holds queue findings back while their broker is unhealthy, and sends them when it recovers if still open", async () => {
    // Prepare
    const w = world();
    const unhealthy = finding(null, IncidentKind.brokerUnhealthy);
    await w.evaluate([unhealthy, finding("work")]);
    // Act
    const during = await deliverNotifications(w.deps);
    w.clock.minute = 1;
    await w.evaluate([finding("work")]); // the broker is healthy again: its incident clears...
    w.clock.minute = 3;
    await w.evaluate([finding("work")]); // ...and resolves after the hysteresis
    const after = await deliverNotifications(w.deps);
    // Assess
    expect(during.deliveries.flatMap((d) => d.group.items.map((i) => i.incident.kind))).toEqual(["broker-unhealthy", "broker-unhealthy"]);
    expect(during.decisions.find((d) => d.decision.action === "hold")?.decision.reason).toBe("muted");
    expect(after.deliveries.map((d) => [d.group.transition, d.group.items.map((i) => i.incident.kind).join()])).toEqual(
      expect.arrayContaining([
        ["opened", "consumer-lag"],
        ["resolved", "broker-unhealthy"],
      ]),
    );
  });

  it("sends queue findings at once while their broker is unhealthy when no inhibition rule is configured", async () => {
    // Prepare
    const w = world(parseConfig({ notifications: { inhibit: [] } }).config);
    await w.evaluate([finding(null, IncidentKind.brokerUnhealthy), finding("work")]);
    // Act
    const report = await deliverNotifications(w.deps);
    // Assess
    expect(report.decisions.map((d) => d.decision.action)).toEqual(["send", "send"]);
    expect(w.slack.sent.flatMap((g) => g.items.map((i) => i.incident.kind)).sort()).toEqual(["broker-unhealthy", "consumer-lag"]);
  });

  it("says nothing about an incident that resolved before anyone was told", async () => {
    // Prepare
    const w = world();
    await w.silences.add({ id: "s-2", broker: "elsewhere", startsAt: 0, endsAt: Number.MAX_SAFE_INTEGER, comment: "", createdBy: "ops" });
    await w.evaluate([finding(null, IncidentKind.brokerUnhealthy), finding("work")]);
    w.clock.minute = 1;
    await w.evaluate([finding(null, IncidentKind.brokerUnhealthy)]);
    w.clock.minute = 3;
    await w.evaluate([finding(null, IncidentKind.brokerUnhealthy)]);
    // Act
    const report = await deliverNotifications(w.deps);
    // Assess: only the broker-unhealthy opening; the consumer-lag incident came and went while held back
    expect(report.deliveries.map((d) => d.group.items.map((i) => i.incident.kind).join())).toEqual([
      "broker-unhealthy",
      "broker-unhealthy",
    ]);
    expect(await w.incidents.loadWithPendingNotifications()).toHaveLength(0);
  });

  it("reminds people of an incident still open after the repeat interval", async () => {
    // Prepare
    const w = world();
    await w.evaluate([finding("work")]);
    await deliverNotifications(w.deps);
    // Act
    const [report] = await deliverAt(w, [DEFAULT_CONFIG.notifications.repeatIntervalMinutes]);
    // Assess
    expect(report.deliveries.map((d) => d.group.items[0]?.reason)).toEqual(["repeat", "repeat"]);
  });

  it("sends each message once when two invocations deliver at the same time", async () => {
    // Prepare
    const w = world();
    await w.evaluate([finding("work"), finding("other")]);
    // Act
    await Promise.all([deliverNotifications(w.deps), deliverNotifications(w.deps)]);
    // Assess
    const delivered = w.slack.sent.flatMap((g) => g.items.map((i) => i.incident.resource));
    expect(delivered.sort()).toEqual(["other", "work"]);
  });

  it("announces an escalation and a resolution with their transitions", async () => {
    // Prepare
    const w = world();
    await w.evaluate([finding("work", IncidentKind.consumerLag, Severity.warning)]);
    await deliverNotifications(w.deps);
    // Act
    w.clock.minute = 1;
    await w.evaluate([finding("work", IncidentKind.consumerLag, Severity.critical)]);
    const escalated = await deliverNotifications(w.deps);
    w.clock.minute = 2;
    await w.evaluate([]);
    w.clock.minute = 4;
    await w.evaluate([]);
    const resolved = await deliverNotifications(w.deps);
    // Assess
    expect(escalated.deliveries.map((d) => [d.group.transition, d.group.items[0]?.reason, d.group.items[0]?.previousSeverity])).toEqual([
      ["escalated", "changed", "warning"],
      ["escalated", "changed", "warning"],
    ]);
    expect(resolved.deliveries.map((d) => [d.group.transition, d.group.items[0]?.reason])).toEqual([
      ["resolved", "resolved"],
      ["resolved", "resolved"],
    ]);
    expect((await w.incidents.all()).map((i: Incident) => i.status)).toEqual(["resolved"]);
  });
});

/** A destination that accepts the connection and never answers: each send spends its timeout of the invocation. */
class HangingNotifier extends RecordingNotifier {
  hanging = true;
  constructor(
    name: string,
    private readonly spend: (ms: number) => void,
  ) {
    super(name);
  }
  override async send(group: MessageGroup): Promise<DeliveryResult> {
    if (!this.hanging) return super.send(group);
    this.sent.push(group);
    this.spend(5_000);
    return {
      ok: false,
      retryable: true,
      outcomeUnknown: true,
      error: "TimeoutError: The operation was aborted due to timeout",
      body: null,
    };
  }
}

/** A store in which another writer (the remediate function announcing) changes an incident right before our next write. */
class RacingStore extends MemoryIncidentStore {
  raceOnce: ((incident: Incident) => Incident) | null = null;
  override async save(incident: Incident, expectedVersion: number): Promise<boolean> {
    const race = this.raceOnce;
    if (race && expectedVersion > 0) {
      this.raceOnce = null;
      const current = await this.get(incident.fingerprint);
      if (current) await super.save({ ...race(current), version: current.version + 1 }, current.version);
    }
    return super.save(incident, expectedVersion);
  }
}

describe("deliverNotifications under faults", () => {
  it("delivers on SNS while Slack hangs, tries the hanging webhook once, and sends Slack each message once after the hang", async () => {
    // Prepare: six brokers open an incident each; the webhook hangs; the invocation has 55 s
    const w = world();
    let remaining = 55_000;
    const slack = new HangingNotifier("slack", (ms) => {
      remaining -= ms;
    });
    const deps = { ...w.deps, notifiers: [slack, w.sns] };
    const brokers = ["a", "b", "c", "d", "e", "f"];
    const evaluate = async () => {
      const active = new Map((await w.incidents.loadActive()).map((i) => [i.fingerprint, i]));
      const findings = brokers.map((b) => ({ ...finding("work"), broker: b }));
      const changes = foldFindings({
        active,
        findings,
        isCovered: () => true,
        now: w.clock.now(),
        rules: { resolveAfterMinutes: 1, refreshMinutes: 15 },
      });
      await applyIncidentChanges({ incidents: w.incidents, notifiers: deps.notifiers, log: w.log, clock: w.clock }, changes, []);
    };
    await evaluate();
    // Act: three invocations while it hangs, then two after
    const during = [];
    for (let minute = 0; minute < 3; minute++) {
      w.clock.minute = minute;
      remaining = 55_000;
      during.push(await deliverNotifications(deps, { timeLeft: () => remaining - 3_000 }));
    }
    slack.hanging = false;
    for (let minute = 3; minute < 12; minute++) {
      w.clock.minute = minute;
      await deliverNotifications(deps, { timeLeft: () => 50_000 });
    }
    // Assess
    expect(during[0]?.deliveries.filter((d) => d.channel === "sns" && d.result.ok)).toHaveLength(6);
    expect(during.map((r) => r.health)).toEqual([
      { sent: 6, failed: 1, deferred: 5, outcomeUnknown: 1 },
      { sent: 0, failed: 1, deferred: 5, outcomeUnknown: 1 },
      // the first message that hung now waits out its backoff
      { sent: 0, failed: 1, deferred: 4, outcomeUnknown: 1 },
    ]);
    expect(w.sns.sent).toHaveLength(6);
    const slackAfterHang = slack.sent
      .slice(3)
      .map((g) => g.broker)
      .sort();
    expect(slackAfterHang).toEqual(brokers);
    expect(await w.incidents.loadWithPendingNotifications()).toHaveLength(0);
  });

  it("records what was sent before the deadline and leaves the rest, unleased, for the next invocation", async () => {
    // Prepare: two brokers; time runs out after the first Slack message
    const w = world();
    await w.evaluate([finding("work"), { ...finding("work"), broker: "billing" }]);
    let budget = 20_000;
    const deps = { ...w.deps, notifiers: [w.slack] };
    const slackSend = w.slack.send.bind(w.slack);
    w.slack.send = async (group) => {
      budget = 0;
      return slackSend(group);
    };
    // Act
    const first = await deliverNotifications(deps, { timeLeft: () => budget });
    budget = 20_000;
    w.clock.minute = 1;
    const second = await deliverNotifications(deps, { timeLeft: () => budget });
    // Assess
    expect(first.health).toEqual({ sent: 1, failed: 0, deferred: 1, outcomeUnknown: 0 });
    expect(second.health).toEqual({ sent: 1, failed: 0, deferred: 0, outcomeUnknown: 0 });
    expect(w.slack.sent.map((g) => g.broker).sort()).toEqual(["billing", "orders"]);
  });

  it("keeps a sent mark when another writer changed the incident first, so nothing is sent twice", async () => {
    // Prepare: the remediate function enqueues a note on the incident while the opening is being sent
    const w = world();
    const store = new RacingStore();
    const deps = { ...w.deps, incidents: store };
    const changes = foldFindings({
      active: new Map(),
      findings: [finding("work")],
      isCovered: () => true,
      now: w.clock.now(),
      rules: { resolveAfterMinutes: 1, refreshMinutes: 15 },
    });
    await applyIncidentChanges({ incidents: store, notifiers: deps.notifiers, log: w.log, clock: w.clock }, changes, []);
    let raced = false;
    const slackSend = w.slack.send.bind(w.slack);
    w.slack.send = async (group) => {
      if (!raced) {
        raced = true;
        store.raceOnce = (current) =>
          enqueueRemediation(
            current,
            { action: "reboot-broker", outcome: "dry-run", reason: "would reboot" },
            ["slack", "sns"],
            w.clock.now(),
          );
      }
      return slackSend(group);
    };
    // Act: this round, and the rounds after the lease would have expired
    await deliverAt(w, [0, 2, 4, 8], deps);
    // Assess
    const transitions = (sent: MessageGroup[]) => sent.map((g) => g.transition);
    expect(transitions(w.slack.sent)).toEqual(["opened", "remediation"]);
    expect(transitions(w.sns.sent)).toEqual(["opened", "remediation"]);
    expect(await store.loadWithPendingNotifications()).toHaveLength(0);
  });
});
