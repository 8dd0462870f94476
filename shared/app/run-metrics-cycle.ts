import { mapWithConcurrency } from "../core/concurrency";
import type { Config } from "../core/config";
import { detectBrokerUnhealthy } from "../core/detectors/broker-unhealthy";
import { detectConnectionExhaustion } from "../core/detectors/connection-exhaustion";
import { detectConsumerLag, isDeadLetterQueue, lagSeriesForBroker, lagSeriesForQueue } from "../core/detectors/consumer-lag";
import { detectResourcePressure } from "../core/detectors/resource-pressure";
import { type CycleRead, dataAgeMinutes, FetchSchedule, type PlanInput, type PlannedRead } from "../core/fetch-schedule";
import { closeUnwatched, foldFindings, type Incident, type IncidentChange, type NoiseRules, type Transition } from "../core/incidents";
import { describeLimits, rabbitMqLimits, rabbitMqLimitsConfigurable } from "../core/instance-limits";
import { destinationMetricCap, nodeMetricsFor } from "../core/metric-catalog";
import type { BlastRadius } from "../core/notifications";
import { lagSeriesOfScraped, PrometheusQueueHistory, type ScrapedQueues, scrapedQueueResource } from "../core/prometheus-queue-history";
import { isScrapeOptedIn, type ScrapeTarget, scrapePlanFor } from "../core/prometheus-targets";
import { configuredLimitsOf } from "../core/rabbitmq-configuration";
import { at, lastIndex } from "../core/series";
import {
  type Broker,
  type BrokerObservation,
  DeploymentMode,
  EngineType,
  type Finding,
  fingerprintOf,
  IncidentKind,
  isIgnored,
  METRIC_KINDS,
  MINUTE_MS,
  type MinuteWindow,
  type QueueRef,
  type RabbitMqConfiguredLimits,
  Tags,
} from "../core/types";
import { describeError } from "../errors";
import type {
  BrokerInventory,
  BrokerScraper,
  Clock,
  IncidentStore,
  InventorySnapshot,
  Log,
  MetricSource,
  NodeListing,
  Notifier,
  QueueListing,
  RemediationRequest,
  RemediationRequests,
  ScrapeResult,
} from "../ports";
import { applyIncidentChanges } from "./apply-incident-changes";
import type { OptInTracker } from "./opt-in-tracker";
import { remediationRequestFor, sendRemediationRequests } from "./remediate";

/** What one metrics cycle needs. */
export interface MetricsCycleDeps {
  inventory: BrokerInventory;
  metrics: MetricSource;
  incidents: IncidentStore;
  /** Channels notifications are enqueued for (delivered by deliverNotifications). */
  notifiers: readonly Notifier[];
  clock: Clock;
  log: Log;
  config: Config;
  /** The fetch schedule's memory lives as long as the warm Lambda (or the replay). */
  schedule: FetchSchedule;
  /** Where requests to consider a reboot go. */
  remediation: RemediationRequests;
  /**
   * Records since when each broker carries the reboot opt-in (kept as long as the schedule); absent:
   * nothing is recorded (the read-only `check`).
   */
  optInTracker?: OptInTracker;
  /**
   * The brokers whose incidents this cycle judges, by (qualified) name, when a deployment runs one
   * cycle per region: a broker missing from this region's list is gone only if it belongs here.
   */
  owns?: (brokerName: string) => boolean;
  /**
   * Per-queue data read from opted-in RabbitMQ brokers' own Prometheus endpoints (absent: CloudWatch
   * only). The history keeps the reads as long as the schedule; `secretPrefix` names the brokers'
   * credential secrets (`<prefix><BrokerName>`; null: read without credentials).
   */
  scrapes?: BrokerScrapes;
}

/** Reading brokers' own Prometheus endpoints: the reader, the reads of the last minutes, and where credentials are kept. */
export interface BrokerScrapes {
  scraper: BrokerScraper;
  history: PrometheusQueueHistory;
  secretPrefix: string | null;
}

/** Creates the memory of Prometheus reads a long-lived caller keeps between cycles (as it keeps the schedule). */
export function createScrapeHistory(config: Config): PrometheusQueueHistory {
  return new PrometheusQueueHistory(config.polling.windowMinutes);
}

