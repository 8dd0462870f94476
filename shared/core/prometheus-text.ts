import { SentinelError } from "../errors";

/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4, what RabbitMQ's
 * `rabbitmq_prometheus` plugin serves), after the reference parser (prometheus/common `expfmt`):
 * `# HELP` and `# TYPE` lines, samples `name{label="value",...} value [timestamp]`. Anything that
 * does not follow the format is an error naming the line, never a guess: a half-read answer must
 * not pass for a broker whose queues are empty.
 *
 * No npm package was good enough to depend on: the one text-format parser with real use
 * (`parse-prometheus-text-format`) has had no release in years, ships no types and returns values as
 * strings. This one is small, typed, and property-tested (test/unit/core/prometheus-text.test.ts).
 */

export const PrometheusType = {
  counter: "counter",
  gauge: "gauge",
  histogram: "histogram",
  summary: "summary",
  untyped: "untyped",
} as const;
export type PrometheusType = (typeof PrometheusType)[keyof typeof PrometheusType];

/** One sample: a metric name (the family's, or `_sum`/`_count`/`_bucket` of it), its labels and value. */
export interface PrometheusSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  /** The value; `NaN`, `Infinity` and `-Infinity` as the format allows. */
  value: number;
  /** Milliseconds since the epoch, when the line carries one. */
  timestampMs: number | null;
}

/** A metric family: its name, type, help text and samples, in the order they came. */
export interface PrometheusFamily {
  name: string;
  type: PrometheusType;
  help: string | null;
  samples: PrometheusSample[];
}

/** A whole answer: its families by name (a family's samples may only come in one block). */
export type PrometheusExposition = ReadonlyMap<string, PrometheusFamily>;

/** Text that is not the Prometheus text format, with the line (1-based) where it stops being so. */
export class PrometheusParseError extends SentinelError {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`Prometheus text format, line ${line}: ${problem}`);
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A Go float as the format writes it (decimal or exponent; NaN and infinities handled apart). */
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TIMESTAMP = /^-?\d+$/;
const TYPES = new Set<string>(Object.values(PrometheusType));
/** Suffixes a summary or histogram family's samples carry. */
const SUFFIXES: Record<PrometheusType, readonly string[]> = {
  counter: [],
  gauge: [],
  untyped: [],
  summary: ["_sum", "_count"],
  histogram: ["_sum", "_count", "_bucket"],
};

/** Parses a whole answer; throws a {@link PrometheusParseError} at the first line that breaks the format. */
export function parsePrometheusText(text: string): PrometheusExposition {
  const families = new Map<string, PrometheusFamily>();
  /** Families given a TYPE line (a second one is an error). */
  const typed = new Set<string>();
  /** Families whose block ended (another family's line came after): they may not come back. */
  const closed = new Set<string>();
  let current: PrometheusFamily | null = null;
  const lines = text.split("\n");
  // The format ends every line with a newline: the text after the last one is empty.
  if (lines[lines.length - 1] === "") lines.pop();
  for (let index = 0; index < lines.length; index++) {
    const fail = (problem: string): never => {
      throw new PrometheusParseError(index + 1, problem);
    };
    const open = (name: string): PrometheusFamily => {
      if (current?.name === name) return current;
      if (current) closed.add(current.name);
      if (closed.has(name)) fail(`metric family ${name} appears in two separate blocks`);
      const family = families.get(name) ?? { name, type: PrometheusType.untyped, help: null, samples: [] };
      families.set(name, family);
      current = family;
      return family;
    };
    const line = trimBlanks(lines[index] as string);
    if (line === "") continue;
    if (line.startsWith("#")) {
      const [keyword, rest] = splitFirst(trimBlanks(line.slice(1)));
      if (keyword !== "HELP" && keyword !== "TYPE") continue; // an ordinary comment
      const [name, value] = splitFirst(rest);
      if (!METRIC_NAME.test(name)) fail(`invalid metric name '${name}' in # ${keyword}`);
      const family = open(name);
      if (keyword === "HELP") {
        if (family.help !== null) fail(`second HELP line for ${name}`);
        family.help = unescapeHelp(value, fail);
        continue;
      }
      if (typed.has(name)) fail(`second TYPE line for ${name}`);
      if (family.samples.length > 0) fail(`TYPE line for ${name} after its samples`);
      const type = trimBlanks(value);
      if (!TYPES.has(type)) fail(`unknown type '${type}' for ${name}`);
      family.type = type as PrometheusType;
      typed.add(name);
      continue;
    }
    const sample = parseSample(line, fail);
    open(familyOf(sample.name, current)).samples.push(sample);
  }
  return families;
}

/** The family of a sample: the current family when the name is its own (or a summary's or histogram's suffixed one), else its own name. */
function familyOf(sampleName: string, current: PrometheusFamily | null): string {
  if (current === null) return sampleName;
  if (current.name === sampleName) return current.name;
  for (const suffix of SUFFIXES[current.type]) if (sampleName === current.name + suffix) return current.name;
  return sampleName;
}

