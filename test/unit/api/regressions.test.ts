import fc from "fast-check";
import { makeApiActivityHandler } from "../../../functions/api-activity";
import { DynamoDbApiActivityStore } from "../../../shared/adapters/dynamodb-api-activity-store";
import { MemoryApiActivityStore } from "../../../shared/adapters/memory-api-activity-store";
import { deniedSubject } from "../../../shared/app/handle-api-event";
import { parseApiEvent } from "../../../shared/core/cloudtrail-event";
import { detectRiskyChange } from "../../../shared/core/detectors/risky-change";
import { IncidentKind, Severity } from "../../../shared/core/types";
import type { ApiActivityStore } from "../../../shared/ports";
import { amazonMqApiEvent, BROKER_ID, DEFAULT_TIME, mutated } from "../../fixtures/cloudtrail/events";
import { createIncidentsTable, type LocalDynamo, startDynalite } from "../../integration/dynamodb-table";
import { RecordingClock } from "../adapters/recording-clock";
import { type ApiWorld, apiWorld, lambdaContext } from "./fakes";

/**
 * Regressions of the API-activity feature: a failed incident write losing the event, attacker-shaped
 * request values making the handler throw, UpdateConfiguration never asking for a posture
 * re-check, and a call recorded twice changing a principal's history.
 */

const NAMES = { [BROKER_ID]: "orders-amq" };

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.stop();
});

function handlerOf(world: ApiWorld) {
  const handler = makeApiActivityHandler(world.deps);
  return (event: unknown) => handler(event, lambdaContext);
}

describe("handleApiEvent (regressions)", () => {
  it("releases the event id and rethrows when saving the incident fails, so a retried delivery opens it", async () => {
    // Prepare: the incident table throttles the one write that would open the incident
    const world = apiWorld({ names: NAMES });
    const handle = handlerOf(world);
    const event = amazonMqApiEvent({ eventName: "DeleteBroker", at: world.clock.now() });
    world.incidents.failSaves = 1;

    // Act
    const first = await handle(event).then(
      (outcome) => `resolved ${outcome.status}`,
      () => "rejected",
    );
    const retried = await handle(structuredClone(event));

    // Assess: the TSDoc of handleApiEvent: "A failure after the claim releases it and rethrows, so
    // the retry of the delivery finds work to do."
    expect(first).toBe("rejected");
    expect(retried.status).toBe("processed");
    expect(await world.incidents.loadActive()).toEqual([
      expect.objectContaining({ kind: IncidentKind.riskyChange, severity: Severity.critical }),
    ]);
  });

  it("never throws for a successful UpdateBroker whose security groups are not strings", async () => {
    // Prepare: parsed JSON whose list element has a "toString" that is not a function: it cannot be
    // joined into a sentence (an own "__proto__": null does the same once capParameters copies it).
    const world = apiWorld({ names: NAMES });
    const event = mutated(amazonMqApiEvent({ eventName: "UpdateBroker" }), (e) => {
      (e.detail as Record<string, unknown>).requestParameters = JSON.parse(
        `{"brokerId":"${BROKER_ID}","securityGroups":[{"toString":"sg-1"}]}`,
      );
    });

    // Act
    const outcome = await handlerOf(world)(event).then(
      (o) => o.status,
      (error: Error) => `threw ${error.name}: ${error.message}`,
    );

    // Assess: "malformed events ... never thrown: a throw would make EventBridge retry a hopeless event"
    expect(outcome).toBe("processed");
  });

  it("never throws for valid change events whose request parameters are replaced by anything", async () => {
    const fields = ["securityGroups", "groups", "configuration", "logs", "engineVersion", "username", "consoleAccess"];
    const events = ["UpdateBroker", "CreateUser", "UpdateUser", "DeleteUser", "UpdateConfiguration"];
    // Keys that JSON may carry and JavaScript treats specially, next to the ones the detector reads.
    const key = fc.constantFrom("toString", "valueOf", "__proto__", "id", "revision", "audit", "general", "name");
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...events),
        fc.dictionary(fc.constantFrom(...fields), fc.anything({ key, maxDepth: 3 }), { minKeys: 1 }),
        async (eventName, parameters) => {
          // Prepare
          const world = apiWorld({ names: NAMES });

          // Act
          const outcome = await handlerOf(world)(
            amazonMqApiEvent({ eventName, requestParameters: { brokerId: BROKER_ID, ...parameters } }),
          );

          // Assess
          expect(outcome.status).toBe("processed");
        },
      ),
      { numRuns: 300, seed: 20260302 },
    );
  });
});

describe("detectRiskyChange (regressions)", () => {
  it("never throws for an UpdateBroker whose configuration revision has no string form", () => {
    // Prepare
    const parsed = parseApiEvent(
      amazonMqApiEvent({
        eventName: "UpdateBroker",
        requestParameters: JSON.parse(`{"brokerId":"${BROKER_ID}","configuration":{"id":"c-1","revision":{"__proto__":null}}}`),
      }),
    );
    if (!parsed.ok) throw new Error(parsed.detail);

    // Act
    const run = () => detectRiskyChange(parsed.call, { brokerName: "orders-amq", ownRoleArns: [], now: DEFAULT_TIME });

    // Assess
    expect(run).not.toThrow();
  });
});

describe("makeApiActivityHandler (regressions)", () => {
  it("requests a posture re-check after a real-shaped UpdateConfiguration", async () => {
    // Prepare: UpdateConfiguration is PUT /v1/configurations/{configuration-id}: CloudTrail logs
    // configurationId and the masked data, never a brokerId.
    const world = apiWorld({ names: NAMES });
    const event = amazonMqApiEvent({
      eventName: "UpdateConfiguration",
      requestParameters: { configurationId: "c-1234", data: "***", description: "tighten the authorization map" },
    });

    // Act
    const outcome = await handlerOf(world)(event);

    // Assess: DESIGN.md: "Create/UpdateConfiguration (which also triggers a posture re-check of that broker)"
    expect(outcome.findings.map((f) => f.resource)).toEqual(["UpdateConfiguration"]);
    expect(world.posture.requested).not.toEqual([]);
  });
});

describe.each<[string, () => Promise<ApiActivityStore>]>([
  ["MemoryApiActivityStore", async () => new MemoryApiActivityStore()],
  [
    "DynamoDbApiActivityStore",
    async () => new DynamoDbApiActivityStore(dynamo.client, await createIncidentsTable(dynamo.client), new RecordingClock()),
  ],
])("%s (regressions)", (_name, createStore) => {
  it("changes nothing when the same event id is recorded again at another time", async () => {
    // Prepare: handleApiEvent dates a call without a readable time at the clock's now, so a
    // delivery retried a minute later records the same event id with another time.
    const store = await createStore();
    const first = { eventId: "eb-1", at: 1_000_000, payload: { n: 1 } };
    await store.record(deniedSubject("alice"), first, 1_000_000);

    // Act
    await store.record(deniedSubject("alice"), { eventId: "eb-1", at: 1_060_000, payload: { n: 1 } }, 1_060_000);

    // Assess: ApiActivityStore.record: "recording the same event id again changes nothing"
    expect(await store.since(deniedSubject("alice"), 0)).toEqual([first]);
  });
});
