import type { Incident } from "../../shared/core/incidents";

/** When the fixtures' incidents were first seen. */
export const FIXTURE_TIME = Date.UTC(2026, 0, 15, 12, 0, 0);

let incidentCount = 0;

/** An open consumer-lag incident at version 1, on a queue of its own unless `resource` is given; override any field. */
export function anIncident(overrides: Partial<Incident> = {}): Incident {
  incidentCount += 1;
  const broker = overrides.broker ?? "orders";
  const resource = overrides.resource === undefined ? `queue-${incidentCount}` : overrides.resource;
  return {
    id: `inc-${incidentCount.toString(16).padStart(16, "0")}`,
    fingerprint: `consumer-lag|${broker}|${resource ?? ""}`,
    kind: "consumer-lag",
    broker,
    resource,
    status: "open",
    severity: "warning",
    peakSeverity: "warning",
    condition: "stalled",
    summary: `${resource} has 1200 messages and no consumer progress for 10 minutes`,
    evidence: { backlog: 1200, consumers: 0, stalledMinutes: 10, drainable: false, note: null },
    series: { QueueSize: [1000, 1100, null, 1200] },
    firstSeenAt: FIXTURE_TIME,
    openedAt: FIXTURE_TIME,
    lastSeenAt: FIXTURE_TIME,
    clearSince: null,
    resolvedAt: null,
    outbox: [],
    notified: null,
    version: 1,
    ...overrides,
  };
}

/** The next version of `incident` with `changes` applied, as a use case would write it. */
export function nextVersion(incident: Incident, changes: Partial<Incident> = {}): Incident {
  return { ...incident, ...changes, version: incident.version + 1 };
}
