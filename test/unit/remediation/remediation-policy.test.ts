import fc from "fast-check";
import {
  decideRemediation,
  guardReport,
  lockMinutes,
  optedIn,
  type RecordedOptIn,
  type RemediationCause,
  type RemediationContext,
  rebootCanHelp,
  unsettledOptIn,
} from "../../../shared/core/remediation-policy";
import { type Broker, DeploymentMode, Tags } from "../../../shared/core/types";
import { anIncident, anOptedInBroker, type IncidentShape, MINUTE, remediationConfig, Shapes, T0 } from "./remediation-fixtures";

const AUTO = remediationConfig({ mode: "auto" }).remediation;

/** A context in which every guard passes (mode auto): the decision is to reboot. */
function passingContext(overrides: Partial<RemediationContext> = {}): RemediationContext {
  return {
    incident: anIncident(Shapes.stalled, "orders"),
    broker: anOptedInBroker("orders"),
    config: AUTO,
    killSwitch: false,
    lastRebootAt: null,
    rebootsInLastHour: 0,
    heldBecause: null,
    verificationPending: false,
    optIn: FIRST_SIGHTING,
    now: T0 + 90 * MINUTE,
    ...overrides,
  };
}

/** The opt-in as the minute cycle records a broker it sees for the first time: it predates the monitor. */
const FIRST_SIGHTING: RecordedOptIn = { optedIn: true, since: null, source: "inventory" };
const NOW = T0 + 90 * MINUTE;
const MALLORY = "arn:aws:iam::111122223333:user/mallory";

function withBroker(overrides: Partial<Broker>): Partial<RemediationContext> {
  return { broker: anOptedInBroker("orders", overrides) };
}

describe("rebootCanHelp", () => {
  it.each<[string, IncidentShape]>([
    ["consumers connected but stalled", Shapes.stalled],
    ["a stalled queue reported at warning", { ...Shapes.stalled, severity: "warning" }],
    ["a critical heap", Shapes.heapCritical],
    ["connections at the limit and still climbing", Shapes.connectionLeakAtLimit],
  ])("helps %s", (_, shape) => {
    // Act
    const verdict = rebootCanHelp(shape);
    // Assess
    expect(verdict.helps).toBe(true);
    expect(verdict.why).not.toBe("");
  });

  it.each<[string, IncidentShape, RegExp]>([
    ["a queue without consumers", Shapes.noConsumers, /cannot give a queue consumers/],
    ["slow consumers", Shapes.slowConsumers, /does not help slow-consumers/],
    ["a growing dead-letter queue", Shapes.deadLetter, /does not help dead-letter-growing/],
    ["a full store", Shapes.storeFull, /does not free store/],
    ["a full temp store", { ...Shapes.storeFull, resource: "temp-store", condition: "temp-store-critical" }, /does not free temp-store/],
    ["a store filling up", { ...Shapes.storeFull, condition: "store-filling", severity: "warning" }, /does not free store/],
    ["RabbitMQ disk alarm", { ...Shapes.storeFull, resource: "disk", condition: "disk-critical" }, /does not free disk/],
    ["RabbitMQ memory alarm", { ...Shapes.storeFull, resource: "memory", condition: "memory-critical" }, /does not free memory/],
    ["a critical CPU", { ...Shapes.storeFull, resource: "cpu", condition: "cpu-critical" }, /does not free cpu/],
    ["file descriptors", { ...Shapes.storeFull, resource: "file-descriptors", condition: "file-descriptors-critical" }, /does not free/],
    ["a heap at warning", Shapes.heapHigh, /does not free heap/],
    ["connections at the limit without growth (null)", Shapes.connectionsAtLimitSteady, /does not help connection-exhaustion/],
    [
      "connections at the limit, growth 0",
      { ...Shapes.connectionsAtLimitSteady, evidence: { ...Shapes.connectionsAtLimitSteady.evidence, growthPerMinute: 0 } },
      /does not help/,
    ],
    [
      "connections at the limit, falling",
      { ...Shapes.connectionsAtLimitSteady, evidence: { ...Shapes.connectionsAtLimitSteady.evidence, growthPerMinute: -3 } },
      /does not help/,
    ],
    ["connections at the limit, growth missing", { ...Shapes.connectionsAtLimitSteady, evidence: { connections: 2000 } }, /does not help/],
    [
      "connections at the limit, growth as text",
      { ...Shapes.connectionsAtLimitSteady, evidence: { ...Shapes.connectionsAtLimitSteady.evidence, growthPerMinute: "4" } },
      /does not help/,
    ],
    [
      "connections climbing but not yet at the limit (a forecast)",
      { ...Shapes.connectionLeakAtLimit, condition: "connections-leak", severity: "warning" },
      /does not help/,
    ],
    [
      "connections high, climbing",
      { ...Shapes.connectionLeakAtLimit, condition: "connections-high", severity: "warning" },
      /does not help/,
    ],
    ["an unauthorized-api burst", Shapes.unauthorizedApi, /never answers a security finding/],
    ["a risky change", Shapes.riskyChange, /never answers a security finding/],
    ["a posture finding", Shapes.posture, /never answers a security finding/],
    ["an unhealthy broker", Shapes.brokerUnhealthy, /not healthy enough to reboot safely/],
  ])("does not help %s", (_, shape, why) => {
    // Act
    const verdict = rebootCanHelp(shape);
    // Assess
    expect(verdict).toEqual({ helps: false, why: expect.stringMatching(why) });
  });
});

