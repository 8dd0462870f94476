import { CONTROL_TAGS_SUBJECT, type ControlTagRecord } from "../app/handle-api-event";
import type { Broker } from "../core/types";
import { MINUTE_MS } from "../core/types";
import { describeError } from "../errors";
import type { ApiActivityStore, BrokerInventory, Clock, InventorySnapshot, Log } from "../ports";

/**
 * A `BrokerInventory` whose brokers carry the `mq-sentinel:*` tag changes CloudTrail reported (recorded
 * by api-activity) before the cached DescribeBroker descriptions catch up. Tags are controls: without
 * this, a broker just tagged `mq-sentinel:ignore=true` would be judged for up to the description TTL
 * more and the incidents its tag closed would open again.
 *
 * A change is laid over the descriptions until every description has been read since it arrived
 * (the inventory's TTL, stretched by up to a fifth, plus a margin): after that the description holds it.
 * Changes apply in the order of their calls, so the latest change of a key wins.
 */
export class CloudTrailTaggedInventory implements BrokerInventory {
  private readonly lookbackMs: number;

  constructor(
    private readonly inner: BrokerInventory,
    private readonly activity: ApiActivityStore,
    private readonly clock: Clock,
    private readonly log: Log,
    /** The inner inventory's description TTL. */
    descriptionTtlMs: number,
  ) {
    this.lookbackMs = Math.ceil(descriptionTtlMs * 1.2) + 2 * MINUTE_MS;
    const read = inner.configurationText;
    if (read) this.configurationText = (configuration) => read.call(inner, configuration);
  }

  /** The inner inventory's configuration reader, when it has one (a decorator must not hide it). */
  readonly configurationText?: BrokerInventory["configurationText"];

  async listBrokers(): Promise<InventorySnapshot> {
    const snapshot = await this.inner.listBrokers();
    let changes: ControlTagRecord[];
    try {
      const records = await this.activity.since(CONTROL_TAGS_SUBJECT, this.clock.now() - this.lookbackMs);
      changes = records.map((r) => r.payload as ControlTagRecord).sort((a, b) => a.at - b.at);
    } catch (error) {
      // The descriptions alone are still the inventory: the cycle goes on with them.
      this.log.warn("recent tag changes unavailable; broker tags as described", { error: describeError(error) });
      return snapshot;
    }
    if (changes.length === 0) return snapshot;
    return { ...snapshot, brokers: snapshot.brokers.map((b) => withTagChanges(b, changes)) };
  }
}

/** A broker with the tag changes of its id applied, in order (the broker itself when none is its). */
export function withTagChanges(broker: Broker, changes: readonly ControlTagRecord[]): Broker {
  const own = changes.filter((c) => c.brokerId === broker.id);
  if (own.length === 0) return broker;
  const tags: Record<string, string> = { ...broker.tags };
  for (const change of own) {
    for (const [key, value] of Object.entries(change.set)) tags[key] = value;
    for (const key of change.removed) delete tags[key];
  }
  return { ...broker, tags };
}
