import type { Incident } from "./core/incidents";
import type { Statistic } from "./core/metric-catalog";
import type { BlastRadius, ChatMessageRef, MessageGroup, MessageTransition } from "./core/notifications";
import type { Silence } from "./core/notify-policy";
import type { PostureFacts } from "./core/posture/posture-facts";
import type { QueueSnapshot } from "./core/prometheus-rabbitmq-queues";
import type { ScrapeTarget } from "./core/prometheus-targets";
import type { RemediationRecordOutcome } from "./core/remediation-policy";
import type { Broker, EngineType, MinuteWindow, QueueRef, Series } from "./core/types";
import type { StoredItemError } from "./errors";

/**
 * The interfaces the use cases need. Adapters in `shared/adapters` implement them over AWS, Slack
 * and memory; the simulated account (`shared/sim`) answers the same AWS calls from a scenario.
 */

/** Time, injected so the core and the use cases never read the wall clock. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Waits (a no-op on the replay's virtual clock). */
  sleep(ms: number): Promise<void>;
}

export type LogFields = Readonly<Record<string, unknown>>;

/** Structured logging; `warn` and `error` entries are handled problems an operator may need to see. */
export interface Log {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface InventorySnapshot {
  brokers: Broker[];
  /**
   * Brokers listed but not described this time, with why; `gone` when the broker no longer exists,
   * `pending` when it is waiting for its first description (a cold start paced under the API quota).
   */
  skipped: { brokerId: string; brokerName: string; reason: string; gone: boolean; pending?: boolean }[];
  /** DescribeBroker `ActionsRequired` codes per broker id. */
  actionsRequired: ReadonlyMap<string, readonly string[]>;
  /** True when ListBrokers answered this cycle, so a broker missing from the list is really gone. */
  complete: boolean;
}

/** The account's Amazon MQ brokers (ListBrokers + DescribeBroker, cached). */
export interface BrokerInventory {
  listBrokers(): Promise<InventorySnapshot>;
  /**
   * The text of a broker's configuration revision (DescribeConfigurationRevision `Data`, base64-decoded:
   * ActiveMQ XML or RabbitMQ Cuttlefish), cached: a revision never changes. Absent where the inventory
   * cannot read configurations (RabbitMQ 4 limits then stay the documented defaults).
   */
  configurationText?(configuration: { id: string; revision: number }): Promise<string>;
}

/** One metric series to read. */
export interface MetricRequest {
  /** Caller's key for the result. */
  key: string;
  namespace: string;
  metric: string;
  dimensions: Readonly<Record<string, string>>;
  stat: Statistic;
}

export interface MetricFetch {
  /** Series by request key, on the requested window; a key that was not read is missing. */
  series: Map<string, Series>;
  /**
   * Keys not read this cycle: their batch failed after retries, or CloudWatch answered them
   * `InternalError` or `Forbidden`, or left them `PartialData`. Never evidence of silence.
   */
  failedKeys: Set<string>;
  /** Failures, one line each. */
  errors: string[];
  calls: number;
  metricsRequested: number;
}

/** Queues CloudWatch lists per `Broker` dimension value (node). */
export interface QueueListing {
  queuesByNode: ReadonlyMap<string, readonly QueueRef[]>;
  /** Epoch ms when the listing was read. */
  listedAt: number;
}

/** RabbitMQ nodes CloudWatch lists per broker (`Node` values per `Broker` dimension value). */
export interface NodeListing {
  nodesByBroker: ReadonlyMap<string, readonly string[]>;
  /** Epoch ms when the listing was read. */
  listedAt: number;
}

/** CloudWatch metrics for Amazon MQ. */
export interface MetricSource {
  /** Queues with recent metrics, per node; reuses a listing younger than `maxAgeMs`. */
  listQueues(engine: EngineType, maxAgeMs: number): Promise<QueueListing>;
  /**
   * RabbitMQ nodes with recent per-node metrics, per broker; reuses a listing younger than `maxAgeMs`.
   * Absent where the source cannot list them: clusters are then judged on broker-level totals only.
   */
  listNodes?(maxAgeMs: number): Promise<NodeListing>;
  /** Reads the requests in as few GetMetricData calls as the quotas allow. */
  fetch(requests: readonly MetricRequest[], window: MinuteWindow): Promise<MetricFetch>;
}

/** A metric as CloudWatch lists it (ListMetrics): its identity without a statistic. */
export interface ListedMetric {
  namespace: string;
  metric: string;
  dimensions: Readonly<Record<string, string>>;
}

/**
 * The account's metric history (CloudWatch keeps 1-minute data for 15 days), read once for a backtest:
 * GetMetricData bills per metric requested, whatever the window, so days cost what one poll costs.
 */
export interface MetricHistory {
  /** Every Amazon MQ series that had data in the last two weeks. */
  listMetrics(): Promise<ListedMetric[]>;
  /** Reads the requests over the window (1-minute periods) in as few GetMetricData calls as the quotas allow. */
  fetch(requests: readonly MetricRequest[], window: MinuteWindow): Promise<MetricFetch>;
}

/** What reading one broker's Prometheus endpoint gave: its queues, or why it was not read. */
export type ScrapeResult = { broker: string; snapshot: QueueSnapshot } | { broker: string; snapshot: null; error: string };

/**
 * Per-queue data from the brokers themselves (RabbitMQ's Prometheus endpoint): what CloudWatch does
 * not have for RabbitMQ 4, nor past its 500-queue cap.
 */
export interface BrokerScraper {
  /** One result per target, in order. A broker that cannot be read is a result with its error, never a throw. */
  scrape(targets: readonly ScrapeTarget[]): Promise<ScrapeResult[]>;
}

/** A broker's user name and password, kept in a secret store; never logged. */
export interface BrokerCredentials {
  get(secretId: string): Promise<{ username: string; password: string }>;
}

/**
 * Told of a stored item a listing left out because it does not match its schema (the listing returns
 * the others): a caller that loops over many items passes one, so a damaged item costs only itself.
 * Without one, the item fails the listing. Memory stores hold only values of their types: never called.
 */
export type SkipUnreadable = (error: StoredItemError) => void;

/** Incident state (DynamoDB in production, memory in replay and tests). */
export interface IncidentStore {
  /** Incidents that are pending or open. */
  loadActive(skip?: SkipUnreadable): Promise<Incident[]>;
  /**
   * Writes an incident only if the stored one is at `expectedVersion` (0: no active incident for the
   * fingerprint). Returns false when another writer got there first.
   */
  save(incident: Incident, expectedVersion: number): Promise<boolean>;
  /** The latest incident of a fingerprint, active or not, or null. */
  get(fingerprint: string): Promise<Incident | null>;
  /** Incidents, active or resolved, with notifications still to deliver. */
  loadWithPendingNotifications(skip?: SkipUnreadable): Promise<Incident[]>;
}

/** A call kept in a subject's recent history (a principal's denied calls, a risky change's calls). */
export interface ActivityRecord<T = unknown> {
  eventId: string;
  /**
   * Epoch ms the record sorts by: when the call's event arrived (CloudTrail events come late; the
   * call's own time, `eventTime`, travels in the payload).
   */
  at: number;
  payload: T;
}

/**
 * The state of an event id: claimed by this invocation (with the token that marks it done or gives
 * it back), done (a duplicate delivery), or claimed by another invocation whose lease has not run out.
 */
export type EventClaim = { status: "claimed"; token: string } | { status: "done" } | { status: "busy"; leaseUntil: number };

/** Claimed event ids and recent calls per subject, for idempotency and sliding windows. */
export interface ApiActivityStore {
  /**
   * Claims an event id until `now + leaseMs` (a conditional write): claimed when nobody holds it or
   * an earlier claim's lease ran out (that invocation died); done when it was marked done; busy while
   * another invocation's lease runs.
   */
  claimEvent(eventId: string, now: number, leaseMs: number): Promise<EventClaim>;
  /** Marks a claimed event done, only while the claim is still ours (its token): false when it is not. */
  completeEvent(eventId: string, token: string, now: number): Promise<boolean>;
  /** Gives back a claim (ours, by its token), so a delivery that failed half-way is processed again at once on retry. */
  releaseEvent(eventId: string, token: string): Promise<void>;
  /** Adds a call to a subject's history; recording the same event id again changes nothing (the first record stands). */
  record(subject: string, entry: ActivityRecord, now: number): Promise<void>;
  /** A subject's records at or after `since` (epoch ms, on `ActivityRecord.at`), oldest first. */
  since(subject: string, since: number): Promise<ActivityRecord[]>;
}

/** Broker names by id, for API events that name a broker only by its id. */
export interface BrokerDirectory {
  /**
   * The name of a broker id in `region` (null: the home region), qualified `<region>/<name>` outside
   * the home region; null when the account has no such broker there.
   */
  nameOf(brokerId: string, region?: string | null): Promise<string | null>;
}

/** What the posture audit should look at again: a broker, or every broker using a configuration. */
export interface PostureTarget {
  brokerId: string | null;
  brokerName: string | null;
  configurationId: string | null;
  /** Where the broker or configuration is (null or absent: the home region). */
  region?: string | null;
}

/** Asks the posture audit to look at a broker again (after a change to it or to its configuration). */
export interface PostureRecheck {
  request(target: PostureTarget, reason: string): Promise<void>;
}

/** What became of one message on one channel. */
export type DeliveryResult =
  | {
      ok: true;
      body: unknown;
      /** The message that now stands for the group's incident (a notifier that edits in place). */
      message?: ChatMessageRef;
    }
  | {
      ok: false;
      retryable: boolean;
      retryAfterMs?: number;
      error: string;
      body: unknown;
      /**
       * The request left but no answer came (a timeout): the message may have arrived. The only case
       * in which a retry may repeat a message; counted and logged.
       */
      outcomeUnknown?: boolean;
    };

/** A place notifications go (Slack, SNS, PagerDuty, the log): renders a message group and sends it. */
export interface Notifier {
  /** The channel name the outbox keeps delivery state under (`slack`, `sns`, or `<kind>:<destination>` for a route's). */
  readonly name: string;
  /**
  /**
   * True for a destination that takes one incident per message, in the order of its notifications (Slack
   * app mode edits one message per incident; PagerDuty sends one event per `dedup_key`): it gets one
   * incident per group, as stored after the previous send (with its message's `ts`), and an incident's
   * later notifications wait while an earlier one is not delivered.
   */
  readonly perIncident?: boolean;
  /**
   * Whether this destination takes notifications of a transition (absent: every transition). PagerDuty
   * takes openings, escalations and resolutions only: reminders and notes would page nobody new.
   */
  carries?(transition: MessageTransition): boolean;
  send(group: MessageGroup): Promise<DeliveryResult>;
}

/** Time-boxed mutes (set with `mq-sentinel silence`). */
export interface SilenceStore {
  /** Silences not yet ended at `now`. */
  active(now: number, skip?: SkipUnreadable): Promise<Silence[]>;
  add(silence: Silence): Promise<void>;
  /** Ends a silence now; false when there is no such silence. */
  expire(id: string, now: number): Promise<boolean>;
}

/** A secret read at run time (the Slack webhook URL), never logged. */
export interface SecretSource {
  get(): Promise<string>;
}

/** A request to consider rebooting a broker for an incident (the remediate function decides). */
export interface RemediationRequest {
  incidentId: string;
  fingerprint: string;
  broker: string;
  brokerId: string;
  requestedAt: number;
  /** What a reboot would touch, for a person asked to approve it. */
  blastRadius?: BlastRadius;
}

/**
 * Tells the remediate function a request was answered. It carries only the request's id: what the
 * answer was is read from the store, where only the interactions function can write it.
 */
export interface ApprovalAnswer {
  kind: "approval-answer";
  approvalId: string;
}

/** A reboot waiting for a person (`remediation.mode` approve). */
export interface ApprovalRequest {
  /** `<incident id>#<minute>`: the Approve/Deny buttons carry it. */
  id: string;
  incidentId: string;
  fingerprint: string;
  broker: string;
  brokerId: string;
  requestedAt: number;
  /** After this (epoch ms) the request expires: the facts it showed are stale. */
  expiresAt: number;
  /**
   * `pending` until acted on; `done` once the remediate function acted on its answer, `expired` when
   * nobody answered in time (each a conditional write from pending, so a request is settled once).
   */
  status: "pending" | "expired" | "done";
}

/** A person's answer to a request, as the interactions function recorded it after verifying the click. */
export interface RecordedAnswer {
  approvalId: string;
  action: "approve" | "deny";
  /** The Slack user id who answered. */
  user: string;
  at: number;
}

/**
 * Reboot approval requests and their answers (DynamoDB `APPROVAL` / `<id>` and `ANSWER#<id>`; memory in
 * replay and tests). Answers are items of their own so that only the interactions function, which
 * verifies Slack's signature, can write one: no other role can give an approval.
 */
export interface ApprovalStore {
  /** Stores a new pending request: false when one with its id exists. */
  create(request: ApprovalRequest): Promise<boolean>;
  get(id: string): Promise<ApprovalRequest | null>;
  /** Requests still pending, oldest first. */
  pending(): Promise<ApprovalRequest[]>;
  /** Settles a pending request (a conditional write): false when it is not pending any more. */
  settle(id: string, to: "expired" | "done"): Promise<boolean>;
  /** Records the first answer to a request (a conditional write): false when it was answered before. */
  recordAnswer(answer: RecordedAnswer): Promise<boolean>;
  /** The recorded answer to a request, or null. */
  answerOf(id: string): Promise<RecordedAnswer | null>;
  /**
   * Accepts a signed interaction once: false when the same request (its signature) was accepted
   * before, so a replayed or retried Slack request changes nothing.
   */
  acceptInteractionOnce(signature: string, now: number): Promise<boolean>;
}

/** Checks that a request comes from Slack (its signing secret). */
export interface SlackRequestVerifier {
  /** True when `signature` (`v0=<hex>`) signs `v0:<timestamp>:<rawBody>` with the app's signing secret. */
  verify(timestamp: string, rawBody: string, signature: string): Promise<boolean>;
}

/** Answers the person who pressed a button, in Slack (the interaction's `response_url`). */
export interface InteractionReplies {
  /** Tells only that person (an ephemeral message); never throws. */
  tell(responseUrl: string, text: string): Promise<void>;
  /**
   * Replaces the message the button was on (a webhook's message, which only its `response_url` can
   * edit) with `message`; never throws. Absent: the message is left as it is.
   */
  replaceOriginal?(responseUrl: string, message: { text: string; blocks: readonly Record<string, unknown>[] }): Promise<void>;
}

/**
 * Who may answer reboot requests: `remediation.approvers`, Slack user ids and user groups (`S…`),
 * whose members are looked up (Slack app mode) and cached briefly.
 */
export interface Approvers {
  /** True when `user` is listed, or a member of a listed user group. Never throws: an unknown answer is no. */
  includes(user: string): Promise<boolean>;
}

/** Where remediation requests go (an asynchronous invocation of the remediate function). */
export interface RemediationRequests {
  request(request: RemediationRequest | ApprovalAnswer): Promise<void>;
}

/** One remediation decision or follow-up, as the audit trail keeps it. */
export interface RemediationRecord {
  id: string;
  at: number;
  incidentId: string;
  broker: string;
  brokerId: string;
  action: "reboot-broker";
  outcome: RemediationRecordOutcome;
  reason: string;
}

/** A reboot whose effect is still to be checked. */
export interface PendingVerification {
  brokerId: string;
  broker: string;
  incidentId: string;
  fingerprint: string;
  rebootedAt: number;
  verifyBy: number;
  /** When the broker was first seen RUNNING again after the reboot (how long the failover took). */
  runningAt?: number;
  /** Set once the reboot was judged a failure (broker held, ledger written) while its announcement still waits. */
  escalation?: { at: number; reason: string };
}

/** The remediation ledger: audit trail, per-broker reboot locks, the hourly budget, holds, verifications. */
export interface RemediationLedger {
  record(entry: RemediationRecord): Promise<void>;
  /** Records at or after `since`, oldest first. */
  history(since: number): Promise<RemediationRecord[]>;
  /** When mq-sentinel last rebooted the broker (epoch ms), if ever. */
  lastRebootAt(brokerId: string): Promise<number | null>;
  /** Takes the broker's reboot lock until `until` (a conditional write): false when another reboot holds it. */
  lockBroker(brokerId: string, now: number, until: number): Promise<boolean>;
  /** Gives back a lock taken at `now` (when the reboot did not go ahead after all). */
  unlockBroker(brokerId: string, takenAt: number): Promise<void>;
  /** Reboots counted against the budget after `since` (epoch ms). */
  rebootsSince(since: number): Promise<number>;
  /**
   * Counts a reboot at `now` against the rolling hour (a conditional write): false when `max` reboots
   * were already counted in the 60 minutes before `now`.
   */
  takeBudget(now: number, max: number): Promise<boolean>;
  /** Why reboots of the broker are held after one did not help, or null. */
  holdOf(brokerId: string): Promise<string | null>;
  hold(brokerId: string, broker: string, reason: string): Promise<void>;
  /** Every held broker. */
  holds(): Promise<{ brokerId: string; broker: string; reason: string; at: number }[]>;
  /** Lifts a hold (a person acted); false when there was none. */
  releaseHold(brokerId: string): Promise<boolean>;
  addVerification(v: PendingVerification): Promise<void>;
  pendingVerifications(): Promise<PendingVerification[]>;
  removeVerification(brokerId: string): Promise<void>;
}

/**
 * Whether a broker carries the reboot opt-in (`mq-sentinel:remediate=reboot`) and since when. Tags are
 * controls: anyone allowed mq:CreateTags can add the opt-in, so it counts only once it has been in place
 * for `remediation.optInSettleMinutes` (a tag set in the middle of an incident cannot trigger a reboot).
 */
export interface OptInState {
  brokerId: string;
  broker: string;
  optedIn: boolean;
  /**
   * Epoch ms from which the broker has been in this state; null when it already was when mq-sentinel
   * first looked at the broker (the state predates the monitor: nothing better is known).
   */
  since: number | null;
  /** What saw the state: `inventory`, `cloudtrail:<principal>`, `remediate`. */
  source: string;
}

/** The recorded opt-in states (DynamoDB item `OPTIN#<broker id>` / `CURRENT`; memory in replay and tests). */
export interface OptInRecords {
  /** The recorded states of these brokers, by broker id (a broker never recorded is missing). */
  get(brokerIds: readonly string[]): Promise<Map<string, OptInState>>;
  /**
   * Records a broker's state when nothing is recorded for it or the recorded state differs (a
   * conditional write): true when it wrote. The same state again changes nothing, so the first
   * sighting's `since` stands.
   */
  record(state: OptInState): Promise<boolean>;
}

/** Acting on a broker: its fresh state, and the reboot. */
export interface BrokerControl {
  /** The broker as DescribeBroker returns it now, or null when it no longer exists. */
  describe(brokerId: string): Promise<Broker | null>;
  reboot(brokerId: string): Promise<void>;
}

/** The run-time kill switch of remediation. */
export interface KillSwitch {
  isOn(): Promise<boolean>;
}

/** What the posture audit reads about a broker (DescribeBroker settings, its configuration, its security groups). */
export interface PostureReader {
  factsFor(broker: Broker): Promise<Omit<PostureFacts, "slowQueues">>;
}
