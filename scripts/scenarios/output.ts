/**
 * The files the generator writes: the JSON layout of a scenario and the Markdown of the README tables.
 */

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json | undefined };

/**
 * JSON with 2-space indentation, arrays of plain values kept on one line and small flat objects
 * (dimensions, expectations, faults, state changes) inline: readable diffs, files a tenth of the size.
 */
export function formatJson(value: unknown, indent = ""): string {
  const inner = `${indent}  `;
  const v = value as Json;
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    if (v.every((x) => x === null || typeof x !== "object")) return `[${v.map((x) => JSON.stringify(x)).join(", ")}]`;
    return `[\n${v.map((x) => inner + formatJson(x, inner)).join(",\n")}\n${indent}]`;
  }
  if (v !== null && typeof v === "object") {
    const o = v as { readonly [key: string]: Json | undefined };
    const keys = Object.keys(o).filter((k) => o[k] !== undefined);
    if (keys.length === 0) return "{}";
    const flat = keys.every((k) => o[k] === null || typeof o[k] !== "object");
    if (flat) {
      const line = `{${keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(o[k])}`).join(", ")}}`;
      if (line.length + indent.length <= 120) return line;
    }
    return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${formatJson(o[k], inner)}`).join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(v);
}

/** A Markdown table with every column padded to its widest cell (the layout the project's formatter keeps). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** A table cell: `|` escaped. */
export const mdEscape = (s: string): string => s.replace(/\|/g, "\\|");

/** `readme` with the section under `heading` replaced by `section` (or appended); other sections are left untouched. */
export function withSection(readme: string, heading: string, section: string): string {
  const marker = `\n${heading}\n`;
  const at = readme.indexOf(marker);
  if (at === -1) return `${readme.replace(/\n*$/, "\n")}\n${section}`;
  const rest = readme.slice(at + marker.length);
  const next = rest.search(/^## /m);
  const tail = next === -1 ? "" : `\n${rest.slice(next)}`;
  return `${readme.slice(0, at + 1)}${section}${tail}`;
}
