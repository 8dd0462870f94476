import type { Severity } from "../types";
import { MINUTE_MS } from "../types";
import type { HtmlReport, ReportChart, ReportIncident } from "./report-model";

/**
 * Renders a report as one self-contained HTML page: inline CSS and SVG, no script, no external asset,
 * so it opens offline, in a mail client's viewer, or printed. Every text is escaped: broker, queue and
 * principal names and CloudTrail strings are outside text (DESIGN.md §1).
 */
export function renderHtmlReport(report: HtmlReport): string {
  const incidents = report.incidents.map((incident, index) => renderIncident(report, incident, index)).join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(report.title)}</h1>
<p class="subtitle">${escapeHtml(report.subtitle)}</p>
<dl class="facts">${report.facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join("")}</dl>
</header>
<main>
<section class="summary">
<h2>Summary</h2>
${renderTable(report.summary)}
</section>
<section class="incidents">
<h2>Incidents (${report.incidents.length})</h2>
${report.incidents.length === 0 ? '<p class="none">No incident opened.</p>' : incidents}
</section>
${report.notes.length ? `<section class="notes"><h2>Notes</h2><ul>${report.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul></section>` : ""}
</main>
<footer>mq-sentinel · times in UTC · ${escapeHtml(new Date(report.startMs).toISOString().slice(0, 16).replace("T", " "))} + ${report.durationMinutes} min</footer>
</body>
</html>
`;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

const ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function renderTable(table: HtmlReport["summary"]): string {
  if (table.rows.length === 0) return '<p class="none">Nothing to summarise.</p>';
  const head = table.headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("");
  const rows = table.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function clock(report: HtmlReport, minute: number): string {
  return new Date(report.startMs + minute * MINUTE_MS).toISOString().slice(11, 16);
}

function day(report: HtmlReport, minute: number): string {
  return new Date(report.startMs + minute * MINUTE_MS).toISOString().slice(0, 10);
}

function renderIncident(report: HtmlReport, i: ReportIncident, index: number): string {
  const where = `${i.broker}${i.resource ? ` / ${i.resource}` : ""}`;
  const span =
    i.resolvedMinute === null
      ? `opened ${day(report, i.openedMinute)} ${clock(report, i.openedMinute)}, still open at the end`
      : `opened ${day(report, i.openedMinute)} ${clock(report, i.openedMinute)}, ${i.closeReason ? "closed" : "resolved"} ${clock(report, i.resolvedMinute)} (${i.resolvedMinute - i.openedMinute} min)`;
  const events = [
    ...i.severityChanges.map((c) => ({ minute: c.minute, text: `severity ${c.severity}` })),
    ...i.messages.map((m) => ({ minute: m.minute, text: `message: ${m.transition} (${m.channels.join(", ")})` })),
    ...i.reboots.map((r) => ({ minute: r.minute, text: `reboot ${r.outcome}: ${r.reason}` })),
    ...(i.resolvedMinute !== null ? [{ minute: i.resolvedMinute, text: i.closeReason ? `closed: ${i.closeReason}` : "resolved" }] : []),
  ].sort((a, b) => a.minute - b.minute);
  return `<article class="incident sev-${i.severity}" id="incident-${index + 1}" data-incident-id="${escapeHtml(i.id)}">
