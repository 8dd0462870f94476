import { makePostureAuditHandler } from "../../../functions/posture-audit";
import type { Incident } from "../../../shared/core/incidents";
import { PostureCheckId } from "../../../shared/core/posture/checks";
import { fingerprintOf, IncidentKind } from "../../../shared/core/types";
import type { PostureTarget } from "../../../shared/ports";
import { callsOf, HOME, lambdaContext, OTHER, type RegionBroker, regionAccount, twoRegionDeployment } from "./two-regions";

const GENERAL_LOG_OFF = { Logs: { Audit: true, General: false } };
const HOME_ORDERS: RegionBroker = { name: "orders", id: "b-use1-orders", describe: GENERAL_LOG_OFF };
const EU_ORDERS: RegionBroker = { name: "orders", id: "b-euw1-orders", describe: GENERAL_LOG_OFF };

/** Both regions with a broker `orders` whose general logs are off, and the deployment's posture-audit handler over them. */
function auditWorld(options: { other?: RegionBroker[] } = {}) {
  const home = regionAccount(HOME, [HOME_ORDERS]);
  const other = regionAccount(OTHER, options.other ?? [EU_ORDERS]);
  const deployment = twoRegionDeployment(home, other);
  const handler = makePostureAuditHandler(deployment.auditDeps, [deployment.auditOther]);
  const audit = (event: unknown) => handler(event, lambdaContext("posture-audit"));
  return { home, other, ...deployment, audit };
}

const generalLogFingerprint = (broker: string) =>
  fingerprintOf({ kind: IncidentKind.posture, broker, resource: PostureCheckId.generalLogDisabled });

/** The posture incident of a broker's general-log check, any status. */
function generalLogIncident(w: ReturnType<typeof auditWorld>, broker: string): Promise<Incident | null> {
  return w.incidents.get(generalLogFingerprint(broker));
}

/** A re-check request as api-activity sends it after a change to a broker. */
function recheck(brokerId: string, brokerName: string, region: string | null): PostureTarget {
  return { brokerId, brokerName, configurationId: null, region };
}

/** Turns a region's broker's general logs on, as a person fixing it would. */
function turnGeneralLogsOn(account: ReturnType<typeof regionAccount>): void {
  for (const b of account.scenario.brokers) b.describe.Logs = { Audit: true, General: true };
}

describe("posture-audit over two regions: the daily audit", () => {
  it("audits both regions and opens one posture incident per broker, each under its own name", async () => {
    // Prepare
    const w = auditWorld();
    // Act
    const report = await w.audit({});
    // Assess
    expect(report.errors).toEqual([]);
    expect(report.audited).toEqual(["orders", "eu-west-1/orders"]);
    expect(report.transitions.map((t) => [t.type, t.incident.broker, t.incident.resource])).toEqual([
      ["opened", "orders", PostureCheckId.generalLogDisabled],
      ["opened", "eu-west-1/orders", PostureCheckId.generalLogDisabled],
    ]);
    expect(callsOf(w.home, "mq:DescribeBroker")).toBeGreaterThan(0);
    expect(callsOf(w.other, "mq:DescribeBroker")).toBeGreaterThan(0);
  });

  it("does not resolve one region's posture incidents from the other region's audit", async () => {
    // Prepare
    const w = auditWorld();
    await w.audit({});
    const before = [await generalLogIncident(w, "orders"), await generalLogIncident(w, "eu-west-1/orders")];
    w.clock.minute = 1;
    // Act
    const report = await w.audit({});
    // Assess
    expect(report.transitions.filter((t) => t.type === "resolved")).toEqual([]);
    const after = [await generalLogIncident(w, "orders"), await generalLogIncident(w, "eu-west-1/orders")];
    expect(after.map((i) => [i?.id, i?.status])).toEqual(before.map((i) => [i?.id, "open"]));
  });

  it("resolves the posture incidents of a broker deleted in eu-west-1, and only those", async () => {
    // Prepare
    const w = auditWorld({ other: [{ ...EU_ORDERS, deletedAt: 2 }] });
    await w.audit({});
    w.clock.minute = 2;
    // Act
    const report = await w.audit({});
    // Assess
    expect(report.audited).toEqual(["orders"]);
    expect(report.transitions.map((t) => [t.type, t.incident.broker])).toEqual([["resolved", "eu-west-1/orders"]]);
    expect((await generalLogIncident(w, "orders"))?.status).toBe("open");
    expect((await generalLogIncident(w, "eu-west-1/orders"))?.status).toBe("resolved");
  });

  it("resolves a check fixed in eu-west-1 without touching the same check failing at home", async () => {
    // Prepare
    const w = auditWorld();
    await w.audit({});
    turnGeneralLogsOn(w.other);
    w.clock.minute = 1;
    // Act
    const report = await w.audit({});
    // Assess
    expect(report.transitions.map((t) => [t.type, t.incident.broker])).toEqual([["resolved", "eu-west-1/orders"]]);
    expect((await generalLogIncident(w, "orders"))?.status).toBe("open");
  });
});

