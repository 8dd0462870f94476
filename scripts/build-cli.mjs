// Builds the `mq-sentinel` command (dist/cli.mjs), the benchmark (dist/bench.mjs) and the fleet backtest (dist/backtest-fleet.mjs) with esbuild.
// Runs on `npm ci` (prepare), so a fresh clone has a working `npx mq-sentinel`.
import { chmodSync, existsSync } from "node:fs";
import { build } from "esbuild";

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // The AWS SDK's CommonJS parts call require(); an ESM bundle needs one (DESIGN.md §5).
  mainFields: ["module", "main"],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  sourcemap: "linked",
  logLevel: "warning",
};

await build({
  ...common,
  entryPoints: ["cli/bin.ts"],
  outfile: "dist/cli.mjs",
  banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
});
// Executable, so `npx mq-sentinel` runs it whatever wrote the file last (npm sets the mode only when it links the bin).
chmodSync("dist/cli.mjs", 0o755);
if (existsSync("bench/bench.ts")) await build({ ...common, entryPoints: ["bench/bench.ts"], outfile: "dist/bench.mjs" });
if (existsSync("bench/backtest-fleet.ts"))
  await build({ ...common, entryPoints: ["bench/backtest-fleet.ts"], outfile: "dist/backtest-fleet.mjs" });
