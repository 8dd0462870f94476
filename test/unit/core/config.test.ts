import fc from "fast-check";
import { ConfigError, DEFAULT_CONFIG, parseConfig } from "../../../shared/core/config";
import { isDeadLetterQueue } from "../../../shared/core/detectors/consumer-lag";
import { thrownBy } from "../../support/thrown";

describe("parseConfig", () => {
  it("fills every default, with remediation in dry-run", () => {
    // Act
    const { config } = parseConfig({});
    // Assess
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config.remediation).toMatchObject({ mode: "dry-run", allowSingleInstance: false, cooldownMinutes: 60 });
    expect(config.detection.consumerLag.noConsumersMinutes).toBe(3);
    expect(Object.isFrozen(config.detection.consumerLag)).toBe(true);
  });

  it("fills the noise rules' defaults: hysteresis, recovery threshold, re-opening, flap detection", () => {
    // Act
    const { config } = parseConfig({});
    // Assess
    expect(config.incidents).toEqual({
      resolveAfterMinutes: 5,
      refreshMinutes: 15,
      deEscalateAfterMinutes: 30,
      recoveryPoints: 5,
      reopenWithinMinutes: 360,
      flapWindowMinutes: 360,
      flapStartChanges: 4,
      flapStopChanges: 2,
    });
  });

  it("applies overrides and keeps the other defaults of the same section", () => {
    // Act
    const { config } = parseConfig({ remediation: { mode: "auto" }, detection: { connections: { warnPercent: 70 } } });
    // Assess
    expect(config.remediation.mode).toBe("auto");
    expect(config.remediation.cooldownMinutes).toBe(60);
    expect(config.detection.connections).toMatchObject({ warnPercent: 70, criticalPercent: 95 });
  });

  it("keeps Slack on the incoming webhook unless the app is chosen, and needs the app's channel id then", () => {
    // Act
    const app = parseConfig({ notifications: { slack: { mode: "app", channel: "C0ALERTS1" } } }).config;
    const noChannel = () => parseConfig({ notifications: { slack: { mode: "app" } } });
    const aName = () => parseConfig({ notifications: { slack: { mode: "app", channel: "#alerts" } } });
    // Assess
    expect(DEFAULT_CONFIG.notifications.slack).toEqual({ mode: "webhook", channel: "", userGroupCacheMinutes: 5 });
    expect(app.notifications.slack).toMatchObject({ mode: "app", channel: "C0ALERTS1" });
    expect(noChannel).toThrow(/notifications\.slack\.channel: mode app needs the channel id/);
    expect(aName).toThrow(ConfigError);
  });

  it("holds a broker's queue and connection findings back while it is unhealthy, unless told otherwise", () => {
    // Act
    const { config } = parseConfig({ notifications: { inhibit: [{ source: "resource-pressure", target: ["consumer-lag"] }] } });
    // Assess
    expect(DEFAULT_CONFIG.notifications.inhibit).toEqual([
      { source: "broker-unhealthy", target: ["consumer-lag", "connection-exhaustion"], equal: "broker" },
    ]);
    expect(config.notifications.inhibit).toEqual([{ source: "resource-pressure", target: ["consumer-lag"], equal: "broker" }]);
    expect(parseConfig({ notifications: { inhibit: [] } }).config.notifications.inhibit).toEqual([]);
  });

  it.each([
    [{ source: "queue-down", target: ["consumer-lag"] }, "notifications.inhibit.0.source: Invalid option"],
    [{ source: "broker-unhealthy", target: [] }, "notifications.inhibit.0.target: Too small"],
    [{ source: "broker-unhealthy", target: ["consumer-lag"], equal: "queue" }, "notifications.inhibit.0.equal: Invalid input"],
    [
      { source: "broker-unhealthy", target: ["consumer-lag", "broker-unhealthy"] },
      "notifications.inhibit.0.target: 'broker-unhealthy' is the rule's source too",
    ],
  ])("rejects the inhibition rule %j, naming what is wrong", (rule, problem) => {
    // Act
    const error = thrownBy(ConfigError, () => parseConfig({ notifications: { inhibit: [rule] } }));
    // Assess
    expect(error.problems).toEqual([expect.stringContaining(problem)]);
  });

  it("rejects an unknown key in a deployment, naming it", () => {
    // Act
    const attempt = () => parseConfig({ remediation: { mood: "auto" } });
    // Assess
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/remediation.*mood/);
  });

  it("drops and reports unknown keys when asked to ignore them (scenario replay)", () => {
    // Act
    const { config, ignoredKeys } = parseConfig({ remediation: { mode: "auto", budget: 3 }, future: { x: 1 } }, { unknownKeys: "ignore" });
    // Assess
    expect(config.remediation.mode).toBe("auto");
    expect(ignoredKeys.sort()).toEqual(["future", "remediation.budget"]);
  });

  it.each([
    [{ remediation: { mode: "yolo" } }, /remediation\.mode/],
    [{ detection: { consumerLag: "fast" } }, /detection\.consumerLag/],
    [{ detection: { resources: { cpu: { warnPercent: 140 } } } }, /detection\.resources\.cpu\.warnPercent/],
    [{ incidents: { resolveAfterMinutes: -1 } }, /incidents\.resolveAfterMinutes/],
    [{ incidents: { refreshMinutes: 0 } }, /incidents\.refreshMinutes/],
  ])("rejects an invalid value %j with its path", (raw, path) => {
    expect(() => parseConfig(raw, { unknownKeys: "ignore" })).toThrow(path);
  });
});