describe("posture-audit: a broker that cannot be described", () => {
  it("keeps its posture incidents on a cold start instead of judging it deleted (regression)", async () => {
    // Prepare: a first audit opens both incidents; then, in a new container (nothing cached),
    // eu-west-1 answers every DescribeBroker with an error
    const home = regionAccount(HOME, [HOME_ORDERS]);
    const other = regionAccount(
      OTHER,
      [EU_ORDERS],
      [{ operation: "mq:DescribeBroker", from: 1, to: 89, error: "InternalServerErrorException" }],
    );
    const first = twoRegionDeployment(home, other);
    await makePostureAuditHandler(first.auditDeps, [first.auditOther])({}, lambdaContext("posture-audit"));
    const cold = twoRegionDeployment(home, other);
    for (const incident of await first.incidents.loadActive()) await cold.incidents.save(incident, 0);
    cold.clock.minute = 1;
    // Act
    const report = await makePostureAuditHandler(cold.auditDeps, [cold.auditOther])({}, lambdaContext("posture-audit"));
    // Assess
    expect(report.audited).toEqual(["orders"]);
    expect(report.errors).toEqual([expect.stringMatching(/^posture audit: broker eu-west-1\/orders could not be described: /)]);
    expect(report.transitions.filter((t) => t.type === "resolved")).toEqual([]);
    expect((await cold.incidents.get(generalLogFingerprint("eu-west-1/orders")))?.status).toBe("open");
  });
});

describe("posture-audit over two regions: a re-check after a change", () => {
  it("audits only eu-west-1 for a target in eu-west-1", async () => {
    // Prepare
    const w = auditWorld();
    // Act
    const report = await w.audit(recheck(EU_ORDERS.id, "eu-west-1/orders", OTHER));
    // Assess
    expect(report.errors).toEqual([]);
    expect(report.audited).toEqual(["eu-west-1/orders"]);
    expect(report.transitions.map((t) => [t.type, t.incident.broker])).toEqual([["opened", "eu-west-1/orders"]]);
    expect(callsOf(w.home, "mq:ListBrokers")).toBe(0);
    expect(callsOf(w.home, "mq:DescribeBroker")).toBe(0);
    expect(await generalLogIncident(w, "orders")).toBeNull();
  });

  it.each([
    ["no region", null],
    ["the home region by name", HOME],
  ])("audits only the home region for a target with %s", async (_case, region) => {
    // Prepare
    const w = auditWorld();
    // Act
    const report = await w.audit(recheck(HOME_ORDERS.id, "orders", region));
    // Assess
    expect(report.audited).toEqual(["orders"]);
    expect(callsOf(w.other, "mq:ListBrokers")).toBe(0);
    expect(callsOf(w.other, "mq:DescribeBroker")).toBe(0);
  });

  it("does not look for an eu-west-1 broker in the home region when the target names no region", async () => {
    // Prepare
    const w = auditWorld();
    // Act
    const report = await w.audit(recheck(EU_ORDERS.id, "eu-west-1/orders", null));
    // Assess
    expect(report.audited).toEqual([]);
    expect(report.transitions).toEqual([]);
    expect(callsOf(w.other, "mq:ListBrokers")).toBe(0);
  });

  it("resolves a check fixed in eu-west-1 on the re-check, leaving the home broker's incident open", async () => {
    // Prepare
    const w = auditWorld();
    await w.audit({});
    turnGeneralLogsOn(w.other);
    w.clock.minute = 1;
    // Act
    const report = await w.audit(recheck(EU_ORDERS.id, "eu-west-1/orders", OTHER));
    // Assess
    expect(report.transitions.map((t) => [t.type, t.incident.broker])).toEqual([["resolved", "eu-west-1/orders"]]);
    expect((await generalLogIncident(w, "orders"))?.status).toBe("open");
  });

  it("skips a target in a region the deployment does not watch, with an error line and no call anywhere", async () => {
    // Prepare
    const w = auditWorld();
    // Act
    const report = await w.audit(recheck("b-aps1-orders", "ap-south-1/orders", "ap-south-1"));
    // Assess
    expect(report).toEqual({
      audited: [],
      staged: [],
      findings: [],
      transitions: [],
      errors: ["posture re-check for region ap-south-1 skipped: the deployment does not watch it (parameter regions)"],
      deliveries: [],
    });
    expect(w.log.entries.filter((e) => e.level === "warn").map((e) => e.message)).toEqual([report.errors[0]]);
    expect(w.home.calls.size + w.other.calls.size).toBe(0);
  });
});
