import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { type FleetOptions, REFERENCE_FLEET } from "../shared/sim/fleet/reference-fleet";
import { benchApiEvents } from "./api-events-bench";
import { type BundleReport, measureBundles } from "./bundles";
import { benchDetectors } from "./detector-bench";
import { benchRealDays, formatRealDays } from "./real-days";
import { buildFigures, formatReport } from "./report";
import { type FleetUnit, type FleetUnitResult, type LibraryUnitResult, runUnit, type Unit, type UnitResult } from "./units";

/**
 * `npm run bench` (readable tables) and `npm run bench -- --json` (last line: one JSON object).
 *
 * Phase 1, on a worker thread, is the throughput work: a simulated day of the default configuration
 * on the first 20 brokers of the reference fleet (cost per queue-month), the cadence variants of the
 * trade-off table, and the scenario library. Phase 2, at the same time on the main thread, runs the
 * reference fleet (200 x 50) and the 10- and 1,000-broker fleets with simulated API latency (a
 * machine with two cores gives each phase a core). Last, alone: the detectors and the packaged
 * functions' cold starts.
 */

/** The cadence settings of the trade-off table (the first is the default configuration). */
const CADENCE_VARIANTS: { label: string; override: Record<string, unknown> }[] = [
  { label: "default (sweep 30 min, drill hold 1 min)", override: {} },
  { label: "sweep 10 min", override: { polling: { queueSweepMinutes: 10 } } },
  { label: "sweep 15 min", override: { polling: { queueSweepMinutes: 15 } } },
  { label: "sweep 45 min", override: { polling: { queueSweepMinutes: 45 } } },
  { label: "drill hold 5 min (the earlier default)", override: { polling: { drillHoldMinutes: 5 } } },
];

/** Brokers of the reference fleet simulated for a whole day (the first ones: same mix, same traffic). */
const DAY_SLICE_BROKERS = 20;
const TRADE_OFF_MEASURED_CYCLES = 180;

function here(): string {
  return dirname(fileURLToPath(import.meta.url));
}

/** The repository root: where serverless.yml is, above dist/ (or bench/ when run from source). */
function repositoryRoot(): string {
  for (const candidate of [join(here(), ".."), join(here(), "..", ".."), process.cwd()]) {
    if (existsSync(join(candidate, "serverless.yml"))) return candidate;
  }
  return process.cwd();
}

function fleetUnit(
  id: string,
  fleet: FleetOptions,
  cycles: number,
  measureFrom: number,
  timed: number[] = [],
  override: Record<string, unknown> = {},
): FleetUnit {
  return { kind: "fleet", id, fleet, override, cycles, measureFrom, timed };
}

function phaseOneUnits(root: string): Unit[] {
  const slice = { ...REFERENCE_FLEET, brokers: DAY_SLICE_BROKERS };
  const tradeOff = CADENCE_VARIANTS.map((v, i) => {
    const polling = (v.override.polling ?? {}) as { queueSweepMinutes?: number };
    // Warm-up: past the cold start's full sweep and one whole sweep interval, then measure 3 hours.
    const warmup = (polling.queueSweepMinutes ?? 30) + 15;
    return fleetUnit(`trade-off-${i}`, slice, warmup + TRADE_OFF_MEASURED_CYCLES, warmup, [], v.override);
  });
  const dir = join(root, "scenarios");
  const half = Math.ceil(CADENCE_VARIANTS.length / 2);
  return [
    fleetUnit("day", slice, 1440, 0),
    ...tradeOff,
    // The cost floor: the same fleet with flat traffic, where no broker-level trigger fires.
    fleetUnit("trade-off-flat", { ...slice, traffic: "flat" }, 45 + TRADE_OFF_MEASURED_CYCLES, 45),
    { kind: "library", id: "library-a", dir, variants: CADENCE_VARIANTS.slice(0, half) },
    { kind: "library", id: "library-b", dir, variants: CADENCE_VARIANTS.slice(half) },
  ];
}

/** The timed fleets: cold start and warm cycles with latency; cycle 5 refreshes every DescribeBroker (TTL 5 min). */
function scalingUnits(): FleetUnit[] {
  return [
    fleetUnit("scale-10", { ...REFERENCE_FLEET, brokers: 10 }, 31, 1, [0, 5, 6, 7, 8, 9]),
    fleetUnit("scale-200", REFERENCE_FLEET, 31, 1, [0, 5, 6, 7, 8]),
    // 1,000 brokers cost seconds of CPU a cycle (simulation included): the cold start, described over
    // seven cycles under the Amazon MQ quota (150 brokers a cycle), then a warm cycle.
    fleetUnit("scale-1000", { ...REFERENCE_FLEET, brokers: 1000 }, 9, 8, [0, 8]),
  ];
}

