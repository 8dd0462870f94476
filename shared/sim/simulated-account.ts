import { MINUTE_MS } from "../core/types";
import type { Scenario, ScenarioBroker, ScenarioFault, ScenarioMetric } from "./scenario";

/**
 * A simulated AWS account on a virtual clock, answering the SDK commands mq-sentinel uses from a
 * scenario, with the semantics of DESIGN.md §3: metric visibility delays, GetMetricData's quotas
 * and period aggregation, broker states, reboots with failover, deletions and injected faults.
 * It answers with the values AWS sends (`EngineType` "ActiveMQ", opaque pagination tokens) and sits
 * behind the real SDK clients' wire protocols (see `sdk-boundary.ts`), so the real adapters run unchanged.
 *
 * Faults (`faults[]`): an AWS error name makes the operation fail for `from <= t <= to`, on a
 * `rate` share of its calls spread deterministically. On `cloudwatch:GetMetricData`,
 * `status:InternalError` and `status:PartialData` make a call succeed with that StatusCode on every
 * metric query of the call instead (the rate picks calls, as for errors): InternalError results carry
 * no datapoints; PartialData results carry the older half of each query's datapoints and the response a
 * NextToken whose call returns the rest, Complete. Only first calls (without a NextToken) are hit by a
 * status fault, so following the token always finishes; error faults hit every call. Status faults on
 * other operations are ignored.
 */

/**
 * Amazon MQ's API quota: a token bucket per account across every Amazon MQ API, refilled at 15
 * requests a second up to a burst of 100 (Amazon MQ quotas). A request finding it empty is refused
 * with `TooManyRequestsException` (HTTP 429), as API Gateway-fronted AWS APIs refuse.
 */
export const AMAZON_MQ_QUOTA = { ratePerSecond: 15, burst: 100 } as const;
const MAX_QUERIES = 500;
const MAX_DATAPOINTS = 100_800;
const LIST_METRICS_PAGE = 500;
/** The error prefix of a fault that answers GetMetricData with a per-query StatusCode instead of failing. */
const STATUS_FAULT = "status:";

/** A GetMetricData StatusCode a `status:` fault answers with. */
export type MetricDataFault = "InternalError" | "PartialData";

/** One result of a GetMetricData answer, as CloudWatch shapes it. */
export interface MetricDataResult {
  Id: unknown;
  Label: unknown;
  Timestamps: Date[];
  Values: number[];
  StatusCode: string;
  Messages?: { Code: string; Value: string }[];
}

/**
 * A refusal of the simulated account: the AWS error name and the HTTP status it implies (shaped like
 * the SDK's service exceptions). The wire server turns it into the protocol's error response; a name
 * the service models takes the model's status instead.
 */
export class SimulatedServiceError extends Error {
  readonly $fault: "client" | "server";
  readonly $metadata: { httpStatusCode: number; requestId: string };
  readonly $retryable?: { throttling: boolean };

  constructor(name: string, message: string) {
    super(message);
    this.name = name;
    const status = httpStatusFor(name);
    this.$fault = status >= 500 ? "server" : "client";
    this.$metadata = { httpStatusCode: status, requestId: "simulated" };
    if (status === 429) this.$retryable = { throttling: true };
  }
}

function httpStatusFor(name: string): number {
  if (/^\d{3}$/.test(name)) return Number(name);
  if (/Throttl|TooManyRequests|RequestLimitExceeded|LimitExceeded/i.test(name)) return 429;
  if (/NotFound/i.test(name)) return 404;
  if (/AccessDenied|Unauthorized|Forbidden/i.test(name)) return 403;
  if (/Internal|ServiceUnavailable|Unavailable|ServerError|Failure/i.test(name)) return name.includes("Unavailable") ? 503 : 500;
  return 400;
}

interface IndexedSeries {
  spec: ScenarioMetric;
  brokerId: string | null;
  dimensionKey: string;
  /** First minute with a known value (before any reboot), for ListMetrics. */
  firstKnown: number;
}

