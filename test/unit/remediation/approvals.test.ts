import { expireApprovals, remediate } from "../../../shared/app/remediate";
import type { Incident, PendingNotification } from "../../../shared/core/incidents";
import type { ApprovalAnswer } from "../../../shared/ports";
import {
  anIncident,
  anOptedInBroker,
  MINUTE,
  plant,
  remediationConfig,
  remediationWorld,
  requestFor,
  Shapes,
  T0,
} from "./remediation-fixtures";

const ORDERS = anOptedInBroker("orders");
const APPROVER = "U024BE7LH";
const APPROVE = remediationConfig({ mode: "approve", approvers: [APPROVER], approvalTtlMinutes: 30 });

/** A world in mode approve with an open stalled-consumer incident on an opted-in broker. */
async function stalledOrders() {
  const world = remediationWorld({ config: APPROVE, brokers: [ORDERS] });
  const incident = await plant(world.incidents, anIncident(Shapes.stalled, "orders"));
  return { ...world, incident, request: requestFor(incident, ORDERS) };
}

function remediationNotes(incident: Incident | null): PendingNotification[] {
  return (incident?.outbox ?? []).filter((n) => n.transition === "remediation");
}

/** An answer as the interactions function records it and hands it over. */
async function answered(
  world: Awaited<ReturnType<typeof stalledOrders>>,
  action: "approve" | "deny",
  user = APPROVER,
): Promise<ApprovalAnswer> {
  const [pending] = await world.deps.approvals.pending();
  if (!pending) throw new Error("no pending request");
  await world.deps.approvals.recordAnswer({ approvalId: pending.id, action, user, at: world.clock.now() });
  return { kind: "approval-answer", approvalId: pending.id };
}

