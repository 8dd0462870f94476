import {
  type BrokerSummary,
  DescribeBrokerCommand,
  type DescribeBrokerResponse,
  ListBrokersCommand,
  type MqClient,
} from "@aws-sdk/client-mq";
import { mapWithConcurrency } from "../core/concurrency";
import { stableHash } from "../core/stable-hash";
import { type Broker, DeploymentMode, EngineType, nodeNamesFor } from "../core/types";
import { describeError, InventoryUnavailableError, ServiceCallError } from "../errors";
import type { BrokerInventory, Clock, InventorySnapshot, Log } from "../ports";
import { MqConfigurationRevisions } from "./mq-configuration-revisions";
import { RequestPacer } from "./request-pacer";
import { withRetry } from "./retry";

/** ListBrokers page size (the API allows 5-100). */
const PAGE_SIZE = 100;
/** DescribeBroker calls in flight: the Amazon MQ API allows 15 requests/s per account, across all callers. */
const DESCRIBE_CONCURRENCY = 4;
/** Expired descriptions refreshed per cycle (the rest wait a minute or two): keeps warm cycles under the burst quota. */
const MAX_REFRESHES_PER_CYCLE = 25;
/**
 * Brokers described per cycle at most, new ones and refreshes together. A cold start of a large fleet
 * is described over several cycles, at the pacer's 12 requests/s about 10 s a cycle, well inside the
 * poller's timeout; the brokers described are watched at once, the others from the cycle that
 * describes them. Brokers whose state changed are always described.
 */
export const MAX_DESCRIBES_PER_CYCLE = 150;

interface CachedBroker {
  broker: Broker;
  actionsRequired: readonly string[];
  describedAt: number;
}

/**
 * `BrokerInventory` over the Amazon MQ API. ListBrokers runs every cycle (cheap, and it carries
 * each broker's state); DescribeBroker only when a broker is new, its cached description is older
 * than the TTL, or its state changed. When ListBrokers fails the last good list is reused. Every
 * request is paced under the account's Amazon MQ quota, and at most `MAX_DESCRIBES_PER_CYCLE`
 * brokers are described a cycle: a cold start of a large fleet takes a few cycles, each well inside
 * the function's timeout, and the brokers not described yet are reported as pending, not as gone.
 */
export class MqBrokerInventory implements BrokerInventory {
  private readonly cache = new Map<string, CachedBroker>();
  private lastSnapshot: InventorySnapshot | null = null;
  /** Configuration revisions of the same account and region, read with the same client. */
  private readonly configurations: MqConfigurationRevisions;
  /** Every Amazon MQ request of this inventory goes out at the quota's pace. */
  readonly pacer: RequestPacer;

  constructor(
    private readonly client: MqClient,
    private readonly clock: Clock,
    private readonly log: Log,
    private readonly options: {
      ttlMs: number;
      /** How brokers are named (outside the home region: `<region>/<name>`, see core/regions). */
      qualify?: (name: string) => string;
    },
  ) {
    this.pacer = new RequestPacer(clock);
    this.configurations = new MqConfigurationRevisions(client, clock, log, () => this.pacer.take());
  }

  configurationText(configuration: { id: string; revision: number }): Promise<string> {
    return this.configurations.text(configuration);
  }

  async listBrokers(): Promise<InventorySnapshot> {
    let summaries: BrokerSummary[];
    try {
      summaries = await this.listAll();
    } catch (error) {
      if (this.lastSnapshot) {
        this.log.warn("ListBrokers failed; reusing the previous broker list", { error: describeError(error) });
        return { ...this.lastSnapshot, complete: false };
      }
      throw new InventoryUnavailableError(`cannot list brokers: ${describeError(error)}`, { cause: error });
    }

    const now = this.clock.now();
    const skipped: InventorySnapshot["skipped"] = [];
    // Descriptions past their TTL are refreshed oldest first, at most a few a cycle; new brokers and
    // changed states are always described. Each broker's TTL is stretched by up to a fifth (by its
    // id), so the descriptions of a cold start do not all expire, and burst, in the same minute.
    const expired = summaries
      .map((s) => this.cache.get(s.BrokerId ?? ""))
      .filter((c): c is CachedBroker => c !== undefined && now - c.describedAt >= this.ttlOf(c.broker.id))
      .sort((a, b) => a.describedAt - b.describedAt);
    const refreshNow = new Set(expired.slice(0, MAX_REFRESHES_PER_CYCLE).map((c) => c.broker.id));
    // New brokers take what is left of the cycle's budget, in list order: a cold start of a large fleet
    // is described over several cycles (changed states are described whatever the budget).
    let budget = MAX_DESCRIBES_PER_CYCLE - refreshNow.size;
    const describeNow = new Set<string>();
    for (const summary of summaries) {
      const id = summary.BrokerId ?? "";
      const cached = this.cache.get(id);
      if (cached && cached.broker.state !== summary.BrokerState) describeNow.add(id);
      else if (!cached && budget > 0) {
        describeNow.add(id);
        budget--;
      }
    }
    const described = await mapWithConcurrency(summaries, DESCRIBE_CONCURRENCY, async (summary) => {
      const id = summary.BrokerId ?? "";
      const cached = this.cache.get(id);
      if (!cached && !describeNow.has(id)) {
        skipped.push({ brokerId: id, brokerName: this.nameOf(summary), reason: "not described yet", gone: false, pending: true });
        return null;
      }
      const fresh = cached && !refreshNow.has(id) && !describeNow.has(id);
      if (fresh) return cached;
      try {
        const response = await withRetry(
          "mq:DescribeBroker",
          this.clock,
          async () => {
            await this.pacer.take();
            return this.client.send(new DescribeBrokerCommand({ BrokerId: id }));
          },
          { brokerId: id },
        );
        const entry: CachedBroker = {
          broker: toBroker(response, this.options.qualify),
          actionsRequired: actionCodes(response),
          describedAt: now,
        };
        this.cache.set(id, entry);
        return entry;
      } catch (error) {
        if (error instanceof ServiceCallError && error.errorName === "NotFoundException") {
          // Deleted between ListBrokers and DescribeBroker: gone, not an error.
          this.cache.delete(id);
          skipped.push({ brokerId: id, brokerName: this.nameOf(summary), reason: "broker no longer exists", gone: true });
          this.log.info("broker vanished during the cycle", { brokerId: id });
          return null;
        }
        if (cached) {
          this.log.warn("DescribeBroker failed; using the cached description", { brokerId: id, error: describeError(error) });
          return { ...cached, broker: { ...cached.broker, state: summary.BrokerState ?? cached.broker.state } };
        }
        skipped.push({ brokerId: id, brokerName: this.nameOf(summary), reason: describeError(error), gone: false });
        this.log.error("DescribeBroker failed; broker skipped this cycle", { brokerId: id, error: describeError(error) });
        return null;
      }
    });

    const listed = new Set(summaries.map((s) => s.BrokerId));
    for (const id of this.cache.keys()) if (!listed.has(id)) this.cache.delete(id);

    const present = described.filter((e): e is CachedBroker => e !== null);
    const snapshot: InventorySnapshot = {
      brokers: present.map((e) => e.broker),
      skipped,
      actionsRequired: new Map(present.map((e) => [e.broker.id, e.actionsRequired])),
      complete: true,
    };
    this.lastSnapshot = snapshot;
    return snapshot;
  }