/** A notification or API record the simulation keeps for the replay report. */
export interface SimulatedRecord {
  minute: number;
  operation: string;
  input: unknown;
}

export class SimulatedAccount {
  /** The virtual clock: minute `t` of the scenario. */
  minute = 0;
  /** Calls per `service:Operation`, faulted ones included. */
  readonly calls = new Map<string, number>();
  /** Metrics requested in GetMetricData calls (what CloudWatch bills). */
  metricsRequested = 0;
  /** Every SNS Publish and successful RebootBroker, in order. */
  readonly records: SimulatedRecord[] = [];
  /** Time (ms) the simulated services spent reading requests and writing responses on the wire: the simulation's work, not the caller's. */
  wireMs = 0;
  /** Amazon MQ requests refused by the quota's token bucket. */
  mqThrottled = 0;
  /** When each Amazon MQ request of the current minute arrived, in ms after the minute's start (the quota's clock). */
  readonly mqRequestTimes: number[] = [];

  private readonly series: IndexedSeries[];
  private readonly seriesByIdentity = new Map<string, IndexedSeries>();
  private readonly reboots = new Map<string, number[]>();
  private readonly faultCounters = new Map<ScenarioFault, number>();
  /** The rest of PartialData answers, by the NextToken that asks for it. */
  private readonly pendingMetricData = new Map<string, { ids: string; results: MetricDataResult[] }>();
  private tokensIssued = 0;
  private requests = 0;
  /**
   * The quota's clock within the minute: the replay's clock stands still within a minute, so time
   * inside it is what the callers wait (`advance`, the simulated clock's sleep); requests themselves
   * take none, the strictest reading (every request not paced arrives at once).
   */
  private subMinuteMs = 0;
  private clockMinute = 0;
  private mqTokens: number = AMAZON_MQ_QUOTA.burst;
  private mqRefilledAt = 0;

  constructor(readonly scenario: Scenario) {
    this.series = scenario.metrics.map((spec) => ({
      spec,
      brokerId: this.brokerIdForNode(spec.dimensions.Broker),
      dimensionKey: dimensionKey(spec.dimensions),
      firstKnown: spec.values.findIndex((v) => v != null),
    }));
    for (const s of this.series) this.seriesByIdentity.set(identity(s.spec.namespace, s.spec.metric, s.dimensionKey), s);
  }

  /** A request id for the next answer (AWS sends one with every response, errors included). */
  nextRequestId(): string {
    this.requests++;
    return `00000000-0000-4000-8000-${this.requests.toString(16).padStart(12, "0")}`;
  }

  /** Epoch ms of the current minute. */
  nowMs(): number {
    return this.scenario.startMs + this.minute * MINUTE_MS;
  }

  /** Time passes within the current minute (a caller waits): the quota's clock moves on. */
  advance(ms: number): void {
    this.syncMinute();
    this.subMinuteMs += Math.max(0, ms);
  }

  /** The quota's clock: the current minute plus the time waited in it (epoch ms). */
  quotaNowMs(): number {
    this.syncMinute();
    return this.nowMs() + this.subMinuteMs;
  }

  private syncMinute(): void {
    if (this.minute === this.clockMinute) return;
    this.clockMinute = this.minute;
    this.subMinuteMs = 0;
    this.mqRequestTimes.length = 0;
  }

  /** Spends one token of the Amazon MQ quota, or refuses the request as Amazon MQ does. */
  private takeMqToken(op: string): void {
    const now = this.quotaNowMs();
    this.mqTokens = Math.min(AMAZON_MQ_QUOTA.burst, this.mqTokens + ((now - this.mqRefilledAt) / 1000) * AMAZON_MQ_QUOTA.ratePerSecond);
    this.mqRefilledAt = now;
    this.mqRequestTimes.push(this.subMinuteMs);
    if (this.mqTokens < 1) {
      this.mqThrottled++;
      throw new SimulatedServiceError("TooManyRequestsException", `Rate exceeded: ${op} over the account's Amazon MQ request quota`);
    }
    this.mqTokens -= 1;
  }

