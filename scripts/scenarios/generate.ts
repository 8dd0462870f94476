/**
 * Writes or checks the generated part of scenarios/: every file a set owns, and the README sections.
 * Files in scenarios/ that no set owns (added by hand or by other tools) are never read, written or checked.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { API_SCENARIOS } from "./api-library";
import { DELIVERY_VARIANTS, deliverySet } from "./delivery-library";
import { METRIC_SCENARIOS } from "./metric-library";
import { POSTURE_SCENARIOS } from "./posture-library";
import { REMEDIATION_SCENARIOS } from "./remediation-library";
import { apiSet, metricSet, postureSet, remediationSet, type ScenarioSet } from "./sets";

/** Every generated set, in README order. */
export function allSets(): ScenarioSet[] {
  const sets = [metricSet(METRIC_SCENARIOS), apiSet(API_SCENARIOS), postureSet(POSTURE_SCENARIOS), remediationSet(REMEDIATION_SCENARIOS)];
  // The delivery scenarios replay generated ones under faults: they are made from those files' text.
  const bases = new Map(sets.flatMap((set) => [...set.files]));
  return [...sets, deliverySet(DELIVERY_VARIANTS, bases)];
}

/** The generated files (name to text), the README included, as they should be in `dir`. */
export function generate(dir: string): Map<string, string> {
  const sets = allSets();
  const files = new Map<string, string>();
  for (const set of sets) for (const [name, text] of set.files) files.set(name, text);
  const readmePath = join(dir, "README.md");
  const current = existsSync(readmePath) ? readFileSync(readmePath, "utf8") : "# Built-in scenario library\n";
  files.set(
    "README.md",
    sets.reduce((readme, set) => set.readme(readme), current),
  );
  return files;
}

/** The generated files whose text in `dir` differs from what the generator makes (missing ones included). */
export function staleFiles(dir: string, files = generate(dir)): string[] {
  return [...files]
    .filter(([name, text]) => !existsSync(join(dir, name)) || readFileSync(join(dir, name), "utf8") !== text)
    .map(([name]) => name);
}

/** Writes the generated files that differ; returns their names. */
export function writeGenerated(dir: string): string[] {
  const files = generate(dir);
  const stale = staleFiles(dir, files);
  for (const name of stale) writeFileSync(join(dir, name), files.get(name) ?? "");
  return stale;
}
