import { optedIn } from "../core/remediation-policy";
import type { Broker } from "../core/types";
import { describeError } from "../errors";
import type { OptInRecords, OptInState } from "../ports";

/**
 * Keeps the opt-in records (since when each broker carries `mq-sentinel:remediate=reboot`) in step
 * with what the minute cycle sees, for the remediation guard that lets an opt-in count only once it
 * has settled. Lives as long as the warm Lambda (or the replay) and remembers what it recorded, so a
 * cycle in which no tag changed costs no DynamoDB call at all:
 * 1. brokers seen for the first time in this process: one read of their recorded states;
 *    a broker with no record is recorded as it is, `since: null` (the opt-in predates the monitor)
 * 2. a broker whose described opt-in differs from what was recorded: recorded from now
 * A failed read or write is reported and tried again next cycle (the broker stays "unseen").
 */
export class OptInTracker {
  /** What is recorded, by broker id, as far as this process knows. */
  private readonly recorded = new Map<string, boolean>();

  constructor(private readonly records: OptInRecords) {}

  /** Records what `brokers` (this cycle's descriptions) show; returns the handled errors, one line each. */
  async observe(brokers: readonly Broker[], now: number): Promise<string[]> {
    const errors: string[] = [];
    const unseen = brokers.filter((b) => !this.recorded.has(b.id));
    let stored = new Map<string, OptInState>();
    if (unseen.length > 0) {
      try {
        stored = await this.records.get(unseen.map((b) => b.id));
      } catch (error) {
        errors.push(`opt-in records unreadable; ${unseen.length} broker(s) recorded next cycle: ${describeError(error)}`);
        return errors;
      }
    }
    const writes: OptInState[] = [];
    for (const broker of brokers) {
      const described = optedIn(broker);
      const known = this.recorded.has(broker.id) ? this.recorded.get(broker.id) : stored.get(broker.id)?.optedIn;
      if (known === described) {
        this.recorded.set(broker.id, described);
        continue;
      }
      // Nothing recorded: the state predates the monitor. Recorded otherwise: the tag changed.
      const since = known === undefined ? null : now;
      writes.push({ brokerId: broker.id, broker: broker.name, optedIn: described, since, source: "inventory" });
    }
    for (const state of writes) {
      try {
        // False: another writer (the CloudTrail path) recorded the same state first; its time stands.
        await this.records.record(state);
        this.recorded.set(state.brokerId, state.optedIn);
      } catch (error) {
        errors.push(`opt-in of broker ${state.broker} not recorded: ${describeError(error)}`);
      }
    }
    return errors;
  }
}