  /** The operations the account answers, by `service:Operation`. */
  private readonly operations: Readonly<Record<string, (input: Record<string, unknown>) => Record<string, unknown>>> = {
    "mq:ListBrokers": (input) => this.listBrokers(input),
    "mq:DescribeBroker": (input) => this.describeBroker(input),
    "mq:DescribeConfigurationRevision": (input) => this.describeConfigurationRevision(input),
    "mq:RebootBroker": (input) => this.rebootBroker(input),
    "cloudwatch:ListMetrics": (input) => this.listMetrics(input),
    "cloudwatch:GetMetricData": (input) => this.getMetricData(input),
    "ec2:DescribeSecurityGroups": (input) => this.describeSecurityGroups(input),
    "sns:Publish": (input) => {
      this.records.push({ minute: this.minute, operation: "sns:Publish", input });
      return { MessageId: `sim-${this.records.length}` };
    },
  };

  /** Answers one SDK command (`service` is the SDK's, e.g. `cloudwatch`, `mq`, `ec2`, `sns`). */
  async handle(service: string, operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const op = `${service}:${operation}`;
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
    if (service === "mq") this.takeMqToken(op);
    this.throwIfFaulted(op);
    const answer = this.operations[op];
    if (!answer) throw new SimulatedServiceError("UnsupportedOperation", `the simulated account does not answer ${op}`);
    return answer(input);
  }

  /** Throws the scenario's fault for an operation at the current minute, if one applies. */
  throwIfFaulted(operation: string): void {
    for (const fault of this.scenario.faults) {
      if (fault.error.startsWith(STATUS_FAULT) || !this.fires(fault, operation)) continue;
      throw new SimulatedServiceError(fault.error, `simulated fault on ${operation} at minute ${this.minute}`);
    }
  }

  /** The StatusCode a `status:` fault gives this GetMetricData call, or null. */
  private metricDataFault(): MetricDataFault | null {
    for (const fault of this.scenario.faults) {
      if (!fault.error.startsWith(STATUS_FAULT) || !this.fires(fault, "cloudwatch:GetMetricData")) continue;
      const status = fault.error.slice(STATUS_FAULT.length);
      if (status === "InternalError" || status === "PartialData") return status;
    }
    return null;
  }

  /** Whether a fault hits this call of `operation`: inside its window, on its rate's share of the calls. */
  private fires(fault: ScenarioFault, operation: string): boolean {
    if (fault.operation !== operation || this.minute < fault.from || this.minute > fault.to) return false;
    // Spread a fractional rate deterministically: call n is hit when floor((n+1)r) > floor(nr).
    const n = this.faultCounters.get(fault) ?? 0;
    this.faultCounters.set(fault, n + 1);
    return Math.floor((n + 1) * fault.rate) > Math.floor(n * fault.rate);
  }

  /**
   * A pagination token: opaque to the caller (as AWS's are), naming the list and the position it
   * continues from. Tokens of another list, or made up, are refused like AWS refuses them.
   */
  private issueToken(list: string, position: number): string {
    return Buffer.from(JSON.stringify({ list, position, issued: ++this.tokensIssued }), "utf8").toString("base64url");
  }

  /** The position a token continues `list` from (0 without a token); throws `error` for a token this account did not issue. */
  private readToken(list: string, token: unknown, error: string): number {
    if (token === undefined || token === null || token === "") return 0;
    try {
      const parsed = JSON.parse(Buffer.from(String(token), "base64url").toString("utf8")) as { list?: unknown; position?: unknown };
      if (parsed.list === list && Number.isInteger(parsed.position) && (parsed.position as number) >= 0) return parsed.position as number;
    } catch {
      // not one of ours: refused below
    }
    throw new SimulatedServiceError(error, `the NextToken ${String(token).slice(0, 40)} is not valid`);
  }

