// Runs a TypeScript script: bundles it with esbuild into a temporary ESM file, then imports it with the
// remaining arguments (`node scripts/run-ts.mjs scripts/generate-scenarios.ts --check`).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/run-ts.mjs FILE.ts [ARGS...]");
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), "run-ts-"));
const outfile = join(dir, "script.mjs");
await build({
  entryPoints: [resolve(entry)],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  logLevel: "warning",
});
process.argv = [process.argv[0], resolve(entry), ...args];
try {
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
