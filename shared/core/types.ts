/**
 * The domain vocabulary of mq-sentinel: brokers, metric windows, findings and incidents.
 * Pure types and tiny helpers; nothing here knows about AWS SDK shapes or I/O.
 */

/** How bad a finding or incident is. */
export const Severity = {
  info: "info",
  warning: "warning",
  critical: "critical",
} as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** Orders severities: negative when `a` is less severe than `b`. */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITY_RANK[a] - SEVERITY_RANK[b];
}

/** The more severe of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return compareSeverity(a, b) >= 0 ? a : b;
}

/** What an incident is about; fixed by the replay contract (DESIGN.md §3). */
export const IncidentKind = {
  consumerLag: "consumer-lag",
  connectionExhaustion: "connection-exhaustion",
  resourcePressure: "resource-pressure",
  brokerUnhealthy: "broker-unhealthy",
  unauthorizedApi: "unauthorized-api",
  riskyChange: "risky-change",
  posture: "posture",
} as const;
export type IncidentKind = (typeof IncidentKind)[keyof typeof IncidentKind];

// The condition of a finding within its kind (`Finding.condition`): one union per kind, declared once
// so that code branching on a condition (the remediation policy, the quiet settings) fails to compile
// on a misspelt one.

/** Burrow's rules on a queue: nobody consumes, consumers attached but stuck, consumers too slow, a dead-letter queue growing. */
export type ConsumerLagCondition = "no-consumers" | "stalled" | "slow-consumers" | "dead-letter-growing";

/** What connection exhaustion counts against the broker's limit (RabbitMQ counts channels too). */
export type ConnectionSignal = "connections" | "channels";

/** A count held high, at the limit, or climbing steadily towards it (a leak). */
export type ConnectionLevel = "high" | "at-limit" | "leak";
export type ConnectionExhaustionCondition = `${ConnectionSignal}-${ConnectionLevel}`;

/** The resources resource pressure judges, one incident each (`temp-store`: ActiveMQ; `memory`, `disk`, `file-descriptors`: RabbitMQ). */
export const Resource = {
  cpu: "cpu",
  heap: "heap",
  store: "store",
  tempStore: "temp-store",
  memory: "memory",
  disk: "disk",
  fileDescriptors: "file-descriptors",
} as const;
export type Resource = (typeof Resource)[keyof typeof Resource];

/** A resource held at its warning or critical level, or filling steadily. */
export type PressureLevel = "high" | "critical" | "filling";
export type ResourcePressureCondition = `${Resource}-${PressureLevel}`;

/** A state that should not last, or a RUNNING broker that stopped publishing metrics. */
export type BrokerUnhealthyCondition = "critical-action-required" | "creation-failed" | "reboot-stuck" | "metrics-missing";

/** A burst of denied calls by one principal (critical when it is large). */
export type UnauthorizedApiCondition = "denied-burst" | "denied-burst-critical";

/** The Amazon MQ calls a risky change can be about: always risky, or (CreateBroker, the tag calls) risky by what they ask. */
export type RiskyCall =
  | "DeleteBroker"
  | "CreateUser"
  | "UpdateUser"
  | "DeleteUser"
  | "UpdateBroker"
  | "CreateConfiguration"
  | "UpdateConfiguration"
  | "RebootBroker"
  | "CreateBroker"
  | "CreateTags"
  | "DeleteTags";

/** Any call by the root user, else the risky call made. */
export type RiskyChangeCondition = "root-user" | RiskyCall;

/** The posture check ids: the `resource` and the condition of `posture` incidents (DESIGN.md §3). */
export const PostureCheckId = {
  publicAccess: "public-access",
  noAuthorizationMap: "no-authorization-map",
  permissiveAuthorizationMap: "permissive-authorization-map",
  auditLogDisabled: "audit-log-disabled",
  generalLogDisabled: "general-log-disabled",
  awsOwnedKey: "aws-owned-key",
  singleInstance: "single-instance",
  autoMinorUpgradeDisabled: "auto-minor-upgrade-disabled",
  openSecurityGroup: "open-security-group",
  concurrentStoreAndDispatch: "concurrent-store-and-dispatch",
} as const;
export type PostureCheckId = (typeof PostureCheckId)[keyof typeof PostureCheckId];

/** The conditions of each incident kind: a new kind fails to compile until its conditions are named here. */
export interface ConditionOf {
  "consumer-lag": ConsumerLagCondition;
  "connection-exhaustion": ConnectionExhaustionCondition;
  "resource-pressure": ResourcePressureCondition;
  "broker-unhealthy": BrokerUnhealthyCondition;
  "unauthorized-api": UnauthorizedApiCondition;
  "risky-change": RiskyChangeCondition;
  posture: PostureCheckId;
}