  /** Counts a call made outside the SDK boundary (e.g. the simulated Slack webhook) and applies its faults. */
  countCall(operation: string): void {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
  }

  /** The fault status an HTTP endpoint (e.g. `slack:webhook`) answers now, or null. */
  httpFault(operation: string): number | null {
    try {
      this.throwIfFaulted(operation);
      return null;
    } catch (error) {
      return (error as SimulatedServiceError).$metadata.httpStatusCode;
    }
  }

  /** Broker state now: the latest of its scheduled state changes and its reboots. */
  brokerState(broker: ScenarioBroker): string {
    let state = broker.describe.BrokerState;
    let at = -1;
    for (const change of broker.stateChanges ?? []) {
      if (change.at <= this.minute && change.at >= at) {
        state = change.BrokerState;
        at = change.at;
      }
    }
    for (const r of this.reboots.get(broker.describe.BrokerId) ?? []) {
      if (r <= this.minute && r >= at) {
        state = "REBOOT_IN_PROGRESS";
        at = r;
      }
      const done = r + this.scenario.rebootMinutes;
      if (done <= this.minute && done >= at) {
        state = "RUNNING";
        at = done;
      }
    }
    return state;
  }

  /** Reboot minutes of a broker so far. */
  rebootsOf(brokerId: string): readonly number[] {
    return this.reboots.get(brokerId) ?? [];
  }

  private exists(broker: ScenarioBroker): boolean {
    return broker.deletedAt === undefined || this.minute < broker.deletedAt;
  }

  private findBroker(id: unknown): ScenarioBroker {
    const broker = this.scenario.brokers.find((b) => b.describe.BrokerId === id || b.describe.BrokerName === id);
    if (!broker || !this.exists(broker)) throw new SimulatedServiceError("NotFoundException", `broker ${String(id)} not found`);
    return broker;
  }

  private listBrokers(input: Record<string, unknown>): Record<string, unknown> {
    const all = this.scenario.brokers.filter((b) => this.exists(b));
    const size = Math.min(100, Math.max(1, Number(input.MaxResults ?? 20)));
    const offset = this.readToken("ListBrokers", input.NextToken, "BadRequestException");
    const page = all.slice(offset, offset + size).map((b) => ({
      BrokerArn: b.describe.BrokerArn,
      BrokerId: b.describe.BrokerId,
      BrokerName: b.describe.BrokerName,
      BrokerState: this.brokerState(b),
      Created: toDate(b.describe.Created),
      DeploymentMode: b.describe.DeploymentMode,
      EngineType: engineTypeOnTheWire(b.describe.EngineType),
      HostInstanceType: b.describe.HostInstanceType,
    }));
    return { BrokerSummaries: page, ...(offset + size < all.length ? { NextToken: this.issueToken("ListBrokers", offset + size) } : {}) };
  }

  private describeBroker(input: Record<string, unknown>): Record<string, unknown> {
    const broker = this.findBroker(input.BrokerId);
    return {
      ...structuredClone(broker.describe),
      BrokerState: this.brokerState(broker),
      Created: toDate(broker.describe.Created),
      EngineType: engineTypeOnTheWire(broker.describe.EngineType),
    };
  }

  private describeConfigurationRevision(input: Record<string, unknown>): Record<string, unknown> {
    const broker = this.scenario.brokers.find((b) => {
      const current = (b.describe.Configurations as { Current?: { Id?: string } } | undefined)?.Current;
      return current?.Id === input.ConfigurationId;
    });
    if (!broker || broker.configurationXml === undefined) {
      throw new SimulatedServiceError("NotFoundException", `configuration ${String(input.ConfigurationId)} not found`);
    }
    return {
      ConfigurationId: input.ConfigurationId,
      Created: new Date(this.scenario.startMs),
      Data: Buffer.from(broker.configurationXml, "utf8").toString("base64"),
      Description: "simulated revision",
    };
  }