function parseSample(line: string, fail: (problem: string) => never): PrometheusSample {
  let i = 0;
  while (i < line.length && line[i] !== "{" && line[i] !== " " && line[i] !== "\t") i++;
  const name = line.slice(0, i);
  if (!METRIC_NAME.test(name)) fail(`invalid metric name '${name}'`);
  // No prototype: a label named __proto__ (the broker's text is outside input) is just a label.
  const labels: Record<string, string> = Object.create(null);
  if (line[i] === "{") {
    i++;
    for (;;) {
      i = skipBlanks(line, i);
      if (line[i] === "}") {
        i++;
        break;
      }
      let j = i;
      while (j < line.length && /[a-zA-Z0-9_]/.test(line[j] as string)) j++;
      const label = line.slice(i, j);
      if (!LABEL_NAME.test(label)) fail(`invalid label name '${label}' in ${name}`);
      if (Object.hasOwn(labels, label)) fail(`label ${label} given twice in ${name}`);
      i = skipBlanks(line, j);
      if (line[i] !== "=") fail(`expected '=' after label ${label} in ${name}`);
      i = skipBlanks(line, i + 1);
      if (line[i] !== '"') fail(`expected a quoted value for label ${label} in ${name}`);
      const [value, end] = readQuoted(line, i + 1, fail);
      labels[label] = value;
      i = skipBlanks(line, end);
      if (line[i] === ",") {
        i++;
        continue;
      }
      if (line[i] === "}") {
        i++;
        break;
      }
      fail(`expected ',' or '}' after label ${label} in ${name}`);
    }
  }
  const rest = trimBlanks(line.slice(i));
  if (i < line.length && line[i] !== " " && line[i] !== "\t") fail(`expected a blank after ${name}`);
  const parts = rest.split(/[ \t]+/).filter((p) => p !== "");
  if (parts.length === 0) fail(`no value for ${name}`);
  if (parts.length > 2) fail(`unexpected text after the value of ${name}`);
  const value = parseValue(parts[0] as string);
  if (value === null) fail(`invalid value '${parts[0]}' for ${name}`);
  let timestampMs: number | null = null;
  if (parts.length === 2) {
    const text = parts[1] as string;
    if (!TIMESTAMP.test(text) || !Number.isSafeInteger(Number(text))) fail(`invalid timestamp '${text}' for ${name}`);
    timestampMs = Number(text);
  }
  return { name, labels, value: value as number, timestampMs };
}

/** A sample value as Go's ParseFloat reads the format's values (NaN, +Inf, -Inf, decimal and exponent). */
function parseValue(text: string): number | null {
  const lower = text.toLowerCase();
  if (lower === "nan") return Number.NaN;
  if (lower === "+inf" || lower === "inf") return Number.POSITIVE_INFINITY;
  if (lower === "-inf") return Number.NEGATIVE_INFINITY;
  if (!FLOAT.test(text)) return null;
  return Number(text);
}

/** The escapes of a label value: `\\`, `\"` and `\n`. */
const LABEL_ESCAPES = new Map([
  ["\\", "\\"],
  ['"', '"'],
  ["n", "\n"],
]);
/** HELP text: `\\` and `\n` are the only escapes. */
const HELP_ESCAPES = new Map([
  ["\\", "\\"],
  ["n", "\n"],
]);

/**
 * Undoes `escapes` in `text` from `start` up to the first unescaped `stop` (null: to the end). Returns the
 * text and the index after `stop`, or null for the index when the text ended first.
 */
function unescapeUntil(
  text: string,
  start: number,
  stop: string | null,
  escapes: ReadonlyMap<string, string>,
  fail: (problem: string) => never,
  where: string,
): [string, number | null] {
  let out = "";
  for (let i = start; i < text.length; i++) {
    const c = text[i] as string;
    if (c === stop) return [out, i + 1];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = text[++i];
    out += escapes.get(next ?? "") ?? fail(`invalid escape '\\${next ?? ""}' in ${where}`);
  }
  return [out, null];
}

/** Reads a label value up to its closing quote; returns it unescaped and the index after the quote. */
function readQuoted(line: string, start: number, fail: (problem: string) => never): [string, number] {
  const [value, end] = unescapeUntil(line, start, '"', LABEL_ESCAPES, fail, "a label value");
  return end === null ? fail("label value not closed") : [value, end];
}

/** HELP text, unescaped. */
function unescapeHelp(text: string, fail: (problem: string) => never): string {
  return unescapeUntil(text, 0, null, HELP_ESCAPES, fail, "HELP")[0];
}

function splitFirst(text: string): [string, string] {
  const match = /[ \t]/.exec(text);
  if (!match) return [text, ""];
  return [text.slice(0, match.index), text.slice(match.index).replace(/^[ \t]+/, "")];
}

function skipBlanks(text: string, i: number): number {
  let j = i;
  while (text[j] === " " || text[j] === "\t") j++;
  return j;
}

function trimBlanks(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, "");
}

/**
 * Writes families in the text format (the inverse of {@link parsePrometheusText}); used by tests and
 * by local endpoints that stand in for a broker.
 */
export function renderPrometheusText(families: Iterable<PrometheusFamily>): string {
  const lines: string[] = [];
  for (const f of families) {
    if (f.help !== null) lines.push(`# HELP ${f.name} ${f.help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n")}`);
    lines.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`)
        .join(",");
      const value = Number.isNaN(s.value) ? "NaN" : s.value === Infinity ? "+Inf" : s.value === -Infinity ? "-Inf" : String(s.value);
      lines.push(`${s.name}${labels ? `{${labels}}` : ""} ${value}${s.timestampMs === null ? "" : ` ${s.timestampMs}`}`);
    }
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}
