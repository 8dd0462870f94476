/**
 * Helpers every scenario generator shares: deterministic seeds, the JSON layout of the files, the
 * README tables and sections. Changing one changes every generated file: rerun all generators.
 */

export function fail(name, message) {
  throw new Error(`${name}: ${message}`);
}

/** FNV-1a 32-bit hash of a string: the seed of a named random stream. */
export function hashSeed(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * JSON with 2-space indentation, arrays of plain values kept on one line and small flat objects
 * (dimensions, expectations, faults, state changes) inline: readable diffs, files a tenth of the size.
 */
export function formatJson(value, indent = "") {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => v === null || typeof v !== "object")) return `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    if (keys.length === 0) return "{}";
    const flat = keys.every((k) => value[k] === null || typeof value[k] !== "object");
    if (flat) {
      const line = `{${keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(value[k])}`).join(", ")}}`;
      if (line.length + indent.length <= 120) return line;
    }
    return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${formatJson(value[k], inner)}`).join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** A Markdown table with every column padded to its widest cell (the layout the project's formatter keeps). */
export function markdownTable(header, rows) {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells) => `| ${cells.map((cell, c) => cell.padEnd(widths[c])).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** `readme` with the section under `heading` replaced by `section` (or appended); other sections are left untouched. */
export function withSection(readme, heading, section) {
  const marker = `\n${heading}\n`;
  const at = readme.indexOf(marker);
  if (at === -1) return `${readme.replace(/\n*$/, "\n")}\n${section}`;
  const rest = readme.slice(at + marker.length);
  const next = rest.search(/^## /m);
  const tail = next === -1 ? "" : `\n${rest.slice(next)}`;
  return `${readme.slice(0, at + 1)}${section}${tail}`;
}