  private rebootBroker(input: Record<string, unknown>): Record<string, unknown> {
    const broker = this.findBroker(input.BrokerId);
    if (this.brokerState(broker) !== "RUNNING") {
      throw new SimulatedServiceError("BadRequestException", `broker ${broker.describe.BrokerName} is not RUNNING`);
    }
    const list = this.reboots.get(broker.describe.BrokerId) ?? [];
    list.push(this.minute);
    this.reboots.set(broker.describe.BrokerId, list);
    this.records.push({ minute: this.minute, operation: "mq:RebootBroker", input });
    return {};
  }

  private describeSecurityGroups(input: Record<string, unknown>): Record<string, unknown> {
    const wanted = new Set((input.GroupIds as string[] | undefined) ?? []);
    const groups = this.scenario.brokers.flatMap((b) => b.securityGroups ?? []);
    const unique = new Map(groups.map((g) => [String(g.GroupId), g]));
    const out = [...unique.values()].filter((g) => wanted.size === 0 || wanted.has(String(g.GroupId)));
    for (const id of wanted) {
      if (!unique.has(id)) throw new SimulatedServiceError("InvalidGroup.NotFound", `security group ${id} does not exist`);
    }
    return { SecurityGroups: structuredClone(out) };
  }

  /** The last datapoint index visible now (datapoint i is visible from minute i + 1 + delay). */
  private lastVisibleIndex(): number {
    return this.minute - 1 - this.scenario.publishDelayMinutes;
  }

  /** The value of a series' datapoint i as of now, following reboots (`afterReboot`). */
  private valueAt(s: IndexedSeries, i: number): number | null {
    if (i < 0 || i > this.lastVisibleIndex()) return null;
    if (s.spec.afterReboot && s.brokerId) {
      // The latest reboot at or before minute i decides: its minute is index 0 of `afterReboot`.
      const reboots = this.reboots.get(s.brokerId) ?? [];
      for (let k = reboots.length - 1; k >= 0; k--) {
        const r = reboots[k] as number;
        if (r <= i) return s.spec.afterReboot[i - r] ?? null;
      }
    }
    return s.spec.values[i] ?? null;
  }

  /** Whether a series has a visible datapoint within the last `lookback` minutes (all of them when omitted). */
  private hasVisibleData(s: IndexedSeries, lookback = Number.POSITIVE_INFINITY): boolean {
    const last = this.lastVisibleIndex();
    const first = Math.max(0, last - lookback + 1);
    const rebooted = s.brokerId !== null && s.spec.afterReboot !== undefined && (this.reboots.get(s.brokerId)?.length ?? 0) > 0;
    if (!rebooted) {
      if (s.firstKnown < 0 || s.firstKnown > last) return false;
      if (first <= s.firstKnown) return true;
    }
    for (let i = last; i >= first; i--) if (this.valueAt(s, i) != null) return true;
    return false;
  }

  private listMetrics(input: Record<string, unknown>): Record<string, unknown> {
    const namespace = input.Namespace as string | undefined;
    const name = input.MetricName as string | undefined;
    const filters = (input.Dimensions as { Name: string; Value?: string }[] | undefined) ?? [];
    const lookback = recentlyActiveMinutes(input.RecentlyActive);
    const matching = this.series.filter(
      (s) =>
        (!namespace || s.spec.namespace === namespace) &&
        (!name || s.spec.metric === name) &&
        filters.every(
          (f) => Object.hasOwn(s.spec.dimensions, f.Name) && (f.Value === undefined || s.spec.dimensions[f.Name] === f.Value),
        ) &&
        this.hasVisibleData(s, lookback),
    );
    const offset = this.listMetricsOffset(input.NextToken);
    const page = matching.slice(offset, offset + LIST_METRICS_PAGE).map((s) => ({
      Namespace: s.spec.namespace,
      MetricName: s.spec.metric,
      Dimensions: Object.entries(s.spec.dimensions).map(([Name, Value]) => ({ Name, Value })),
    }));
    return { Metrics: page, ...this.listMetricsNextToken(offset, matching.length) };
  }

