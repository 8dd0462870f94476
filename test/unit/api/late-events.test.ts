import { makeApiActivityHandler } from "../../../functions/api-activity";
import { MAX_EVENT_AGE_MS } from "../../../shared/app/handle-api-event";
import { sweepApiIncidents } from "../../../shared/app/sweep-api-incidents";
import { DEFAULT_CONFIG } from "../../../shared/core/config";
import type { Transition } from "../../../shared/core/incidents";
import { IncidentKind, Severity } from "../../../shared/core/types";
import {
  type ApiEventOptions,
  amazonMqApiEvent,
  BROKER_ID,
  deniedApiEvent,
  principalArn,
  userParameters,
} from "../../fixtures/cloudtrail/events";
import { type ApiWorld, apiWorld, lambdaContext, MINUTE } from "./fakes";

/**
 * Issue 11.4: late events count. CloudTrail reaches EventBridge late and EventBridge retries a delivery
 * for up to a day: bursts are judged by the calls' eventTime, the incident opens when the evidence
 * arrives and says it came late, the sweep counts quiet time from the arrival, and an event too old to
 * judge is logged and counted.
 */

const NAMES = { [BROKER_ID]: "orders-amq" };
const ALICE = principalArn("iam-user") as string;
const { windowMinutes, riskyChangeQuietMinutes } = DEFAULT_CONFIG.apiActivity;
const { resolveAfterMinutes } = DEFAULT_CONFIG.incidents;

function handlerOf(world: ApiWorld) {
  const handler = makeApiActivityHandler(world.deps);
  return (event: unknown) => handler(event, lambdaContext);
}

/** Sweeps once a minute up to `until`; the minutes at which something was resolved. */
async function resolvedMinutes(world: ApiWorld, until: number): Promise<number[]> {
  const out: number[] = [];
  for (let minute = world.clock.minute + 1; minute <= until; minute++) {
    world.clock.minute = minute;
    const report = await sweepApiIncidents(world.deps);
    if (report.transitions.some((t: Transition) => t.type === "resolved")) out.push(minute);
  }
  return out;
}

/**
 * Denied calls made at `madeAt` (minutes from the start), all delivered at minute `arrival`, in the
 * order made; the outcome of each delivery.
 */
async function deliverLate(world: ApiWorld, madeAt: number[], arrival: number, options: ApiEventOptions = {}) {
  const handle = handlerOf(world);
  const events = madeAt.map((m) => deniedApiEvent({ ...options, at: world.clock.now() + m * MINUTE }));
  world.clock.minute = arrival;
  const outcomes = [];
  for (const event of events) outcomes.push(await handle(event));
  return outcomes;
}

describe("makeApiActivityHandler (late events)", () => {
  it("opens the incident of a denied-call burst delivered 20 minutes late, and says it came late", async () => {
    // Prepare
    const world = apiWorld({ names: NAMES });

    // Act: three denied reads at minutes 0-2, all delivered at minute 22
    const outcomes = await deliverLate(world, [0, 1, 2], 22, { eventName: "DescribeBroker" });

    // Assess
    expect(outcomes.map((o) => o.transitions.map((t) => [t.type, t.incident.kind, t.incident.resource]))).toEqual([
      [],
      [],
      [["opened", IncidentKind.unauthorizedApi, ALICE]],
    ]);
    const [incident] = await world.incidents.loadActive();
    expect(incident?.openedAt).toBe(world.clock.now());
    expect(incident?.summary).toContain("evidence arrived 22 min late");
    expect(incident?.evidence.lateMinutes).toBe(22);
  });

  it("does not resolve an incident opened from late evidence at once: quiet time counts from the arrival", async () => {
    // Prepare
    const world = apiWorld({ names: NAMES });
    await deliverLate(world, [0, 1, 2], 22);

    // Act
    const resolved = await resolvedMinutes(world, 22 + windowMinutes + resolveAfterMinutes + 5);

    // Assess: clear once no denial arrived for a window, resolved after the usual hysteresis
    expect(resolved).toEqual([22 + windowMinutes + 1 + resolveAfterMinutes]);
  });

  it("judges a burst by the calls' times: late calls spread over more than a window open nothing", async () => {
    // Prepare
    const world = apiWorld({ names: NAMES });

    // Act: three denied reads 10 minutes apart, all delivered at minute 25
    await deliverLate(world, [0, 10, 20], 25);

    // Assess
    expect(await world.incidents.loadActive()).toEqual([]);
  });

  it("counts a late denial with the denials of its own time that came on time", async () => {
    // Prepare: two denials on time at minutes 0 and 1; the third, made at minute 2, arrives at minute 30
    const world = apiWorld({ names: NAMES });
    const handle = handlerOf(world);
    await handle(deniedApiEvent({ at: world.clock.now() }));
    world.clock.minute = 1;
    await handle(deniedApiEvent({ at: world.clock.now() }));
    const late = deniedApiEvent({ at: world.clock.now() + MINUTE });

    // Act
    world.clock.minute = 30;
    const outcome = await handle(late);

    // Assess
    expect(outcome.transitions.map((t) => [t.type, t.incident.kind])).toEqual([["opened", IncidentKind.unauthorizedApi]]);
  });

  it("opens a risky change delivered late, says so, and keeps it open for the quiet period after its arrival", async () => {
    // Prepare: a DeleteUser made at minute 0, delivered at minute 40
    const world = apiWorld({ names: NAMES });
    const handle = handlerOf(world);
    const event = amazonMqApiEvent({ eventName: "DeleteUser", requestParameters: userParameters("app"), at: world.clock.now() });
    world.clock.minute = 40;

    // Act
    const outcome = await handle(event);
    const resolved = await resolvedMinutes(world, 40 + riskyChangeQuietMinutes + resolveAfterMinutes + 5);

    // Assess
    expect(outcome.transitions.map((t) => [t.type, t.incident.kind, t.incident.severity])).toEqual([
      ["opened", IncidentKind.riskyChange, Severity.warning],
    ]);
    expect(outcome.transitions[0]?.incident.summary).toContain("evidence arrived 40 min late");
    expect(resolved).toEqual([40 + riskyChangeQuietMinutes + 1 + resolveAfterMinutes]);
  });

  it("still judges an event that arrives 23 hours late (EventBridge retries for a day)", async () => {
    // Prepare
    const world = apiWorld({ names: NAMES });
    const event = amazonMqApiEvent({ eventName: "DeleteBroker", at: world.clock.now() });
    world.clock.minute = 23 * 60;

    // Act
    const outcome = await handlerOf(world)(event);

    // Assess
    expect(outcome.status).toBe("processed");
    expect(outcome.findings.map((f) => f.kind)).toEqual([IncidentKind.riskyChange]);
  });

  it("skips, logs and counts an event too old to judge", async () => {
    // Prepare
    const world = apiWorld({ names: NAMES });
    const event = amazonMqApiEvent({ eventName: "DeleteBroker", at: world.clock.now() });
    world.clock.minute = MAX_EVENT_AGE_MS / MINUTE + 1;

    // Act
    const outcome = await handlerOf(world)(event);

    // Assess
    expect(outcome).toMatchObject({ status: "skipped", reason: expect.stringMatching(/^too-old/) });
    expect(await world.incidents.loadActive()).toEqual([]);
    expect(world.log.entries).toContainEqual(
      expect.objectContaining({
        level: "warn",
        message: "API event too old to judge; skipped",
        fields: expect.objectContaining({ ageHours: 25 }),
      }),
    );
  });
});
