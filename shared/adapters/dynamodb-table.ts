import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, type PutCommandInput, QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { StoredItemError } from "../errors";
import type { Clock, SkipUnreadable } from "../ports";
import { withRetry } from "./retry";
import { readStoredItem, type StoredItemType, versioned } from "./stored-items";

/**
 * What every store on the incidents table does the same way: the document client, a Query read to
 * its last page, telling a failed write condition from a failure, and the one place items are
 * versioned on the way in and checked against their schemas on the way out (`stored-items.ts`).
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

  /** Writes an item of a type (with the type's `schemaVersion`), retried on throttling. */
  protected async putItem<T>(type: StoredItemType<T>, input: ItemPut): Promise<void> {
    await withRetry("dynamodb:PutItem", this.clock, () => this.doc.send(this.putCommand(type, input)));
  }

  /** Writes an item under its `ConditionExpression`: true when it applied, false when the condition did not hold. */
  protected putItemIf<T>(type: StoredItemType<T>, input: ItemPut): Promise<boolean> {
    return writeIf("dynamodb:PutItem", this.clock, () => this.doc.send(this.putCommand(type, input)));
  }

  /** A PutCommand of an item of a type, on this table. */
  protected putCommand<T>(type: StoredItemType<T>, input: ItemPut): PutCommand {
    return new PutCommand({ TableName: this.tableName, ...input, Item: versioned(type, input.Item) });
  }

  /** The value an item holds, checked against its type's schema (a `StoredItemError` when it does not match). */
  protected valueOf<T>(type: StoredItemType<T>, item: Record<string, unknown>): T {
    return readStoredItem(type, this.tableName, item);
  }

  /**
   * The values of a listing's items. Without `skip`, an item that does not match its schema fails the
   * listing; with it, that item is left out and handed to `skip`, and the others are returned.
   */
  protected valuesOf<T>(type: StoredItemType<T>, items: readonly Record<string, unknown>[], skip?: SkipUnreadable): T[] {
    const out: T[] = [];
    for (const item of items) {
      try {
        out.push(this.valueOf(type, item));
      } catch (error) {
        if (!skip || !(error instanceof StoredItemError)) throw error;
        skip(error);
      }
    }
    return out;
  }
}

/** A put of one item (the table and the item's `schemaVersion` are added). */
export type ItemPut = Omit<PutCommandInput, "TableName" | "Item"> & { Item: Record<string, unknown> };

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