describe("parseConfig: the dead-letter pattern", () => {
  it.each([
    ["(dlq", /not a valid regular expression: .*Unterminated group/],
    ["[dlq", /not a valid regular expression: .*Unterminated character class/],
    ["dlq(?<", /not a valid regular expression/],
    ["*dlq", /not a valid regular expression: .*Nothing to repeat/],
  ])("rejects %j, naming the field and the regular expression's error", (pattern, message) => {
    // Act
    const error = thrownBy(ConfigError, () =>
      parseConfig({ detection: { consumerLag: { deadLetterPattern: pattern } } }, { unknownKeys: "ignore" }),
    );
    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^detection\.consumerLag\.deadLetterPattern: /);
    expect(error.problems[0]).toMatch(message);
  });

  it.each(["", "(dlq)?", ".*", "x*|dlq"])("rejects %j, which matches the empty string and so every queue", (pattern) => {
    // Act
    const error = thrownBy(ConfigError, () => parseConfig({ detection: { consumerLag: { deadLetterPattern: pattern } } }));
    // Assess
    expect(error.problems).toEqual([expect.stringMatching(/^detection\.consumerLag\.deadLetterPattern: .*matches the empty string/)]);
  });

  it("accepts a valid pattern, which the consumer-lag detector then applies case-insensitively", () => {
    // Act
    const { config } = parseConfig({ detection: { consumerLag: { deadLetterPattern: "(^|[._-])(dlq|parking)([._-]|$)" } } });
    // Assess
    expect(isDeadLetterQueue("orders.PARKING", config.detection.consumerLag)).toBe(true);
    expect(isDeadLetterQueue("orders", config.detection.consumerLag)).toBe(false);
  });

  it("never lets a pattern through that the detector cannot compile", () => {
    // Prepare: patterns built from the characters that make regular expressions invalid
    const pattern = fc.string({
      unit: fc.constantFrom("(", ")", "[", "]", "{", "}", "*", "+", "?", "\\", "|", "^", "$", ".", "d", "l", "q", "<"),
      maxLength: 8,
    });
    fc.assert(
      fc.property(pattern, (candidate) => {
        // Act
        let config: ReturnType<typeof parseConfig>["config"];
        try {
          config = parseConfig({ detection: { consumerLag: { deadLetterPattern: candidate } } }).config;
        } catch (error) {
          // Assess: refused, with the field named
          return error instanceof ConfigError && error.problems.every((p) => p.startsWith("detection.consumerLag.deadLetterPattern: "));
        }
        // Assess: accepted, so the detector can use it
        expect(() => isDeadLetterQueue("orders.dlq", config.detection.consumerLag)).not.toThrow();
        return true;
      }),
      { numRuns: 500 },
    );
  });
});

