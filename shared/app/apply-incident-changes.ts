import { mapWithConcurrency } from "../core/concurrency";
import type { IncidentChange, Transition } from "../core/incidents";
import { describeError } from "../errors";
import type { IncidentStore, Log, Notifier } from "../ports";

/** Saves in flight at once. */
const SAVE_CONCURRENCY = 8;

/**
 * Saves incident changes with their conditional writes and announces the transitions whose write
 * won. A failed write is reported and skipped: the store is unchanged, so the next evaluation
 * derives the same change again and nothing is lost.
 */
export async function applyIncidentChanges(
  deps: { incidents: IncidentStore; notifier: Notifier; log: Log },
  changes: readonly IncidentChange[],
  errors: string[],
): Promise<Transition[]> {
  const saved = await mapWithConcurrency(changes, SAVE_CONCURRENCY, async (change) => {
    try {
      const won = await deps.incidents.save(change.next, change.expectedVersion);
      if (!won) deps.log.info("incident changed by another invocation; skipped", { fingerprint: change.next.fingerprint });
      return won ? change.transition : null;
    } catch (error) {
      const line = `saving incident ${change.next.fingerprint} failed: ${describeError(error)}`;
      errors.push(line);
      deps.log.error(line, { incidentId: change.next.id });
      return null;
    }
  });
  const transitions = saved.filter((t): t is Transition => t !== null);
  if (transitions.length > 0) {
    try {
      await deps.notifier.notify(transitions);
    } catch (error) {
      const line = `notification failed: ${describeError(error)}`;
      errors.push(line);
      deps.log.error(line);
    }
  }
  return transitions;
}
