import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ActivityRecord, ApiActivityStore, Clock } from "../ports";
import { documentClient, queryAll, writeIf } from "./dynamodb-table";
import { withRetry } from "./retry";

/**
 * `ApiActivityStore` on the incidents table (single-table design):
 * - `pk = EVENT#<event id>`, `sk = SEEN`: an EventBridge event already processed (conditional put);
 * - `pk = CALLS#<subject>`, `sk = <epoch ms, 15 digits>#<event id>`: a subject's recent calls, read
 *   with one Query from a time on.
 * Both expire with the table's TTL (`expiresAt`).
 */

/** EventBridge retries a delivery for up to 24 hours: remember event ids a little longer. */
const SEEN_TTL_SECONDS = 2 * 86_400;
/** Calls are kept long enough for every window and quiet period. */
const CALLS_TTL_SECONDS = 2 * 86_400;

export class DynamoDbApiActivityStore implements ApiActivityStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {
    this.doc = documentClient(client);
  }

  async claimEvent(eventId: string, now: number): Promise<boolean> {
    return writeIf("dynamodb:PutItem", this.clock, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `EVENT#${eventId}`, sk: "SEEN", expiresAt: Math.floor(now / 1000) + SEEN_TTL_SECONDS },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
  }

  async releaseEvent(eventId: string): Promise<void> {
    await withRetry("dynamodb:DeleteItem", this.clock, () =>
      this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: `EVENT#${eventId}`, sk: "SEEN" } })),
    );
  }

  async record(subject: string, entry: ActivityRecord, now: number): Promise<void> {
    // The key holds the call's time: the same event recorded again with the same time overwrites
    // itself; with another time (no time in the event), `since` keeps the first.
    await withRetry("dynamodb:PutItem", this.clock, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: `CALLS#${subject}`,
            sk: `${sortableTime(entry.at)}#${entry.eventId}`,
            data: JSON.stringify(entry),
            expiresAt: Math.floor(now / 1000) + CALLS_TTL_SECONDS,
          },
        }),
      ),
    );
  }

  async since(subject: string, since: number): Promise<ActivityRecord[]> {
    const items = await queryAll(this.doc, this.clock, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND sk >= :from",
      ExpressionAttributeValues: { ":pk": `CALLS#${subject}`, ":from": sortableTime(since) },
    });
    const out = items.map((item) => JSON.parse(String(item.data)) as ActivityRecord);
    // A call recorded twice under different times (an event without a time, retried) counts once:
    // the first record stands.
    const seen = new Set<string>();
    return out.filter((r) => !seen.has(r.eventId) && seen.add(r.eventId) !== undefined);
  }
}

function sortableTime(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(15, "0");
}