  /** How long a broker's description is reused: the TTL, stretched by 0-20% by the broker id. */
  private ttlOf(brokerId: string): number {
    return this.options.ttlMs * (1 + (stableHash(brokerId) % 1000) / 5000);
  }

  /** A listed broker's name as the rest of mq-sentinel knows it (qualified outside the home region). */
  private nameOf(summary: BrokerSummary): string {
    const name = summary.BrokerName ?? summary.BrokerId ?? "unknown";
    return this.options.qualify ? this.options.qualify(name) : name;
  }

  private async listAll(): Promise<BrokerSummary[]> {
    const out: BrokerSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await withRetry("mq:ListBrokers", this.clock, async () => {
        await this.pacer.take();
        return this.client.send(new ListBrokersCommand({ MaxResults: PAGE_SIZE, NextToken: nextToken }));
      });
      out.push(...(page.BrokerSummaries ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return out;
  }
}

/**
 * Maps a DescribeBroker response to the core's `Broker`, named by `qualify` (the CloudWatch node
 * names always come from the Amazon MQ name).
 */
export function toBroker(d: DescribeBrokerResponse, qualify: (name: string) => string = (name) => name): Broker {
  const name = d.BrokerName ?? d.BrokerId ?? "unknown";
  // Amazon MQ answers "ActiveMQ"/"RabbitMQ" (so does CloudTrail), though the SDK's enum says "ACTIVEMQ": compare case-insensitively.
  const engine = (d.EngineType ?? "").toUpperCase() === EngineType.rabbitmq ? EngineType.rabbitmq : EngineType.activemq;
  const mode = (Object.values(DeploymentMode) as string[]).includes(d.DeploymentMode ?? "")
    ? (d.DeploymentMode as DeploymentMode)
    : DeploymentMode.single;
  return {
    id: d.BrokerId ?? name,
    name: qualify(name),
    arn: d.BrokerArn ?? null,
    state: d.BrokerState ?? "RUNNING",
    engine,
    engineVersion: d.EngineVersion ?? null,
    deploymentMode: mode,
    instanceType: d.HostInstanceType ?? "unknown",
    tags: { ...(d.Tags ?? {}) },
    pendingChanges: pendingChangesOf(d),
    configuration: configurationOf(d.Configurations?.Current),
    nodes: nodeNamesFor(name, engine, mode),
    endpoints: (d.BrokerInstances ?? []).flatMap((i) => i.Endpoints ?? []),
  };
}

/** The changes a reboot of the broker would apply, in words (see `Broker.pendingChanges`). */
export function pendingChangesOf(d: DescribeBrokerResponse): string[] {
  const out: string[] = [];
  if (d.PendingEngineVersion) out.push(`engine version ${d.PendingEngineVersion} (now ${d.EngineVersion ?? "unknown"})`);
  if (d.PendingHostInstanceType) out.push(`instance type ${d.PendingHostInstanceType} (now ${d.HostInstanceType ?? "unknown"})`);
  if (d.PendingSecurityGroups && d.PendingSecurityGroups.length > 0) out.push(`security groups ${d.PendingSecurityGroups.join(", ")}`);
  if (d.PendingAuthenticationStrategy) out.push(`authentication strategy ${d.PendingAuthenticationStrategy}`);
  if (d.PendingLdapServerMetadata) out.push("LDAP server settings");
  const current = configurationOf(d.Configurations?.Current);
  const pending = configurationOf(d.Configurations?.Pending);
  if (pending && (pending.id !== current?.id || pending.revision !== current?.revision)) {
    out.push(`configuration ${pending.id} revision ${pending.revision}${current ? ` (now revision ${current.revision})` : ""}`);
  }
  return out;
}

function configurationOf(c: { Id?: string; Revision?: number } | undefined): { id: string; revision: number } | null {
  return c?.Id && typeof c.Revision === "number" ? { id: c.Id, revision: c.Revision } : null;
}

function actionCodes(d: DescribeBrokerResponse): string[] {
  return (d.ActionsRequired ?? []).map((a) => a.ActionRequiredCode ?? a.ActionRequiredInfo ?? "unknown").filter(Boolean);
}
