import { closeUnwatched, type FoldRules, foldFindings, type Incident, IncidentStatus, incidentId } from "../../../shared/core/incidents";
import { type Finding, fingerprintOf, IncidentKind, Severity } from "../../../shared/core/types";
import { MINUTE } from "../../support/clock";

const T0 = Date.UTC(2026, 2, 2, 9, 0);
const RULES: FoldRules = { resolveAfterMinutes: 5, refreshMinutes: 15 };

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    kind: IncidentKind.consumerLag,
    broker: "orders",
    resource: "payment.settle",
    severity: Severity.warning,
    condition: "slow-consumers",
    summary: "Backlog grows.",
    evidence: { backlog: 500 },
    ...overrides,
  };
}

/** Folds one cycle and applies every change, as a store whose writes all win would. */
function cycle(active: Map<string, Incident>, findings: Finding[], minute: number, covered = true) {
  const changes = foldFindings({ active, findings, isCovered: () => covered, now: T0 + minute * MINUTE, rules: RULES });
  for (const c of changes) {
    if (c.next.status === IncidentStatus.open || c.next.status === IncidentStatus.pending) active.set(c.next.fingerprint, c.next);
    else active.delete(c.next.fingerprint);
  }
  return changes;
}

describe("foldFindings", () => {
  it("opens an incident on the first finding", () => {
    // Prepare
    const active = new Map<string, Incident>();
    // Act
    const changes = cycle(active, [finding()], 0);
    // Assess
    expect(changes).toHaveLength(1);
    expect(changes[0]?.expectedVersion).toBe(0);
    expect(changes[0]?.transition?.type).toBe("opened");
    expect(changes[0]?.next).toMatchObject({ status: "open", version: 1, openedAt: T0, fingerprint: fingerprintOf(finding()) });
  });

  it("holds a finding with holdMinutes as pending and opens it once it lasted that long", () => {
    // Prepare
    const active = new Map<string, Incident>();
    const held = finding({ kind: IncidentKind.brokerUnhealthy, resource: null, holdMinutes: 20 });
    // Act
    const first = cycle(active, [held], 0);
    const tooEarly = cycle(active, [held], 19);
    const due = cycle(active, [held], 20);
    // Assess
    expect(first[0]?.next.status).toBe("pending");
    expect(first[0]?.transition).toBeNull();
    expect(tooEarly).toHaveLength(0);
    expect(due[0]?.transition?.type).toBe("opened");
    expect(due[0]?.next).toMatchObject({ status: "open", openedAt: T0 + 20 * MINUTE, firstSeenAt: T0 });
  });

  it("dismisses a pending incident that clears before opening, without a transition", () => {
    // Prepare
    const active = new Map<string, Incident>();
    cycle(active, [finding({ holdMinutes: 20 })], 0);
    // Act
    const changes = cycle(active, [], 3);
    // Assess
    expect(changes).toHaveLength(1);
    expect(changes[0]?.next.status).toBe("dismissed");
    expect(changes[0]?.transition).toBeNull();
  });

  it.each([
    [Severity.warning, Severity.critical, "escalated"],
    [Severity.critical, Severity.warning, "updated"],
  ])("announces a severity change from %s to %s as %s and keeps the peak", (from, to, type) => {
    // Prepare
    const active = new Map<string, Incident>();
    cycle(active, [finding({ severity: from })], 0);
    // Act
    const changes = cycle(active, [finding({ severity: to })], 1);
    // Assess
    expect(changes[0]?.transition?.type).toBe(type);
    expect(changes[0]?.transition?.previousSeverity).toBe(from);
    expect(changes[0]?.next.peakSeverity).toBe(Severity.critical);
    expect(changes[0]?.expectedVersion).toBe(1);
  });

  it("writes nothing while an open incident stays the same", () => {
    // Prepare
    const active = new Map<string, Incident>();
    cycle(active, [finding()], 0);
    // Act
    const changes = cycle(active, [finding({ evidence: { backlog: 650 } })], 1);
    // Assess
    expect(changes).toHaveLength(0);
  });

  it("refreshes the stored evidence after refreshMinutes without announcing anything", () => {
    // Prepare
    const active = new Map<string, Incident>();
    cycle(active, [finding()], 0);
    // Act
    const changes = cycle(active, [finding({ evidence: { backlog: 900 } })], 15);
    // Assess
    expect(changes).toHaveLength(1);
    expect(changes[0]?.transition).toBeNull();
    expect(changes[0]?.next.evidence).toEqual({ backlog: 900 });
  });

  it("records a condition change silently", () => {
    // Prepare
    const active = new Map<string, Incident>();
    cycle(active, [finding({ condition: "slow-consumers" })], 0);
    // Act
    const changes = cycle(active, [finding({ condition: "stalled" })], 1);
    // Assess
    expect(changes[0]?.transition).toBeNull();
    expect(changes[0]?.next.condition).toBe("stalled");
  });

  it("resolves only after the condition stayed clear for resolveAfterMinutes", () => {
    // Prepare
    const active = new Map<string, Incident>();
    cycle(active, [finding()], 0);
    // Act
    const clearStarts = cycle(active, [], 1);
    const stillWaiting = cycle(active, [], 5);
    const resolved = cycle(active, [], 6);
    // Assess
    expect(clearStarts[0]?.next.clearSince).toBe(T0 + MINUTE);
    expect(clearStarts[0]?.transition).toBeNull();
    expect(stillWaiting).toHaveLength(0);
    expect(resolved[0]?.transition?.type).toBe("resolved");
    expect(resolved[0]?.next).toMatchObject({ status: "resolved", resolvedAt: T0 + 6 * MINUTE });
    expect(active.size).toBe(0);
  });

  it("does not flap: a finding that returns while clearing keeps the incident open", () => {
    // Prepare
    const active = new Map<string, Incident>();
    cycle(active, [finding()], 0);
    cycle(active, [], 1);
    // Act
    const back = cycle(active, [finding()], 3);
    const laterClear = cycle(active, [], 4);
    const notYet = cycle(active, [], 8);
    // Assess
    expect(back[0]?.transition).toBeNull();
    expect(back[0]?.next.clearSince).toBeNull();
    expect(laterClear[0]?.next.clearSince).toBe(T0 + 4 * MINUTE);
    expect(notYet).toHaveLength(0);
  });

  it("leaves an incident alone when its condition was not judged this cycle", () => {
    // Prepare
    const active = new Map<string, Incident>();
    cycle(active, [finding()], 0);
    // Act
    const changes = cycle(active, [], 30, false);
    // Assess
    expect(changes).toHaveLength(0);
    expect(active.get(fingerprintOf(finding()))?.status).toBe("open");
  });

  it("opens a new incident with a new id after the previous one resolved", () => {
    // Prepare
    const active = new Map<string, Incident>();
    const first = cycle(active, [finding()], 0)[0]?.next.id;
    cycle(active, [], 1);
    cycle(active, [], 6);
    // Act
    const again = cycle(active, [finding()], 10);
    // Assess
    expect(again[0]?.transition?.type).toBe("opened");
    expect(again[0]?.expectedVersion).toBe(0);
    expect(again[0]?.next.id).not.toBe(first);
  });

  it("keeps one finding per fingerprint when a detector repeats itself", () => {
    // Act
    const changes = foldFindings({
      active: new Map(),
      findings: [finding(), finding({ severity: Severity.critical })],
      isCovered: () => true,
      now: T0,
      rules: RULES,
    });
    // Assess
    expect(changes).toHaveLength(1);
  });
});

