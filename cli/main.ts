import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderHtmlReport } from "../shared/core/render/html-report";
import { describeError, ScenarioError } from "../shared/errors";
import { loadScenarioFile, type Scenario, scenarioFiles } from "../shared/sim/scenario";
import { parseArgs } from "./args";
import { AUDIT_USAGE, auditCommand } from "./audit-command";
import { BACKTEST_USAGE, backtestCommand } from "./backtest-command";
import { CHECK_USAGE, checkCommand } from "./check-command";
import { UsageError } from "./duration";
import { REMEDIATION_USAGE, remediationCommand } from "./remediation-command";
import { type ReplayRun, replayScenario } from "./replay";
import { type ReplayedScenario, replayReport } from "./replay-report";
import { type ScenarioScore, scoreScenario, summarize } from "./score";
import { SILENCE_USAGE, silenceCommand } from "./silence-command";
import { formatTimeline } from "./timeline";
import { WATCH_RABBITMQ_USAGE, watchRabbitMqCommand } from "./watch-rabbitmq-command";

const USAGE = `mq-sentinel — Amazon MQ monitoring, alerting and guarded remediation

Usage:
  mq-sentinel replay [--json] [--score] [--html FILE] [bars] [FILE|DIR ...]
      Replays scenarios through the real handlers against a simulated AWS account.
      Without FILE it replays the built-in library (scenarios/).
      --json    one JSON object per scenario per line (the replay contract)
      --score   score each scenario against its expectations and print the totals
      --html F  also write a self-contained HTML report (charts per incident) to F
      bars      --min-recall R  --min-precision P  --max-median-delay M  --max-unsafe N
                (exit 1 when one is missed; they imply --score)
${CHECK_USAGE}
${BACKTEST_USAGE}
${AUDIT_USAGE}
${SILENCE_USAGE}
${REMEDIATION_USAGE}
${WATCH_RABBITMQ_USAGE}
  mq-sentinel help`;

interface ReplayOptions {
  json: boolean;
  score: boolean;
  html: string | null;
  bars: { minRecall?: number; minPrecision?: number; maxMedianDelay?: number; maxUnsafe?: number };
  paths: string[];
}

/** Runs the CLI; returns the exit code. */
export async function main(
  argv: string[],
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    out(USAGE);
    return command ? 0 : 2;
  }
  if (command === "replay") return replay(parseReplayArgs(rest), out, err);
  if (command === "silence") return silenceCommand(rest, out, err);
  if (command === "check") return checkCommand(rest, out, err);
  if (command === "backtest") return backtestCommand(rest, out, err);
  if (command === "audit") return auditCommand(rest, out, err);
  if (command === "remediation") return remediationCommand(rest, out, err);
  if (command === "watch-rabbitmq") return watchRabbitMqCommand(rest, out, err);
  err(`unknown command '${command}'\n\n${USAGE}`);
  return 2;
}

function parseReplayArgs(argv: string[]): ReplayOptions {
  const bars = ["min-recall", "min-precision", "max-median-delay", "max-unsafe"] as const;
  const args = parseArgs(argv, { values: ["html", ...bars], switches: ["json", "score"], positional: true });
  const bar = (name: (typeof bars)[number]) => {
    const text = args.get(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isFinite(value)) throw new UsageError(`--${name} needs a number`);
    return value;
  };
  const options: ReplayOptions = {
    json: args.has("json"),
    // A bar implies scoring.
    score: args.has("score") || bars.some((name) => args.has(name)),
    html: args.get("html") ?? null,
    bars: {},
    paths: [...args.positional],
  };
  const values = {
    minRecall: bar("min-recall"),
    minPrecision: bar("min-precision"),
    maxMedianDelay: bar("max-median-delay"),
    maxUnsafe: bar("max-unsafe"),
  };
  for (const [key, value] of Object.entries(values)) if (value !== undefined) options.bars[key as keyof typeof values] = value;
  return options;
}

async function replay(options: ReplayOptions, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const paths = options.paths.length ? options.paths : [builtInLibrary()];
  let failed = false;
  const scores: ScenarioScore[] = [];
  const replayed: ReplayedScenario[] = [];
  for (const file of scenarioFiles(paths)) {
    let scenario: Scenario;
    try {
      scenario = loadScenarioFile(file);
    } catch (error) {
      failed = true;
      err(error instanceof ScenarioError ? `invalid scenario ${error.message}` : `cannot load ${file}: ${String(error)}`);
      continue;
    }
    let run: ReplayRun;
    try {
      run = await replayScenario(scenario);
    } catch (error) {
      // Problems inside a valid scenario land in its `errors`; anything that still escapes is this
      // file's failure, reported on stderr (stdout stays one JSON line per replayed scenario).
      failed = true;
      err(`cannot replay ${file}: ${describeError(error)}`);
      continue;
    }
    const score = options.score || !options.json || options.html ? scoreScenario(scenario, run.output) : null;
    if (score) scores.push(score);
    if (options.html) replayed.push({ scenario, run, score });
    if (options.json) out(JSON.stringify(run.output));
    else out(`${formatTimeline(scenario, run, score)}\n`);
  }
  if (options.score && scores.length > 0) {
    const s = summarize(scores);
    const line = `recall ${s.recall} precision ${s.precision} median-delay ${s.medianDelay} p90-delay ${s.p90Delay} false-alarms ${s.falseAlarms} unsafe-reboots ${s.unsafeReboots} missed-remediations ${s.missedRemediations} scenarios ${s.scenarios}`;
    if (options.json) out(JSON.stringify({ summary: s }));
    else out(line);
    const { minRecall, minPrecision, maxMedianDelay, maxUnsafe } = options.bars;
    if (minRecall !== undefined && s.recall < minRecall) failed = true;
    if (minPrecision !== undefined && s.precision < minPrecision) failed = true;
    if (maxMedianDelay !== undefined && (s.medianDelay ?? Number.POSITIVE_INFINITY) > maxMedianDelay) failed = true;
    if (maxUnsafe !== undefined && s.unsafeReboots > maxUnsafe) failed = true;
  }
  if (options.html) {
    try {
      writeFileSync(options.html, renderHtmlReport(replayReport(replayed)));
      err(`report written to ${options.html}`);
    } catch (error) {
      err(`cannot write ${options.html}: ${describeError(error)}`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

/** The scenario library shipped with the project (next to `dist/` in a checkout). */
function builtInLibrary(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, "..", "scenarios"), join(here, "..", "..", "scenarios")]) {
    if (existsSync(candidate)) return candidate;
  }
  return join(process.cwd(), "scenarios");
}

export { UsageError };
