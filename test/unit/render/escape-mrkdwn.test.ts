import fc from "fast-check";
import {
  BACKTICK_LOOKALIKE,
  CUT_MARKER,
  capText,
  codeSpan,
  defangUrls,
  dropInvisible,
  escapeMrkdwn,
  neutralizeFormatting,
  singleLine,
  wellFormed,
} from "../../../shared/core/render/escape-mrkdwn";
import { renderSlackMessage } from "../../../shared/core/render/slack-message";
import type { Condition } from "../../../shared/core/types";
import { CONTEXT, group, hostileText, INVISIBLE, item, LONE_SURROGATE, stalledIncident, withoutOurLinks } from "./render-fixtures";

/** Grapheme clusters, to check that a cut kept whole ones. */
const graphemes = (text: string) => [...new Intl.Segmenter("en", { granularity: "grapheme" }).segment(text)].map((g) => g.segment);

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

  it("never returns a lone surrogate, whatever it is given and wherever it cuts", () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 0, max: 40 }), (s, max) => {
        // Act
        const escaped = escapeMrkdwn(s, max);
        // Assess
        expect(escaped).not.toMatch(LONE_SURROGATE);
        expect(escapeMrkdwn(s)).not.toMatch(LONE_SURROGATE);
      }),
    );
  });
});

describe("codeSpan", () => {
  it.each([
    ["bold", "*✅ Approved change — no action needed*", "`*✅ Approved change — no action needed*`"],
    ["a leading quote", "> ✅ Approved change", "`&gt; ✅ Approved change`"],
    ["italics and strike", "_no_ ~action~", "`_no_ ~action~`"],
    ["a backtick that would close the span", "a`*b*`c", `\`a${BACKTICK_LOOKALIKE}*b*${BACKTICK_LOOKALIKE}c\``],
    ["a code block", "```x```", `\`${BACKTICK_LOOKALIKE.repeat(3)}x${BACKTICK_LOOKALIKE.repeat(3)}\``],
    ["a mention and a link", "<!channel> <https://evil.example|AWS>", "`&lt;!channel&gt; &lt;https[:]//evil.example|AWS&gt;`"],
    ["a second line", "ok\n> quoted", "`ok &gt; quoted`"],
    ["spaces at the ends", "  padded  ", "`padded`"],
    ["an invisible name", "\u3164\u200B", "—"],
    ["nothing", "", "—"],
    ["half an emoji", "ok\uD83D", "`ok\uFFFD`"],
  ])("puts %s inside one span", (_name, input, expected) => {
    // Act
    const span = codeSpan(input, 100);
    // Assess
    expect(span).toBe(expected);
  });

  it("cuts inside the span and keeps it closed", () => {
    // Act
    const span = codeSpan(`${"x".repeat(50)}*`, 20);
    // Assess
    expect(span).toBe(`\`${"x".repeat(12)}${CUT_MARKER}\``);
  });

  it("is one closed span within its maximum, or a dash, whatever the text", () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 0, max: 80 }), (s, max) => {
        // Act
        const span = codeSpan(s, max);
        // Assess
        if (span !== "—") {
          expect(span).toMatch(/^`[^`\n]+`$/);
          expect(span.length).toBeLessThanOrEqual(max);
          expect(span).not.toMatch(/^` | `$/);
        }
        expect(span).not.toMatch(/[<>]/);
        expect(span).not.toMatch(LONE_SURROGATE);
        expect(span).not.toMatch(INVISIBLE);
      }),
    );
  });
});

describe("neutralizeFormatting", () => {
  it("replaces every mrkdwn formatting character and emoji-code colon with a look-alike of the same length", () => {
    fc.assert(
      fc.property(hostileText, (s) => {
        // Act
        const neutral = neutralizeFormatting(s);
        // Assess
        expect(neutral).not.toMatch(/[*_~`:]/);
        expect(neutral).toHaveLength(s.length);
      }),
    );
  });

  it("turns a forged banner and an emoji code into inert text", () => {
    // Act
    const neutral = neutralizeFormatting("*✅ Approved* _change_ ~x~ `y` :ok:");
    // Assess
    expect(neutral).toBe("∗✅ Approved∗ ˍchangeˍ ∼x∼ ˋyˋ ∶ok∶");
  });
});

