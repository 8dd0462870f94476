import { makePollMetricsHandler, type PollMetricsReport } from "../../../functions/poll-metrics";
import { type CycleFigures, KnownBrokerIds } from "../../../shared/app/poll-account";
import type { Incident, Transition } from "../../../shared/core/incidents";
import type { MessageContext } from "../../../shared/core/notifications";
import { consoleLinks } from "../../../shared/core/render/console-links";
import { fingerprintOf, IncidentKind } from "../../../shared/core/types";
import { anIncident } from "../../support/incidents";
import {
  callsOf,
  HOME,
  lambdaContext,
  MINUTE,
  OTHER,
  QUEUE,
  type RegionBroker,
  regionAccount,
  START_MS,
  scheduledEvent,
  twoRegionDeployment,
} from "./two-regions";

const HOME_ORDERS: RegionBroker = { name: "orders", id: "b-use1-orders" };
const EU_ORDERS: RegionBroker = { name: "orders", id: "b-euw1-orders" };
const GONE_AT = 10;

/**
 * Both regions with a broker named `orders`, the deployment's poll-metrics handler over them, and a
 * driver that runs its minute ticks, keeping every report and every figure it emitted.
 */
function pollWorld(options: { home?: RegionBroker[]; other?: RegionBroker[]; homeFaults?: unknown[]; otherFaults?: unknown[] } = {}) {
  const home = regionAccount(HOME, options.home ?? [HOME_ORDERS], options.homeFaults);
  const other = regionAccount(OTHER, options.other ?? [{ ...EU_ORDERS, story: { consumersGoneAt: GONE_AT } }], options.otherFaults);
  const deployment = twoRegionDeployment(home, other);
  const figures: CycleFigures[] = [];
  const knownBrokers = new KnownBrokerIds();
  const handler = makePollMetricsHandler(deployment.pollDeps, {
    otherRegions: [deployment.pollOther],
    emitFigures: (f) => figures.push(f),
    knownBrokers,
  });
  const reports: { minute: number; report: PollMetricsReport }[] = [];
  const runThrough = async (last: number) => {
    for (let m = reports.length === 0 ? 0 : (reports.at(-1)?.minute ?? 0) + 1; m <= last; m++) {
      deployment.clock.minute = m;
      reports.push({ minute: m, report: await handler(scheduledEvent(m), lambdaContext("poll-metrics")) });
    }
  };
  const transitions = (): Transition[] => reports.flatMap((r) => r.report.transitions);
  return { home, other, ...deployment, handler, figures, knownBrokers, reports, runThrough, transitions };
}

const summary = (t: Transition) => [t.type, t.incident.kind, t.incident.broker, t.incident.resource];

/** The resolutions of the world's cycles so far, summarised. */
const resolutions = (w: { transitions(): Transition[] }) =>
  w
    .transitions()
    .filter((t) => t.type === "resolved")
    .map(summary);

/** The consumer-lag incident (any status) of a broker's queue. */
async function incidentOf(store: { get(fingerprint: string): Promise<Incident | null> }, broker: string, resource: string | null = QUEUE) {
  return store.get(fingerprintOf({ kind: IncidentKind.consumerLag, broker, resource }));
}