/** What a cycle did, for logs, `check` and replay. */
export interface CycleReport {
  at: number;
  brokers: number;
  ignored: number;
  findings: Finding[];
  transitions: Transition[];
  metricsRequested: number;
  getMetricDataCalls: number;
  /** Handled problems, one line each (a failed batch, a skipped broker, a failed write). */
  errors: string[];
  /**
   * Things an operator should know that are not errors (a broker past CloudWatch's destination cap, a
   * limit mq-sentinel had to assume); a standing one is given once per broker while the process lives.
   */
  notices: string[];
  /** The connection and channel limits each RabbitMQ broker is judged against, in words (for `check`). */
  limits?: Record<string, string>;
  /** Broker ids by name, for console links. */
  brokerIds: Record<string, string>;
  /** Broker states by id this minute (for reboot verification). */
  brokerStates: Record<string, string>;
}

/** After this long without a queue listing for a broker that publishes, list again sooner than the TTL. */
const EMPTY_LISTING_RETRY_MS = 2 * MINUTE_MS;
/** Queue data this much older than its broker's is stale (the queue stopped publishing): not judged. */
const STALE_QUEUE_MINUTES = 5;
/** Why the incidents of a broker tagged `mq-sentinel:ignore` close (when the CloudTrail path did not name who). */
export const IGNORED_REASON = `no longer watched: tagged ${Tags.ignore}`;
/** States in which a broker publishes metrics worth reading. */
const METRIC_STATES = new Set(["RUNNING", "REBOOT_IN_PROGRESS", "CRITICAL_ACTION_REQUIRED"]);

/** Creates the schedule a long-lived caller (a warm Lambda, one replay) keeps between cycles. */
export function createFetchSchedule(config: Config): FetchSchedule {
  return new FetchSchedule(config.polling);
}

/**
 * One metrics cycle:
 * 1. list brokers (cached descriptions; ignored brokers dropped); record opt-in changes
 * 2. load active incidents (their queues are read every cycle)
 * 3. list queues and cluster nodes (cached), read RabbitMQ 4 configured limits (cached per
 *    revision), and plan the reads
 * 4. fetch broker-level signals, due limits and queues; then drill into brokers whose signals moved;
 *    meanwhile read opted-in RabbitMQ brokers' own Prometheus endpoints (per-queue data)
 * 5. detect: health, connections, resources, consumer lag (from the broker's own endpoint where read)
 * 6. fold findings into incidents; close those of brokers now ignored as no longer watched
 * 7. save them with conditional writes (each with its notification), and request a reboot decision
 *    for incidents a reboot might help
 */
export async function runMetricsCycle(deps: MetricsCycleDeps): Promise<CycleReport> {
  const now = deps.clock.now();
  const report = emptyReport(now);
  const fail = (message: string, fields: Record<string, unknown> = {}) => {
    report.errors.push(message);
    deps.log.error(message, fields);
  };
  const cycle: Cycle = { deps, report, now, fail };
  // 1. brokers
  const fleet = await listBrokers(cycle);
  if (fleet === null) return report;
  // 2. active incidents
  const active = await loadActiveIncidents(cycle);
  if (active === null) return report;
  // 3. queues and plan
  const readable = fleet.monitored.filter((b) => METRIC_STATES.has(b.state));
  const planned = await planReads(cycle, readable, active);
  // 4. fetch, two phases; the brokers' own endpoints are read meanwhile
  const observations = await readObservations(cycle, fleet, readable, planned);
  // 5. detect
  const judgement = detect(cycle, fleet, active, observations, planned);
  report.findings = judgement.findings;
  // 6. fold, closing the incidents of brokers now ignored
  const changes = await foldCycle(cycle, fleet, active, judgement);
  // 7. save (with the notifications), and ask about reboots where one might help
  await saveAndRequestReboots(cycle, fleet, changes, observations);
  deps.log.info("metrics cycle done", {
    brokers: report.brokers,
    findings: judgement.findings.length,
    transitions: report.transitions.length,
    metricsRequested: report.metricsRequested,
    getMetricDataCalls: report.getMetricDataCalls,
    errors: report.errors.length,
  });
  return report;
}

/** The report of a cycle that has done nothing yet. */
function emptyReport(at: number): CycleReport {
  return {
    at,
    brokers: 0,
    ignored: 0,
    findings: [],
    transitions: [],
    metricsRequested: 0,
    getMetricDataCalls: 0,
    errors: [],
    notices: [],
    brokerIds: {},
    brokerStates: {},
  };
}

/** What the steps of one cycle share. */
interface Cycle {
  deps: MetricsCycleDeps;
  report: CycleReport;
  now: number;
  /** Records a handled problem: a report line and an error log. */
  fail: (message: string, fields?: Record<string, unknown>) => void;
}

/** This cycle's brokers: the inventory's snapshot, and those watched (not tagged ignore). */
interface Fleet {
  snapshot: InventorySnapshot;
  monitored: Broker[];
}

