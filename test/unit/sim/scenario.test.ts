import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScenarioError } from "../../../shared/errors";
import { loadScenarioFile, parseScenario, scenarioFiles } from "../../../shared/sim/scenario";
import { rawBroker, rawScenario, START, START_MS } from "./scenario-fixtures";

/** What `fn` threw, as a ScenarioError (fails the test when it throws anything else or nothing). */
function scenarioErrorOf(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error("expected a ScenarioError");
}

describe("parseScenario", () => {
  it("parses a minimal scenario and fills in the schema's defaults", () => {
    // Prepare
    const raw = rawScenario({
      metrics: [{ metric: "CpuUtilization", dimensions: { Broker: "orders-1" }, values: [1, null, 3] }],
      faults: [{ operation: "mq:ListBrokers", from: 2, to: 4, error: "ThrottlingException" }],
      expectRemediations: [{ broker: "orders", from: 10, to: 20 }],
    });
    // Act
    const scenario = parseScenario(raw);
    // Assess
    expect(scenario).toMatchObject({
      name: "sim-test",
      start: START,
      startMs: START_MS,
      durationMinutes: 60,
      region: "us-east-1",
      accountId: "123456789012",
      publishDelayMinutes: 1,
      rebootMinutes: 3,
      scoreKinds: null,
      events: [],
      expect: [],
      source: "inline",
    });
    expect(scenario.metrics).toEqual([
      {
        namespace: "AWS/AmazonMQ",
        metric: "CpuUtilization",
        dimensions: { Broker: "orders-1" },
        statistic: "Average",
        values: [1, null, 3],
      },
    ]);
    expect(scenario.faults).toEqual([{ operation: "mq:ListBrokers", from: 2, to: 4, error: "ThrottlingException", rate: 1 }]);
    expect(scenario.expectRemediations).toEqual([{ broker: "orders", outcome: "executed", from: 10, to: 20 }]);
  });

  it("keeps the values a scenario gives instead of the defaults", () => {
    // Prepare
    const raw = rawScenario({
      region: "eu-west-1",
      accountId: "999988887777",
      publishDelayMinutes: 3,
      rebootMinutes: 7,
      metrics: [{ namespace: "Custom/Ns", metric: "Depth", dimensions: {}, statistic: "Maximum", values: [], afterReboot: [4] }],
      faults: [{ operation: "sns:Publish", from: 0, to: 1, error: "InternalError", rate: 0.25 }],
      expectRemediations: [{ broker: "orders", outcome: "blocked", from: 1, to: 2 }],
      scoreKinds: ["posture"],
    });
    // Act
    const scenario = parseScenario(raw, "custom.json");
    // Assess
    expect(scenario).toMatchObject({
      region: "eu-west-1",
      accountId: "999988887777",
      publishDelayMinutes: 3,
      rebootMinutes: 7,
      scoreKinds: ["posture"],
      source: "custom.json",
    });
    expect(scenario.metrics[0]).toMatchObject({ namespace: "Custom/Ns", statistic: "Maximum", afterReboot: [4] });
    expect(scenario.faults[0]?.rate).toBe(0.25);
    expect(scenario.expectRemediations[0]?.outcome).toBe("blocked");
  });

  it.each([
    ["a missing top-level field", rawScenario({ durationMinutes: undefined }), ["durationMinutes"]],
    [
      "a missing nested field",
      rawScenario({ brokers: [{ describe: { ...(rawBroker("orders").describe as object), HostInstanceType: undefined } }] }),
      ["/brokers/0/describe", "HostInstanceType"],
    ],
    [
      "a wrong enum value",
      rawScenario({ brokers: [rawBroker("orders", {}, { EngineType: "KAFKA" })] }),
      ["/brokers/0/describe/EngineType"],
    ],
    ["an unknown top-level key", rawScenario({ alarms: [] }), ["alarms"]],
    ["a wrong type", rawScenario({ metrics: [{ metric: "X", dimensions: {}, values: ["1"] }] }), ["/metrics/0/values/0"]],
    ["a start that is not a date-time", rawScenario({ start: "yesterday" }), ["/start"]],
  ])("rejects %s with a ScenarioError naming the file and the field", (_case, raw, fieldWords) => {
    // Prepare
    const json = JSON.parse(JSON.stringify(raw)) as unknown; // drops the `undefined` fields, as a file would
    // Act
    const error = scenarioErrorOf(() => parseScenario(json, "scenarios/broken.json"));
    // Assess
    expect(error.file).toBe("scenarios/broken.json");
    expect(error.message).toContain("scenarios/broken.json");
    for (const word of fieldWords) expect(error.message).toContain(word);
  });

  it("names the allowed values of an enum it rejects", () => {
    // Prepare
    const raw = rawScenario({ brokers: [rawBroker("orders", {}, { DeploymentMode: "SOLO" })] });
    // Act
    const error = scenarioErrorOf(() => parseScenario(raw, "x.json"));
    // Assess
    expect(error.message).toContain("/brokers/0/describe/DeploymentMode");
    expect(error.message).toContain("SINGLE_INSTANCE");
  });
});