  /** Where a ListMetrics page starts (a NextToken of this account, or 0). */
  protected listMetricsOffset(token: unknown): number {
    return this.readToken("ListMetrics", token, "InvalidNextToken");
  }

  /** The NextToken of a ListMetrics page that starts at `offset` of `total` metrics, if more follow. */
  protected listMetricsNextToken(offset: number, total: number): { NextToken?: string } {
    return offset + LIST_METRICS_PAGE < total ? { NextToken: this.issueToken("ListMetrics", offset + LIST_METRICS_PAGE) } : {};
  }

  private getMetricData(input: Record<string, unknown>): Record<string, unknown> {
    return this.answerMetricData(input, (metric, startMs, endMs, period, stat) => {
      const series = this.seriesByIdentity.get(identity(metric.namespace, metric.name, dimensionKey(metric.dimensions)));
      const points = series ? this.aggregate(series, startMs, endMs, period, stat) : [];
      return { timestamps: points.map((p) => new Date(p.t)), values: points.map((p) => p.v) };
    });
  }

  /**
   * GetMetricData with this account's `status:` faults and NextTokens: a first call answers from
   * `read` (see `answerGetMetricData`); a PartialData answer keeps the rest of each query's datapoints
   * for the call that brings its NextToken back. Every answered call bills the metrics it asks for.
   */
  protected answerMetricData(input: Record<string, unknown>, read: MetricReader): Record<string, unknown> {
    const ids = metricDataIds(input);
    if (input.NextToken !== undefined && input.NextToken !== null && input.NextToken !== "") {
      const token = String(input.NextToken);
      const pending = this.pendingMetricData.get(token);
      // CloudWatch takes a NextToken only with the same queries it was issued for.
      if (!pending || pending.ids !== ids)
        throw new SimulatedServiceError("InvalidNextToken", `the NextToken ${token.slice(0, 40)} is not valid`);
      this.pendingMetricData.delete(token);
      this.metricsRequested += countMetricQueries(input);
      return { MetricDataResults: pending.results, Messages: [] };
    }
    const answer = answerGetMetricData(input, read, this.metricDataFault());
    this.metricsRequested += answer.metricsRequested;
    if (!answer.rest) return answer.response;
    // The token only names the kept rest (unique per issue); the rest itself stays here.
    const token = this.issueToken("GetMetricData", 0);
    this.pendingMetricData.set(token, { ids, results: answer.rest });
    return { ...answer.response, NextToken: token };
  }

  /**
   * Periods of `period` seconds on the scenario's minute grid, from the first datapoint at or after
   * StartTime; each aggregates the visible per-minute values inside [StartTime, EndTime).
   */
  private aggregate(s: IndexedSeries, startMs: number, endMs: number, period: number, stat: string): { t: number; v: number }[] {
    const out: { t: number; v: number }[] = [];
    const perPeriod = Math.max(1, Math.round(Math.max(60, period) / 60));
    const firstIndex = Math.ceil((startMs - this.scenario.startMs) / MINUTE_MS);
    const endIndex = Math.ceil((endMs - this.scenario.startMs) / MINUTE_MS); // exclusive
    for (const { minute, value } of aggregatePeriods(firstIndex, endIndex, perPeriod, stat, (i) => this.valueAt(s, i))) {
      out.push({ t: this.scenario.startMs + minute * MINUTE_MS, v: value });
    }
    return out;
  }

  private brokerIdForNode(node: string | undefined): string | null {
    if (!node) return null;
    const broker = this.scenario.brokers.find((b) => {
      const name = b.describe.BrokerName;
      return node === name || node === `${name}-1` || node === `${name}-2`;
    });
    return broker ? broker.describe.BrokerId : null;
  }
}

