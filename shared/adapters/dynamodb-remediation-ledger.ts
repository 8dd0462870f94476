import { DeleteCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import { BUDGET_WINDOW_MS } from "../core/remediation-policy";
import type { PendingVerification, RemediationLedger, RemediationRecord } from "../ports";
import { queryAll, TableStore, writeIf } from "./dynamodb-table";
import { withRetry } from "./retry";
import { PendingVerificationItem, RebootBudgetItem, RebootHoldItem, RebootLockItem, RemediationRecordItem } from "./stored-items";

/**
 * `RemediationLedger` on the incidents table, single-item conditional writes only:
 * - `REMEDIATION` / `<epoch ms>#<id>`: the audit trail (kept 90 days);
 * - `REBOOT#<broker id>` / `LOCK`: the last reboot and the cooldown it holds; taken with
 *   `attribute_not_exists(pk) OR lockedUntil <= :now`, so two invocations cannot both reboot;
 * - `BUDGET` / `ROLLING`: the times of the reboots of the last hour, replaced with an optimistic
 *   `revision = :read` condition, so concurrent takers can never together exceed the maximum;
 * - `HOLD` / `<broker id>`: no more reboots of the broker until a person resets it;
 * - `VERIFY` / `<broker id>`: reboots whose effect is still to be checked.
 * A damaged item fails the read that meets it (a `StoredItemError`): every read here guards a reboot,
 * and a guard that cannot be read refuses rather than passes.
 */

const AUDIT_DAYS = 90;
/** Tries at the budget's optimistic write before refusing (each loser re-reads and re-checks). */
const BUDGET_ATTEMPTS = 10;
const DAY_SECONDS = 86_400;

export class DynamoDbRemediationLedger extends TableStore implements RemediationLedger {
  async record(entry: RemediationRecord): Promise<void> {
    await this.putItem(RemediationRecordItem, {
      Item: {
        pk: "REMEDIATION",
        sk: `${String(entry.at).padStart(15, "0")}#${entry.id}`,
        data: JSON.stringify(entry),
        expiresAt: seconds(entry.at) + AUDIT_DAYS * DAY_SECONDS,
      },
    });
  }

  async history(since: number): Promise<RemediationRecord[]> {
    const items = await this.query("REMEDIATION", String(since).padStart(15, "0"));
    return this.valuesOf(RemediationRecordItem, items);
  }

  async lastRebootAt(brokerId: string): Promise<number | null> {
    const item = await this.get(`REBOOT#${brokerId}`, "LOCK");
    return item ? this.valueOf(RebootLockItem, item).takenAt : null;
  }

  async lockBroker(brokerId: string, now: number, until: number): Promise<boolean> {
    return this.conditional(() =>
      this.doc.send(
        this.putCommand(RebootLockItem, {
          Item: { pk: `REBOOT#${brokerId}`, sk: "LOCK", takenAt: now, lockedUntil: until, expiresAt: seconds(until) + DAY_SECONDS },
          ConditionExpression: "attribute_not_exists(pk) OR lockedUntil <= :now",
          ExpressionAttributeValues: { ":now": now },
        }),
      ),
    );
  }

  async unlockBroker(brokerId: string, takenAt: number): Promise<void> {
    await this.conditional(() =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: `REBOOT#${brokerId}`, sk: "LOCK" },
          ConditionExpression: "takenAt = :takenAt",
          ExpressionAttributeValues: { ":takenAt": takenAt },
        }),
      ),
    );
  }

  async rebootsSince(since: number): Promise<number> {
    return (await this.readBudget()).reboots.filter((at) => at > since).length;
  }

  async takeBudget(now: number, max: number): Promise<boolean> {
    for (let attempt = 0; attempt < BUDGET_ATTEMPTS; attempt++) {
      const read = await this.readBudget();
      const recent = read.reboots.filter((at) => at > now - BUDGET_WINDOW_MS);
      if (recent.length >= max) return false;
      const written = await this.conditional(() =>
        this.doc.send(
          this.putCommand(RebootBudgetItem, {
            Item: { pk: "BUDGET", sk: "ROLLING", reboots: [...recent, now], revision: read.revision + 1 },
            ConditionExpression: read.revision === 0 ? "attribute_not_exists(pk)" : "revision = :read",
            ExpressionAttributeValues: read.revision === 0 ? undefined : { ":read": read.revision },
          }),
        ),
      );
      if (written) return true;
    }
    // Refusing is the safe answer when other takers keep winning the race.
    return false;
  }

  /** The budget as stored; revision 0: never written. */
  private async readBudget(): Promise<{ reboots: number[]; revision: number }> {
    const item = await this.get("BUDGET", "ROLLING");
    return item ? this.valueOf(RebootBudgetItem, item) : { reboots: [], revision: 0 };
  }

  async holdOf(brokerId: string): Promise<string | null> {
    const item = await this.get("HOLD", brokerId);
    return item ? this.valueOf(RebootHoldItem, item).reason : null;
  }

  async hold(brokerId: string, broker: string, reason: string): Promise<void> {
    await this.putItem(RebootHoldItem, { Item: { pk: "HOLD", sk: brokerId, broker, reason, at: this.clock.now() } });
  }

  async holds(): Promise<{ brokerId: string; broker: string; reason: string; at: number }[]> {
    return (await this.query("HOLD")).map((i) => {
      const { broker, reason, at } = this.valueOf(RebootHoldItem, i);
      return { brokerId: String(i.sk), broker, reason, at };
    });
  }

  async releaseHold(brokerId: string): Promise<boolean> {
    return this.conditional(() =>
      this.doc.send(
        new DeleteCommand({ TableName: this.tableName, Key: { pk: "HOLD", sk: brokerId }, ConditionExpression: "attribute_exists(pk)" }),
      ),
    );
  }

  async addVerification(v: PendingVerification): Promise<void> {
    await this.putItem(PendingVerificationItem, {
      Item: {
        pk: "VERIFY",
        sk: v.brokerId,
        data: JSON.stringify(v),
        expiresAt: seconds(v.verifyBy) + 7 * DAY_SECONDS,
      },
    });
  }

  async pendingVerifications(): Promise<PendingVerification[]> {
    return this.valuesOf(PendingVerificationItem, await this.query("VERIFY"));
  }

  async removeVerification(brokerId: string): Promise<void> {
    await withRetry("dynamodb:DeleteItem", this.clock, () =>
      this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: "VERIFY", sk: brokerId } })),
    );
  }

  private async get(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const out = await withRetry("dynamodb:GetItem", this.clock, () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true })),
    );
    return out.Item;
  }

  private query(pk: string, from?: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, this.clock, {
      TableName: this.tableName,
      KeyConditionExpression: from === undefined ? "pk = :pk" : "pk = :pk AND sk >= :from",
      ExpressionAttributeValues: from === undefined ? { ":pk": pk } : { ":pk": pk, ":from": from },
      ConsistentRead: true,
    });
  }

  /** Runs a conditional write: true when it applied, false when its condition failed. */
  private conditional(send: () => Promise<unknown>): Promise<boolean> {
    return writeIf("dynamodb:conditional write", this.clock, send);
  }
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
