import { join } from "node:path";
import { replayScenario } from "../../../cli/replay";
import { loadScenarioFile } from "../../../shared/sim/scenario";

/**
 * What the library's API scenarios of issues 11 and 12 show beyond their scores: the incident an ignore
 * tag closes is closed as no longer watched (and stays closed), a new broker is audited once it runs,
 * and late evidence is named as such.
 */

const LIBRARY = join(__dirname, "..", "..", "..", "scenarios");
const replay = (name: string) => replayScenario(loadScenarioFile(join(LIBRARY, `${name}.json`)));

describe("API scenarios (replay)", () => {
  it("closes the consumer-lag incident of a broker tagged mq-sentinel:ignore as no longer watched, when the tag arrives, for good", async () => {
    // Act
    const run = await replay("api-ignore-tag-closes-incident");

    // Assess
    const lag = run.timeline.filter((e) => e.transition.incident.kind === "consumer-lag");
    expect(lag.map((e) => [e.minute, e.transition.type])).toEqual([
      [10, "opened"],
      [22, "resolved"],
    ]);
    expect(lag[1]?.transition.incident.closeReason).toMatch(
      /^no longer watched: ignored by arn:aws:sts::123456789012:assumed-role\/AWSReservedSSO_Developer_/,
    );
    expect(run.output.notifications.filter((n) => n.transition === "resolved").map((n) => [n.minute, n.channel])).toEqual([
      [22, "slack"],
      [22, "sns"],
    ]);
    expect(run.output.incidents.find((i) => i.kind === "risky-change")).toMatchObject({
      resource: "CreateTags",
      severity: "critical",
      openedMinute: 22,
    });
    expect(run.output.errors).toEqual([]);
  });

  it("audits a broker created public once it runs, and only that broker", async () => {
    // Act
    const run = await replay("api-create-public-broker");

    // Assess
    const posture = run.output.incidents.filter((i) => i.kind === "posture");
    expect(posture.map((i) => [i.resource, i.openedMinute])).toEqual([
      ["public-access", 22],
      ["auto-minor-upgrade-disabled", 22],
    ]);
    expect(run.output.incidents.find((i) => i.kind === "risky-change")).toMatchObject({
      broker: "reports-public-89",
      resource: "CreateBroker",
      severity: "critical",
      openedMinute: 3,
    });
  });

  it("names the evidence of a burst delivered 20 minutes late as late", async () => {
    // Act
    const run = await replay("api-late-denied-burst");

    // Assess
    const burst = run.output.incidents.find((i) => i.kind === "unauthorized-api");
    expect(burst).toMatchObject({ openedMinute: 26 });
    expect(burst?.summary).toMatch(/evidence arrived 2\d min late/);
  });
});