/** `RecentlyActive: "PT3H"` (the only value CloudWatch accepts) as minutes; unlimited when absent. */
function recentlyActiveMinutes(value: unknown): number {
  return value === "PT3H" ? 180 : Number.POSITIVE_INFINITY;
}

/** A metric a GetMetricData query names. */
export interface QueriedMetric {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

/** A metric's datapoints, oldest first, for one period and statistic. */
export type MetricReader = (
  metric: QueriedMetric,
  startMs: number,
  endMs: number,
  period: number,
  stat: string,
) => { timestamps: Date[]; values: number[] };

/**
 * GetMetricData as CloudWatch answers it, with its limits (500 queries, 100,800 datapoints, EndTime
 * after StartTime) and order (ScanBy). `read` gives a metric's datapoints, oldest first, for one
 * period and statistic; math expressions are not simulated. With a `fault`, every metric query of
 * the call gets that StatusCode: InternalError without datapoints; PartialData with the older half of
 * its datapoints, and `rest` holds the newer half (StatusCode Complete) for the call that follows
 * the NextToken. Shared by every simulated account, so they all answer alike.
 */
export function answerGetMetricData(
  input: Record<string, unknown>,
  read: MetricReader,
  fault: MetricDataFault | null = null,
): { response: Record<string, unknown>; metricsRequested: number; rest: MetricDataResult[] | null } {
  const queries = (input.MetricDataQueries as Record<string, unknown>[] | undefined) ?? [];
  if (queries.length === 0 || queries.length > MAX_QUERIES) {
    throw new SimulatedServiceError("ValidationError", `MetricDataQueries must hold 1 to ${MAX_QUERIES} queries, got ${queries.length}`);
  }
  const startMs = toDate(input.StartTime).getTime();
  const endMs = toDate(input.EndTime).getTime();
  if (!(endMs > startMs)) throw new SimulatedServiceError("ValidationError", "EndTime must be after StartTime");
  let datapoints = 0;
  for (const q of queries) {
    const period = Number((q.MetricStat as { Period?: number } | undefined)?.Period ?? 60);
    datapoints += Math.ceil((endMs - startMs) / (period * 1000));
  }
  if (datapoints > MAX_DATAPOINTS) {
    throw new SimulatedServiceError("ValidationError", `the request asks for ${datapoints} datapoints; the limit is ${MAX_DATAPOINTS}`);
  }
  const ascending = input.ScanBy === "TimestampAscending";
  let metricsRequested = 0;
  const rest: MetricDataResult[] = [];
  const results = queries.map((q): MetricDataResult => {
    const stat = q.MetricStat as
      | {
          Metric: { Namespace?: string; MetricName?: string; Dimensions?: { Name: string; Value: string }[] };
          Period: number;
          Stat: string;
        }
      | undefined;
    if (!stat)
      return {
        Id: q.Id,
        Label: q.Id,
        Timestamps: [],
        Values: [],
        StatusCode: "Complete",
        Messages: [{ Code: "Unsupported", Value: "expressions are not simulated" }],
      };
    metricsRequested++;
    const metric: QueriedMetric = {
      namespace: stat.Metric.Namespace ?? "",
      name: stat.Metric.MetricName ?? "",
      dimensions: Object.fromEntries((stat.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value])),
    };
    const points = read(metric, startMs, endMs, stat.Period, stat.Stat);
    const label = stat.Metric.MetricName;
    if (fault === "InternalError") {
      return { Id: q.Id, Label: label, Timestamps: [], Values: [], StatusCode: "InternalError", Messages: [INTERNAL_ERROR_MESSAGE] };
    }
    if (fault === "PartialData") {
      const older = Math.floor(points.timestamps.length / 2);
      const newer = inOrder(points.timestamps.slice(older), points.values.slice(older), ascending);
      rest.push({ Id: q.Id, Label: label, Timestamps: newer.timestamps, Values: newer.values, StatusCode: "Complete" });
      const first = inOrder(points.timestamps.slice(0, older), points.values.slice(0, older), ascending);
      return { Id: q.Id, Label: label, Timestamps: first.timestamps, Values: first.values, StatusCode: "PartialData" };
    }
    const all = inOrder(points.timestamps, points.values, ascending);
    return { Id: q.Id, Label: label, Timestamps: all.timestamps, Values: all.values, StatusCode: "Complete" };
  });
  return { response: { MetricDataResults: results, Messages: [] }, metricsRequested, rest: fault === "PartialData" ? rest : null };
}

