import fc from "fast-check";
import { makeApiActivityHandler } from "../../../functions/api-activity";
import { deniedSubject, riskySubject } from "../../../shared/app/handle-api-event";
import { sweepApiIncidents } from "../../../shared/app/sweep-api-incidents";
import { DEFAULT_CONFIG } from "../../../shared/core/config";
import type { Transition } from "../../../shared/core/incidents";
import { IncidentKind, Severity } from "../../../shared/core/types";
import {
  amazonMqApiEvent,
  BROKER_ID,
  type CloudTrailApiEvent,
  deniedApiEvent,
  mutated,
  principalArn,
  roleArn,
  updateBrokerParameters,
  userParameters,
} from "../../fixtures/cloudtrail/events";
import { type ApiWorld, apiWorld, lambdaContext } from "./fakes";

const ALICE = principalArn("iam-user") as string;
const NAMES = { [BROKER_ID]: "orders-amq" };
const { windowMinutes, riskyChangeQuietMinutes } = DEFAULT_CONFIG.apiActivity;
const { resolveAfterMinutes } = DEFAULT_CONFIG.incidents;

/** The api-activity handler over a world's ports. */
function handlerOf(world: ApiWorld) {
  const handler = makeApiActivityHandler(world.deps);
  return (event: unknown) => handler(event, lambdaContext);
}

/** A denied DescribeBroker (by alice, the IAM user, unless told otherwise) at the world's current minute. */
function deniedNow(world: ApiWorld, options: Parameters<typeof deniedApiEvent>[0] = {}): CloudTrailApiEvent {
  return deniedApiEvent({ eventName: "DescribeBroker", at: world.clock.now(), ...options });
}

const summaryOf = (t: Transition) => [t.type, t.incident.kind, t.incident.severity];

