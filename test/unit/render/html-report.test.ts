import fc from "fast-check";
import { IncidentTraces } from "../../../shared/core/incident-traces";
import type { Transition } from "../../../shared/core/incidents";
import { escapeHtml, renderHtmlReport } from "../../../shared/core/render/html-report";
import { type HtmlReport, reportIncidents } from "../../../shared/core/render/report-model";

const START = Date.parse("2026-03-02T09:00:00Z");

function transition(
  type: Transition["type"],
  severity: "warning" | "critical",
  evidence: Record<string, number | string | null>,
): Transition {
  return {
    type,
    at: START,
    incident: {
      id: "inc-1",
      fingerprint: "resource-pressure|orders|heap",
      kind: "resource-pressure",
      broker: "orders",
      resource: "heap",
      status: type === "resolved" ? "resolved" : "open",
      severity,
      peakSeverity: severity,
      condition: "heap-filling",
      summary: `heap ${type}`,
      evidence,
      firstSeenAt: START,
      openedAt: START,
      lastSeenAt: START,
      clearSince: null,
      resolvedAt: null,
      outbox: [],
      notified: null,
      version: 1,
    },
  } as Transition;
}

function heapReport(): HtmlReport {
  const traces = new IncidentTraces(1);
  // Findings at minutes 30..40, each with a 30-minute window of a climbing heap
  for (let t = 30; t <= 40; t++) {
    const values = Array.from({ length: 30 }, (_, i) => 40 + (t - 30 + i));
    traces.record(t, [{ kind: "resource-pressure", broker: "orders", resource: "heap", series: { heap: values } }]);
  }
  const evidence = { percentUsed: 70, warnPercent: 80, criticalPercent: 90, trendPointsPerMinute: 1.5, minutesToFull: 20 };
  const incidents = reportIncidents({
    timeline: [
      { minute: 30, transition: transition("opened", "warning", evidence) },
      { minute: 38, transition: transition("escalated", "critical", evidence) },
      { minute: 50, transition: transition("resolved", "critical", evidence) },
    ],
    messages: [
      { minute: 30, channel: "slack", incidentIds: ["inc-1"], transition: "opened" },
      { minute: 30, channel: "sns", incidentIds: ["inc-1"], transition: "opened" },
      { minute: 50, channel: "slack", incidentIds: ["other"], transition: "opened" },
    ],
    reboots: [{ minute: 38, incidentId: "inc-1", outcome: "blocked", reason: "not opted in" }],
    traces,
    publishDelayMinutes: 1,
    endMinute: 59,
  });
  return {
    title: "t",
    subtitle: "s",
    startMs: START,
    durationMinutes: 60,
    facts: [],
    summary: { headers: ["a"], rows: [["b"]] },
    incidents,
    notes: [],
  };
}

describe("reportIncidents", () => {
  it("gathers an incident's span, peak severity, messages (one per minute and transition, with its channels) and reboots", () => {
    const [i] = heapReport().incidents;
    expect(i).toMatchObject({ openedMinute: 30, resolvedMinute: 50, severity: "critical" });
    expect(i?.messages).toEqual([{ minute: 30, channels: ["slack", "sns"], transition: "opened" }]);
    expect(i?.reboots).toEqual([{ minute: 38, outcome: "blocked", reason: "not opted in" }]);
    expect(i?.severityChanges.map((c) => c.severity)).toEqual(["warning", "critical"]);
  });

  it("draws the key series from before the first finding, with the thresholds and the forecast the evidence gives", () => {
    const chart = heapReport().incidents[0]?.chart;
    expect(chart?.fromMinute).toBe(0);
    expect(chart?.thresholds.map((t) => t.value)).toEqual([80, 90]);
    // The forecast starts at the newest datapoint the opening cycle saw (minute 30 - 1 - 1).
    expect(chart?.forecast).toMatchObject({ fromMinute: 28, fromValue: 70, toMinute: 48, toValue: 100 });
    const heap = chart?.series[0]?.values ?? [];
    expect(heap[28 - (chart?.fromMinute ?? 0)]).toBe(40 + 29);
  });
});

describe("renderHtmlReport", () => {
  it("draws per incident an SVG with the series, thresholds, forecast, span, messages and reboots", () => {
    const html = renderHtmlReport(heapReport());
    expect(html.match(/<svg class="incident-chart"/g)).toHaveLength(1);
    expect(html.match(/<line class="threshold"/g)).toHaveLength(2);
    expect(html).toMatch(/<line class="forecast"/);
    expect(html).toMatch(/<rect class="span"/);
    expect(html.match(/<g class="message">/g)).toHaveLength(1);
    expect(html).toMatch(/<g class="reboot" data-outcome="blocked">/);
    expect(html).toMatch(/@media print/);
  });

  it("stacks the labels of markers a minute apart in rows, and keeps apart labels on one row", () => {
    const report = heapReport();
    const [incident] = report.incidents;
    if (!incident) throw new Error("no incident");
    const at = (minutes: number[]) =>
      renderHtmlReport({
        ...report,
        incidents: [{ ...incident, messages: minutes.map((minute) => ({ minute, channels: ["slack"], transition: "updated" })) }],
      });
    const labelYs = (html: string) => [...html.matchAll(/<g class="message">.*?<text [^>]*y="([\d.]+)"/g)].map((m) => Number(m[1]));
    const close = labelYs(at([30, 31, 32]));
    expect(new Set(close).size).toBe(3);
    const apart = labelYs(at([5, 30, 55]));
    expect(new Set(apart).size).toBe(1);
  });

  it("needs nothing from outside: no script, link, image or url()", () => {
    expect(renderHtmlReport(heapReport())).not.toMatch(/<script|<link|<img|url\(|src=|href=/i);
  });

  it("says so when nothing opened", () => {
    expect(renderHtmlReport({ ...heapReport(), incidents: [] })).toMatch(/No incident opened\./);
  });

  it("never lets outside text form markup", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const escaped = escapeHtml(text);
        expect(escaped).not.toMatch(/[<>"']/);
        expect(escaped.replace(/&(amp|lt|gt|quot|#39);/g, "")).not.toMatch(/&/);
      }),
    );
    const base = heapReport();
    const hostile = '</title><script>alert(1)</script><img src=x onerror="x">';
    const html = renderHtmlReport({
      ...base,
      title: hostile,
      notes: [hostile],
      incidents: base.incidents.map((i) => ({ ...i, broker: hostile, summary: hostile, resource: hostile })),
    });
    expect(html).not.toMatch(/<script|<img/);
  });
});