describe("poll-metrics over two regions", () => {
  it("opens the backlog incident of the eu-west-1 broker on `eu-west-1/orders`, not on the home `orders`", async () => {
    // Prepare
    const w = pollWorld();
    // Act
    await w.runThrough(30);
    // Assess
    const opened = w.transitions().filter((t) => t.type === "opened");
    expect(opened.map(summary)).toEqual([["opened", IncidentKind.consumerLag, "eu-west-1/orders", QUEUE]]);
    expect(opened[0]?.incident.condition).toBe("no-consumers");
    expect(await incidentOf(w.incidents, "orders")).toBeNull();
    expect((await w.incidents.loadActive()).map((i) => i.broker)).toEqual(["eu-west-1/orders"]);
  });

  it("announces the eu-west-1 incident under its qualified name, linking eu-west-1's console and broker id", async () => {
    // Prepare
    const w = pollWorld();
    // Act
    await w.runThrough(30);
    // Assess
    const announced = w.notifier.sent.filter((g) => g.transition === "opened");
    expect(announced.map((g) => g.broker)).toEqual(["eu-west-1/orders"]);
    const [group] = announced;
    const links = consoleLinks(group?.items[0]?.incident as Incident, group?.context as MessageContext);
    expect(links.map((l) => l.url)).toEqual([
      `https://eu-west-1.console.aws.amazon.com/amazon-mq/home?region=eu-west-1#/brokers/details?id=${EU_ORDERS.id}`,
      "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#metricsV2:graph=~();search=orders;namespace=AWS/AmazonMQ",
    ]);
  });

  it("keeps the eu-west-1 incident open through the home cycles while the problem lasts", async () => {
    // Prepare
    const w = pollWorld();
    await w.runThrough(30);
    const opened = await incidentOf(w.incidents, "eu-west-1/orders");
    // Act: look at the incident after every tick (a cycle that judged it clear would set clearSince)
    const seen: Pick<Incident, "id" | "status" | "clearSince">[] = [];
    for (let m = 31; m <= 60; m++) {
      await w.runThrough(m);
      const now = await incidentOf(w.incidents, "eu-west-1/orders");
      seen.push({ id: now?.id ?? "", status: now?.status ?? "resolved", clearSince: now?.clearSince ?? null });
    }
    // Assess
    expect(w.transitions().filter((t) => t.type === "resolved")).toEqual([]);
    expect(seen).toEqual(new Array(30).fill({ id: opened?.id, status: "open", clearSince: null }));
    expect(w.reports.flatMap((r) => r.report.errors)).toEqual([]);
  });

  it("keeps the two regions' incidents of brokers with the same name apart, and resolves only the one that recovered", async () => {
    // Prepare: both brokers lose their consumers; the home one gets them back at minute 35
    const w = pollWorld({ home: [{ ...HOME_ORDERS, story: { consumersGoneAt: GONE_AT, consumersBackAt: 35 } }] });
    await w.runThrough(30);
    const homeIncident = await incidentOf(w.incidents, "orders");
    const euIncident = await incidentOf(w.incidents, "eu-west-1/orders");
    // Act
    await w.runThrough(55);
    // Assess
    expect(homeIncident?.status).toBe("open");
    expect(euIncident?.status).toBe("open");
    expect(homeIncident?.id).not.toBe(euIncident?.id);
    expect(resolutions(w)).toEqual([["resolved", IncidentKind.consumerLag, "orders", QUEUE]]);
    expect((await incidentOf(w.incidents, "orders"))?.status).toBe("resolved");
    expect((await incidentOf(w.incidents, "eu-west-1/orders"))?.status).toBe("open");
  });

  it("reports one merged cycle: both regions' brokers, reads and broker ids", async () => {
    // Prepare
    const w = pollWorld();
    await w.runThrough(4);
    const metricsBefore = w.home.metricsRequested + w.other.metricsRequested;
    const callsBefore = callsOf(w.home, "cloudwatch:GetMetricData") + callsOf(w.other, "cloudwatch:GetMetricData");
    // Act
    await w.runThrough(5);
    // Assess
    const report = w.reports.at(-1)?.report as PollMetricsReport;
    expect(report.brokers).toBe(2);
    expect(report.ignored).toBe(0);
    expect(report.metricsRequested).toBe(w.home.metricsRequested + w.other.metricsRequested - metricsBefore);
    expect(report.getMetricDataCalls).toBe(
      callsOf(w.home, "cloudwatch:GetMetricData") + callsOf(w.other, "cloudwatch:GetMetricData") - callsBefore,
    );
    expect(report.metricsRequested).toBeGreaterThan(0);
    expect(report.brokerIds).toEqual({ orders: HOME_ORDERS.id, "eu-west-1/orders": EU_ORDERS.id });
    expect(report.brokerStates).toEqual({ [HOME_ORDERS.id]: "RUNNING", [EU_ORDERS.id]: "RUNNING" });
    expect(w.knownBrokers.links(w.links, w.links.accountId).brokerIds).toEqual({
      orders: HOME_ORDERS.id,
      "eu-west-1/orders": EU_ORDERS.id,
    });
  });

  it("asks each region's own API once per tick for its own brokers", async () => {
    // Prepare
    const w = pollWorld();
    // Act
    await w.runThrough(0);
    // Assess
    expect(callsOf(w.home, "mq:ListBrokers")).toBe(1);
    expect(callsOf(w.other, "mq:ListBrokers")).toBe(1);
    expect(callsOf(w.home, "mq:DescribeBroker")).toBe(1);
    expect(callsOf(w.other, "mq:DescribeBroker")).toBe(1);
    expect(callsOf(w.home, "cloudwatch:GetMetricData")).toBeGreaterThan(0);
    expect(callsOf(w.other, "cloudwatch:GetMetricData")).toBeGreaterThan(0);
  });

  it("hands its figures to emitFigures once per invocation, matching the merged report", async () => {
    // Prepare
    const w = pollWorld();
    // Act
    await w.runThrough(30);
    // Assess
    expect(w.figures).toHaveLength(w.reports.length);
    expect(w.figures.map((f) => f.at)).toEqual(w.reports.map((r) => START_MS + r.minute * MINUTE));
    for (const [i, { report }] of w.reports.entries()) {
      expect(w.figures[i]).toEqual({
        at: report.at,
        durationMs: 0,
        findings: report.findings.length,
        transitions: report.transitions.length,
        metricsRequested: report.metricsRequested,
        getMetricDataCalls: report.getMetricDataCalls,
        handledErrors: report.errors.length,
      });
    }
    expect(w.figures.reduce((n, f) => n + f.transitions, 0)).toBe(w.transitions().length);
  });

  it("runs one cycle, of the home region only, when no other region is given (and without emitFigures)", async () => {
    // Prepare
    const w = pollWorld();
    const handler = makePollMetricsHandler(w.pollDeps);
    // Act
    const report = await handler(scheduledEvent(0), lambdaContext("poll-metrics"));
    // Assess
    expect(report.brokers).toBe(1);
    expect(report.brokerIds).toEqual({ orders: HOME_ORDERS.id });
    expect(callsOf(w.other, "mq:ListBrokers")).toBe(0);
  });
});