<h3><span class="badge sev-${i.severity}">${escapeHtml(i.severity)}</span> ${escapeHtml(i.kind)} · ${escapeHtml(where)}</h3>
<p class="meta">${escapeHtml(i.condition)} · ${escapeHtml(span)}</p>
<p class="what">${escapeHtml(i.summary)}</p>
${i.chart ? renderChart(report, i, i.chart) : '<p class="none">No series recorded for this incident.</p>'}
<ol class="events">${events.map((e) => `<li><time>${clock(report, e.minute)}</time> ${escapeHtml(e.text)}</li>`).join("")}</ol>
</article>`;
}

const WIDTH = 900;
const PANEL = 120;
const GAP = 26;
const LEFT = 64;
const RIGHT = 16;
const TOP = 22;
const AXIS = 22;

const SEVERITY_COLOUR: Readonly<Record<Severity, string>> = { info: "#4a78b5", warning: "#d08a00", critical: "#c0392b" };

function renderChart(report: HtmlReport, incident: ReportIncident, chart: ReportChart): string {
  const panels = chart.series.length;
  const height = TOP + panels * PANEL + (panels - 1) * GAP + AXIS;
  const span = Math.max(1, chart.toMinute - chart.fromMinute);
  const x = (minute: number) => LEFT + ((minute - chart.fromMinute) / span) * (WIDTH - LEFT - RIGHT);
  const clampX = (minute: number) => x(Math.max(chart.fromMinute, Math.min(chart.toMinute, minute)));
  const bottom = height - AXIS;
  const parts: string[] = [];
  const title = `${incident.kind} ${incident.broker}${incident.resource ? ` / ${incident.resource}` : ""}`;
  parts.push(`<title>${escapeHtml(title)}</title>`);
  // The incident's span, shaded in its severity's colour.
  const spanEnd = incident.resolvedMinute ?? chart.toMinute;
  parts.push(
    `<rect class="span" x="${fmt(clampX(incident.openedMinute))}" y="${TOP}" width="${fmt(Math.max(1, clampX(spanEnd) - clampX(incident.openedMinute)))}" height="${bottom - TOP}" fill="${SEVERITY_COLOUR[incident.severity]}" fill-opacity="0.10"><title>open ${clock(report, incident.openedMinute)}–${incident.resolvedMinute === null ? "end" : clock(report, incident.resolvedMinute)}</title></rect>`,
  );
  chart.series.forEach((s, p) => {
    const top = TOP + p * (PANEL + GAP);
    const known = s.values.filter((v): v is number => v != null);
    const extra = p === 0 ? [...chart.thresholds.map((t) => t.value), ...(chart.forecast ? [chart.forecast.fromValue] : [])] : [];
    let low = Math.min(0, ...known);
    let high = Math.max(...known, ...extra);
    if (p === 0 && chart.forecast) high = Math.max(high, Math.min(chart.forecast.toValue, high * 1.5));
    if (high === low) high = low + 1;
    high += (high - low) * 0.05;
    low = Math.min(low, 0);
    const y = (v: number) => top + PANEL - ((Math.min(v, high) - low) / (high - low)) * PANEL;
    parts.push(`<g class="panel" data-series="${escapeHtml(s.name)}">`);
    parts.push(`<rect class="frame" x="${LEFT}" y="${top}" width="${WIDTH - LEFT - RIGHT}" height="${PANEL}" fill="none" stroke="#ccc"/>`);
    parts.push(`<text class="label" x="${LEFT + 4}" y="${top - 6}">${escapeHtml(s.name)}</text>`);
    for (const v of [low, (low + high) / 2, high]) {
      const tick = high - low > 10 ? Math.round(v) : v;
      parts.push(`<text class="tick" x="${LEFT - 6}" y="${fmt(y(v) + 4)}" text-anchor="end">${escapeHtml(shortNumber(tick))}</text>`);
    }
    parts.push(`<path class="series" d="${pathOf(s.values, chart.fromMinute, x, y)}" fill="none" stroke="#1f4e79" stroke-width="1.6"/>`);
    if (p === 0) {
      for (const t of chart.thresholds) {
        parts.push(
          `<line class="threshold" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${fmt(y(t.value))}" y2="${fmt(y(t.value))}" stroke="${SEVERITY_COLOUR[t.severity]}" stroke-dasharray="6 4"/><text class="threshold-label" x="${WIDTH - RIGHT - 4}" y="${fmt(y(t.value) - 4)}" text-anchor="end" fill="${SEVERITY_COLOUR[t.severity]}">${escapeHtml(t.label)}</text>`,
        );
      }
      if (chart.forecast) {
        const f = chart.forecast;
        parts.push(
          `<line class="forecast" x1="${fmt(clampX(f.fromMinute))}" y1="${fmt(y(f.fromValue))}" x2="${fmt(clampX(f.toMinute))}" y2="${fmt(y(f.fromValue + ((f.toValue - f.fromValue) * (Math.min(f.toMinute, chart.toMinute) - f.fromMinute)) / Math.max(1, f.toMinute - f.fromMinute)))}" stroke="#7d3c98" stroke-width="2" stroke-dasharray="2 3"><title>${escapeHtml(f.label)}</title></line>`,
        );
      }
    }
    parts.push("</g>");
  });
  // Severity changes at the top edge, messages and reboots across every panel.
  for (const c of incident.severityChanges) {
    parts.push(
      `<circle class="severity" cx="${fmt(clampX(c.minute))}" cy="${TOP - 10}" r="4" fill="${SEVERITY_COLOUR[c.severity]}"><title>${clock(report, c.minute)} ${escapeHtml(c.severity)}</title></circle>`,
    );
  }
  // Labels that would overlap are stacked in rows (messages up from the bottom, reboots down from the
  // top): markers a few minutes apart sit a few pixels apart, and their texts would run over each other.
  const messageRows = new LabelRows();
  const rebootRows = new LabelRows();
  // Near the right edge a label reads leftwards from its line.
  const labelAt = (minute: number, text: string, rows: LabelRows) => {
    const px = clampX(minute);
    const width = text.length * LABEL_CHAR_PX;
    const leftwards = px > WIDTH - 130;
    const row = rows.place(leftwards ? px - 3 - width : px + 3, width);
    return { row, attrs: leftwards ? `x="${fmt(px - 3)}" text-anchor="end"` : `x="${fmt(px + 3)}"` };
  };
  for (const m of incident.messages) {
    const text = `✉ ${m.transition}`;
    const label = labelAt(m.minute, text, messageRows);
    const labelY = bottom - 4 - label.row * 13;
    parts.push(
      `<g class="message"><line x1="${fmt(clampX(m.minute))}" x2="${fmt(clampX(m.minute))}" y1="${TOP}" y2="${bottom}" stroke="#2e7d32" stroke-dasharray="3 3"/><text ${label.attrs} y="${fmt(labelY)}" fill="#2e7d32">${escapeHtml(text)}</text><title>${clock(report, m.minute)} message ${escapeHtml(m.transition)} (${escapeHtml(m.channels.join(", "))})</title></g>`,
    );
  }
  for (const r of incident.reboots) {
    const text = `⟳ ${r.outcome}`;
    const label = labelAt(r.minute, text, rebootRows);
    const labelY = TOP + 12 + label.row * 13;
    const colour = r.outcome === "executed" || r.outcome === "dry-run" ? "#7d3c98" : "#555";
    parts.push(
      `<g class="reboot" data-outcome="${escapeHtml(r.outcome)}"><line x1="${fmt(clampX(r.minute))}" x2="${fmt(clampX(r.minute))}" y1="${TOP}" y2="${bottom}" stroke="${colour}" stroke-width="2"/><text ${label.attrs} y="${fmt(labelY)}" fill="${colour}">${escapeHtml(text)}</text><title>${clock(report, r.minute)} reboot ${escapeHtml(r.outcome)}: ${escapeHtml(r.reason)}</title></g>`,
    );
  }
  // Time axis: about six labels.
  const step = niceStep(span / 6);
  for (let m = Math.ceil(chart.fromMinute / step) * step; m <= chart.toMinute; m += step) {
    parts.push(
      `<text class="tick" x="${fmt(x(m))}" y="${height - 6}" text-anchor="middle">${span > 2 * 1440 ? `${day(report, m).slice(5)} ` : ""}${clock(report, m)}</text>`,
    );
  }
  return `<svg class="incident-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeHtml(title)}">${parts.join("")}</svg>`;
}

