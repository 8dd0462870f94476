import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { replayScenario } from "../cli/replay";
import { cpuDayScenario, holdSamples, parseNabCsv } from "../shared/sim/cpu-day-scenario";
import { parseScenario } from "../shared/sim/scenario";

/**
 * The message budget on real days: each vendored NAB CPU day (test/fixtures/nab, 5-minute samples
 * held for 5 minutes) is replayed as one broker's `CpuUtilization`, and the Slack messages it
 * causes are counted. The budget (issue 13): at most 12 Slack messages per broker-day, and sustained
 * saturation announced within 10 minutes of becoming visible.
 */

/** What one real day cost in messages. */
export interface RealDayResult {
  series: string;
  day: string;
  /** Slack messages in the day (one broker). */
  slackMessages: number;
  /** Per transition: opened, updated, escalated, resolved, remediation. */
  byTransition: Record<string, number>;
  incidents: number;
  /** The first minute the CPU floor over 5 minutes reached 85% was visible (datapoints are visible one minute late), or null. */
  firstSustainedVisibleMinute: number | null;
  /** The first Slack message's minute, or null. */
  firstMessageMinute: number | null;
  /** Minutes from the first visible sustained saturation to the first message. */
  minutesToFirstMessage: number | null;
}

/** The sustained level and window the budget's "saturation" means: the default CPU warning rule. */
const SATURATION_PERCENT = 85;
const SATURATION_MINUTES = 5;
const SAMPLE_MINUTES = 5;

/** Replays every vendored day under `dir` and counts its messages. */
export async function benchRealDays(dir: string): Promise<RealDayResult[]> {
  const results: RealDayResult[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".csv"))
    .sort()) {
    const match = /^(.*)_(\d{4}-\d{2}-\d{2})\.csv$/.exec(file);
    if (!match) continue;
    const [, series = file, day = ""] = match;
    const samples = parseNabCsv(readFileSync(join(dir, file), "utf8"));
    const cpu = holdSamples(samples, SAMPLE_MINUTES);
    const scenario = parseScenario(
      cpuDayScenario({
        name: `real-day-${series}-${day}`,
        description: `${series} on ${day}`,
        start: samples[0]?.at ?? `${day}T00:00:00Z`,
        brokerName: "real-day",
        cpu,
      }),
      file,
    );
    const run = await replayScenario(scenario);
    const slack = run.output.notifications.filter((n) => n.channel === "slack");
    const byTransition: Record<string, number> = {};
    for (const n of slack) byTransition[n.transition] = (byTransition[n.transition] ?? 0) + 1;
    const visible = firstSustained(cpu);
    const first = slack[0]?.minute ?? null;
    results.push({
      series,
      day,
      slackMessages: slack.length,
      byTransition,
      incidents: run.output.incidents.length,
      firstSustainedVisibleMinute: visible,
      firstMessageMinute: first,
      minutesToFirstMessage: visible !== null && first !== null ? first - visible : null,
    });
  }
  return results;
}

/** The minute the first 5 minutes at or above 85% are all visible: datapoint i is visible from minute i + 2. */
function firstSustained(cpu: readonly number[]): number | null {
  let run = 0;
  for (let i = 0; i < cpu.length; i++) {
    run = (cpu[i] ?? 0) >= SATURATION_PERCENT ? run + 1 : 0;
    if (run >= SATURATION_MINUTES) return i + 2;
  }
  return null;
}

/** The readable table. */
export function formatRealDays(rows: readonly RealDayResult[]): string {
  const header = ["series", "day", "slack msgs", "open/esc/upd/res", "incidents", "first visible", "first msg", "delay min"];
  const lines = rows.map((r) => [
    r.series,
    r.day,
    String(r.slackMessages),
    ["opened", "escalated", "updated", "resolved"].map((t) => r.byTransition[t] ?? 0).join("/"),
    String(r.incidents),
    r.firstSustainedVisibleMinute === null ? "-" : String(r.firstSustainedVisibleMinute),
    r.firstMessageMinute === null ? "-" : String(r.firstMessageMinute),
    r.minutesToFirstMessage === null ? "-" : String(r.minutesToFirstMessage),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const row = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  const worst = Math.max(0, ...rows.map((r) => r.slackMessages));
  const slowest = Math.max(0, ...rows.map((r) => r.minutesToFirstMessage ?? 0));
  return [
    "Real days (NAB realAWSCloudwatch CPU, 5-minute samples held 5 min, one broker each):",
    row(header),
    ...lines.map(row),
    `worst day: ${worst} Slack messages per broker-day (budget 12); slowest first message: ${slowest} min after sustained saturation was visible (budget 10)`,
  ].join("\n");
}