/** The reads this cycle plans, over its window, and the limits RabbitMQ 4 brokers' configurations set. */
interface CyclePlan {
  plan: PlanInput;
  window: MinuteWindow;
  configured: Map<string, RabbitMqConfiguredLimits | null>;
}

type Observations = ReturnType<FetchSchedule["observe"]>;

/** What a cycle judged (incident fingerprints) and found. */
interface Judgement {
  judged: Set<string>;
  findings: Finding[];
}

/**
 * Step 1: the brokers, their ids and states for the report, the schedule kept to those watched, and
 * opt-in changes recorded. Null when the inventory cannot be read (the cycle is skipped).
 */
async function listBrokers({ deps, report, now, fail }: Cycle): Promise<Fleet | null> {
  let snapshot: InventorySnapshot;
  try {
    snapshot = await deps.inventory.listBrokers();
  } catch (error) {
    fail(`broker inventory unavailable, cycle skipped: ${describeError(error)}`);
    return null;
  }
  for (const s of snapshot.skipped) if (!s.gone && !s.pending) report.errors.push(`broker ${s.brokerName} skipped this cycle: ${s.reason}`);
  const pending = snapshot.skipped.filter((s) => s.pending).length;
  if (pending > 0) {
    const notice = `${pending} broker${pending === 1 ? "" : "s"} not described yet (descriptions are paced under the Amazon MQ API quota): watched from a later cycle`;
    report.notices.push(notice);
    deps.log.info(notice, { pending });
  }
  for (const b of snapshot.brokers) {
    report.brokerIds[b.name] = b.id;
    report.brokerStates[b.id] = b.state;
  }
  const monitored = snapshot.brokers.filter((b) => !isIgnored(b));
  report.brokers = monitored.length;
  report.ignored = snapshot.brokers.length - monitored.length;
  deps.schedule.retain(monitored);
  if (deps.optInTracker) for (const line of await deps.optInTracker.observe(snapshot.brokers, now)) fail(line);
  return { snapshot, monitored };
}

/** Step 2: the active incidents this cycle judges; null when the store cannot be read. */
async function loadActiveIncidents({ deps, fail }: Cycle): Promise<Incident[] | null> {
  try {
    const owns = deps.owns;
    // A damaged incident costs only itself: the others are still folded and announced.
    const skip = (error: Error) => fail(`unreadable item skipped: ${describeError(error)}`);
    return (await deps.incidents.loadActive(skip)).filter((i) => !owns || owns(i.broker));
  } catch (error) {
    // Without the current incidents nothing can be folded safely; detection still runs next cycle.
    fail(`incident store unavailable, cycle skipped: ${describeError(error)}`);
    return null;
  }
}

/** Step 3: lists queues and cluster nodes (cached), plans the reads, and reads RabbitMQ 4 configured limits. */
async function planReads(cycle: Cycle, readable: Broker[], active: readonly Incident[]): Promise<CyclePlan> {
  const { deps, report, now } = cycle;
  const listings = await listQueues(deps, readable, report);
  const window = deps.schedule.windowAt(now);
  // Brokers whose queues come from their own endpoint (read in the window): their CloudWatch queue metrics are not read.
  const scrapedBefore = new Set(readable.filter((b) => scrapesOf(deps, b)?.history.queuesOn(b.name, window)).map((b) => b.name));
  const queuesOf = (broker: Broker) => (scrapedBefore.has(broker.name) ? [] : queuesForBroker(broker, listings.get(broker.engine)));
  const watch = (queue: QueueRef) => isDeadLetterQueue(queue.name, deps.config.detection.consumerLag);
  const nodeListing = await listNodes(deps, readable, report);
  const nodesOf = (broker: Broker) => nodesForBroker(broker, nodeListing);
  const plan: PlanInput = { brokers: readable, queuesOf, focus: focusQueues(active), watch, nodesOf, now };
  noticeDestinationCaps(cycle, readable, queuesOf);
  const configured = await configuredLimits(deps, readable, report);
  return { plan, window, configured };
}

/** A notice for each broker past CloudWatch's destination cap: the destinations past it are not watched. */
function noticeDestinationCaps({ deps, report }: Cycle, brokers: readonly Broker[], queuesOf: (broker: Broker) => QueueRef[]): void {
  for (const broker of brokers) {
    const cap = destinationMetricCap(broker.engine);
    if (queuesOf(broker).length >= cap) {
      const notice = `broker ${broker.name} has ${cap}+ destinations: CloudWatch publishes metrics for the first ${cap} only, so the rest are not watched`;
      report.notices.push(notice);
      deps.log.warn(notice, { broker: broker.name });
    }
  }
}

