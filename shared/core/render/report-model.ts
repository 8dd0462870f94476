import type { IncidentTraces } from "../incident-traces";
import type { Transition } from "../incidents";
import { type IncidentKind, maxSeverity, type Series, type Severity } from "../types";

/**
 * What a visual report shows (replay and backtest), independent of how it is drawn: a summary, and
 * per incident its key series with threshold and forecast, its span and severity, and each message
 * sent and reboot decided. Minutes count from the report's start (`startMs`).
 */
export interface HtmlReport {
  title: string;
  subtitle: string;
  startMs: number;
  durationMinutes: number;
  /** Label and value pairs shown under the title (cost, run time, scope). */
  facts: readonly (readonly [string, string])[];
  /** The summary table: a header row and rows of cells (text). */
  summary: { headers: readonly string[]; rows: readonly (readonly string[])[] };
  incidents: readonly ReportIncident[];
  /** Lines shown after the incidents (tuning advice, handled errors). */
  notes: readonly string[];
}

export interface ReportIncident {
  id: string;
  kind: IncidentKind;
  broker: string;
  resource: string | null;
  condition: string;
  summary: string;
  /** The highest severity reached. */
  severity: Severity;
  openedMinute: number;
  resolvedMinute: number | null;
  closeReason: string | null;
  /** Severity after each opening, escalation or update. */
  severityChanges: readonly { minute: number; severity: Severity }[];
  chart: ReportChart | null;
  messages: readonly { minute: number; channels: readonly string[]; transition: string }[];
  reboots: readonly { minute: number; outcome: string; reason: string }[];
}

export interface ReportChart {
  fromMinute: number;
  toMinute: number;
  /** Series by name, each value at minute `fromMinute + index`; the first is the key series. */
  series: readonly { name: string; values: Series }[];
  /** Horizontal lines on the key series. */
  thresholds: readonly { label: string; value: number; severity: Severity }[];
  /** The trend the detector extrapolated, on the key series: from a point to where it leads. */
  forecast: { fromMinute: number; fromValue: number; toMinute: number; toValue: number; label: string } | null;
}

/** A transition with the minute of the cycle that made it. */
export interface TimedTransition {
  minute: number;
  transition: Transition;
}

/** A message as recorded by a replay or a backtest. */
export interface TimedMessage {
  minute: number;
  channel: string;
  incidentIds: readonly string[];
  transition: string;
}

/** A reboot decision as recorded by a replay or a backtest. */
export interface TimedReboot {
  minute: number;
  incidentId: string;
  outcome: string;
  reason: string;
}

/** Minutes of history drawn before an incident's first finding. */
const LEAD_MINUTES = 30;
/** A forecast line is drawn this far at most. */
const MAX_FORECAST_MINUTES = 120;

/** Builds the incidents of a report from a run's transitions, messages, reboot decisions and traces. */
export function reportIncidents(input: {
  timeline: readonly TimedTransition[];
  messages: readonly TimedMessage[];
  reboots: readonly TimedReboot[];
  traces: IncidentTraces;
  publishDelayMinutes: number;
  endMinute: number;
}): ReportIncident[] {
  const byId = new Map<string, { incident: ReportIncident; fingerprint: string; forecastFrom: TimedTransition | null }>();
  const severityChanges = new Map<string, { minute: number; severity: Severity }[]>();
  for (const entry of input.timeline) {
    const { minute, transition } = entry;
    const i = transition.incident;
    let known = byId.get(i.id);
    if (!known && transition.type === "opened") {
      known = {
        fingerprint: i.fingerprint,
        forecastFrom: null,
        incident: {
          id: i.id,
          kind: i.kind,
          broker: i.broker,
          resource: i.resource,
          condition: i.condition,
          summary: i.summary,
          severity: i.severity,
          openedMinute: minute,
          resolvedMinute: null,
          closeReason: null,
          severityChanges: [],
          chart: null,
          messages: [],
          reboots: [],
        },
      };
      byId.set(i.id, known);
      severityChanges.set(i.id, []);
    }
    if (!known) continue;
    const r = known.incident;
    r.severity = maxSeverity(r.severity, i.severity);
    if (transition.type === "resolved") {
      r.resolvedMinute = minute;
      r.closeReason = i.closeReason ?? null;
    } else {
      severityChanges.get(i.id)?.push({ minute, severity: i.severity });
      if (forecastOf(i.evidence) && !known.forecastFrom) known.forecastFrom = entry;
      if (transition.type !== "opened") r.summary = i.summary;
    }
  }
  const out: ReportIncident[] = [];
  for (const { incident, fingerprint, forecastFrom } of byId.values()) {
    const messages = new Map<string, { minute: number; channels: string[]; transition: string }>();
    for (const m of input.messages) {
      if (!m.incidentIds.includes(incident.id)) continue;
      const key = `${m.minute}|${m.transition}`;
      const entry = messages.get(key) ?? { minute: m.minute, channels: [], transition: m.transition };
      if (!entry.channels.includes(m.channel)) entry.channels.push(m.channel);
      messages.set(key, entry);
    }
    const reboots = input.reboots
      .filter((r) => r.incidentId === incident.id)
      .map((r) => ({ minute: r.minute, outcome: r.outcome, reason: r.reason }));
    out.push({
      ...incident,
      severityChanges: severityChanges.get(incident.id) ?? [],
      messages: [...messages.values()],
      reboots,
      chart: chartOf(incident, fingerprint, forecastFrom, input),
    });
  }
  return out;
}

