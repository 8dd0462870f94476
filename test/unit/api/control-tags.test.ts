import { makeApiActivityHandler } from "../../../functions/api-activity";
import { CloudTrailTaggedInventory, withTagChanges } from "../../../shared/adapters/cloudtrail-tagged-inventory";
import { MemoryApiActivityStore } from "../../../shared/adapters/memory-api-activity-store";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { CONTROL_TAGS_SUBJECT, type ControlTagRecord } from "../../../shared/app/handle-api-event";
import { foldFindings } from "../../../shared/core/incidents";
import { type Broker, type Condition, DeploymentMode, EngineType, type Finding, IncidentKind, Severity } from "../../../shared/core/types";
import type { ApiActivityStore, BrokerInventory, InventorySnapshot } from "../../../shared/ports";
import { parseScenario } from "../../../shared/sim/scenario";
import { SimulatedAccount } from "../../../shared/sim/simulated-account";
import { SimulatedTagCalls } from "../../../shared/sim/tag-calls";
import { amazonMqApiEvent, BROKER_ID, brokerArn, DEFAULT_TIME, principalArn } from "../../fixtures/cloudtrail/events";
import { TestClock } from "../../support/clock";
import { type ApiWorld, apiWorld, lambdaContext, MINUTE } from "./fakes";

/**
 * Issue 12.2 (CloudTrail part): tags are controls. A CreateTags/DeleteTags on `mq-sentinel:*` keys is a
 * risky change naming who and what; an ignore tag closes the broker's incidents as no longer watched
 * (never as recovered); an opt-in change is recorded with the call's time; and the metrics cycle sees
 * the change before its cached broker descriptions do.
 */

const NAME = "orders-amq";
const NAMES = { [BROKER_ID]: NAME };
const FINOPS = principalArn("assumed-role", { name: "FinOps", session: "jules" }) as string;

function handlerOf(world: ApiWorld) {
  const handler = makeApiActivityHandler(world.deps);
  return (event: unknown) => handler(event, lambdaContext);
}

/** A tag call on the broker by the FinOps session at the world's minute. */
function tagCall(world: ApiWorld, eventName: "CreateTags" | "DeleteTags", parameters: Record<string, unknown>) {
  return amazonMqApiEvent({
    eventName,
    identity: "assumed-role",
    identityOptions: { name: "FinOps", session: "jules" },
    at: world.clock.now(),
    requestParameters: { resourceArn: brokerArn(NAME), ...parameters },
  });
}

/** A condition of each kind the tests open, as its detector would name it. */
const CONDITION_OF = {
  "consumer-lag": "slow-consumers",
  posture: "public-access",
  "risky-change": "UpdateBroker",
} as const satisfies Partial<Record<IncidentKind, Condition>>;

/** Opens an incident of `finding` directly in the world's store, announced, as the metrics cycle or the audit would. */
async function openIncident(
  world: ApiWorld,
  finding: Omit<Finding, "summary" | "evidence" | "condition" | "kind"> & { kind: keyof typeof CONDITION_OF },
): Promise<void> {
  const [change] = foldFindings({
    active: new Map(),
    findings: [{ ...finding, condition: CONDITION_OF[finding.kind], summary: `${finding.kind} on ${finding.broker}`, evidence: {} }],
    isCovered: () => false,
    now: world.clock.now(),
    rules: { resolveAfterMinutes: 5, refreshMinutes: 15 },
  });
  if (!change) throw new Error("no incident");
  await world.incidents.save({ ...change.next, notified: { at: world.clock.now(), severity: finding.severity } }, 0);
}

