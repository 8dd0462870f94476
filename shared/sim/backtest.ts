import { MemoryIncidentStore } from "../adapters/memory-incident-store";
import { MemorySilenceStore } from "../adapters/memory-silence-store";
import { metricKey, type RecordedHistory, RecordedMetricSource } from "../adapters/recorded-metric-source";
import { RecordingNotifier } from "../adapters/recording-notifier";
import { deliverNotifications } from "../app/deliver-notifications";
import { createFetchSchedule, runMetricsCycle } from "../app/run-metrics-cycle";
import { type Config, parseConfig } from "../core/config";
import { USD_PER_METRIC } from "../core/cost-model";
import { IncidentTraces } from "../core/incident-traces";
import type { Incident } from "../core/incidents";
import { type MetricSpec, metricsFor, NAMESPACE, nodeMetricsFor } from "../core/metric-catalog";
import { episodeOf, type QuietSetting, quietSettings } from "../core/quiet-settings";
import { decideRemediation, optedIn, type RemediationOutcome } from "../core/remediation-policy";
import type { TimedMessage, TimedReboot, TimedTransition } from "../core/render/report-model";
import { type Broker, type EngineType, isIgnored, MINUTE_MS, type MinuteWindow, maxSeverity, type Severity } from "../core/types";
import { describeError } from "../errors";
import type { BrokerInventory, Clock, ListedMetric, Log, MetricHistory, MetricRequest, RemediationRequest } from "../ports";

/**
 * Backtest: the account's own history (CloudWatch keeps 1-minute data for 15 days) replayed through
 * the real metrics cycle, delivery policy and remediation policy, on a clock that walks through it.
 * Like the replay, it wires the use cases to in-memory stores on a virtual clock; unlike it, the
 * metrics are the account's, read once, and nothing is sent or rebooted.
 */

/** What a backtest needs: the account's brokers and metric history, the wall clock, and the settings to judge with. */
export interface BacktestDeps {
  inventory: BrokerInventory;
  history: MetricHistory;
  /** The history ends at this clock's minute. */
  clock: Clock;
  log: Log;
  config: Config;
}

export interface BacktestInput {
  /** Days of history, at most {@link MAX_BACKTEST_DAYS} (CloudWatch keeps 1-minute data for 15 days). */
  days: number;
  /** Broker names to backtest (empty: every watched broker). */
  brokers?: readonly string[];
  /** Queue names to backtest (empty: every queue); broker-level signals are always read. */
  queues?: readonly string[];
  /** Minutes CloudWatch takes to publish a datapoint, replayed as the poller would have met it. */
  publishDelayMinutes?: number;
  /** Values held in memory at once; brokers are backtested in groups that fit. */
  maxValuesInMemory?: number;
  accountId?: string;
  region?: string;
}

/** CloudWatch keeps 1-minute datapoints for 15 days. */
export const MAX_BACKTEST_DAYS = 15;
/** Inventory rounds at most while brokers wait for their first description (150 a round: 7,500 brokers). */
const MAX_DESCRIBE_ROUNDS = 50;
/** GetMetricData quotas: queries and datapoints per call. */
const MAX_QUERIES_PER_CALL = 500;
const MAX_DATAPOINTS_PER_CALL = 100_800;
const DAY_MINUTES = 1_440;
/** About 400 MB of Float64 values: a group of brokers' history held at once. */
const DEFAULT_MAX_VALUES = 50_000_000;
/** An incident that opened this often in the backtest is noisy: the report says what would have kept it quiet. */
export const NOISY_OPENINGS = 3;

/**
 * Noisy: opened {@link NOISY_OPENINGS} times or more (re-openings count), or flapping at some point (then
 * flap detection held it open, and the openings alone would understate how often the threshold was crossed).
 */
function isNoisy(lists: readonly (readonly Incident[])[]): boolean {
  return lists.length >= NOISY_OPENINGS || lists.some((list) => list.some((i) => i.noise?.flapping === true));
}

/** One group of brokers whose history is read and judged together. */
export interface BacktestGroup {
  brokers: Broker[];
  requests: MetricRequest[];
  listed: ListedMetric[];
}