describe("makeApiActivityHandler", () => {
  describe("denied calls", () => {
    it("opens one unauthorized-api incident for a denied burst and escalates it as the burst grows", async () => {
      // Prepare
      const world = apiWorld({ names: NAMES });
      const handle = handlerOf(world);
      const deliver = async (minute: number) => {
        world.clock.minute = minute;
        return handle(deniedNow(world));
      };

      // Act
      const transitionsAt = new Map<number, Transition[]>();
      for (let minute = 0; minute < 10; minute++) {
        const outcome = await deliver(minute);
        if (outcome.transitions.length > 0) transitionsAt.set(minute, outcome.transitions);
      }

      // Assess: opened at the third denial, escalated at the tenth
      expect([...transitionsAt.entries()].map(([minute, ts]) => [minute, ts.map(summaryOf)])).toEqual([
        [2, [["opened", IncidentKind.unauthorizedApi, Severity.warning]]],
        [9, [["escalated", IncidentKind.unauthorizedApi, Severity.critical]]],
      ]);
      expect(world.notifier.announced()).toEqual([
        ["opened", IncidentKind.unauthorizedApi, Severity.warning],
        ["escalated", IncidentKind.unauthorizedApi, Severity.critical],
      ]);
      expect(world.notifier.sent.map((g) => g.broker)).toEqual(["*", "*"]);
      const active = await world.incidents.loadActive();
      expect(active).toHaveLength(1);
      expect(active[0]).toMatchObject({
        broker: "*",
        resource: ALICE,
        status: "open",
        severity: Severity.critical,
        peakSeverity: Severity.critical,
      });
      expect(active[0]?.evidence).toMatchObject({ deniedCalls: 10, principal: ALICE });
    });

    it("changes nothing when the same event is delivered twice", async () => {
      // Prepare
      const world = apiWorld({ names: NAMES });
      const handle = handlerOf(world);
      const events = [0, 1, 2].map((minute) => deniedNow(world, { at: world.clock.now() + minute * 60_000 }));
      world.clock.minute = 2;
      for (const event of events) await handle(event);
      const before = {
        sent: world.notifier.sent.length,
        history: (await world.activity.since(deniedSubject(ALICE), 0)).length,
        incidents: await world.incidents.loadActive(),
      };

      // Act
      const again = await handle(structuredClone(events[2]));

      // Assess
      expect(again).toMatchObject({ status: "duplicate", transitions: [], findings: [] });
      expect(world.notifier.sent).toHaveLength(before.sent);
      expect(await world.activity.since(deniedSubject(ALICE), 0)).toHaveLength(before.history);
      expect(await world.incidents.loadActive()).toEqual(before.incidents);
      expect(world.log.entries).toContainEqual(expect.objectContaining({ level: "info", message: "duplicate API event ignored" }));
    });

    it("keeps principals apart: two principals with two denials each open nothing", async () => {
      // Prepare
      const world = apiWorld({ names: NAMES });
      const handle = handlerOf(world);

      // Act
      for (const identity of ["iam-user", "assumed-role", "iam-user", "assumed-role"] as const)
        await handle(deniedNow(world, { identity }));

      // Assess
      expect(world.notifier.sent).toEqual([]);
      expect(await world.activity.since(deniedSubject(principalArn("assumed-role") as string), 0)).toHaveLength(2);
    });

    it("opens a critical incident at once for a single denial by another account's role", async () => {
      // Prepare
      const world = apiWorld({ names: NAMES });

      // Act
      const outcome = await handlerOf(world)(deniedNow(world, { identity: "cross-account-role" }));

      // Assess
      expect(outcome.status).toBe("processed");
      expect(outcome.transitions.map(summaryOf)).toEqual([["opened", IncidentKind.unauthorizedApi, Severity.critical]]);
      expect(outcome.transitions[0]?.incident.resource).toBe(principalArn("cross-account-role"));
      expect(world.notifier.announced()).toEqual([["opened", IncidentKind.unauthorizedApi, Severity.critical]]);
    });
  });

  describe("malformed events", () => {
    const valid = amazonMqApiEvent({ eventName: "DeleteBroker" });
    it.each<[string, unknown]>([
      ["null", null],
      ["undefined", undefined],
      ["a string", "AWS API Call via CloudTrail"],
      ["an array", [valid]],
      ["an empty object", {}],
      ["an event without detail", mutated(valid, (e) => delete e.detail)],
      ["a detail that is a string", mutated(valid, (e) => (e.detail = "DeleteBroker"))],
      ["an eventName that is a number", mutated(valid, (e) => ((e.detail as Record<string, unknown>).eventName = 1))],
      ["an event of EC2", mutated(valid, (e) => (e.source = "aws.ec2"))],
      ["a console sign-in", mutated(valid, (e) => (e["detail-type"] = "AWS Console Sign In via CloudTrail"))],
    ])("skips %s with a logged warning and never throws", async (_case, raw) => {
      // Prepare
      const world = apiWorld({ names: NAMES });

      // Act
      const outcome = await handlerOf(world)(raw);

      // Assess
      expect(outcome).toMatchObject({ status: "skipped", findings: [], transitions: [] });
      expect(outcome.reason).toMatch(/^(malformed|not-amazon-mq): /);
      expect(world.log.entries).toContainEqual(expect.objectContaining({ level: "warn", message: "API event skipped" }));
      expect(world.notifier.sent).toEqual([]);
      expect(world.directory.lookups).toBe(0);
    });
  });

  describe("failures", () => {
    it("releases the event id and rethrows when the incident store fails after the claim, so a retried delivery processes it", async () => {
      // Prepare
      const world = apiWorld({ names: NAMES });
      const handle = handlerOf(world);
      const event = amazonMqApiEvent({ eventName: "DeleteBroker", at: world.clock.now() });
      world.incidents.failLoads = 1;

      // Act
      const first = handle(event).then(
        () => "resolved",
        (error: Error) => error.message,
      );
      const failed = await first;
      const retried = await handle(structuredClone(event));

      // Assess
      expect(failed).toBe("ProvisionedThroughputExceededException");
      expect(retried.status).toBe("processed");
      expect(retried.transitions.map(summaryOf)).toEqual([["opened", IncidentKind.riskyChange, Severity.critical]]);
      expect(world.notifier.announced()).toEqual([["opened", IncidentKind.riskyChange, Severity.critical]]);
    });

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

    it("counts a denied call once when its delivery failed half-way and was retried", async () => {
      // Prepare
      const world = apiWorld({ names: NAMES });
      const handle = handlerOf(world);
      const event = deniedNow(world);
      world.incidents.failLoads = 1;

      // Act
      await expect(handle(event)).rejects.toThrow("ProvisionedThroughputExceededException");
      const retried = await handle(event);

      // Assess
      expect(retried.status).toBe("processed");
      expect(await world.activity.since(deniedSubject(ALICE), 0)).toHaveLength(1);
    });
  });

  describe("risky changes", () => {
    it("opens one incident per broker and call, and a second CreateUser on the same broker adds no transition", async () => {
      // Prepare
      const world = apiWorld({ names: NAMES });
      const handle = handlerOf(world);

      // Act
      const first = await handle(
        amazonMqApiEvent({ eventName: "CreateUser", requestParameters: userParameters("app-1"), at: world.clock.now() }),
      );
      world.clock.minute = 3;
      const second = await handle(
        amazonMqApiEvent({ eventName: "CreateUser", requestParameters: userParameters("app-2"), at: world.clock.now() }),
      );
      const other = await handle(
        amazonMqApiEvent({ eventName: "DeleteUser", requestParameters: userParameters("app-1"), at: world.clock.now() }),
      );

      // Assess
      expect(first.transitions.map(summaryOf)).toEqual([["opened", IncidentKind.riskyChange, Severity.warning]]);
      expect(second).toMatchObject({ status: "processed", transitions: [] });
      expect(second.findings).toHaveLength(1);
      expect(other.transitions).toHaveLength(1);
      const active = await world.incidents.loadActive();
      expect(active.map((i) => i.fingerprint).sort()).toEqual(["risky-change|orders-amq|CreateUser", "risky-change|orders-amq|DeleteUser"]);
      expect(await world.activity.since(riskySubject("risky-change|orders-amq|CreateUser"), 0)).toHaveLength(2);
    });

    it("names the broker `*` when the directory does not know it", async () => {
      // Prepare
      const world = apiWorld({ names: {} });

      // Act
      const outcome = await handlerOf(world)(amazonMqApiEvent({ eventName: "DeleteBroker" }));

      // Assess
      expect(outcome.transitions[0]?.incident).toMatchObject({ broker: "*", resource: "DeleteBroker" });
      expect(outcome.transitions[0]?.incident.summary).toContain(`unknown broker ${BROKER_ID}`);
    });

    it("leaves mq-sentinel's own reboots alone", async () => {
      // Prepare
      const own = "mq-sentinel-prod-remediate";
      const world = apiWorld({ names: NAMES, ownRoleArns: [roleArn(own)] });

      // Act
      const outcome = await handlerOf(world)(
        amazonMqApiEvent({ eventName: "RebootBroker", identity: "assumed-role", identityOptions: { name: own, session: "remediate" } }),
      );

      // Assess
      expect(outcome).toMatchObject({ status: "processed", findings: [], transitions: [] });
      expect(world.notifier.sent).toEqual([]);
    });

    it("requests a posture re-check of the broker after a configuration change", async () => {
      // Prepare
      const world = apiWorld({ names: NAMES });
      const event = amazonMqApiEvent({
        eventName: "UpdateBroker",
        identity: "assumed-role",
        requestParameters: updateBrokerParameters({ configuration: { id: "c-1234", revision: 5 } }),
      });

      // Act
      await handlerOf(world)(event);

      // Assess
      expect(world.posture.requested).toEqual([
        {
          brokerId: BROKER_ID,
          brokerName: "orders-amq",
          configurationId: null,
          region: "eu-west-1",
          reason: `UpdateBroker by ${principalArn("assumed-role")}`,
        },
      ]);
      expect(world.log.entries).toContainEqual(expect.objectContaining({ message: "posture re-check requested" }));
    });

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

    it.each([
      {
        case: "a denied UpdateBroker",
        event: deniedApiEvent({ eventName: "UpdateBroker", requestParameters: updateBrokerParameters({ engineVersion: "5.18" }) }),
      },
      { case: "a DeleteBroker", event: amazonMqApiEvent({ eventName: "DeleteBroker" }) },
      { case: "a DescribeBroker", event: amazonMqApiEvent({ eventName: "DescribeBroker" }) },
    ])("requests no posture re-check after $case", async ({ event }) => {
      // Prepare
      const world = apiWorld({ names: NAMES });

      // Act
      await handlerOf(world)(event);

      // Assess
      expect(world.posture.requested).toEqual([]);
    });
  });

  describe("properties", () => {
    /** Fails the property (instead of passing) when the handler throws. */
    const neverThrows = async (raw: unknown) => {
      // Prepare
      const world = apiWorld({ names: NAMES });

      // Act: a rejection fails the property
      const outcome = await handlerOf(world)(raw);

      // Assess
      expect(["processed", "duplicate", "skipped"]).toContain(outcome.status);
    };

    it("never throws for any input when the stores work", async () => {
      await fc.assert(fc.asyncProperty(fc.anything(), neverThrows), { numRuns: 300 });
    });

    it("never throws for any JSON document when the stores work", async () => {
      await fc.assert(
        fc.asyncProperty(fc.json(), (text) => neverThrows(JSON.parse(text))),
        { numRuns: 300 },
      );
    });

    const valid: CloudTrailApiEvent[] = [
      deniedApiEvent({ eventName: "DescribeBroker" }),
      deniedApiEvent({ eventName: "DeleteBroker", identity: "cross-account-role" }),
      amazonMqApiEvent({ eventName: "CreateUser", requestParameters: userParameters("u", { groups: ["g"] }) }),
      amazonMqApiEvent({ eventName: "UpdateBroker", requestParameters: updateBrokerParameters({ logs: { audit: false } }) }),
      amazonMqApiEvent({ eventName: "ListBrokers", identity: "root" }),
    ];
    const where = fc.constantFrom("envelope", "detail", "identity");
    const envelopeKeys = ["id", "source", "detail-type", "time", "region", "detail"];
    const detailKeys = [
      "eventName",
      "eventTime",
      "eventSource",
      "errorCode",
      "readOnly",
      "userIdentity",
      "requestParameters",
      "recipientAccountId",
      "eventID",
    ];
    const identityKeys = ["type", "arn", "principalId", "accountId", "sessionContext", "invokedBy"];
    const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

    it("never throws for valid events with fields replaced by anything, when the stores work", async () => {
      const mutation = fc.record({
        where,
        key: fc.constantFrom(...envelopeKeys, ...detailKeys, ...identityKeys),
        value: fc.oneof(fc.anything(), fc.object(), fc.string({ maxLength: 2_000 })),
      });
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...valid), fc.array(mutation, { minLength: 1, maxLength: 3 }), (event, mutations) => {
          const raw = mutated(event, (e) => {
            for (const m of mutations) {
              const detail = e.detail;
              if (m.where === "envelope") e[m.key] = m.value;
              else if (m.where === "detail" && isObject(detail)) detail[m.key] = m.value;
              else if (m.where === "identity" && isObject(detail) && isObject(detail.userIdentity)) detail.userIdentity[m.key] = m.value;
            }
          });
          return neverThrows(raw);
        }),
        { numRuns: 300 },
      );
    });

    it("never throws for a successful UpdateBroker whose security groups are not strings", async () => {
      // Prepare: parsed JSON whose list element has a "toString" that is not a function: it cannot be
      // joined into a sentence (an own "__proto__": null does the same once capParameters copies it).
      const event = mutated(amazonMqApiEvent({ eventName: "UpdateBroker" }), (e) => {
        (e.detail as Record<string, unknown>).requestParameters = JSON.parse(
          `{"brokerId":"${BROKER_ID}","securityGroups":[{"toString":"sg-1"}]}`,
        );
      });

      // Act
      const outcome = await handlerOf(apiWorld({ names: NAMES }))(event).then(
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
});

describe("sweepApiIncidents", () => {
  /** Sweeps once a minute from the world's minute up to `until`, returning the transitions by minute. */
  async function sweepUntil(world: ApiWorld, until: number): Promise<Map<number, Transition[]>> {
    const byMinute = new Map<number, Transition[]>();
    for (let minute = world.clock.minute + 1; minute <= until; minute++) {
      world.clock.minute = minute;
      const report = await sweepApiIncidents(world.deps);
      expect(report.errors).toEqual([]);
      if (report.transitions.length > 0) byMinute.set(minute, report.transitions);
    }
    return byMinute;
  }

  it("resolves an unauthorized-api incident once the window and resolveAfterMinutes pass without denials", async () => {
    // Prepare
    const world = apiWorld({ names: NAMES });
    const handle = handlerOf(world);
    for (let i = 0; i < 3; i++) await handle(deniedNow(world));
    expect(world.notifier.announced()).toEqual([["opened", IncidentKind.unauthorizedApi, Severity.warning]]);

    // Act
    const transitions = await sweepUntil(world, windowMinutes + resolveAfterMinutes + 5);

    // Assess: the last denial still counts at exactly one window old, so the condition clears a minute later.
    const resolvedAt = windowMinutes + 1 + resolveAfterMinutes;
    expect([...transitions.keys()]).toEqual([resolvedAt]);
    expect(transitions.get(resolvedAt)?.map(summaryOf)).toEqual([["resolved", IncidentKind.unauthorizedApi, Severity.warning]]);
    expect(await world.incidents.loadActive()).toEqual([]);
  });

  it("keeps an unauthorized-api incident open while denials keep coming", async () => {
    // Prepare
    const world = apiWorld({ names: NAMES });
    const handle = handlerOf(world);
    for (let i = 0; i < 3; i++) await handle(deniedNow(world));

    // Act
    const transitions = new Map<number, Transition[]>();
    for (let step = 0; step < 4; step++) {
      for (const [minute, t] of await sweepUntil(world, world.clock.minute + 10)) transitions.set(minute, t);
      await handle(deniedNow(world));
    }

    // Assess
    expect(transitions.size).toBe(0);
    expect(await world.incidents.loadActive()).toHaveLength(1);
  });

  it("resolves a risky-change incident after riskyChangeQuietMinutes and resolveAfterMinutes without another such call", async () => {
    // Prepare
    const world = apiWorld({ names: NAMES });
    await handlerOf(world)(amazonMqApiEvent({ eventName: "CreateUser", requestParameters: userParameters("app"), at: world.clock.now() }));

    // Act
    const transitions = await sweepUntil(world, riskyChangeQuietMinutes + resolveAfterMinutes + 5);

    // Assess
    const resolvedAt = riskyChangeQuietMinutes + 1 + resolveAfterMinutes;
    expect([...transitions.keys()]).toEqual([resolvedAt]);
    expect(transitions.get(resolvedAt)?.map(summaryOf)).toEqual([["resolved", IncidentKind.riskyChange, Severity.warning]]);
  });

  it("skips the sweep and reports it when the incident store cannot be read", async () => {
    // Prepare
    const world = apiWorld();
    world.incidents.failLoads = 1;

    // Act
    const report = await sweepApiIncidents(world.deps);

    // Assess
    expect(report.transitions).toEqual([]);
    expect(report.errors).toEqual([expect.stringContaining("API incident sweep skipped")]);
    expect(world.log.entries).toContainEqual(expect.objectContaining({ level: "error" }));
  });
});
