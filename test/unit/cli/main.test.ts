import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../cli/main";
import { stalledQueueScenario } from "../../support/scenario-builder";

function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  return main(
    args,
    (l) => out.push(l),
    (l) => err.push(l),
  ).then((code) => ({ code, out, err }));
}

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