/** What a backtest will read and what that costs, known before anything is billed. */
export interface BacktestPlan {
  window: MinuteWindow;
  brokers: Broker[];
  /** Names asked for with `brokers` that the account does not have (or that are ignored). */
  notFound: string[];
  /** Brokers listed but not described, with why (not backtested). */
  skipped: string[];
  queues: number;
  groups: BacktestGroup[];
  /** Metrics requested (each billed once: the whole window is one request per metric). */
  metrics: number;
  getMetricDataCalls: number;
  usd: number;
}

/** The per-metric statistics a metrics cycle reads, by the level of a series (its dimension names). */
function specsFor(engine: EngineType, broker: Broker, dimensions: readonly string[]): readonly MetricSpec[] {
  const catalog = metricsFor(engine);
  const names = [...dimensions].sort().join(",");
  if (names === "Broker") return [...catalog.broker, ...catalog.limits];
  if (names === [...catalog.queueDimensions].sort().join(",")) return [...catalog.queueSweep, ...catalog.queueDetail];
  if (names === "Broker,Node") {
    const node = nodeMetricsFor(broker);
    return [...node.signals, ...node.limits];
  }
  return [];
}

/**
 * Plans a backtest (nothing billed yet):
 * 1. list the brokers (watched ones, or those named) and every Amazon MQ series of the last two weeks
 * 2. keep the series a metrics cycle reads (the catalog's, with its statistics), of the queues named
 * 3. group brokers so a group's history fits in memory, and count metrics, calls and cost
 */
export async function planBacktest(deps: BacktestDeps, input: BacktestInput): Promise<BacktestPlan> {
  const days = Math.min(MAX_BACKTEST_DAYS, Math.max(1 / DAY_MINUTES, input.days));
  const minutes = Math.round(days * DAY_MINUTES);
  const end = Math.floor(deps.clock.now() / MINUTE_MS) * MINUTE_MS;
  const window = { startMs: end - minutes * MINUTE_MS, minutes };

  // 1. brokers and series
  // A large account is described a batch at a time (paced under the Amazon MQ quota): ask until all are.
  let snapshot = await deps.inventory.listBrokers();
  for (let round = 0; round < MAX_DESCRIBE_ROUNDS && snapshot.skipped.some((s) => s.pending); round++) {
    snapshot = await deps.inventory.listBrokers();
  }
  const wanted = new Set(input.brokers ?? []);
  const watched = snapshot.brokers.filter((b) => !isIgnored(b));
  const brokers = wanted.size ? watched.filter((b) => wanted.has(b.name)) : watched;
  const notFound = [...wanted].filter((name) => !brokers.some((b) => b.name === name));
  const listed = await deps.history.listMetrics();

  // 2. the series a cycle reads
  const queues = new Set(input.queues ?? []);
  const brokerOfNode = new Map<string, Broker>();
  for (const b of brokers) for (const n of b.nodes) brokerOfNode.set(n, b);
  const perBroker = new Map<Broker, { requests: MetricRequest[]; listed: ListedMetric[] }>(
    brokers.map((b) => [b, { requests: [], listed: [] }]),
  );
  const queueNames = new Set<string>();
  for (const m of listed) {
    const broker = m.namespace === NAMESPACE ? brokerOfNode.get(m.dimensions.Broker ?? "") : undefined;
    if (!broker) continue;
    const queue = m.dimensions.Queue;
    if (queue !== undefined && queues.size > 0 && !queues.has(queue)) continue;
    const specs = specsFor(broker.engine, broker, Object.keys(m.dimensions)).filter((s) => s.name === m.metric);
    if (specs.length === 0) continue;
    const own = perBroker.get(broker) as { requests: MetricRequest[]; listed: ListedMetric[] };
    own.listed.push(m);
    if (queue !== undefined) queueNames.add(`${broker.name}\u0000${m.dimensions.VirtualHost ?? ""}\u0000${queue}`);
    for (const spec of specs) {
      const request = { namespace: m.namespace, metric: m.metric, dimensions: m.dimensions, stat: spec.stat };
      own.requests.push({ ...request, key: metricKey(request) });
    }
  }

  // 3. groups and cost
  const budget = input.maxValuesInMemory ?? DEFAULT_MAX_VALUES;
  const groups: BacktestGroup[] = [];
  let current: BacktestGroup = { brokers: [], requests: [], listed: [] };
  for (const [broker, own] of perBroker) {
    if (current.brokers.length > 0 && (current.requests.length + own.requests.length) * minutes > budget) {
      groups.push(current);
      current = { brokers: [], requests: [], listed: [] };
    }
    current.brokers.push(broker);
    current.requests.push(...own.requests);
    current.listed.push(...own.listed);
  }
  if (current.brokers.length > 0) groups.push(current);
  const perCall = Math.max(1, Math.min(MAX_QUERIES_PER_CALL, Math.floor(MAX_DATAPOINTS_PER_CALL / minutes)));
  const metrics = groups.reduce((n, g) => n + g.requests.length, 0);
  const getMetricDataCalls = groups.reduce((n, g) => n + Math.ceil(g.requests.length / perCall), 0);
  const skipped = snapshot.skipped.map((s) => `${s.brokerName}: ${s.reason}`);
  return {
    window,
    brokers,
    notFound,
    skipped,
    queues: queueNames.size,
    groups,
    metrics,
    getMetricDataCalls,
    usd: metrics * USD_PER_METRIC,
  };
}

