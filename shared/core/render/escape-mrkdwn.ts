/**
 * Making outside text safe for Slack mrkdwn. Every string that reaches a message from outside
 * (CloudTrail fields, queue and broker names, summaries built from them) is attacker-controlled
 * (DESIGN.md "API activity"): it must never form a mention, a channel link or a link, and never
 * shape the message (DESIGN.md §1: mrkdwn has no escape character for `*`, `_`, `~`, a backtick or
 * a leading `>`), so it goes into a code span ({@link codeSpan}) or a `plain_text` object.
 */

/** The marker that ends a string cut to fit a limit, so a reader sees that something is missing. */
export const CUT_MARKER = "…[cut]";

/**
 * What stands in for a backtick inside a code span: U+02CB MODIFIER LETTER GRAVE ACCENT looks
 * like one, and mrkdwn has no way to put a real one inside a span (it would close it).
 */
export const BACKTICK_LOOKALIKE = "ˋ";

/**
 * Escapes `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;`: the only escaping Slack's formatting
 * reference asks for ("You shouldn't HTML entity-encode the entire text"). Without a `<` no outside
 * string can open a mention (`<!channel>`, `<!here>`, `<@U…>`, `<!subteam^…>`), a channel link
 * (`<#C…>`), a date token or a link (`<url|text>`); `&` is escaped so text that already looks
 * escaped (`&lt;`) shows as it was written instead of turning into a `<`. This alone does not stop
 * formatting: see {@link codeSpan}.
 *
 * With `max`, the escaped result is at most `max` characters and ends with {@link CUT_MARKER} when
 * it was cut; the cut never splits an entity or a character (see {@link capText}).
 */
export function escapeMrkdwn(text: string, max = Number.POSITIVE_INFINITY): string {
  const escaped = wellFormed(text).replace(/[&<>]/g, (c) => ENTITIES[c] as string);
  if (escaped.length <= max) return escaped;
  const room = max - CUT_MARKER.length;
  if (room < 0) return "";
  // Every `&` left in the escaped text opens an entity: one without its `;` was cut.
  return escaped.slice(0, graphemeStart(escaped, room)).replace(/&[a-z]{0,4}$/, "") + CUT_MARKER;
}

const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/**
 * Outside text as one inline mrkdwn code span of at most `max` characters, backticks included:
 * inside a span Slack applies no bold, italics, strike, quote or emoji code (`:white_check_mark:`),
 * so the text shows as written. It is made one line first ({@link singleLine}, a span cannot cross
 * a line), URL schemes are broken ({@link defangUrls}), `&<>` escaped (a span does not stop Slack's
 * `<…>` parsing), backticks replaced by {@link BACKTICK_LOOKALIKE} (the only way out of a span) and
 * the ends trimmed (a span that opens or closes on a space may not be read as one). Empty: `—`.
 */
