import { DEFAULT_CONFIG, parseConfig } from "../../../shared/core/config";
import type { Incident, Transition } from "../../../shared/core/incidents";
import {
  type DeliveryContext,
  decideDelivery,
  dueRepeat,
  enqueueRemediation,
  enqueueRepeat,
  enqueueTransition,
  type InhibitRule,
  inhibitionsOf,
  isPending,
  retryDelayMs,
  type Silence,
  silenceMatches,
} from "../../../shared/core/notify-policy";
import { MINUTE, T0 } from "../../support/clock";
import { anIncident } from "../../support/incidents";

const CHANNELS = ["slack", "sns"];

const incident = (overrides: Partial<Incident> = {}): Incident =>
  anIncident({ id: "inc-1", severity: "critical", summary: "stalled", ...overrides });
const unhealthy = (broker: string): Incident => incident({ id: `unhealthy-${broker}`, kind: "broker-unhealthy", broker, resource: null });

const transition = (type: Transition["type"], i: Incident, previousSeverity?: Transition["previousSeverity"]): Transition => ({
  type,
  incident: i,
  at: T0,
  ...(previousSeverity ? { previousSeverity } : {}),
});
const silence = (overrides: Partial<Silence> = {}): Silence => ({
  id: "s-1",
  startsAt: T0,
  endsAt: T0 + 60 * MINUTE,
  comment: "",
  createdBy: "ops",
  ...overrides,
});
const context = (overrides: Partial<DeliveryContext> = {}): DeliveryContext => ({
  silences: [],
  inhibitions: new Map(),
  now: T0,
  ...overrides,
});
/** The inhibitions of these rules while these incidents are active. */
const inhibitedBy = (active: Incident[], rules: readonly InhibitRule[] = DEFAULT_CONFIG.notifications.inhibit) =>
  context({ inhibitions: inhibitionsOf(rules, active) });

describe("enqueueTransition", () => {
  it.each([
    ["opened", "first"],
    ["escalated", "changed"],
    ["updated", "changed"],
  ] as const)("enqueues %s with the reason %s for every channel", (type, reason) => {
    // Act
    const next = enqueueTransition(incident({ notified: { at: T0, severity: "warning" } }), transition(type, incident()), CHANNELS, T0);
    // Assess
    expect(next.outbox).toEqual([
      expect.objectContaining({ transition: type, reason, channels: { slack: "pending", sns: "pending" }, id: `inc-1#1:${type}` }),
    ]);
  });

  it("enqueues a resolution of an announced incident", () => {
    const next = enqueueTransition(
      incident({ notified: { at: T0, severity: "critical" } }),
      transition("resolved", incident()),
      CHANNELS,
      T0,
    );
    expect(next.outbox.map((p) => [p.transition, p.reason])).toEqual([["resolved", "resolved"]]);
  });

  it("drops everything of an incident that resolves before anyone heard of it", () => {
    // Prepare
    const opened = enqueueTransition(incident(), transition("opened", incident()), CHANNELS, T0);
    // Act
    const resolved = enqueueTransition({ ...opened, version: 2 }, transition("resolved", opened), CHANNELS, T0 + MINUTE);
    // Assess
    expect(resolved.outbox.filter(isPending)).toEqual([]);
  });

  it("adds no change message on a channel still waiting to send the opening", () => {
    // Prepare: the opening reached Slack, not yet SNS
    const opened = enqueueTransition(incident(), transition("opened", incident()), CHANNELS, T0);
    const half = {
      ...opened,
      version: 2,
      notified: { at: T0, severity: "warning" as const },
      outbox: opened.outbox.map((p) => ({ ...p, channels: { slack: "sent" as const, sns: "pending" as const } })),
    };
    // Act
    const escalated = enqueueTransition(half, transition("escalated", half, "warning"), CHANNELS, T0 + MINUTE);
    // Assess
    expect(escalated.outbox.filter(isPending).map((p) => [p.reason, p.channels])).toEqual([
      ["first", { slack: "sent", sns: "pending" }],
      ["changed", { slack: "pending" }],
    ]);
  });

  it("enqueues nothing without channels", () => {
    expect(enqueueTransition(incident(), transition("opened", incident()), [], T0).outbox).toEqual([]);
  });
});

