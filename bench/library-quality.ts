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
  override: Record<string, unknown>;
  summary: ScoreSummary;
  missed: string[];
  falseAlarms: string[];
}

/** Replays and scores every scenario under `dir` with `override` merged into its config. */
export async function scoreLibrary(dir: string, label: string, override: Record<string, unknown> = {}): Promise<LibraryQuality> {
  const rows = [];
  const missed: string[] = [];
  const falseAlarms: string[] = [];
  for (const file of scenarioFiles([dir])) {
    const scenario = loadScenarioFile(file);
    scenario.config = deepMerge(scenario.config, override);
    const run = await replayScenario(scenario);
    const row = scoreScenario(scenario, run.output);
    rows.push(row);
    missed.push(...row.missed.map((m) => `${scenario.name}: ${m}`));
    falseAlarms.push(...row.falseAlarms.map((f) => `${scenario.name}: ${f}`));
  }
  return { label, override, summary: summarize(rows), missed, falseAlarms };
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
