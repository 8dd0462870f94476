import { makeApiActivityHandler } from "../../../functions/api-activity";
import { sweepApiIncidents } from "../../../shared/app/sweep-api-incidents";
import { DEFAULT_CONFIG } from "../../../shared/core/config";
import { IncidentKind, Severity } from "../../../shared/core/types";
import { deniedApiEvent, mutated, OWN_ACCOUNT, principalArn, roleArn } from "../../fixtures/cloudtrail/events";
import { type ApiWorld, apiWorld, lambdaContext, MINUTE } from "./fakes";

/**
 * Issue 11.5: callers are told apart. Denied calls of callers without an ARN (an AWS service, an IAM
 * user logged by name) never share one name, and a burst spread over rotating sessions of one role is
 * reported on the role.
 */

const { windowMinutes } = DEFAULT_CONFIG.apiActivity;
const { resolveAfterMinutes } = DEFAULT_CONFIG.incidents;

function handlerOf(world: ApiWorld) {
  const handler = makeApiActivityHandler(world.deps);
  return (event: unknown) => handler(event, lambdaContext);
}

/** A denied DescribeBroker by `identity` (a raw userIdentity block) at the world's minute. */
function deniedBy(world: ApiWorld, identity: Record<string, unknown>) {
  return mutated(deniedApiEvent({ at: world.clock.now() }), (e) => {
    (e.detail as Record<string, unknown>).userIdentity = identity;
  });
}

const SERVICE = { type: "AWSService", invokedBy: "config.amazonaws.com" };
const USER_BY_NAME = { type: "IAMUser", accountId: OWN_ACCOUNT, userName: "reporting-export" };

/** Incidents by resource. */
async function openResources(world: ApiWorld): Promise<(string | null)[]> {
  return (await world.incidents.loadActive()).map((i) => i.resource).sort();
}

describe("makeApiActivityHandler (caller identities)", () => {
  it.each([
    ["keeps denied calls of an AWS service and of a user logged by name apart: two each open nothing", 2, []],
    [
      "opens one incident for each ARN-less caller that crosses the rule, named by its identity key",
      3,
      [`${OWN_ACCOUNT}:reporting-export`, "config.amazonaws.com"],
    ],
  ])("%s", async (_case, calls, opened) => {
    // Prepare
    const world = apiWorld();
    const handle = handlerOf(world);

    // Act: each caller is denied once a minute
    for (let minute = 0; minute < calls; minute++) {
      world.clock.minute = minute;
      await handle(deniedBy(world, SERVICE));
      await handle(deniedBy(world, USER_BY_NAME));
    }

    // Assess
    expect(await openResources(world)).toEqual(opened);
  });

  it("never names a caller by an empty ARN", async () => {
    // Prepare
    const world = apiWorld();
    const handle = handlerOf(world);
    const emptyArn = { type: "AssumedRole", arn: "", principalId: "AROAEXAMPLE:batch", accountId: OWN_ACCOUNT };

    // Act
    for (let minute = 0; minute < 3; minute++) {
      world.clock.minute = minute;
      await handle(deniedBy(world, emptyArn));
    }

    // Assess
    expect(await openResources(world)).toEqual(["AROAEXAMPLE:batch"]);
  });

  it("reports a burst spread over rotated sessions of one role on the role, once", async () => {
    // Prepare: each session is denied once (below the rule), the role three times
    const world = apiWorld();
    const handle = handlerOf(world);

    // Act
    const opened = [];
    for (let minute = 0; minute < 3; minute++) {
      world.clock.minute = minute;
      const event = deniedApiEvent({ at: world.clock.now(), identity: "assumed-role", identityOptions: { session: `i-0abc${minute}` } });
      opened.push(...(await handle(event)).transitions.filter((t) => t.type === "opened").map((t) => [minute, t.incident.resource]));
    }

    // Assess
    expect(opened).toEqual([[2, roleArn("OpsRole")]]);
    const [incident] = await world.incidents.loadActive();
    expect(incident).toMatchObject({ kind: IncidentKind.unauthorizedApi, broker: "*", severity: Severity.warning });
    expect(incident?.evidence).toMatchObject({ scope: "role", sessions: 3 });
  });

  it("reports a burst of one session on the session, not on its role as well", async () => {
    // Prepare
    const world = apiWorld();
    const handle = handlerOf(world);

    // Act
    for (let minute = 0; minute < 3; minute++) {
      world.clock.minute = minute;
      await handle(deniedApiEvent({ at: world.clock.now(), identity: "assumed-role", identityOptions: { session: "stolen" } }));
    }

    // Assess
    expect(await openResources(world)).toEqual([principalArn("assumed-role", { session: "stolen" })]);
  });

  it("keeps a role's incident open while its sessions keep being denied, and resolves it once they stop", async () => {
    // Prepare
    const world = apiWorld();
    const handle = handlerOf(world);
    const deny = (session: string) =>
      handle(deniedApiEvent({ at: world.clock.now(), identity: "assumed-role", identityOptions: { session } }));
    for (let minute = 0; minute < 3; minute++) {
      world.clock.minute = minute;
      await deny(`s-${minute}`);
    }

    // Act: one more session denied every 10 minutes until minute 30, then nothing; the sweep runs every minute
    const resolvedAt: number[] = [];
    for (let minute = 3; minute <= 60; minute++) {
      world.clock.minute = minute;
      if (minute % 10 === 0 && minute <= 30) await deny(`s-${minute}`);
      const report = await sweepApiIncidents(world.deps);
      if (report.transitions.some((t) => t.type === "resolved")) resolvedAt.push(minute);
    }

    // Assess
    expect(resolvedAt).toEqual([30 + windowMinutes + 1 + resolveAfterMinutes]);
  });

  it("judges two roles apart", async () => {
    // Prepare
    const world = apiWorld();
    const handle = handlerOf(world);

    // Act: two sessions of each of two roles, one denial each
    for (const [minute, role, session] of [
      [0, "OpsRole", "a"],
      [1, "BatchRole", "b"],
      [2, "OpsRole", "c"],
      [3, "BatchRole", "d"],
    ] as const) {
      world.clock.minute = minute;
      await handle(
        deniedApiEvent({ at: world.clock.now() + MINUTE / 2, identity: "assumed-role", identityOptions: { name: role, session } }),
      );
    }

    // Assess
    expect(await world.incidents.loadActive()).toEqual([]);
  });
});
