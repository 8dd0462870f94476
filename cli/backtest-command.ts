import { writeFileSync } from "node:fs";
import { RecordingLog } from "../shared/adapters/recording-log";
import { systemClock } from "../shared/adapters/system-clock";
import { accountReaders, type MakeClient, makeAwsClient, type SdkSettings } from "../shared/build-deps";
import { type Config, DEFAULT_CONFIG } from "../shared/core/config";
import { renderHtmlReport } from "../shared/core/render/html-report";
import { type HtmlReport, reportIncidents } from "../shared/core/render/report-model";
import { MINUTE_MS } from "../shared/core/types";
import { readCliEnvironment } from "../shared/env";
import { describeError } from "../shared/errors";
import type { Clock } from "../shared/ports";
import {
  type BacktestPlan,
  type BacktestResult,
  MAX_BACKTEST_DAYS,
  NOISY_OPENINGS,
  planBacktest,
  runBacktest,
} from "../shared/sim/backtest";
import { configFromFile, parseArgs } from "./args";
import { explain } from "./check-command";
import { type Command, failedCommand } from "./command";
import { UsageError } from "./duration";

/** Above this estimated cost the history is read only with `--yes`. */
export const DEFAULT_MAX_USD = 0.1;

export const BACKTEST_USAGE = `  mq-sentinel backtest --days N [--broker NAME]... [--queue NAME]... [--config FILE.json]
                       [--region R] [--yes] [--max-usd X] [--html FILE] [--json]
      What mq-sentinel would have said about the account's last N days (N <= ${MAX_BACKTEST_DAYS}): reads the
      brokers' history once with GetMetricData (prints the cost first; above $${DEFAULT_MAX_USD.toFixed(2)} it needs --yes)
      and runs it minute by minute through the real detectors, incident rules, delivery policy and
      reboot guards. Nothing is sent, nothing is rebooted, nothing is written (but --html).`;

/** CloudWatch usually publishes a minute's datapoint within the next minute. */
const PUBLISH_DELAY_MINUTES = 1;

/**
 * The history reads' client settings: three attempts (a read failing late in a long backtest would
 * lose all the others) and the SDK's own timeouts (one call reads up to 100,800 datapoints).
 */
function historySettings(region: string): SdkSettings {
  return { region, maxAttempts: 3 };
}

/** The seams of `backtest`: the SDK client factory (real AWS by default), the clock, CloudWatch's publishing delay. */
export interface BacktestOptions {
  makeClient?: MakeClient;
  clock?: Clock;
  /** Minutes CloudWatch takes to publish (a simulated account may differ from the usual one). */
  publishDelayMinutes?: number;
}

interface BacktestArgs {
  days: number;
  brokers: string[];
  queues: string[];
  config: Config;
  region: string;
  yes: boolean;
  maxUsd: number;
  html: string | null;
  json: boolean;
}

/** The command line as `BacktestArgs`; a usage error names what is wrong. */
function backtestArgs(argv: string[]): BacktestArgs {
  const args = parseArgs(argv, {
    values: ["days", "broker", "queue", "region", "max-usd", "html", "config"],
    switches: ["yes", "json"],
  });
  const list = (name: string) => args.all(name).flatMap((v) => v.split(",").filter(Boolean));
  const days = Number(args.get("days") ?? Number.NaN);
  if (!Number.isFinite(days) || days <= 0 || days > MAX_BACKTEST_DAYS)
    throw new UsageError(
      `--days must be a number of days above 0 and at most ${MAX_BACKTEST_DAYS} (CloudWatch keeps 1-minute data for 15 days)`,
    );
  const maxUsd = Number(args.get("max-usd") ?? DEFAULT_MAX_USD);
  if (!Number.isFinite(maxUsd) || maxUsd < 0) throw new UsageError("--max-usd needs an amount in dollars");
  const config = args.get("config");
  return {
    days,
    brokers: list("broker"),
    queues: list("queue"),
    config: config === undefined ? DEFAULT_CONFIG : configFromFile(config),
    region: args.get("region") ?? readCliEnvironment().region ?? "us-east-1",
    yes: args.has("yes"),
    maxUsd,
    html: args.get("html") ?? null,
    json: args.has("json"),
  };
}

