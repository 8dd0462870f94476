import type { ActivityRecord, ApiActivityStore, EventClaim } from "../ports";

type EventState = { state: "claimed"; token: string; leaseUntil: number } | { state: "done" };

/** `ApiActivityStore` in memory (replay, tests, a single warm container), with the DynamoDB store's claim rules. */
export class MemoryApiActivityStore implements ApiActivityStore {
  private readonly events = new Map<string, EventState>();
  private readonly history = new Map<string, Map<string, ActivityRecord>>();
  private tokens = 0;

  async claimEvent(eventId: string, now: number, leaseMs: number): Promise<EventClaim> {
    const current = this.events.get(eventId);
    if (current?.state === "done") return { status: "done" };
    if (current && current.leaseUntil > now) return { status: "busy", leaseUntil: current.leaseUntil };
    this.tokens += 1;
    const token = `claim-${this.tokens}`;
    this.events.set(eventId, { state: "claimed", token, leaseUntil: now + leaseMs });
    return { status: "claimed", token };
  }

  async completeEvent(eventId: string, token: string, _now: number): Promise<boolean> {
    const current = this.events.get(eventId);
    if (current?.state !== "claimed" || current.token !== token) return false;
    this.events.set(eventId, { state: "done" });
    return true;
  }

  async releaseEvent(eventId: string, token: string): Promise<void> {
    const current = this.events.get(eventId);
    if (current?.state === "claimed" && current.token === token) this.events.delete(eventId);
  }

  async record(subject: string, entry: ActivityRecord, _now: number): Promise<void> {
    const calls = this.history.get(subject) ?? new Map<string, ActivityRecord>();
    if (!calls.has(entry.eventId)) calls.set(entry.eventId, structuredClone(entry));
    this.history.set(subject, calls);
  }

  async since(subject: string, since: number): Promise<ActivityRecord[]> {
    return [...(this.history.get(subject)?.values() ?? [])].filter((c) => c.at >= since).sort((a, b) => a.at - b.at);
  }
}