/**
 * Step 4: reads broker-level signals, due limits and queues, then drills into the brokers whose signals
 * moved; meanwhile the opted-in RabbitMQ brokers' own Prometheus endpoints are read (and kept).
 */
async function readObservations(
  cycle: Cycle,
  fleet: Fleet,
  readable: readonly Broker[],
  { plan, window }: CyclePlan,
): Promise<Observations> {
  const { deps, report, now } = cycle;
  const scraping = startScrapes(deps, readable, report);
  const primaryReads = deps.schedule.planPrimary(plan);
  const primary = await fetchReads(deps, primaryReads, window, report);
  const followUpReads = deps.schedule.planFollowUp(plan, primary, window);
  const followUp = await fetchReads(deps, followUpReads, window, report);
  const read: CycleRead = {
    reads: [...primaryReads, ...followUpReads],
    series: new Map([...primary.series, ...followUp.series]),
    failed: new Set([...primary.failed, ...followUp.failed]),
  };
  const observations = deps.schedule.observe(plan, read, window);
  recordScrapes(deps, await scraping, fleet.monitored, now, report);
  return observations;
}

/** Step 5: judges every watched broker: health, connections, resources, consumer lag (from its own endpoint where read). */
function detect(cycle: Cycle, fleet: Fleet, active: readonly Incident[], observations: Observations, planned: CyclePlan): Judgement {
  const { config, scrapes } = cycle.deps;
  const { window, configured } = planned;
  const judgement: Judgement = { judged: new Set(), findings: [] };
  const collect = (j: { judged: string[]; findings: Finding[] }) => {
    for (const f of j.judged) judgement.judged.add(f);
    judgement.findings.push(...j.findings);
  };
  const ages = dataAges(observations, window);
  for (const broker of fleet.monitored) {
    const read = observations.get(broker.name);
    const observation = read && { ...read, configuredLimits: configured.get(broker.name) ?? null };
    const scraped = scrapesOf(cycle.deps, broker) ? (scrapes?.history.queuesOn(broker.name, window) ?? null) : null;
    collect(judgeBrokerHealth(cycle, fleet, broker, ages, scraped));
    if (scraped) judgeScrapedQueues(broker, scraped, active, config, collect);
    if (!observation?.brokerLevelRead) continue;
    collect(detectConnectionExhaustion(observation, config.detection.connections));
    collect(detectResourcePressure(observation, config.detection.resources));
    if (!scraped) detectQueues(observation, config, collect);
  }
  return judgement;
}

/** The age of each broker's newest broker-level data, in minutes, where its broker-level signals were read. */
function dataAges(observations: Observations, window: MinuteWindow): Map<string, number> {
  const ages = new Map<string, number>();
  for (const [name, o] of observations) {
    const age = o.brokerLevelRead ? dataAgeMinutes(o.series, window) : null;
    if (age === null) continue;
    ages.set(name, age);
  }
  return ages;
}

/** Judges a broker's health against its own usual data delay and the freshest other broker's. */
function judgeBrokerHealth(
  { deps, now }: Cycle,
  fleet: Fleet,
  broker: Broker,
  ages: ReadonlyMap<string, number>,
  scraped: ScrapedQueues | null,
): ReturnType<typeof detectBrokerUnhealthy> {
  const { schedule } = deps;
  const otherAges = [...ages].filter(([name]) => name !== broker.name).map(([, age]) => age);
  // Without any CloudWatch data (a broker watched through its endpoint only), its reads tell whether
  // it answers; a read has no publishing delay.
  const scrapeAge = ages.has(broker.name) || !scraped ? null : scraped.ageMinutes;
  return detectBrokerUnhealthy(
    {
      broker,
      dataAgeMinutes: ages.get(broker.name) ?? scrapeAge,
      fleetDataAgeMinutes: otherAges.length ? Math.min(...otherAges) : null,
      usualDataAgeMinutes: scrapeAge !== null ? 0 : schedule.usualDataAge(broker.name),
      minutesSinceReboot: minutesSince(schedule.runningSince(broker.name), now),
      actionsRequired: fleet.snapshot.actionsRequired.get(broker.id) ?? [],
    },
    deps.config.detection.brokerHealth,
  );
}

/**
 * Step 6: folds the findings into the incidents; brokers that are gone have their metric incidents
 * judged clear. A broker now tagged ignore is no longer watched: its incidents close saying so, never
 * as recovered (the backlog may still be growing). The CloudTrail path may close them first, naming
 * who set the tag; the conditional writes let only the first close win.
 */
