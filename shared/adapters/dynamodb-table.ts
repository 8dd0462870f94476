import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, type PutCommandInput, QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import type { Clock } from "../ports";
import { withRetry } from "./retry";

/**
 * What every store on the incidents table does the same way: the document client, a Query read to
 * its last page, and telling a failed write condition from a failure.
 */

/** The document client of a store (absent attributes are left out, not written as null). */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * What every store on the incidents table holds: its document client, the table's name and the clock
 * its retries wait on. The stores extend it, so each is built the same way (`new Store(client, table, clock)`).
 */
export class TableStore {
  protected readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    protected readonly tableName: string,
    protected readonly clock: Clock,
  ) {
    this.doc = documentClient(client);
  }

  /** Writes an item, retried on throttling. */
  protected async putItem(input: Omit<PutCommandInput, "TableName">): Promise<void> {
    await withRetry("dynamodb:PutItem", this.clock, () => this.doc.send(new PutCommand({ TableName: this.tableName, ...input })));
  }

  /** Writes an item under its `ConditionExpression`: true when it applied, false when the condition did not hold. */
  protected putItemIf(input: Omit<PutCommandInput, "TableName">): Promise<boolean> {
    return writeIf("dynamodb:PutItem", this.clock, () => this.doc.send(new PutCommand({ TableName: this.tableName, ...input })));
  }
}

/** The domain value an item holds as JSON in its `data` attribute. */
export function dataOf<T>(item: Record<string, unknown>): T {
  return JSON.parse(String(item.data)) as T;
}

/** Every item a Query matches, page after page, each page retried on throttling. */
export async function queryAll(
  doc: DynamoDBDocumentClient,
  clock: Clock,
  input: Omit<QueryCommandInput, "ExclusiveStartKey">,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await withRetry("dynamodb:Query", clock, () => doc.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })));
    out.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return out;
}

/** True when a write failed only because its condition did not hold (also when wrapped by withRetry). */
export function isConditionFailure(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  const cause = (error as { cause?: unknown }).cause;
  return (
    cause instanceof ConditionalCheckFailedException || (cause as { name?: string } | undefined)?.name === "ConditionalCheckFailedException"
  );
}

/** Runs a conditional write: true when it applied, false when its condition did not hold. */
export async function writeIf(operation: string, clock: Clock, send: () => Promise<unknown>): Promise<boolean> {
  try {
    await withRetry(operation, clock, send);
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