/** A reboot decision the remediation policy would have taken (nothing is rebooted in a backtest). */
export interface BacktestReboot extends TimedReboot {
  broker: string;
  outcome: RemediationOutcome;
}

/** What one incident fingerprint did over the backtest. */
export interface BacktestFinding {
  fingerprint: string;
  kind: Incident["kind"];
  broker: string;
  resource: string | null;
  /** Incidents opened (the same fingerprint reopens after a resolution). */
  incidents: number;
  peakSeverity: Severity;
  openMinutes: number;
  messages: number;
  /** Set when the fingerprint was noisy ({@link NOISY_OPENINGS} or more openings): what would have kept it quiet. */
  quiet: QuietSetting[] | null;
}

export interface BacktestBrokerSummary {
  broker: string;
  incidents: number;
  messages: number;
  messagesPerDay: number;
  rebootsAllowed: number;
  rebootsBlocked: number;
  /** Why reboots were blocked, with how often. */
  blockedBecause: Record<string, number>;
}

export interface BacktestResult {
  window: MinuteWindow;
  days: number;
  /** Minutes (from the window's start) run through the cycle. */
  cycles: number;
  timeline: TimedTransition[];
  messages: TimedMessage[];
  reboots: BacktestReboot[];
  traces: IncidentTraces;
  findings: BacktestFinding[];
  brokers: BacktestBrokerSummary[];
  getMetricDataCalls: number;
  metricsRequested: number;
  /** Handled problems, each with how many minutes it happened. */
  errors: { line: string; count: number }[];
}

/** Quiet log for the thousands of cycles a backtest runs: their errors come back in the cycle reports. */
const QUIET: Log = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Runs a planned backtest, group after group:
 * 1. read the group's history once (GetMetricData over the whole window)
 * 2. walk a clock through it minute by minute: a metrics cycle on the recorded history (the real
 *    fetch schedule, detectors and incident rules), then the delivery policy to a notifier that sends
 *    nothing, then the remediation policy for each reboot request (nothing is rebooted)
 * 3. for each noisy fingerprint, run the broker's history again with each candidate setting, and keep
 *    those that would have kept it quiet
 * 4. summarise per fingerprint and broker
 */
