import { makeApiActivityHandler } from "../../../functions/api-activity";
import { MemoryApiActivityStore } from "../../../shared/adapters/memory-api-activity-store";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { auditNewBrokers, type ListedBroker, type NewBrokerAuditDeps } from "../../../shared/app/audit-new-brokers";
import type { PostureTarget } from "../../../shared/ports";
import { amazonMqApiEvent, brokerIdOf, createBrokerParameters, createBrokerResponse } from "../../fixtures/cloudtrail/events";
import { TestClock } from "../../support/clock";
import { apiWorld, lambdaContext } from "./fakes";

/**
 * Issue 12.3: a new broker's posture is audited once it is RUNNING, not at the next daily audit: the
 * metrics cycle notices a broker that went from CREATION_IN_PROGRESS to RUNNING, or one a recorded
 * CreateBroker created, and asks the posture audit to re-check it, once.
 */

const NEW = brokerIdOf(7);
const OLD = brokerIdOf(8);

/** A posture re-check port that keeps what it is asked, and fails on demand. */
class RecordingRecheck {
  readonly requested: PostureTarget[] = [];
  failures = 0;
  async request(target: PostureTarget): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error("lambda:Invoke failed: TooManyRequestsException");
    }
    this.requested.push(target);
  }
}

function world(activity = new MemoryApiActivityStore()) {
  const clock = new TestClock();
  const posture = new RecordingRecheck();
  const deps: NewBrokerAuditDeps = { activity, posture, clock, log: new RecordingLog() };
  const seen = new Map<string, string>();
  const cycle = async (brokers: ListedBroker[]) => {
    clock.minute += 1;
    return auditNewBrokers(deps, brokers, seen);
  };
  return { deps, posture, clock, activity, seen, cycle };
}

const listed = (id: string, state: string, name = `broker-${id.slice(2, 10)}`): ListedBroker => ({ id, name, state });

describe("auditNewBrokers", () => {
  it("asks for a posture re-check once, when a broker it saw being created runs", async () => {
    // Prepare
    const w = world();

    // Act
    await w.cycle([listed(NEW, "CREATION_IN_PROGRESS"), listed(OLD, "RUNNING")]);
    await w.cycle([listed(NEW, "CREATION_IN_PROGRESS"), listed(OLD, "RUNNING")]);
    const running = await w.cycle([listed(NEW, "RUNNING", "search-72"), listed(OLD, "RUNNING")]);
    await w.cycle([listed(NEW, "RUNNING", "search-72"), listed(OLD, "RUNNING")]);

    // Assess
    expect(running.requested).toEqual([{ brokerId: NEW, brokerName: "search-72", configurationId: null, region: null }]);
    expect(w.posture.requested).toHaveLength(1);
  });

  it("asks for a re-check of a broker a recorded CreateBroker created, first seen running (a cold start)", async () => {
    // Prepare: api-activity recorded the CreateBroker
    const api = apiWorld();
    const handler = makeApiActivityHandler(api.deps);
    await handler(
      amazonMqApiEvent({
        eventName: "CreateBroker",
        requestParameters: createBrokerParameters("search-72"),
        responseElements: createBrokerResponse("search-72", NEW),
      }),
      lambdaContext,
    );
    const w = world(api.activity);

    // Act
    const first = await w.cycle([listed(NEW, "RUNNING", "search-72"), listed(OLD, "RUNNING")]);
    const again = await w.cycle([listed(NEW, "RUNNING", "search-72"), listed(OLD, "RUNNING")]);

    // Assess
    expect(first.requested.map((t) => t.brokerId)).toEqual([NEW]);
    expect(again.requested).toEqual([]);
  });

  it("does not ask twice when a container restarts after asking", async () => {
    // Prepare
    const w = world();
    await w.cycle([listed(NEW, "CREATION_IN_PROGRESS")]);
    await w.cycle([listed(NEW, "RUNNING")]);

    // Act: a new container (empty memory) that also sees the broker go from creating to running
    const restarted = new Map<string, string>([[NEW, "CREATION_IN_PROGRESS"]]);
    const report = await auditNewBrokers(w.deps, [listed(NEW, "RUNNING")], restarted);

    // Assess
    expect(report.requested).toEqual([]);
    expect(w.posture.requested).toHaveLength(1);
  });

  it("asks again on the next cycle when the request failed, and reports the failure", async () => {
    // Prepare
    const w = world();
    await w.cycle([listed(NEW, "CREATION_IN_PROGRESS")]);
    w.posture.failures = 1;

    // Act
    const failed = await w.cycle([listed(NEW, "RUNNING")]);
    const retried = await w.cycle([listed(NEW, "RUNNING")]);

    // Assess
    expect(failed.errors).toEqual([expect.stringContaining("TooManyRequestsException")]);
    expect(retried.requested.map((t) => t.brokerId)).toEqual([NEW]);
  });

  it("asks nothing for brokers that were running all along, or that failed to be created", async () => {
    // Prepare
    const w = world();

    // Act
    await w.cycle([listed(OLD, "RUNNING"), listed(NEW, "CREATION_IN_PROGRESS")]);
    const report = await w.cycle([listed(OLD, "RUNNING"), listed(NEW, "CREATION_FAILED")]);

    // Assess
    expect(report).toEqual({ requested: [], errors: [] });
    expect(w.posture.requested).toEqual([]);
  });

  it("names the region of a broker of another watched region", async () => {
    // Prepare
    const w = world();
    await w.cycle([listed(NEW, "CREATION_IN_PROGRESS", "eu-west-1/search-72")]);

    // Act
    const report = await w.cycle([listed(NEW, "RUNNING", "eu-west-1/search-72")]);

    // Assess
    expect(report.requested).toEqual([{ brokerId: NEW, brokerName: "eu-west-1/search-72", configurationId: null, region: "eu-west-1" }]);
  });
});