describe("decideDelivery", () => {
  const pending = (reason: "first" | "changed" | "repeat" | "resolved", extra = {}) => ({
    id: "inc-1#1",
    transition: "opened" as const,
    reason,
    createdAt: T0,
    channels: { slack: "pending" as const },
    attempts: 0,
    notBefore: T0,
    leaseUntil: 0,
    ...extra,
  });

  it.each(["first", "changed", "repeat", "resolved"] as const)("sends a %s notification with that reason", (reason) => {
    expect(decideDelivery(incident(), pending(reason), context())).toEqual({ action: "send", reason });
  });

  it("drops what a matching silence covers, with the reason muted", () => {
    const decision = decideDelivery(
      incident(),
      pending("first"),
      context({ silences: [silence({ broker: "orders", comment: "deploy" })] }),
    );
    expect(decision).toEqual({ action: "drop", reason: "muted", cause: "silenced", detail: "silenced by s-1 (deploy)" });
  });

  it("ignores silences that do not match or are not in force", () => {
    const silences = [
      silence({ broker: "other" }),
      silence({ kind: "posture" }),
      silence({ startsAt: T0 + MINUTE }),
      silence({ endsAt: T0 }),
    ];
    expect(decideDelivery(incident(), pending("first"), context({ silences }))).toEqual({ action: "send", reason: "first" });
  });

  it.each(["consumer-lag", "connection-exhaustion"] as const)("holds %s back while the broker is unhealthy (the default rule)", (kind) => {
    // Act
    const decision = decideDelivery(incident({ kind }), pending("first"), inhibitedBy([unhealthy("orders")]));
    // Assess
    expect(decision).toEqual({
      action: "hold",
      reason: "muted",
      cause: "inhibited",
      detail: "held back while broker orders is unhealthy or rebooting",
    });
  });

  it("does not hold back a kind the rule does not list, another broker's incidents, nor a reboot decision", () => {
    // Prepare
    const orders = inhibitedBy([unhealthy("orders")]);
    // Act
    const decisions = [
      decideDelivery(incident({ kind: "resource-pressure" }), pending("first"), orders),
      decideDelivery(incident({ broker: "billing" }), pending("first"), orders),
      decideDelivery(incident(), pending("first", { transition: "remediation" }), orders),
    ];
    // Assess
    expect(decisions.map((d) => d.action)).toEqual(["send", "send", "send"]);
  });

  it("holds back what a configured rule names, with the kind that inhibits it, and nothing the default held", () => {
    // Prepare: resource pressure inhibits consumer lag on its broker; broker health inhibits nothing
    const { inhibit } = parseConfig({ notifications: { inhibit: [{ source: "resource-pressure", target: ["consumer-lag"] }] } }).config
      .notifications;
    const active = [incident({ kind: "resource-pressure" }), unhealthy("orders")];
    // Act
    const lag = decideDelivery(incident(), pending("first"), inhibitedBy(active, inhibit));
    const connections = decideDelivery(incident({ kind: "connection-exhaustion" }), pending("first"), inhibitedBy(active, inhibit));
    const elsewhere = decideDelivery(incident({ broker: "billing" }), pending("first"), inhibitedBy(active, inhibit));
    // Assess
    expect(lag).toEqual(
      expect.objectContaining({ cause: "inhibited", detail: "held back while broker orders has an active resource-pressure incident" }),
    );
    expect([connections.action, elsewhere.action]).toEqual(["send", "send"]);
  });

  it("holds nothing back when no rule is configured", () => {
    expect(decideDelivery(incident(), pending("first"), inhibitedBy([unhealthy("orders")], [])).action).toBe("send");
  });

  it("holds a notification backing off or leased by another invocation, saying which", () => {
    expect(decideDelivery(incident(), pending("first", { notBefore: T0 + MINUTE }), context())).toEqual(
      expect.objectContaining({ action: "hold", reason: "first", cause: "backing-off" }),
    );
    expect(decideDelivery(incident(), pending("first", { leaseUntil: T0 + MINUTE }), context())).toEqual(
      expect.objectContaining({ action: "hold", reason: "first", cause: "leased" }),
    );
  });

  it("gives up a notification undelivered for 24 hours, before any silence is looked at", () => {
    // Prepare
    const silences = [silence({ endsAt: T0 + 25 * 60 * MINUTE })];
    // Act
    const early = decideDelivery(incident(), pending("first"), context({ now: T0 + 24 * 60 * MINUTE }));
    const late = decideDelivery(incident(), pending("first"), context({ silences, now: T0 + 24 * 60 * MINUTE + 1 }));
    // Assess
    expect(early.action).toBe("send");
    expect(late).toEqual({ action: "drop", reason: "muted", cause: "undeliverable", detail: "undeliverable for 24 hours" });
  });
});

