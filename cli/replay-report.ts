import { type HtmlReport, type ReportIncident, reportIncidents } from "../shared/core/render/report-model";
import { MINUTE_MS } from "../shared/core/types";
import type { Scenario } from "../shared/sim/scenario";
import type { ReplayRun } from "./replay";
import type { ScenarioScore } from "./score";

/** One replayed scenario, for the HTML report of `replay --html`. */
export interface ReplayedScenario {
  scenario: Scenario;
  run: ReplayRun;
  score: ScenarioScore | null;
}

/**
 * The report of one or more replayed scenarios: a summary row per scenario, then every incident of
 * every scenario with its series, span, severity, messages and reboot decisions. Several scenarios
 * share one page; each incident names its scenario.
 */
export function replayReport(replayed: readonly ReplayedScenario[]): HtmlReport {
  const first = replayed[0];
  const incidents: ReportIncident[] = [];
  const rows: string[][] = [];
  for (const { scenario, run, score } of replayed) {
    const own = reportIncidents({
      timeline: run.timeline,
      messages: run.output.notifications.map((n) => ({
        minute: n.minute,
        channel: n.channel,
        incidentIds: n.incidentIds ?? [n.incidentId],
        transition: n.transition,
      })),
      reboots: run.output.remediations,
      traces: run.traces,
      publishDelayMinutes: scenario.publishDelayMinutes,
      endMinute: scenario.durationMinutes - 1,
    });
    // Minutes of a report count from its first scenario's start; each scenario's own start shifts its incidents.
    const shift = first ? Math.round((scenario.startMs - first.scenario.startMs) / MINUTE_MS) : 0;
    for (const i of own) incidents.push(shifted(replayed.length > 1 ? { ...i, summary: `[${scenario.name}] ${i.summary}` } : i, shift));
    const open = run.output.incidents.filter((i) => i.resolvedMinute === null).length;
    const executed = run.output.remediations.filter((r) => r.outcome === "executed").length;
    rows.push([
      scenario.name,
      `${scenario.durationMinutes} min`,
      String(scenario.brokers.length),
      `${run.output.incidents.length} (${open} open at the end)`,
      String(run.output.notifications.length),
      `${run.output.remediations.length} (${executed} executed)`,
      score ? `${score.matched}/${score.expected}${score.falseAlarms.length ? `, ${score.falseAlarms.length} false alarm(s)` : ""}` : "—",
      String(run.output.errors.length),
    ]);
  }
  const single = replayed.length === 1 ? first : undefined;
  return {
    title: single ? `Replay: ${single.scenario.name}` : `Replay of ${replayed.length} scenarios`,
    subtitle: single?.scenario.description ?? "Scenarios replayed through the real handlers against the simulated account.",
    startMs: first?.scenario.startMs ?? 0,
    durationMinutes: Math.max(0, ...replayed.map((r) => r.scenario.durationMinutes)),
    facts: [
      ["scenarios", String(replayed.length)],
      ["incidents", String(incidents.length)],
      ["messages", String(replayed.reduce((n, r) => n + r.run.output.notifications.length, 0))],
      ["reboot decisions", String(replayed.reduce((n, r) => n + r.run.output.remediations.length, 0))],
    ],
    summary: {
      headers: ["scenario", "duration", "brokers", "incidents", "messages", "reboot decisions", "expected found", "handled errors"],
      rows,
    },
    incidents,
    notes: replayed.flatMap((r) => r.run.output.errors.slice(0, 20).map((e) => `${r.scenario.name}: ${e}`)),
  };
}

function shifted(i: ReportIncident, by: number): ReportIncident {
  if (by === 0) return i;
  const m = (x: number) => x + by;
  return {
    ...i,
    openedMinute: m(i.openedMinute),
    resolvedMinute: i.resolvedMinute === null ? null : m(i.resolvedMinute),
    severityChanges: i.severityChanges.map((c) => ({ ...c, minute: m(c.minute) })),
    messages: i.messages.map((x) => ({ ...x, minute: m(x.minute) })),
    reboots: i.reboots.map((x) => ({ ...x, minute: m(x.minute) })),
    chart: i.chart && {
      ...i.chart,
      fromMinute: m(i.chart.fromMinute),
      toMinute: m(i.chart.toMinute),
      forecast: i.chart.forecast && {
        ...i.chart.forecast,
        fromMinute: m(i.chart.forecast.fromMinute),
        toMinute: m(i.chart.forecast.toMinute),
      },
    },
  };
}