describe("makeApiActivityHandler (control tags)", () => {
  it("closes the broker's incidents as no longer watched when CreateTags sets mq-sentinel:ignore, and raises a critical risky change", async () => {
    // Prepare: a consumer-lag and a posture incident on the broker, one on another broker, and an API incident
    const world = apiWorld({ names: NAMES });
    await openIncident(world, { kind: IncidentKind.consumerLag, broker: NAME, resource: "orders.created", severity: Severity.warning });
    await openIncident(world, { kind: IncidentKind.posture, broker: NAME, resource: "public-access", severity: Severity.critical });
    await openIncident(world, { kind: IncidentKind.consumerLag, broker: "billing-amq", resource: "invoices", severity: Severity.warning });
    await openIncident(world, { kind: IncidentKind.riskyChange, broker: NAME, resource: "UpdateBroker", severity: Severity.warning });
    world.clock.minute = 5;

    // Act
    const outcome = await handlerOf(world)(tagCall(world, "CreateTags", { tags: { "mq-sentinel:ignore": "True " } }));

    // Assess
    const reason = `no longer watched: ignored by ${FINOPS}`;
    const resolved = outcome.transitions
      .filter((t) => t.type === "resolved")
      .map((t) => [t.incident.kind, t.incident.resource, t.incident.closeReason]);
    expect(resolved.sort()).toEqual([
      [IncidentKind.consumerLag, "orders.created", reason],
      [IncidentKind.posture, "public-access", reason],
    ]);
    const active = await world.incidents.loadActive();
    expect(active.map((i) => `${i.kind} ${i.broker} ${i.resource}`).sort()).toEqual([
      `${IncidentKind.consumerLag} billing-amq invoices`,
      `${IncidentKind.riskyChange} ${NAME} CreateTags`,
      `${IncidentKind.riskyChange} ${NAME} UpdateBroker`,
    ]);
    expect(active.find((i) => i.resource === "CreateTags")).toMatchObject({ severity: Severity.critical });
    // The closures are announced (enqueued in the same write, then delivered).
    expect(world.notifier.announced().filter(([t]) => t === "resolved")).toHaveLength(2);
  });

  it("closes nothing for mq-sentinel:ignore set to anything but true", async () => {
    // Prepare
    const world = apiWorld({ names: NAMES });
    await openIncident(world, { kind: IncidentKind.consumerLag, broker: NAME, resource: "orders.created", severity: Severity.warning });

    // Act
    const outcome = await handlerOf(world)(tagCall(world, "CreateTags", { tags: { "mq-sentinel:ignore": "no" } }));

    // Assess
    expect(outcome.transitions.map((t) => [t.type, t.incident.kind])).toEqual([["opened", IncidentKind.riskyChange]]);
  });

  it.each<{ case: string; eventName: "CreateTags" | "DeleteTags"; parameters: Record<string, unknown>; optedIn: boolean }>([
    {
      case: "CreateTags mq-sentinel:remediate=reboot",
      eventName: "CreateTags",
      parameters: { tags: { "mq-sentinel:remediate": "reboot" } },
      optedIn: true,
    },
    {
      case: "CreateTags mq-sentinel:remediate=REBOOT",
      eventName: "CreateTags",
      parameters: { tags: { "mq-sentinel:remediate": "REBOOT" } },
      optedIn: true,
    },
    {
      case: "CreateTags mq-sentinel:remediate='reboot ' (IAM does not trim)",
      eventName: "CreateTags",
      parameters: { tags: { "mq-sentinel:remediate": "reboot " } },
      optedIn: false,
    },
    {
      case: "DeleteTags mq-sentinel:remediate",
      eventName: "DeleteTags",
      parameters: { tagKeys: ["mq-sentinel:remediate"] },
      optedIn: false,
    },
  ])("records the opt-in state of $case with the call's time", async ({ eventName, parameters, optedIn }) => {
    // Prepare: the call was made 3 minutes before it arrived
    const world = apiWorld({ names: NAMES });
    const event = tagCall(world, eventName, parameters);
    world.clock.minute = 3;

    // Act
    await handlerOf(world)(event);

    // Assess
    const states = await world.optIns.get([BROKER_ID]);
    expect(states.get(BROKER_ID)).toEqual({
      brokerId: BROKER_ID,
      broker: NAME,
      optedIn,
      since: DEFAULT_TIME,
      source: `cloudtrail:${FINOPS}`,
    });
  });

  it("raises a critical risky change naming who opted the broker in to reboots", async () => {
    // Prepare
    const world = apiWorld({ names: NAMES });

    // Act
    const outcome = await handlerOf(world)(tagCall(world, "CreateTags", { tags: { "mq-sentinel:remediate": "reboot" } }));

    // Assess
    expect(outcome.findings).toEqual([
      expect.objectContaining({ kind: IncidentKind.riskyChange, broker: NAME, resource: "CreateTags", severity: Severity.critical }),
    ]);
    expect(outcome.findings[0]?.summary).toContain(FINOPS);
    expect(outcome.findings[0]?.summary).toContain("opted in to automatic reboots");
  });

  it("stays quiet and records nothing for tag calls on other keys", async () => {
    // Prepare
    const world = apiWorld({ names: NAMES });
    await openIncident(world, { kind: IncidentKind.consumerLag, broker: NAME, resource: "orders.created", severity: Severity.warning });

    // Act
    const created = await handlerOf(world)(tagCall(world, "CreateTags", { tags: { "cost-center": "4410" } }));
    const deleted = await handlerOf(world)(tagCall(world, "DeleteTags", { tagKeys: ["temporary"] }));

    // Assess
    expect([...created.transitions, ...deleted.transitions]).toEqual([]);
    expect(await world.activity.since(CONTROL_TAGS_SUBJECT, 0)).toEqual([]);
    expect(await world.optIns.get([BROKER_ID])).toEqual(new Map());
  });

  it("records a control tag change with the call's time, for the metrics cycle", async () => {
    // Prepare
    const world = apiWorld({ names: NAMES });
    const event = tagCall(world, "CreateTags", { tags: { "mq-sentinel:ignore": "true", team: "search" } });
    world.clock.minute = 2;

    // Act
    await handlerOf(world)(event);

    // Assess
    const [record] = await world.activity.since(CONTROL_TAGS_SUBJECT, 0);
    expect(record?.at).toBe(world.clock.now());
    expect(record?.payload).toEqual({
      brokerId: BROKER_ID,
      region: "eu-west-1",
      at: DEFAULT_TIME,
      set: { "mq-sentinel:ignore": "true" },
      removed: [],
    });
  });
});