export async function runBacktest(
  deps: BacktestDeps,
  plan: BacktestPlan,
  options: { publishDelayMinutes?: number; accountId?: string; region?: string; progress?: (line: string) => void } = {},
): Promise<BacktestResult> {
  const delay = options.publishDelayMinutes ?? 1;
  const { window } = plan;
  const traces = new IncidentTraces(delay);
  const timeline: TimedTransition[] = [];
  const messages: TimedMessage[] = [];
  const reboots: BacktestReboot[] = [];
  const states = new Map<string, Incident[]>();
  const errors = new Map<string, number>();
  const note = (line: string) => errors.set(line, (errors.get(line) ?? 0) + 1);
  let cycles = 0;
  const quiet = new Map<string, QuietSetting[]>();
  let getMetricDataCalls = 0;
  let metricsRequested = 0;

  for (const [index, group] of plan.groups.entries()) {
    // 1. the group's history
    const read = await deps.history.fetch(group.requests, window);
    getMetricDataCalls += read.calls;
    metricsRequested += read.metricsRequested;
    for (const e of read.errors) note(`history: ${e}`);
    const values = new Map<string, Float64Array>();
    let firstData = window.minutes;
    for (const r of group.requests) {
      const series = read.series.get(r.key);
      if (!series) continue;
      const array = new Float64Array(window.minutes).fill(Number.NaN);
      series.forEach((v, i) => {
        if (v == null) return;
        array[i] = v;
        if (i < firstData) firstData = i;
      });
      values.set(r.key, array);
    }
    read.series.clear();
    const history: RecordedHistory = { startMs: window.startMs, minutes: window.minutes, values, listed: group.listed };
    options.progress?.(
      `group ${index + 1}/${plan.groups.length}: ${group.brokers.length} brokers, ${group.requests.length} metrics read in ${read.calls} calls`,
    );

    // 2. minute by minute
    const run = await judgeHistory(deps, history, group.brokers, deps.config, { delay, firstData, traces, ...options });
    cycles += run.cycles;
    timeline.push(...run.timeline);
    messages.push(...run.messages);
    reboots.push(...run.reboots);
    for (const [id, list] of run.states) states.set(id, list);
    for (const [line, n] of run.errors) errors.set(line, (errors.get(line) ?? 0) + n);

    // 3. noisy fingerprints: each candidate setting is run again on the broker's history, and kept only if quiet
    for (const [fingerprint, lists] of byFingerprintOf(run.states)) {
      if (!isNoisy(lists)) continue;
      const first = lists[0]?.[0] as Incident;
      const broker = group.brokers.find((b) => b.name === first.broker);
      if (!broker) continue;
      const episodes = lists.map(episodeOf).filter((e): e is NonNullable<typeof e> => e !== null);
      const own = { ...history, listed: history.listed.filter((m) => broker.nodes.includes(m.dimensions.Broker ?? "")) };
      const verified: QuietSetting[] = [];
      for (const candidate of quietSettings(episodes, deps.config.detection)) {
        const found = await verifyQuiet(deps, own, broker, fingerprint, candidate, delay, firstData);
        if (found) verified.push(found);
      }
      quiet.set(fingerprint, verified);
      options.progress?.(`${fingerprint}: noisy (${lists.length} openings), ${verified.length} setting(s) verified to keep it quiet`);
    }
  }

  // 4. summaries
  const days = window.minutes / DAY_MINUTES;
  const endMinute = window.minutes + delay;
  const byFingerprint = byFingerprintOf(states);
  const messagesOf = (ids: ReadonlySet<string>) => messages.filter((m) => m.incidentIds.some((id) => ids.has(id))).length;
  const findings: BacktestFinding[] = [...byFingerprint].map(([fingerprint, lists]) => {
    const first = lists[0]?.[0] as Incident;
    const openMinutes = lists.reduce((n, list) => {
      const opened = timeline.find((e) => e.transition.incident.id === list[0]?.id)?.minute ?? 0;
      const resolved =
        timeline.find((e) => e.transition.incident.id === list[0]?.id && e.transition.type === "resolved")?.minute ?? endMinute;
      return n + (resolved - opened);
    }, 0);
    return {
      fingerprint,
      kind: first.kind,
      broker: first.broker,
      resource: first.resource,
      incidents: lists.length,
      peakSeverity: lists.flat().reduce<Severity>((s, i) => maxSeverity(s, i.severity), "info"),
      openMinutes,
      messages: messagesOf(new Set(lists.map((l) => (l[0] as Incident).id))),
      quiet: isNoisy(lists) ? (quiet.get(fingerprint) ?? []) : null,
    };
  });
  findings.sort((a, b) => a.broker.localeCompare(b.broker) || b.incidents - a.incidents || a.fingerprint.localeCompare(b.fingerprint));
  const brokers: BacktestBrokerSummary[] = plan.brokers.map((b) => {
    const own = reboots.filter((r) => r.broker === b.name);
    const blockedBecause: Record<string, number> = {};
    for (const r of own) if (r.outcome === "blocked") blockedBecause[r.reason] = (blockedBecause[r.reason] ?? 0) + 1;
    const sentFor = messages.filter((m) =>
      timeline.some((e) => e.transition.incident.broker === b.name && m.incidentIds.includes(e.transition.incident.id)),
    ).length;
    return {
      broker: b.name,
      incidents: findings.filter((f) => f.broker === b.name).reduce((n, f) => n + f.incidents, 0),
      messages: sentFor,
      messagesPerDay: Math.round((sentFor / days) * 10) / 10,
      rebootsAllowed: own.filter((r) => r.outcome === "executed" || r.outcome === "dry-run" || r.outcome === "awaiting-approval").length,
      rebootsBlocked: own.filter((r) => r.outcome === "blocked").length,
      blockedBecause,
    };
  });
  return {
    window,
    days,
    cycles,
    timeline,
    messages,
    reboots,
    traces,
    findings,
    brokers,
    getMetricDataCalls,
    metricsRequested,
    errors: [...errors].map(([line, count]) => ({ line, count })),
  };
}

