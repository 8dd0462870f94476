import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Silence } from "../core/notify-policy";
import type { Clock, SilenceStore } from "../ports";
import { withRetry } from "./retry";

/**
 * `SilenceStore` on the incidents table: `pk = SILENCE`, `sk = <id>`, one Query lists them; a
 * silence is deleted by the table's TTL a day after it ends.
 */
const PK = "SILENCE";
const KEEP_AFTER_END_SECONDS = 86_400;

export class DynamoDbSilenceStore implements SilenceStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async active(now: number): Promise<Silence[]> {
    const out: Silence[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await withRetry("dynamodb:Query", this.clock, () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: "pk = :pk",
            FilterExpression: "endsAt > :now",
            ExpressionAttributeValues: { ":pk": PK, ":now": now },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) out.push(JSON.parse(String(item.data)) as Silence);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out;
  }

  async add(silence: Silence): Promise<void> {
    await withRetry("dynamodb:PutItem", this.clock, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: PK,
            sk: silence.id,
            endsAt: silence.endsAt,
            data: JSON.stringify(silence),
            expiresAt: Math.floor(silence.endsAt / 1000) + KEEP_AFTER_END_SECONDS,
          },
        }),
      ),
    );
  }

  async expire(id: string, now: number): Promise<boolean> {
    const current = (await this.active(now)).find((s) => s.id === id);
    if (!current) return false;
    const ended: Silence = { ...current, endsAt: now };
    try {
      await withRetry("dynamodb:UpdateItem", this.clock, () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: PK, sk: id },
            UpdateExpression: "SET endsAt = :now, #data = :data",
            ConditionExpression: "endsAt > :now",
            ExpressionAttributeNames: { "#data": "data" },
            ExpressionAttributeValues: { ":now": now, ":data": JSON.stringify(ended) },
          }),
        ),
      );
      return true;
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      if (error instanceof ConditionalCheckFailedException || cause instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
