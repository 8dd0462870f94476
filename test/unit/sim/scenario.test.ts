import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { replayScenario } from "../../../cli/replay";
import { ScenarioError } from "../../../shared/errors";
import { loadScenarioFile, parseScenario, SIMULATED_OPERATIONS, scenarioFiles } from "../../../shared/sim/scenario";
import { stalledQueueScenario } from "../../support/scenario-builder";
import { useTempDir } from "../../support/temp-dir";
import { thrownBy } from "../../support/thrown";
import { rawBroker, rawScenario, START, START_MS, simulate } from "./scenario-fixtures";

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
    const error = thrownBy(ScenarioError, () => parseScenario(json, "scenarios/broken.json"));
    // Assess
    expect(error.file).toBe("scenarios/broken.json");
    expect(error.message).toContain("scenarios/broken.json");
    for (const word of fieldWords) expect(error.message).toContain(word);
  });

  it("names the allowed values of an enum it rejects", () => {
    // Prepare
    const raw = rawScenario({ brokers: [rawBroker("orders", {}, { DeploymentMode: "SOLO" })] });
    // Act
    const error = thrownBy(ScenarioError, () => parseScenario(raw, "x.json"));
    // Assess
    expect(error.message).toContain("/brokers/0/describe/DeploymentMode");
    expect(error.message).toContain("SINGLE_INSTANCE");
  });
});

describe("loadScenarioFile", () => {
  const dir = useTempDir("mq-sentinel-scenario-");

  it("loads a valid file and records where it came from", () => {
    // Prepare
    const file = join(dir(), "ok.json");
    writeFileSync(file, JSON.stringify(rawScenario()));
    // Act
    const scenario = loadScenarioFile(file);
    // Assess
    expect(scenario.name).toBe("sim-test");
    expect(scenario.source).toBe(file);
  });

  it("names the file when it cannot be read", () => {
    // Prepare
    const file = join(dir(), "missing.json");
    // Act
    const error = thrownBy(ScenarioError, () => loadScenarioFile(file));
    // Assess
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
  });

  it("names the file when it is not JSON", () => {
    // Prepare
    const file = join(dir(), "broken.json");
    writeFileSync(file, '{"name": "sim-test",');
    // Act
    const error = thrownBy(ScenarioError, () => loadScenarioFile(file));
    // Assess
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/JSON/);
  });

  it("names the file and the field when the JSON breaks the schema", () => {
    // Prepare
    const file = join(dir(), "invalid.json");
    writeFileSync(file, JSON.stringify(rawScenario({ publishDelayMinutes: 11 })));
    // Act
    const error = thrownBy(ScenarioError, () => loadScenarioFile(file));
    // Assess
    expect(error.message).toContain(file);
    expect(error.message).toContain("/publishDelayMinutes");
  });

  it("names the path when it is a directory, not a file", () => {
    // Prepare
    const folder = join(dir(), "folder.json");
    mkdirSync(folder);
    // Act
    const error = thrownBy(ScenarioError, () => loadScenarioFile(folder));
    // Assess
    expect(error.file).toBe(folder);
    expect(error.message).toContain(folder);
  });
});

describe("scenarioFiles", () => {
  const dir = useTempDir("mq-sentinel-scenarios-");

  it("expands a directory into its scenario files, sorted, without schema or other files", () => {
    // Prepare
    for (const name of ["b.json", "a.json", "scenario.schema.json", "notes.md", "c.json"]) writeFileSync(join(dir(), name), "{}");
    // Act
    const files = scenarioFiles([dir()]);
    // Assess
    expect(files).toEqual([join(dir(), "a.json"), join(dir(), "b.json"), join(dir(), "c.json")]);
  });

  it("keeps files and missing paths as given, in order, next to expanded directories", () => {
    // Prepare
    const sub = join(dir(), "library");
    mkdirSync(sub);
    writeFileSync(join(sub, "z.json"), "{}");
    writeFileSync(join(sub, "y.json"), "{}");
    const single = join(dir(), "single.json");
    writeFileSync(single, "{}");
    const missing = join(dir(), "nowhere.json");
    // Act
    const files = scenarioFiles([single, sub, missing]);
    // Assess
    expect(files).toEqual([single, join(sub, "y.json"), join(sub, "z.json"), missing]);
  });

  it("expands an empty directory to nothing", () => {
    // Prepare
    const empty = join(dir(), "empty");
    mkdirSync(empty);
    // Act
    const files = scenarioFiles([empty]);
    // Assess
    expect(files).toEqual([]);
  });
});