describe("loadScenarioFile", () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "mq-sentinel-scenario-"));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("loads a valid file and records where it came from", () => {
    // Prepare
    const file = join(dir, "ok.json");
    writeFileSync(file, JSON.stringify(rawScenario()));
    // Act
    const scenario = loadScenarioFile(file);
    // Assess
    expect(scenario.name).toBe("sim-test");
    expect(scenario.source).toBe(file);
  });

  it("names the file when it cannot be read", () => {
    // Prepare
    const file = join(dir, "missing.json");
    // Act
    const error = scenarioErrorOf(() => loadScenarioFile(file));
    // Assess
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
  });

  it("names the file when it is not JSON", () => {
    // Prepare
    const file = join(dir, "broken.json");
    writeFileSync(file, '{"name": "sim-test",');
    // Act
    const error = scenarioErrorOf(() => loadScenarioFile(file));
    // Assess
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/JSON/);
  });

  it("names the file and the field when the JSON breaks the schema", () => {
    // Prepare
    const file = join(dir, "invalid.json");
    writeFileSync(file, JSON.stringify(rawScenario({ publishDelayMinutes: 11 })));
    // Act
    const error = scenarioErrorOf(() => loadScenarioFile(file));
    // Assess
    expect(error.message).toContain(file);
    expect(error.message).toContain("/publishDelayMinutes");
  });

  it("names the path when it is a directory, not a file", () => {
    // Prepare
    const folder = join(dir, "folder.json");
    mkdirSync(folder);
    // Act
    const error = scenarioErrorOf(() => loadScenarioFile(folder));
    // Assess
    expect(error.file).toBe(folder);
    expect(error.message).toContain(folder);
  });
});

describe("scenarioFiles", () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "mq-sentinel-scenarios-"));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("expands a directory into its scenario files, sorted, without schema or other files", () => {
    // Prepare
    for (const name of ["b.json", "a.json", "scenario.schema.json", "notes.md", "c.json"]) writeFileSync(join(dir, name), "{}");
    // Act
    const files = scenarioFiles([dir]);
    // Assess
    expect(files).toEqual([join(dir, "a.json"), join(dir, "b.json"), join(dir, "c.json")]);
  });

  it("keeps files and missing paths as given, in order, next to expanded directories", () => {
    // Prepare
    const sub = join(dir, "library");
    mkdirSync(sub);
    writeFileSync(join(sub, "z.json"), "{}");
    writeFileSync(join(sub, "y.json"), "{}");
    const single = join(dir, "single.json");
    writeFileSync(single, "{}");
    const missing = join(dir, "nowhere.json");
    // Act
    const files = scenarioFiles([single, sub, missing]);
    // Assess
    expect(files).toEqual([single, join(sub, "y.json"), join(sub, "z.json"), missing]);
  });

  it("expands an empty directory to nothing", () => {
    // Prepare
    const empty = join(dir, "empty");
    mkdirSync(empty);
    // Act
    const files = scenarioFiles([empty]);
    // Assess
    expect(files).toEqual([]);
  });
});
