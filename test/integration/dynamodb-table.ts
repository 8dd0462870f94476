import type { AddressInfo } from "node:net";
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { ACTIVE_INDEX, OUTBOX_INDEX } from "../../shared/adapters/dynamodb-incident-store";

/**
 * The incidents table as `serverless.yml` declares it (keys, the sparse `active` and `outbox` GSIs,
 * on-demand), for dynalite.
 * TTL, PITR and SSE are left out: dynalite does not implement them and the store does not depend on them.
 */
export function incidentsTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "S" },
      { AttributeName: "activeKey", AttributeType: "S" },
      { AttributeName: "outboxKey", AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: ACTIVE_INDEX,
        KeySchema: [
          { AttributeName: "activeKey", KeyType: "HASH" },
          { AttributeName: "pk", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
      {
        IndexName: OUTBOX_INDEX,
        KeySchema: [
          { AttributeName: "outboxKey", KeyType: "HASH" },
          { AttributeName: "pk", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  };
}

let tableCount = 0;

/** Creates a new, empty incidents table with a unique name and returns the name. */
export async function createIncidentsTable(client: DynamoDBClient): Promise<string> {
  tableCount += 1;
  const tableName = `incidents-${process.pid}-${tableCount}`;
  await client.send(new CreateTableCommand(incidentsTableDefinition(tableName)));
  await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 1 }, { TableName: tableName });
  return tableName;
}

/** A dynalite server in this process, with a client pointed at it. */
export interface LocalDynamo {
  client: DynamoDBClient;
  /** `http://127.0.0.1:<port>`, for tests that need a client of their own. */
  endpoint: string;
  /** DynamoDB operation names (`PutItem`, `Query`, ...) in the order the server received them. */
  operations: string[];
  stop(): Promise<void>;
}

/** A DynamoDB client for a local endpoint: dummy credentials, and no SDK retries (the store has its own). */
export function dynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ region: "us-east-1", endpoint, credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 });
}

/** Starts an in-memory dynalite on a free loopback port. */
export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const operations: string[] = [];
  server.on("request", (request: { headers: Record<string, string | undefined> }) => {
    const target = request.headers["x-amz-target"];
    if (target) operations.push(target.split(".").pop() as string);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = dynamoClient(endpoint);
  return {
    client,
    endpoint,
    operations,
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((error?: Error) => (error ? reject(error) : resolve())));
    },
  };
}

/**
 * Starts a dynalite before the tests of the calling file and stops it after them.
 * @returns the running dynalite, for the tests and hooks of the file
 */
export function useDynalite(): () => LocalDynamo {
  let dynamo: LocalDynamo | null = null;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo?.stop());
  return () => {
    if (!dynamo) throw new Error("dynalite is not running: use it inside a test or hook");
    return dynamo;
  };
}

/**
 * The rows of a store contract's `describe.each`, each a name and a factory of a fresh, empty store:
 * the DynamoDB implementation on a new incidents table of `dynamo`, and the memory one that replay
 * and the use-case tests rely on behaving alike.
 */
export function contractImplementations<S>(
  dynamo: () => LocalDynamo,
  dynamoDb: [name: string, make: (client: DynamoDBClient, tableName: string) => S],
  memory: [name: string, make: () => S],
): [string, () => Promise<S>][] {
  const [dynamoDbName, makeDynamoDb] = dynamoDb;
  const [memoryName, makeMemory] = memory;
  return [
    [dynamoDbName, async () => makeDynamoDb(dynamo().client, await createIncidentsTable(dynamo().client))],
    [memoryName, async () => makeMemory()],
  ];
}
