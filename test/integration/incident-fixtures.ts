import type { Incident } from "../../shared/core/incidents";
import { anIncident as baseIncident } from "../support/incidents";

export { nextVersion } from "../support/incidents";

/** When the fixtures' incidents were first seen. */
export const FIXTURE_TIME = Date.UTC(2026, 0, 15, 12, 0, 0);

let queueCount = 0;

/** An open consumer-lag incident at version 1, on a queue of its own unless `resource` is given; override any field. */
export function anIncident(overrides: Partial<Incident> = {}): Incident {
  queueCount += 1;
  const resource = overrides.resource === undefined ? `queue-${queueCount}` : overrides.resource;
  return baseIncident({
    resource,
    summary: `${resource} has 1200 messages and no consumer progress for 10 minutes`,
    evidence: { backlog: 1200, consumers: 0, stalledMinutes: 10, drainable: false, note: null },
    series: { QueueSize: [1000, 1100, null, 1200] },
    firstSeenAt: FIXTURE_TIME,
    openedAt: FIXTURE_TIME,
    lastSeenAt: FIXTURE_TIME,
    ...overrides,
  });
}
