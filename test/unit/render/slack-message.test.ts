import fc from "fast-check";
import type { Incident } from "../../../shared/core/incidents";
import type { MessageGroup, SlackPayload } from "../../../shared/core/notifications";
import { MAX_DETAILED_INCIDENTS, renderSlackMessage, SLACK_LIMITS } from "../../../shared/core/render/slack-message";
import { type Condition, IncidentKind, Severity } from "../../../shared/core/types";
import {
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
  withoutOurLinks,
} from "./render-fixtures";

interface TextObject {
  type: string;
  text: string;
  verbatim?: boolean;
  emoji?: boolean;
}
interface AnyBlock {
  type: string;
  text?: TextObject;
  fields?: TextObject[];
  elements?: TextObject[];
}

const blocksOf = (payload: SlackPayload) => payload.blocks as unknown as AnyBlock[];
const sections = (payload: SlackPayload) => blocksOf(payload).filter((b) => b.type === "section");
/** The first section of each incident: severity, kind, condition, broker and queue (mrkdwn). */
const whatTexts = (payload: SlackPayload) =>
  sections(payload)
    .filter((b) => b.text?.type === "mrkdwn" && !b.text.text.startsWith("*… and"))
    .map((b) => b.text?.text ?? "");
/** The second section of each incident: the summary and what follows it (plain_text), with the fields. */
const stories = (payload: SlackPayload) => sections(payload).filter((b) => b.text?.type === "plain_text");
const storyText = (payload: SlackPayload, i = 0) => stories(payload)[i]?.text?.text ?? "";
const headerText = (payload: SlackPayload) => blocksOf(payload)[0]?.text?.text ?? "";
const contextTexts = (payload: SlackPayload) =>
  blocksOf(payload)
    .filter((b) => b.type === "context")
    .flatMap((b) => (b.elements ?? []).map((e) => e.text));
const fieldTexts = (block: AnyBlock | undefined) => (block?.fields ?? []).map((f) => f.text);

