import { join } from "node:path";
import { auditCommand } from "../../../cli/audit-command";
import { runCommand } from "../../support/cli";

const SCENARIOS = join(__dirname, "..", "..", "..", "scenarios");

const run = (args: string[]) => runCommand((out, err) => auditCommand(args, out, err));

describe("mq-sentinel audit", () => {
  it("shows the changes staged on a broker, which are not a finding", async () => {
    // Act
    const { code, out, err } = await run(["--scenario", join(SCENARIOS, "remediation-staged-engine-version.json")]);
    // Assess
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out).toEqual([
      "audited 1 broker: 0 findings",
      "staged on billing-run-81, applied by its next reboot (mq-sentinel will not reboot it): engine version 5.18 (now 5.17.6)",
    ]);
  });

  it("lists them in --json", async () => {
    // Act
    const { out } = await run(["--json", "--scenario", join(SCENARIOS, "remediation-staged-configuration.json")]);
    // Assess
    expect(JSON.parse(out[0] ?? "{}").staged).toEqual([
      { broker: "shipping-label-29", changes: ["configuration c-ce20fc8b-a29d-c08a-2f89-5735c75bf24d revision 5 (now revision 4)"] },
    ]);
  });

  it("shows nothing staged for a broker without staged changes", async () => {
    // Act
    const { out } = await run(["--json", "--scenario", join(SCENARIOS, "posture-public-broker.json")]);
    // Assess
    const report = JSON.parse(out[0] ?? "{}");
    expect(report.staged).toEqual([]);
    expect(report.findings.length).toBeGreaterThan(0);
  });
});
