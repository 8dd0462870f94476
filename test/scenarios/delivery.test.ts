import { join } from "node:path";
import { type ReplayOutput, replayScenario } from "../../cli/replay";
import { parseConfig } from "../../shared/core/config";
import { channelKind, channelsOfRoute, chooseRoute, DEFAULT_ROUTE } from "../../shared/core/routing";
import { loadScenarioFile, type Scenario, scenarioFiles } from "../../shared/sim/scenario";

/**
 * Notification delivery through the replay: every opened incident is announced on every channel of its
 * route (Slack and SNS without routes),
 * outages of either channel (or of the store) lose nothing and send nothing twice, and no raw
 * mention or link from attacker-controlled text reaches Slack.
 */

const LIBRARY = join(__dirname, "..", "..", "scenarios");
const runs: { scenario: Scenario; output: ReplayOutput }[] = [];

beforeAll(async () => {
  for (const file of scenarioFiles([LIBRARY])) {
    const scenario = loadScenarioFile(file);
    runs.push({ scenario, output: (await replayScenario(scenario)).output });
  }
});

const key = (n: ReplayOutput["notifications"][number]) => `${n.channel} ${n.transition} ${(n.incidentIds ?? [n.incidentId]).join(",")}`;
/** The same message twice is the same body sent twice on one channel. */
const sent = (n: ReplayOutput["notifications"][number]) => `${n.channel} ${JSON.stringify(n.body)}`;

/** The channel kinds an incident's opening goes to: its route's (first match on the broker's tags, kind, severity), else Slack and SNS. */
function expectedChannels(scenario: Scenario, incident: ReplayOutput["incidents"][number]): string[] {
  const routes = parseConfig(scenario.config ?? {}, { unknownKeys: "ignore" }).config.notifications.routes;
  const broker = scenario.brokers.find((b) => b.describe.BrokerName === incident.broker);
  const tags = (broker?.describe.Tags as Record<string, string> | undefined) ?? (incident.broker === "*" ? null : {});
  const route = chooseRoute(routes, { kind: incident.kind, severity: incident.severity, tags });
  if (route === DEFAULT_ROUTE) return ["slack", "sns"];
  return (channelsOfRoute(routes, route) ?? []).map(channelKind).sort();
}

describe("notification delivery in replay", () => {
  it("announces every opened incident, and each re-opening of it, on every channel of its route (Slack and SNS by default)", () => {
    for (const { scenario, output } of runs) {
      for (const incident of output.incidents) {
        const covering = output.notifications.filter(
          (n) => n.transition === "opened" && (n.incidentIds ?? [n.incidentId]).includes(incident.id),
        );
        const on = (channel: string) => covering.filter((n) => n.channel === channel).length;
        expect({
          scenario: scenario.name,
          incident: incident.id,
          channels: [...new Set(covering.map((n) => n.channel))].sort(),
          sameOpeningsOnEveryChannel: new Set(covering.map((n) => on(n.channel))).size <= 1,
        }).toEqual({
          scenario: scenario.name,
          incident: incident.id,
          channels: [...new Set(expectedChannels(scenario, incident))].sort(),
          sameOpeningsOnEveryChannel: true,
        });
      }
    }
  });

  it("pages the tagged team's incident on PagerDuty once after PagerDuty's 429s and 503s, and the untagged broker's never", () => {
    const run = runs.find((r) => r.scenario.name === "notify-team-route-pagerduty");
    const team = run?.output.incidents.find((i) => i.broker === "risk-engine-27-a");
    const other = run?.output.incidents.find((i) => i.broker === "risk-engine-27-b");
    const lastFault = Math.max(...(run?.scenario.faults ?? []).map((f) => f.to));
    const pages = run?.output.notifications.filter((n) => n.channel === "pagerduty") ?? [];
    expect(pages.map((n) => [n.transition, n.incidentId])).toEqual([["opened", team?.id]]);
    expect(pages[0]?.minute).toBeGreaterThan(lastFault);
    expect(pages[0]?.body).toMatchObject({ event_action: "trigger", dedup_key: team?.id, payload: { severity: "critical" } });
    expect(JSON.stringify(pages[0]?.body)).not.toContain("routing_key");
    // The team's incident stays off the default route's SNS topic; the other broker's is on it.
    const snsOf = (id: string | undefined) => run?.output.notifications.filter((n) => n.channel === "sns" && n.incidentId === id) ?? [];
    expect(snsOf(team?.id)).toEqual([]);
    expect(snsOf(other?.id).length).toBeGreaterThan(0);
  });

  it("never sends the same notification twice", () => {
    for (const { scenario, output } of runs) {
      const keys = output.notifications.map(sent);
      expect({ scenario: scenario.name, duplicates: keys.filter((k, i) => keys.indexOf(k) !== i) }).toEqual({
        scenario: scenario.name,
        duplicates: [],
      });
    }
  });

  it("delivers what an outage held back after the outage, on the channel that failed", () => {
    const outages = runs.filter(
      (r) => r.scenario.name.startsWith("notify-") && r.scenario.faults.some((f) => f.operation !== "dynamodb:PutItem"),
    );
    expect(outages.length).toBeGreaterThanOrEqual(3);
    for (const { scenario, output } of outages) {
      for (const fault of scenario.faults) {
        const channel = fault.operation === "slack:webhook" ? "slack" : fault.operation === "pagerduty:events" ? "pagerduty" : "sns";
        const during = output.notifications.filter(
          (n) => n.channel === channel && n.minute >= fault.from && n.minute <= fault.to && (fault.rate ?? 1) === 1,
        );
        expect({ scenario: scenario.name, channel, deliveredDuringOutage: during.map(key) }).toEqual({
          scenario: scenario.name,
          channel,
          deliveredDuringOutage: [],
        });
      }
      const channels = new Set(output.notifications.map((n) => n.channel));
      for (const fault of scenario.faults)
        expect(channels).toContain(
          fault.operation === "slack:webhook" ? "slack" : fault.operation === "pagerduty:events" ? "pagerduty" : "sns",
        );
    }
  });

  it("delivers every opening to SNS within 2 minutes while Slack hangs, and to Slack once after the hang", () => {
    const run = runs.find((r) => r.scenario.name === "notify-slack-hang-six-brokers");
    const hang = run?.scenario.faults.find((f) => f.error === "hang");
    expect(run?.output.incidents).toHaveLength(6);
    for (const incident of run?.output.incidents ?? []) {
      const openings = (channel: string) =>
        run?.output.notifications.filter(
          (n) => n.channel === channel && n.transition === "opened" && (n.incidentIds ?? [n.incidentId]).includes(incident.id),
        ) ?? [];
      expect(openings("sns").map((n) => n.minute - incident.openedMinute)).toEqual([expect.any(Number)]);
      expect(openings("sns")[0]?.minute).toBeLessThanOrEqual(incident.openedMinute + 2);
      expect(openings("slack")).toHaveLength(1);
      expect(openings("slack")[0]?.minute).toBeGreaterThan(hang?.to ?? Number.POSITIVE_INFINITY);
    }
  });

  it("keeps raw mentions and links from CloudTrail text out of Slack", () => {
    const hostile = runs.find((r) => r.scenario.name === "api-attacker-strings");
    expect(hostile?.output.notifications.some((n) => n.channel === "slack")).toBe(true);
    for (const n of hostile?.output.notifications.filter((n) => n.channel === "slack") ?? []) {
      const body = JSON.stringify(n.body);
      for (const raw of ["<!channel>", "<!here", "<@U", "<https://evil", "<http://"])
        expect({ raw, found: body.includes(raw) }).toEqual({ raw, found: false });
    }
  });
});
