import type { OptInRecords, OptInState } from "../ports";

/** `OptInRecords` in memory, with the same write rule as the DynamoDB records. */
export class MemoryOptInRecords implements OptInRecords {
  private readonly states = new Map<string, OptInState>();

  async get(brokerIds: readonly string[]): Promise<Map<string, OptInState>> {
    const out = new Map<string, OptInState>();
    for (const id of brokerIds) {
      const state = this.states.get(id);
      if (state) out.set(id, { ...state });
    }
    return out;
  }

  async record(state: OptInState): Promise<boolean> {
    const current = this.states.get(state.brokerId);
    if (current && current.optedIn === state.optedIn) return false;
    this.states.set(state.brokerId, { ...state });
    return true;
  }
}
