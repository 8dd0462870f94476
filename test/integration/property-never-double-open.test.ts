import fc from "fast-check";
import { DynamoDbIncidentStore } from "../../shared/adapters/dynamodb-incident-store";
import { MemoryIncidentStore } from "../../shared/adapters/memory-incident-store";
import { type FoldRules, foldFindings, type Incident, isActive, type Transition, TransitionType } from "../../shared/core/incidents";
import { type ConsumerLagCondition, type Finding, fingerprintOf, Severity } from "../../shared/core/types";
import type { IncidentStore } from "../../shared/ports";
import { MINUTE, TestClock } from "../support/clock";
import { createIncidentsTable, type LocalDynamo, startDynalite } from "./dynamodb-table";

/**
 * Property: however findings come and go, and even when a cycle runs twice (again right after, or
 * two invocations of it at once), folding with `foldFindings` and saving through the store never
 * leaves two active incidents for one fingerprint and never announces `opened` twice for an incident.
 */

const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const QUEUES = ["orders", "payments", "audit"] as const;

/** What the detector says about one queue in one cycle. */
interface QueuePlan {
  present: boolean;
  severity: Severity;
  condition: ConsumerLagCondition;
  /** Whether the detector had the data to judge the queue; an unjudged incident is left as it is. */
  judged: boolean;
}

/** How a cycle runs: once, again right after, or as two invocations at the same time. */
type Delivery = "once" | "again" | "concurrent";

interface CyclePlan {
  gapMinutes: number;
  queues: QueuePlan[];
  delivery: Delivery;
}

interface RunPlan {
  rules: FoldRules;
  holdMinutes: number[];
  cycles: CyclePlan[];
}

const queuePlan: fc.Arbitrary<QueuePlan> = fc.record({
  present: fc.boolean(),
  severity: fc.constantFrom(Severity.info, Severity.warning, Severity.critical),
  condition: fc.constantFrom<ConsumerLagCondition>("stalled", "no-consumers"),
  judged: fc.constantFrom(true, true, true, false),
});

const runPlan: fc.Arbitrary<RunPlan> = fc.record({
  rules: fc.record({ resolveAfterMinutes: fc.integer({ min: 0, max: 4 }), refreshMinutes: fc.integer({ min: 1, max: 5 }) }),
  holdMinutes: fc.array(fc.constantFrom(0, 0, 2, 3), { minLength: QUEUES.length, maxLength: QUEUES.length }),
  cycles: fc.array(
    fc.record({
      gapMinutes: fc.integer({ min: 1, max: 3 }),
      queues: fc.array(queuePlan, { minLength: QUEUES.length, maxLength: QUEUES.length }),
      delivery: fc.constantFrom<Delivery>("once", "once", "again", "concurrent"),
    }),
    { minLength: 1, maxLength: 12 },
  ),
});

function findingsOf(cycle: CyclePlan, holdMinutes: number[]): { findings: Finding[]; judged: Set<string> } {
  const findings: Finding[] = [];
  const judged = new Set<string>();
  QUEUES.forEach((queue, i) => {
    const plan = cycle.queues[i] as QueuePlan;
    const finding: Finding = {
      kind: "consumer-lag",
      broker: "shop",
      resource: queue,
      severity: plan.severity,
      condition: plan.condition,
      summary: `${queue}: ${plan.condition}`,
      evidence: { backlog: 500 },
      holdMinutes: holdMinutes[i] ?? 0,
    };
    if (plan.present) findings.push(finding);
    if (plan.present || plan.judged) judged.add(fingerprintOf(finding));
  });
  return { findings, judged };
}

/** What has been announced, checked as each transition comes in. */
class Announcements {
  private readonly openedIds = new Set<string>();
  /** Transitions seen, by type, across runs: shows that the generated plans reach every transition. */
  static readonly seen = new Map<string, number>();
  /** The announced-open incident id per fingerprint. */
  readonly openByFingerprint = new Map<string, string>();

