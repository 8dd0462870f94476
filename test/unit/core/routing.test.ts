import { ConfigError, parseConfig } from "../../../shared/core/config";
import { channelKind, chooseRoute, DEFAULT_ROUTE, routeChannels } from "../../../shared/core/routing";

const TEAM = "mq-sentinel:team";

describe("notifications.routes in the configuration", () => {
  it("defaults to no routes: every incident on the default route", () => {
    // Act
    const { config } = parseConfig({});
    // Assess
    expect(config.notifications.routes).toEqual([]);
  });

  it("accepts routes to Slack webhooks, SNS topics and PagerDuty by SSM parameter name and topic ARN", () => {
    // Act
    const { config } = parseConfig({
      notifications: {
        routes: [
          {
            name: "payments",
            match: { tags: { [TEAM]: "payments" }, kinds: ["consumer-lag"], severities: ["critical"] },
            slack: ["/mq-sentinel/slack/payments"],
            sns: ["arn:aws:sns:eu-west-1:123456789012:payments-alerts"],
            pagerduty: ["/mq-sentinel/pagerduty/payments"],
          },
        ],
      },
    });
    // Assess
    const [route] = config.notifications.routes;
    expect(route && routeChannels(route)).toEqual([
      "slack:/mq-sentinel/slack/payments",
      "sns:arn:aws:sns:eu-west-1:123456789012:payments-alerts",
      "pagerduty:/mq-sentinel/pagerduty/payments",
    ]);
  });

  it.each([
    [{ name: "Payments Team", slack: ["/x"] }, "notifications.routes.0.name: must be lowercase letters, digits and '-'"],
    [{ name: "default", slack: ["/x"] }, "notifications.routes.0.name: 'default' is the name of the route of incidents no route matches"],
    [{ name: "payments" }, "notifications.routes.0: route 'payments' names no destination"],
    [
      { name: "payments", slack: ["https://hooks.slack.com/services/T/B/X"] },
      "notifications.routes.0.slack.0: must be an SSM parameter name",
    ],
    [
      { name: "payments", pagerduty: ["/a//b"] },
      "notifications.routes.0.pagerduty.0: must be an SSM parameter name without an empty path segment",
    ],
    [{ name: "payments", sns: ["payments-alerts"] }, "notifications.routes.0.sns.0: must be an SNS topic ARN"],
    [{ name: "payments", slack: ["/x"], match: { kinds: ["cpu"] } }, "notifications.routes.0.match.kinds.0: Invalid option"],
    [{ name: "payments", slack: ["/x"], match: { severities: ["high"] } }, "notifications.routes.0.match.severities.0: Invalid option"],
    [{ name: "payments", slack: ["/x"], match: { team: "payments" } }, "notifications.routes.0.match: Unrecognized key"],
  ])("rejects route %j with one clear line", (route, line) => {
    // Act
    let error: unknown = null;
    try {
      parseConfig({ notifications: { routes: [route] } });
    } catch (e) {
      error = e;
    }
    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]?.startsWith(line)).toBe(true);
  });

  it("rejects two routes of one name", () => {
    // Act
    const attempt = () =>
      parseConfig({
        notifications: {
          routes: [
            { name: "a", slack: ["/x"] },
            { name: "a", sns: ["arn:aws:sns:us-east-1:123456789012:t"] },
          ],
        },
      });
    // Assess
    expect(attempt).toThrow("notifications.routes.1.name: 'a' names an earlier route too");
  });
});

describe("chooseRoute", () => {
  const routes = parseConfig({
    notifications: {
      routes: [
        { name: "payments-pager", match: { tags: { [TEAM]: "payments" }, severities: ["critical"] }, pagerduty: ["/pd/payments"] },
        { name: "payments", match: { tags: { [TEAM]: "payments" } }, slack: ["/slack/payments"] },
        { name: "security", match: { kinds: ["unauthorized-api", "risky-change"] }, sns: ["arn:aws:sns:us-east-1:123456789012:security"] },
      ],
    },
  }).config.notifications.routes;

  it.each([
    [
      "a critical incident of a payments broker",
      { kind: "consumer-lag", severity: "critical", tags: { [TEAM]: "payments" } },
      "payments-pager",
    ],
    [
      "a warning of a payments broker",
      { kind: "consumer-lag", severity: "warning", tags: { [TEAM]: "payments", env: "prod" } },
      "payments",
    ],
    ["a finance broker's incident", { kind: "resource-pressure", severity: "critical", tags: { [TEAM]: "finance" } }, DEFAULT_ROUTE],
    ["an untagged broker's incident", { kind: "consumer-lag", severity: "critical", tags: {} }, DEFAULT_ROUTE],
    ["an account-wide unauthorized-api incident (tags unknown)", { kind: "unauthorized-api", severity: "warning", tags: null }, "security"],
    ["a broker whose tags are unknown", { kind: "consumer-lag", severity: "critical", tags: null }, DEFAULT_ROUTE],
  ] as const)("sends %s to exactly one route: the first that matches", (_what, facts, expected) => {
    // Act
    const route = chooseRoute(routes, facts);
    // Assess
    expect(route).toBe(expected);
  });

  it("names the kind of each channel", () => {
    // Assess
    expect(["slack", "sns", "log", "slack:/a/b", "sns:arn:aws:sns:us-east-1:1:t", "pagerduty:/pd"].map(channelKind)).toEqual([
      "slack",
      "sns",
      "log",
      "slack",
      "sns",
      "pagerduty",
    ]);
  });
});
