import { ConfigError, DEFAULT_CONFIG } from "../../../shared/core/config";
import { parseRegions, readEnvironment } from "../../../shared/env";

/** A deployed function's environment at home in us-east-1, with `vars` added. */
function envWith(vars: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { AWS_REGION: "us-east-1", ...vars };
}

describe("readEnvironment: the watched regions (MQ_SENTINEL_REGIONS)", () => {
  it("watches only the home region when the variable is absent or blank", () => {
    // Act
    const absent = readEnvironment(envWith());
    const blank = readEnvironment(envWith({ MQ_SENTINEL_REGIONS: "  , ,  " }));
    // Assess
    expect(absent.otherRegions).toEqual([]);
    expect(blank.otherRegions).toEqual([]);
    expect(absent.region).toBe("us-east-1");
  });

  it("reads a comma-separated list, trimming spaces and keeping the order", () => {
    // Act
    const env = readEnvironment(envWith({ MQ_SENTINEL_REGIONS: " eu-west-1 ,ap-southeast-2,  us-gov-west-1" }));
    // Assess
    expect(env.otherRegions).toEqual(["eu-west-1", "ap-southeast-2", "us-gov-west-1"]);
  });

  it("drops duplicates and the home region itself", () => {
    // Act
    const env = readEnvironment(envWith({ MQ_SENTINEL_REGIONS: "eu-west-1,us-east-1,eu-west-1, eu-west-1 ,us-east-1" }));
    // Assess
    expect(env.otherRegions).toEqual(["eu-west-1"]);
  });

  it("takes the home region from AWS_DEFAULT_REGION when AWS_REGION is not set", () => {
    // Act
    const env = readEnvironment({ AWS_DEFAULT_REGION: "eu-west-1", MQ_SENTINEL_REGIONS: "eu-west-1,us-east-1" });
    // Assess
    expect(env.region).toBe("eu-west-1");
    expect(env.otherRegions).toEqual(["us-east-1"]);
  });

  it.each([
    ["a name that is not a region", "eu-west-1,europe", "'europe'"],
    ["an upper-case region", "EU-WEST-1", "'EU-WEST-1'"],
    ["a region with an Availability Zone letter", "eu-west-1a", "'eu-west-1a'"],
    ["a space-separated list", "eu-west-1 eu-west-2", "'eu-west-1 eu-west-2'"],
  ])("fails with an error naming %s", (_case, value, named) => {
    // Act
    const read = () => readEnvironment(envWith({ MQ_SENTINEL_REGIONS: value }));
    // Assess
    expect(read).toThrow(/MQ_SENTINEL_REGIONS/);
    expect(read).toThrow(named);
  });

  it("names every bad entry, not only the first", () => {
    // Act
    const read = () => parseRegions("mars-1,eu-west-1,*", "us-east-1");
    // Assess
    expect(read).toThrow("MQ_SENTINEL_REGIONS holds 'mars-1', '*': not region names like eu-west-1");
  });
});

describe("readEnvironment: the remediation mode (MQ_SENTINEL_REMEDIATION_MODE)", () => {
  const configJson = (mode: string) => JSON.stringify({ remediation: { mode, maxRebootsPerHour: 2 } });

  it.each(["off", "dry-run", "auto"])("sets remediation.mode to %s when the configuration has none", (mode) => {
    // Act
    const env = readEnvironment(envWith({ MQ_SENTINEL_REMEDIATION_MODE: mode }));
    // Assess
    expect(env.config.remediation.mode).toBe(mode);
  });

  it("wins over remediation.mode in the JSON configuration and keeps the section's other settings", () => {
    // Act
    const env = readEnvironment(envWith({ MQ_SENTINEL_CONFIG: configJson("auto"), MQ_SENTINEL_REMEDIATION_MODE: "off" }));
    // Assess
    expect(env.config.remediation.mode).toBe("off");
    expect(env.config.remediation.maxRebootsPerHour).toBe(2);
  });

  it("trims the value", () => {
    // Act
    const env = readEnvironment(envWith({ MQ_SENTINEL_CONFIG: configJson("off"), MQ_SENTINEL_REMEDIATION_MODE: " auto " }));
    // Assess
    expect(env.config.remediation.mode).toBe("auto");
  });

  it.each([
    ["absent", undefined],
    ["empty", ""],
    ["blank", "   "],
  ])("leaves the configuration's mode when the variable is %s", (_case, value) => {
    // Act
    const env = readEnvironment(envWith({ MQ_SENTINEL_CONFIG: configJson("auto"), MQ_SENTINEL_REMEDIATION_MODE: value }));
    // Assess
    expect(env.config.remediation.mode).toBe("auto");
  });

  it("keeps the default mode (dry-run) when neither the variable nor the configuration sets one", () => {
    // Act
    const env = readEnvironment(envWith({ MQ_SENTINEL_REMEDIATION_MODE: "" }));
    // Assess
    expect(env.config.remediation.mode).toBe("dry-run");
  });

  it.each(["Auto", "on", "dryrun", "reboot"])("fails with a clear error on the invalid mode %j", (mode) => {
    // Act
    const read = () => readEnvironment(envWith({ MQ_SENTINEL_CONFIG: configJson("off"), MQ_SENTINEL_REMEDIATION_MODE: mode }));
    // Assess
    expect(read).toThrow(`MQ_SENTINEL_REMEDIATION_MODE is '${mode}': it must be one of off, dry-run, approve, auto`);
  });
});

