import fc from "fast-check";
import { killSwitchOff } from "../../../shared/adapters/kill-switch";
import { remediate } from "../../../shared/app/remediate";
import { verifyRemediations } from "../../../shared/app/verify-remediations";
import type { Config } from "../../../shared/core/config";
import type { Incident } from "../../../shared/core/incidents";
import { BUDGET_WINDOW_MS, optedIn, rebootCanHelp } from "../../../shared/core/remediation-policy";
import { type Broker, DeploymentMode, Tags } from "../../../shared/core/types";
import type { RemediationRequest } from "../../../shared/ports";
import {
  anIncident,
  anOptedInBroker,
  FakeKillSwitch,
  type IncidentShape,
  MINUTE,
  plant,
  remediationConfig,
  remediationWorld,
  Shapes,
} from "./remediation-fixtures";

/**
 * Properties of the guarded reboot, over random sequences of incidents, broker states, kill
 * switches, holds, verifications and duplicated or concurrent requests, driven through `remediate`
 * with the memory ledger and incident store. The fake BrokerControl answers DescribeBroker with the
 * facts each step sets, and takes a snapshot of what held at the moment of every RebootBroker.
 */

const BROKERS = ["alpha", "bravo", "charlie"] as const;

type ShapeName = keyof typeof Shapes;
const HELPFUL: ShapeName[] = ["stalled", "heapCritical", "connectionLeakAtLimit"];
const UNHELPFUL = (Object.keys(Shapes) as ShapeName[]).filter((s) => !HELPFUL.includes(s));

/** What DescribeBroker answers for a broker during a step. */
interface Facts {
  gone: boolean;
  state: string;
  deploymentMode: DeploymentMode;
  tag: string | null;
  /** A change staged on the broker (RebootBroker would roll it out). */
  staged: boolean;
}

interface Step {
  gapMinutes: number;
  broker: number;
  shape: ShapeName;
  status: "open" | "pending" | "resolved";
  /** A new incident replaces the fingerprint's current one (the condition cleared and came back). */
  fresh: boolean;
  /** The request names an older incident than the current one. */
  stale: boolean;
  /** The request names another broker's id than the incident's broker. */
  otherBrokerId: boolean;
  facts: Facts;
  killSwitch: "off" | "on" | "unreadable";
  /** Once; twice in a row; the same request twice at once; or two incidents of the broker at once. */
  delivery: "once" | "twice" | "concurrent" | "concurrent-pair";
  /** What a person (or a verification) did before the request. */
  person: "none" | "hold" | "release";
  /** Whether the minute cycle checked the pending reboots before the request. */
  verify: boolean;
}

interface Plan {
  remediation: {
    mode: "off" | "dry-run" | "auto";
    allowSingleInstance: boolean;
    cooldownMinutes: number;
    maxRebootsPerHour: number;
    verifyWithinMinutes: number;
    killSwitch: boolean;
    optInSettleMinutes: number;
  };
  steps: Step[];
}

/** What held when RebootBroker was called. */
interface RebootSnapshot {
  brokerId: string;
  at: number;
  facts: Broker | null;
  heldBecause: string | null;
  /** The requests in flight for this broker, each with its incident as the store held it. */
  requests: { request: RemediationRequest; incident: Incident | null }[];
  /**
   * Since when DescribeBroker has answered with the opt-in each time it was asked (`start`: since the
   * world began, opted in): the monitor knows tags only through what it describes.
   */
  optedInSince: number | "start" | null;
}

/** Mostly a healthy opted-in pair (so reboots happen), otherwise anything DescribeBroker may say. */
const facts: fc.Arbitrary<Facts> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constant<Facts>({
      gone: false,
      state: "RUNNING",
      deploymentMode: DeploymentMode.activeStandby,
      tag: "reboot",
      staged: false,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      gone: fc.constantFrom(false, false, false, false, true),
      state: fc.constantFrom("RUNNING", "RUNNING", "REBOOT_IN_PROGRESS", "CRITICAL_ACTION_REQUIRED", "CREATION_IN_PROGRESS"),
      deploymentMode: fc.constantFrom(DeploymentMode.activeStandby, DeploymentMode.cluster, DeploymentMode.single, DeploymentMode.single),
      tag: fc.constantFrom<string | null>("reboot", "REBOOT", "Reboot", "true", "reboots", "", null),
      staged: fc.constantFrom(false, false, true),
    }),
  },
);

