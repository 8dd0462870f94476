import { randomUUID } from "node:crypto";
import { DeleteCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import type { ActivityRecord, ApiActivityStore, EventClaim } from "../ports";
import { queryAll, TableStore, writeIf } from "./dynamodb-table";
import { withRetry } from "./retry";
import { ActivityRecordItem, EventClaimItem, type EventClaimRecord } from "./stored-items";

/**
 * `ApiActivityStore` on the incidents table (single-table design):
 * - `pk = EVENT#<event id>`, `sk = SEEN`: an EventBridge event, `state` `claimed` (with the claim's
 *   `token` and `leaseUntil`) or `done`. Claiming is a conditional put that wins when there is no item
 *   or the claim's lease ran out (the invocation that held it died: a timeout or a crash), so a claimed
 *   event is never lost; marking done is a conditional put over our own token. An item without `state`
 *   (written before claims had leases) counts as done.
 * - `pk = CALLS#<subject>`, `sk = <epoch ms, 15 digits>#<event id>`: a subject's recent calls, read
 *   with one Query from a time on.
 * Every item expires with the table's TTL (`expiresAt`). Only PutItem, GetItem, DeleteItem and Query:
 * the api-activity role needs nothing else.
 */

/** EventBridge retries a delivery for up to 24 hours: remember event ids a little longer. */
const SEEN_TTL_SECONDS = 2 * 86_400;
/** Calls are kept long enough for every window and quiet period, late events included. */
const CALLS_TTL_SECONDS = 2 * 86_400;

export class DynamoDbApiActivityStore extends TableStore implements ApiActivityStore {
  async claimEvent(eventId: string, now: number, leaseMs: number): Promise<EventClaim> {
    // Two rounds at most: a claim released between our failed put and our read leaves nothing to read.
    for (let round = 0; round < 2; round++) {
      const token = randomUUID();
      const won = await this.putItemIf(EventClaimItem, {
        Item: { ...this.key(eventId), state: "claimed", token, leaseUntil: now + leaseMs, expiresAt: ttl(now, SEEN_TTL_SECONDS) },
        ConditionExpression: "attribute_not_exists(pk) OR (#state = :claimed AND leaseUntil <= :now)",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: { ":claimed": "claimed", ":now": now },
      });
      if (won) return { status: "claimed", token };
      const current = await this.read(eventId);
      if (current === null) continue;
      if (current.state !== "claimed") return { status: "done" };
      return { status: "busy", leaseUntil: current.leaseUntil ?? now };
    }
    // Claimed and released twice while we looked: someone is working on it.
    return { status: "busy", leaseUntil: now };
  }

  async completeEvent(eventId: string, token: string, now: number): Promise<boolean> {
    return this.putItemIf(EventClaimItem, {
      Item: { ...this.key(eventId), state: "done", expiresAt: ttl(now, SEEN_TTL_SECONDS) },
      ConditionExpression: "#state = :claimed AND #token = :token",
      ExpressionAttributeNames: { "#state": "state", "#token": "token" },
      ExpressionAttributeValues: { ":claimed": "claimed", ":token": token },
    });
  }

  async releaseEvent(eventId: string, token: string): Promise<void> {
    // Conditional: a claim that is no longer ours (our lease ran out and another invocation took it) stays.
    await writeIf("dynamodb:DeleteItem", this.clock, () =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.key(eventId),
          ConditionExpression: "#token = :token",
          ExpressionAttributeNames: { "#token": "token" },
          ExpressionAttributeValues: { ":token": token },
        }),
      ),
    );
  }

  async record(subject: string, entry: ActivityRecord, now: number): Promise<void> {
    // The key holds the record's time: the same event recorded again at the same time overwrites
    // itself; at another time (a retried delivery), `since` keeps the first.
    await this.putItem(ActivityRecordItem, {
      Item: {
        pk: `CALLS#${subject}`,
        sk: `${sortableTime(entry.at)}#${entry.eventId}`,
        data: JSON.stringify(entry),
        expiresAt: ttl(now, CALLS_TTL_SECONDS),
      },
    });
  }

  async since(subject: string, since: number): Promise<ActivityRecord[]> {
    const items = await queryAll(this.doc, this.clock, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND sk >= :from",
      ExpressionAttributeValues: { ":pk": `CALLS#${subject}`, ":from": sortableTime(since) },
    });
    // A damaged record fails the read (the event is retried and alarmed on): a window counted without it could miss an alert.
    const out = this.valuesOf(ActivityRecordItem, items);
    // A call recorded twice under different times (a retried delivery) counts once: the first record stands.
    const seen = new Set<string>();
    return out.filter((r) => !seen.has(r.eventId) && seen.add(r.eventId) !== undefined);
  }

  private key(eventId: string) {
    return { pk: `EVENT#${eventId}`, sk: "SEEN" };
  }

  private async read(eventId: string): Promise<EventClaimRecord | null> {
    const out = await withRetry("dynamodb:GetItem", this.clock, () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: this.key(eventId), ConsistentRead: true })),
    );
    return out.Item ? this.valueOf(EventClaimItem, out.Item) : null;
  }
}

function ttl(now: number, seconds: number): number {
  return Math.floor(now / 1000) + seconds;
}

function sortableTime(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(15, "0");
}