async function foldCycle(
  { deps, report, now }: Cycle,
  fleet: Fleet,
  active: readonly Incident[],
  judgement: Judgement,
): Promise<IncidentChange[]> {
  const { config } = deps;
  const { snapshot, monitored } = fleet;
  const { judged, findings } = judgement;
  const present = new Set([...monitored.map((b) => b.name), ...snapshot.skipped.filter((s) => !s.gone).map((s) => s.brokerName)]);
  const isCovered = (incident: Incident) =>
    judged.has(incident.fingerprint) || (METRIC_KINDS.includes(incident.kind) && snapshot.complete && !present.has(incident.broker));
  const ignoredNames = new Set(snapshot.brokers.filter(isIgnored).map((b) => b.name));
  const metricIncidents = active.filter((i) => METRIC_KINDS.includes(i.kind));
  const activeByFingerprint = new Map(metricIncidents.filter((i) => !ignoredNames.has(i.broker)).map((i) => [i.fingerprint, i]));
  return [
    ...foldFindings({
      active: activeByFingerprint,
      recent: await recentlyResolved(deps, findings, activeByFingerprint, report.errors),
      findings,
      isCovered,
      now,
      rules: {
        resolveAfterMinutes: config.incidents.resolveAfterMinutes,
        refreshMinutes: config.incidents.refreshMinutes,
        noise: noiseRules(config),
      },
    }),
    ...metricIncidents
      .filter((i) => ignoredNames.has(i.broker))
      .map((i) => closeUnwatched(i, IGNORED_REASON, now))
      .filter((c): c is IncidentChange => c !== null),
  ];
}

/** Step 7: saves the changes with conditional writes (each with its notification), and requests a reboot decision for incidents a reboot might help. */
async function saveAndRequestReboots(
  { deps, report, now }: Cycle,
  fleet: Fleet,
  changes: readonly IncidentChange[],
  observations: Observations,
): Promise<void> {
  const tagsByBroker = new Map(fleet.snapshot.brokers.map((b) => [b.name, b.tags]));
  report.transitions = await applyIncidentChanges(deps, changes, report.errors, (broker) => tagsByBroker.get(broker) ?? null);
  const requests = report.transitions
    .filter((t) => t.type !== "resolved")
    .map((t) =>
      remediationRequestFor(t.incident, report.brokerIds[t.incident.broker], now, blastRadiusOf(observations.get(t.incident.broker))),
    )
    .filter((r): r is RemediationRequest => r !== null);
  await sendRemediationRequests(deps.remediation, requests, deps.log, report.errors);
}

/** The noise rules of the configuration (severity hysteresis, flap detection, re-openings). */
export function noiseRules(config: Config): NoiseRules {
  const c = config.incidents;
  return {
    deEscalateAfterMinutes: c.deEscalateAfterMinutes,
    recoveryPoints: c.recoveryPoints,
    reopenWithinMinutes: c.reopenWithinMinutes,
    flapWindowMinutes: c.flapWindowMinutes,
    flapStartChanges: c.flapStartChanges,
    flapStopChanges: c.flapStopChanges,
  };
}

/**
 * The latest incident of each fingerprint that has a finding but no active incident, when it is
 * resolved: one that resolved lately re-opens. Read only for those fingerprints (an opening is rare),
 * one consistent read each; a failed read only means a new incident opens instead.
 */
async function recentlyResolved(
  deps: MetricsCycleDeps,
  findings: readonly Finding[],
  active: ReadonlyMap<string, Incident>,
  errors: string[],
): Promise<Map<string, Incident>> {
  const recent = new Map<string, Incident>();
  if (deps.config.incidents.reopenWithinMinutes <= 0) return recent;
  const fingerprints = [...new Set(findings.map(fingerprintOf))].filter((f) => !active.has(f));
  await mapWithConcurrency(fingerprints, 8, async (fingerprint) => {
    try {
      const incident = await deps.incidents.get(fingerprint);
      if (incident?.status === "resolved") recent.set(fingerprint, incident);
    } catch (error) {
      errors.push(`reading incident ${fingerprint} failed: ${describeError(error)}`);
    }
  });
  return recent;
}

/** The scrapes of a broker opted in to Prometheus reads, when this deployment reads them. */
function scrapesOf(deps: MetricsCycleDeps, broker: Broker): BrokerScrapes | null {
  return deps.scrapes && isScrapeOptedIn(broker, deps.config.prometheus) ? deps.scrapes : null;
}