const step: fc.Arbitrary<Step> = fc.record({
  gapMinutes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 15 }), fc.integer({ min: 16, max: 90 })),
  broker: fc.integer({ min: 0, max: BROKERS.length - 1 }),
  shape: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...HELPFUL) }, { weight: 1, arbitrary: fc.constantFrom(...UNHELPFUL) }),
  status: fc.oneof(
    { weight: 8, arbitrary: fc.constant("open" as const) },
    { weight: 2, arbitrary: fc.constantFrom("pending" as const, "resolved" as const) },
  ),
  fresh: fc.constantFrom(false, false, false, true),
  stale: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  otherBrokerId: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  facts,
  killSwitch: fc.constantFrom("off", "off", "off", "off", "off", "off", "on", "unreadable"),
  delivery: fc.constantFrom("once", "twice", "concurrent", "concurrent", "concurrent-pair"),
  person: fc.oneof(
    { weight: 8, arbitrary: fc.constant("none" as const) },
    { weight: 1, arbitrary: fc.constant("hold" as const) },
    { weight: 3, arbitrary: fc.constant("release" as const) },
  ),
  verify: fc.constantFrom(false, false, true),
});

function plan(modes: readonly Plan["remediation"]["mode"][] = ["auto", "auto", "auto", "dry-run", "off"]): fc.Arbitrary<Plan> {
  return fc.record({
    remediation: fc.record({
      mode: fc.constantFrom(...modes),
      allowSingleInstance: fc.boolean(),
      cooldownMinutes: fc.oneof(fc.constant(60), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 180 })),
      maxRebootsPerHour: fc.oneof(fc.constant(2), fc.integer({ min: 0, max: 4 })),
      // Above incidents.resolveAfterMinutes (5): a shorter verification is a configuration error.
      verifyWithinMinutes: fc.integer({ min: 6, max: 60 }),
      killSwitch: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
      optInSettleMinutes: fc.constantFrom(0, 15, 60, 60),
    }),
    steps: fc.array(step, { minLength: 1, maxLength: 30, size: "max" }),
  });
}

function brokerFrom(name: string, f: Facts): Broker {
  return anOptedInBroker(name, {
    state: f.state,
    deploymentMode: f.deploymentMode,
    tags: f.tag === null ? {} : { [Tags.remediate]: f.tag },
    pendingChanges: f.staged ? ["engine version 5.18.4 (now 5.18)"] : [],
  });
}

/** What a played plan gives: its configuration and a snapshot of every reboot. */
interface Played {
  config: Config;
  reboots: RebootSnapshot[];
}

