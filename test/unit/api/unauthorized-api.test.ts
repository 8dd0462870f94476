import fc from "fast-check";
import { parseApiEvent } from "../../../shared/core/cloudtrail-event";
import { DEFAULT_CONFIG } from "../../../shared/core/config";
import {
  type DeniedCall,
  deniedCallOf,
  detectSessionSpread,
  detectUnauthorizedApi,
  isAccessDenied,
} from "../../../shared/core/detectors/unauthorized-api";
import { compareSeverity, IncidentKind, Severity } from "../../../shared/core/types";
import {
  amazonMqApiEvent,
  brokerIdOf,
  DEFAULT_TIME,
  deniedApiEvent,
  type IdentityKind,
  principalArn,
  roleArn,
} from "../../fixtures/cloudtrail/events";
import { MINUTE } from "../../support/clock";

const config = DEFAULT_CONFIG.apiActivity;
const NOW = DEFAULT_TIME + 30 * MINUTE;
const ALICE = principalArn("iam-user") as string;

interface DenialSpec {
  eventName?: string;
  /** Minutes before NOW the call was made. */
  ago?: number;
  /** Minutes after the call its event arrived (default: on time). */
  late?: number;
  broker?: number | null;
  identity?: IdentityKind;
  /** The session name of an assumed-role identity. */
  session?: string;
  id?: string;
  errorCode?: string;
}

/** A denied call as the handler keeps it, made from a real-shaped event arriving `late` minutes after the call. */
function denial(spec: DenialSpec = {}): DeniedCall {
  const eventName = spec.eventName ?? "DescribeBroker";
  const broker = spec.broker === undefined ? 1 : spec.broker;
  const at = NOW - (spec.ago ?? 1) * MINUTE;
  const parsed = parseApiEvent(
    deniedApiEvent({
      eventName,
      errorCode: spec.errorCode ?? "AccessDeniedException",
      identity: spec.identity ?? "iam-user",
      ...(spec.session ? { identityOptions: { session: spec.session } } : {}),
      at,
      requestParameters: broker === null ? null : { brokerId: brokerIdOf(broker) },
      ...(spec.id ? { id: spec.id } : {}),
    }),
  );
  if (!parsed.ok) throw new Error(parsed.detail);
  const call = deniedCallOf(parsed.call, at + (spec.late ?? 0) * MINUTE);
  if (!call) throw new Error("not a denial");
  return call;
}

/** `n` denials made by `spec`, one a minute. */
function denials(n: number, spec: (i: number) => DenialSpec = () => ({})): DeniedCall[] {
  return Array.from({ length: n }, (_, i) => denial({ ago: 1 + (i % 10), ...spec(i) }));
}

const READS = ["DescribeBroker", "ListBrokers", "ListUsers", "DescribeUser", "ListConfigurations"];
const CHANGES = ["DeleteBroker", "UpdateBroker", "CreateUser", "RebootBroker"];

describe("isAccessDenied", () => {
  it.each([
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "Client.UnauthorizedOperation",
    "UnauthorizedAccess",
    "ForbiddenException",
    "Forbidden",
    "NotAuthorized",
    "VpceAccessDenied",
    "accessdenied",
  ])("matches %s", (code) => {
    // Act
    const denied = isAccessDenied(code);

    // Assess
    expect(denied).toBe(true);
  });

  it.each([
    "BadRequestException",
    "ValidationException",
    "ThrottlingException",
    "NotFoundException",
    "InvalidClientTokenId",
    "ConflictException",
    "InternalServerErrorException",
    "",
    null,
    undefined,
  ])("does not match %p", (code) => {
    // Act
    const denied = isAccessDenied(code);

    // Assess
    expect(denied).toBe(false);
  });
});

