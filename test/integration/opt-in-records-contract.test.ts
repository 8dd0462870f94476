import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { DynamoDbOptInRecords } from "../../shared/adapters/dynamodb-opt-in-records";
import { MemoryOptInRecords } from "../../shared/adapters/memory-opt-in-records";
import type { OptInRecords, OptInState } from "../../shared/ports";
import { MINUTE, TestClock } from "../support/clock";
import { contractImplementations, createIncidentsTable, useDynalite } from "./dynamodb-table";

/**
 * The `OptInRecords` contract, against dynalite and against the memory records (replay and the unit
 * tests rely on them behaving alike): the first record of a state stands, a change is recorded with
 * its time, and reads of any number of brokers.
 */

const T = Date.UTC(2026, 11, 2, 9, 0);

const dynamo = useDynalite();

const implementations = contractImplementations<OptInRecords>(
  dynamo,
  ["DynamoDbOptInRecords", (client, tableName) => new DynamoDbOptInRecords(client, tableName, new TestClock(T))],
  ["MemoryOptInRecords", () => new MemoryOptInRecords()],
);

function state(overrides: Partial<OptInState> = {}): OptInState {
  return { brokerId: "b-1", broker: "orders", optedIn: true, since: null, source: "inventory", ...overrides };
}

describe.each(implementations)("%s", (_name, create) => {
  let records: OptInRecords;

  beforeEach(async () => {
    records = await create();
  });

  it("knows nothing of brokers never recorded", async () => {
    // Act
    const found = await records.get(["b-1", "b-2"]);
    // Assess
    expect(found.size).toBe(0);
  });

  it("records a first sighting (since null) and reads it back as written", async () => {
    // Act
    const written = await records.record(state());
    // Assess
    expect(written).toBe(true);
    expect(await records.get(["b-1"])).toEqual(new Map([["b-1", state()]]));
  });

  it("keeps the first record of a state: the same state again changes nothing", async () => {
    // Prepare
    const first = state({ since: T, source: "cloudtrail:arn:aws:iam::111122223333:user/mallory" });
    await records.record(first);
    // Act
    const again = await records.record(state({ since: T + 5 * MINUTE, source: "inventory" }));
    // Assess
    expect(again).toBe(false);
    expect((await records.get(["b-1"])).get("b-1")).toEqual(first);
  });

  it("records a change of state with its time, each way", async () => {
    // Prepare
    await records.record(state());
    // Act
    const removed = await records.record(state({ optedIn: false, since: T, source: "remediate" }));
    const added = await records.record(state({ optedIn: true, since: T + MINUTE, source: "inventory" }));
    // Assess
    expect([removed, added]).toEqual([true, true]);
    expect((await records.get(["b-1"])).get("b-1")).toEqual(state({ since: T + MINUTE }));
  });

  it("lets exactly one of two concurrent writers record the same change", async () => {
    // Prepare
    await records.record(state({ optedIn: false }));
    // Act
    const results = await Promise.all([
      records.record(state({ since: T, source: "cloudtrail:arn:aws:iam::111122223333:user/mallory" })),
      records.record(state({ since: T + MINUTE, source: "inventory" })),
    ]);
    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("reads many brokers at once, past DynamoDB's 100 keys a call, and tolerates an id asked twice", async () => {
    // Prepare
    const ids = Array.from({ length: 230 }, (_, i) => `b-${i}`);
    const recorded = ids.filter((_, i) => i % 2 === 0);
    for (const id of recorded) await records.record(state({ brokerId: id, broker: `broker-${id}`, optedIn: id.endsWith("0") }));
    // Act
    const found = await records.get([...ids, "b-0"]);
    // Assess
    expect([...found.keys()].sort()).toEqual([...recorded].sort());
    expect(found.get("b-10")).toEqual(state({ brokerId: "b-10", broker: "broker-b-10", optedIn: true }));
    expect(found.get("b-2")?.optedIn).toBe(false);
  });
});

describe("DynamoDbOptInRecords", () => {
  it("writes one item per broker under OPTIN#<broker id> / CURRENT, with single-item calls only", async () => {
    // Prepare
    const table = await createIncidentsTable(dynamo().client);
    const records = new DynamoDbOptInRecords(dynamo().client, table, new TestClock(T));
    dynamo().operations.length = 0;
    // Act
    await records.record(state({ since: T }));
    await records.get(["b-1"]);
    // Assess
    expect(dynamo().operations).toEqual(["PutItem", "BatchGetItem"]);
    const raw = await dynamo().client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "OPTIN#b-1" }, sk: { S: "CURRENT" } } }));
    expect(raw.Item).toEqual({
      pk: { S: "OPTIN#b-1" },
      sk: { S: "CURRENT" },
      brokerId: { S: "b-1" },
      broker: { S: "orders" },
      optedIn: { BOOL: true },
      since: { N: String(T) },
      source: { S: "inventory" },
      schemaVersion: { N: "1" },
    });
  });

  describe("with DynamoDB answering through a mock", () => {
    // The adapter talks through the document client; its prototype is mocked for these cases only.
    let mock: ReturnType<typeof mockClient>;
    beforeAll(() => {
      mock = mockClient(DynamoDBDocumentClient);
    });
    afterEach(() => mock.reset());
    afterAll(() => mock.restore());
    const client = new DynamoDBClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const item = (id: string) => ({ pk: `OPTIN#${id}`, sk: "CURRENT", brokerId: id, broker: id, optedIn: true, source: "inventory" });

    it("asks again for the keys DynamoDB left unprocessed", async () => {
      // Prepare
      mock
        .on(BatchGetCommand)
        .resolvesOnce({ Responses: { t: [item("b-1")] }, UnprocessedKeys: { t: { Keys: [{ pk: "OPTIN#b-2", sk: "CURRENT" }] } } })
        .resolvesOnce({ Responses: { t: [item("b-2")] } });
      const clock = new TestClock(T);
      const records = new DynamoDbOptInRecords(client, "t", clock);
      // Act
      const found = await records.get(["b-1", "b-2"]);
      // Assess
      expect([...found.keys()]).toEqual(["b-1", "b-2"]);
      expect(mock.commandCalls(BatchGetCommand)[1]?.args[0].input.RequestItems?.t?.Keys).toEqual([{ pk: "OPTIN#b-2", sk: "CURRENT" }]);
      expect(clock.sleeps).toHaveLength(1);
    });

    it("fails, rather than answering without them, when keys stay unprocessed", async () => {
      // Prepare
      mock.on(BatchGetCommand).resolves({ Responses: { t: [] }, UnprocessedKeys: { t: { Keys: [{ pk: "OPTIN#b-1", sk: "CURRENT" }] } } });
      const records = new DynamoDbOptInRecords(client, "t", new TestClock(T));
      // Act
      const read = records.get(["b-1"]);
      // Assess
      await expect(read).rejects.toThrow(/dynamodb:BatchGetItem failed: .*left unprocessed/);
      expect(mock.commandCalls(BatchGetCommand)).toHaveLength(6);
    });
  });
});
