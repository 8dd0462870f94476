import fc from "fast-check";
import { CUT_MARKER, capText, defangUrls, escapeMrkdwn, singleLine } from "../../../shared/core/render/escape-mrkdwn";
import { renderSlackMessage } from "../../../shared/core/render/slack-message";
import { CONTEXT, group, item, stalledIncident, withoutOurLinks } from "./render-fixtures";

/** Slack's own unescaping, to check that escaping loses nothing. */
function slackUnescape(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

describe("escapeMrkdwn", () => {
  it.each([
    ["a channel mention", "<!channel>", "&lt;!channel&gt;"],
    ["a here mention with a label", "<!here|here>", "&lt;!here|here&gt;"],
    ["a user mention", "<@U024BE7LH>", "&lt;@U024BE7LH&gt;"],
    ["a channel link", "<#C123>", "&lt;#C123&gt;"],
    ["a user-group mention", "<!subteam^S0123|oncall>", "&lt;!subteam^S0123|oncall&gt;"],
    ["a labelled link", "<https://evil.example|AWS console>", "&lt;https://evil.example|AWS console&gt;"],
    ["already-escaped text", "&lt;!channel&gt;", "&amp;lt;!channel&amp;gt;"],
    ["an ampersand", "R&D", "R&amp;D"],
    ["a quote marker", "> approved", "&gt; approved"],
    ["mixed", "ok <!everyone> & <@W1|x> <mailto:a@b.c|mail>", "ok &lt;!everyone&gt; &amp; &lt;@W1|x&gt; &lt;mailto:a@b.c|mail&gt;"],
    ["plain text", "score.requests", "score.requests"],
  ])("escapes %s", (_name, input, expected) => {
    // Act
    const escaped = escapeMrkdwn(input);
    // Assess
    expect(escaped).toBe(expected);
    expect(escaped).not.toMatch(/[<>]/);
  });

  it("leaves every character but &, < and > as it is", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        // Act
        const escaped = escapeMrkdwn(s);
        // Assess
        expect(escaped).not.toMatch(/[<>]/);
        expect(slackUnescape(escaped)).toBe(s);
      }),
    );
  });

  it("cuts to a maximum without splitting an entity and shows the cut", () => {
    // Prepare
    const input = `${"<".repeat(10)}tail`;
    // Act
    const escaped = escapeMrkdwn(input, 20);
    // Assess
    expect(escaped).toBe(`&lt;&lt;&lt;${CUT_MARKER}`);
  });

  it("stays within any maximum and keeps a prefix of the input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.integer({ min: CUT_MARKER.length, max: 200 }), (s, max) => {
        // Act
        const escaped = escapeMrkdwn(s, max);
        // Assess
        expect(escaped.length).toBeLessThanOrEqual(max);
        const kept = escaped.endsWith(CUT_MARKER) && escapeMrkdwn(s).length > max ? escaped.slice(0, -CUT_MARKER.length) : escaped;
        expect(s.startsWith(slackUnescape(kept))).toBe(true);
      }),
    );
  });
});

describe("capText", () => {
  it("returns text within the limit unchanged", () => {
    // Act
    const capped = capText("score.requests", 14);
    // Assess
    expect(capped).toBe("score.requests");
  });

  it("cuts longer text and ends it with the marker", () => {
    // Act
    const capped = capText("a".repeat(50), 20);
    // Assess
    expect(capped).toHaveLength(20);
    expect(capped.endsWith(CUT_MARKER)).toBe(true);
  });

  it("never splits a surrogate pair", () => {
    // Prepare
    const emoji = "🔴".repeat(20);
    // Act
    const capped = capText(emoji, 12);
    // Assess
    expect(capped).toBe(`🔴🔴🔴${CUT_MARKER}`);
    expect(capped).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it("takes another marker", () => {
    // Act
    const capped = capText("mq-sentinel subject line", 10, "...");
    // Assess
    expect(capped).toBe("mq-sent...");
  });
});

describe("singleLine", () => {
  it("turns line breaks and control characters into spaces", () => {
    // Act
    const line = singleLine("backlog 5\n*Remediation:* approved\r\n\u0000done");
    // Assess
    expect(line).toBe("backlog 5 *Remediation:* approved done");
  });

  it("removes bidirectional overrides and zero-width characters", () => {
    // Act
    const line = singleLine("user\u202Enimda\u200B");
    // Assess
    expect(line).toBe("usernimda");
  });
});

describe("defangUrls", () => {
  it.each([
    ["https://evil.example/login", "https[:]//evil.example/login"],
    ["see HTTP://x.example and ftp://y.example", "see HTTP[:]//x.example and ftp[:]//y.example"],
    ["no url: score.requests", "no url: score.requests"],
  ])("breaks the scheme of %s", (input, expected) => {
    // Act
    const defanged = defangUrls(input);
    // Assess
    expect(defanged).toBe(expected);
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        // Assess
        expect(defangUrls(defangUrls(s))).toBe(defangUrls(s));
        expect(defangUrls(s)).not.toMatch(/[a-z]:\/\//i);
      }),
    );
  });
});

describe("renderSlackMessage escaping", () => {
  /** Strings that look like Slack syntax, mixed with anything at all. */
  const hostile = fc.oneof(
    fc.string({ unit: "binary" }),
    fc
      .array(
        fc.constantFrom(
          "<!channel>",
          "<!here|here>",
          "<@U024BE7LH>",
          "<#C123>",
          "<https://evil.example|AWS console>",
          "&lt;",
          "&",
          "|",
          ">",
          "<",
          "\n",
          " ",
        ),
        { maxLength: 8 },
      )
      .map((parts) => parts.join("")),
  );

  it("lets no outside string put a < or > into the payload, whatever it is", () => {
    fc.assert(
      fc.property(hostile, fc.constantFrom("opened", "resolved", "remediation", "escalated") as fc.Arbitrary<"opened">, (s, transition) => {
        // Prepare: every outside string of the group is s
        const incident = stalledIncident({
          broker: s,
          resource: s,
          summary: s,
          condition: s,
          evidence: { backlog: s, principal: s, userAgent: s, actions: s, [s.slice(0, 20) || "k"]: s },
          series: { [s.slice(0, 20) || "backlog"]: [1, 2, null, 4] },
        });
        const messageGroup = group(
          [
            item(incident, { remediation: { action: "reboot-broker", outcome: "blocked", reason: s } }),
            item(stalledIncident({ kind: "unauthorized-api", broker: "*", resource: s, summary: s, evidence: { principal: s } })),
            item(
              stalledIncident({
                kind: "risky-change",
                broker: s,
                resource: s,
                summary: s,
                evidence: { principal: s, cloudTrailEventId: s },
              }),
            ),
          ],
          { broker: s, transition, context: { ...CONTEXT, accountId: s, brokerIds: { [s]: s } } },
        );
        // Act
        const serialized = JSON.stringify(renderSlackMessage(messageGroup));
        // Assess
        expect(withoutOurLinks(serialized, messageGroup)).not.toMatch(/[<>]/);
      }),
      { numRuns: 300 },
    );
  });
});
