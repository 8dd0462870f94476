import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { ConfigError, parseConfig } from "../core/config";
import type { RemediationOutcome } from "../core/remediation-policy";
import type { IncidentKind, Severity } from "../core/types";
import { MINUTE_MS } from "../core/types";
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
  outcome: RemediationOutcome;
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
  /** People pressing Approve or Deny in Slack (`remediation.mode` approve), in minute order. */
  interactions: { at: number; action: "approve" | "deny"; user: string }[];
  /** Where the scenario came from (a file path, or `inline`). */
  source: string;
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

/** Problems listed per file; the rest are left for the next attempt. */
const MAX_PROBLEMS = 10;

/**
 * Every `service:Operation` the simulated account answers (`simulated-account.ts`) or counts at its
 * edges (`sdk-boundary.ts`: the DynamoDB stores and the Slack webhook): a fault on anything else would
 * never fire. Add an operation here when the simulator learns it.
 */
export const SIMULATED_OPERATIONS: ReadonlySet<string> = new Set([
  "cloudwatch:GetMetricData",
  "cloudwatch:ListMetrics",
  "mq:ListBrokers",
  "mq:DescribeBroker",
  "mq:DescribeConfigurationRevision",
  "mq:RebootBroker",
  "ec2:DescribeSecurityGroups",
  "sns:Publish",
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:DeleteItem",
  "dynamodb:Query",
  "slack:webhook",
  "slack:chat.postMessage",
  "slack:chat.update",
  "slack:usergroups.users.list",
  "pagerduty:events",
]);

/**
 * What the schema cannot say: times that fall outside the scenario (so they would silently never
 * happen), windows that end before they start, brokers listed twice, a start between minutes.
 * Each problem names the JSON path, as the schema's do.
 */
function meaningProblems(s: Record<string, unknown>, startMs: number): string[] {
  const problems: string[] = [];
  const duration = s.durationMinutes as number;
  const last = duration - 1;
  const within = (path: string, minute: number, consequence: string): void => {
    if (minute > last)
      problems.push(`${path}: minute ${minute} is after the last minute (${last}; durationMinutes is ${duration}): ${consequence}`);
  };
  const window = (path: string, w: { from: number; to: number }, consequence: string): void => {
    if (w.from > w.to) problems.push(`${path}: from (${w.from}) is after to (${w.to})`);
    else within(`${path}/from`, w.from, consequence);
  };
  const list = <T>(key: string) => (s[key] as T[] | undefined) ?? [];

  if (startMs % MINUTE_MS !== 0)
    problems.push(`/start: ${s.start as string} is not on a whole minute (seconds and milliseconds must be 0)`);

  const ids = new Map<string, number>();
  const names = new Map<string, number>();
  for (const [i, b] of list<ScenarioBroker>("brokers").entries()) {
    const path = `/brokers/${i}`;
    const { BrokerId: id, BrokerName: name } = b.describe;
    if (ids.has(id)) problems.push(`${path}/describe/BrokerId: '${id}' is already the id of /brokers/${ids.get(id)}`);
    else ids.set(id, i);
    if (names.has(name)) problems.push(`${path}/describe/BrokerName: '${name}' is already the name of /brokers/${names.get(name)}`);
    else names.set(name, i);
    for (const [k, c] of (b.stateChanges ?? []).entries()) within(`${path}/stateChanges/${k}/at`, c.at, "the state change never happens");
    if (b.deletedAt !== undefined) within(`${path}/deletedAt`, b.deletedAt, "the deletion never happens");
  }
  for (const [i, e] of list<{ at: number }>("events").entries()) within(`/events/${i}/at`, e.at, "the event is never delivered");
  for (const [i, e] of list<{ at: number }>("interactions").entries())
    within(`/interactions/${i}/at`, e.at, "the interaction never happens");
  for (const [i, f] of list<ScenarioFault>("faults").entries()) {
    if (!SIMULATED_OPERATIONS.has(f.operation))
      problems.push(
        `/faults/${i}/operation: '${f.operation}' is not an operation the simulated account answers (${[...SIMULATED_OPERATIONS].join(", ")})`,
      );
    window(`/faults/${i}`, f, "the fault never applies");
  }
  for (const [i, e] of list<Expectation>("expect").entries()) window(`/expect/${i}`, e, "the expectation can never be met");
  for (const [i, r] of list<ExpectedRemediation>("expectRemediations").entries())
    window(`/expectRemediations/${i}`, r, "the expected reboot can never happen");
  return problems;
}

/**
 * The scenario's `config` under the project's own rules (the contract: it uses the documented keys).
 * Unknown keys are not a problem here: replay drops them and reports them in `errors`.
 */
function configProblems(config: unknown): string[] {
  if (config === undefined) return [];
  try {
    parseConfig(config, { unknownKeys: "ignore" });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((i) => `/config${i.path.map((k) => `/${k}`).join("")}: ${i.message}`);
  }
}

/** Validates a parsed scenario and fills in the schema's defaults. */
export function parseScenario(raw: unknown, source = "inline"): Scenario {
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).slice(0, MAX_PROBLEMS).map((e) => {
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
  const problems = [...meaningProblems(s, startMs), ...configProblems(s.config)];
  if (problems.length > 0) throw new ScenarioError(source, problems.slice(0, MAX_PROBLEMS));
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
    interactions: [...((s.interactions as Scenario["interactions"] | undefined) ?? [])].sort((a, b) => a.at - b.at),
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
