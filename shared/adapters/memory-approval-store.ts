import type { ApprovalRequest, ApprovalStore, RecordedAnswer } from "../ports";

/** How long an accepted interaction is remembered: Slack signs requests for 5 minutes. */
export const INTERACTION_MEMORY_MS = 10 * 60_000;

/** `ApprovalStore` in memory, with the same conditional rules as the DynamoDB store. */
export class MemoryApprovalStore implements ApprovalStore {
  private readonly requests = new Map<string, ApprovalRequest>();
  private readonly answers = new Map<string, RecordedAnswer>();
  private readonly interactions = new Map<string, number>();

  async create(request: ApprovalRequest): Promise<boolean> {
    if (this.requests.has(request.id)) return false;
    this.requests.set(request.id, { ...request });
    return true;
  }

  async get(id: string): Promise<ApprovalRequest | null> {
    const request = this.requests.get(id);
    return request ? { ...request } : null;
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
    if (this.answers.has(answer.approvalId)) return false;
    this.answers.set(answer.approvalId, { ...answer });
    return true;
  }

  async answerOf(id: string): Promise<RecordedAnswer | null> {
    const answer = this.answers.get(id);
    return answer ? { ...answer } : null;
  }

  async acceptInteractionOnce(signature: string, now: number): Promise<boolean> {
    const seen = this.interactions.get(signature);
    if (seen !== undefined && now - seen < INTERACTION_MEMORY_MS) return false;
    this.interactions.set(signature, now);
    return true;
  }
}