/** The Message of a result CloudWatch could not read. */
const INTERNAL_ERROR_MESSAGE = { Code: "InternalError", Value: "simulated internal error: the datapoints of this query were not read" };

/** Datapoints (given oldest first) in the order ScanBy asks for. */
function inOrder(timestamps: Date[], values: number[], ascending: boolean): { timestamps: Date[]; values: number[] } {
  if (!ascending) {
    timestamps.reverse();
    values.reverse();
  }
  return { timestamps, values };
}

/** The query Ids of a GetMetricData call, as one string (a NextToken belongs to one set of queries). */
function metricDataIds(input: Record<string, unknown>): string {
  return ((input.MetricDataQueries as { Id?: unknown }[] | undefined) ?? []).map((q) => String(q.Id)).join("\u0000");
}

/** The metric (not expression) queries of a GetMetricData call: what CloudWatch bills. */
function countMetricQueries(input: Record<string, unknown>): number {
  return ((input.MetricDataQueries as { MetricStat?: unknown }[] | undefined) ?? []).filter((q) => q.MetricStat !== undefined).length;
}

/** EngineType as Amazon MQ answers it ("ActiveMQ", "RabbitMQ"); scenario files use the schema's upper-case enum. */
export function engineTypeOnTheWire(engineType: string): string {
  const upper = engineType.toUpperCase();
  return upper === "ACTIVEMQ" ? "ActiveMQ" : upper === "RABBITMQ" ? "RabbitMQ" : engineType;
}

/**
 * Periods of `perPeriod` minutes from minute `firstIndex` up to `endIndex` (exclusive): each period's first
 * minute and `stat` over its known values; a period without a known value is left out, as CloudWatch does.
 */
export function aggregatePeriods(
  firstIndex: number,
  endIndex: number,
  perPeriod: number,
  stat: string,
  valueAt: (minute: number) => number | null,
): { minute: number; value: number }[] {
  const out: { minute: number; value: number }[] = [];
  for (let i0 = firstIndex; i0 < endIndex; i0 += perPeriod) {
    const values: number[] = [];
    for (let i = i0; i < Math.min(i0 + perPeriod, endIndex); i++) {
      const v = valueAt(i);
      if (v != null) values.push(v);
    }
    if (values.length > 0) out.push({ minute: i0, value: aggregateValues(values, stat) });
  }
  return out;
}

/** One statistic over the per-minute values of a period, as CloudWatch computes it. */
export function aggregateValues(values: number[], stat: string): number {
  switch (stat) {
    case "Sum":
      return values.reduce((a, b) => a + b, 0);
    case "Minimum":
      return Math.min(...values);
    case "Maximum":
      return Math.max(...values);
    case "SampleCount":
      return values.length;
    default:
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

function identity(namespace: string, metric: string, dimensions: string): string {
  return `${namespace}\u0001${metric}\u0001${dimensions}`;
}

function dimensionKey(dimensions: Record<string, string>): string {
  return Object.keys(dimensions)
    .sort()
    .map((k) => `${k}=${dimensions[k]}`)
    .join("\u0000");
}

function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === "string" || typeof value === "number") return new Date(value);
  return new Date(0);
}
