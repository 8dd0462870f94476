/**
 * Generates the built-in scenario library, scenarios/*.json and scenarios/README.md, from the typed
 * definitions in scripts/scenarios/. Run it with `npm run scenarios` (esbuild bundles this file first):
 *
 *   npm run scenarios                (re)write the generated files that differ
 *   npm run scenarios -- --check     write nothing; exit 1 naming the generated files that differ
 */
import { join } from "node:path";
import { generate, staleFiles, writeGenerated } from "./scenarios/generate";

const dir = join(process.cwd(), "scenarios");
if (process.argv.includes("--check")) {
  const files = generate(dir);
  const stale = staleFiles(dir, files);
  if (stale.length > 0) {
    console.error(`scenarios/ is out of date: ${stale.join(", ")}; run: npm run scenarios`);
    process.exit(1);
  }
  console.log(`scenarios/: the ${files.size} generated files are up to date`);
} else {
  const written = writeGenerated(dir);
  console.log(written.length === 0 ? "scenarios/: nothing to write" : `scenarios/: wrote ${written.join(", ")}`);
}
