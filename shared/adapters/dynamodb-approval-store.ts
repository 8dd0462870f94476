import { createHash } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { ApprovalRequest, ApprovalStore, RecordedAnswer } from "../ports";
import { queryAll, TableStore } from "./dynamodb-table";
import { INTERACTION_MEMORY_MS } from "./memory-approval-store";
import { withRetry } from "./retry";
import { ApprovalRequestItem, InteractionItem, RecordedAnswerItem } from "./stored-items";

/**
 * `ApprovalStore` on the incidents table, single-item conditional writes only:
 * - `APPROVAL` / `<id>`: a reboot request waiting for a person, settled once with a
 *   `#status = pending` condition (kept 30 days after it expires, for the record);
 * - `ANSWER#<id>` / `ANSWER`: a person's answer, put once (`attribute_not_exists`) by the interactions
 *   function alone (the IAM policies give no other role that key);
 * - `INTERACTION` / `<sha-256 of the Slack signature>`: a signed interaction already accepted (a
 *   conditional put), kept 10 minutes, twice as long as Slack's signatures are valid.
 */

const KEEP_DAYS = 30;

export class DynamoDbApprovalStore extends TableStore implements ApprovalStore {
  async create(request: ApprovalRequest): Promise<boolean> {
    return this.putItemIf(ApprovalRequestItem, { Item: itemOf(request), ConditionExpression: "attribute_not_exists(pk)" });
  }

  async get(id: string): Promise<ApprovalRequest | null> {
    const out = await withRetry("dynamodb:GetItem", this.clock, () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: "APPROVAL", sk: id }, ConsistentRead: true })),
    );
    return out.Item ? this.valueOf(ApprovalRequestItem, out.Item) : null;
  }

  async pending(): Promise<ApprovalRequest[]> {
    const items = await queryAll(this.doc, this.clock, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk",
      FilterExpression: "#status = :pending",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":pk": "APPROVAL", ":pending": "pending" },
      ConsistentRead: true,
    });
    // A damaged request fails the listing: what waits for a person is not decided on a partial list.
    return this.valuesOf(ApprovalRequestItem, items).sort((a, b) => a.requestedAt - b.requestedAt);
  }

  async settle(id: string, to: "expired" | "done"): Promise<boolean> {
    const current = await this.get(id);
    if (current?.status !== "pending") return false;
    return this.putItemIf(ApprovalRequestItem, {
      Item: itemOf({ ...current, status: to }),
      ConditionExpression: "#status = :pending",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":pending": "pending" },
    });
  }

  async recordAnswer(answer: RecordedAnswer): Promise<boolean> {
    return this.putItemIf(RecordedAnswerItem, {
      Item: {
        pk: `ANSWER#${answer.approvalId}`,
        sk: "ANSWER",
        data: JSON.stringify(answer),
        expiresAt: Math.ceil(answer.at / 1000) + KEEP_DAYS * 86_400,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    });
  }

  async answerOf(id: string): Promise<RecordedAnswer | null> {
    const out = await withRetry("dynamodb:GetItem", this.clock, () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: `ANSWER#${id}`, sk: "ANSWER" }, ConsistentRead: true })),
    );
    return out.Item ? this.valueOf(RecordedAnswerItem, out.Item) : null;
  }

  async acceptInteractionOnce(signature: string, now: number): Promise<boolean> {
    const key = createHash("sha256").update(signature).digest("hex");
    return this.putItemIf(InteractionItem, {
      Item: { pk: "INTERACTION", sk: key, at: now, expiresAt: Math.ceil((now + INTERACTION_MEMORY_MS) / 1000) },
      // An item past its TTL may linger until DynamoDB deletes it: an old one does not count.
      ConditionExpression: "attribute_not_exists(pk) OR #at < :old",
      ExpressionAttributeNames: { "#at": "at" },
      ExpressionAttributeValues: { ":old": now - INTERACTION_MEMORY_MS },
    });
  }
}

function itemOf(request: ApprovalRequest): Record<string, unknown> {
  return {
    pk: "APPROVAL",
    sk: request.id,
    status: request.status,
    data: JSON.stringify(request),
    expiresAt: Math.ceil(request.expiresAt / 1000) + KEEP_DAYS * 86_400,
  };
}