describe("deniedCallOf", () => {
  it("keeps what the window needs from a denied call", () => {
    // Prepare
    const parsed = parseApiEvent(
      deniedApiEvent({
        id: "eb-1",
        eventName: "DeleteBroker",
        errorCode: "AccessDenied",
        identity: "cross-account-role",
        at: NOW - MINUTE,
      }),
    );
    if (!parsed.ok) throw new Error(parsed.detail);

    // Act
    const call = deniedCallOf(parsed.call, NOW);

    // Assess
    expect(call).toMatchObject({
      eventId: "eb-1",
      at: NOW - MINUTE,
      arrivedAt: NOW,
      principal: principalArn("cross-account-role"),
      eventName: "DeleteBroker",
      errorCode: "AccessDenied",
      readOnly: false,
      brokerId: brokerIdOf(1),
      principalAccountId: "444455556666",
      recipientAccountId: "111122223333",
      isRoot: false,
    });
  });

  it("dates a denied call without a time at now", () => {
    // Prepare
    const parsed = parseApiEvent(deniedApiEvent());
    if (!parsed.ok) throw new Error(parsed.detail);

    // Act
    const call = deniedCallOf({ ...parsed.call, at: null }, NOW);

    // Assess
    expect(call?.at).toBe(NOW);
  });

  it.each([
    { case: "a successful call", event: amazonMqApiEvent({ eventName: "DeleteBroker" }) },
    { case: "a call refused for a bad request", event: amazonMqApiEvent({ eventName: "UpdateBroker", errorCode: "BadRequestException" }) },
    { case: "a throttled call", event: amazonMqApiEvent({ errorCode: "ThrottlingException" }) },
  ])("gives nothing for $case", ({ event }) => {
    // Prepare
    const parsed = parseApiEvent(event);
    if (!parsed.ok) throw new Error(parsed.detail);

    // Act
    const call = deniedCallOf(parsed.call, NOW);

    // Assess
    expect(call).toBeNull();
  });
});

