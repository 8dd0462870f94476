import type { Incident } from "../../shared/core/incidents";
import { fingerprintOf } from "../../shared/core/types";
import { T0 } from "./clock";

let incidentCount = 0;

/**
 * An open incident at version 1, first seen at `T0`, by default a warning about stalled consumers on
 * queue `work` of broker `orders`; override any field. The fingerprint follows kind, broker and
 * resource, and the peak severity the severity, unless given.
 */
export function anIncident(overrides: Partial<Incident> = {}): Incident {
  incidentCount += 1;
  const kind = overrides.kind ?? "consumer-lag";
  const broker = overrides.broker ?? "orders";
  const resource = overrides.resource === undefined ? "work" : overrides.resource;
  const severity = overrides.severity ?? "warning";
  const condition = overrides.condition ?? "stalled";
  return {
    id: `inc-${incidentCount.toString(16).padStart(16, "0")}`,
    fingerprint: fingerprintOf({ kind, broker, resource }),
    kind,
    broker,
    resource,
    status: "open",
    severity,
    peakSeverity: severity,
    condition,
    summary: `${condition} on ${broker}`,
    evidence: {},
    firstSeenAt: T0,
    openedAt: T0,
    lastSeenAt: T0,
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
