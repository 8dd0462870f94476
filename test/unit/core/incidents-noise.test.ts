import { DEFAULT_CONFIG } from "../../../shared/core/config";
import {
  crossings,
  type FoldRules,
  foldFindings,
  type Incident,
  IncidentStatus,
  noiseNote,
  type Transition,
} from "../../../shared/core/incidents";
import { type Finding, fingerprintOf, IncidentKind, Severity } from "../../../shared/core/types";
import { MINUTE } from "../../support/clock";

const T0 = Date.UTC(2026, 2, 2, 0, 0);
/** The default noise rules (config.test.ts pins their values). */
const { resolveAfterMinutes, ...NOISE } = DEFAULT_CONFIG.incidents;
const RULES: FoldRules = { resolveAfterMinutes, refreshMinutes: 15, noise: NOISE };

/** A CPU finding as the resource-pressure detector makes it: warning from 85, critical from 95. */
function cpuFinding(value: number): Finding | null {
  if (value < 85) return null;
  const severity = value >= 95 ? Severity.critical : Severity.warning;
  return {
    kind: IncidentKind.resourcePressure,
    broker: "orders",
    resource: "cpu",
    severity,
    condition: severity === Severity.critical ? "cpu-critical" : "cpu-high",
    summary: `CPU at ${value}%`,
    evidence: { percentUsed: value },
    gauge: { label: "CPU", unit: "%", value, latest: value, warning: 85, critical: 95 },
  };
}

const FINGERPRINT = fingerprintOf({ kind: IncidentKind.resourcePressure, broker: "orders", resource: "cpu" });

/**
 * Plays a per-minute CPU series through the incident rules as the metrics cycle does (a store whose
 * writes all win; a resolved incident is offered back as `recent`) and returns every transition.
 */
function play(values: readonly number[], rules: FoldRules = RULES): { transitions: Transition[]; last: Incident | null } {
  const active = new Map<string, Incident>();
  let latest: Incident | null = null;
  const transitions: Transition[] = [];
  values.forEach((value, minute) => {
    const finding = cpuFinding(value);
    const recent = new Map<string, Incident>();
    if (latest && latest.status === IncidentStatus.resolved) recent.set(FINGERPRINT, latest);
    const changes = foldFindings({
      active,
      recent,
      findings: finding ? [finding] : [],
      isCovered: () => true,
      now: T0 + minute * MINUTE,
      rules,
    });
    for (const c of changes) {
      latest = c.next;
      if (c.next.status === IncidentStatus.open || c.next.status === IncidentStatus.pending) active.set(c.next.fingerprint, c.next);
      else active.delete(c.next.fingerprint);
      if (c.transition) transitions.push(c.transition);
    }
  });
  return { transitions, last: latest };
}

/** `minutes` minutes at `value`. */
const hold = (value: number, minutes: number): number[] => new Array<number>(minutes).fill(value);
/** A series repeating `pattern` until it is `minutes` long. */
const repeat = (pattern: readonly number[], minutes: number): number[] =>
  Array.from({ length: minutes }, (_, i) => pattern[i % pattern.length] as number);

const describeTransition = (t: Transition) => `${t.type}${t.flap ? `:flap-${t.flap}` : ""}:${t.incident.severity}`;

