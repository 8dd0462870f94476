import { BUDGET_WINDOW_MS } from "../core/remediation-policy";
import type { PendingVerification, RemediationLedger, RemediationRecord } from "../ports";

/** `RemediationLedger` in memory, with the same conditional rules as the DynamoDB ledger. */
export class MemoryRemediationLedger implements RemediationLedger {
  private readonly records: RemediationRecord[] = [];
  private readonly locks = new Map<string, { takenAt: number; until: number }>();
  private budget: number[] = [];
  private readonly held = new Map<string, { brokerId: string; broker: string; reason: string; at: number }>();
  private readonly verifications = new Map<string, PendingVerification>();

  async record(entry: RemediationRecord): Promise<void> {
    this.records.push({ ...entry });
  }

  async history(since: number): Promise<RemediationRecord[]> {
    return this.records.filter((r) => r.at >= since).sort((a, b) => a.at - b.at);
  }

  async lastRebootAt(brokerId: string): Promise<number | null> {
    return this.locks.get(brokerId)?.takenAt ?? null;
  }

  async lockBroker(brokerId: string, now: number, until: number): Promise<boolean> {
    const lock = this.locks.get(brokerId);
    if (lock && lock.until > now) return false;
    this.locks.set(brokerId, { takenAt: now, until });
    return true;
  }

  async unlockBroker(brokerId: string, takenAt: number): Promise<void> {
    if (this.locks.get(brokerId)?.takenAt === takenAt) this.locks.delete(brokerId);
  }

  async rebootsSince(since: number): Promise<number> {
    return this.budget.filter((at) => at > since).length;
  }

  async takeBudget(now: number, max: number): Promise<boolean> {
    const recent = this.budget.filter((at) => at > now - BUDGET_WINDOW_MS);
    if (recent.length >= max) return false;
    this.budget = [...recent, now];
    return true;
  }

  constructor(private readonly clock: { now(): number } = { now: () => Date.now() }) {}

  async holdOf(brokerId: string): Promise<string | null> {
    return this.held.get(brokerId)?.reason ?? null;
  }

  async hold(brokerId: string, broker: string, reason: string): Promise<void> {
    this.held.set(brokerId, { brokerId, broker, reason, at: this.clock.now() });
  }

  async holds(): Promise<{ brokerId: string; broker: string; reason: string; at: number }[]> {
    return [...this.held.values()].map((h) => ({ ...h }));
  }

  async releaseHold(brokerId: string): Promise<boolean> {
    return this.held.delete(brokerId);
  }

  async addVerification(v: PendingVerification): Promise<void> {
    this.verifications.set(v.brokerId, { ...v });
  }

  async pendingVerifications(): Promise<PendingVerification[]> {
    return [...this.verifications.values()].map((v) => ({ ...v }));
  }

  async removeVerification(brokerId: string): Promise<void> {
    this.verifications.delete(brokerId);
  }
}
