import { routeNotification } from "../../../shared/app/notification-routing";
import { DEFAULT_CONFIG, parseConfig } from "../../../shared/core/config";
import type { MessageTransition } from "../../../shared/core/notifications";
import type { Notifier } from "../../../shared/ports";
import { anIncident } from "../../support/incidents";
import { RecordingNotifier } from "./fakes";

const TEAM = { "mq-sentinel:team": "payments" };

/** A notifier that takes only some transitions, as PagerDuty does. */
function pager(name: string): Notifier {
  return { name, carries: (t: MessageTransition) => t !== "updated" && t !== "remediation", send: async () => ({ ok: true, body: null }) };
}

const notifiers: Notifier[] = [
  new RecordingNotifier("slack"),
  new RecordingNotifier("sns"),
  new RecordingNotifier("slack:/slack/payments"),
  pager("pagerduty:/pd/payments"),
  pager("pagerduty:/pd/critical"),
];

const config = parseConfig({
  notifications: {
    routes: [
      { name: "critical-pager", match: { severities: ["critical"], tags: TEAM }, pagerduty: ["/pd/critical"] },
      { name: "payments", match: { tags: TEAM }, slack: ["/slack/payments"], pagerduty: ["/pd/payments"] },
    ],
  },
}).config;

describe("routeNotification", () => {
  it("leaves the incident as it is and uses the default channels when no routes are configured", () => {
    // Prepare
    const before = anIncident();
    // Act
    const routed = routeNotification({ notifiers, config: DEFAULT_CONFIG }, before, "opened", () => TEAM);
    // Assess
    expect(routed.incident).toBe(before);
    expect(routed.channels).toEqual(["slack", "sns"]);
  });

  it("stores the first matching route on the incident and sends to its destinations only", () => {
    // Act
    const routed = routeNotification({ notifiers, config }, anIncident(), "opened", () => TEAM);
    // Assess
    expect(routed.incident.route).toBe("payments");
    expect(routed.channels).toEqual(["slack:/slack/payments", "pagerduty:/pd/payments"]);
  });

  it("keeps the route an incident opened on when it escalates, so the same people hear of it", () => {
    // Act
    const routed = routeNotification(
      { notifiers, config },
      anIncident({ route: "payments", severity: "critical" }),
      "escalated",
      () => TEAM,
    );
    // Assess
    expect(routed.incident.route).toBe("payments");
    expect(routed.channels).toEqual(["slack:/slack/payments", "pagerduty:/pd/payments"]);
  });

  it.each([
    ["updated", ["slack:/slack/payments"]],
    ["remediation", ["slack:/slack/payments"]],
    ["resolved", ["slack:/slack/payments", "pagerduty:/pd/payments"]],
  ] as const)("sends a %s notification only to the route's destinations that take it", (transition, channels) => {
    // Act
    const routed = routeNotification({ notifiers, config }, anIncident({ route: "payments" }), transition);
    // Assess
    expect(routed.channels).toEqual(channels);
  });

  it("takes the default route, without any route's destinations, for a broker no route matches", () => {
    // Act
    const routed = routeNotification({ notifiers, config }, anIncident({ broker: "billing" }), "opened", () => ({
      "mq-sentinel:team": "finance",
    }));
    // Assess
    expect(routed.incident.route).toBe("default");
    expect(routed.channels).toEqual(["slack", "sns"]);
  });

  it("chooses again for an incident whose route was removed from the configuration", () => {
    // Act
    const routed = routeNotification({ notifiers, config }, anIncident({ route: "retired", severity: "critical" }), "resolved", () => TEAM);
    // Assess
    expect(routed.incident.route).toBe("critical-pager");
    expect(routed.channels).toEqual(["pagerduty:/pd/critical"]);
  });
});