function broker(tags: Record<string, string>): Broker {
  return {
    id: BROKER_ID,
    name: NAME,
    arn: brokerArn(NAME),
    state: "RUNNING",
    engine: EngineType.activemq,
    engineVersion: "5.18",
    deploymentMode: DeploymentMode.activeStandby,
    instanceType: "mq.m5.large",
    tags,
    pendingChanges: [],
    configuration: null,
    nodes: [`${NAME}-1`, `${NAME}-2`],
  };
}

const change = (at: number, set: Record<string, string>, removed: string[] = [], brokerId = BROKER_ID): ControlTagRecord => ({
  brokerId,
  region: null,
  at,
  set,
  removed,
});

describe("withTagChanges", () => {
  it("applies a broker's changes in the order of their calls", () => {
    // Act
    const result = withTagChanges(broker({ environment: "production", "mq-sentinel:remediate": "reboot" }), [
      change(1, { "mq-sentinel:ignore": "true" }),
      change(2, {}, ["mq-sentinel:ignore", "mq-sentinel:remediate"]),
      change(3, { "mq-sentinel:ignore": "true" }),
      change(3, { "mq-sentinel:ignore": "false" }, [], "b-other"),
    ]);

    // Assess
    expect(result.tags).toEqual({ environment: "production", "mq-sentinel:ignore": "true" });
  });

  it("leaves a broker without changes as it is", () => {
    // Prepare
    const b = broker({ environment: "production" });

    // Act
    const result = withTagChanges(b, [change(1, { "mq-sentinel:ignore": "true" }, [], "b-other")]);

    // Assess
    expect(result).toBe(b);
  });
});