describe("severity hysteresis", () => {
  it.each([
    // [case, series, transitions announced]
    ["raises at once from warning to critical", [...hold(90, 20), ...hold(97, 20)], ["opened:warning", "escalated:critical"]],
    [
      "keeps critical while the value stays between the recovery threshold and the trigger",
      [...hold(97, 20), ...hold(92, 180)],
      ["opened:critical"],
    ],
    [
      "lowers once the lower level has held 30 minutes below the recovery threshold",
      [...hold(97, 20), ...hold(88, 60)],
      ["opened:critical", "updated:warning"],
    ],
    [
      "does not lower when the value dips below the recovery threshold for less than 30 minutes",
      [...hold(97, 20), ...hold(88, 20), ...hold(97, 20)],
      ["opened:critical"],
    ],
    [
      "sends nothing for a value wobbling around the critical level",
      [...hold(97, 10), ...repeat([...hold(93, 5), ...hold(96, 5)], 300)],
      ["opened:critical"],
    ],
  ] as const)("%s", (_case, series, expected) => {
    // Act
    const { transitions } = play(series);
    // Assess
    expect(transitions.map(describeTransition)).toEqual(expected);
  });

  it("lowers at once without the noise rules (the rules of kinds without a gauge are unchanged)", () => {
    // Act
    const { transitions } = play([...hold(97, 10), ...hold(88, 10)], { resolveAfterMinutes: 5, refreshMinutes: 15 });
    // Assess
    expect(transitions.map(describeTransition)).toEqual(["opened:critical", "updated:warning"]);
  });
});

describe("flap detection and re-opening", () => {
  /** Ten minutes at 99% every `period` minutes, 30% otherwise. */
  const bursts = (period: number, minutes: number) => repeat([...hold(99, 10), ...hold(30, period - 10)], minutes);

  it.each([
    // [case, series, max announcements, incidents, flapping starts]
    ["bursts every 40 min for 12 h are one incident, flapping once", bursts(40, 720), 6, 1, 1],
    ["bursts every 90 min for a day are one incident", bursts(90, 1440), 8, 1, 1],
    [
      "two bursts 8 h apart are two incidents that never flap",
      [...hold(99, 10), ...hold(30, 480), ...hold(99, 10), ...hold(30, 20)],
      4,
      2,
      0,
    ],
    ["a steady saturation never flaps", hold(99, 600), 1, 1, 0],
  ] as const)("%s", (_case, series, maxAnnouncements, incidents, flapStarts) => {
    // Act
    const { transitions } = play(series);
    // Assess
    expect(transitions.length).toBeLessThanOrEqual(maxAnnouncements);
    expect(new Set(transitions.map((t) => t.incident.id)).size).toBe(incidents);
    expect(transitions.filter((t) => t.flap === "started" || (t.type === "opened" && t.incident.noise?.flapping)).length).toBe(flapStarts);
  });

  it("re-opens the same incident soon after it resolved, saying how often", () => {
    // Prepare: three bursts an hour apart, the flap threshold out of reach
    const rules: FoldRules = { ...RULES, noise: { ...NOISE, flapStartChanges: 50, flapStopChanges: 1 } };
    // Act
    const { transitions } = play(bursts(60, 170), rules);
    // Assess
    const openings = transitions.filter((t) => t.type === "opened");
    expect(openings).toHaveLength(3);
    expect(new Set(openings.map((t) => t.incident.id)).size).toBe(1);
    expect(noiseNote(openings[2]?.incident as Incident)).toBe("again — 3rd time today");
    expect(noiseNote(openings[0]?.incident as Incident)).toBeNull();
  });

  it("stops flapping once the changes age out, and says so once when it resolves", () => {
    // Prepare: bursts for 3 h, then quiet for 7 h
    const series = [...bursts(40, 180), ...hold(30, 420)];
    // Act
    const { transitions, last } = play(series);
    // Assess
    const flapEdges = transitions.filter((t) => t.flap).map((t) => t.flap);
    expect(flapEdges[flapEdges.length - 1]).toBe("stopped");
    expect(transitions[transitions.length - 1]?.type).toBe("resolved");
    expect(last?.status).toBe(IncidentStatus.resolved);
    expect(last?.noise?.flapping).toBe(false);
  });

  it("summarises flapping as crossings of the trigger with the peak", () => {
    // Prepare
    const series = repeat([...hold(99.2, 10), ...hold(30, 10)], 120);
    // Act
    const { last } = play(series);
    // Assess
    expect(last?.noise?.flapping).toBe(true);
    expect(crossings(last?.noise as NonNullable<Incident["noise"]>)).toBe("CPU crossed 85% 6 times in 6 h; peak 99.2%");
  });
});