function chartOf(
  incident: ReportIncident,
  fingerprint: string,
  forecastFrom: TimedTransition | null,
  input: { traces: IncidentTraces; publishDelayMinutes: number; endMinute: number },
): ReportChart | null {
  const extent = input.traces.extentOf(fingerprint);
  if (!extent) return null;
  const fromMinute = Math.max(0, Math.min(extent.from, incident.openedMinute - LEAD_MINUTES));
  const last = incident.resolvedMinute ?? input.endMinute;
  const toMinute = Math.max(extent.to, Math.min(input.endMinute, last + 5));
  const series = input.traces.seriesOf(fingerprint, fromMinute, toMinute).filter((s) => s.values.some((v) => v != null));
  if (series.length === 0) return null;
  return {
    fromMinute,
    toMinute,
    series,
    thresholds: thresholdsOf(forecastFrom?.transition.incident.evidence ?? {}, incident),
    forecast: forecastLine(forecastFrom, input.publishDelayMinutes),
  };
}

type Evidence = Readonly<Record<string, number | string | boolean | null>>;

/** The levels the detector judged the key series against, from the incident's evidence. */
function thresholdsOf(evidence: Evidence, incident: ReportIncident): ReportChart["thresholds"] {
  const number = (key: string) => (typeof evidence[key] === "number" ? (evidence[key] as number) : null);
  const out: { label: string; value: number; severity: Severity }[] = [];
  const warn = number("warnPercent");
  const critical = number("criticalPercent");
  if (warn !== null) out.push({ label: `warn ${warn}%`, value: warn, severity: "warning" });
  if (critical !== null) out.push({ label: `critical ${critical}%`, value: critical, severity: "critical" });
  const limit = number("limit");
  if (limit !== null && incident.kind === "connection-exhaustion")
    out.push({ label: `limit ${limit}`, value: limit, severity: "critical" });
  return out;
}

/** The trend of a forecast finding: its slope per minute, where it starts and how far it reaches. */
function forecastOf(evidence: Evidence): { slope: number; from: number; minutes: number } | null {
  const n = (key: string) => (typeof evidence[key] === "number" ? (evidence[key] as number) : null);
  const slope = n("trendPointsPerMinute") ?? n("growthPerMinute");
  const from = n("percentUsed") ?? n("connections");
  const minutes = n("minutesToFull") ?? n("minutesToLimit");
  if (slope === null || from === null || minutes === null || slope <= 0) return null;
  return { slope, from, minutes };
}

function forecastLine(entry: TimedTransition | null, publishDelayMinutes: number): ReportChart["forecast"] {
  if (!entry) return null;
  const f = forecastOf(entry.transition.incident.evidence);
  if (!f) return null;
  const fromMinute = entry.minute - 1 - publishDelayMinutes;
  const span = Math.max(1, Math.min(MAX_FORECAST_MINUTES, f.minutes));
  return {
    fromMinute,
    fromValue: f.from,
    toMinute: fromMinute + span,
    toValue: f.from + f.slope * span,
    label: `forecast: +${f.slope}/min, limit in ${f.minutes} min`,
  };
}