/**
 * Starts reading the opted-in brokers' own endpoints. An opted-in broker that cannot be read at all
 * (no endpoint listed, not RabbitMQ, no scrape function deployed) is a notice, given once.
 */
function startScrapes(deps: MetricsCycleDeps, brokers: readonly Broker[], report: CycleReport): Promise<ScrapeResult[]> {
  const targets: ScrapeTarget[] = [];
  const notice = (broker: Broker, text: string) => {
    if (!deps.schedule.firstNotice(broker, `prometheus:${text}`)) return;
    report.notices.push(text);
    deps.log.warn(text, { broker: broker.name });
  };
  for (const broker of brokers) {
    if (!isScrapeOptedIn(broker, deps.config.prometheus)) continue;
    if (!deps.scrapes) {
      notice(
        broker,
        `broker ${broker.name} is opted in to Prometheus reads, but this deployment has no scrape-rabbitmq function (set its subnets and security group, docs/deployment.md): its queues are judged from CloudWatch`,
      );
      continue;
    }
    const plan = scrapePlanFor(broker, deps.config.prometheus, deps.scrapes.secretPrefix);
    if (plan && "problem" in plan) notice(broker, plan.problem);
    else if (plan) targets.push(plan.target);
  }
  if (!deps.scrapes || targets.length === 0) return Promise.resolve([]);
  return deps.scrapes.scraper
    .scrape(targets)
    .catch((error) => targets.map((t) => ({ broker: t.broker, snapshot: null, error: describeError(error) })));
}

/** Keeps this minute's reads; a broker not read is an error line (its queues are not judged this minute). */
function recordScrapes(
  deps: MetricsCycleDeps,
  results: readonly ScrapeResult[],
  monitored: readonly Broker[],
  now: number,
  report: CycleReport,
): void {
  if (!deps.scrapes) return;
  deps.scrapes.history.retain(monitored.map((b) => b.name));
  for (const result of results) {
    deps.scrapes.history.record(result.broker, now, result.snapshot);
    if (result.snapshot === null) {
      const line = `broker ${result.broker}: Prometheus endpoint not read (queues not judged this minute): ${result.error}`;
      report.errors.push(line);
      deps.log.error(line, { broker: result.broker });
    }
  }
}

/**
 * Judges the queues read from a broker's own endpoint. Only a broker read this minute is judged: a
 * minute not read opens nothing and resolves nothing. Until the reads cover the longest rule's window
 * (after a cold start) a queue may be found lagging but is not judged clear, so an incident opened
 * before the restart stays open. A read lists every queue of the broker, so an incident of a queue
 * no longer there (deleted), or of the broker-wide stand-in the per-queue data replaces, is clear.
 */
function judgeScrapedQueues(
  broker: Broker,
  scraped: ScrapedQueues,
  active: readonly Incident[],
  config: Config,
  collect: (j: { judged: string[]; findings: Finding[] }) => void,
): void {
  if (!scraped.current) return;
  const lag = config.detection.consumerLag;
  const enough = scraped.coveredMinutes >= Math.max(lag.noConsumersMinutes, lag.stalledMinutes, lag.slowWindowMinutes);
  const resources = new Set<string>();
  for (const queue of scraped.queues) {
    const resource = scrapedQueueResource(queue.queue);
    resources.add(resource);
    const judgement = detectConsumerLag(broker, resource, lagSeriesOfScraped(queue), lag);
    collect(enough ? judgement : { judged: [], findings: judgement.findings });
  }
  const gone = active.filter(
    (i) => i.kind === IncidentKind.consumerLag && i.broker === broker.name && (i.resource === null || !resources.has(i.resource)),
  );
  collect({ judged: gone.map((i) => i.fingerprint), findings: [] });
}

function detectQueues(
  observation: BrokerObservation,
  config: Config,
  collect: (j: { judged: string[]; findings: Finding[] }) => void,
): void {
  const { broker, series } = observation;
  const brokerLatest = Math.max(-1, ...Object.values(series).map(lastIndex));
  for (const queue of observation.queues) {
    const lag = lagSeriesForQueue(broker.engine, queue, series);
    // A drill's first stage reads a queue's backlog alone: only a dead-letter queue is judged on that.
    if (lag.consumers === undefined && !isDeadLetterQueue(queue.queue.name, config.detection.consumerLag)) continue;
    const queueLatest = lastIndex(lag.backlog);
    if (queueLatest < 0 || (brokerLatest >= 0 && brokerLatest - queueLatest > STALE_QUEUE_MINUTES)) continue;
    collect(detectConsumerLag(broker, queue.queue.name, lag, config.detection.consumerLag));
  }
  // RabbitMQ 4.x publishes no per-queue metrics: judge the broker's totals as one queue.
  if (broker.engine === EngineType.rabbitmq && observation.knownQueueCount === 0 && majorVersion(broker.engineVersion) >= 4) {
    collect(detectConsumerLag(broker, null, lagSeriesForBroker(series), config.detection.consumerLag));
  }
}