/** Runs `mq-sentinel backtest`; returns the exit code (0 done, 1 failed, 2 usage or not confirmed). */
export const backtestCommand: Command<BacktestOptions> = async (argv, out, err, options = {}) => {
  let args: BacktestArgs;
  try {
    args = backtestArgs(argv);
  } catch (error) {
    return failedCommand("backtest", BACKTEST_USAGE, error, err);
  }
  const clock = options.clock ?? systemClock;
  const makeClient = options.makeClient ?? makeAwsClient;
  const log = new RecordingLog();
  const sdk = historySettings(args.region);
  const { inventory, metrics } = accountReaders({ region: args.region, makeClient, clock, log, inventoryTtlMs: 3_600_000, sdk });
  const deps = {
    inventory,
    history: metrics,
    clock,
    log,
    config: args.config,
  };
  // The cost first: listing brokers and metrics is all that happens before the answer.
  let plan: BacktestPlan;
  try {
    plan = await planBacktest(deps, { days: args.days, brokers: args.brokers, queues: args.queues });
  } catch (error) {
    err(`${args.region}: ${explain(error)}`);
    return 1;
  }
  const from = new Date(plan.window.startMs).toISOString().slice(0, 16).replace("T", " ");
  const to = new Date(plan.window.startMs + plan.window.minutes * MINUTE_MS).toISOString().slice(0, 16).replace("T", " ");
  const say = args.json ? err : out;
  say(
    `backtest of ${args.region}, ${from} → ${to} UTC (${args.days} day${args.days === 1 ? "" : "s"}): ${plan.brokers.length} broker${plan.brokers.length === 1 ? "" : "s"}, ${plan.queues} queue${plan.queues === 1 ? "" : "s"}`,
  );
  for (const line of plan.skipped) err(`broker ${line} (not backtested)`);
  for (const name of plan.notFound) err(`broker ${name}: not in ${args.region} (or tagged to be ignored)`);
  say(
    `cost estimate: ${plan.metrics} metrics in ${plan.getMetricDataCalls} GetMetricData calls ≈ $${usd(plan.usd)} (billed per metric requested, whatever the window)`,
  );
  if (plan.brokers.length === 0) {
    err("nothing to backtest");
    return 1;
  }
  if (plan.usd > args.maxUsd && !args.yes) {
    err(`the estimate is above $${usd(args.maxUsd)}: re-run with --yes to read the history (or narrow it with --broker, --queue, --days)`);
    return 2;
  }
  const started = performance.now();
  let result: BacktestResult;
  try {
    result = await runBacktest(deps, plan, {
      publishDelayMinutes: options.publishDelayMinutes ?? PUBLISH_DELAY_MINUTES,
      region: args.region,
      progress: (line) => err(line),
    });
  } catch (error) {
    err(`backtest failed: ${explain(error)}`);
    return 1;
  }
  const seconds = (performance.now() - started) / 1000;
  if (args.json) out(JSON.stringify(jsonOf(result, plan, seconds)));
  else for (const line of formatBacktest(result, plan, seconds)) out(line);
  if (args.html) {
    try {
      writeFileSync(
        args.html,
        renderHtmlReport(backtestReport(result, plan, args.region, seconds, options.publishDelayMinutes ?? PUBLISH_DELAY_MINUTES)),
      );
      err(`report written to ${args.html}`);
    } catch (error) {
      err(`cannot write ${args.html}: ${describeError(error)}`);
      return 1;
    }
  }
  return 0;
};

function usd(n: number): string {
  return n >= 0.1 ? n.toFixed(2) : n.toFixed(4);
}

/** The readable result: per broker, then per incident fingerprint, with the settings that would quieten noisy ones. */
export function formatBacktest(result: BacktestResult, plan: BacktestPlan, seconds: number): string[] {
  const lines: string[] = [];
  lines.push(
    `read ${result.metricsRequested} metrics in ${result.getMetricDataCalls} GetMetricData calls; ran ${result.cycles} minutes of cycles in ${seconds.toFixed(1)} s`,
  );
  lines.push("");
  lines.push(
    `${"BROKER".padEnd(30)} ${"INCIDENTS".padStart(9)} ${"MESSAGES".padStart(8)} ${"PER DAY".padStart(7)}  REBOOTS allowed / blocked`,
  );
  for (const b of result.brokers) {
    lines.push(
      `${b.broker.padEnd(30)} ${String(b.incidents).padStart(9)} ${String(b.messages).padStart(8)} ${String(b.messagesPerDay).padStart(7)}  ${b.rebootsAllowed} / ${b.rebootsBlocked}`,
    );
    for (const [reason, n] of Object.entries(b.blockedBecause)) lines.push(`    blocked ${n}×: ${reason}`);
  }
  lines.push("");
  if (result.findings.length === 0) lines.push("no incident would have opened");
  for (const f of result.findings) {
    const where = `${f.broker}${f.resource ? ` / ${f.resource}` : ""}`;
    lines.push(
      `${f.peakSeverity.toUpperCase().padEnd(8)} ${f.kind.padEnd(21)} ${where}: ${f.incidents} incident${f.incidents === 1 ? "" : "s"}, ${f.openMinutes} min open, ${f.messages} message${f.messages === 1 ? "" : "s"}`,
    );
    if (f.quiet) {
      if (f.quiet.length === 0) lines.push(`    noisy (${f.incidents} openings); no single setting would have kept it quiet`);
      for (const q of f.quiet) lines.push(`    noisy: ${q.key}: ${q.current} → ${q.suggested} would have kept it quiet (${q.why})`);
    }
  }
  for (const e of result.errors.slice(0, 10)) lines.push(`  ! ${e.line}${e.count > 1 ? ` (${e.count}×)` : ""}`);
  if (plan.notFound.length) lines.push(`  ! not found: ${plan.notFound.join(", ")}`);
  return lines;
}