describe("poll-metrics over two regions: a broker missing from one region's list", () => {
  /** An open incident of `broker` as an earlier cycle saved it, planted in the store. */
  async function plantOpen(w: ReturnType<typeof pollWorld>, broker: string): Promise<Incident> {
    const at = START_MS - 30 * MINUTE;
    const incident = anIncident({
      id: `inc-${broker}`,
      kind: IncidentKind.consumerLag,
      broker,
      resource: QUEUE,
      severity: "critical",
      condition: "no-consumers",
      summary: `No consumers on ${QUEUE}`,
      evidence: { condition: "no-consumers", backlog: 1200, consumers: 0 },
      firstSeenAt: at,
      openedAt: at,
      lastSeenAt: at,
    });
    if (!(await w.incidents.save(incident, 0))) throw new Error(`could not plant ${incident.id}`);
    return incident;
  }

  /** eu-west-1's broker list cannot be read this hour: its cycle is skipped and judges nothing. */
  const euListingDenied = [{ operation: "mq:ListBrokers", from: 0, to: 89, error: "AccessDeniedException" }];

  it("leaves an open incident of `eu-west-1/orders` open although the home region lists no broker of that name", async () => {
    // Prepare
    const w = pollWorld({ home: [{ name: "billing", id: "b-use1-billing" }], otherFaults: euListingDenied });
    const planted = await plantOpen(w, "eu-west-1/orders");
    // Act
    await w.runThrough(15);
    // Assess
    const now = await w.incidents.get(planted.fingerprint);
    expect(now?.status).toBe("open");
    expect(now?.version).toBe(planted.version);
    expect(w.transitions()).toEqual([]);
    expect(w.reports[0]?.report.errors).toEqual([
      expect.stringMatching(/^broker inventory unavailable, cycle skipped: .*AccessDeniedException/),
    ]);
  });

  it("still resolves, as gone, the incident of a home broker that the home region no longer lists", async () => {
    // Prepare
    const w = pollWorld({ home: [{ name: "billing", id: "b-use1-billing" }], otherFaults: euListingDenied });
    const homeGone = await plantOpen(w, "orders");
    const euKept = await plantOpen(w, "eu-west-1/orders");
    // Act
    await w.runThrough(15);
    // Assess
    expect(w.transitions().map(summary)).toEqual([["resolved", IncidentKind.consumerLag, "orders", QUEUE]]);
    expect((await w.incidents.get(homeGone.fingerprint))?.status).toBe("resolved");
    expect((await w.incidents.get(euKept.fingerprint))?.status).toBe("open");
  });

  it("judges every incident in a single-region deployment: `eu-west-1/orders`, listed nowhere, resolves as gone", async () => {
    // Prepare: the same store and home list, but the deployment watches the home region only
    const w = pollWorld({ home: [{ name: "billing", id: "b-use1-billing" }] });
    const planted = await plantOpen(w, "eu-west-1/orders");
    const singleRegion = makePollMetricsHandler(w.pollDeps);
    // Act
    const reports: PollMetricsReport[] = [];
    for (let m = 0; m <= 15; m++) {
      w.clock.minute = m;
      reports.push(await singleRegion(scheduledEvent(m), lambdaContext("poll-metrics")));
    }
    // Assess
    expect(reports.flatMap((r) => r.transitions).map(summary)).toEqual([["resolved", IncidentKind.consumerLag, "eu-west-1/orders", QUEUE]]);
    expect((await w.incidents.get(planted.fingerprint))?.status).toBe("resolved");
  });

  it("resolves, as gone, the incident of an eu-west-1 broker that eu-west-1 no longer lists, and leaves the home one", async () => {
    // Prepare: eu-west-1 lists no broker; the home region still has `orders`, with the same problem
    const w = pollWorld({ home: [{ ...HOME_ORDERS, story: { consumersGoneAt: 0 } }], other: [] });
    const euGone = await plantOpen(w, "eu-west-1/orders");
    const homeKept = await plantOpen(w, "orders");
    // Act
    await w.runThrough(15);
    // Assess
    expect(resolutions(w)).toEqual([["resolved", IncidentKind.consumerLag, "eu-west-1/orders", QUEUE]]);
    expect((await w.incidents.get(euGone.fingerprint))?.status).toBe("resolved");
    expect((await w.incidents.get(homeKept.fingerprint))?.status).toBe("open");
  });

  /** DescribeBroker fails all hour in a region (the container is cold, so no cached description helps). */
  const describeFailing = [{ operation: "mq:DescribeBroker", from: 0, to: 89, error: "InternalServerErrorException" }];

  it("keeps the incident of a home broker skipped because DescribeBroker failed (it is not gone)", async () => {
    // Prepare
    const w = pollWorld({ homeFaults: describeFailing, other: [] });
    const planted = await plantOpen(w, "orders");
    // Act
    await w.runThrough(15);
    // Assess
    expect((await w.incidents.get(planted.fingerprint))?.status).toBe("open");
    expect(w.transitions()).toEqual([]);
    expect(w.reports[0]?.report.errors).toEqual([expect.stringMatching(/^broker orders skipped this cycle: /)]);
  });

  it("keeps the incident of an eu-west-1 broker skipped because DescribeBroker failed (regression: the skip named it `orders`, so it was judged gone)", async () => {
    // Prepare
    const w = pollWorld({ otherFaults: describeFailing });
    const planted = await plantOpen(w, "eu-west-1/orders");
    // Act
    await w.runThrough(15);
    // Assess
    expect(resolutions(w)).toEqual([]);
    expect((await w.incidents.get(planted.fingerprint))?.status).toBe("open");
  });

  it("names a skipped eu-west-1 broker `eu-west-1/orders` in the cycle's error line, not the home broker's name `orders` (regression)", async () => {
    // Prepare
    const w = pollWorld({ otherFaults: describeFailing });
    // Act
    await w.runThrough(0);
    // Assess
    expect(w.reports[0]?.report.errors).toEqual([expect.stringMatching(/^broker eu-west-1\/orders skipped this cycle: /)]);
  });
});