describe("parseConfig: what is not a configuration object", () => {
  it.each([
    ["null", null, "null"],
    ["an array", [], "an array"],
    ["a string", "{}", "a string"],
    ["a number", 3, "a number"],
    ["a boolean", true, "a boolean"],
    ["nothing", undefined, "nothing"],
  ])("rejects %s instead of using the defaults", (_case, raw, named) => {
    for (const unknownKeys of ["error", "ignore"] as const) {
      // Act
      const error = thrownBy(ConfigError, () => parseConfig(raw, { unknownKeys }));
      // Assess
      expect(error.problems).toEqual([`(root): must be a JSON object ({} for every default), not ${named}`]);
    }
  });
});

describe("parseConfig: how values relate", () => {
  it.each([
    [{ detection: { connections: { warnPercent: 96 } } }, "detection.connections.warnPercent", "96 is above criticalPercent (95)"],
    [
      { detection: { resources: { cpu: { warnPercent: 97, criticalPercent: 95 } } } },
      "detection.resources.cpu.warnPercent",
      "97 is above criticalPercent (95)",
    ],
    [
      { detection: { resources: { heap: { criticalPercent: 70 } } } },
      "detection.resources.heap.warnPercent",
      "80 is above criticalPercent (70)",
    ],
    [{ detection: { resources: { store: { warnPercent: 99 } } } }, "detection.resources.store.warnPercent", "above criticalPercent"],
    [
      { detection: { resources: { tempStore: { warnPercent: 99 } } } },
      "detection.resources.tempStore.warnPercent",
      "above criticalPercent",
    ],
    [{ detection: { resources: { memory: { warnPercent: 99 } } } }, "detection.resources.memory.warnPercent", "above criticalPercent"],
    [
      { detection: { resources: { fileDescriptors: { warnPercent: 99 } } } },
      "detection.resources.fileDescriptors.warnPercent",
      "above criticalPercent",
    ],
    [{ detection: { resources: { diskWarnRatio: 1.05 } } }, "detection.resources.diskWarnRatio", "1.05 is below diskCriticalRatio (1.1)"],
    [{ apiActivity: { minDenials: 11 } }, "apiActivity.minDenials", "11 is above criticalDenials (10)"],
    [{ incidents: { flapStopChanges: 5 } }, "incidents.flapStopChanges", "5 is above flapStartChanges (4)"],
    [{ polling: { windowMinutes: 40, queueSweepMinutes: 45 } }, "polling.queueSweepMinutes", "45 is above polling.windowMinutes (40)"],
    [
      { polling: { windowMinutes: 30 }, detection: { consumerLag: { slowWindowMinutes: 28 } } },
      "detection.consumerLag.slowWindowMinutes",
      "28 min does not fit in polling.windowMinutes (30)",
    ],
    [
      { polling: { windowMinutes: 30, queueSweepMinutes: 10 }, detection: { consumerLag: { stalledMinutes: 28 } } },
      "detection.consumerLag.stalledMinutes",
      "would never see enough data",
    ],
    [{ detection: { consumerLag: { noConsumersMinutes: 58 } } }, "detection.consumerLag.noConsumersMinutes", "58 min does not fit"],
    [
      { polling: { windowMinutes: 30 }, detection: { connections: { forecastWindowMinutes: 28 } } },
      "detection.connections.forecastWindowMinutes",
      "does not fit",
    ],
    [{ detection: { connections: { sustainMinutes: 60 } } }, "detection.connections.sustainMinutes", "does not fit"],
    [{ detection: { resources: { heap: { sustainMinutes: 58 } } } }, "detection.resources.heap.sustainMinutes", "does not fit"],
    [{ detection: { resources: { diskSustainMinutes: 58 } } }, "detection.resources.diskSustainMinutes", "does not fit"],
    [
      { polling: { windowMinutes: 20, queueSweepMinutes: 10 }, detection: { connections: { forecastWindowMinutes: 10 } } },
      "polling.windowMinutes",
      "20 leaves less than the 20 min the store and disk fill forecasts look back over",
    ],
    [
      { detection: { brokerHealth: { silentMinutes: 16 } } },
      "detection.brokerHealth.silentMinutes",
      "16 is above maxDataDelayMinutes (15)",
    ],
    [
      { detection: { brokerHealth: { maxDataDelayMinutes: 60 } } },
      "detection.brokerHealth.maxDataDelayMinutes",
      "60 is not below polling.windowMinutes (60)",
    ],
    [{ remediation: { verifyWithinMinutes: 5 } }, "remediation.verifyWithinMinutes", "5 is not above incidents.resolveAfterMinutes (5)"],
    [{ incidents: { resolveAfterMinutes: 30 } }, "remediation.verifyWithinMinutes", "20 is not above incidents.resolveAfterMinutes (30)"],
  ])("rejects %j, naming %s", (raw, path, words) => {
    for (const unknownKeys of ["error", "ignore"] as const) {
      // Act
      const error = thrownBy(ConfigError, () => parseConfig(raw, { unknownKeys }));
      // Assess
      expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^${path.replaceAll(".", "\\.")}: `))]);
      expect(error.problems[0]).toContain(words);
    }
  });

  it.each([
    ["a warning level equal to the critical one", { detection: { resources: { cpu: { warnPercent: 95, criticalPercent: 95 } } } }],
    ["equal disk ratios", { detection: { resources: { diskWarnRatio: 1.5, diskCriticalRatio: 1.5 } } }],
    ["equal denial counts", { apiActivity: { minDenials: 10, criticalDenials: 10 } }],
    ["a sweep as long as the window", { polling: { windowMinutes: 50, queueSweepMinutes: 50 } }],
    ["a detector window that just fits", { polling: { windowMinutes: 30 }, detection: { consumerLag: { slowWindowMinutes: 27 } } }],
    ["the shortest window the fill forecasts allow", { polling: { windowMinutes: 23, queueSweepMinutes: 10 } }],
    ["silence equal to the absolute bound", { detection: { brokerHealth: { silentMinutes: 15, maxDataDelayMinutes: 15 } } }],
    ["the absolute bound one minute inside the window", { detection: { brokerHealth: { maxDataDelayMinutes: 59 } } }],
    ["a verification one minute longer than the resolve time", { remediation: { verifyWithinMinutes: 6 } }],
  ])("accepts %s", (_case, raw) => {
    expect(() => parseConfig(raw)).not.toThrow();
  });

  it("lists every problem, one line each, under one heading", () => {
    // Act
    const error = thrownBy(ConfigError, () =>
      parseConfig({
        remediation: { mode: "sometimes" },
        detection: { consumerLag: { deadLetterPattern: "(dlq" } },
      }),
    );
    // Assess
    const lines = error.message.split("\n");
    expect(lines[0]).toBe("invalid configuration:");
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}remediation\.mode: Invalid option/),
      expect.stringMatching(/^ {2}detection\.consumerLag\.deadLetterPattern: not a valid regular expression/),
    ]);
  });

  it("judges how values relate only once every value is valid on its own", () => {
    // Act: the warning level is above critical, but the critical level is itself out of range
    const error = thrownBy(ConfigError, () =>
      parseConfig({ detection: { resources: { cpu: { warnPercent: 90, criticalPercent: 140 } } } }),
    );
    // Assess
    expect(error.problems).toEqual([expect.stringMatching(/^detection\.resources\.cpu\.criticalPercent: Too big/)]);
  });

  it("still rejects invalid values when unknown keys are dropped (scenario replay), and reports only those", () => {
    // Act
    const error = thrownBy(ConfigError, () =>
      parseConfig({ future: true, remediation: { budget: 3, mode: "sometimes" } }, { unknownKeys: "ignore" }),
    );
    // Assess
    expect(error.problems).toEqual([expect.stringMatching(/^remediation\.mode: /)]);
  });
});