describe("optedIn", () => {
  it.each([["reboot"], ["REBOOT"], ["Reboot"], ["rEbOoT"]])("opts in a broker tagged %j", (value) => {
    expect(optedIn({ tags: { [Tags.remediate]: value } })).toBe(true);
  });

  it.each<[string, Record<string, string>]>([
    ["no tags", {}],
    ["an empty value", { [Tags.remediate]: "" }],
    ["true", { [Tags.remediate]: "true" }],
    ["yes", { [Tags.remediate]: "yes" }],
    ["reboots", { [Tags.remediate]: "reboots" }],
    ["reboot-later", { [Tags.remediate]: "reboot-later" }],
    ["no-reboot", { [Tags.remediate]: "no-reboot" }],
    ["re boot", { [Tags.remediate]: "re boot" }],
    ["spaces around it (IAM would refuse the reboot)", { [Tags.remediate]: " reboot " }],
    ["the value under another key", { "mq-sentinel:reboot": "reboot" }],
    ["the key in other case (AWS tag keys are case-sensitive)", { "MQ-SENTINEL:REMEDIATE": "reboot" }],
    ["the ignore tag", { [Tags.ignore]: "reboot" }],
  ])("does not opt in a broker with %s", (_, tags) => {
    expect(optedIn({ tags })).toBe(false);
  });
});