describe("parseScenario: what the schema cannot say", () => {
  const broken = (overrides: Record<string, unknown>) => () => parseScenario(rawScenario(overrides), "scenarios/broken.json");
  const fault = (f: Record<string, unknown>) => ({
    faults: [{ operation: "mq:ListBrokers", from: 2, to: 4, error: "ThrottlingException", ...f }],
  });

  it.each([
    ["a fault whose from is after its to", fault({ from: 9, to: 3 }), "/faults/0: from (9) is after to (3)"],
    [
      "a fault that starts after the end",
      fault({ from: 60, to: 70 }),
      "/faults/0/from: minute 60 is after the last minute (59; durationMinutes is 60): the fault never applies",
    ],
    [
      "a fault on an operation with a typo",
      fault({ operation: "mq:DescribeBrokers" }),
      "/faults/0/operation: 'mq:DescribeBrokers' is not an operation",
    ],
    ["a fault on a service the simulator does not have", fault({ operation: "s3:GetObject" }), "/faults/0/operation: 's3:GetObject'"],
    ["a fault without a service", fault({ operation: "ListBrokers" }), "/faults/0/operation: 'ListBrokers'"],
    [
      "an event at the end",
      {
        events: [
          { at: 0, event: {} },
          { at: 60, event: {} },
        ],
      },
      "/events/1/at: minute 60 is after the last minute (59; durationMinutes is 60): the event is never delivered",
    ],
    [
      "a state change after the end",
      { brokers: [rawBroker("orders", { stateChanges: [{ at: 75, BrokerState: "REBOOT_IN_PROGRESS" }] })] },
      "/brokers/0/stateChanges/0/at: minute 75 is after the last minute",
    ],
    [
      "a deletion after the end",
      { brokers: [rawBroker("orders", { deletedAt: 60 })] },
      "/brokers/0/deletedAt: minute 60 is after the last minute",
    ],
    [
      "an interaction after the end",
      { interactions: [{ at: 61, action: "approve", user: "U1" }] },
      "/interactions/0/at: minute 61 is after the last minute",
    ],
    [
      "an expectation whose from is after its to",
      { expect: [{ kind: "posture", broker: "orders", from: 10, to: 5 }] },
      "/expect/0: from (10) is after to (5)",
    ],
    [
      "an expectation that starts after the end",
      { expect: [{ kind: "posture", broker: "orders", from: 60, to: 90 }] },
      "/expect/0/from: minute 60 is after the last minute (59; durationMinutes is 60): the expectation can never be met",
    ],
    [
      "an expected reboot whose from is after its to",
      { expectRemediations: [{ broker: "orders", from: 30, to: 20 }] },
      "/expectRemediations/0: from (30) is after to (20)",
    ],
    [
      "two brokers with one id",
      { brokers: [rawBroker("orders"), rawBroker("payments", {}, { BrokerId: "b-orders" })] },
      "/brokers/1/describe/BrokerId: 'b-orders' is already the id of /brokers/0",
    ],
    [
      "two brokers with one name",
      { brokers: [rawBroker("orders"), rawBroker("orders", {}, { BrokerId: "b-other" })] },
      "/brokers/1/describe/BrokerName: 'orders' is already the name of /brokers/0",
    ],
    ["a start with seconds", { start: "2026-03-02T09:00:30Z" }, "/start: 2026-03-02T09:00:30Z is not on a whole minute"],
    ["a start with milliseconds", { start: "2026-03-02T09:00:00.250Z" }, "/start: 2026-03-02T09:00:00.250Z is not on a whole minute"],
    ["a config value of the wrong kind", { config: { remediation: { mode: "sometimes" } } }, "/config/remediation/mode: Invalid option"],
    [
      "a dead-letter pattern that does not compile",
      { config: { detection: { consumerLag: { deadLetterPattern: "(dlq" } } } },
      "/config/detection/consumerLag/deadLetterPattern: not a valid regular expression",
    ],
    [
      "a warning level above the critical one",
      { config: { detection: { resources: { cpu: { warnPercent: 97 } } } } },
      "/config/detection/resources/cpu/warnPercent: 97 is above criticalPercent (95)",
    ],
  ])("rejects %s, naming the file and the field", (_case, overrides, problem) => {
    // Act
    const error = thrownBy(ScenarioError, broken(overrides));
    // Assess
    expect(error.file).toBe("scenarios/broken.json");
    expect(error.problems).toEqual([expect.stringContaining(problem)]);
  });

  it("names every problem of a file, not only the first", () => {
    // Act
    const error = thrownBy(
      ScenarioError,
      broken({ start: "2026-03-02T09:00:01Z", events: [{ at: 99, event: {} }], ...fault({ from: 5, to: 1 }) }),
    );
    // Assess
    expect(error.problems).toHaveLength(3);
  });

  it.each([
    ["a fault that runs past the end", fault({ from: 50, to: 500 })],
    ["a fault on the Slack webhook with an HTTP status", fault({ operation: "slack:webhook", error: "503" })],
    ["a one-minute fault", fault({ from: 59, to: 59 })],
    ["an event on the last minute", { events: [{ at: 59, event: { malformed: true } }] }],
    ["an expectation that runs past the end", { expect: [{ kind: "posture", broker: "orders", from: 0, to: 500 }] }],
    ["a start with a whole-minute offset", { start: "2026-03-02T09:00:00+05:45" }],
    ["unknown config keys (replay drops and reports them)", { config: { future: { x: 1 }, remediation: { mode: "auto", budget: 3 } } }],
    ["two brokers", { brokers: [rawBroker("orders"), rawBroker("payments")] }],
  ])("accepts %s", (_case, overrides) => {
    expect(() => parseScenario(rawScenario(overrides), "ok.json")).not.toThrow();
  });
});

