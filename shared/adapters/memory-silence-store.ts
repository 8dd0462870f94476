import type { Silence } from "../core/notify-policy";
import type { SilenceStore } from "../ports";

/** `SilenceStore` in memory (replay and tests). */
export class MemorySilenceStore implements SilenceStore {
  private readonly silences = new Map<string, Silence>();

  async active(now: number): Promise<Silence[]> {
    return [...this.silences.values()].filter((s) => s.endsAt > now).map((s) => ({ ...s }));
  }

  async add(silence: Silence): Promise<void> {
    this.silences.set(silence.id, { ...silence });
  }

  async expire(id: string, now: number): Promise<boolean> {
    const silence = this.silences.get(id);
    if (!silence || silence.endsAt <= now) return false;
    this.silences.set(id, { ...silence, endsAt: now });
    return true;
  }
}