describe("CloudTrailTaggedInventory", () => {
  const inventoryOf = (b: Broker): BrokerInventory => ({
    listBrokers: async (): Promise<InventorySnapshot> => ({ brokers: [b], skipped: [], actionsRequired: new Map(), complete: true }),
  });

  it("keeps the inner inventory's configuration reader (RabbitMQ 4 configured limits)", async () => {
    // Prepare
    const read: { id: string; revision: number }[] = [];
    const inner: BrokerInventory = {
      ...inventoryOf(broker({})),
      configurationText: async (configuration) => {
        read.push(configuration);
        return "connection_max = 3000";
      },
    };
    const inventory = new CloudTrailTaggedInventory(inner, new MemoryApiActivityStore(), new TestClock(), new RecordingLog(), 5 * MINUTE);
    // Act
    const text = await inventory.configurationText?.({ id: "c-1", revision: 2 });
    // Assess
    expect(text).toBe("connection_max = 3000");
    expect(read).toEqual([{ id: "c-1", revision: 2 }]);
    expect(
      new CloudTrailTaggedInventory(inventoryOf(broker({})), new MemoryApiActivityStore(), new TestClock(), new RecordingLog(), MINUTE)
        .configurationText,
    ).toBeUndefined();
  });

  it("lays a recent CloudTrail tag change over a cached description, until the description has caught up", async () => {
    // Prepare: ignore set at minute 0; descriptions live 5 minutes
    const clock = new TestClock();
    const activity = new MemoryApiActivityStore();
    await activity.record(
      CONTROL_TAGS_SUBJECT,
      { eventId: "e-1", at: clock.now(), payload: change(clock.now(), { "mq-sentinel:ignore": "true" }) },
      clock.now(),
    );
    const inventory = new CloudTrailTaggedInventory(inventoryOf(broker({})), activity, clock, new RecordingLog(), 5 * MINUTE);

    // Act
    const tagsAt = async (minute: number) => {
      clock.minute = minute;
      return (await inventory.listBrokers()).brokers[0]?.tags;
    };
    const soon = await tagsAt(4);
    const later = await tagsAt(9);

    // Assess: the description (unchanged here) speaks for itself once 5 min x 1.2 + 2 min have passed
    expect(soon).toEqual({ "mq-sentinel:ignore": "true" });
    expect(later).toEqual({});
  });

  it("keeps the described tags and says so when the recorded changes cannot be read", async () => {
    // Prepare
    const log = new RecordingLog();
    const failing: ApiActivityStore = {
      ...new MemoryApiActivityStore(),
      since: async () => {
        throw new Error("ProvisionedThroughputExceededException");
      },
    } as unknown as ApiActivityStore;
    const inventory = new CloudTrailTaggedInventory(inventoryOf(broker({ team: "a" })), failing, new TestClock(), log, 5 * MINUTE);

    // Act
    const snapshot = await inventory.listBrokers();

    // Assess
    expect(snapshot.brokers[0]?.tags).toEqual({ team: "a" });
    expect(log.entries).toContainEqual(expect.objectContaining({ level: "warn" }));
  });
});

describe("SimulatedTagCalls", () => {
  const START = "2026-03-02T09:00:00Z";
  const scenario = () =>
    parseScenario({
      name: "tags",
      start: START,
      durationMinutes: 30,
      brokers: [
        {
          describe: {
            BrokerId: BROKER_ID,
            BrokerName: NAME,
            BrokerArn: brokerArn(NAME, BROKER_ID, "us-east-1", "123456789012"),
            BrokerState: "RUNNING",
            DeploymentMode: "ACTIVE_STANDBY_MULTI_AZ",
            EngineType: "ACTIVEMQ",
            HostInstanceType: "mq.m5.large",
            Tags: { team: "orders" },
          },
        },
      ],
      metrics: [],
      events: [
        // Made at minute 4, delivered 20 minutes late.
        {
          at: 24,
          event: amazonMqApiEvent({
            eventName: "CreateTags",
            at: Date.parse(START) + 4 * MINUTE + 30_000,
            requestParameters: { resourceArn: brokerArn(NAME), tags: { "mq-sentinel:ignore": "true" } },
          }),
        },
        {
          at: 10,
          event: amazonMqApiEvent({
            eventName: "DeleteTags",
            at: Date.parse(START) + 10 * MINUTE,
            requestParameters: { resourceArn: brokerArn(NAME), tagKeys: ["team"] },
          }),
        },
        {
          at: 12,
          event: amazonMqApiEvent({
            eventName: "CreateTags",
            errorCode: "AccessDeniedException",
            at: Date.parse(START) + 12 * MINUTE,
            requestParameters: { resourceArn: brokerArn(NAME), tags: { denied: "yes" } },
          }),
        },
      ],
    });

  it("changes a broker's tags in the simulated account at the minute of the call, and never the caller's scenario", async () => {
    // Prepare
    const given = scenario();
    const tagCalls = new SimulatedTagCalls(given);
    const account = new SimulatedAccount(tagCalls.scenario);
    const tagsAt = async (minute: number) => {
      account.minute = minute;
      tagCalls.apply(account, minute);
      return (await account.handle("mq", "DescribeBroker", { BrokerId: BROKER_ID })).Tags;
    };

    // Act
    const tags = [await tagsAt(3), await tagsAt(4), await tagsAt(11), await tagsAt(13)];

    // Assess
    expect(tags).toEqual([
      { team: "orders" },
      { team: "orders", "mq-sentinel:ignore": "true" },
      { "mq-sentinel:ignore": "true" },
      { "mq-sentinel:ignore": "true" },
    ]);
    expect(given.brokers[0]?.describe.Tags).toEqual({ team: "orders" });
  });
});
