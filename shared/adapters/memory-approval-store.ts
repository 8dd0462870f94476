import { MINUTE_MS } from "../core/types";
import type { ApprovalRequest, ApprovalStore, RecordedAnswer } from "../ports";

/** How long an accepted interaction is remembered: Slack signs requests for 5 minutes. */
export const INTERACTION_MEMORY_MS = 10 * MINUTE_MS;

/** `ApprovalStore` in memory, with the same conditional rules as the DynamoDB store. */
export class MemoryApprovalStore implements ApprovalStore {
  private readonly requests = new Map<string, ApprovalRequest>();
  private readonly answers = new Map<string, RecordedAnswer>();
  private readonly interactions = new Map<string, number>();

  async create(request: ApprovalRequest): Promise<boolean> {
    return putNew(this.requests, request.id, request);
  }

  async get(id: string): Promise<ApprovalRequest | null> {
    return copyOf(this.requests.get(id));
  }

  async pending(): Promise<ApprovalRequest[]> {
    return [...this.requests.values()]
      .filter((r) => r.status === "pending")
      .sort((a, b) => a.requestedAt - b.requestedAt)
      .map((r) => ({ ...r }));
  }

  async settle(id: string, to: "expired" | "done"): Promise<boolean> {
    const current = this.requests.get(id);
    if (!current || current.status !== "pending") return false;
    this.requests.set(id, { ...current, status: to });
    return true;
  }

  async recordAnswer(answer: RecordedAnswer): Promise<boolean> {
    return putNew(this.answers, answer.approvalId, answer);
  }

  async answerOf(id: string): Promise<RecordedAnswer | null> {
    return copyOf(this.answers.get(id));
  }

  async acceptInteractionOnce(signature: string, now: number): Promise<boolean> {
    const seen = this.interactions.get(signature);
    if (seen !== undefined && now - seen < INTERACTION_MEMORY_MS) return false;
    this.interactions.set(signature, now);
    return true;
  }
}

/** Stores a copy of `value` under `key` unless the key is taken (the DynamoDB store's conditional put). */
function putNew<T extends object>(map: Map<string, T>, key: string, value: T): boolean {
  if (map.has(key)) return false;
  map.set(key, { ...value });
  return true;
}

/** A copy of a stored value, so callers cannot change the store by changing what they read. */
function copyOf<T extends object>(value: T | undefined): T | null {
  return value ? { ...value } : null;
}