describe("remediate in mode approve", () => {
  it("asks for approval once per incident, with the buttons' request id, the blast radius and every guard", async () => {
    // Prepare
    const w = await stalledOrders();
    const request = {
      ...w.request,
      blastRadius: { connections: 420, consumers: 8, queues: 12, activeNode: "orders-1", nodes: ["orders-1", "orders-2"] },
    };
    // Act
    const first = await remediate(w.deps, request);
    const again = await remediate(w.deps, request);
    // Assess
    expect(first.decision.outcome).toBe("awaiting-approval");
    expect(again.duplicate).toBe(true);
    expect(again.decision.cause).toBe("already-asked");
    expect(w.control.reboots).toEqual([]);
    const [pending] = await w.deps.approvals.pending();
    expect(pending).toMatchObject({ incidentId: w.incident.id, status: "pending", expiresAt: T0 + 30 * MINUTE });
    const notes = remediationNotes(await w.incidents.get(w.incident.fingerprint));
    expect(notes).toHaveLength(1);
    expect(notes[0]?.remediation?.approval).toMatchObject({
      id: pending?.id,
      approvers: [APPROVER],
      blastRadius: request.blastRadius,
      lastReboot: null,
    });
    expect(notes[0]?.remediation?.approval?.guards.every((g) => g.ok)).toBe(true);
  });

  it("reboots once on an approval, even when the answer is handed over twice", async () => {
    // Prepare
    const w = await stalledOrders();
    await remediate(w.deps, w.request);
    w.clock.minute = 3;
    const answer = await answered(w, "approve");
    // Act
    const results = await Promise.all([remediate(w.deps, answer), remediate(w.deps, answer)]);
    // Assess
    expect(results.map((r) => r.decision.outcome).sort()).toEqual(["blocked", "executed"]);
    expect(results.find((r) => r.decision.outcome === "executed")?.decision.reason).toMatch(/approved by U024BE7LH/);
    expect(results.find((r) => r.decision.outcome === "blocked")?.duplicate).toBe(true);
    expect(w.control.reboots).toHaveLength(1);
    expect((await w.ledger.history(0)).map((r) => r.outcome)).toEqual(["awaiting-approval", "executed"]);
  });

  it("checks every guard again at the moment of approval: the kill switch set meanwhile blocks the reboot", async () => {
    // Prepare
    const w = await stalledOrders();
    await remediate(w.deps, w.request);
    w.killSwitch.state = "on";
    const answer = await answered(w, "approve");
    // Act
    const result = await remediate(w.deps, answer);
    // Assess
    expect(result.decision).toEqual({ outcome: "blocked", cause: "kill-switch", reason: "the kill switch is on (SSM parameter)" });
    expect(w.control.reboots).toEqual([]);
  });

  it("records and announces a denial, and reboots nothing", async () => {
    // Prepare
    const w = await stalledOrders();
    await remediate(w.deps, w.request);
    const answer = await answered(w, "deny");
    // Act
    const result = await remediate(w.deps, answer);
    // Assess
    expect(result.decision).toEqual({ outcome: "denied", cause: "denied", reason: `denied by ${APPROVER}` });
    expect(w.control.reboots).toEqual([]);
    expect(remediationNotes(await w.incidents.get(w.incident.fingerprint)).map((n) => n.remediation?.outcome)).toEqual([
      "awaiting-approval",
      "denied",
    ]);
  });

  it("refuses an answer from someone who is not an approver, even one marked approved", async () => {
    // Prepare
    const w = await stalledOrders();
    await remediate(w.deps, w.request);
    const answer = await answered(w, "approve", "U0INTRUDER");
    // Act
    const result = await remediate(w.deps, answer);
    // Assess
    expect(result.decision).toMatchObject({ outcome: "blocked", cause: "not-an-approver" });
    expect(w.control.reboots).toEqual([]);
  });

  it("checks a user group's members again before rebooting (defence in depth): a member reboots, someone removed meanwhile does not", async () => {
    // Prepare: approvers is a user group; its members as Slack would list them (a fake of the Approvers port)
    const members = new Set(["U0ALICE01"]);
    const group = remediationConfig({ mode: "approve", approvers: ["S0ONCALL1"], approvalTtlMinutes: 30 });
    const w = await stalledOrders();
    const deps = {
      ...w.deps,
      config: { ...w.deps.config, remediation: group.remediation },
      approvers: { includes: async (u: string) => members.has(u) },
    };
    const other = remediationWorld({ config: group, brokers: [anOptedInBroker("orders")] });
    const otherIncident = await plant(other.incidents, anIncident(Shapes.stalled, "orders"));
    const otherDeps = { ...other.deps, approvers: deps.approvers };
    await remediate(deps, w.request);
    await remediate(otherDeps, requestFor(otherIncident, ORDERS));
    const byMember = await answered(w, "approve", "U0ALICE01");
    const [otherPending] = await other.deps.approvals.pending();
    await other.deps.approvals.recordAnswer({
      approvalId: otherPending?.id ?? "",
      action: "approve",
      user: "U0BOB0002",
      at: other.clock.now(),
    });
    // Act
    const rebooted = await remediate(deps, byMember);
    const refused = await remediate(otherDeps, { kind: "approval-answer", approvalId: otherPending?.id ?? "" });
    // Assess
    expect(rebooted.decision.outcome).toBe("executed");
    expect(w.control.reboots).toHaveLength(1);
    expect(refused.decision).toEqual({
      outcome: "blocked",
      cause: "not-an-approver",
      reason: "U0BOB0002 is not among remediation.approvers",
    });
    expect(other.control.reboots).toEqual([]);
  });

  it("does nothing with an answer to a request that is not approved (still pending, or expired)", async () => {
    // Prepare
    const w = await stalledOrders();
    await remediate(w.deps, w.request);
    const [pending] = await w.deps.approvals.pending();
    // Act
    const result = await remediate(w.deps, { kind: "approval-answer", approvalId: pending?.id ?? "" });
    // Assess
    expect(result).toMatchObject({ duplicate: true, decision: { outcome: "blocked", cause: "nothing-to-act-on" } });
    expect(w.control.reboots).toEqual([]);
  });
});

describe("expireApprovals", () => {
  it("leaves a request answered in time to the remediate function, even once it is past its time", async () => {
    // Prepare
    const w = await stalledOrders();
    await remediate(w.deps, w.request);
    const answer = await answered(w, "approve");
    w.clock.minute = 40;
    // Act
    const swept = await expireApprovals(w.deps);
    const acted = await remediate(w.deps, answer);
    // Assess
    expect(swept.expired).toEqual([]);
    expect(acted.decision.outcome).toBe("executed");
  });

  it("expires a request nobody answered in time, records and announces it, once", async () => {
    // Prepare
    const w = await stalledOrders();
    await remediate(w.deps, w.request);
    // Act
    w.clock.minute = 29;
    const early = await expireApprovals(w.deps);
    w.clock.minute = 30;
    const due = await expireApprovals(w.deps);
    w.clock.minute = 31;
    const later = await expireApprovals(w.deps);
    // Assess
    expect([early.expired.length, due.expired.length, later.expired.length]).toEqual([0, 1, 0]);
    expect(due.expired[0]?.decision).toEqual({
      outcome: "expired",
      cause: "expired",
      reason: "nobody answered the reboot request within 30 min",
    });
    expect(await w.deps.approvals.pending()).toEqual([]);
    expect((await w.ledger.history(0)).map((r) => r.outcome)).toEqual(["awaiting-approval", "expired"]);
    expect(remediationNotes(await w.incidents.get(w.incident.fingerprint)).map((n) => n.remediation?.outcome)).toContain("expired");
  });
});
