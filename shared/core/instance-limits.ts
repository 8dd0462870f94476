import { type Broker, DeploymentMode, type RabbitMqConfiguredLimits } from "./types";

/**
 * Documented Amazon MQ limits per engine version, instance type and deployment mode, used where the
 * broker does not publish its own. ActiveMQ publishes its per-protocol limits as metrics
 * (`*MaximumConnections`); these numbers are only the fallback. RabbitMQ connection and channel limits
 * apply per node and cannot be read from CloudWatch: from RabbitMQ 4 they are defaults the broker
 * configuration can change (`connection_max`, `channel_max_per_node`), on RabbitMQ 3 fixed maximums.
 */

/** ActiveMQ wire-level connections per protocol: 300 on `mq.*.micro`, 2,000 on larger types. */
export function activeMqConnectionLimit(instanceType: string): number {
  return /\.micro$/.test(instanceType) ? 300 : 2000;
}

/** RabbitMQ connection and channel limits of one node. */
export interface RabbitNodeLimits {
  connections: number;
  channels: number;
}

type LimitTable = Readonly<Record<string, RabbitNodeLimits>>;

const limits = (connections: number, channels: number): RabbitNodeLimits => ({ connections, channels });

/**
 * RabbitMQ 3: the limits are the maximums and cannot be changed, the same per node in a cluster as on a
 * single instance.
 * - t3.micro, m5: "Amazon MQ for RabbitMQ sizing guidelines", single-instance table and the cluster
 *   per-node table (https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-sizing-guidelines.html).
 * - m7g: "Amazon MQ for RabbitMQ maximum resource limit", single-instance and cluster ("Connections per
 *   Node") tables, identical per node
 *   (https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-resource-hard-limit.html);
 *   "Amazon MQ for RabbitMQ 3 brokers, the default is configured with the maximum resource limit"
 *   (rabbitmq-resource-limits-configuration.html).
 */
const RABBITMQ_3: LimitTable = {
  "mq.t3.micro": limits(500, 1_500),
  "mq.m5.large": limits(5_000, 15_000),
  "mq.m5.xlarge": limits(10_000, 30_000),
  "mq.m5.2xlarge": limits(20_000, 60_000),
  "mq.m5.4xlarge": limits(40_000, 120_000),
  "mq.m7g.medium": limits(300, 900),
  "mq.m7g.large": limits(5_000, 15_000),
  "mq.m7g.xlarge": limits(10_000, 30_000),
  "mq.m7g.2xlarge": limits(20_000, 60_000),
  "mq.m7g.4xlarge": limits(40_000, 120_000),
  "mq.m7g.8xlarge": limits(80_000, 240_000),
  "mq.m7g.12xlarge": limits(120_000, 360_000),
  "mq.m7g.16xlarge": limits(160_000, 480_000),
};

/**
 * RabbitMQ 4 defaults ("Default resource limits", tables "Default values for single instance brokers"
 * and "Default values for cluster brokers", both "per Node";
 * https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-resource-limits-configuration.html).
 * RabbitMQ 4 runs on mq.m7g only. The single-instance defaults are 750 connections per vCPU from
 * `large` up, the cluster defaults a third of that per node.
 */
const RABBITMQ_4_SINGLE: LimitTable = {
  "mq.m7g.medium": limits(100, 500),
  "mq.m7g.large": limits(1_500, 4_500),
  "mq.m7g.xlarge": limits(3_000, 9_000),
  "mq.m7g.2xlarge": limits(6_000, 18_000),
  "mq.m7g.4xlarge": limits(12_000, 36_000),
  "mq.m7g.8xlarge": limits(24_000, 72_000),
  "mq.m7g.12xlarge": limits(36_000, 108_000),
  "mq.m7g.16xlarge": limits(48_000, 144_000),
};
const RABBITMQ_4_CLUSTER: LimitTable = {
  "mq.m7g.medium": limits(100, 300),
  "mq.m7g.large": limits(500, 1_500),
  "mq.m7g.xlarge": limits(1_000, 3_000),
  "mq.m7g.2xlarge": limits(2_000, 6_000),
  "mq.m7g.4xlarge": limits(4_000, 12_000),
  "mq.m7g.8xlarge": limits(8_000, 24_000),
  "mq.m7g.12xlarge": limits(12_000, 36_000),
  "mq.m7g.16xlarge": limits(16_000, 48_000),
};

