import { compareSeverity, type Severity } from "../shared/core/types";
import type { Scenario } from "../shared/sim/scenario";
import type { ReplayOutput } from "./replay";

/**
 * The scoring rules of DESIGN.md §3, so the project scores its own library without anything
 * outside the repository: an expectation is met by an incident of the same kind and broker (and
 * resource, and at least the severity, when given) opened within [from, to]; an incident meeting
 * none is a false alarm; an executed reboot meeting no `expectRemediations` entry is unsafe.
 */

export interface ScenarioScore {
  scenario: string;
  expected: number;
  matched: number;
  incidents: number;
  delays: number[];
  missed: string[];
  falseAlarms: string[];
  unsafe: string[];
  missedRemediations: string[];
}

export interface ScoreSummary {
  scenarios: number;
  recall: number;
  precision: number;
  medianDelay: number | null;
  p90Delay: number | null;
  falseAlarms: number;
  unsafeReboots: number;
  missedRemediations: number;
}

/** Scores one scenario's replay against its expectations. */
export function scoreScenario(scenario: Scenario, output: ReplayOutput): ScenarioScore {
  const scored = scenario.scoreKinds ? new Set<string>(scenario.scoreKinds) : null;
  const incidents = output.incidents.filter((i) => !scored || scored.has(i.kind));
  const used = new Set<number>();
  const row: ScenarioScore = {
    scenario: scenario.name,
    expected: scenario.expect.length,
    matched: 0,
    incidents: incidents.length,
    delays: [],
    missed: [],
    falseAlarms: [],
    unsafe: [],
    missedRemediations: [],
  };
  for (const e of [...scenario.expect].sort((a, b) => a.from - b.from)) {
    let best = -1;
    incidents.forEach((inc, idx) => {
      const fits =
        !used.has(idx) &&
        inc.kind === e.kind &&
        (e.broker === "*" || inc.broker === e.broker) &&
        (e.resource === undefined || inc.resource === e.resource) &&
        (e.severity === undefined || atLeast(inc.severity, e.severity)) &&
        inc.openedMinute >= e.from &&
        inc.openedMinute <= e.to;
      if (fits && (best < 0 || inc.openedMinute < (incidents[best]?.openedMinute ?? Number.POSITIVE_INFINITY))) best = idx;
    });
    if (best >= 0) {
      used.add(best);
      row.matched++;
      row.delays.push((incidents[best]?.openedMinute ?? e.from) - e.from);
    } else {
      row.missed.push(`${e.kind} ${e.broker}${e.resource ? ` ${e.resource}` : ""} [${e.from},${e.to}]`);
    }
  }
  incidents.forEach((inc, idx) => {
    if (!used.has(idx)) row.falseAlarms.push(`${inc.kind} ${inc.broker} ${inc.resource ?? ""} @${inc.openedMinute}`.replace(/ +@/, " @"));
  });

  const usedRemediations = new Set<number>();
  for (const w of scenario.expectRemediations) {
    const idx = output.remediations.findIndex(
      (r, i) => !usedRemediations.has(i) && r.outcome === w.outcome && r.broker === w.broker && r.minute >= w.from && r.minute <= w.to,
    );
    if (idx >= 0) usedRemediations.add(idx);
    else row.missedRemediations.push(`${w.outcome} ${w.broker} [${w.from},${w.to}]`);
  }
  output.remediations.forEach((r, i) => {
    if (!usedRemediations.has(i) && r.outcome === "executed") row.unsafe.push(`reboot ${r.broker} @${r.minute}`);
  });
  return row;
}

/** Recall, precision and delays over many scenarios. */
export function summarize(rows: readonly ScenarioScore[]): ScoreSummary {
  const expected = rows.reduce((n, r) => n + r.expected, 0);
  const matched = rows.reduce((n, r) => n + r.matched, 0);
  const incidents = rows.reduce((n, r) => n + r.incidents, 0);
  const falseAlarms = rows.reduce((n, r) => n + r.falseAlarms.length, 0);
  const delays = rows.flatMap((r) => r.delays).sort((a, b) => a - b);
  return {
    scenarios: rows.length,
    recall: round3(expected === 0 ? 1 : matched / expected),
    precision: round3(incidents === 0 ? 1 : (incidents - falseAlarms) / incidents),
    medianDelay: delays.length ? (delays[Math.floor((delays.length - 1) / 2)] as number) : null,
    p90Delay: delays.length ? (delays[Math.ceil(0.9 * delays.length) - 1] as number) : null,
    falseAlarms,
    unsafeReboots: rows.reduce((n, r) => n + r.unsafe.length, 0),
    missedRemediations: rows.reduce((n, r) => n + r.missedRemediations.length, 0),
  };
}

function atLeast(actual: Severity, wanted: Severity): boolean {
  return compareSeverity(actual, wanted) >= 0;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