/**
 * The RabbitMQ nodes CloudWatch lists, when a cluster is watched (its per-node series are read instead
 * of the broker-level sums). A cluster that publishes but has no node listed yet is listed again soon.
 */
async function listNodes(deps: MetricsCycleDeps, brokers: readonly Broker[], report: CycleReport): Promise<NodeListing | null> {
  const clusters = brokers.filter((b) => nodeMetricsFor(b).signals.length > 0);
  if (clusters.length === 0 || !deps.metrics.listNodes) return null;
  try {
    let listing = await deps.metrics.listNodes(deps.config.polling.queueListTtlMinutes * MINUTE_MS);
    const unlisted = clusters.some((b) => deps.schedule.usualDataAge(b.name) !== null && nodesForBroker(b, listing).length === 0);
    if (unlisted && deps.clock.now() - listing.listedAt >= EMPTY_LISTING_RETRY_MS)
      listing = await deps.metrics.listNodes(EMPTY_LISTING_RETRY_MS);
    return listing;
  } catch (error) {
    const line = `RabbitMQ node listing failed; clusters judged on broker-level totals this cycle: ${describeError(error)}`;
    report.errors.push(line);
    deps.log.error(line);
    return null;
  }
}

/** The RabbitMQ nodes listed for a broker (by its CloudWatch `Broker` value, the unqualified name). */
function nodesForBroker(broker: Broker, listing: NodeListing | null): string[] {
  return broker.nodes.flatMap((n) => listing?.nodesByBroker.get(n) ?? []);
}

/** Configuration revisions read in parallel at most (the Amazon MQ API allows 15 requests/s per account). */
const CONFIGURATION_CONCURRENCY = 4;

/**
 * The limits RabbitMQ 4 brokers' configurations set (`connection_max`, `channel_max_per_node`), and
 * the limits every RabbitMQ broker is judged against. What cannot be read, or had to be assumed (an
 * instance type or engine version the tables do not know), is a notice, given once per broker.
 */
async function configuredLimits(
  deps: MetricsCycleDeps,
  brokers: readonly Broker[],
  report: CycleReport,
): Promise<Map<string, RabbitMqConfiguredLimits | null>> {
  const out = new Map<string, RabbitMqConfiguredLimits | null>();
  const rabbit = brokers.filter((b) => b.engine === EngineType.rabbitmq);
  const notice = (broker: Broker, key: string, text: string) => {
    if (!deps.schedule.firstNotice(broker, key)) return;
    report.notices.push(text);
    deps.log.warn(text, { broker: broker.name });
  };
  const readable = deps.inventory.configurationText?.bind(deps.inventory);
  await mapWithConcurrency(rabbit, CONFIGURATION_CONCURRENCY, async (broker) => {
    const revision = broker.configuration;
    if (!rabbitMqLimitsConfigurable(broker.engineVersion) || !revision || !readable) return;
    const source = `configuration ${revision.id} revision ${revision.revision}`;
    try {
      const parsed = configuredLimitsOf(await readable(revision), broker, source);
      out.set(broker.name, parsed.limits);
      for (const warning of parsed.warnings)
        notice(broker, `configuration:${source}:${warning}`, `broker ${broker.name}: ${source}, ${warning}`);
    } catch (error) {
      notice(
        broker,
        `configuration:${source}:unreadable`,
        `broker ${broker.name}: ${source} could not be read (${describeError(error)}); its connection_max and channel_max_per_node are taken as not set (the RabbitMQ 4 defaults)`,
      );
    }
  });
  report.limits ??= {};
  for (const broker of rabbit) {
    const limits = rabbitMqLimits(broker, out.get(broker.name) ?? null);
    report.limits[broker.name] =
      `${describeLimits({ connections: limits.connections.perNode, channels: limits.channels.perNode })} per node${limits.nodes > 1 ? ` (${limits.nodes} nodes)` : ""}; connections: ${limits.connections.source}; channels: ${limits.channels.source}`;
    if (limits.assumption) notice(broker, `limits:${limits.assumption}`, `broker ${broker.name}: ${limits.assumption}`);
  }
  return out;
}