export function codeSpan(text: string, max: number): string {
  const inner = defangUrls(singleLine(text)).replace(/`/g, BACKTICK_LOOKALIKE).trim();
  if (inner === "") return "—";
  const escaped = escapeMrkdwn(inner, Math.max(0, max - 2));
  // A cut can leave a space before the marker; nothing else can end or start a span with one.
  return escaped === "" ? "—" : `\`${escaped}\``;
}

/**
 * Look-alikes for every mrkdwn formatting character, for outside text in a place that cannot hold a
 * code span (the top-level `text` of a webhook, which Slack parses as mrkdwn for notifications):
 * `*` → `∗` (U+2217), `_` → `ˍ` (U+02CD), `~` → `∼` (U+223C), a backtick → `ˋ` (U+02CB) and `:` → `∶`
 * (U+2236, so no `:emoji:` code forms). Each is one UTF-16 unit, so lengths and caps do not change.
 * `>` is already `&gt;` after {@link escapeMrkdwn}.
 */
export function neutralizeFormatting(text: string): string {
  return text.replace(/[*_~`:]/g, (c) => LOOKALIKES[c] as string);
}

const LOOKALIKES: Readonly<Record<string, string>> = { "*": "∗", _: "ˍ", "~": "∼", "`": BACKTICK_LOOKALIKE, ":": "∶" };

/**
 * Cuts `text` to at most `max` UTF-16 code units (Slack's and SNS's limits count characters; code
 * units are never fewer), ending with `marker` when it was cut. The cut falls between grapheme
 * clusters (what a reader sees as one character: an emoji with its skin tone, a flag, a letter with
 * its accents), so it never leaves half an emoji, and never a lone surrogate: lone surrogates
 * already in `text` become U+FFFD.
 */
export function capText(text: string, max: number, marker: string = CUT_MARKER): string {
  const whole = wellFormed(text);
  if (whole.length <= max) return whole;
  if (max <= 0) return "";
  const withMarker = marker.length <= max;
  const room = withMarker ? max - marker.length : max;
  const kept = whole.slice(0, graphemeStart(whole, room));
  return withMarker ? kept + marker : kept;
}

/**
 * The start of the grapheme cluster that holds code unit `index` of a well-formed `text`: the last
 * place at or before `index` where a cut splits nothing. `containing` asks ICU for the boundary
 * around one position instead of walking the text cluster by cluster (a walk to the cut of a
 * 4,000-character summary took tens of milliseconds; `containing`, well under one). Intl.Segmenter is in every Node.js runtime Lambda offers
 * (full ICU); where it is missing, the fallback only keeps surrogate pairs whole.
 */
function graphemeStart(text: string, index: number): number {
  if (index <= 0) return 0;
  if (index >= text.length) return text.length;
  if (SEGMENTER) return SEGMENTER.segment(text).containing(index)?.index ?? index;
  const unit = text.charCodeAt(index);
  return unit >= 0xdc00 && unit <= 0xdfff ? index - 1 : index;
}

const SEGMENTER = typeof Intl.Segmenter === "function" ? new Intl.Segmenter("en", { granularity: "grapheme" }) : null;

/**
 * Lone surrogates (half of an emoji, left by a cut elsewhere, e.g. a `.slice` on a CloudTrail
 * field) become U+FFFD: Slack and SNS take UTF-8, which cannot encode them.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Removes characters that show as nothing: Unicode's Default_Ignorable_Code_Point set — zero-width
 * space and joiners (U+200B–200F), bidirectional controls (U+061C, U+202A–202E, U+2066–2069), word
 * joiner and invisible operators (U+2060–2064), U+FEFF, the soft hyphen U+00AD, U+034F, U+180E and
 * the Mongolian selectors, the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) that make a name look
 * blank, tag characters (U+E0000–E007F, which hide ASCII text) and variation selectors (U+FE00–FE0F,
 * U+E0100–E01EF, which can smuggle bytes; without one an emoji shows in its default style, a small
 * price for outside text) — plus the interlinear annotation controls U+FFF9–FFFB, which can hide
 * text too. A hidden character lets outside text look like something it is not (`admin` with a
 * zero-width space, a U+202E right-to-left override reordering what a reader sees).
 */
export function dropInvisible(text: string): string {
  return text.replace(INVISIBLE, "");
}

const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\uFFF9-\uFFFB]/gu;

/**
 * One line of visible text: lone surrogates repaired ({@link wellFormed}), control characters and
 * line breaks become spaces, invisible characters are removed ({@link dropInvisible}). Outside text
 * cannot then fake a line of our own ("Remediation: approved") or reorder what a reader sees.
 */
export function singleLine(text: string): string {
  return dropInvisible(
    wellFormed(text)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " "),
  ).replace(/ {2,}/g, " ");
}

/**
 * Breaks the scheme of URLs in outside text (`https://evil.example` → `https[:]//evil.example`), as
 * security tools show an indicator: Slack turns a bare URL into a link in text it parses (a webhook's
 * top-level `text`, a mrkdwn object without `verbatim`), and only our own console URLs may be links.
 */
export function defangUrls(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*):\/\//gi, "$1[:]//");
}
