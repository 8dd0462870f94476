import type { ActivityRecord, ApiActivityStore } from "../ports";

/** `ApiActivityStore` in memory (replay, tests, a single warm container). */
export class MemoryApiActivityStore implements ApiActivityStore {
  private readonly seen = new Set<string>();
  private readonly history = new Map<string, Map<string, ActivityRecord>>();

  async claimEvent(eventId: string): Promise<boolean> {
    if (this.seen.has(eventId)) return false;
    this.seen.add(eventId);
    return true;
  }

  async releaseEvent(eventId: string): Promise<void> {
    this.seen.delete(eventId);
  }

  async record(subject: string, entry: ActivityRecord): Promise<void> {
    const calls = this.history.get(subject) ?? new Map<string, ActivityRecord>();
    if (!calls.has(entry.eventId)) calls.set(entry.eventId, structuredClone(entry));
    this.history.set(subject, calls);
  }

  async since(subject: string, since: number): Promise<ActivityRecord[]> {
    return [...(this.history.get(subject)?.values() ?? [])].filter((c) => c.at >= since).sort((a, b) => a.at - b.at);
  }
}
