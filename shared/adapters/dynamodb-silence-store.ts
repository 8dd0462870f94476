import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Silence } from "../core/notify-policy";
import type { SilenceStore, SkipUnreadable } from "../ports";
import { queryAll, TableStore, writeIf } from "./dynamodb-table";
import { SilenceItem } from "./stored-items";

/**
 * `SilenceStore` on the incidents table: `pk = SILENCE`, `sk = <id>`, one Query lists them; a
 * silence is deleted by the table's TTL a day after it ends.
 */
const PK = "SILENCE";
const KEEP_AFTER_END_SECONDS = 86_400;

export class DynamoDbSilenceStore extends TableStore implements SilenceStore {
  async active(now: number, skip?: SkipUnreadable): Promise<Silence[]> {
    const items = await queryAll(this.doc, this.clock, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk",
      FilterExpression: "endsAt > :now",
      ExpressionAttributeValues: { ":pk": PK, ":now": now },
    });
    return this.valuesOf(SilenceItem, items, skip);
  }

  async add(silence: Silence): Promise<void> {
    await this.putItem(SilenceItem, {
      Item: {
        pk: PK,
        sk: silence.id,
        endsAt: silence.endsAt,
        data: JSON.stringify(silence),
        expiresAt: Math.floor(silence.endsAt / 1000) + KEEP_AFTER_END_SECONDS,
      },
    });
  }

  async expire(id: string, now: number): Promise<boolean> {
    const current = (await this.active(now)).find((s) => s.id === id);
    if (!current) return false;
    const ended: Silence = { ...current, endsAt: now };
    return writeIf("dynamodb:UpdateItem", this.clock, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: PK, sk: id },
          // The data is rewritten by this release: it carries this release's version.
          UpdateExpression: "SET endsAt = :now, #data = :data, schemaVersion = :version",
          ConditionExpression: "endsAt > :now",
          ExpressionAttributeNames: { "#data": "data" },
          ExpressionAttributeValues: { ":now": now, ":data": JSON.stringify(ended), ":version": SilenceItem.version },
        }),
      ),
    );
  }
}
