import { randomUUID } from "node:crypto";
import { GetCommand, type PutCommandInput } from "@aws-sdk/lib-dynamodb";
import { type Incident, IncidentStatus, isActive } from "../core/incidents";
import { isPending } from "../core/notify-policy";
import type { IncidentStore, SkipUnreadable } from "../ports";
import { isConditionFailure, queryAll, TableStore } from "./dynamodb-table";
import { withRetry } from "./retry";
import { IncidentItem, type StoredIncident } from "./stored-items";

/**
 * `IncidentStore` on one DynamoDB table (single-table design, single-item conditional writes only,
 * so it also runs on dynalite):
 * - `pk = INCIDENT#<fingerprint>`, `sk = CURRENT`: the fingerprint's latest incident;
 * - `activeKey = ACTIVE` only while pending or open, so the sparse GSI `active` lists active
 *   incidents without a scan;
 * - `outboxKey = PENDING` only while notifications wait in the incident's outbox, for the sparse
 *   GSI `outbox` that the notification dispatcher reads;
 * - `expiresAt` (TTL, epoch seconds) once resolved.
 * The incident itself is stored as JSON in `data` (checked against `IncidentItem` when read back);
 * `version` and `status` are attributes so the conditions can read them.
 */

export const ACTIVE_INDEX = "active";
const ACTIVE = "ACTIVE";
/** Sparse index of incidents with notifications still to deliver (resolved ones included). */
export const OUTBOX_INDEX = "outbox";
const PENDING = "PENDING";
/** Resolved incidents are kept this long for history, then DynamoDB's TTL deletes them. */
const RETAIN_RESOLVED_DAYS = 30;

export class DynamoDbIncidentStore extends TableStore implements IncidentStore {
  async loadActive(skip?: SkipUnreadable): Promise<Incident[]> {
    // The index is eventually consistent: trust the item's own status.
    return (await this.queryIndex(ACTIVE_INDEX, "activeKey", ACTIVE, skip)).filter(isActive);
  }

  async get(fingerprint: string): Promise<Incident | null> {
    const out = await withRetry("dynamodb:GetItem", this.clock, () =>
      this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: `INCIDENT#${fingerprint}`, sk: "CURRENT" }, ConsistentRead: true }),
      ),
    );
    return out.Item ? incidentOf(this.valueOf(IncidentItem, out.Item)) : null;
  }

  async loadWithPendingNotifications(skip?: SkipUnreadable): Promise<Incident[]> {
    return (await this.queryIndex(OUTBOX_INDEX, "outboxKey", PENDING, skip)).filter((i) => i.outbox.some(isPending));
  }

  private async queryIndex(index: string, key: string, value: string, skip?: SkipUnreadable): Promise<Incident[]> {
    const items = await queryAll(this.doc, this.clock, {
      TableName: this.tableName,
      IndexName: index,
      KeyConditionExpression: "#key = :value",
      ExpressionAttributeNames: { "#key": key },
      ExpressionAttributeValues: { ":value": value },
    });
    return this.valuesOf(IncidentItem, items, skip).map(incidentOf);
  }

  async save(incident: Incident, expectedVersion: number): Promise<boolean> {
    // A token unique to this save: a retried put whose first attempt was applied finds its own token.
    const writeToken = randomUUID();
    const item: Record<string, unknown> = {
      pk: `INCIDENT#${incident.fingerprint}`,
      sk: "CURRENT",
      id: incident.id,
      kind: incident.kind,
      broker: incident.broker,
      status: incident.status,
      version: incident.version,
      writeToken,
      data: JSON.stringify(incident),
    };
    if (isActive(incident)) item.activeKey = ACTIVE;
    else item.expiresAt = Math.floor(this.clock.now() / 1000) + RETAIN_RESOLVED_DAYS * 86_400;
    if (incident.outbox.some(isPending)) item.outboxKey = PENDING;

    // An update must land on the same incident at the version it was read at, never on a newer
    // incident that reused the fingerprint.
    const condition: Pick<PutCommandInput, "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"> =
      expectedVersion === 0
        ? {
            ConditionExpression: "attribute_not_exists(pk) OR NOT (#status IN (:pending, :open))",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":pending": IncidentStatus.pending, ":open": IncidentStatus.open },
          }
        : {
            ConditionExpression: "#version = :expected AND #id = :id",
            ExpressionAttributeNames: { "#version": "version", "#id": "id" },
            ExpressionAttributeValues: { ":expected": expectedVersion, ":id": incident.id },
          };
    try {
      await this.putItem(IncidentItem, { Item: item, ...condition });
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // DynamoDB may apply a write whose answer is lost (reset, timeout); its retry then fails its
      // own condition. It won if the stored item carries this save's token; a concurrent writer of
      // the same change has another token and lost.
      return this.storedToken(incident.fingerprint).then((stored) => stored === writeToken);
    }
  }

  private async storedToken(fingerprint: string): Promise<unknown> {
    const current = await withRetry("dynamodb:GetItem", this.clock, () =>
      this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: `INCIDENT#${fingerprint}`, sk: "CURRENT" }, ConsistentRead: true }),
      ),
    );
    return current.Item?.writeToken;
  }
}

/**
 * A stored incident as the core's type. The schema reads any string as its condition (an older
 * release's condition must still read); the core's narrower condition type is taken on trust here.
 */
function incidentOf(stored: StoredIncident): Incident {
  return stored as Incident;
}