describe("decideRemediation", () => {
  it("reboots when every guard passes in mode auto", () => {
    // Act
    const decision = decideRemediation(passingContext());
    // Assess
    expect(decision).toEqual({
      outcome: "executed",
      cause: "go",
      reason: expect.stringMatching(/^rebooting orders: consumers are connected but stuck/),
    });
  });

  it("says what it would do in mode dry-run, and does not reboot", () => {
    // Act
    const decision = decideRemediation(passingContext({ config: { ...AUTO, mode: "dry-run" } }));
    // Assess
    expect(decision).toEqual({
      outcome: "dry-run",
      cause: "dry-run",
      reason: expect.stringMatching(/^would reboot orders: .*\(remediation.mode is dry-run\)$/),
    });
  });

  it("asks for approval in mode approve when every guard passes, and never reboots without one", () => {
    // Act
    const decision = decideRemediation(passingContext({ config: { ...AUTO, mode: "approve" } }));
    // Assess
    expect(decision).toEqual({
      outcome: "awaiting-approval",
      cause: "approval-needed",
      reason: expect.stringMatching(/^asks for approval to reboot orders: consumers are connected but stuck/),
    });
  });

  it("reboots in mode approve once a person approved and every guard still passes", () => {
    // Act
    const decision = decideRemediation(passingContext({ config: { ...AUTO, mode: "approve" }, approval: { by: "U024BE7LH", at: T0 } }));
    // Assess
    expect(decision).toEqual({
      outcome: "executed",
      cause: "approved",
      reason: expect.stringMatching(/^rebooting orders, approved by U024BE7LH: /),
    });
  });

  it("refuses an approved reboot when a guard fails at the moment of approval", () => {
    // Act
    const decision = decideRemediation(
      passingContext({ config: { ...AUTO, mode: "approve" }, approval: { by: "U024BE7LH", at: T0 }, killSwitch: true }),
    );
    // Assess
    expect(decision).toEqual({ outcome: "blocked", cause: "kill-switch", reason: "the kill switch is on (SSM parameter)" });
  });

  it("reports every guard's state for people deciding on a request", () => {
    // Act
    const report = guardReport(passingContext({ lastRebootAt: T0 + 80 * MINUTE }));
    // Assess
    expect(report.map((g) => g.guard)).toEqual([
      "opt-in tag",
      "opt-in settled",
      "nothing staged",
      "deployment mode",
      "broker RUNNING",
      "no hold",
      "last reboot judged",
      "cooldown",
      "hourly budget",
      "kill switch",
    ]);
    expect(report.filter((g) => !g.ok)).toEqual([{ guard: "cooldown", ok: false, detail: "rebooted 10 min ago; the cooldown is 60 min" }]);
  });

  it("defaults to dry-run", () => {
    // Act
    const decision = decideRemediation(passingContext({ config: remediationConfig().remediation }));
    // Assess
    expect(decision.outcome).toBe("dry-run");
  });

  it.each<[string, RemediationCause, Partial<RemediationContext>, RegExp]>([
    [
      "an incident kind a reboot cannot help",
      "cannot-help",
      { incident: anIncident(Shapes.noConsumers, "orders") },
      /cannot give a queue consumers/,
    ],
    ["mode off", "mode-off", { config: { ...AUTO, mode: "off" } }, /^remediation.mode is off$/],
    [
      "a resolved incident",
      "incident-closed",
      { incident: anIncident(Shapes.stalled, "orders", { status: "resolved" }) },
      /the incident is resolved/,
    ],
    [
      "a pending incident",
      "incident-closed",
      { incident: anIncident(Shapes.stalled, "orders", { status: "pending" }) },
      /the incident is pending/,
    ],
    [
      "a dismissed incident",
      "incident-closed",
      { incident: anIncident(Shapes.stalled, "orders", { status: "dismissed" }) },
      /the incident is dismissed/,
    ],
    ["a broker that no longer exists", "broker-gone", { broker: null }, /the broker no longer exists/],
    ["a broker other than the incident's", "other-broker", { broker: anOptedInBroker("payments") }, /belongs to another broker/],
    [
      "a broker without the opt-in tag",
      "not-opted-in",
      withBroker({ tags: {} }),
      /broker orders is not opted in \(tag mq-sentinel:remediate=reboot\)/,
    ],
    ["a broker tagged remediate=true", "not-opted-in", withBroker({ tags: { [Tags.remediate]: "true" } }), /is not opted in/],
    ["a broker tagged remediate=reboots", "not-opted-in", withBroker({ tags: { [Tags.remediate]: "reboots" } }), /is not opted in/],
    [
      "a single-instance broker without allowSingleInstance",
      "single-instance",
      withBroker({ deploymentMode: DeploymentMode.single }),
      /single-instance broker would go offline \(remediation.allowSingleInstance is false\)/,
    ],
    [
      "a broker rebooting already",
      "not-running",
      withBroker({ state: "REBOOT_IN_PROGRESS" }),
      /the broker is REBOOT_IN_PROGRESS, not RUNNING/,
    ],
    [
      "a broker that needs a critical action",
      "not-running",
      withBroker({ state: "CRITICAL_ACTION_REQUIRED" }),
      /CRITICAL_ACTION_REQUIRED, not RUNNING/,
    ],
    ["a broker being created", "not-running", withBroker({ state: "CREATION_IN_PROGRESS" }), /not RUNNING/],
    ["a broker being deleted", "not-running", withBroker({ state: "DELETION_IN_PROGRESS" }), /not RUNNING/],
    ["a broker in an unknown state", "not-running", withBroker({ state: "SOMETHING_NEW" }), /not RUNNING/],
    [
      "a held broker",
      "held",
      { heldBecause: "a reboot at 09:00 did not help" },
      /reboots of this broker are held: a reboot at 09:00 did not help; a person must reset it \(mq-sentinel remediation reset orders\)/,
    ],
    [
      "a reboot still being verified",
      "verification-pending",
      { verificationPending: true, lastRebootAt: T0 },
      /the last reboot of this broker is still being verified/,
    ],
    ["a reboot one minute ago", "cooldown", { lastRebootAt: T0 + 89 * MINUTE }, /rebooted 1 min ago; the cooldown is 60 min/],
    [
      "a reboot just inside the cooldown",
      "cooldown",
      { lastRebootAt: T0 + 30 * MINUTE + 1 },
      /rebooted 60 min ago; the cooldown is 60 min/,
    ],
    ["the hour's budget spent", "budget", { rebootsInLastHour: 2 }, /the account's budget of 2 reboots in 60 minutes is spent/],
    ["more than the hour's budget spent", "budget", { rebootsInLastHour: 7 }, /budget of 2 reboots in 60 minutes is spent/],
    ["a budget of zero", "budget", { config: { ...AUTO, maxRebootsPerHour: 0 } }, /budget of 0 reboots in 60 minutes is spent/],
    [
      "the configured kill switch",
      "kill-switch",
      { config: { ...AUTO, killSwitch: true } },
      /^the kill switch is on \(remediation.killSwitch\)$/,
    ],
    ["the SSM kill switch on", "kill-switch", { killSwitch: true }, /^the kill switch is on \(SSM parameter\)$/],
    ["a kill switch that could not be read", "kill-switch", { killSwitch: null }, /could not be read: refusing to act blind/],
  ])("blocks %s (%s)", (_, cause, overrides, reason) => {
    // Act
    const decision = decideRemediation(passingContext(overrides));
    // Assess
    expect(decision).toEqual({ outcome: "blocked", cause, reason: expect.stringMatching(reason) });
  });

  it.each<[string, Partial<RemediationContext>]>([
    [
      "a single-instance broker with allowSingleInstance",
      { ...withBroker({ deploymentMode: DeploymentMode.single }), config: { ...AUTO, allowSingleInstance: true } },
    ],
    ["a cluster", withBroker({ deploymentMode: DeploymentMode.cluster, engine: "RABBITMQ" })],
    ["an active/standby pair", withBroker({ deploymentMode: DeploymentMode.activeStandby })],
    ["a broker tagged REBOOT", withBroker({ tags: { [Tags.remediate]: "REBOOT" } })],
    ["a reboot exactly one cooldown ago", { lastRebootAt: T0 + 30 * MINUTE }],
    ["a reboot long ago", { lastRebootAt: T0 - 24 * 60 * MINUTE }],
    ["one reboot left in the hour's budget", { rebootsInLastHour: 1 }],
    ["a heap incident", { incident: anIncident(Shapes.heapCritical, "orders") }],
    ["a connection leak at the limit", { incident: anIncident(Shapes.connectionLeakAtLimit, "orders") }],
  ])("allows %s", (_, overrides) => {
    // Act
    const decision = decideRemediation(passingContext(overrides));
    // Assess
    expect(decision.outcome).toBe("executed");
  });

  it("reports the first guard that fails when several do", () => {
    // Prepare
    const context = passingContext({ broker: anOptedInBroker("orders", { state: "REBOOT_IN_PROGRESS", tags: {} }), killSwitch: null });
    // Act
    const decision = decideRemediation(context);
    // Assess
    expect(decision.reason).toMatch(/not opted in/);
  });

  it("reboots only when every guard passes, whatever the context (property)", () => {
    const shapes = Object.values(Shapes);
    fc.assert(
      fc.property(
        fc.record({
          shape: fc.constantFrom(...shapes),
          status: fc.constantFrom("open", "open", "pending", "resolved", "dismissed" as const),
          brokerName: fc.constantFrom("orders", "orders", "orders", "payments"),
          gone: fc.constantFrom(false, false, false, true),
          state: fc.constantFrom("RUNNING", "RUNNING", "REBOOT_IN_PROGRESS", "CRITICAL_ACTION_REQUIRED"),
          deploymentMode: fc.constantFrom(DeploymentMode.single, DeploymentMode.activeStandby, DeploymentMode.cluster),
          tag: fc.constantFrom("reboot", "REBOOT", "reboot", "true", "", "reboots"),
          mode: fc.constantFrom("off", "dry-run", "approve", "auto", "auto"),
          allowSingleInstance: fc.boolean(),
          cooldownMinutes: fc.integer({ min: 0, max: 180 }),
          maxRebootsPerHour: fc.integer({ min: 0, max: 4 }),
          configKill: fc.boolean(),
          killSwitch: fc.constantFrom(false, false, true, null),
          sinceRebootMinutes: fc.option(fc.integer({ min: 0, max: 240 })),
          rebootsInLastHour: fc.integer({ min: 0, max: 5 }),
          held: fc.option(fc.constant("did not help")),
          verificationPending: fc.boolean(),
          staged: fc.constantFrom(false, false, false, true),
          optInAgeMinutes: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 120 })),
          optInRecord: fc.constantFrom("recorded", "recorded", "recorded", "none", "not-opted-in", "unreadable"),
          settleMinutes: fc.constantFrom(0, 30, 60),
        }),
        (c) => {
          // Prepare
          const now = T0 + 300 * MINUTE;
          const broker = anOptedInBroker(c.brokerName, {
            state: c.state,
            deploymentMode: c.deploymentMode,
            tags: { [Tags.remediate]: c.tag },
            pendingChanges: c.staged ? ["engine version 5.18.4 (now 5.17.6)"] : [],
          });
          const optIn: RecordedOptIn =
            c.optInRecord === "recorded"
              ? { optedIn: true, since: c.optInAgeMinutes === null ? null : now - c.optInAgeMinutes * MINUTE, source: "inventory" }
              : c.optInRecord === "not-opted-in"
                ? { optedIn: false, since: null, source: "inventory" }
                : c.optInRecord;
          const config = {
            ...AUTO,
            mode: c.mode,
            allowSingleInstance: c.allowSingleInstance,
            cooldownMinutes: c.cooldownMinutes,
            maxRebootsPerHour: c.maxRebootsPerHour,
            killSwitch: c.configKill,
            optInSettleMinutes: c.settleMinutes,
          } as const;
          const context: RemediationContext = {
            incident: anIncident(c.shape, "orders", { status: c.status }),
            broker: c.gone ? null : broker,
            config,
            killSwitch: c.killSwitch,
            lastRebootAt: c.sinceRebootMinutes === null ? null : now - c.sinceRebootMinutes * MINUTE,
            rebootsInLastHour: c.rebootsInLastHour,
            heldBecause: c.held,
            verificationPending: c.verificationPending,
            optIn,
            now,
          };
          // Act
          const decision = decideRemediation(context);
          // Assess
          const guardsPass =
            rebootCanHelp(c.shape).helps &&
            c.mode !== "off" &&
            c.status === "open" &&
            !c.gone &&
            c.brokerName === "orders" &&
            c.tag.toLowerCase() === "reboot" &&
            (c.settleMinutes === 0 ||
              (c.optInRecord === "recorded" && (c.optInAgeMinutes === null || c.optInAgeMinutes >= c.settleMinutes))) &&
            !c.staged &&
            (c.deploymentMode !== DeploymentMode.single || c.allowSingleInstance) &&
            c.state === "RUNNING" &&
            c.held === null &&
            !c.verificationPending &&
            (c.sinceRebootMinutes === null || c.sinceRebootMinutes >= c.cooldownMinutes) &&
            c.rebootsInLastHour < c.maxRebootsPerHour &&
            !c.configKill &&
            c.killSwitch === false;
          const expected = !guardsPass
            ? "blocked"
            : c.mode === "auto"
              ? "executed"
              : c.mode === "approve"
                ? "awaiting-approval"
                : "dry-run";
          expect(decision.outcome).toBe(expected);
          expect(decision.reason).not.toBe("");
          // The cause names the mode that let the reboot through, or else the check that refused it.
          const passedBecause = { executed: "go", "awaiting-approval": "approval-needed", "dry-run": "dry-run" } as const;
          if (expected === "blocked") expect(Object.values(passedBecause)).not.toContain(decision.cause);
          else expect(decision.cause).toBe(passedBecause[expected]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("decideRemediation with changes staged on the broker", () => {
  const staged = ["engine version 5.18.4 (now 5.17.6)", "configuration c-1 revision 4 (now revision 3)"];

  it.each(["auto", "approve", "dry-run"] as const)("never reboots in mode %s, and names what is staged", (mode) => {
    // Act
    const decision = decideRemediation(passingContext({ ...withBroker({ pendingChanges: staged }), config: { ...AUTO, mode } }));
    // Assess
    expect(decision).toEqual({
      outcome: "blocked",
      cause: "staged-changes",
      reason:
        "a reboot would apply staged changes nobody approved: engine version 5.18.4 (now 5.17.6); configuration c-1 revision 4 (now revision 3)",
    });
  });

  it.each<[string, string]>([
    ["an instance type", "instance type mq.m5.xlarge (now mq.m5.large)"],
    ["security groups", "security groups sg-1, sg-2"],
    ["an authentication strategy", "authentication strategy LDAP"],
    ["LDAP settings", "LDAP server settings"],
  ])("blocks a broker with %s staged", (_, change) => {
    // Act
    const decision = decideRemediation(passingContext(withBroker({ pendingChanges: [change] })));
    // Assess
    expect(decision).toEqual({ outcome: "blocked", cause: "staged-changes", reason: expect.stringContaining(change) });
  });

  it("blocks whenever anything is staged, whatever the change and the mode (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom("dry-run", "approve", "auto" as const),
        (pendingChanges, mode) => {
          // Act
          const decision = decideRemediation(passingContext({ ...withBroker({ pendingChanges }), config: { ...AUTO, mode } }));
          // Assess
          expect(decision.outcome).toBe("blocked");
          for (const change of pendingChanges) expect(decision.reason).toContain(change);
        },
      ),
    );
  });
});

describe("decideRemediation with the opt-in's age", () => {
  it.each<[string, RecordedOptIn]>([
    ["an opt-in that predates the monitor (first sighting)", FIRST_SIGHTING],
    ["an opt-in recorded exactly 60 minutes ago", { optedIn: true, since: NOW - 60 * MINUTE, source: "inventory" }],
    ["an opt-in added by someone a day ago", { optedIn: true, since: NOW - 24 * 60 * MINUTE, source: `cloudtrail:${MALLORY}` }],
  ])("reboots for %s", (_, optIn) => {
    // Act
    const decision = decideRemediation(passingContext({ optIn }));
    // Assess
    expect(decision.outcome).toBe("executed");
  });

  it.each<[string, RecordedOptIn, string]>([
    [
      "a tag added 5 minutes ago, by the principal CloudTrail names",
      { optedIn: true, since: NOW - 5 * MINUTE, source: `cloudtrail:${MALLORY}` },
      `the opt-in tag was added 5 min ago (by ${MALLORY}); it counts after 60 min`,
    ],
    [
      "a tag the minute cycle saw appear 59 minutes ago",
      { optedIn: true, since: NOW - 59 * MINUTE - 59_999, source: "inventory" },
      "the opt-in tag was added 59 min ago (first seen by the minute cycle); it counts after 60 min",
    ],
    [
      "a tag first seen when a reboot was considered",
      { optedIn: true, since: NOW, source: "remediate" },
      "the opt-in tag was added 0 min ago (first seen when a reboot was considered); it counts after 60 min",
    ],
    ["a tag the records say is not there", { optedIn: false, since: null, source: "inventory" }, "the opt-in tag is new"],
    [
      "a broker the records have never seen",
      "none",
      "the opt-in tag is new (mq-sentinel had not seen it before now); it counts after 60 min",
    ],
    ["records that cannot be read", "unreadable", "the opt-in records could not be read: refusing to act on an opt-in tag of unknown age"],
  ])("blocks %s", (_, optIn, reason) => {
    // Act
    const decision = decideRemediation(passingContext({ optIn }));
    // Assess
    expect(decision).toEqual({ outcome: "blocked", cause: "opt-in-unsettled", reason: expect.stringContaining(reason) });
  });

  it("blocks in mode dry-run too (it would not reboot), so the dry run tells the truth", () => {
    // Act
    const decision = decideRemediation(
      passingContext({ optIn: { optedIn: true, since: NOW - MINUTE, source: "inventory" }, config: { ...AUTO, mode: "dry-run" } }),
    );
    // Assess
    expect(decision).toEqual({
      outcome: "blocked",
      cause: "opt-in-unsettled",
      reason: expect.stringMatching(/^the opt-in tag was added 1 min ago/),
    });
  });

  it("counts the opt-in at once when remediation.optInSettleMinutes is 0", () => {
    // Act
    const decisions = (["none", { optedIn: true, since: NOW, source: "remediate" }] as RecordedOptIn[]).map((optIn) =>
      decideRemediation(passingContext({ optIn, config: { ...AUTO, optInSettleMinutes: 0 } })),
    );
    // Assess
    expect(decisions.map((d) => d.outcome)).toEqual(["executed", "executed"]);
  });

  it("says a tag is not opted in before it says the opt-in is new", () => {
    // Act
    const decision = decideRemediation(passingContext({ ...withBroker({ tags: {} }), optIn: "none" }));
    // Assess
    expect(decision.reason).toMatch(/is not opted in/);
  });

  it("caps a long principal in the reason", () => {
    // Act
    const reason = unsettledOptIn({ optedIn: true, since: NOW, source: `cloudtrail:${"x".repeat(5000)}` }, 60, NOW);
    // Assess
    expect(reason?.length).toBeLessThan(300);
  });
});

describe("lockMinutes", () => {
  it.each([
    [{ cooldownMinutes: 60, verifyWithinMinutes: 20 }, 60],
    [{ cooldownMinutes: 10, verifyWithinMinutes: 20 }, 20],
    [{ cooldownMinutes: 0, verifyWithinMinutes: 20 }, 20],
    [{ cooldownMinutes: 0, verifyWithinMinutes: 0 }, 1],
  ])("holds the lock of %j for %d minutes", (overrides, minutes) => {
    expect(lockMinutes({ ...AUTO, ...overrides })).toBe(minutes);
  });
});