/** Every Block Kit limit the renderer promises (amazon-mq-facts.md §6). */
function expectWithinSlackLimits(payload: SlackPayload): void {
  const blocks = blocksOf(payload);
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(blocks[0]?.type).toBe("header");
  expect(blocks[0]?.text?.type).toBe("plain_text");
  expect(headerText(payload).length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
  for (const block of blocks) {
    if (block.type === "section") {
      expect(block.text?.text.length).toBeGreaterThan(0);
      expect(block.text?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect((block.fields ?? []).length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
      for (const f of block.fields ?? []) {
        expect(f.text.length).toBeGreaterThan(0);
        expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
      }
    }
    if (block.type === "context") {
      expect((block.elements ?? []).length).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
      for (const e of block.elements ?? []) expect(e.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    }
    // Buttons (the Approve/Deny of a reboot request): Block Kit's button limits, plain_text labels.
    const buttons = block.type === "actions" ? ((block.elements ?? []) as unknown as Button[]) : [];
    if (block.type === "actions") expect(buttons.length).toBeLessThanOrEqual(25);
    for (const b of buttons) {
      expect(b.type).toBe("button");
      expect(b.text.type).toBe("plain_text");
      expect(b.text.text.length).toBeLessThanOrEqual(75);
      expect(b.value.length).toBeLessThanOrEqual(2000);
      expect(b.action_id.length).toBeLessThanOrEqual(255);
    }
    // Every mrkdwn object is verbatim (Slack must not auto-link or parse mentions in it), every
    // plain_text object turns no `:emoji:` code into an emoji, and no code span is left open.
    for (const t of [
      block.text,
      ...(block.fields ?? []),
      ...(block.type === "actions" ? buttons.map((b) => b.text) : (block.elements ?? [])),
    ]) {
      if (t === undefined) continue;
      expect(["mrkdwn", "plain_text"]).toContain(t.type);
      if (t.type === "mrkdwn") expect(t.verbatim).toBe(true);
      if (t.type === "mrkdwn") expect((t.text.match(/`/g) ?? []).length % 2).toBe(0);
      if (t.type === "plain_text") expect(t.emoji).toBe(false);
    }
  }
}

interface Button {
  type: string;
  action_id: string;
  value: string;
  text: { type: string; text: string; emoji?: boolean; verbatim?: boolean };
}

/** A storm: `n` incidents with long queue names and huge summaries. */
function storm(n: number, queueLength: number, summaryLength: number): MessageGroup {
  const incidents: Incident[] = Array.from({ length: n }, (_, i) =>
    stalledIncident({
      id: `inc-${i}`,
      resource: `q${i}-${"x".repeat(queueLength)}`.slice(0, queueLength),
      severity: i % 3 === 0 ? Severity.critical : Severity.warning,
      summary: `Backlog on queue ${i} <!channel> & ${"y".repeat(summaryLength)}`.slice(0, summaryLength),
      evidence: { ...stalledIncident().evidence, userAgent: "u".repeat(5000), note: "&".repeat(3000) },
    }),
  );
  return group(incidents.map((incident) => item(incident)));
}

describe("renderSlackMessage", () => {
  it("renders a critical stalled-consumers incident with its numbers, sparkline and links", () => {
    // Prepare
    const messageGroup = group([item(INCIDENTS["consumer-lag"])]);
    // Act
    const payload = renderSlackMessage(messageGroup);
    // Assess
    expect(headerText(payload)).toBe("🔴 CRITICAL opened: consumer-lag on risk-engine-27");
    expect(blocksOf(payload).map((b) => b.type)).toEqual(["header", "section", "section", "context"]);
    expect(whatTexts(payload)).toEqual(["🔴 *CRITICAL* · consumer-lag · `stalled`\n*Broker* `risk-engine-27` · *Queue* `score.requests`"]);
    expect(storyText(payload)).toContain("nothing was dequeued for 3 min; backlog 669 (+421).");
    expect(storyText(payload)).toMatch(/^backlog [▁-█]+ {2}248 → 669 · last 24 min$/m);
    expect(fieldTexts(stories(payload)[0])).toEqual([
      "*Backlog*\n669",
      "*Consumers*\n5",
      "*Time to drain*\nnever, at current rates",
      "*Dequeues*\n0 /min",
      "*Enqueues*\n84.2 /min",
      "*Stalled for*\n3 min",
      "*In flight*\n250",
      "*Avg time in queue*\n41.3 s",
    ]);
    expect(contextTexts(payload)[0]).toMatch(
      /^<https:\/\/eu-west-1\.console\.aws\.amazon\.com\/amazon-mq\/.*\|Broker> · <https:.*\|Metrics>$/,
    );
    expect(contextTexts(payload)[1]).toBe("inc-7da62b73742eb3c4 · opened 2026-03-02 09:23 UTC");
    expect(payload.text).toBe(
      "[CRITICAL] consumer-lag on risk-engine-27 / score.requests: Consumers on score.requests are connected (5) but nothing was dequeued for 3 min; backlog 669 (+421).",
    );
    expectWithinSlackLimits(payload);
  });

  it.each([
    ["opened", "first", undefined, "🔴 CRITICAL opened: consumer-lag on risk-engine-27"],
    ["opened", "repeat", undefined, "🔴 CRITICAL still open: consumer-lag on risk-engine-27"],
    ["updated", "repeat", undefined, "🟠 WARNING still open: consumer-lag on risk-engine-27"],
    ["escalated", "changed", Severity.warning, "🔴 Escalated to CRITICAL: consumer-lag on risk-engine-27"],
    ["updated", "changed", Severity.critical, "🟠 Now WARNING: consumer-lag on risk-engine-27"],
    ["resolved", "resolved", undefined, "✅ Resolved: consumer-lag on risk-engine-27"],
    ["remediation", "changed", undefined, "🔴 Reboot blocked: consumer-lag on risk-engine-27"],
  ] as const)("heads the %s message (reason %s) with emoji, transition and broker", (transition, reason, previousSeverity, expected) => {
    // Prepare
    const severity = transition === "updated" ? Severity.warning : Severity.critical;
    const incident = stalledIncident({ severity, resolvedAt: transition === "resolved" ? T0 + 72 * MINUTE : null });
    const remediation =
      transition === "remediation"
        ? { action: "reboot-broker" as const, outcome: "blocked" as const, reason: "broker not opted in" }
        : undefined;
    const messageGroup = group([item(incident, { reason, previousSeverity, remediation })], { transition });
    // Act
    const payload = renderSlackMessage(messageGroup);
    // Assess
    expect(headerText(payload)).toBe(expected);
    expectWithinSlackLimits(payload);
  });

  it("says what cleared and how long it was open when resolved", () => {
    // Prepare
    const incident = stalledIncident({ status: "resolved", resolvedAt: T0 + 72 * MINUTE, peakSeverity: Severity.critical });
    // Act
    const payload = renderSlackMessage(group([item(incident, { reason: "resolved" })], { transition: "resolved" }));
    // Assess
    expect(whatTexts(payload)[0]).toContain("✅ *RESOLVED* (was critical) · consumer-lag · `stalled`");
    expect(whatTexts(payload)[0]).toContain("*Queue* `score.requests`");
    expect(storyText(payload)).toMatch(/^Was: Consumers on score\.requests/);
    expect(storyText(payload)).toContain("Cleared at 2026-03-02 10:35 UTC after 1 h 12 min open.");
    expect(payload.text).toMatch(/^\[RESOLVED\] consumer-lag on risk-engine-27 \/ score\.requests: cleared after 1 h 12 min; was: /);
  });

  it("says an incident closed because its broker is no longer watched, never that it recovered", () => {
    // Prepare: someone tagged the broker mq-sentinel:ignore; their principal name is outside text
    const reason = "no longer watched: ignored by arn:aws:sts::1:assumed-role/*Ops*/_x_";
    const incident = stalledIncident({
      status: "resolved",
      resolvedAt: T0 + 72 * MINUTE,
      peakSeverity: Severity.critical,
      closeReason: reason,
    });
    // Act
    const payload = renderSlackMessage(group([item(incident, { reason: "resolved" })], { transition: "resolved" }));
    // Assess
    const header = (payload.blocks[0] as { text: { text: string } }).text.text;
    expect(header).toMatch(/^⚪ No longer watched: consumer-lag on /);
    expect(JSON.stringify(payload)).not.toMatch(/RESOLVED|✅|Cleared at/);
    expect(whatTexts(payload)[0]).toContain("⚪ *NO LONGER WATCHED* (was critical)");
    expect(storyText(payload)).toContain("not recovered: no longer watched: ignored by arn:aws:sts::1:assumed-role/*Ops*/_x_");
    expect(payload.text).toMatch(/^\[NO LONGER WATCHED\] consumer-lag on risk-engine-27/);
    expectWithinSlackLimits(payload);
  });

  it("puts a reboot request to people with Approve and Deny buttons, the blast radius and every guard", () => {
    // Prepare
    const incident = stalledIncident();
    const approval = {
      id: `${incident.id}#29540716`,
      expiresAt: T0 + 53 * MINUTE,
      approvers: ["U024BE7LH"],
      blastRadius: {
        connections: 420,
        consumers: 8,
        queues: 12,
        activeNode: "risk-engine-27-1",
        nodes: ["risk-engine-27-1", "risk-engine-27-2"],
        standby: "risk-engine-27-2 waiting (a standby publishes no metrics)",
      },
      guards: [
        { guard: "opt-in tag", ok: true, detail: "passes" },
        { guard: "cooldown", ok: true, detail: "passes" },
        { guard: "kill switch", ok: false, detail: "the kill switch is on" },
      ],
      lastReboot: "2026-03-01 08:10 UTC: the incident cleared within 6 min of the reboot, the broker RUNNING again after 3 min",
    };
    const remediation = { action: "reboot-broker" as const, outcome: "awaiting-approval" as const, reason: "asks for approval", approval };
    // Act
    const payload = renderSlackMessage(group([item(incident, { reason: "changed", remediation })], { transition: "remediation" }));
    // Assess
    const actions = payload.blocks.find((b) => b.type === "actions") as { elements: { action_id: string; value: string; style: string }[] };
    expect(actions.elements.map((e) => [e.action_id, e.value, e.style])).toEqual([
      ["mq-sentinel-approve", approval.id, "primary"],
      ["mq-sentinel-deny", approval.id, "danger"],
    ]);
    const facts = JSON.stringify(payload.blocks.find((b) => b.block_id === "mq-sentinel-approval-facts"));
    expect(facts).toContain("A reboot touches: 420 connections · 8 consumers · 12 queues · active node risk-engine-27-1.");
    expect(facts).toContain("Standby: risk-engine-27-2 waiting (a standby publishes no metrics).");
    expect(facts).toContain(
      "Last reboot (failover) by mq-sentinel: 2026-03-01 08:10 UTC: the incident cleared within 6 min of the reboot, the broker RUNNING again after 3 min.",
    );
    expect(facts).toContain(
      "Guards now: ✓ opt-in tag · ✓ cooldown · ✗ kill switch (the kill switch is on). Every guard is checked again when someone approves.",
    );
    expect(facts).toContain("Who may answer: U024BE7LH.");
    expectWithinSlackLimits(payload);
  });

  it("shows no buttons on any other remediation decision", () => {
    // Act
    const payload = renderSlackMessage(
      group([item(stalledIncident(), { remediation: { action: "reboot-broker", outcome: "denied", reason: "denied by U024BE7LH" } })], {
        transition: "remediation",
      }),
    );
    // Assess
    expect(payload.blocks.some((b) => b.type === "actions")).toBe(false);
  });

  it("says a repeated incident is still open and for how long", () => {
    // Prepare
    const incident = stalledIncident({ lastSeenAt: T0 + 125 * MINUTE });
    // Act
    const payload = renderSlackMessage(group([item(incident, { reason: "repeat" })]));
    // Assess
    expect(storyText(payload)).toContain("Still open after 2 h 5 min (since 2026-03-02 09:23 UTC).");
    expect(payload.text).toContain("still open after 2 h 5 min");
  });

  it("says from which severity an incident escalated", () => {
    // Act
    const payload = renderSlackMessage(
      group([item(INCIDENTS["consumer-lag"], { reason: "changed", previousSeverity: Severity.warning })], { transition: "escalated" }),
    );
    // Assess
    expect(storyText(payload)).toContain("Escalated from warning to critical.");
  });

  it.each([
    ["executed", "🔁 Broker rebooted — "],
    ["dry-run", "🧪 Reboot dry run — "],
    ["blocked", "⛔ Reboot blocked — "],
    ["verified", "✅ Reboot verified — "],
    ["escalated", "🚨 Reboot did not help — "],
  ] as const)("shows the %s remediation with its reason", (outcome, expected) => {
    // Prepare
    const remediation = { action: "reboot-broker" as const, outcome, reason: "cooldown: rebooted 12 min ago" };
    // Act
    const payload = renderSlackMessage(group([item(INCIDENTS["consumer-lag"], { remediation })], { transition: "remediation" }));
    // Assess
    expect(storyText(payload)).toContain(`${expected}cooldown: rebooted 12 min ago`);
  });

  it.each([
    ["consumer-lag", "*Queue* `score.requests`", ["*Backlog*\n669", "*Consumers*\n5"], "backlog"],
    [
      "connection-exhaustion",
      "*Broker* `orders`",
      [
        "*Connections*\n412 of 500 (82%)",
        "*Limit reached in*\n~28 min",
        "*Growth*\n3.2 /min",
        "*Limit from*\n`documented limit for mq.m5.large`",
      ],
      "connections",
    ],
    ["resource-pressure", "*Resource* `heap`", ["*Used*\n93%", "*Held at*\n≥ 90%", "*Thresholds*\n80% warning · 90% critical"], "heap"],
    ["broker-unhealthy", "*Broker* `orders`", ["*State*\n`CRITICAL_ACTION_REQUIRED`", "*Actions required*\n`KMS_KEY_INACCESSIBLE`"], null],
    [
      "unauthorized-api",
      "*Principal* `arn:aws:iam::123456789012:user/intruder`",
      [
        "*Denied calls*\n42 · 15 min window",
        "*Actions*\n7: `DescribeBroker, ListUsers, DescribeUser, ListConfigurations, UpdateBroker, DeleteBroker, RebootBroker`",
        "*Brokers*\n5",
        "*User agent*\n`aws-cli/2.15.0 Python/3.11`",
      ],
      null,
    ],
    [
      "risky-change",
      "*Broker* `orders` · *Principal* `arn:aws:iam::123456789012:user/jdoe` · *Call* `CreateUser`",
      ["*Change*\n`user svc-admin; groups admin`", "*Source IP*\n`203.0.113.9`", "*Principal type*\n`IAMUser`"],
      null,
    ],
    ["posture", "*Check* `public-access`", ["*Publicly accessible*\nyes"], null],
  ] as const)("renders the %s incident with its place, key numbers and series", (kind, place, fields, spark) => {
    // Prepare
    const incident = INCIDENTS[kind];
    // Act
    const payload = renderSlackMessage(group([item(incident)]));
    // Assess
    expect(whatTexts(payload)[0]).toContain(place);
    expect(storyText(payload).split("\n")[0]).toBe(incident.summary);
    for (const f of fields) expect(fieldTexts(stories(payload)[0])).toContain(f);
    if (spark) expect(storyText(payload)).toMatch(new RegExp(`^${spark} [▁-█·]+`, "m"));
    else expect(storyText(payload)).not.toMatch(/[▁-█]/);
    expectWithinSlackLimits(payload);
  });

  it("hides false flags and internal evidence", () => {
    // Act
    const payload = renderSlackMessage(
      group([item(INCIDENTS["unauthorized-api"]), item(INCIDENTS["connection-exhaustion"]), item(INCIDENTS["risky-change"])]),
    );
    // Assess
    const labels = sections(payload)
      .flatMap(fieldTexts)
      .map((f) => f.split("\n")[0]);
    for (const hidden of ["*Root user*", "*Other account*", "*Fit*", "*Principal*", "*Event name*", "*Cloud trail event id*"]) {
      expect(labels).not.toContain(hidden);
    }
  });

  it("heads an account-wide finding with the account", () => {
    // Act
    const payload = renderSlackMessage(group([item(INCIDENTS["unauthorized-api"])], { broker: "*" }));
    // Assess
    expect(headerText(payload)).toBe("🔴 CRITICAL opened: unauthorized-api in account 123456789012");
    expect(contextTexts(payload)[0]).toMatch(
      /\|Brokers> · <https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudtrailv2\/.*\|CloudTrail>$/,
    );
  });

  it("puts the most severe incidents first, with a divider between incidents", () => {
    // Prepare
    const messageGroup = group([item(INCIDENTS["connection-exhaustion"]), item(INCIDENTS["resource-pressure"]), item(INCIDENTS.posture)], {
      broker: "orders",
    });
    // Act
    const payload = renderSlackMessage(messageGroup);
    // Assess
    expect(headerText(payload)).toBe("🔴 CRITICAL opened: 3 incidents on orders");
    const incidentBlocks = ["section", "section", "context"];
    expect(blocksOf(payload).map((b) => b.type)).toEqual([
      "header",
      ...incidentBlocks,
      "divider",
      ...incidentBlocks,
      "divider",
      ...incidentBlocks,
    ]);
    expect(whatTexts(payload).map((t) => t.split("\n")[0])).toEqual([
      "🔴 *CRITICAL* · resource-pressure · `heap-critical`",
      "🟠 *WARNING* · connection-exhaustion · `connections-leak`",
      "🔵 *INFO* · posture · `public-access`",
    ]);
    expect(payload.text).toMatch(/^\[CRITICAL\] resource-pressure on orders \/ heap: .* \(\+2 more\)$/);
  });

  it(`shows ${MAX_DETAILED_INCIDENTS} incidents in full and lists the rest`, () => {
    // Prepare
    const exact = storm(MAX_DETAILED_INCIDENTS, 20, 100);
    const oneMore = storm(MAX_DETAILED_INCIDENTS + 1, 20, 100);
    // Act
    const full = renderSlackMessage(exact);
    const overflowing = renderSlackMessage(oneMore);
    // Assess
    expect(whatTexts(full)).toHaveLength(MAX_DETAILED_INCIDENTS);
    expect(stories(full)).toHaveLength(MAX_DETAILED_INCIDENTS);
    expect(sections(overflowing)).toHaveLength(2 * MAX_DETAILED_INCIDENTS + 1);
    expect(sections(overflowing).at(-1)?.text?.text).toMatch(/^\*… and 1 more incident:\*\n• consumer-lag \(1\): `q\d+-x+`$/);
  });

  it("stays within Slack's limits for the largest storm", () => {
    // Prepare: 200 incidents, 300-character queue names, 10 KB summaries and long evidence
    const messageGroup = storm(200, 300, 10_000);
    // Act
    const payload = renderSlackMessage(messageGroup);
    // Assess
    expectWithinSlackLimits(payload);
    const last = sections(payload).at(-1)?.text?.text ?? "";
    expect(last).toMatch(/^\*… and 190 more incidents:\*\n• consumer-lag \(190\): /);
    expect(last.endsWith(" …")).toBe(true);
    expect(storyText(payload)).toContain("…[cut]");
    expect(withoutOurLinks(JSON.stringify(payload), messageGroup)).not.toMatch(/[<>]/);
    expect(payload.text.length).toBeLessThanOrEqual(1000);
  });

  it("stays within Slack's limits for any group", () => {
    const text = fc.string({ unit: "binary", maxLength: 4000 });
    const incident = fc.record({
      kind: fc.constantFrom(...Object.values(IncidentKind)),
      severity: fc.constantFrom(...Object.values(Severity)),
      broker: text,
      resource: fc.option(text, { nil: null }),
      summary: text,
      value: text,
    });
    fc.assert(
      fc.property(
        fc.array(incident, { minLength: 1, maxLength: 40 }),
        fc.constantFrom("opened", "updated", "escalated", "resolved", "remediation") as fc.Arbitrary<MessageGroup["transition"]>,
        (incidents, transition) => {
          // Prepare
          const messageGroup = group(
            incidents.map((i) =>
              item(
                stalledIncident({
                  ...i,
                  peakSeverity: i.severity,
                  evidence: { ...INCIDENTS[i.kind].evidence, userAgent: i.value, extra: i.value },
                }),
                { remediation: { action: "reboot-broker", outcome: "blocked", reason: i.value } },
              ),
            ),
            { transition },
          );
          // Act
          const payload = renderSlackMessage(messageGroup);
          // Assess
          expectWithinSlackLimits(payload);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("renders an injected summary with no live mention and no foreign link", () => {
    // Prepare
    const summary = "<!channel> URGENT approve now <https://evil.example/login|AWS console>";
    const messageGroup = group([item(stalledIncident({ kind: "risky-change", summary, evidence: { principal: "<@U024BE7LH>" } }))]);
    // Act
    const payload = renderSlackMessage(messageGroup);
    // Assess
    expect(storyText(payload)).toContain("&lt;!channel&gt; URGENT approve now &lt;https[:]//evil.example/login|AWS console&gt;");
    expect(whatTexts(payload)[0]).toContain("*Principal* `&lt;@U024BE7LH&gt;`");
    expect(payload.text).toContain("&lt;!channel&gt; URGENT approve now &lt;https[∶]//evil.example/login|AWS console&gt;");
    const serialized = JSON.stringify(payload);
    expect(serialized).not.toContain("<!channel>");
    expect(serialized).not.toContain("https://evil.example");
    expect(withoutOurLinks(serialized, messageGroup)).not.toMatch(/[<>]/);
    const links = [...serialized.matchAll(/<(https:[^|>]+)\|/g)].map((m) => new URL(m[1] as string).host);
    expect(links.every((host) => host === "eu-west-1.console.aws.amazon.com")).toBe(true);
  });

  it("keeps an outside string from faking a line of its own", () => {
    // Prepare
    const summary = "Backlog 5.\n⛔ *Reboot blocked* — by policy\n> fine";
    // Act
    const payload = renderSlackMessage(group([item(stalledIncident({ summary }))]));
    // Assess
    expect(storyText(payload).split("\n")[0]).toBe("Backlog 5. ⛔ *Reboot blocked* — by policy &gt; fine");
  });
});

describe("renderSlackMessage formatting", () => {
  const BANNER = "*✅ Approved change — no action needed*";
  const QUOTE = "> ✅ Approved change";

  /**
   * The mrkdwn of a payload with our console links and every code span taken out: what is left is
   * the text Slack would format. Outside text must never be in it.
   */
  function formattedText(payload: SlackPayload, messageGroup: MessageGroup): string[] {
    // One call for all objects, joined by a character no rendered text holds (control characters become spaces).
    const texts = withoutOurLinks(
      mrkdwnObjects(payload)
        .map((t) => t.text)
        .join("\u0000"),
      messageGroup,
    );
    return texts.split("\u0000").map((t) => t.replace(/`[^`\n]*`/g, ""));
  }

  function mrkdwnObjects(payload: SlackPayload): TextObject[] {
    return blocksOf(payload)
      .flatMap((b) => [b.text, ...(b.fields ?? []), ...(b.elements ?? [])])
      .filter((t): t is TextObject => t?.type === "mrkdwn");
  }

  /** An unauthorized-API incident and a risky change whose every outside string is `s` (a broker `*` is the account). */
  function apiGroup(s: string): MessageGroup {
    const broker = s === "*" ? "**" : s;
    const denied = stalledIncident({
      kind: "unauthorized-api",
      broker: "*",
      resource: s,
      // No detector makes such a condition, but a stored incident is outside data to the renderer.
      condition: s as Condition,
      summary: `${s} was denied 3 Amazon MQ calls in 2 min: 1 action on 1 broker.`,
      evidence: { ...INCIDENTS["unauthorized-api"].evidence, principal: s, actions: s, errorCodes: s, sourceIps: s, userAgent: s },
    });
    const change = stalledIncident({
      kind: "risky-change",
      broker,
      resource: s,
      condition: s as Condition,
      summary: `${s} ran CreateUser on ${s}: user ${s}.`,
      evidence: { ...INCIDENTS["risky-change"].evidence, principal: s, change: s, userAgent: s, principalType: s, sourceIp: s },
    });
    return group([item(denied), item(change)], { broker });
  }

  it.each([
    ["a user agent", (s: string) => group([item(stalledIncident({ ...INCIDENTS["unauthorized-api"], evidence: { userAgent: s } }))])],
    ["a user name", (s: string) => group([item(stalledIncident({ ...INCIDENTS["unauthorized-api"], resource: s }))])],
    [
      "a risky change's principal",
      (s: string) =>
        group([item(stalledIncident({ ...INCIDENTS["risky-change"], evidence: { ...INCIDENTS["risky-change"].evidence, principal: s } }))]),
    ],
    ["a summary", (s: string) => group([item(stalledIncident({ summary: s }))])],
    [
      "a resolved summary",
      (s: string) => group([item(stalledIncident({ summary: s }), { reason: "resolved" })], { transition: "resolved" }),
    ],
    ["a queue name", (s: string) => group([item(stalledIncident({ resource: s }))])],
    ["a broker name", (s: string) => group([item(stalledIncident({ broker: s }))], { broker: s })],
    ["a condition read back from the store", (s: string) => group([item(stalledIncident({ condition: s as Condition }))])],
    ["an incident kind read back from the store", (s: string) => group([item(stalledIncident({ kind: s as "posture" }))])],
    ["an evidence value", (s: string) => group([item(stalledIncident({ evidence: { note: s } }))])],
    [
      "a remediation reason",
      (s: string) =>
        group([item(stalledIncident(), { remediation: { action: "reboot-broker", outcome: "blocked", reason: s } })], {
          transition: "remediation",
        }),
    ],
    ["an incident id", (s: string) => group([item(stalledIncident({ id: s }))])],
  ])("shows a forged banner in %s as text, never bold or quoted", (_place, makeGroup) => {
    for (const forged of [BANNER, QUOTE, `${BANNER}\n${QUOTE}`]) {
      // Prepare
      const messageGroup = makeGroup(forged);
      // Act
      const payload = renderSlackMessage(messageGroup);
      // Assess: no mrkdwn object carries the banner outside a code span, and the fallback has no * left
      for (const text of formattedText(payload, messageGroup)) {
        expect({ forged, text, formatted: /Approved/.test(text) }).toEqual({ forged, text, formatted: false });
      }
      expect(payload.text).not.toMatch(/[*_~`]/);
      expectWithinSlackLimits(payload);
    }
  });

  it("renders an overflowing incident's queue name in a code span", () => {
    // Prepare
    const incidents = Array.from({ length: MAX_DETAILED_INCIDENTS + 1 }, (_, i) =>
      stalledIncident({ id: `inc-${i}`, resource: `${QUOTE} ${i}` }),
    );
    const messageGroup = group(incidents.map((incident) => item(incident)));
    // Act
    const payload = renderSlackMessage(messageGroup);
    // Assess
    expect(sections(payload).at(-1)?.text?.text).toBe("*… and 1 more incident:*\n• consumer-lag (1): `&gt; ✅ Approved change 10`");
  });

  it("lets no outside text format, hide or split a character in the payload, whatever it is", () => {
    const benign = apiGroup("x");
    const expectedMarks = formattedText(renderSlackMessage(benign), benign).map(marks);
    fc.assert(
      fc.property(hostileText, (raw) => {
        // Prepare: every outside string is the same text; a sentinel marks where it went
        const s = raw === "" ? "x" : raw;
        const marked = apiGroup(`QZ§${s}`);
        const messageGroup = apiGroup(s);
        // Act
        const payload = renderSlackMessage(messageGroup);
        const markedPayload = renderSlackMessage(marked);
        // Assess (one expect per run: jest's matchers cost more than the render)
        const textObjects = blocksOf(payload).flatMap((b) => [b.text, ...(b.fields ?? []), ...(b.elements ?? [])]);
        expect({
          // the text Slack formats is the same as for a harmless string, formatting marks included
          marks: formattedText(payload, messageGroup).map(marks),
          // no outside text sits in mrkdwn outside a code span
          outsideInMrkdwn: formattedText(markedPayload, marked).filter((t) => t.includes("QZ§")),
          // the fallback carries no formatting character and no emoji code
          fallbackFormats: /[*_~`]|:[^\s:]+:/.test(payload.text),
          // the header and the stories are plain_text that turns no emoji code into an emoji
          header: blocksOf(payload)[0]?.text?.type,
          stories: stories(payload).length,
          emojiCodes: textObjects.filter((t) => t?.type === "plain_text" && t.emoji !== false).length,
          // nothing anywhere is half a character or invisible
          broken: stringsIn(payload).filter((t) => LONE_SURROGATE.test(t) || INVISIBLE.test(t)),
        }).toEqual({
          marks: expectedMarks,
          outsideInMrkdwn: [],
          fallbackFormats: false,
          header: "plain_text",
          stories: 2,
          emojiCodes: 0,
          broken: [],
        });
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ["*bold* _it_ ~s~ `code`", "*Bold it s code*\n1"],
    ["> quote", "*Quote*\n1"],
    ["***", "*Detail*\n1"],
  ])("makes a label of the letters and digits of evidence key %j only", (key, expected) => {
    // Act
    const payload = renderSlackMessage(group([item(stalledIncident({ evidence: { [key]: 1 } }))]));
    // Assess
    expect(fieldTexts(stories(payload)[0])).toEqual([expected]);
  });
});

/** The formatting marks of a text, line by line: what Slack would turn into bold, italics, strike, code, quotes or emoji. */
function marks(text: string): string {
  return text
    .split("\n")
    .map((line) => (line.match(/[*_~`:]|^(&gt;|>)/g) ?? []).join(""))
    .join("\n");
}

describe("renderSlackMessage: flapping and re-openings", () => {
  const noise = {
    level: 0,
    changes: [
      { at: T0 - 300 * MINUTE, from: 0, to: 2 },
      { at: T0 - 280 * MINUTE, from: 2, to: 0 },
      { at: T0 - 200 * MINUTE, from: 0, to: 3 },
      { at: T0 - 190 * MINUTE, from: 3, to: 0 },
    ],
    lowerSince: null,
    flapping: true,
    flappingSince: T0 - 190 * MINUTE,
    opens: [T0 - 300 * MINUTE, T0 - 200 * MINUTE],
    peak: { value: 99.2, at: T0 - 195 * MINUTE },
    gauge: { label: "CPU", unit: "%", warning: 85, critical: 95 },
    windowMinutes: 360,
  };
  const cpu = (overrides: Partial<Incident> = {}) =>
    stalledIncident({
      kind: IncidentKind.resourcePressure,
      fingerprint: "resource-pressure|risk-engine-27|cpu",
      resource: "cpu",
      openedAt: T0 - 200 * MINUTE,
      noise,
      ...overrides,
    });

  it("heads the message that flapping started and says how often it crossed, with the peak", () => {
    // Act
    const payload = renderSlackMessage(group([item(cpu(), { reason: "changed", flap: "started" })], { transition: "updated" }));
    // Assess
    expect(headerText(payload)).toContain("CRITICAL flapping");
    expect(storyText(payload)).toContain("Flapping: CPU crossed 85% 2 times in 6 h; peak 99.2%; again — 2nd time today.");
    expectWithinSlackLimits(payload);
  });

  it("says once that flapping stopped", () => {
    // Act
    const payload = renderSlackMessage(
      group([item(cpu({ noise: { ...noise, flapping: false } }), { reason: "changed", flap: "stopped" })], { transition: "updated" }),
    );
    // Assess
    expect(headerText(payload)).toContain("No longer flapping");
    expect(storyText(payload)).toContain("No longer flapping (CPU crossed 85% 2 times in 6 h; peak 99.2%). Now critical.");
  });

  it("announces a re-opening as the same incident again, without flapping", () => {
    // Act
    const payload = renderSlackMessage(group([item(cpu({ noise: { ...noise, flapping: false } }))]));
    // Assess
    expect(headerText(payload)).toContain("CRITICAL opened");
    expect(storyText(payload)).toContain("Again — 2nd time today.");
    expect(payload.text).toContain("again — 2nd time today");
  });
});