/** What a reboot of the broker would touch, from this cycle's data (for a person asked to approve it). */
function blastRadiusOf(observation: BrokerObservation | undefined): BlastRadius | undefined {
  if (!observation) return undefined;
  const latest = (...names: string[]) => {
    for (const name of names) {
      const series = observation.series[name];
      const value = at(series, lastIndex(series));
      if (value != null) return Math.round(value);
    }
    return null;
  };
  return {
    connections: latest("CurrentConnectionsCount", "ConnectionCount"),
    consumers: latest("TotalConsumerCount", "ConsumerCount"),
    queues: observation.knownQueueCount,
    activeNode: observation.node,
    nodes: observation.broker.nodes,
    standby: standbyOf(observation),
  };
}

/** Who carries the broker through its reboot, from its deployment mode and the node that published. */
function standbyOf(observation: BrokerObservation): string {
  const { broker, node } = observation;
  switch (broker.deploymentMode) {
    case DeploymentMode.activeStandby: {
      if (node === null) return "not known: no node published metrics this cycle";
      const others = broker.nodes.filter((n) => n !== node);
      // Only the active node of a pair publishes broker metrics; the standby waits on the shared storage.
      return `${others.join(", ")} waiting to take over (a standby publishes no metrics until it is active)`;
    }
    case DeploymentMode.single:
      return "none: a single-instance broker is down for the whole reboot";
    default: {
      const nodes = observation.nodes?.length ?? 0;
      return `none: the cluster's nodes${nodes > 0 ? ` (${nodes})` : ""} restart, clients reconnect to the nodes that are up`;
    }
  }
}

function minutesSince(at: number | null, now: number): number | null {
  return at === null ? null : Math.max(0, Math.floor((now - at) / MINUTE_MS));
}

function majorVersion(version: string | null): number {
  return Number.parseInt((version ?? "").split(".")[0] ?? "", 10) || 0;
}

async function listQueues(deps: MetricsCycleDeps, brokers: readonly Broker[], report: CycleReport): Promise<Map<EngineType, QueueListing>> {
  const out = new Map<EngineType, QueueListing>();
  const ttl = deps.config.polling.queueListTtlMinutes * MINUTE_MS;
  for (const engine of new Set(brokers.map((b) => b.engine))) {
    try {
      let listing = await deps.metrics.listQueues(engine, ttl);
      // A broker that publishes but has no queues listed yet (new, or first minutes of data) is
      // listed again soon rather than waiting out the TTL.
      const unlisted = brokers.some(
        (b) =>
          b.engine === engine && deps.schedule.usualDataAge(b.name) !== null && queuesForBroker(b, listing).length === 0 && !isRabbit4(b),
      );
      if (unlisted && deps.clock.now() - listing.listedAt >= EMPTY_LISTING_RETRY_MS)
        listing = await deps.metrics.listQueues(engine, EMPTY_LISTING_RETRY_MS);
      out.set(engine, listing);
    } catch (error) {
      const line = `queue listing for ${engine} failed; queues not read this cycle: ${describeError(error)}`;
      report.errors.push(line);
      deps.log.error(line);
    }
  }
  return out;
}

function isRabbit4(broker: Broker): boolean {
  return broker.engine === EngineType.rabbitmq && majorVersion(broker.engineVersion) >= 4;
}

function queuesForBroker(broker: Broker, listing: QueueListing | undefined): QueueRef[] {
  if (!listing) return [];
  const seen = new Map<string, QueueRef>();
  for (const node of broker.nodes) {
    for (const q of listing.queuesByNode.get(node) ?? []) seen.set(`${q.vhost ?? ""}\u0000${q.name}`, q);
  }
  return [...seen.values()];
}

/** Queues with an active consumer-lag incident, per broker: they are read every cycle. */
function focusQueues(active: readonly Incident[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const i of active) {
    if (i.kind !== IncidentKind.consumerLag || i.resource === null) continue;
    const set = out.get(i.broker) ?? new Set<string>();
    set.add(i.resource);
    out.set(i.broker, set);
  }
  return out;
}

async function fetchReads(
  deps: MetricsCycleDeps,
  reads: readonly PlannedRead[],
  window: BrokerObservation["window"],
  report: CycleReport,
): Promise<CycleRead> {
  if (reads.length === 0) return { reads, series: new Map(), failed: new Set() };
  const result = await deps.metrics.fetch(reads, window);
  report.metricsRequested += result.metricsRequested;
  report.getMetricDataCalls += result.calls;
  for (const e of result.errors) report.errors.push(`cloudwatch:GetMetricData ${e}`);
  return { reads, series: result.series, failed: result.failedKeys };
}
