import { MINUTE_MS } from "../shared/core/types";
import type { Scenario } from "../shared/sim/scenario";
import type { ReplayRun } from "./replay";
import type { ScenarioScore } from "./score";

/** What the timeline's heading needs: a scenario, or a live run (`watch-rabbitmq`) described like one. */
export type TimelineHeading = Pick<Scenario, "name" | "description" | "startMs" | "durationMinutes"> & { brokers: readonly unknown[] };

/** The readable replay: what opened, changed and resolved when, with the numbers, then a summary. */
export function formatTimeline(
  scenario: TimelineHeading,
  run: Pick<ReplayRun, "output" | "timeline">,
  score: ScenarioScore | null,
): string {
  const lines: string[] = [];
  const brokers = scenario.brokers.length;
  lines.push(
    `▶ ${scenario.name} — ${scenario.durationMinutes} min, ${brokers} broker${brokers === 1 ? "" : "s"}${scenario.description ? `: ${scenario.description}` : ""}`,
  );
  if (run.timeline.length === 0) lines.push("    (no incidents)");
  // Deliveries print after the transitions of their minute.
  const sentAt = new Map<number, string[]>();
  for (const n of run.output.notifications) {
    const list = sentAt.get(n.minute) ?? [];
    const count = n.incidentIds?.length ?? 1;
    list.push(`${n.channel} ${n.transition}${count > 1 ? ` (${count} incidents)` : ""}`);
    sentAt.set(n.minute, list);
  }
  const printSent = (upTo: number) => {
    for (const minute of [...sentAt.keys()].sort((a, b) => a - b)) {
      if (minute > upTo) break;
      lines.push(`  t=${String(minute).padStart(3)}        → sent: ${(sentAt.get(minute) ?? []).join(", ")}`);
      sentAt.delete(minute);
    }
  };
  for (const { minute, transition } of run.timeline) {
    printSent(minute - 1);
    const i = transition.incident;
    const clock = new Date(scenario.startMs + minute * MINUTE_MS).toISOString().slice(11, 16);
    const where = `${i.broker}${i.resource ? ` / ${i.resource}` : ""}`;
    const unwatched = transition.type === "resolved" && Boolean(i.closeReason);
    const label = unwatched ? "CLOSED" : transition.type.toUpperCase();
    const head = `${label.padEnd(9)} ${i.severity.padEnd(8)} ${i.kind.padEnd(21)} ${where}`;
    lines.push(`  t=${String(minute).padStart(3)} ${clock}  ${head}`);
    if (transition.type === "resolved") {
      const openedFor = i.openedAt ? Math.round((transition.at - i.openedAt) / MINUTE_MS) : null;
      const after = openedFor !== null ? ` after ${openedFor} min open` : "";
      lines.push(`                    ${unwatched ? `not recovered${after}: ${i.closeReason}` : `cleared${after}`}`);
    } else {
      lines.push(`                    ${i.summary}`);
    }
  }
  printSent(Number.POSITIVE_INFINITY);
  const out = run.output;
  const stillOpen = out.incidents.filter((i) => i.resolvedMinute === null).length;
  const metrics = out.apiCalls["cloudwatch:MetricsRequested"] ?? 0;
  const calls = out.apiCalls["cloudwatch:GetMetricData"] ?? 0;
  // A live run (watch-rabbitmq) reads the broker's endpoint, not CloudWatch.
  const reads = out.apiCalls["rabbitmq:Read"];
  const source =
    reads === undefined
      ? `${metrics} metrics in ${calls} GetMetricData calls (${(metrics / scenario.durationMinutes).toFixed(1)}/min)`
      : `${reads} readings of the broker (${out.apiCalls["rabbitmq:NotRead"] ?? 0} not read)`;
  lines.push(
    `  ── ${out.incidents.length} incident${out.incidents.length === 1 ? "" : "s"} (${stillOpen} open at the end) · ${out.notifications.length} notifications · ${out.remediations.length} remediations · ${source} · ${out.errors.length} handled errors`,
  );
  for (const e of out.errors.slice(0, 5)) lines.push(`     ! ${e}`);
  if (out.errors.length > 5) lines.push(`     ! … ${out.errors.length - 5} more`);
  if (score) lines.push(...formatScore(score));
  return lines.join("\n");
}

function formatScore(score: ScenarioScore): string[] {
  const lines: string[] = [];
  const ok =
    score.missed.length === 0 && score.falseAlarms.length === 0 && score.unsafe.length === 0 && score.missedRemediations.length === 0;
  lines.push(
    `  ${ok ? "✓" : "✗"} expected ${score.expected}, detected ${score.matched}${score.delays.length ? ` (delays ${score.delays.join(", ")} min)` : ""}`,
  );
  for (const m of score.missed) lines.push(`    missed       ${m}`);
  for (const f of score.falseAlarms) lines.push(`    false alarm  ${f}`);
  for (const u of score.unsafe) lines.push(`    UNSAFE       ${u}`);
  for (const m of score.missedRemediations) lines.push(`    no remediation ${m}`);
  return lines;
}
