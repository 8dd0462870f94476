import { MemoryOptInRecords } from "../../../shared/adapters/memory-opt-in-records";
import type { OptInState } from "../../../shared/ports";

const T0 = Date.UTC(2026, 11, 2, 9, 0);

function state(overrides: Partial<OptInState> = {}): OptInState {
  return { brokerId: "b-1", broker: "orders", optedIn: true, since: null, source: "inventory", ...overrides };
}

describe("MemoryOptInRecords", () => {
  it("records a first sighting and keeps it when the same state is seen again", async () => {
    // Prepare
    const records = new MemoryOptInRecords();
    // Act
    const first = await records.record(state());
    const again = await records.record(state({ since: T0, source: "cloudtrail:arn:aws:iam::1:user/x" }));
    // Assess
    expect([first, again]).toEqual([true, false]);
    expect((await records.get(["b-1"])).get("b-1")).toEqual(state());
  });

  it("records a change of state with its time", async () => {
    // Prepare
    const records = new MemoryOptInRecords();
    await records.record(state({ optedIn: false }));
    // Act
    const changed = await records.record(state({ optedIn: true, since: T0, source: "inventory" }));
    // Assess
    expect(changed).toBe(true);
    expect((await records.get(["b-1", "b-2"])).get("b-1")).toEqual(state({ optedIn: true, since: T0 }));
    expect((await records.get(["b-2"])).size).toBe(0);
  });
});