/** Every condition of every kind. */
export type Condition = ConditionOf[IncidentKind];

/** The incident kinds the metrics cycle owns; other kinds come from API events or the posture audit. */
export const METRIC_KINDS: readonly IncidentKind[] = [
  IncidentKind.consumerLag,
  IncidentKind.connectionExhaustion,
  IncidentKind.resourcePressure,
  IncidentKind.brokerUnhealthy,
];

export const EngineType = { activemq: "ACTIVEMQ", rabbitmq: "RABBITMQ" } as const;
export type EngineType = (typeof EngineType)[keyof typeof EngineType];

/** Amazon MQ deployment modes; active/standby is ActiveMQ's multi-AZ mode, cluster RabbitMQ's. */
export const DeploymentMode = { single: "SINGLE_INSTANCE", activeStandby: "ACTIVE_STANDBY_MULTI_AZ", cluster: "CLUSTER_MULTI_AZ" } as const;
export type DeploymentMode = (typeof DeploymentMode)[keyof typeof DeploymentMode];

/** Amazon MQ broker states (ListBrokers/DescribeBroker `BrokerState`). */
export type BrokerState =
  | "CREATION_IN_PROGRESS"
  | "CREATION_FAILED"
  | "DELETION_IN_PROGRESS"
  | "RUNNING"
  | "REBOOT_IN_PROGRESS"
  | "CRITICAL_ACTION_REQUIRED"
  | "REPLICA"
  | (string & {});

/** Tag keys that steer mq-sentinel per broker. */
export const Tags = {
  ignore: "mq-sentinel:ignore",
  remediate: "mq-sentinel:remediate",
} as const;

/** A broker as the core sees it: the DescribeBroker facts the detectors and policies need. */
export interface Broker {
  id: string;
  name: string;
  arn: string | null;
  state: BrokerState;
  engine: EngineType;
  engineVersion: string | null;
  deploymentMode: DeploymentMode;
  instanceType: string;
  tags: Readonly<Record<string, string>>;
  /**
   * Changes staged on the broker that its next reboot applies (`PendingEngineVersion`,
   * `PendingHostInstanceType`, `PendingSecurityGroups`, `PendingAuthenticationStrategy`,
   * `PendingLdapServerMetadata`, a `Configurations.Pending` revision other than the current one), in
   * words ("engine version 5.18.4"). RebootBroker applies them: a reboot with any staged is a change
   * nobody approved.
   */
  pendingChanges: readonly string[];
  /** The configuration revision the broker runs (`Configurations.Current`), when it has one. */
  configuration: { id: string; revision: number } | null;
  /**
   * CloudWatch `Broker` dimension values of the broker's nodes. ActiveMQ publishes `<name>-1`
   * (and `<name>-2` for the standby of an active/standby pair); RabbitMQ publishes the name.
   */
  nodes: readonly string[];
  /**
   * The endpoints DescribeBroker lists for the broker's instances (`BrokerInstances[].Endpoints`:
   * `amqps://...:5671`, and from RabbitMQ 4.2 the Prometheus endpoint); absent where unknown.
   */
  endpoints?: readonly string[];
}

/** True when the broker's tags say mq-sentinel must skip it. */
export function isIgnored(broker: Pick<Broker, "tags">): boolean {
  return (broker.tags[Tags.ignore] ?? "").trim().toLowerCase() === "true";
}

/** The CloudWatch node names of a broker, from its engine and deployment mode. */
export function nodeNamesFor(name: string, engine: EngineType, mode: DeploymentMode): string[] {
  if (engine === EngineType.rabbitmq) return [name];
  return mode === DeploymentMode.activeStandby ? [`${name}-1`, `${name}-2`] : [`${name}-1`];
}

/**
 * A window of per-minute datapoints shared by every series of one cycle: index `i` is the
 * minute starting at `startMs + i * 60_000`. `null` is a missing datapoint.
 */
export interface MinuteWindow {
  startMs: number;
  minutes: number;
}

/** One series on the cycle's window. */
export type Series = readonly (number | null)[];

/** A queue (ActiveMQ destination or RabbitMQ queue in a virtual host) that CloudWatch publishes. */
export interface QueueRef {
  name: string;
  /** RabbitMQ only: the virtual host. */
  vhost?: string;
}

/** The metric series of one queue for one cycle, keyed by CloudWatch metric name. */
export interface QueueMetrics {
  queue: QueueRef;
  series: Readonly<Record<string, Series>>;
}

