import { type Incident, isActive } from "../core/incidents";
import { isPending } from "../core/notify-policy";
import type { IncidentStore } from "../ports";

/**
 * `IncidentStore` in memory, with the same conditional-write rules as the DynamoDB store: used by
 * replay, by tests of the use cases, and by a single-process deployment that needs no table.
 */
export class MemoryIncidentStore implements IncidentStore {
  private readonly byFingerprint = new Map<string, Incident>();

  async loadActive(): Promise<Incident[]> {
    return [...this.byFingerprint.values()].filter(isActive).map((i) => structuredClone(i));
  }

  async save(incident: Incident, expectedVersion: number): Promise<boolean> {
    const current = this.byFingerprint.get(incident.fingerprint);
    if (expectedVersion === 0) {
      if (current && isActive(current)) return false;
    } else if (!current || current.version !== expectedVersion || current.id !== incident.id) {
      return false;
    }
    this.byFingerprint.set(incident.fingerprint, structuredClone(incident));
    return true;
  }

  async get(fingerprint: string): Promise<Incident | null> {
    const incident = this.byFingerprint.get(fingerprint);
    return incident ? structuredClone(incident) : null;
  }

  async loadWithPendingNotifications(): Promise<Incident[]> {
    return [...this.byFingerprint.values()].filter((i) => i.outbox.some(isPending)).map((i) => structuredClone(i));
  }

  /** Every fingerprint's latest incident, active or not (for reports). */
  all(): Incident[] {
    return [...this.byFingerprint.values()].map((i) => structuredClone(i));
  }
}
