import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDbIncidentStore } from "../../shared/adapters/dynamodb-incident-store";
import { TestClock } from "../support/clock";
import { createIncidentsTable, dynamoClient, type LocalDynamo, startDynalite } from "./dynamodb-table";
import { anIncident, nextVersion } from "./incident-fixtures";

/**
 * DynamoDbIncidentStore.save retries a conditional PutItem after a retryable failure (network
 * reset, timeout, 5xx). DynamoDB documents that such a write may already have been applied; the retry
 * then fails its own condition. `save` must still answer true (it won), or the use case drops the
 * transition and the `opened` (or `resolved`) notification is never sent.
 */

let dynamo: LocalDynamo;
const clients: DynamoDBClient[] = [];

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await dynamo.stop();
});

/**
 * A client whose next PutItem reaches DynamoDB (dynalite applies it) but whose response is lost on
 * the way back, as a connection reset after the write would.
 */
function clientLosingNextPutResponse(): { client: DynamoDBClient; loseNextPutResponse: () => void } {
  const client = dynamoClient(dynamo.endpoint);
  clients.push(client);
  let lose = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const output = await next(args);
      if (lose && context.commandName === "PutItemCommand") {
        lose = false;
        throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      }
      return output;
    },
    { step: "initialize", name: "loseNextPutResponse" },
  );
  return { client, loseNextPutResponse: () => (lose = true) };
}

describe("DynamoDbIncidentStore when a write's answer is lost", () => {
  it("reports a new incident as saved when its write was applied but the response was lost", async () => {
    // Prepare
    const { client, loseNextPutResponse } = clientLosingNextPutResponse();
    const clock = new TestClock();
    const store = new DynamoDbIncidentStore(client, await createIncidentsTable(client), clock);
    const incident = anIncident();
    loseNextPutResponse();

    // Act
    const saved = await store.save(incident, 0);

    // Assess
    expect(clock.sleeps).toHaveLength(1); // the retry happened
    expect(await store.loadActive()).toEqual([incident]); // this writer's incident is the stored one
    expect(saved).toBe(true);
  });

  it("reports an update as saved when its write was applied but the response was lost", async () => {
    // Prepare
    const { client, loseNextPutResponse } = clientLosingNextPutResponse();
    const clock = new TestClock();
    const store = new DynamoDbIncidentStore(client, await createIncidentsTable(client), clock);
    const open = anIncident();
    await store.save(open, 0);
    const escalated = nextVersion(open, { severity: "critical", peakSeverity: "critical" });
    loseNextPutResponse();

    // Act
    const saved = await store.save(escalated, 1);

    // Assess
    expect(clock.sleeps).toHaveLength(1);
    expect(await store.loadActive()).toEqual([escalated]);
    expect(saved).toBe(true);
  });
});
