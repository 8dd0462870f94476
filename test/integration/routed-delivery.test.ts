import { PagerDutyNotifier } from "../../shared/adapters/pagerduty-notifier";
import { RecordingLog } from "../../shared/adapters/recording-log";
import { routeNotifiers } from "../../shared/adapters/route-notifiers";
import { deliverNotifications } from "../../shared/app/deliver-notifications";
import { parseConfig } from "../../shared/core/config";
import { type Finding, fingerprintOf, IncidentKind, Severity } from "../../shared/core/types";
import { deliveryWorld } from "../support/delivery-world";
import { FakeClock, RecordingNotifier } from "../unit/app/fakes";
import { LocalPagerDuty } from "./pagerduty-events-server";

const ROUTING_KEY = "R0UT1NGKEY0000000000000000000002";
const PD_PARAMETER = "/mq-sentinel/pagerduty/payments";
const TEAM_SLACK_PARAMETER = "/mq-sentinel/slack/payments";

/** Payments brokers page the payments team and post in its channel; everything else takes the default route. */
const config = parseConfig({
  notifications: {
    routes: [
      {
        name: "payments",
        match: { tags: { "mq-sentinel:team": "payments" } },
        slack: [TEAM_SLACK_PARAMETER],
        pagerduty: [PD_PARAMETER],
      },
    ],
  },
}).config;

const TAGS: Record<string, Record<string, string>> = {
  orders: { "mq-sentinel:team": "payments" },
  billing: { "mq-sentinel:team": "finance" },
};

function finding(broker: string, severity: Finding["severity"] = Severity.warning): Finding {
  return {
    kind: IncidentKind.consumerLag,
    broker,
    resource: "work",
    severity,
    condition: "stalled",
    summary: `work on ${broker} stalled`,
    evidence: { backlog: 100 },
  };
}

describe("routed delivery through the outbox, with PagerDuty on a local Events API v2 server", () => {
  const pagerDuty = new LocalPagerDuty(new Set([ROUTING_KEY]));
  let url: string;
  beforeAll(async () => {
    url = await pagerDuty.start();
  });
  afterAll(() => pagerDuty.stop());
  beforeEach(() => pagerDuty.reset());

  function world() {
    const clock = new FakeClock();
    const log = new RecordingLog();
    const slack = new RecordingNotifier("slack");
    const sns = new RecordingNotifier("sns");
    const teamSlack = new RecordingNotifier("slack");
    const notifiers = [
      slack,
      sns,
      ...routeNotifiers(config.notifications.routes, {
        slack: () => teamSlack,
        sns: () => new RecordingNotifier("sns"),
        pagerduty: (channel) => new PagerDutyNotifier(channel, { get: async () => ROUTING_KEY }, fetch, clock, log, url),
      }),
    ];
    const { incidents, deps, evaluate } = deliveryWorld(notifiers, { clock, log, config, tagsOf: (broker) => TAGS[broker] ?? null });
    return { clock, log, incidents, slack, sns, teamSlack, deps, evaluate };
  }

  it("sends a tagged broker's incident to its team's route only, and another broker's to the default route", async () => {
    // Prepare
    const w = world();
    await w.evaluate([finding("orders"), finding("billing")]);
    // Act
    const report = await deliverNotifications(w.deps);
    // Assess
    expect(report.deliveries.map((d) => [d.channel, d.group.broker, d.result.ok])).toEqual([
      ["slack", "billing", true],
      ["sns", "billing", true],
      [`slack:${TEAM_SLACK_PARAMETER}`, "orders", true],
      [`pagerduty:${PD_PARAMETER}`, "orders", true],
    ]);
    const orders = (await w.incidents.loadActive()).find((i) => i.broker === "orders");
    expect(orders?.route).toBe("payments");
    expect(pagerDuty.accepted).toEqual([{ action: "trigger", dedupKey: orders?.id, severity: "warning" }]);
  });

  it("keeps PagerDuty's trigger through a 503 outage and a 429, then sends it once; the team's Slack is not held back", async () => {
    // Prepare: three rounds of failures (three attempts each within a round), then a 429
    const w = world();
    await w.evaluate([finding("orders")]);
    pagerDuty.script = [...Array.from({ length: 9 }, () => ({ status: 503 })), { status: 429, headers: { "retry-after": "120" } }];
    // Act: deliver every minute for 20 minutes
    const sentPerMinute: number[] = [];
    for (let minute = 0; minute < 20; minute++) {
      w.clock.minute = minute;
      const report = await deliverNotifications(w.deps);
      sentPerMinute.push(report.deliveries.filter((d) => d.channel.startsWith("pagerduty") && d.result.ok).length);
    }
    // Assess: one trigger accepted, never two; the team's Slack got the opening in the first round
    expect(pagerDuty.accepted).toHaveLength(1);
    expect(sentPerMinute.reduce((a, b) => a + b, 0)).toBe(1);
    expect(w.teamSlack.sent.map((g) => g.transition)).toEqual(["opened"]);
    const [incident] = await w.incidents.loadActive();
    expect(incident?.outbox).toEqual([]);
  });

  it("pages again on escalation with the same dedup_key, resolves on resolution, and sends reminders and de-escalations to Slack only", async () => {
    // Prepare
    const w = world();
    await w.evaluate([finding("orders", Severity.warning)]);
    await deliverNotifications(w.deps);
    // Act: escalate, de-escalate, then clear
    w.clock.minute = 1;
    await w.evaluate([finding("orders", Severity.critical)]);
    await deliverNotifications(w.deps);
    w.clock.minute = 2;
    await w.evaluate([finding("orders", Severity.warning)]);
    await deliverNotifications(w.deps);
    w.clock.minute = 2 + config.notifications.repeatIntervalMinutes;
    await deliverNotifications(w.deps); // a reminder
    w.clock.minute += 1;
    await w.evaluate([]);
    w.clock.minute += 2;
    await w.evaluate([]);
    await deliverNotifications(w.deps);
    // Assess
    const id = (await w.incidents.get(fingerprintOf(finding("orders"))))?.id;
    expect(pagerDuty.accepted.map((a) => [a.action, a.dedupKey, a.severity])).toEqual([
      ["trigger", id, "warning"],
      ["trigger", id, "critical"],
      ["resolve", id, null],
    ]);
    expect(pagerDuty.alerts.get(id ?? "")?.status).toBe("resolved");
    expect(w.teamSlack.sent.map((g) => [g.transition, g.items[0]?.reason])).toEqual([
      ["opened", "first"],
      ["escalated", "changed"],
      ["updated", "changed"],
      ["updated", "repeat"],
      ["resolved", "resolved"],
    ]);
    expect(w.slack.sent).toEqual([]);
  });

  it("drops PagerDuty's copy on 400 invalid event and still delivers the route's Slack message", async () => {
    // Prepare
    const w = world();
    await w.evaluate([finding("orders")]);
    pagerDuty.script = [{ status: 400, body: '{"status":"invalid event","message":"Event object is invalid"}' }];
    // Act
    const first = await deliverNotifications(w.deps);
    w.clock.minute = 10;
    const later = await deliverNotifications(w.deps);
    // Assess
    expect(first.deliveries.map((d) => [d.channel, d.result.ok])).toEqual([
      [`slack:${TEAM_SLACK_PARAMETER}`, true],
      [`pagerduty:${PD_PARAMETER}`, false],
    ]);
    expect(later.deliveries).toEqual([]);
    expect(pagerDuty.requests).toHaveLength(1);
    const [incident] = await w.incidents.loadActive();
    expect(incident?.outbox).toEqual([]);
  });
});