function jsonOf(result: BacktestResult, plan: BacktestPlan, seconds: number): Record<string, unknown> {
  return {
    window: { start: new Date(result.window.startMs).toISOString(), minutes: result.window.minutes },
    estimate: { metrics: plan.metrics, getMetricDataCalls: plan.getMetricDataCalls, usd: plan.usd },
    read: { metrics: result.metricsRequested, getMetricDataCalls: result.getMetricDataCalls },
    runSeconds: Math.round(seconds * 10) / 10,
    cycles: result.cycles,
    brokers: result.brokers,
    findings: result.findings,
    incidents: result.timeline
      .filter((e) => e.transition.type === "opened")
      .map((e) => ({
        id: e.transition.incident.id,
        kind: e.transition.incident.kind,
        severity: e.transition.incident.severity,
        broker: e.transition.incident.broker,
        resource: e.transition.incident.resource,
        openedAt: new Date(result.window.startMs + e.minute * MINUTE_MS).toISOString(),
        summary: e.transition.incident.summary,
      })),
    reboots: result.reboots,
    errors: result.errors,
  };
}

/** The HTML report of a backtest. */
export function backtestReport(
  result: BacktestResult,
  plan: BacktestPlan,
  region: string,
  seconds: number,
  publishDelayMinutes: number,
): HtmlReport {
  const noisy = result.findings.filter((f) => f.quiet);
  return {
    title: `Backtest: ${region}, last ${Math.round(result.days * 10) / 10} days`,
    subtitle: "What mq-sentinel would have said about this account's own history (nothing was sent or rebooted).",
    startMs: result.window.startMs,
    durationMinutes: result.window.minutes,
    facts: [
      ["brokers", String(plan.brokers.length)],
      ["queues", String(plan.queues)],
      ["history read", `${result.metricsRequested} metrics, ${result.getMetricDataCalls} calls ≈ $${usd(plan.usd)}`],
      ["run time", `${seconds.toFixed(1)} s`],
      ["incidents", String(result.findings.reduce((n, f) => n + f.incidents, 0))],
      ["messages", String(result.messages.length)],
    ],
    summary: {
      headers: ["broker", "incidents", "messages", "messages / day", "reboots allowed", "reboots blocked", "why blocked"],
      rows: result.brokers.map((b) => [
        b.broker,
        String(b.incidents),
        String(b.messages),
        String(b.messagesPerDay),
        String(b.rebootsAllowed),
        String(b.rebootsBlocked),
        Object.entries(b.blockedBecause)
          .map(([r, n]) => `${n}× ${r}`)
          .join("; "),
      ]),
    },
    incidents: reportIncidents({
      timeline: result.timeline,
      messages: result.messages,
      reboots: result.reboots,
      traces: result.traces,
      publishDelayMinutes,
      endMinute: result.window.minutes + publishDelayMinutes,
    }),
    notes: [
      ...noisy.flatMap((f) =>
        (f.quiet ?? []).length === 0
          ? [
              `${f.kind} ${f.broker}${f.resource ? ` / ${f.resource}` : ""}: noisy (${f.incidents} openings, ${NOISY_OPENINGS}+ counts), no single setting would have kept it quiet`,
            ]
          : (f.quiet ?? []).map(
              (q) =>
                `${f.kind} ${f.broker}${f.resource ? ` / ${f.resource}` : ""}: ${q.key} ${q.current} → ${q.suggested} would have kept it quiet (${q.why})`,
            ),
      ),
      ...result.errors.slice(0, 20).map((e) => `${e.line}${e.count > 1 ? ` (${e.count}×)` : ""}`),
    ],
  };
}
