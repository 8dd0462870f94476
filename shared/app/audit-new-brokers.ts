import { splitBrokerName } from "../core/regions";
import { MINUTE_MS } from "../core/types";
import { describeError } from "../errors";
import type { ApiActivityStore, Clock, Log, PostureRecheck, PostureTarget } from "../ports";
import { CREATED_BROKERS_SUBJECT, type CreatedBrokerRecord } from "./handle-api-event";

/** What auditing new brokers needs. */
export interface NewBrokerAuditDeps {
  activity: ApiActivityStore;
  posture: PostureRecheck;
  clock: Clock;
  log: Log;
}

/** A broker as this cycle's inventory listed it. */
export interface ListedBroker {
  id: string;
  /** The (qualified) BrokerName: `<region>/<name>` outside the home region. */
  name: string;
  state: string;
}

export interface NewBrokerAuditReport {
  requested: PostureTarget[];
  errors: string[];
}

/** The history subject of the new brokers whose posture re-check was asked for (once per broker). */
export const AUDITED_BROKERS_SUBJECT = "new-broker-audits";
/** A CreateBroker counts this long: creating a broker takes minutes, and its event may come late. */
const CREATED_LOOKBACK_MS = 24 * 60 * MINUTE_MS;
/** Re-check requests are remembered as long as the store keeps records. */
const AUDITED_LOOKBACK_MS = 2 * 24 * 60 * MINUTE_MS;

const CREATING = "CREATION_IN_PROGRESS";
const RUNNING = "RUNNING";

/**
 * A new broker's posture is audited once it runs, not at the next daily audit (the posture audit skips
 * a broker while it is being created). Every metrics cycle:
 * 1. the brokers RUNNING now that this container saw CREATION_IN_PROGRESS (`seen`, updated here), or
 *    that a recorded CreateBroker created
 * 2. minus those whose re-check was already asked for (recorded: neither a cold start nor the two ways
 *    of noticing a new broker ask twice)
 * 3. ask the posture audit to re-check each, and record it
 * A failure is reported and the cycle goes on: the next cycle asks again.
 */
export async function auditNewBrokers(
  deps: NewBrokerAuditDeps,
  brokers: readonly ListedBroker[],
  seen: Map<string, string>,
): Promise<NewBrokerAuditReport> {
  const now = deps.clock.now();
  const report: NewBrokerAuditReport = { requested: [], errors: [] };

  // 1. new and running
  const running = new Map(brokers.filter((b) => b.state === RUNNING).map((b) => [b.id, b]));
  const candidates = new Map<string, { broker: ListedBroker; why: string }>();
  for (const b of running.values()) if (seen.get(b.id) === CREATING) candidates.set(b.id, { broker: b, why: "created, now running" });
  const done = new Set<string>();
  try {
    for (const r of await deps.activity.since(CREATED_BROKERS_SUBJECT, now - CREATED_LOOKBACK_MS)) {
      const created = r.payload as CreatedBrokerRecord;
      const broker = running.get(created.brokerId);
      if (broker && !candidates.has(broker.id)) candidates.set(broker.id, { broker, why: "created by CreateBroker, now running" });
    }
    if (candidates.size === 0) return report;

    // 2. not yet asked for
    const audited = new Set((await deps.activity.since(AUDITED_BROKERS_SUBJECT, now - AUDITED_LOOKBACK_MS)).map((r) => r.eventId));

    // 3. ask, and remember
    for (const { broker, why } of candidates.values()) {
      if (audited.has(broker.id)) {
        done.add(broker.id);
        continue;
      }
      const target: PostureTarget = {
        brokerId: broker.id,
        brokerName: broker.name,
        configurationId: null,
        region: splitBrokerName(broker.name).region,
      };
      await deps.posture.request(target, `new broker: ${why}`);
      await deps.activity.record(AUDITED_BROKERS_SUBJECT, { eventId: broker.id, at: now, payload: { brokerId: broker.id } }, now);
      report.requested.push(target);
      done.add(broker.id);
    }
  } catch (error) {
    const line = `posture re-check of new brokers failed: ${describeError(error)}`;
    deps.log.error(line);
    report.errors.push(line);
  } finally {
    // This container remembers states for the next cycle; a new broker not yet asked for stays "being
    // created", so a failed request is made again.
    const listed = new Set(brokers.map((b) => b.id));
    for (const id of seen.keys()) if (!listed.has(id)) seen.delete(id);
    for (const b of brokers) if (!candidates.has(b.id) || done.has(b.id)) seen.set(b.id, b.state);
  }
  return report;
}