/** What judging one group's history minute by minute gave. */
interface HistoryRun {
  cycles: number;
  timeline: TimedTransition[];
  messages: TimedMessage[];
  reboots: BacktestReboot[];
  states: Map<string, Incident[]>;
  errors: Map<string, number>;
}

/**
 * Walks a clock through recorded history: each minute a metrics cycle (the real fetch schedule,
 * detectors and incident rules), the delivery policy to a notifier that sends nothing, and the
 * remediation policy for each reboot request, as if each allowed reboot had happened.
 */
async function judgeHistory(
  deps: BacktestDeps,
  history: RecordedHistory,
  brokers0: readonly Broker[],
  config: Config,
  options: { delay: number; firstData: number; traces?: IncidentTraces; accountId?: string; region?: string },
): Promise<HistoryRun> {
  const { delay, firstData, traces } = options;
  const window = { startMs: history.startMs, minutes: history.minutes };
  const timeline: TimedTransition[] = [];
  const messages: TimedMessage[] = [];
  const reboots: BacktestReboot[] = [];
  const states = new Map<string, Incident[]>();
  const openings = new Map<string, number>();
  const episodeKey = (id: string, opening: number) => (opening === 0 ? id : `${id}#${opening}`);
  const errors = new Map<string, number>();
  const note = (line: string) => errors.set(line, (errors.get(line) ?? 0) + 1);
  let cycles = 0;
  let now = window.startMs;
  const clock: Clock = { now: () => now, sleep: async () => {} };
  const source = new RecordedMetricSource(history, clock, delay);
  const incidents = new MemoryIncidentStore();
  const notifier = new RecordingNotifier();
  const schedule = createFetchSchedule(config);
  // The history has no broker states: every broker is judged as running throughout.
  const brokers = brokers0.map((b) => ({ ...b, state: "RUNNING" as const }));
  const byName = new Map(brokers.map((b) => [b.name, b]));
  const inventory: BrokerInventory = {
    listBrokers: async () => ({ brokers, skipped: [], actionsRequired: new Map(), complete: true }),
    ...(deps.inventory.configurationText ? { configurationText: deps.inventory.configurationText.bind(deps.inventory) } : {}),
  };
  const links = {
    accountId: options.accountId ?? "",
    region: options.region ?? "",
    brokerIds: Object.fromEntries(brokers.map((b) => [b.name, b.id])),
  };
  const requested: RemediationRequest[] = [];
  const lastReboot = new Map<string, number>();
  const rebootTimes: number[] = [];
  const silences = new MemorySilenceStore();
  let sent = 0;
  for (let t = firstData + 1 + delay; t <= window.minutes + delay; t++) {
    now = window.startMs + t * MINUTE_MS;
    cycles++;
    const report = await runMetricsCycle({
      inventory,
      metrics: source,
      incidents,
      notifiers: [notifier],
      clock,
      log: QUIET,
      config: config,
      schedule,
      remediation: { request: async (r) => void requested.push(r as RemediationRequest) },
    });
    for (const e of report.errors) note(e.replace(/\d+/g, "N"));
    traces?.record(t, report.findings);
    for (const transition of report.transitions) {
      timeline.push({ minute: t, transition });
      // One list of states per opening: an incident re-opened after its resolution (incidents.reopenWithinMinutes)
      // keeps its id, and each opening counts towards a noisy threshold.
      const id = transition.incident.id;
      if (transition.type === "opened" && states.has(episodeKey(id, openings.get(id) ?? 0))) openings.set(id, (openings.get(id) ?? 0) + 1);
      const key = episodeKey(id, openings.get(id) ?? 0);
      const list = states.get(key) ?? [];
      list.push(transition.incident);
      states.set(key, list);
    }
    const delivery = await deliverNotifications({
      incidents,
      notifiers: [notifier],
      silences,
      clock,
      log: QUIET,
      config: config,
      links,
    });
    for (const e of delivery.errors) note(e);
    for (const m of notifier.messages.slice(sent))
      messages.push({ minute: t, channel: notifier.name, incidentIds: m.incidentIds, transition: m.transition });
    sent = notifier.messages.length;
    // The remediation policy only: what the guards would have said, as if each allowed reboot had happened.
    for (const request of requested.splice(0)) {
      try {
        const incident = await incidents.get(request.fingerprint);
        if (!incident) continue;
        const broker = byName.get(request.broker) ?? null;
        const decision = decideRemediation({
          incident,
          broker,
          config: config.remediation,
          killSwitch: false,
          lastRebootAt: lastReboot.get(request.brokerId) ?? null,
          rebootsInLastHour: rebootTimes.filter((at) => at > now - 60 * MINUTE_MS).length,
          verificationPending: false,
          heldBecause: null,
          optIn: broker ? { optedIn: optedIn(broker), since: null, source: "inventory" } : "none",
          now,
        });
        if (decision.outcome === "executed" || decision.outcome === "dry-run") {
          lastReboot.set(request.brokerId, now);
          rebootTimes.push(now);
        }
        reboots.push({ minute: t, incidentId: incident.id, broker: request.broker, outcome: decision.outcome, reason: decision.reason });
      } catch (error) {
        note(`remediation policy not consulted: ${describeError(error)}`);
      }
    }
  }
  if (source.missing.size > 0) note(`${source.missing.size} series asked for by the cycles were not in the history read`);

  return { cycles, timeline, messages, reboots, states, errors };
}