/** Nodes behind a RabbitMQ broker: a cluster has three, and its broker-level counts are their sum. */
export function rabbitMqNodeCount(mode: DeploymentMode): number {
  return mode === DeploymentMode.cluster ? 3 : 1;
}

/** Major and minor of an engine version (`4.2`, `3.13.7`), or null when it is not a version. */
export function engineVersionOf(version: string | null): { major: number; minor: number } | null {
  const match = /^\s*(\d+)(?:\.(\d+))?/.exec(version ?? "");
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2] ?? 0) };
}

/** True for a RabbitMQ version whose broker configuration sets the resource limits (4 and later). */
export function rabbitMqLimitsConfigurable(version: string | null): boolean {
  return (engineVersionOf(version)?.major ?? 0) >= 4;
}

/** One resolved limit of a node, with where it came from. */
export interface ResolvedLimit {
  perNode: number;
  source: string;
}

/** The connection and channel limits mq-sentinel judges a RabbitMQ broker against. */
export interface RabbitMqLimits {
  connections: ResolvedLimit;
  channels: ResolvedLimit;
  /** Nodes the broker-level counts are summed over (3 for a cluster). */
  nodes: number;
  /**
   * Set when a figure is assumed because the engine version or the instance type is not in the tables:
   * what was assumed and why, for people (the cycle logs it once and `check` prints it).
   */
  assumption: string | null;
}

type Broker4Facts = Pick<Broker, "engineVersion" | "instanceType" | "deploymentMode">;

/**
 * The per-node connection and channel limits of a RabbitMQ broker: the configured `connection_max` /
 * `channel_max_per_node` (RabbitMQ 4 only, where set), else the documented figure for its engine
 * version, instance type and deployment mode. Never null: an engine version or instance type missing
 * from the tables gets a stated assumption instead of turning detection off (see `assumeLimits`).
 */
export function rabbitMqLimits(broker: Broker4Facts, configured: RabbitMqConfiguredLimits | null = null): RabbitMqLimits {
  const nodes = rabbitMqNodeCount(broker.deploymentMode);
  const version = engineVersionOf(broker.engineVersion);
  const documented = documentedLimits(broker, version);
  // Only RabbitMQ 4 applies the configured limits; on 3 they are fixed (and the keys do not exist).
  const applies = configured !== null && (version?.major ?? 0) >= 4;
  const connectionMax = applies ? configured.connectionMax : null;
  const channelMax = applies ? configured.channelMaxPerNode : null;
  return {
    connections:
      connectionMax !== null
        ? { perNode: connectionMax, source: `connection_max in ${configured?.source}` }
        : { perNode: documented.limits.connections, source: documented.source },
    channels:
      channelMax !== null
        ? { perNode: channelMax, source: `channel_max_per_node in ${configured?.source}` }
        : { perNode: documented.limits.channels, source: documented.source },
    nodes,
    // An assumption that both configured values replace no longer matters.
    assumption: connectionMax !== null && channelMax !== null ? null : documented.assumption,
  };
}

function modeWords(mode: DeploymentMode): string {
  return mode === DeploymentMode.cluster ? "cluster" : "single instance";
}

/** A table's figures for an instance type: own entries only (a type named `valueOf` finds nothing). */
function lookup(table: LimitTable, type: string): RabbitNodeLimits | undefined {
  return Object.hasOwn(table, type) ? table[type] : undefined;
}