describe("readEnvironment: the stage (MQ_SENTINEL_STAGE)", () => {
  it("defaults to prod when absent or blank", () => {
    // Act
    const absent = readEnvironment(envWith());
    const blank = readEnvironment(envWith({ MQ_SENTINEL_STAGE: "  " }));
    // Assess
    expect(absent.stage).toBe("prod");
    expect(blank.stage).toBe("prod");
  });

  it("takes the deployment's stage, trimmed", () => {
    // Act
    const env = readEnvironment(envWith({ MQ_SENTINEL_STAGE: " staging " }));
    // Assess
    expect(env.stage).toBe("staging");
  });
});

describe("readEnvironment: the configuration (MQ_SENTINEL_CONFIG)", () => {
  it.each([
    ["absent", undefined],
    ["blank", "  "],
    ["an empty object", "{}"],
  ])("uses the defaults when it is %s", (_case, value) => {
    // Act
    const env = readEnvironment(envWith({ MQ_SENTINEL_CONFIG: value }));
    // Assess
    expect(env.config).toEqual(DEFAULT_CONFIG);
  });

  it.each([
    ["null", "null", "null"],
    ["a list", "[]", "an array"],
    ["a JSON string", '"{}"', "a string"],
    ["a number", "0", "a number"],
  ])("fails at start when it is %s, instead of running on the defaults", (_case, value, named) => {
    for (const extra of [{}, { OWN_ROLE_ARNS: "arn:aws:iam::123456789012:role/remediate", MQ_SENTINEL_REMEDIATION_MODE: "auto" }]) {
      // Act
      const read = () => readEnvironment(envWith({ MQ_SENTINEL_CONFIG: value, ...extra }));
      // Assess
      expect(read).toThrow(ConfigError);
      expect(read).toThrow(`invalid configuration:\n  (root): must be a JSON object ({} for every default), not ${named}`);
    }
  });

  it("fails at start on a dead-letter pattern the detector could not compile, naming the field", () => {
    // Act
    const read = () =>
      readEnvironment(envWith({ MQ_SENTINEL_CONFIG: JSON.stringify({ detection: { consumerLag: { deadLetterPattern: "(dlq" } } }) }));
    // Assess
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/\n {2}detection\.consumerLag\.deadLetterPattern: not a valid regular expression: .*Unterminated group/);
  });

  it("fails at start on a warning level above the critical one", () => {
    // Act
    const read = () =>
      readEnvironment(envWith({ MQ_SENTINEL_CONFIG: JSON.stringify({ detection: { resources: { cpu: { warnPercent: 97 } } } }) }));
    // Assess
    expect(read).toThrow("detection.resources.cpu.warnPercent: 97 is above criticalPercent (95)");
  });

  it("names invalid JSON", () => {
    // Act
    const read = () => readEnvironment(envWith({ MQ_SENTINEL_CONFIG: "{remediation:" }));
    // Assess
    expect(read).toThrow(/^MQ_SENTINEL_CONFIG is not valid JSON: /);
  });
});

describe("readEnvironment: the Slack app", () => {
  it("reads where the bot token is kept, and the app's mode and channel from the configuration", () => {
    // Act
    const env = readEnvironment(
      envWith({
        SLACK_BOT_TOKEN_PARAMETER: " /mq-sentinel/slack-bot-token ",
        MQ_SENTINEL_CONFIG: JSON.stringify({ notifications: { slack: { mode: "app", channel: "C0ALERTS1" } } }),
      }),
    );
    const without = readEnvironment(envWith());
    // Assess
    expect(env.slackBotToken).toBe("/mq-sentinel/slack-bot-token");
    expect(env.config.notifications.slack).toMatchObject({ mode: "app", channel: "C0ALERTS1" });
    expect(without.slackBotToken).toBeNull();
    expect(without.config.notifications.slack.mode).toBe("webhook");
  });
});