/** The incident states of a run by fingerprint: one list per incident (a fingerprint reopens after a resolution). */
function byFingerprintOf(states: ReadonlyMap<string, Incident[]>): Map<string, Incident[][]> {
  const out = new Map<string, Incident[][]>();
  for (const list of states.values()) {
    const first = list[0];
    if (first) out.set(first.fingerprint, [...(out.get(first.fingerprint) ?? []), list]);
  }
  return out;
}

/** Steps a candidate setting takes at most before it is given up. */
const MAX_VERIFY_STEPS = 4;

/**
 * Runs the broker's history again with a candidate setting; returns the setting (raised in steps when
 * needed, while the configuration accepts it) once the fingerprint no longer opens, or null.
 */
async function verifyQuiet(
  deps: BacktestDeps,
  history: RecordedHistory,
  broker: Broker,
  fingerprint: string,
  candidate: QuietSetting,
  delay: number,
  firstData: number,
): Promise<QuietSetting | null> {
  let value = candidate.suggested;
  for (let step = 0; step < MAX_VERIFY_STEPS; step++) {
    const config = withSetting(deps.config, candidate.key, value);
    if (!config) return null;
    const run = await judgeHistory(deps, history, [broker], config, { delay, firstData });
    if (!byFingerprintOf(run.states).has(fingerprint))
      return { ...candidate, suggested: value, why: `${candidate.why}; the history run again with ${value} opens none` };
    const raised = candidate.suggested < candidate.current ? Math.floor(value / 2) : Math.ceil(value * 1.5);
    if (raised === value) return null;
    value = raised;
  }
  return null;
}

/** The configuration with one key (a dotted path) set, or null when the configuration refuses the value. */
function withSetting(config: Config, key: string, value: number): Config | null {
  const raw = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  const path = key.split(".");
  let node = raw;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[path.at(-1) as string] = value;
  try {
    return parseConfig(raw).config;
  } catch {
    // Out of the range the configuration accepts (e.g. a hold longer than the read window): no such setting.
    return null;
  }
}
