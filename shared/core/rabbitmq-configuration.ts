import { type Broker, DeploymentMode, type RabbitMqConfiguredLimits } from "./types";

/**
 * A RabbitMQ 4 broker configuration as Amazon MQ stores it (DescribeConfigurationRevision `Data`,
 * base64 Cuttlefish): `key = value` lines, `#` comments, and from RabbitMQ 4 instance-specific
 * sections delimited by a `{{<family>.<size>.<mode>}}` line before and after them (mode `1` single
 * instance, `3` cluster). A section applies only to brokers of that instance type and mode; where a key
 * appears more than once the value that comes later in the text wins, generic or section alike.
 * Source: "Resource Limit Configuration"
 * (https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/configure-resource-limits.html).
 *
 * Reading is tolerant: blank lines, comments, unknown keys and other sections are skipped; a line that
 * is not `key = value` or a limit that is not a positive whole number is reported as a warning and
 * counts as not set, so the documented default applies.
 */

/** One `key = value` line. */
export interface CuttlefishEntry {
  key: string;
  value: string;
  /** 1-based line number. */
  line: number;
  /** The section the line is in (`m7g.large.3`), or null for the generic part. */
  section: string | null;
}

export interface ParsedCuttlefish {
  entries: CuttlefishEntry[];
  /** Lines that could not be read, in words (never the values of unknown keys). */
  warnings: string[];
}

/** The configuration keys of the limits mq-sentinel judges against (both per node). */
export const LIMIT_KEYS = { connections: "connection_max", channels: "channel_max_per_node" } as const;

const SECTION = /^\{\{\s*([^{}\s]+)\s*\}\}$/;
const KEY = /^[A-Za-z0-9_.$-]+$/;
/** Longest value quoted in a warning: a configuration is not a place to echo long text from. */
const QUOTE_MAX = 40;

/** Splits Cuttlefish text into its `key = value` entries, with the section each is in. */
export function parseCuttlefish(text: string): ParsedCuttlefish {
  const entries: CuttlefishEntry[] = [];
  const warnings: string[] = [];
  let section: string | null = null;
  let sectionLine = 0;
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const tag = SECTION.exec(trimmed);
    if (tag) {
      const name = (tag[1] as string).toLowerCase().replace(/^mq\./, "");
      if (section === null) {
        section = name;
        sectionLine = line;
      } else if (section === name) {
        section = null;
      } else {
        warnings.push(
          `line ${line}: section {{${name}}} starts before {{${section}}} (line ${sectionLine}) ends; reading it as the end of one and the start of the other`,
        );
        section = name;
        sectionLine = line;
      }
      return;
    }
    const equals = trimmed.indexOf("=");
    const key = equals > 0 ? trimmed.slice(0, equals).trim() : "";
    if (equals <= 0 || !KEY.test(key)) {
      warnings.push(`line ${line} is not \`key = value\`; ignored`);
      return;
    }
    // Cuttlefish has no inline comments, but a value followed by one is still plainly meant.
    const value = trimmed
      .slice(equals + 1)
      .replace(/\s+#.*$/, "")
      .trim();
    entries.push({ key, value, line, section });
  });
  if (section !== null) warnings.push(`section {{${section}}} (line ${sectionLine}) is never closed; read to the end of the text`);
  return { entries, warnings };
}

/** The section name of a broker's instance type and deployment mode (`mq.m7g.large`, cluster → `m7g.large.3`). */
export function sectionOf(broker: Pick<Broker, "instanceType" | "deploymentMode">): string {
  const type = broker.instanceType.toLowerCase().replace(/^mq\./, "");
  return `${type}.${broker.deploymentMode === DeploymentMode.cluster ? 3 : 1}`;
}

/**
 * The connection and channel limits a RabbitMQ 4 configuration sets for a broker (the generic part
 * and the broker's own section, the later value winning), with the problems found on the way.
 * `source` names the revision for the evidence (`configuration c-1234 revision 3`).
 */
export function configuredLimitsOf(
  text: string,
  broker: Pick<Broker, "instanceType" | "deploymentMode">,
  source: string,
): { limits: RabbitMqConfiguredLimits; warnings: string[] } {
  const parsed = parseCuttlefish(text);
  const warnings = [...parsed.warnings];
  const own = sectionOf(broker);
  const latest = new Map<string, CuttlefishEntry>();
  for (const entry of parsed.entries) {
    if (entry.section !== null && entry.section !== own) continue;
    if (entry.key === LIMIT_KEYS.connections || entry.key === LIMIT_KEYS.channels) latest.set(entry.key, entry);
  }
  const limitOf = (key: string): number | null => {
    const entry = latest.get(key);
    if (!entry) return null;
    const value = wholeNumber(entry.value);
    if (value === null) {
      const quoted = entry.value.length > QUOTE_MAX ? `${entry.value.slice(0, QUOTE_MAX)}…` : entry.value;
      warnings.push(`line ${entry.line}: ${key} = "${quoted}" is not a positive whole number; read as not set`);
    }
    return value;
  };
  return {
    limits: { connectionMax: limitOf(LIMIT_KEYS.connections), channelMaxPerNode: limitOf(LIMIT_KEYS.channels), source },
    warnings,
  };
}

function wholeNumber(value: string): number | null {
  if (!/^\d+$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}
