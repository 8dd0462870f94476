import { ConfigError, DEFAULT_CONFIG, parseConfig } from "../../../shared/core/config";

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

  it("applies overrides and keeps the other defaults of the same section", () => {
    // Act
    const { config } = parseConfig({ remediation: { mode: "auto" }, detection: { connections: { warnPercent: 70 } } });
    // Assess
    expect(config.remediation.mode).toBe("auto");
    expect(config.remediation.cooldownMinutes).toBe(60);
    expect(config.detection.connections).toMatchObject({ warnPercent: 70, criticalPercent: 95 });
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
  ])("rejects an invalid value %j with its path", (raw, path) => {
    expect(() => parseConfig(raw, { unknownKeys: "ignore" })).toThrow(path);
  });
});