/** Everything the detectors get for one broker in one cycle. */
export interface BrokerObservation {
  broker: Broker;
  /** The node whose broker-level metrics were read (the active node), or null if none had data. */
  node: string | null;
  window: MinuteWindow;
  /** Broker-level series keyed by metric name. */
  series: Readonly<Record<string, Series>>;
  /** Latest known values of slow-changing limit metrics (e.g. `OpenwireMaximumConnections`). */
  limits: Readonly<Record<string, number>>;
  /** The queues whose metrics were read this cycle (a subset on most cycles: see the fetch schedule). */
  queues: readonly QueueMetrics[];
  /** Queues CloudWatch lists for the broker, read or not this cycle. */
  knownQueueCount: number;
  /**
   * Per-node series of a RabbitMQ cluster (dimensions `Broker` + `Node`), read when CloudWatch lists
   * the cluster's nodes; absent or empty otherwise (single instances, ActiveMQ, nodes not listed).
   */
  nodes?: readonly NodeObservation[];
  /** Limits set in the broker's current configuration revision (RabbitMQ 4); absent or null when none are. */
  configuredLimits?: RabbitMqConfiguredLimits | null;
}

/** One RabbitMQ node's series for a cycle (the `Node` dimension, e.g. `rabbit@ip-10-0-0-230.us-west-2.compute.internal`). */
export interface NodeObservation {
  node: string;
  /** Series keyed by metric name (`RabbitMQMemUsed`, `RabbitMQDiskFree`, ...). */
  series: Readonly<Record<string, Series>>;
  /** Latest known values of the node's limit metrics (`RabbitMQMemLimit`, `RabbitMQDiskFreeLimit`). */
  limits: Readonly<Record<string, number>>;
}

/**
 * RabbitMQ 4 resource limits read from the broker's current configuration revision (`connection_max`,
 * `channel_max_per_node`, per node); null where the configuration does not set one.
 */
export interface RabbitMqConfiguredLimits {
  connectionMax: number | null;
  channelMaxPerNode: number | null;
  /** Where they were read, for evidence: `configuration c-1234 revision 3`. */
  source: string;
}

/** The numbers that made a finding fire, shown to people as-is. */
export type Evidence = Readonly<Record<string, number | string | boolean | null>>;

/** One detected condition. Its fingerprint `kind|broker|resource` identifies its incident. */
export interface Finding {
  kind: IncidentKind;
  /** BrokerName (never a `-1`/`-2` node), or `*` for account-wide findings. */
  broker: string;
  /** Queue, resource, principal or check id; null where the kind has none. */
  resource: string | null;
  severity: Severity;
  /** The condition within the kind, e.g. `no-consumers`, `stalled`, `heap-critical`. */
  condition: Condition;
  /** What is wrong, in one sentence, with the key number. */
  summary: string;
  evidence: Evidence;
  /** Key series for a sparkline (most recent last). */
  series?: Readonly<Record<string, Series>>;
  /** Minutes the condition must persist before an incident opens (state-based findings). */
  holdMinutes?: number;
  /** The gauge a level-based finding judged (resource pressure): for recovery thresholds and flap summaries. */
  gauge?: GaugeReading;
}

/** A level-based finding's gauge: what it is, the value judged, the newest value and the trigger levels. */
export interface GaugeReading {
  /** What people call it ("CPU"). */
  label: string;
  /** "%" for percent gauges. */
  unit: string;
  /** The value the severity was judged on (the floor over the sustain window). */
  value: number;
  /** The newest value (for the peak). */
  latest: number;
  warning: number;
  critical: number;
}

/** The stable identity of an incident: `kind|broker|resource`. */
export function fingerprintOf(f: Pick<Finding, "kind" | "broker" | "resource">): string {
  return `${f.kind}|${f.broker}|${f.resource ?? ""}`;
}

/**
 * What a detector concluded: the fingerprints it had enough data to judge, and its findings.
 * An incident whose fingerprint was not judged this cycle is left as it is (neither updated nor
 * resolved): missing data is not good news.
 */
export interface Judgement {
  judged: string[];
  findings: Finding[];
}

/**
 * What became of a reboot request (the replay contract's `outcome`): rebooted, what it would have done,
 * refused by a guard, waiting for a person (mode approve), refused by a person, or not answered in time.
 */
export type RemediationOutcome = "executed" | "dry-run" | "blocked" | "awaiting-approval" | "denied" | "expired";

/** What the audit trail and the announcements record: a decision, or a reboot's verdict afterwards. */
export type RemediationRecordOutcome = RemediationOutcome | "verified" | "escalated";

/** One minute in milliseconds: the pipeline's clock tick (every timestamp is epoch milliseconds). */
export const MINUTE_MS = 60_000;
