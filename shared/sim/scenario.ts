import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import type { IncidentKind, Severity } from "../core/types";
import { ScenarioError } from "../errors";
import schema from "./scenario.schema.json";

/**
 * Scenario files (the fixed contract in `scenario.schema.json`, a copy of the project's contract):
 * loading, validation with errors that name the file and the field, and defaults.
 */

export interface ScenarioBroker {
  describe: Record<string, unknown> & {
    BrokerId: string;
    BrokerName: string;
    BrokerState: string;
    DeploymentMode: string;
    EngineType: string;
    HostInstanceType: string;
    Tags?: Record<string, string>;
  };
  configurationXml?: string;
  stateChanges?: { at: number; BrokerState: string }[];
  deletedAt?: number;
  securityGroups?: Record<string, unknown>[];
}

export interface ScenarioMetric {
  namespace: string;
  metric: string;
  dimensions: Record<string, string>;
  statistic: string;
  values: (number | null)[];
  afterReboot?: (number | null)[];
}

export interface ScenarioFault {
  operation: string;
  from: number;
  to: number;
  error: string;
  rate: number;
}

export interface Expectation {
  kind: IncidentKind;
  broker: string;
  resource?: string;
  severity?: Severity;
  from: number;
  to: number;
}

export interface ExpectedRemediation {
  broker: string;
  outcome: "executed" | "dry-run" | "blocked";
  from: number;
  to: number;
}

export interface Scenario {
  name: string;
  description: string;
  start: string;
  startMs: number;
  durationMinutes: number;
  region: string;
  accountId: string;
  publishDelayMinutes: number;
  rebootMinutes: number;
  config: unknown;
  brokers: ScenarioBroker[];
  metrics: ScenarioMetric[];
  events: { at: number; event: unknown }[];
  faults: ScenarioFault[];
  expect: Expectation[];
  expectRemediations: ExpectedRemediation[];
  scoreKinds: IncidentKind[] | null;
  /** Where the scenario came from (a file path, or `inline`). */
  source: string;
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

/** Validates a parsed scenario and fills in the schema's defaults. */
export function parseScenario(raw: unknown, source = "inline"): Scenario {
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).slice(0, 10).map((e) => {
      const where = e.instancePath || "(root)";
      const extra = e.keyword === "additionalProperties" ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'` : "";
      const allowed = e.keyword === "enum" ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")})` : "";
      return `${where}: ${e.message}${extra}${allowed}`;
    });
    throw new ScenarioError(source, problems);
  }
  const s = raw as Record<string, unknown> & { brokers: ScenarioBroker[] };
  const startMs = Date.parse(s.start as string);
  if (Number.isNaN(startMs)) throw new ScenarioError(source, ["/start: not a date-time"]);
  return {
    name: s.name as string,
    description: (s.description as string | undefined) ?? "",
    start: s.start as string,
    startMs,
    durationMinutes: s.durationMinutes as number,
    region: (s.region as string | undefined) ?? "us-east-1",
    accountId: (s.accountId as string | undefined) ?? "123456789012",
    publishDelayMinutes: (s.publishDelayMinutes as number | undefined) ?? 1,
    rebootMinutes: (s.rebootMinutes as number | undefined) ?? 3,
    config: s.config ?? {},
    brokers: s.brokers,
    metrics: ((s.metrics as Partial<ScenarioMetric>[] | undefined) ?? []).map((m) => ({
      namespace: m.namespace ?? "AWS/AmazonMQ",
      metric: m.metric as string,
      dimensions: m.dimensions as Record<string, string>,
      statistic: m.statistic ?? "Average",
      values: m.values as (number | null)[],
      ...(m.afterReboot ? { afterReboot: m.afterReboot } : {}),
    })),
    events: (s.events as Scenario["events"] | undefined) ?? [],
    faults: ((s.faults as Partial<ScenarioFault>[] | undefined) ?? []).map((f) => ({
      operation: f.operation as string,
      from: f.from as number,
      to: f.to as number,
      error: f.error as string,
      rate: f.rate ?? 1,
    })),
    expect: (s.expect as Expectation[] | undefined) ?? [],
    expectRemediations: ((s.expectRemediations as Partial<ExpectedRemediation>[] | undefined) ?? []).map((r) => ({
      broker: r.broker as string,
      outcome: r.outcome ?? "executed",
      from: r.from as number,
      to: r.to as number,
    })),
    scoreKinds: (s.scoreKinds as IncidentKind[] | undefined) ?? null,
    source,
  };
}

/** Reads and validates one scenario file. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ScenarioError(path, [`cannot read: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(path, [`not valid JSON: ${(error as Error).message}`]);
  }
  return parseScenario(raw, path);
}

/** Expands directories into their scenario files (sorted; schema files skipped). */
export function scenarioFiles(paths: readonly string[]): string[] {
  return paths.flatMap((p) => {
    let isDirectory = false;
    try {
      isDirectory = statSync(p).isDirectory();
    } catch {
      return [p]; // reported by the loader with the file name
    }
    if (!isDirectory) return [p];
    return readdirSync(p)
      .filter((n) => n.endsWith(".json") && !n.endsWith(".schema.json"))
      .sort()
      .map((n) => join(p, n));
  });
}

/** A short label for a scenario in messages. */
export function scenarioLabel(scenario: Pick<Scenario, "name" | "source">): string {
  return scenario.source === "inline" ? scenario.name : `${scenario.name} (${basename(scenario.source)})`;
}
