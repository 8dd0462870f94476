import { PagerDutyNotifier } from "../../shared/adapters/pagerduty-notifier";
import { RecordingLog } from "../../shared/adapters/recording-log";
import { systemClock } from "../../shared/adapters/system-clock";
import type { MessageGroup, MessageTransition } from "../../shared/core/notifications";
import type { Severity } from "../../shared/core/types";
import { MINUTE, T0 } from "../support/clock";
import { anIncident } from "../support/incidents";
import { LocalPagerDuty } from "./pagerduty-events-server";

const ROUTING_KEY = "R0UT1NGKEY0000000000000000000001";
const UNKNOWN_KEY = "R0UT1NGKEY0000000000000000000999";
const CHANNEL = "pagerduty:/mq-sentinel/pagerduty/payments";

const SEEN_AT = T0 + 16 * MINUTE;
const incident = anIncident({
  id: "inc-0000000000000042",
  summary: "Consumers on work are connected (5) but nothing was dequeued for 3 min; backlog 2700 (+1693).",
  evidence: { backlog: 2700, consumers: 5 },
  firstSeenAt: SEEN_AT,
  openedAt: SEEN_AT,
  lastSeenAt: SEEN_AT,
});

function groupOf(transition: MessageTransition, severity: Severity = "warning"): MessageGroup {
  return {
    broker: "orders",
    transition,
    items: [
      {
        incident: { ...incident, severity },
        reason: transition === "resolved" ? "resolved" : transition === "opened" ? "first" : "changed",
      },
    ],
    context: { accountId: "123456789012", region: "us-east-1", brokerIds: { orders: "b-1" } },
    at: Date.UTC(2026, 2, 2, 9, 17),
  };
}

describe("PagerDutyNotifier against a local Events API v2 server", () => {
  const pagerDuty = new LocalPagerDuty(new Set([ROUTING_KEY]));
  const log = new RecordingLog();
  let url: string;
  const notifier = (key = ROUTING_KEY, timeoutMs?: number) =>
    new PagerDutyNotifier(CHANNEL, { get: async () => key }, fetch, systemClock, log, url, timeoutMs);

  beforeAll(async () => {
    url = await pagerDuty.start();
  });
  afterAll(() => pagerDuty.stop());
  beforeEach(() => {
    pagerDuty.reset();
    log.entries.length = 0;
  });

  it.each([
    ["critical", "critical"],
    ["warning", "warning"],
    ["info", "info"],
  ] as const)("triggers an opened %s incident as PagerDuty severity %s, keyed by the incident id", async (severity, expected) => {
    // Act
    const result = await notifier().send(groupOf("opened", severity));
    // Assess
    expect(result.ok).toBe(true);
    expect(pagerDuty.accepted).toEqual([{ action: "trigger", dedupKey: incident.id, severity: expected }]);
    const sent = JSON.parse(pagerDuty.requests[0]?.body ?? "{}");
    expect(sent).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: incident.id,
      payload: { source: "orders", component: "work", group: "orders", class: "consumer-lag", severity: expected },
    });
    expect(sent.payload.summary).toContain("backlog 2700");
    expect(sent.links[0].href).toContain("amazon-mq");
    // The recorded body is the event without the routing key.
    expect(JSON.stringify(result.body)).not.toContain(ROUTING_KEY);
  });

  it("keeps one PagerDuty alert through escalation and resolution", async () => {
    // Act
    const results = [
      await notifier().send(groupOf("opened", "warning")),
      await notifier().send(groupOf("escalated", "critical")),
      await notifier().send(groupOf("resolved", "critical")),
    ];
    // Assess
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(pagerDuty.accepted.map((a) => [a.action, a.dedupKey, a.severity])).toEqual([
      ["trigger", incident.id, "warning"],
      ["trigger", incident.id, "critical"],
      ["resolve", incident.id, null],
    ]);
    expect([...pagerDuty.alerts.entries()]).toEqual([
      [incident.id, expect.objectContaining({ status: "resolved", severity: "critical", triggers: 2, resolves: 1 })],
    ]);
  });

  it("takes openings, escalations and resolutions only", () => {
    // Act
    const carried = (["opened", "updated", "escalated", "resolved", "remediation"] as const).filter((t) => notifier().carries(t));
    // Assess
    expect(carried).toEqual(["opened", "escalated", "resolved"]);
  });

  it("treats 400 invalid event as refused for good, and never writes the routing key anywhere", async () => {
    // Prepare: an integration key PagerDuty does not know
    const pd = notifier(UNKNOWN_KEY);
    // Act
    const result = await pd.send(groupOf("opened"));
    // Assess
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.ok ? "" : result.error).toMatch(/^HTTP 400: .*invalid event/);
    expect(pagerDuty.accepted).toEqual([]);
    const logged = log.entries.find((e) => e.level === "error");
    expect(logged?.message).toBe("PagerDuty refused an event for good");
    expect(logged?.fields).toMatchObject({ status: 400, dedupKey: incident.id });
    expect(JSON.stringify(log.entries)).not.toContain(UNKNOWN_KEY);
    expect(JSON.stringify(result)).not.toContain(UNKNOWN_KEY);
  });

  it("hides the routing key when an answer echoes it", async () => {
    // Prepare
    pagerDuty.script = [{ status: 400, body: `{"status":"invalid event","errors":["bad key ${ROUTING_KEY}"]}` }];
    // Act
    const result = await notifier().send(groupOf("opened"));
    // Assess
    expect(result.ok ? "" : result.error).toContain("[routing key]");
    expect(JSON.stringify([result, log.entries])).not.toContain(ROUTING_KEY);
  });

  it.each([
    ["30", 30_000],
    [null, 1_000],
  ])("asks to retry after 429 rate limiting (Retry-After %s)", async (header, waitMs) => {
    // Prepare
    pagerDuty.script = [{ status: 429, headers: header ? { "retry-after": header } : {}, body: '{"status":"throttle event"}' }];
    // Act
    const result = await notifier().send(groupOf("opened"));
    // Assess
    expect(result).toMatchObject({ ok: false, retryable: true, retryAfterMs: waitMs });
    expect(log.entries.filter((e) => e.level === "error")).toEqual([]);
  });

  it.each([500, 502, 503])("retries a %i later", async (status) => {
    // Prepare
    pagerDuty.script = [{ status, body: "upstream trouble" }];
    // Act
    const result = await notifier().send(groupOf("opened"));
    // Assess
    expect(result).toMatchObject({ ok: false, retryable: true, error: `HTTP ${status}: upstream trouble` });
  });

  it("reports an unknown outcome when PagerDuty accepts the request and never answers", async () => {
    // Prepare
    pagerDuty.script = [{ status: 0, hang: true }];
    // Act
    const result = await notifier(ROUTING_KEY, 200).send(groupOf("opened"));
    // Assess
    expect(result).toMatchObject({ ok: false, retryable: true, outcomeUnknown: true });
  });

  it("retries when the routing key cannot be read, without calling PagerDuty", async () => {
    // Prepare
    const pd = new PagerDutyNotifier(
      CHANNEL,
      {
        get: async () => {
          throw new Error("ParameterNotFound");
        },
      },
      fetch,
      systemClock,
      log,
      url,
    );
    // Act
    const result = await pd.send(groupOf("opened"));
    // Assess
    expect(result).toMatchObject({ ok: false, retryable: true, error: "PagerDuty routing key unavailable: Error: ParameterNotFound" });
    expect(pagerDuty.requests).toEqual([]);
  });
});