function done(result: UnitResult): string {
  return `  ${result.id} done in ${(result.wallMs / 1000).toFixed(1)} s`;
}

/** Runs units one after another on a worker thread of their own (a fresh one each). */
async function runOnWorkerThread(units: Unit[], progress: (line: string) => void): Promise<UnitResult[]> {
  const results: UnitResult[] = [];
  for (const unit of units) {
    const result = await new Promise<UnitResult>((resolve, reject) => {
      const w = new Worker(new URL(import.meta.url), { workerData: unit });
      w.once("message", (m: UnitResult) => resolve(m));
      w.once("error", reject);
      w.once("exit", (code) => {
        if (code !== 0) reject(new Error(`worker for ${unit.id} exited with ${code}`));
      });
    });
    progress(done(result));
    results.push(result);
  }
  return results;
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  const started = performance.now();
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  // The AWS SDK warns once per process about Node 20; it says nothing about the figures.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const root = repositoryRoot();
  const realDaysDir = join(root, "test", "fixtures", "nab");
  // `--real-days`: only the message budget on the vendored real days (a minute, not the whole bench).
  if (argv.includes("--real-days")) {
    const realDays = await benchRealDays(realDaysDir);
    process.stdout.write(json ? `${JSON.stringify({ realDays })}\n` : `${formatRealDays(realDays)}\n`);
    return 0;
  }

  // Phase 1 (untimed, CPU-bound) on one worker thread, at the same time as phase 2 (timed, mostly
  // waiting on simulated latency) on this thread: each has a core of its own.
  progress("phase 1 (worker thread): simulated day, trade-off variants, scenario library");
  progress("phase 2 (main thread): 10, 200 and 1,000 brokers with simulated API latency, then detectors and bundles");
  const phaseOnePending = runOnWorkerThread(phaseOneUnits(root), progress);
  const scaling: FleetUnitResult[] = [];
  for (const unit of scalingUnits()) {
    const result = (await runUnit(unit)) as FleetUnitResult;
    progress(done(result));
    scaling.push(result);
  }
  const phaseOne = await phaseOnePending;
  // Timed alone, so the detectors and the cold starts get the machine to themselves.
  const detectors = benchDetectors(REFERENCE_FLEET);
  progress(`  detectors: ${detectors.msPer1000Queues.toFixed(2)} ms per 1,000 queues`);
  const apiEvents = await benchApiEvents(join(root, "scenarios"));
  progress(`  api-activity: ${apiEvents.eventsPerSecond} events per second`);
  const bundles: BundleReport = measureBundles(root);
  progress(`  bundles: ${bundles.functions.length} functions from ${bundles.source}`);
  const realDays = await benchRealDays(realDaysDir);
  progress(
    `  real days: ${realDays.length} broker-days, at most ${Math.max(0, ...realDays.map((r) => r.slackMessages))} Slack messages per broker-day`,
  );

  const fleetResults = phaseOne.filter((r): r is FleetUnitResult => r.kind === "fleet");
  const library = phaseOne
    .filter((r): r is LibraryUnitResult => r.kind === "library")
    .sort((a, b) => a.id.localeCompare(b.id))
    .flatMap((r) => r.variants);
  const byId = (id: string) => fleetResults.find((r) => r.id === id) as FleetUnitResult;
  const inputs = {
    day: byId("day"),
    tradeOff: CADENCE_VARIANTS.map((_, i) => byId(`trade-off-${i}`)),
    flat: byId("trade-off-flat"),
    library,
    scaling,
    detectors,
    apiEvents,
    bundles,
    variants: CADENCE_VARIANTS,
    benchSeconds: (performance.now() - started) / 1000,
  };
  const figures = {
    ...buildFigures(inputs),
    realDays,
    maxSlackMessagesPerBrokerDay: Math.max(0, ...realDays.map((r) => r.slackMessages)),
  };
  process.stdout.write(json ? `${JSON.stringify(figures)}\n` : `${formatReport(figures, inputs)}\n\n${formatRealDays(realDays)}\n`);
  return 0;
}

if (isMainThread) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
} else {
  runUnit(workerData as Unit).then((result) => parentPort?.postMessage(result));
}
