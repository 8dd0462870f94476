import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import { ServiceCallError } from "../errors";
import type { OptInRecords, OptInState } from "../ports";
import { TableStore } from "./dynamodb-table";
import { withRetry } from "./retry";
import { OptInItem } from "./stored-items";

/**
 * `OptInRecords` on the incidents table: one item per broker, `OPTIN#<broker id>` / `CURRENT`
 * (the prefix the functions' IAM policies name). Written with a condition, so the first record of a
 * state stands: `attribute_not_exists(pk) OR optedIn <> :optedIn`. No TTL: a broker's opt-in history
 * must outlive any incident, and there is one small item per broker.
 */

/** BatchGetItem reads at most 100 keys a call. */
const BATCH_KEYS = 100;
/** Rounds of re-asking for the keys DynamoDB left unprocessed (throttling) before giving up. */
const UNPROCESSED_ROUNDS = 5;

export class DynamoDbOptInRecords extends TableStore implements OptInRecords {
  async get(brokerIds: readonly string[]): Promise<Map<string, OptInState>> {
    const out = new Map<string, OptInState>();
    const ids = [...new Set(brokerIds)];
    for (let i = 0; i < ids.length; i += BATCH_KEYS) {
      // A damaged record fails the read: its broker must not pass for opted in (or out) by default.
      for (const state of this.valuesOf(OptInItem, await this.batchGet(ids.slice(i, i + BATCH_KEYS)))) out.set(state.brokerId, state);
    }
    return out;
  }

  async record(state: OptInState): Promise<boolean> {
    return this.putItemIf(OptInItem, {
      Item: {
        pk: keyOf(state.brokerId),
        sk: "CURRENT",
        brokerId: state.brokerId,
        broker: state.broker,
        optedIn: state.optedIn,
        // Absent rather than null: "since the monitor first looked".
        since: state.since ?? undefined,
        source: state.source,
      },
      ConditionExpression: "attribute_not_exists(pk) OR optedIn <> :optedIn",
      ExpressionAttributeValues: { ":optedIn": state.optedIn },
    });
  }

  /** One BatchGetItem of at most 100 keys, asking again for the keys it left unprocessed. */
  private async batchGet(brokerIds: readonly string[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let keys: Record<string, unknown>[] = brokerIds.map((id) => ({ pk: keyOf(id), sk: "CURRENT" }));
    for (let round = 0; keys.length > 0; round++) {
      if (round > 0) {
        if (round > UNPROCESSED_ROUNDS) {
          throw new ServiceCallError(
            "dynamodb:BatchGetItem",
            new Error(`${keys.length} keys left unprocessed after ${UNPROCESSED_ROUNDS} retries`),
          );
        }
        // DynamoDB leaves keys unprocessed when throttled: back off before asking again.
        await this.clock.sleep(Math.random() * Math.min(5_000, 100 * 2 ** round));
      }
      const page = await withRetry("dynamodb:BatchGetItem", this.clock, () =>
        this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } })),
      );
      items.push(...(page.Responses?.[this.tableName] ?? []));
      keys = page.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return items;
  }
}

function keyOf(brokerId: string): string {
  return `OPTIN#${brokerId}`;
}