function documentedLimits(
  broker: Broker4Facts,
  version: { major: number; minor: number } | null,
): { limits: RabbitNodeLimits; source: string; assumption: string | null } {
  const type = broker.instanceType;
  const mode = modeWords(broker.deploymentMode);
  const v4 = broker.deploymentMode === DeploymentMode.cluster ? RABBITMQ_4_CLUSTER : RABBITMQ_4_SINGLE;
  if (version !== null && version.major === 3) {
    const known = lookup(RABBITMQ_3, type);
    if (known) return { limits: known, source: `RabbitMQ 3 limit for ${type}`, assumption: null };
    return assumeLimits(RABBITMQ_3, type, `RabbitMQ 3 limit`, `${type} is not among the documented RabbitMQ 3 instance types`);
  }
  if (version !== null && version.major === 4) {
    const known = lookup(v4, type);
    if (known) return { limits: known, source: `RabbitMQ 4 default for ${type} (${mode})`, assumption: null };
    return assumeLimits(
      v4,
      type,
      `RabbitMQ 4 default (${mode})`,
      `${type} is not among the documented RabbitMQ 4 instance types (${mode})`,
    );
  }
  // An engine version the tables do not cover: a newer major keeps the RabbitMQ 4 guardrails until
  // documented otherwise, and an unreadable version takes them too, as they are the lower of the two
  // families' figures for every documented type.
  const why =
    version === null
      ? `engine version ${broker.engineVersion ?? "unknown"} is not readable`
      : `RabbitMQ ${broker.engineVersion} is newer than the documented limits`;
  const known = lookup(v4, type);
  const base = known
    ? { limits: known, source: `assumed: RabbitMQ 4 default for ${type} (${mode})` }
    : assumeLimits(v4, type, `RabbitMQ 4 default (${mode})`, why);
  return {
    limits: base.limits,
    source: base.source,
    assumption: `${why}; assuming ${describeLimits(base.limits)} per node (${base.source.slice("assumed: ".length)})`,
  };
}

/**
 * The assumed limits of an instance type missing from a table. Amazon MQ's defaults scale with the
 * instance size (RabbitMQ 4: 750 connections per vCPU from `large` up), and an instance size names the
 * same vCPU count in every generation (`large` = 2 vCPU, `xlarge` = 4, `<n>xlarge` = 4n), so a type of
 * a new family (`mq.m8g.large`) takes the figure of the documented type of the same size; a size the
 * table does not know takes the table's smallest figure. The smallest figure for every type (100
 * connections on RabbitMQ 4) would be safer on paper, but would alarm on every healthy production
 * broker of an unknown type, and an alarm that is always on is no alarm.
 */
function assumeLimits(
  table: LimitTable,
  type: string,
  what: string,
  why: string,
): { limits: RabbitNodeLimits; source: string; assumption: string | null } {
  const size = sizeOf(type);
  const sameSize = Object.entries(table).find(([known]) => size !== null && sizeOf(known) === size);
  if (sameSize) {
    const [known, figures] = sameSize;
    return {
      limits: figures,
      source: `assumed: ${what} for ${known}, the same size`,
      assumption: `${why}; assuming ${describeLimits(figures)} per node, the ${what} for ${known} (the same size)`,
    };
  }
  const [smallest, figures] = Object.entries(table).sort(([, a], [, b]) => a.connections - b.connections)[0] as [string, RabbitNodeLimits];
  return {
    limits: figures,
    source: `assumed: ${what} for ${smallest}, the smallest`,
    assumption: `${why}; assuming ${describeLimits(figures)} per node, the smallest ${what} (${smallest})`,
  };
}

/** The size part of an instance type (`mq.m7g.2xlarge` → `2xlarge`), or null. */
function sizeOf(type: string): string | null {
  const size = type.split(".").pop() ?? "";
  return /^(micro|small|medium|\d*xlarge|large)$/.test(size) ? size : null;
}

/** "1,500 connections / 4,500 channels". */
export function describeLimits(l: RabbitNodeLimits): string {
  return `${l.connections.toLocaleString("en-US")} connections / ${l.channels.toLocaleString("en-US")} channels`;
}

/**
 * Estimated RabbitMQ file-descriptor limit of the broker: Amazon MQ does not publish it. RabbitMQ's
 * own packaged service unit sets `LimitNOFILE=64000`, so `perNode` (configurable) times the nodes is
 * the working estimate; broker-level `RabbitMQFdUsed` sums the nodes of a cluster.
 */
export function rabbitMqFileDescriptorLimit(perNode: number, mode: DeploymentMode): number {
  return perNode * rabbitMqNodeCount(mode);
}