describe("repeats", () => {
  it("is due after the repeat interval for an announced open incident with nothing pending", () => {
    const announced = incident({ notified: { at: T0, severity: "critical" } });
    expect(dueRepeat(announced, T0 + 239 * MINUTE, 240)).toBe(false);
    expect(dueRepeat(announced, T0 + 240 * MINUTE, 240)).toBe(true);
    expect(dueRepeat(incident(), T0 + 240 * MINUTE, 240)).toBe(false);
    expect(dueRepeat({ ...announced, status: "resolved" }, T0 + 240 * MINUTE, 240)).toBe(false);
    const reminded = enqueueRepeat(announced, CHANNELS, T0 + 240 * MINUTE);
    expect(reminded.outbox.map((p) => [p.transition, p.reason])).toEqual([["updated", "repeat"]]);
    expect(dueRepeat(reminded, T0 + 480 * MINUTE, 240)).toBe(false);
  });

  it("sends no reminder while an incident flaps (its start and stop are announced instead)", () => {
    const noise = {
      level: 2,
      changes: [],
      lowerSince: null,
      flapping: true,
      flappingSince: T0,
      opens: [T0],
      peak: null,
      gauge: null,
      windowMinutes: 360,
    };
    const flapping = incident({ notified: { at: T0, severity: "critical" }, noise });
    expect(dueRepeat(flapping, T0 + 480 * MINUTE, 240)).toBe(false);
    expect(dueRepeat({ ...flapping, noise: { ...noise, flapping: false } }, T0 + 480 * MINUTE, 240)).toBe(true);
  });

  it("marks the notification of a flapping edge, so the message says flapping started", () => {
    const announced = incident({ notified: { at: T0, severity: "critical" } });
    const queued = enqueueTransition(announced, { ...transition("updated", announced), flap: "started" }, CHANNELS, T0);
    expect(queued.outbox.map((p) => [p.transition, p.reason, p.flap])).toEqual([["updated", "changed", "started"]]);
  });
});

describe("enqueueRemediation", () => {
  it("announces a remediation decision as its own transition", () => {
    const next = enqueueRemediation(incident(), { action: "reboot-broker", outcome: "dry-run", reason: "mode is dry-run" }, CHANNELS, T0);
    expect(next.outbox).toEqual([
      expect.objectContaining({
        transition: "remediation",
        remediation: { action: "reboot-broker", outcome: "dry-run", reason: "mode is dry-run" },
      }),
    ]);
  });
});

describe("silenceMatches and retryDelayMs", () => {
  it("matches on every field given", () => {
    expect(silenceMatches(silence({ broker: "orders", kind: "consumer-lag", resource: "work" }), incident(), T0)).toBe(true);
    expect(silenceMatches(silence({ broker: "orders", resource: "other" }), incident(), T0)).toBe(false);
  });

  it("backs off 1, 2, 4, then 5 minutes", () => {
    expect([1, 2, 3, 4, 10].map((n) => retryDelayMs(n) / MINUTE)).toEqual([1, 2, 4, 5, 5]);
  });
});
