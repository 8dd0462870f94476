import { replayScenario } from "../cli/replay";
import { type ScoreSummary, scoreScenario, summarize } from "../cli/score";
import { loadScenarioFile, scenarioFiles } from "../shared/sim/scenario";

/**
 * Detection quality on the built-in scenario library, scored with the project's own rules (what
 * `mq-sentinel replay --score scenarios` prints), optionally with configuration overrides merged
 * into every scenario's own `config` (the cadence settings of the trade-off table).
 */

export interface LibraryQuality {
  label: string;
  summary: ScoreSummary;
}

/** Replays and scores every scenario under `dir` with `override` merged into its config. */
export async function scoreLibrary(dir: string, label: string, override: Record<string, unknown> = {}): Promise<LibraryQuality> {
  const rows = [];
  for (const file of scenarioFiles([dir])) {
    const scenario = loadScenarioFile(file);
    scenario.config = deepMerge(scenario.config, override);
    rows.push(scoreScenario(scenario, (await replayScenario(scenario)).output));
  }
  return { label, summary: summarize(rows) };
}

/** `base` with `override` merged in, objects recursively (an override's value wins). */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = isPlainObject(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(override)) out[key] = deepMerge(out[key], value);
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