/** Width of a marker label's character at the chart's font size, a little generous so labels never touch. */
const LABEL_CHAR_PX = 6.5;
/** Rows of marker labels: each label goes to the first row where it does not overlap one already placed. */
class LabelRows {
  private readonly rows: { from: number; to: number }[][] = [];

  /** The row (0 = nearest the edge) for a label spanning `from` .. `from + width` pixels. */
  place(from: number, width: number): number {
    const to = from + width;
    let row = this.rows.findIndex((placed) => placed.every((p) => to + 2 < p.from || from > p.to + 2));
    if (row < 0) row = this.rows.push([]) - 1;
    this.rows[row]?.push({ from, to });
    return row;
  }
}

function pathOf(values: readonly (number | null)[], fromMinute: number, x: (m: number) => number, y: (v: number) => number): string {
  const out: string[] = [];
  let pen = false;
  values.forEach((v, i) => {
    if (v == null) {
      pen = false;
      return;
    }
    out.push(`${pen ? "L" : "M"}${fmt(x(fromMinute + i))} ${fmt(y(v))}`);
    pen = true;
  });
  return out.join(" ");
}

function niceStep(raw: number): number {
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880]) if (s >= raw) return s;
  return 1440 * Math.ceil(raw / 1440);
}

function shortNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function fmt(n: number): string {
  return Number.isFinite(n) ? n.toFixed(1) : "0";
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0 auto; max-width: 1000px; padding: 16px 20px 32px; color: #1b1b1b; background: #fff; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 17px; margin: 24px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
h3 { font-size: 15px; margin: 0 0 4px; word-break: break-word; }
.subtitle { margin: 0 0 10px; color: #444; }
.facts { display: flex; flex-wrap: wrap; gap: 6px 22px; margin: 0; }
.facts dt { font-size: 11px; text-transform: uppercase; color: #666; }
.facts dd { margin: 0; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 4px 6px; text-align: left; vertical-align: top; word-break: break-word; }
th { background: #f4f6f8; word-break: normal; }
.incident { border: 1px solid #ddd; border-left: 5px solid #4a78b5; border-radius: 4px; padding: 10px 12px; margin: 14px 0; }
.incident.sev-warning { border-left-color: #d08a00; }
.incident.sev-critical { border-left-color: #c0392b; }
.badge { display: inline-block; font-size: 11px; text-transform: uppercase; color: #fff; background: #4a78b5; border-radius: 3px; padding: 1px 6px; vertical-align: 2px; }
.badge.sev-warning { background: #d08a00; }
.badge.sev-critical { background: #c0392b; }
.meta { margin: 0; color: #555; font-size: 13px; }
.what { margin: 4px 0 8px; }
svg.incident-chart { width: 100%; height: auto; display: block; font-size: 11px; }
svg .label { font-weight: 600; fill: #333; }
svg .tick { fill: #666; }
.events { margin: 6px 0 0; padding-left: 18px; font-size: 12.5px; color: #333; columns: 2; column-gap: 28px; }
.events time { font-variant-numeric: tabular-nums; color: #666; }
.none { color: #666; font-style: italic; }
.notes li { margin: 2px 0; }
footer { margin-top: 28px; font-size: 12px; color: #777; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .incident { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; }
  .events { columns: 1; }
}
@media (max-width: 700px) { .events { columns: 1; } }
`;
