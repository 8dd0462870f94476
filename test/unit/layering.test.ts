import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * The layering rules in the project's biome.json (`noRestrictedImports`), shown to bite: each source is
 * written at its path in a scratch tree that holds a copy of the project's configuration (so the
 * path-scoped overrides apply) and linted there; the repository is never touched.
 */
const ROOT = join(__dirname, "..", "..");
const BIOME = join(ROOT, "node_modules", ".bin", "biome");

function lint(path: string, source: string): { exitCode: number | null; output: string } {
  const scratch = mkdtempSync(join(tmpdir(), "mq-sentinel-layering-"));
  try {
    const config = JSON.parse(readFileSync(join(ROOT, "biome.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(scratch, "biome.json"), JSON.stringify({ ...config, vcs: { enabled: false } }));
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    writeFileSync(join(scratch, path), source);
    const run = spawnSync(BIOME, ["lint", "--only=style/noRestrictedImports", path], { cwd: scratch, encoding: "utf8" });
    return { exitCode: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** What each refused import crosses: a driver's folder from anywhere in shared/, or out of the pure core. */
const DRIVERS_RULE = "importing a driver";
const CORE_RULE = "in the pure core";

describe("layering rules", () => {
  it.each([
    [
      "shared/app/uses-a-handler.ts",
      DRIVERS_RULE,
      'import { makePollMetricsHandler } from "../../functions/poll-metrics";\nexport const h = makePollMetricsHandler;\n',
    ],
    ["shared/sim/uses-the-cli.ts", DRIVERS_RULE, 'import { replayScenario } from "../../cli/replay";\nexport const r = replayScenario;\n'],
    ["shared/adapters/uses-the-bench.ts", DRIVERS_RULE, 'import { percentile } from "../../bench/stats";\nexport const p = percentile;\n'],
    ["shared/core/uses-the-sdk.ts", CORE_RULE, 'import { MqClient } from "@aws-sdk/client-mq";\nexport const c = MqClient;\n'],
    [
      "shared/core/detectors/uses-an-adapter.ts",
      CORE_RULE,
      'import { systemClock } from "../../adapters/system-clock";\nexport const c = systemClock;\n',
    ],
    ["shared/core/uses-a-use-case.ts", CORE_RULE, 'import { remediate } from "../app/remediate";\nexport const r = remediate;\n'],
    ["shared/core/uses-a-handler.ts", CORE_RULE, 'import { handler } from "../../functions/remediate";\nexport const h = handler;\n'],
  ])("refuses %s %s", (path, rule, source) => {
    const result = lint(path, source);

    expect(result.exitCode).not.toBe(0);
    expect(result.output).toContain("noRestrictedImports");
    if (rule === DRIVERS_RULE) expect(result.output).toContain("must not import functions/, cli/, bench/ or scripts/");
  });

  it.each([
    ["shared/app/uses-the-core.ts", 'import { parseConfig } from "../core/config";\nexport const p = parseConfig;\n'],
    ["shared/adapters/uses-the-sdk.ts", 'import { MqClient } from "@aws-sdk/client-mq";\nexport const c = MqClient;\n'],
    [
      "cli/uses-a-handler.ts",
      'import { makePollMetricsHandler } from "../functions/poll-metrics";\nexport const h = makePollMetricsHandler;\n',
    ],
    ["shared/core/uses-the-core.ts", 'import { parseConfig } from "./config";\nexport const p = parseConfig;\n'],
  ])("lets %s import downwards", (path, source) => {
    const result = lint(path, source);

    expect(result).toEqual({ exitCode: 0, output: expect.not.stringContaining("noRestrictedImports") });
  });
});
