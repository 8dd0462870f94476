import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configFromFile, parseArgs } from "../../../cli/args";
import { UsageError } from "../../../cli/duration";
import { DEFAULT_CONFIG } from "../../../shared/core/config";
import { useTempDir } from "../../support/temp-dir";
import { thrownBy } from "../../support/thrown";

const SPEC = { values: ["region", "broker"], switches: ["json"], positional: true };

describe("parseArgs", () => {
  it("splits values, switches and bare arguments, keeping every value of a repeated option", () => {
    // Act
    const args = parseArgs(["--broker", "a", "file.json", "--json", "--broker", "b", "--region", "eu-west-1"], SPEC);

    // Assess
    expect(args.get("broker")).toBe("b");
    expect(args.all("broker")).toEqual(["a", "b"]);
    expect(args.get("region")).toBe("eu-west-1");
    expect(args.has("json")).toBe(true);
    expect(args.positional).toEqual(["file.json"]);
    expect(args.has("missing")).toBe(false);
    expect(args.get("missing")).toBeUndefined();
    expect(args.all("missing")).toEqual([]);
  });

  it.each([
    ["an option without its value", ["--region"], SPEC, "--region needs a value"],
    ["an option followed by another option", ["--region", "--json"], SPEC, "--region needs a value"],
    ["an option the command does not know", ["--password", "x"], SPEC, "unknown option --password"],
    ["a bare argument where the command takes none", ["stray"], { values: ["region"] }, "unexpected 'stray'"],
  ])("refuses %s with a usage error", (_case, argv, spec, message) => {
    // Act
    const error = thrownBy(UsageError, () => parseArgs(argv, spec));

    // Assess
    expect(error.message).toBe(message);
  });

  it("accepts a value that starts with a single dash (a negative number)", () => {
    expect(parseArgs(["--region", "-1"], SPEC).get("region")).toBe("-1");
  });
});

describe("configFromFile", () => {
  const dir = useTempDir("mq-sentinel-args-");

  it("reads and validates a configuration file", () => {
    // Prepare
    const file = join(dir(), "config.json");
    writeFileSync(file, JSON.stringify({ polling: { queueSweepMinutes: 10 } }));

    // Act
    const config = configFromFile(file);

    // Assess
    expect(config.polling.queueSweepMinutes).toBe(10);
    expect(config.polling.windowMinutes).toBe(DEFAULT_CONFIG.polling.windowMinutes);
  });

  it.each([
    ["a file that is not JSON", "{ polling:", /cannot use --config .*config\.json: .*JSON/],
    [
      "an invalid configuration, with every problem",
      JSON.stringify({ polling: { windowMinutes: 0 } }),
      /invalid configuration:\n {2}polling\.windowMinutes/,
    ],
  ])("refuses %s with a usage error naming the file", (_case, text, message) => {
    // Prepare
    const file = join(dir(), "config.json");
    writeFileSync(file, text);

    // Act
    const error = thrownBy(UsageError, () => configFromFile(file));

    // Assess
    expect(error.message).toMatch(message);
  });
});