  record(transition: Transition): void {
    const { id, fingerprint } = transition.incident;
    const announced = this.openByFingerprint.get(fingerprint);
    Announcements.seen.set(transition.type, (Announcements.seen.get(transition.type) ?? 0) + 1);
    if (transition.type === TransitionType.opened) {
      expect(this.openedIds.has(id)).toBe(false);
      expect(announced).toBeUndefined();
      this.openedIds.add(id);
      this.openByFingerprint.set(fingerprint, id);
    } else if (transition.type === TransitionType.resolved) {
      expect(announced).toBe(id);
      this.openByFingerprint.delete(fingerprint);
    } else {
      expect(announced).toBe(id);
    }
  }
}

/** One invocation of the cycle after its read: saves every change at once, as the use case does. */
async function saveChanges(store: IncidentStore, active: Incident[], cycle: CyclePlan, plan: RunPlan, now: number): Promise<Transition[]> {
  const { findings, judged } = findingsOf(cycle, plan.holdMinutes);
  const changes = foldFindings({
    active: new Map(active.map((i) => [i.fingerprint, i])),
    findings,
    isCovered: (incident) => judged.has(incident.fingerprint),
    now,
    rules: plan.rules,
  });
  const won = await Promise.all(changes.map((change) => store.save(change.next, change.expectedVersion)));
  return changes.flatMap((change, i) => (won[i] && change.transition ? [change.transition] : []));
}

async function runCycle(store: IncidentStore, cycle: CyclePlan, plan: RunPlan, now: number): Promise<Transition[]> {
  if (cycle.delivery === "concurrent") {
    const [first, second] = await Promise.all([store.loadActive(), store.loadActive()]);
    const transitions = await Promise.all([saveChanges(store, first, cycle, plan, now), saveChanges(store, second, cycle, plan, now)]);
    return transitions.flat();
  }
  const transitions = await saveChanges(store, await store.loadActive(), cycle, plan, now);
  if (cycle.delivery === "again") transitions.push(...(await saveChanges(store, await store.loadActive(), cycle, plan, now)));
  return transitions;
}

async function neverDoubleOpens(store: IncidentStore, plan: RunPlan): Promise<void> {
  const announcements = new Announcements();
  let now = START;
  for (const cycle of plan.cycles) {
    now += cycle.gapMinutes * MINUTE;
    for (const transition of await runCycle(store, cycle, plan, now)) announcements.record(transition);

    const active = await store.loadActive();
    const fingerprints = active.map((i) => i.fingerprint);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
    expect(active.every(isActive)).toBe(true);
    // Every announced-open incident is the one the store holds open for its fingerprint.
    for (const [fingerprint, id] of announcements.openByFingerprint) {
      expect(active.find((i) => i.fingerprint === fingerprint)).toMatchObject({ id, status: "open" });
    }
  }
}

/** Guards against a degenerate generator: the runs must have opened, escalated, updated and resolved incidents. */
function expectEveryTransitionSeen(): void {
  for (const type of Object.values(TransitionType)) expect(Announcements.seen.get(type) ?? 0).toBeGreaterThan(0);
}

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.stop();
});

describe("foldFindings with an IncidentStore", () => {
  beforeEach(() => {
    Announcements.seen.clear();
  });

  it("never double-opens an incident with the MemoryIncidentStore", async () => {
    // Prepare
    const property = fc.asyncProperty(runPlan, (plan) => neverDoubleOpens(new MemoryIncidentStore(), plan));

    // Act and Assess
    await fc.assert(property, { numRuns: 300 });
    expectEveryTransitionSeen();
  });

  it("never double-opens an incident with the DynamoDbIncidentStore", async () => {
    // Prepare
    const property = fc.asyncProperty(runPlan, async (plan) => {
      const store = new DynamoDbIncidentStore(dynamo.client, await createIncidentsTable(dynamo.client), new TestClock());
      await neverDoubleOpens(store, plan);
    });

    // Act and Assess
    await fc.assert(property, { numRuns: 25 });
    expectEveryTransitionSeen();
  });
});