/** Plays a plan; returns the configuration and a snapshot of every reboot. */
async function play(p: Plan): Promise<Played> {
  const config = remediationConfig(p.remediation);
  const world = remediationWorld({ config, brokers: BROKERS.map((name) => anOptedInBroker(name)) });
  const { clock, control, incidents, ledger } = world;
  const inFlight = new Set<RemediationRequest>();
  const reboots: RebootSnapshot[] = [];
  // Every broker starts opted in (the world records it at first sight, as the minute cycle does).
  const optedInSince = new Map<string, number | "start" | null>(BROKERS.map((name) => [`b-${name}`, "start"]));
  control.onDescribe = (brokerId, broker) => {
    if (!broker) return;
    if (!optedIn(broker)) optedInSince.set(brokerId, null);
    else if (optedInSince.get(brokerId) === null) optedInSince.set(brokerId, clock.now());
  };
  control.onReboot = async (brokerId) => {
    const at = clock.now();
    const requests = [...inFlight].filter((r) => r.brokerId === brokerId);
    reboots.push({
      brokerId,
      at,
      facts: control.brokers.get(brokerId) ?? null,
      heldBecause: await ledger.holdOf(brokerId),
      requests: await Promise.all(requests.map(async (request) => ({ request, incident: await incidents.get(request.fingerprint) }))),
      optedInSince: optedInSince.get(brokerId) ?? null,
    });
  };
  const send = async (request: RemediationRequest) => {
    inFlight.add(request);
    try {
      await remediate(world.deps, request);
    } finally {
      inFlight.delete(request);
    }
  };

  for (const s of p.steps) {
    clock.minute += s.gapMinutes;
    const name = BROKERS[s.broker] as string;
    const id = `b-${name}`;
    if (s.facts.gone) control.brokers.delete(id);
    else control.brokers.set(id, brokerFrom(name, s.facts));
    world.deps.killSwitch = s.killSwitch === "off" ? killSwitchOff : new FakeKillSwitch(s.killSwitch);
    if (s.person === "hold") await ledger.hold(id, name, "a person is looking into it");
    if (s.person === "release") await ledger.releaseHold(id);
    if (s.verify) await verifyRemediations(world.deps, control.states());

    const incident = await upsert(incidents, Shapes[s.shape], name, s, clock.now());
    const brokerId = s.otherBrokerId ? `b-${BROKERS[(s.broker + 1) % BROKERS.length]}` : id;
    const request: RemediationRequest = {
      incidentId: s.stale ? `${incident.id}-older` : incident.id,
      fingerprint: incident.fingerprint,
      broker: name,
      brokerId,
      requestedAt: clock.now(),
    };
    if (s.delivery === "once") await send(request);
    if (s.delivery === "twice") {
      await send(request);
      await send({ ...request });
    }
    if (s.delivery === "concurrent") await Promise.all([send(request), send({ ...request })]);
    if (s.delivery === "concurrent-pair") {
      const other = await upsert(incidents, { ...Shapes.stalled, resource: "retry.queue" }, name, { ...s, status: "open" }, clock.now());
      await Promise.all([send(request), send({ ...request, incidentId: other.id, fingerprint: other.fingerprint })]);
    }
  }
  return { config, reboots };
}

/** The fingerprint's incident after the step: a fresh one, or the current one with the step's status. */
async function upsert(
  store: ReturnType<typeof remediationWorld>["incidents"],
  shape: IncidentShape,
  broker: string,
  s: Pick<Step, "fresh" | "status">,
  now: number,
): Promise<Incident> {
  const candidate = anIncident(shape, broker, { status: s.status, firstSeenAt: now });
  const current = await store.get(candidate.fingerprint);
  if (!current || s.fresh || current.status === "resolved" || current.status === "dismissed") return plant(store, candidate);
  const next = { ...current, status: s.status, version: current.version + 1 };
  if (!(await store.save(next, current.version))) throw new Error("the test's own write lost a race");
  return next;
}

const RUNS = { numRuns: 150 };

/** Plays RUNS plans drawn from `plans` and asserts `invariant` of each play (fast-check shrinks a failing plan). */
function everyPlay(plans: fc.Arbitrary<Plan>, invariant: (played: Played) => void): Promise<void> {
  return fc.assert(
    fc.asyncProperty(plans, async (p) => invariant(await play(p))),
    RUNS,
  );
}

