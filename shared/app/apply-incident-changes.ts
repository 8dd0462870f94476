import { mapWithConcurrency } from "../core/concurrency";
import type { IncidentChange, Transition } from "../core/incidents";
import { enqueueTransition } from "../core/notify-policy";
import { describeError } from "../errors";
import type { Clock, IncidentStore, Log } from "../ports";
import { type BrokerTagsOf, type RoutingDeps, routeNotification } from "./notification-routing";

/** Saves in flight at once. */
const SAVE_CONCURRENCY = 8;

/**
 * Saves incident changes with their conditional writes, each with the notification of its
 * transition in the incident's own outbox (one write: the transition cannot be lost or doubled),
 * and returns the transitions whose write won. Each notification goes to the incident's route
 * (`notifications.routes`, matched on `tagsOf` where the caller knows the brokers' tags). A failed write is reported and skipped: the store is
 * unchanged, so the next evaluation derives the same change again and nothing is lost.
 */
export async function applyIncidentChanges(
  deps: RoutingDeps & { incidents: IncidentStore; log: Log; clock: Clock },
  changes: readonly IncidentChange[],
  errors: string[],
  tagsOf?: BrokerTagsOf,
): Promise<Transition[]> {
  const now = deps.clock.now();
  const saved = await mapWithConcurrency(changes, SAVE_CONCURRENCY, async (change) => {
    let next = change.next;
    if (change.transition) {
      const routed = routeNotification(deps, change.next, change.transition.type, tagsOf);
      next = enqueueTransition(routed.incident, change.transition, routed.channels, now);
    }
    try {
      const won = await deps.incidents.save(next, change.expectedVersion);
      if (!won) deps.log.info("incident changed by another invocation; skipped", { fingerprint: next.fingerprint });
      return won && change.transition ? { ...change.transition, incident: next } : null;
    } catch (error) {
      const line = `saving incident ${next.fingerprint} failed: ${describeError(error)}`;
      errors.push(line);
      deps.log.error(line, { incidentId: next.id });
      return null;
    }
  });
  const transitions = saved.filter((t): t is Transition => t !== null);
  for (const t of transitions) {
    deps.log.info(`incident ${t.type}`, {
      incidentId: t.incident.id,
      kind: t.incident.kind,
      broker: t.incident.broker,
      resource: t.incident.resource,
      severity: t.incident.severity,
      summary: t.incident.summary,
    });
  }
  return transitions;
}