describe("SIMULATED_OPERATIONS", () => {
  it("lists only operations the simulated account answers (the AWS SDK ones)", async () => {
    // Prepare
    const { account } = simulate();
    const sdkOperations = [...SIMULATED_OPERATIONS].filter((op) => /^(mq|cloudwatch|ec2|sns):/.test(op));
    // Act
    const answers = await Promise.all(
      sdkOperations.map(async (op) => {
        const [service, operation] = op.split(":") as [string, string];
        return account.handle(service, operation, { BrokerId: "b-orders" }).then(
          () => "answered",
          (error: Error) => error.name,
        );
      }),
    );
    // Assess
    expect(sdkOperations).toHaveLength(8);
    expect(answers).not.toContain("UnsupportedOperation");
    await expect(account.handle("mq", "DescribeBrokers", {})).rejects.toMatchObject({ name: "UnsupportedOperation" });
  });

  it("covers every operation a replay calls", async () => {
    // Prepare: a stall on an opted-in broker in auto mode, with an API event: reads, notifications, a reboot
    const raw = stalledQueueScenario("ops", 5, 30);
    (raw.brokers[0] as { describe: { Tags: Record<string, string> } }).describe.Tags = { "mq-sentinel:remediate": "reboot" };
    raw.config = { remediation: { mode: "auto" } };
    raw.events = [{ at: 3, event: { id: "e1", "detail-type": "AWS API Call via CloudTrail", source: "aws.amazonmq", detail: {} } }];
    // Act
    const run = await replayScenario(parseScenario(raw));
    // Assess
    const called = Object.keys(run.output.apiCalls).filter((op) => op !== "cloudwatch:MetricsRequested");
    expect(called).toEqual(expect.arrayContaining(["mq:RebootBroker", "sns:Publish", "slack:webhook", "dynamodb:PutItem"]));
    expect(called.filter((op) => !SIMULATED_OPERATIONS.has(op))).toEqual([]);
  });
});
