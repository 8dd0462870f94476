import { CloudWatchClient, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { ListBrokersCommand } from "@aws-sdk/client-mq";
import { MemoryIncidentStore } from "../../../shared/adapters/memory-incident-store";
import type { Incident } from "../../../shared/core/incidents";
import { parseScenario } from "../../../shared/sim/scenario";
import { routeToSimulator, SimulatedDynamoDbStore, simulatedClock } from "../../../shared/sim/sdk-boundary";
import { SimulatedAccount } from "../../../shared/sim/simulated-account";
import { anIncident } from "../../support/incidents";
import { MINUTE, rawScenario, START_MS, simulate, thrownBy } from "./scenario-fixtures";

/** A hand-built open incident (version 1), as the incident rules would save it first. */
function incident(overrides: Partial<Incident> = {}): Incident {
  return anIncident({
    id: "inc-orders-payments",
    resource: "payments",
    condition: "slow-consumers",
    summary: "Backlog on payments grows.",
    evidence: { backlog: 500 },
    firstSeenAt: START_MS,
    openedAt: START_MS,
    lastSeenAt: START_MS,
    ...overrides,
  });
}

/** A store over an empty memory store, faulted as the raw scenario fields say. */
function simulatedStore(faults: unknown[] = []) {
  const account = new SimulatedAccount(parseScenario(rawScenario({ faults })));
  const inner = new MemoryIncidentStore();
  return { account, inner, store: new SimulatedDynamoDbStore(inner, account) };
}

describe("routeToSimulator", () => {
  it("answers a real client's commands from the simulated account, with the SDK's $metadata", async () => {
    // Prepare
    const account = new SimulatedAccount(parseScenario(rawScenario()));
    const client = new CloudWatchClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 });
    // Act
    const routed = routeToSimulator(client, "cloudwatch", account);
    const out = await routed.send(new ListMetricsCommand({}));
    // Assess
    expect(routed).toBe(client);
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.Metrics).toEqual([]);
    expect(account.calls.get("cloudwatch:ListMetrics")).toBe(1);
  });

  it("passes a simulated error through the client with its AWS name and HTTP status", async () => {
    // Prepare
    const { account, mq } = simulate({ faults: [{ operation: "mq:ListBrokers", from: 0, to: 0, error: "ThrottlingException" }] });
    account.minute = 0;
    // Act
    const error = await thrownBy(() => mq.send(new ListBrokersCommand({})));
    // Assess
    expect(error.name).toBe("ThrottlingException");
    expect(error.$metadata?.httpStatusCode).toBe(429);
  });
});

describe("simulatedClock", () => {
  it("reads the scenario start plus the account's current minute", () => {
    // Prepare
    const account = new SimulatedAccount(parseScenario(rawScenario()));
    const clock = simulatedClock(account);
    // Act
    const atStart = clock.now();
    account.minute = 42;
    const later = clock.now();
    // Assess
    expect(atStart).toBe(START_MS);
    expect(later).toBe(START_MS + 42 * MINUTE);
  });

  it("sleeps without taking any time, virtual or real", async () => {
    // Prepare
    const account = new SimulatedAccount(parseScenario(rawScenario()));
    account.minute = 5;
    const clock = simulatedClock(account);
    const nextTimer = new Promise<string>((resolve) => setTimeout(() => resolve("timer"), 0));
    // Act
    const first = await Promise.race([clock.sleep(60 * MINUTE).then(() => "slept"), nextTimer]);
    // Assess
    expect(first).toBe("slept");
    expect(clock.now()).toBe(START_MS + 5 * MINUTE);
  });
});

describe("SimulatedDynamoDbStore", () => {
  it("passes writes and reads to the wrapped store and counts them as PutItem and Query", async () => {
    // Prepare
    const { account, store } = simulatedStore();
    // Act
    const won = await store.save(incident(), 0);
    const lost = await store.save(incident(), 0);
    const active = await store.loadActive();
    // Assess
    expect(won).toBe(true);
    expect(lost).toBe(false);
    expect(active).toEqual([incident()]);
    expect(Object.fromEntries(account.calls)).toEqual({ "dynamodb:PutItem": 2, "dynamodb:Query": 1 });
  });

  it("fails PutItem with the fault's error inside its window, without writing, and counts the call", async () => {
    // Prepare
    const { account, inner, store } = simulatedStore([
      { operation: "dynamodb:PutItem", from: 3, to: 4, error: "ProvisionedThroughputExceededException" },
    ]);
    account.minute = 3;
    // Act
    const error = await thrownBy(() => store.save(incident(), 0));
    const storedDuringFault = await inner.loadActive();
    account.minute = 5;
    const savedAfter = await store.save(incident(), 0);
    // Assess
    expect(error.name).toBe("ProvisionedThroughputExceededException");
    expect(storedDuringFault).toEqual([]);
    expect(savedAfter).toBe(true);
    expect(account.calls.get("dynamodb:PutItem")).toBe(2);
  });

  it("fails Query with the fault's error inside its window and counts the call", async () => {
    // Prepare
    const { account, store } = simulatedStore([{ operation: "dynamodb:Query", from: 0, to: 1, error: "InternalServerError" }]);
    await store.save(incident(), 0);
    account.minute = 1;
    // Act
    const error = await thrownBy(() => store.loadActive());
    account.minute = 2;
    const active = await store.loadActive();
    // Assess
    expect(error.name).toBe("InternalServerError");
    expect(active).toHaveLength(1);
    expect(account.calls.get("dynamodb:Query")).toBe(2);
  });

  it("leaves Query working while PutItem is faulted", async () => {
    // Prepare
    const { account, store } = simulatedStore([{ operation: "dynamodb:PutItem", from: 0, to: 9, error: "ThrottlingException" }]);
    account.minute = 1;
    // Act
    const active = await store.loadActive();
    // Assess
    expect(active).toEqual([]);
  });
});