describe("detectUnauthorizedApi", () => {
  it.each<{ case: string; calls: () => DeniedCall[]; severity: Severity | null; open?: boolean }>([
    { case: "one denied read by a principal of the account", calls: () => denials(1), severity: null },
    { case: "two denied reads by a principal of the account", calls: () => denials(2), severity: null },
    { case: "three denied reads", calls: () => denials(3), severity: Severity.warning },
    { case: "nine denied reads of one action on one broker", calls: () => denials(9), severity: Severity.warning },
    { case: "ten denied reads", calls: () => denials(10), severity: Severity.critical },
    { case: "a single denied DeleteBroker", calls: () => [denial({ eventName: "DeleteBroker" })], severity: Severity.warning },
    {
      case: "two denied changes",
      calls: () => [denial({ eventName: "DeleteBroker" }), denial({ eventName: "UpdateBroker" })],
      severity: Severity.warning,
    },
    { case: "three denied changes", calls: () => denials(3, (i) => ({ eventName: CHANGES[i] })), severity: Severity.critical },
    { case: "a single denied read by the root user", calls: () => [denial({ identity: "root" })], severity: Severity.critical },
    {
      case: "a single denied read by another account's role",
      calls: () => [denial({ identity: "cross-account-role" })],
      severity: Severity.critical,
    },
    { case: "four distinct denied reads", calls: () => denials(4, (i) => ({ eventName: READS[i] })), severity: Severity.warning },
    {
      case: "five distinct denied reads (enumeration)",
      calls: () => denials(5, (i) => ({ eventName: READS[i] })),
      severity: Severity.critical,
    },
    { case: "denied reads on two brokers", calls: () => denials(3, (i) => ({ broker: 1 + (i % 2) })), severity: Severity.warning },
    {
      case: "denied reads on three brokers (enumeration)",
      calls: () => denials(3, (i) => ({ broker: i + 1 })),
      severity: Severity.critical,
    },
    { case: "three denials that arrived longer than a window ago", calls: () => denials(3, () => ({ ago: 16 })), severity: null },
    {
      case: "two denials in the window and five a window before them",
      calls: () => [...denials(2), ...denials(5, () => ({ ago: 20 }))],
      severity: null,
    },
    {
      case: "three denials made 20 minutes ago that arrive now",
      calls: () => denials(3, (i) => ({ ago: 20 + i, late: 20 + i })),
      severity: Severity.warning,
    },
    {
      case: "a late denial that completes a burst of denials that came on time",
      calls: () => [denial({ ago: 30 }), denial({ ago: 29 }), denial({ ago: 28, late: 28 })],
      severity: Severity.warning,
    },
    {
      case: "three denials spread over more than a window, all arriving now",
      calls: () => denials(3, (i) => ({ ago: 1 + 10 * i, late: 10 * i })),
      severity: null,
    },
    { case: "one event delivered three times", calls: () => denials(3, () => ({ id: "eb-same" })), severity: null },
    {
      case: "three denials of which two are one event",
      calls: () => denials(3, (i) => ({ id: i < 2 ? "eb-twice" : "eb-other" })),
      severity: null,
    },
    { case: "one denial while the principal has an incident", calls: () => denials(1), severity: Severity.warning, open: true },
    {
      case: "no denial arrived in the window while the principal has an incident",
      calls: () => denials(3, () => ({ ago: 16 })),
      severity: null,
      open: true,
    },
    {
      case: "an old denial that arrived in the window while the principal has an incident",
      calls: () => [denial({ ago: 40, late: 30 })],
      severity: Severity.warning,
      open: true,
    },
    { case: "no denial at all while the principal has an incident", calls: () => [], severity: null, open: true },
  ])("gives $severity for $case", ({ calls, severity, open }) => {
    // Act
    const finding = detectUnauthorizedApi(ALICE, calls(), NOW, config, open ?? false);

    // Assess
    expect(finding?.severity ?? null).toBe(severity);
  });

  it.each([
    { case: "counts three denials made exactly one window apart", ago: config.windowMinutes + 1, counted: true },
    {
      case: "ignores three denials made one millisecond more than a window apart",
      ago: config.windowMinutes + 1 + 1 / MINUTE,
      counted: false,
    },
  ])("$case", ({ ago, counted }) => {
    // Prepare: the first arrives now, 15 minutes late; the others one and two minutes after it was made
    const calls = [denial({ ago: 1 }), denial({ ago: 2 }), denial({ ago, late: ago })];

    // Act
    const finding = detectUnauthorizedApi(ALICE, calls, NOW, config, false);

    // Assess
    expect(finding !== null).toBe(counted);
  });

  it("raises one finding on the account (`*`) named after the principal, with the counts as evidence", () => {
    // Prepare
    const calls = [
      denial({ eventName: "DescribeBroker", broker: 1, errorCode: "AccessDeniedException" }),
      denial({ eventName: "ListUsers", broker: 2, errorCode: "AccessDeniedException" }),
      denial({ eventName: "DeleteBroker", broker: 1, errorCode: "AccessDenied" }),
    ];

    // Act
    const finding = detectUnauthorizedApi(ALICE, calls, NOW, config, false);

    // Assess
    expect(finding).toMatchObject({
      kind: IncidentKind.unauthorizedApi,
      broker: "*",
      resource: ALICE,
      severity: Severity.warning,
      condition: "denied-burst",
    });
    expect(finding?.evidence).toMatchObject({
      principal: ALICE,
      deniedCalls: 3,
      distinctActions: 3,
      distinctBrokers: 2,
      deniedChanges: 1,
      rootUser: false,
      otherAccount: false,
      windowMinutes: config.windowMinutes,
    });
    expect(String(finding?.evidence.errorCodes).split(", ").sort()).toEqual(["AccessDenied", "AccessDeniedException"]);
    expect(finding?.summary).toContain(ALICE);
    expect(finding?.summary).toContain("denied 3 Amazon MQ calls");
    expect(finding?.summary).toContain("DeleteBroker");
  });

  it("says why a finding is critical", () => {
    // Prepare
    const root = principalArn("root") as string;

    // Act
    const finding = detectUnauthorizedApi(root, [denial({ identity: "root" })], NOW, config, false);

    // Assess
    expect(finding).toMatchObject({ severity: Severity.critical, condition: "denied-burst-critical" });
    expect(finding?.evidence).toMatchObject({ rootUser: true, deniedCalls: 1 });
    expect(finding?.summary).toContain("the root user");
  });

  it("says when its evidence arrived late, and how late", () => {
    // Prepare: a burst made 22-20 minutes ago, delivered now
    const calls = denials(3, (i) => ({ ago: 20 + i, late: 20 + i }));

    // Act
    const finding = detectUnauthorizedApi(ALICE, calls, NOW, config, false);

    // Assess
    expect(finding?.summary).toContain("evidence arrived 22 min late");
    expect(finding?.evidence).toMatchObject({ lateMinutes: 22, deniedCalls: 3 });
  });

  it("says nothing of lateness for evidence that came within minutes", () => {
    // Prepare
    const calls = denials(3, () => ({ late: 2 }));

    // Act
    const finding = detectUnauthorizedApi(ALICE, calls, NOW, config, false);

    // Assess
    expect(finding?.summary).not.toContain("late");
  });

  describe("properties", () => {
    const deniedCall: fc.Arbitrary<DeniedCall> = fc
      .record({
        eventId: fc.constantFrom("e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9", "e10", "e11", "e12"),
        at: fc.integer({ min: NOW - 60 * MINUTE, max: NOW }),
        lateBy: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 45 * MINUTE })),
        principal: fc.constant(ALICE),
        eventName: fc.constantFrom(...READS, ...CHANGES),
        errorCode: fc.constantFrom("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"),
        readOnly: fc.boolean(),
        brokerId: fc.option(fc.constantFrom("b-1", "b-2", "b-3", "b-4")),
        principalAccountId: fc.constantFrom("111122223333", "444455556666", null),
        recipientAccountId: fc.constant("111122223333"),
        isRoot: fc.constantFrom(false, false, false, true),
        sourceIp: fc.constant("203.0.113.10"),
        userAgent: fc.constant("aws-cli/2"),
      })
      .map(({ lateBy, ...c }) => ({ ...c, arrivedAt: Math.min(NOW, c.at + lateBy) }));
    // One event id is always the same call (EventBridge redelivers the same event).
    const consistent = (calls: DeniedCall[]) => {
      const byId = new Map<string, DeniedCall>();
      for (const c of calls) if (!byId.has(c.eventId)) byId.set(c.eventId, c);
      return calls.map((c) => byId.get(c.eventId) as DeniedCall);
    };

    it("judges the same calls the same, whatever their order and however often they are delivered", () => {
      fc.assert(
        fc.property(fc.array(deniedCall, { maxLength: 15 }).map(consistent), fc.boolean(), (calls, open) => {
          // Prepare
          const shuffled = [...calls].reverse();
          const redelivered = [...calls, ...calls.slice(0, Math.ceil(calls.length / 2))];

          // Act
          const findings = [calls, shuffled, redelivered].map((c) => detectUnauthorizedApi(ALICE, c, NOW, config, open));

          // Assess
          expect(findings[1]?.severity).toEqual(findings[0]?.severity);
          expect(findings[2]?.severity).toEqual(findings[0]?.severity);
          expect(findings[2]?.evidence.deniedCalls).toEqual(findings[0]?.evidence.deniedCalls);
        }),
        { numRuns: 300 },
      );
    });

    it("never lowers its verdict when one more denial arrives in the window", () => {
      fc.assert(
        fc.property(fc.array(deniedCall, { maxLength: 15 }).map(consistent), deniedCall, fc.boolean(), (calls, extra, open) => {
          // Prepare
          const more = [...calls, { ...extra, eventId: "e-extra", arrivedAt: NOW }];

          // Act
          const before = detectUnauthorizedApi(ALICE, calls, NOW, config, open);
          const after = detectUnauthorizedApi(ALICE, more, NOW, config, open);

          // Assess
          if (before) {
            expect(after).not.toBeNull();
            expect(compareSeverity(after?.severity ?? Severity.info, before.severity)).toBeGreaterThanOrEqual(0);
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe("detectSessionSpread", () => {
  const ROLE = roleArn("OpsRole");
  /** A denial by session `session` of the OpsRole. */
  const bySession = (session: string, spec: DenialSpec = {}) => denial({ identity: "assumed-role", session, ...spec });
  const sessionArn = (session: string) => principalArn("assumed-role", { session }) as string;

  it.each<{ case: string; calls: () => DeniedCall[]; open?: boolean; openSessions?: string[]; severity: Severity | null }>([
    {
      case: "three sessions with one denied read each",
      calls: () => [bySession("s-1", { ago: 3 }), bySession("s-2", { ago: 2 }), bySession("s-3", { ago: 1 })],
      severity: Severity.warning,
    },
    {
      case: "two sessions with two denied reads each",
      calls: () => [bySession("a", { ago: 4 }), bySession("a", { ago: 3 }), bySession("b", { ago: 2 }), bySession("b", { ago: 1 })],
      severity: Severity.warning,
    },
    {
      case: "one session with three denied reads (reported on the session)",
      calls: () => [bySession("s-1", { ago: 3 }), bySession("s-1", { ago: 2 }), bySession("s-1", { ago: 1 })],
      severity: null,
    },
    {
      case: "two sessions, one of them over the rule on its own",
      calls: () => [bySession("a", { ago: 4 }), bySession("a", { ago: 3 }), bySession("a", { ago: 2 }), bySession("b", { ago: 1 })],
      severity: null,
    },
    {
      case: "three sessions, one with a denied change (reported on that session)",
      calls: () => [bySession("a", { ago: 3 }), bySession("b", { ago: 2, eventName: "DeleteBroker" }), bySession("c", { ago: 1 })],
      severity: null,
    },
    {
      case: "two sessions with one denied read each",
      calls: () => [bySession("a", { ago: 2 }), bySession("b", { ago: 1 })],
      severity: null,
    },
    {
      case: "three sessions more than a window apart",
      calls: () => [bySession("a", { ago: 40 }), bySession("b", { ago: 20 }), bySession("c", { ago: 1 })],
      severity: null,
    },
    {
      case: "three sessions of which one already has an incident",
      calls: () => [bySession("a", { ago: 3 }), bySession("b", { ago: 2 }), bySession("c", { ago: 1 })],
      openSessions: ["a"],
      severity: null,
    },
    {
      case: "one more denial while the role has an incident",
      calls: () => [bySession("d", { ago: 1 })],
      open: true,
      severity: Severity.warning,
    },
    {
      case: "five sessions enumerating five actions",
      calls: () => READS.map((eventName, i) => bySession(`s-${i}`, { ago: 5 - i, eventName })),
      severity: Severity.critical,
    },
  ])("gives $severity for $case", ({ calls, open, openSessions, severity }) => {
    // Act
    const finding = detectSessionSpread(ROLE, calls(), NOW, config, open ?? false, new Set((openSessions ?? []).map(sessionArn)));

    // Assess
    expect(finding?.severity ?? null).toBe(severity);
  });

  it("reports the role, with how many sessions the burst was spread over", () => {
    // Prepare
    const calls = [bySession("s-1", { ago: 3 }), bySession("s-2", { ago: 2 }), bySession("s-3", { ago: 1 })];

    // Act
    const finding = detectSessionSpread(ROLE, calls, NOW, config, false, new Set());

    // Assess
    expect(finding).toMatchObject({ kind: IncidentKind.unauthorizedApi, broker: "*", resource: ROLE });
    expect(finding?.evidence).toMatchObject({ scope: "role", sessions: 3, deniedCalls: 3 });
    expect(finding?.summary).toContain("across 3 sessions");
  });
});
