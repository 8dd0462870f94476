import fc from "fast-check";
import type { MessageGroup } from "../../../shared/core/notifications";
import { renderSnsMessage, SNS_LIMITS, type SnsMessageBody } from "../../../shared/core/render/sns-message";
import { type Condition, Severity } from "../../../shared/core/types";
import {
  CONTEXT,
  group,
  hostileText,
  INCIDENTS,
  INVISIBLE,
  item,
  LONE_SURROGATE,
  MINUTE,
  stalledIncident,
  stringsIn,
  T0,
} from "./render-fixtures";

const parse = (message: string) => JSON.parse(message) as SnsMessageBody;
const bytes = (text: string) => new TextEncoder().encode(text).length;
/** The message budget: SNS's 256 KB less the room kept for the subject and attributes. */
const BUDGET = SNS_LIMITS.messageBytes - 8192;

describe("renderSnsMessage", () => {
  it("writes the incidents as JSON with evidence, links and times", () => {
    // Prepare
    const messageGroup = group([item(INCIDENTS["consumer-lag"])]);
    // Act
    const payload = renderSnsMessage(messageGroup);
    // Assess
    const body = parse(payload.message);
    expect(body).toMatchObject({
      source: "mq-sentinel",
      transition: "opened",
      broker: "risk-engine-27",
      account: "123456789012",
      region: "eu-west-1",
    });
    expect(body.incidents).toHaveLength(1);
    expect(body.incidents[0]).toMatchObject({
      id: "inc-7da62b73742eb3c4",
      kind: "consumer-lag",
      severity: "critical",
      broker: "risk-engine-27",
      resource: "score.requests",
      reason: "first",
      openedAt: "2026-03-02T09:23:00.000Z",
      resolvedAt: null,
      evidence: INCIDENTS["consumer-lag"].evidence,
      remediation: null,
    });
    expect(Object.keys(body.incidents[0]?.links ?? {})).toEqual(["broker", "metrics"]);
    expect(body.incidents[0]?.links.broker).toMatch(
      /^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/amazon-mq\/home\?region=eu-west-1#\/brokers\/details\?id=b-/,
    );
  });

  it("says in the subject and the body that an incident closed without recovering, keeping the transition attribute", () => {
    // Prepare
    const incident = stalledIncident({
      status: "resolved",
      resolvedAt: T0 + 72 * MINUTE,
      closeReason: "no longer watched: tagged mq-sentinel:ignore",
    });
    // Act
    const payload = renderSnsMessage(group([item(incident, { reason: "resolved" })], { transition: "resolved" }));
    // Assess
    expect(payload.subject).toBe("[NOT WATCHED] mq-sentinel: consumer-lag no longer watched on risk-engine-27");
    expect(JSON.parse(payload.message).incidents[0].closeReason).toBe("no longer watched: tagged mq-sentinel:ignore");
    expect(payload.attributes.transition).toBe("resolved");
  });

  it("records when a resolved incident cleared, how long it was open, and a remediation", () => {
    // Prepare
    const incident = stalledIncident({ status: "resolved", resolvedAt: T0 + 72 * MINUTE });
    const remediation = { action: "reboot-broker" as const, outcome: "verified" as const, reason: "RUNNING again and the backlog drained" };
    // Act
    const payload = renderSnsMessage(group([item(incident, { reason: "resolved", remediation })], { transition: "resolved" }));
    // Assess
    expect(parse(payload.message).incidents[0]).toMatchObject({
      status: "resolved",
      resolvedAt: "2026-03-02T10:35:00.000Z",
      openMinutes: 72,
      remediation,
    });
    expect(payload.subject).toBe("[RESOLVED] mq-sentinel: consumer-lag resolved on risk-engine-27");
  });

  it.each([
    ["opened", "first", "[CRITICAL] mq-sentinel: consumer-lag opened on risk-engine-27"],
    ["opened", "repeat", "[CRITICAL] mq-sentinel: consumer-lag still open on risk-engine-27"],
    ["updated", "repeat", "[CRITICAL] mq-sentinel: consumer-lag still open on risk-engine-27"],
    ["escalated", "changed", "[CRITICAL] mq-sentinel: consumer-lag escalated on risk-engine-27"],
    ["updated", "changed", "[CRITICAL] mq-sentinel: consumer-lag lowered on risk-engine-27"],
    ["remediation", "changed", "[CRITICAL] mq-sentinel: reboot dry-run for consumer-lag on risk-engine-27"],
  ] as const)("writes the subject of a %s message (reason %s)", (transition, reason, expected) => {
    // Prepare
    const remediation = { action: "reboot-broker" as const, outcome: "dry-run" as const, reason: "mode is dry-run" };
    // Act
    const payload = renderSnsMessage(group([item(INCIDENTS["consumer-lag"], { reason, remediation })], { transition }));
    // Assess
    expect(payload.subject).toBe(expected);
  });

  it("counts the incidents of a group in the subject and names the most severe", () => {
    // Prepare
    const messageGroup = group([item(INCIDENTS.posture), item(INCIDENTS["consumer-lag"]), item(INCIDENTS["connection-exhaustion"])], {
      broker: "orders",
    });
    // Act
    const payload = renderSnsMessage(messageGroup);
    // Assess
    expect(payload.subject).toBe("[CRITICAL] mq-sentinel: consumer-lag opened on orders (3 incidents)");
    expect(parse(payload.message).incidents.map((i) => i.kind)).toEqual(["consumer-lag", "connection-exhaustion", "posture"]);
  });

  it("sets the highest severity, the sorted unique kinds, the broker and the transition as attributes", () => {
    // Prepare
    const messageGroup = group(
      [item(INCIDENTS.posture), item(INCIDENTS["resource-pressure"]), item(INCIDENTS["connection-exhaustion"]), item(INCIDENTS.posture)],
      { broker: "orders" },
    );
    // Act
    const payload = renderSnsMessage(messageGroup);
    // Assess
    expect(payload.attributes).toEqual({
      severity: Severity.critical,
      kind: ["connection-exhaustion", "posture", "resource-pressure"],
      broker: "orders",
      transition: "opened",
    });
  });

  it("makes an account-wide subject name the account", () => {
    // Act
    const payload = renderSnsMessage(group([item(INCIDENTS["unauthorized-api"])], { broker: "*" }));
    // Assess
    expect(payload.subject).toBe("[CRITICAL] mq-sentinel: unauthorized-api opened in account 123456789012");
    expect(Object.keys(parse(payload.message).incidents[0]?.links ?? {})).toEqual(["brokers", "cloudTrail"]);
  });

  it("keeps the subject ASCII, on one line and under 100 characters, whatever the names", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), fc.integer({ min: 1, max: 5 }), (broker, kind, n) => {
        // Prepare
        const incident = stalledIncident({ broker, kind: kind as "posture" });
        const messageGroup = group(
          Array.from({ length: n }, () => item(incident)),
          { broker, context: { ...CONTEXT, accountId: broker } },
        );
        // Act
        const { subject } = renderSnsMessage(messageGroup);
        // Assess
        expect(subject.length).toBeLessThan(100);
        expect(subject).toMatch(/^\[[A-Z]+\] mq-sentinel: [\x20-\x7e]*$/);
        if (n > 1) expect(subject.endsWith(`(${n} incidents)`)).toBe(true);
      }),
    );
  });

  it("turns accents and line breaks of a name into plain ASCII", () => {
    // Act
    const { subject } = renderSnsMessage(group([item(stalledIncident({ broker: "crème\nbrûlée🔥" }))], { broker: "crème\nbrûlée🔥" }));
    // Assess
    expect(subject).toBe("[CRITICAL] mq-sentinel: consumer-lag opened on creme brulee?");
  });

  it("keeps outside strings as data that parse back unchanged", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (s) => {
        // Prepare
        const messageGroup = group([item(stalledIncident({ broker: s, resource: s, summary: s, evidence: { userAgent: s } }))], {
          broker: s,
        });
        // Act
        const body = parse(renderSnsMessage(messageGroup).message);
        // Assess
        expect(body.broker).toBe(s);
        expect(body.incidents[0]).toMatchObject({ broker: s, resource: s, summary: s, evidence: { userAgent: s } });
      }),
    );
  });

  it("drops invisible characters from outside strings and keeps the rest as it was", () => {
    // Prepare
    const hidden = "\u061C\u180E\u00AD\u{E0041}\u{E0064}\u202E\u200B\u3164";
    const incident = stalledIncident({ resource: `score${hidden}.requests`, evidence: { userAgent: `aws-cli${hidden}/2.15 \n🔥` } });
    // Act
    const body = parse(renderSnsMessage(group([item(incident)], { broker: `risk${hidden}-engine` })).message);
    // Assess
    expect(body.broker).toBe("risk-engine");
    expect(body.incidents[0]?.resource).toBe("score.requests");
    expect(body.incidents[0]?.evidence?.userAgent).toBe("aws-cli/2.15 \n🔥");
  });

  it.each([
    ["a flag", "🇫🇷", 3992],
    ["an emoji with a skin tone", "👍🏽", 3992],
    ["a letter with its accent", "e\u0301", 3993],
  ])("cuts a long summary before %s, never inside it", (_name, character, before) => {
    // Prepare: the cap (3,994 characters and the marker) falls inside the character
    const summary = `${"y".repeat(before)}${character}${"z".repeat(100)}`;
    // Act
    const body = parse(renderSnsMessage(group([item(stalledIncident({ summary }))])).message);
    // Assess
    const cut = body.incidents[0]?.summary ?? "";
    expect(cut.slice(before - 3)).toBe("yyy…[cut]");
    expect(cut).toHaveLength(before + 6);
  });

  it("sends no lone surrogate and no invisible character, whatever the outside strings", () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 0, max: 1100 }), (s, pad) => {
        // Prepare: the padding moves every cap across the string's characters
        const long = `${"y".repeat(pad)}${s}`.repeat(4);
        const incident = stalledIncident({
          broker: s,
          resource: long,
          summary: long,
          condition: s as Condition,
          evidence: { userAgent: long, [s]: s },
        });
        const messageGroup = group([item(incident, { remediation: { action: "reboot-broker", outcome: "blocked", reason: long } })], {
          broker: s,
          context: { ...CONTEXT, accountId: s },
        });
        // Act
        const payload = renderSnsMessage(messageGroup);
        // Assess
        const strings = [...stringsIn(JSON.parse(payload.message)), payload.subject, ...stringsIn(payload.attributes)];
        expect(strings.filter((t) => LONE_SURROGATE.test(t) || INVISIBLE.test(t))).toEqual([]);
        expect(Object.keys(parse(payload.message))).toEqual(["source", "transition", "broker", "account", "region", "incidents"]);
      }),
      { numRuns: 150 },
    );
  });

  it("caps long strings and shows the cut", () => {
    // Prepare
    const incident = stalledIncident({ summary: "y".repeat(10_000), evidence: { userAgent: "u".repeat(5_000) } });
    // Act
    const body = parse(renderSnsMessage(group([item(incident)])).message);
    // Assess
    expect(body.incidents[0]?.summary).toHaveLength(4000);
    expect(body.incidents[0]?.summary.endsWith("…[cut]")).toBe(true);
    expect(String(body.incidents[0]?.evidence?.userAgent)).toHaveLength(1000);
  });

  it("stays under SNS's 256 KB by dropping the evidence of later incidents first", () => {
    // Prepare: 200 incidents with 3 KB of evidence each
    const messageGroup = storm(200, 200, (i) => ({ a: "e".repeat(1000), b: "e".repeat(1000), c: "e".repeat(1000), i }));
    // Act
    const body = renderedWithinBudget(messageGroup);
    // Assess
    expect(body.incidents).toHaveLength(200);
    expect(body.omittedIncidents).toBeUndefined();
    expect(body.incidents.every((i) => i.summary.length === 200)).toBe(true);
    const dropped = body.incidents.map((i) => i.evidenceDropped === true);
    expect(dropped[0]).toBe(false);
    expect(body.incidents[0]?.evidence).toMatchObject({ i: 0 });
    expect(dropped.at(-1)).toBe(true);
    expect(body.incidents.at(-1)?.evidence).toBeNull();
    // From the end backwards: once dropped, dropped for every later incident.
    expect(dropped.slice(dropped.indexOf(true)).every(Boolean)).toBe(true);
  });

  it("shortens the summaries of later incidents when dropping evidence is not enough", () => {
    // Prepare: 200 incidents with 10 KB summaries (4 KB once capped)
    const messageGroup = storm(200, 10_000, () => ({ backlog: 1 }));
    // Act
    const body = renderedWithinBudget(messageGroup);
    // Assess
    expect(body.incidents).toHaveLength(200);
    expect(body.incidents.every((i) => i.evidence === null)).toBe(true);
    expect(body.incidents[0]?.summary).toHaveLength(4000);
    expect(body.incidents.at(-1)?.summary).toHaveLength(280);
  });

  it("leaves out the last incidents, and counts them, when nothing else is enough", () => {
    // Prepare
    const messageGroup = storm(1000, 10_000, () => ({ backlog: 1 }));
    // Act
    const body = renderedWithinBudget(messageGroup);
    // Assess
    expect(body.omittedIncidents).toBeGreaterThan(0);
    expect((body.omittedIncidents ?? 0) + body.incidents.length).toBe(1000);
    expect(body.incidents[0]?.id).toBe("inc-0");
  });
});

/** The SNS body rendered for `messageGroup`, once the test has checked that it fits SNS's 256 KB. */
function renderedWithinBudget(messageGroup: MessageGroup): SnsMessageBody {
  const payload = renderSnsMessage(messageGroup);
  expect(bytes(payload.message)).toBeLessThanOrEqual(BUDGET);
  return parse(payload.message);
}

/** `n` incidents with summaries of `summaryLength` characters and the given evidence. */
function storm(n: number, summaryLength: number, evidence: (i: number) => Record<string, string | number>): MessageGroup {
  return group(
    Array.from({ length: n }, (_, i) =>
      item(
        stalledIncident({
          id: `inc-${i}`,
          resource: `queue-${i}`,
          summary: `Backlog on queue-${i}: ${"y".repeat(summaryLength)}`.slice(0, summaryLength),
          evidence: evidence(i),
        }),
      ),
    ),
  );
}