describe("remediate (properties)", () => {
  it("never reboots a broker twice inside the cooldown, even for duplicated and concurrent requests", async () => {
    await everyPlay(plan(), ({ config, reboots }) => {
      // Assess
      for (const name of BROKERS) {
        const times = reboots.filter((r) => r.brokerId === `b-${name}`).map((r) => r.at);
        for (let i = 1; i < times.length; i++) {
          expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(config.remediation.cooldownMinutes * MINUTE);
        }
      }
    });
  });

  it("never reboots a broker that is not opted in, not RUNNING, gone, or single-instance without permission", async () => {
    await everyPlay(plan(), ({ config, reboots }) => {
      // Assess
      for (const r of reboots) {
        expect(r.facts).not.toBeNull();
        const broker = r.facts as Broker;
        expect(optedIn(broker)).toBe(true);
        expect(broker.state).toBe("RUNNING");
        if (!config.remediation.allowSingleInstance) expect(broker.deploymentMode).not.toBe(DeploymentMode.single);
        expect(r.requests.some((q) => q.incident?.broker === broker.name)).toBe(true);
      }
    });
  });

  it("never reboots a broker with a change staged", async () => {
    await everyPlay(plan(), ({ reboots }) => {
      // Assess
      for (const r of reboots) expect(r.facts?.pendingChanges).toEqual([]);
    });
  });

  it("never reboots a broker whose opt-in tag has been in place for less than optInSettleMinutes", async () => {
    await everyPlay(plan(["auto"]), ({ config, reboots }) => {
      // Assess
      for (const r of reboots) {
        expect(r.optedInSince).not.toBeNull();
        if (r.optedInSince !== "start" && r.optedInSince !== null)
          expect(r.at - r.optedInSince).toBeGreaterThanOrEqual(config.remediation.optInSettleMinutes * MINUTE);
      }
    });
  });

  it("never reboots in mode off or dry-run", async () => {
    await everyPlay(plan(["off", "dry-run"]), ({ reboots }) => {
      // Assess
      expect(reboots).toEqual([]);
    });
  });

  it("never reboots more brokers within any 60 minutes than maxRebootsPerHour", async () => {
    await everyPlay(plan(["auto"]), ({ config, reboots }) => {
      // Assess
      for (const r of reboots) {
        const within = reboots.filter((x) => x.at <= r.at && x.at > r.at - BUDGET_WINDOW_MS).length;
        expect(within).toBeLessThanOrEqual(config.remediation.maxRebootsPerHour);
      }
    });
  });

  it("never reboots for an incident a reboot cannot help, nor for one that is not open", async () => {
    await everyPlay(plan(["auto"]), ({ reboots }) => {
      // Assess
      for (const r of reboots) {
        const justified = r.requests.some(
          ({ request, incident }) =>
            incident !== null && incident.id === request.incidentId && incident.status === "open" && rebootCanHelp(incident).helps,
        );
        expect(justified).toBe(true);
      }
    });
  });

  it("never reboots a held broker", async () => {
    await everyPlay(plan(["auto"]), ({ reboots }) => {
      // Assess
      for (const r of reboots) expect(r.heldBecause).toBeNull();
    });
  });

  it("reboots in most generated runs, so the properties above are not vacuous", async () => {
    // Prepare
    const plans = fc.sample(plan(["auto"]), { numRuns: 200, seed: 42 });
    // Act
    const results = await Promise.all(plans.map(play));
    // Assess
    const withReboots = results.filter((r) => r.reboots.length > 0).length;
    const withTwo = results.filter((r) => r.reboots.length > 1).length;
    const withOneBrokerTwice = results.filter((r) => new Set(r.reboots.map((x) => x.brokerId)).size < r.reboots.length).length;
    const afterATagChange = results.filter((r) => r.reboots.some((x) => typeof x.optedInSince === "number")).length;
    const withBudgetSpent = results.filter((r) => {
      const max = r.config.remediation.maxRebootsPerHour;
      const inWindow = (at: number) => r.reboots.filter((x) => x.at <= at && x.at > at - BUDGET_WINDOW_MS).length;
      return max > 0 && r.reboots.some((x) => inWindow(x.at) === max);
    }).length;
    expect(withReboots).toBeGreaterThan(100);
    expect(withTwo).toBeGreaterThan(70);
    expect(withOneBrokerTwice).toBeGreaterThan(30);
    expect(withBudgetSpent).toBeGreaterThan(30);
    expect(afterATagChange).toBeGreaterThan(5);
  });
});