describe("incidentId", () => {
  it("is stable for a fingerprint and minute, and differs across minutes and fingerprints", () => {
    expect(incidentId("a|b|c", T0)).toBe(incidentId("a|b|c", T0 + 30_000));
    expect(incidentId("a|b|c", T0)).not.toBe(incidentId("a|b|c", T0 + MINUTE));
    expect(incidentId("a|b|c", T0)).not.toBe(incidentId("a|b|d", T0));
    expect(incidentId("a|b|c", T0)).toMatch(/^inc-[0-9a-f]{16}$/);
  });
});

describe("closeUnwatched", () => {
  it("resolves an open incident with the reason it is no longer watched, never as recovered", () => {
    // Prepare
    const active = new Map<string, Incident>();
    const [opened] = cycle(active, [finding()], 0);
    const incident = opened?.next as Incident;
    // Act
    const change = closeUnwatched(incident, "no longer watched: ignored by arn:aws:iam::1:user/mallory", T0 + 3 * MINUTE);
    // Assess
    expect(change?.transition?.type).toBe("resolved");
    expect(change?.expectedVersion).toBe(incident.version);
    expect(change?.next).toMatchObject({
      status: "resolved",
      resolvedAt: T0 + 3 * MINUTE,
      closeReason: "no longer watched: ignored by arn:aws:iam::1:user/mallory",
      version: incident.version + 1,
    });
  });

  it("dismisses a pending incident without a transition: nobody was told of it", () => {
    // Prepare
    const active = new Map<string, Incident>();
    const [held] = cycle(active, [finding({ kind: IncidentKind.brokerUnhealthy, resource: null, holdMinutes: 20 })], 0);
    // Act
    const change = closeUnwatched(held?.next as Incident, "no longer watched", T0 + MINUTE);
    // Assess
    expect(change?.transition).toBeNull();
    expect(change?.next.status).toBe("dismissed");
  });

  it("leaves an incident that is already over alone", () => {
    // Prepare
    const active = new Map<string, Incident>();
    const [opened] = cycle(active, [finding()], 0);
    const resolved: Incident = { ...(opened?.next as Incident), status: IncidentStatus.resolved, resolvedAt: T0 };
    // Act / Assess
    expect(closeUnwatched(resolved, "no longer watched", T0 + MINUTE)).toBeNull();
  });
});