describe("dropInvisible", () => {
  it.each([
    ["an Arabic letter mark", "\u061C"],
    ["a Mongolian vowel separator", "\u180E"],
    ["a soft hyphen", "\u00AD"],
    ["tag characters", "\u{E0000}\u{E0041}\u{E007F}"],
    ["a combining grapheme joiner", "\u034F"],
    ["Hangul fillers", "\u115F\u1160\u3164\uFFA0"],
    ["variation selectors", "\uFE0F\u{E0100}"],
    ["zero-width characters", "\u200B\u200C\u200D\u2060\uFEFF"],
    ["bidirectional controls", "\u200E\u202A\u202E\u2066\u2069"],
    ["interlinear annotation controls", "\uFFF9\uFFFA\uFFFB"],
  ])("removes %s", (_name, hidden) => {
    // Act
    const visible = dropInvisible(`ad${hidden}min`);
    // Assess
    expect(visible).toBe("admin");
  });

  it("keeps visible text, emoji and spaces", () => {
    // Act
    const visible = dropInvisible("crème brûlée 🔥 a\u00A0b");
    // Assess
    expect(visible).toBe("crème brûlée 🔥 a\u00A0b");
  });
});

describe("wellFormed", () => {
  it.each([
    ["a first half alone", "a\uD83Db", "a\uFFFDb"],
    ["a second half alone", "a\uDE00b", "a\uFFFDb"],
    ["halves in the wrong order", "\uDE00\uD83D", "\uFFFD\uFFFD"],
    ["a whole pair", "a😀b", "a😀b"],
  ])("repairs %s", (_name, input, expected) => {
    // Act
    const repaired = wellFormed(input);
    // Assess
    expect(repaired).toBe(expected);
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

  it.each([
    ["a flag", "🇫🇷".repeat(10), 12, `🇫🇷${CUT_MARKER}`],
    ["an emoji with a skin tone", "👍🏽".repeat(10), 12, `👍🏽${CUT_MARKER}`],
    ["a family emoji", "👨‍👩‍👧".repeat(4), 16, `👨‍👩‍👧${CUT_MARKER}`],
    ["a letter with its accent", "e\u0301".repeat(10), 9, `e\u0301${CUT_MARKER}`],
  ])("never splits %s", (_name, input, max, expected) => {
    // Act
    const capped = capText(input, max);
    // Assess
    expect(capped).toBe(expected);
  });

  it("repairs a lone surrogate it is given, cut or not", () => {
    // Act
    const short = capText("ok\uD83D", 20);
    const cut = capText(`\uDE00${"a".repeat(30)}`, 10);
    // Assess
    expect(short).toBe("ok\uFFFD");
    expect(cut).toBe(`\uFFFDaaa${CUT_MARKER}`);
  });

  it("keeps whole grapheme clusters of the input, within any maximum", () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 0, max: 60 }), (s, max) => {
        // Act
        const capped = capText(s, max);
        // Assess
        expect(capped.length).toBeLessThanOrEqual(Math.max(0, max));
        expect(capped).not.toMatch(LONE_SURROGATE);
        const kept = capped.endsWith(CUT_MARKER) && capped !== wellFormed(s) ? capped.slice(0, -CUT_MARKER.length) : capped;
        const whole = graphemes(wellFormed(s));
        const keptGraphemes = graphemes(kept);
        expect(whole.slice(0, keptGraphemes.length)).toEqual(keptGraphemes);
      }),
    );
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

  it("removes the invisible characters that used to get through", () => {
    // Act
    const line = singleLine("ad\u061Cm\u180Ei\u00ADn\u{E0041}\u{E0042}\u3164");
    // Assess
    expect(line).toBe("admin");
  });

  it("repairs half an emoji", () => {
    // Act
    const line = singleLine("cut here \uD83D");
    // Assess
    expect(line).toBe("cut here \uFFFD");
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
          // No detector makes such a condition, but a stored incident is outside data to the renderer.
          condition: s as Condition,
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
