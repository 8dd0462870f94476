import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../cli/main";
import { runCommand } from "../../support/cli";
import { stalledQueueScenario } from "../../support/scenario-builder";

const run = (args: string[]) => runCommand((out, err) => main(args, out, err));

function writeScenarios(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "mq-sentinel-cli-"));
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  return dir;
}

describe("mq-sentinel replay", () => {
  it("prints one contract line per scenario with --json", async () => {
    // Prepare
    const dir = writeScenarios({ "a.json": stalledQueueScenario("a"), "b.json": stalledQueueScenario("b") });
    // Act
    const { code, out } = await run(["replay", "--json", dir]);
    // Assess
    expect(code).toBe(0);
    expect(out).toHaveLength(2);
    const first = JSON.parse(out[0] as string);
    expect(Object.keys(first)).toEqual(["scenario", "incidents", "notifications", "remediations", "apiCalls", "errors"]);
    expect(first.scenario).toBe("a");
    expect(first.incidents).toEqual([
      expect.objectContaining({
        kind: "consumer-lag",
        broker: "a-broker",
        resource: "work",
        severity: "critical",
        openedMinute: 14,
        resolvedMinute: null,
      }),
    ]);
    expect(first.incidents[0].openedAt).toBe("2026-03-02T09:14:00.000Z");
    expect(first.apiCalls["cloudwatch:GetMetricData"]).toBeGreaterThan(0);
    expect(first.apiCalls["cloudwatch:MetricsRequested"]).toBeGreaterThan(0);
  });

  it("names the file and the field of an invalid scenario, replays the others, and exits 1", async () => {
    // Prepare
    const broken = { ...stalledQueueScenario("broken"), durationMinutes: "long" };
    const dir = writeScenarios({ "a.json": stalledQueueScenario("ok"), "b.json": broken, "c.json": "{ not json" });
    // Act
    const { code, out, err } = await run(["replay", "--json", dir]);
    // Assess
    expect(code).toBe(1);
    expect(out).toHaveLength(1);
    expect(err.join("\n")).toMatch(/b\.json: \/durationMinutes: must be integer/);
    expect(err.join("\n")).toMatch(/c\.json: not valid JSON/);
  });

  it.each([
    ["--json", ["--json"]],
    ["the timeline", []],
  ])("fails only the file whose config is invalid, replays the others and exits 1 (%s)", async (_case, flags) => {
    // Prepare
    const dir = writeScenarios({
      "a.json": stalledQueueScenario("a"),
      "b.json": { ...stalledQueueScenario("b"), config: { remediation: { mode: "sometimes" } } },
      "c.json": { ...stalledQueueScenario("c"), config: { detection: { consumerLag: { deadLetterPattern: "(dlq" } } } },
      "d.json": stalledQueueScenario("d"),
    });
    // Act
    const { code, out, err } = await run(["replay", ...flags, dir]);
    // Assess
    expect(code).toBe(1);
    const errors = err.join("\n");
    expect(errors).toMatch(/b\.json: \/config\/remediation\/mode: Invalid option/);
    expect(errors).toMatch(/c\.json: \/config\/detection\/consumerLag\/deadLetterPattern: not a valid regular expression/);
    expect(err).toHaveLength(2);
    const text = out.join("\n");
    expect(text).toContain("a-broker");
    expect(text).toContain("d-broker");
    expect(text).not.toContain("b-broker");
    expect(text).not.toContain("c-broker");
  });

  it("keeps stdout one JSON object per replayed scenario when a file fails", async () => {
    // Prepare
    const dir = writeScenarios({
      "a.json": stalledQueueScenario("a"),
      "b.json": { ...stalledQueueScenario("b"), faults: [{ operation: "mq:ListBrokers", from: 9, to: 3, error: "ThrottlingException" }] },
      "c.json": stalledQueueScenario("c"),
    });
    // Act
    const { code, out, err } = await run(["replay", "--json", dir]);
    // Assess
    expect(code).toBe(1);
    expect(out.map((line) => JSON.parse(line).scenario)).toEqual(["a", "c"]);
    expect(err).toEqual([expect.stringMatching(/^invalid scenario .*b\.json: \/faults\/0: from \(9\) is after to \(3\)$/)]);
  });

  it("exits 0 and reports unknown config keys in errors: a scenario may be written for a newer version", async () => {
    // Prepare
    const dir = writeScenarios({ "a.json": { ...stalledQueueScenario("a"), config: { remediation: { budget: 3 } } } });
    // Act
    const { code, out, err } = await run(["replay", "--json", dir]);
    // Assess
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(JSON.parse(out[0] as string).errors).toContain("config: unknown key 'remediation.budget' ignored");
  });

  it("exits 0 and reports handled errors when a scenario injects faults", async () => {
    // Prepare
    const faulty = {
      ...stalledQueueScenario("faulty"),
      faults: [{ operation: "cloudwatch:GetMetricData", from: 3, to: 6, error: "ThrottlingException" }],
    };
    const dir = writeScenarios({ "f.json": faulty });
    // Act
    const { code, out } = await run(["replay", "--json", dir]);
    // Assess
    const line = JSON.parse(out[0] as string);
    expect(code).toBe(0);
    expect(line.errors.some((e: string) => e.startsWith("t=3 cloudwatch:GetMetricData") && e.includes("ThrottlingException"))).toBe(true);
    expect(line.incidents).toHaveLength(1);
  });

  it("prints a readable timeline and the score with --score", async () => {
    // Prepare
    const dir = writeScenarios({ "a.json": stalledQueueScenario("a") });
    // Act
    const { code, out } = await run(["replay", "--score", dir]);
    // Assess
    const text = out.join("\n");
    expect(code).toBe(0);
    expect(text).toMatch(/OPENED\s+critical consumer-lag\s+a-broker \/ work/);
    expect(text).toMatch(/✓ expected 1, detected 1 \(delays 2 min\)/);
    expect(text).toMatch(/recall 1 precision 1 median-delay 2/);
  });

  it("fails the bars when a scenario's expectation is missed", async () => {
    // Prepare
    const missed = { ...stalledQueueScenario("m"), expect: [{ kind: "consumer-lag", broker: "m-broker", from: 0, to: 5 }] };
    const dir = writeScenarios({ "m.json": missed });
    // Act
    const { code, out } = await run(["replay", "--min-recall", "0.95", dir]);
    // Assess
    expect(code).toBe(1);
    expect(out.join("\n")).toMatch(/missed\s+consumer-lag m-broker \[0,5\]/);
  });

  it("rejects unknown options with usage help", async () => {
    await expect(run(["replay", "--frobnicate"])).rejects.toThrow(/unknown option --frobnicate/);
    expect((await run(["nope"])).code).toBe(2);
  });
});

describe("mq-sentinel check --config", () => {
  it("prints every problem of an invalid configuration in full, one per line, and exits 2 before calling AWS", async () => {
    // Prepare
    const dir = writeScenarios({
      "config.json": {
        detection: { resources: { cpu: { warnPercent: 97 }, diskWarnRatio: 1 } },
        polling: { windowMinutes: 40, queueSweepMinutes: 45 },
      },
    });
    // Act
    const { code, err } = await run(["check", "--config", join(dir, "config.json")]);
    // Assess
    expect(code).toBe(2);
    expect(err.join("\n").split("\n")).toEqual([
      `mq-sentinel check: cannot use --config ${join(dir, "config.json")}: invalid configuration:`,
      "  detection.resources.cpu.warnPercent: 97 is above criticalPercent (95): the warning level must not be above the critical level",
      expect.stringMatching(
        /^ {2}detection\.resources\.diskWarnRatio: 1 is below diskCriticalRatio \(1\.1\): .*must be at least diskCriticalRatio$/,
      ),
      expect.stringMatching(
        /^ {2}polling\.queueSweepMinutes: 45 is above polling\.windowMinutes \(40\): the minutes between two sweeps of a queue would never be read$/,
      ),
    ]);
  });
});
