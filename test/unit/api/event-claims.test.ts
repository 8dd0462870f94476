import { makeApiActivityHandler } from "../../../functions/api-activity";
import { MemoryApiActivityStore } from "../../../shared/adapters/memory-api-activity-store";
import { EVENT_CLAIM_LEASE_MS, EventInProgressError } from "../../../shared/app/handle-api-event";
import type { Incident } from "../../../shared/core/incidents";
import { IncidentKind, Severity } from "../../../shared/core/types";
import type { EventClaim } from "../../../shared/ports";
import { amazonMqApiEvent, BROKER_ID, deniedApiEvent } from "../../fixtures/cloudtrail/events";
import { type ApiWorld, apiWorld, lambdaContext } from "./fakes";

/**
 * Issue 11.3: a claimed CloudTrail event is never lost. A claim is a lease longer than the function's
 * timeout, the event is marked done only once its findings are stored, and the retry of a delivery
 * whose invocation died (a timeout, a crash) processes the event once the lease has run out.
 */

const NAMES = { [BROKER_ID]: "orders-amq" };
const SECOND = 1_000;

function handlerOf(world: ApiWorld) {
  const handler = makeApiActivityHandler(world.deps);
  return (event: unknown) => handler(event, lambdaContext);
}

/** The memory store, noting the order of its claim calls next to the incident writes (shared list). */
class OrderedActivityStore extends MemoryApiActivityStore {
  constructor(readonly steps: string[]) {
    super();
  }
  override async claimEvent(eventId: string, now: number, leaseMs: number): Promise<EventClaim> {
    this.steps.push("claim");
    return super.claimEvent(eventId, now, leaseMs);
  }
  override async completeEvent(eventId: string, token: string, now: number): Promise<boolean> {
    this.steps.push("done");
    return super.completeEvent(eventId, token, now);
  }
}

describe("makeApiActivityHandler (event claims)", () => {
  it("leases a claim for longer than the 30 s function timeout, and less than Lambda's first retry after a timeout", () => {
    // Assess: the timeout is serverless.yml's; Lambda retries a failed asynchronous invocation a minute after it failed
    expect(EVENT_CLAIM_LEASE_MS).toBeGreaterThan(30 * SECOND);
    expect(EVENT_CLAIM_LEASE_MS).toBeLessThan(30 * SECOND + 60 * SECOND);
  });

  it("processes the retry of an event whose invocation died after its claim, once the lease ran out, and opens the incident", async () => {
    // Prepare: the first invocation claims the DeleteBroker event, then hangs on the incident table
    // until Lambda kills it (it never gives the claim back)
    const world = apiWorld({ names: NAMES });
    const handle = handlerOf(world);
    const event = amazonMqApiEvent({ eventName: "DeleteBroker", at: world.clock.now() });
    world.incidents.hangLoads = 1;
    void handle(event);
    await new Promise((resolve) => setImmediate(resolve));

    // Act: Lambda's retries, a minute and three minutes later
    world.clock.minute = 1.5;
    const retry = await handle(structuredClone(event));

    // Assess
    expect(retry.status).toBe("processed");
    expect(retry.transitions.map((t) => [t.type, t.incident.kind, t.incident.severity])).toEqual([
      ["opened", IncidentKind.riskyChange, Severity.critical],
    ]);
    expect(world.notifier.announced()).toEqual([["opened", IncidentKind.riskyChange, Severity.critical]]);
  });

  it("fails a delivery that finds the event claimed by a live invocation, so that it is retried, not acknowledged", async () => {
    // Prepare: another invocation claimed the event a few seconds ago and is still working on it
    const world = apiWorld({ names: NAMES });
    const event = deniedApiEvent({ eventName: "DeleteBroker", at: world.clock.now() });
    world.incidents.hangLoads = 1;
    const handle = handlerOf(world);
    void handle(event);
    await new Promise((resolve) => setImmediate(resolve));

    // Act
    const second = await handle(structuredClone(event)).then(
      (outcome) => outcome.status,
      (error: unknown) => error,
    );

    // Assess
    expect(second).toBeInstanceOf(EventInProgressError);
    expect((second as EventInProgressError).retryable).toBe(true);
    expect(world.log.entries).toContainEqual(
      expect.objectContaining({ level: "warn", message: expect.stringContaining("claimed by another") }),
    );
  });

  it("acknowledges a delivery of an event that was marked done, however long after", async () => {
    // Prepare
    const world = apiWorld({ names: NAMES });
    const handle = handlerOf(world);
    const event = amazonMqApiEvent({ eventName: "DeleteBroker", at: world.clock.now() });
    await handle(event);

    // Act
    world.clock.minute = 120;
    const again = await handle(structuredClone(event));

    // Assess
    expect(again.status).toBe("duplicate");
    expect(world.notifier.announced()).toHaveLength(1);
  });

  it("marks the event done only after its incident is stored", async () => {
    // Prepare
    const world = apiWorld({ names: NAMES });
    const steps: string[] = [];
    const activity = new OrderedActivityStore(steps);
    const incidents = world.incidents;
    const saving = {
      loadActive: () => incidents.loadActive(),
      get: (fingerprint: string) => incidents.get(fingerprint),
      loadWithPendingNotifications: () => incidents.loadWithPendingNotifications(),
      save: async (incident: Incident, expectedVersion: number) => {
        steps.push(`save ${incident.kind}`);
        return incidents.save(incident, expectedVersion);
      },
    };
    const handler = makeApiActivityHandler({ ...world.deps, activity, incidents: saving });

    // Act
    await handler(amazonMqApiEvent({ eventName: "DeleteBroker", at: world.clock.now() }), lambdaContext);

    // Assess: the delivery of its notification saves it again afterwards
    expect(steps.slice(0, steps.indexOf("done") + 1)).toEqual(["claim", `save ${IncidentKind.riskyChange}`, "done"]);
  });
});
