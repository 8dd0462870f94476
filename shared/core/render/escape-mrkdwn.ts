/**
 * Making outside text safe for Slack mrkdwn. Every string that reaches a message from outside
 * (CloudTrail fields, queue and broker names, summaries built from them) is attacker-controlled
 * (DESIGN.md "API activity"): it must never form a mention, a channel link or a link.
 */

/** The marker that ends a string cut to fit a limit, so a reader sees that something is missing. */
export const CUT_MARKER = "…[cut]";

/**
 * Escapes `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;`: the only escaping Slack's formatting
 * reference asks for ("You shouldn't HTML entity-encode the entire text"). Without a `<` no outside
 * string can open a mention (`<!channel>`, `<!here>`, `<@U…>`, `<!subteam^…>`), a channel link
 * (`<#C…>`), a date token or a link (`<url|text>`); `&` is escaped so text that already looks
 * escaped (`&lt;`) shows as it was written instead of turning into a `<`.
 *
 * With `max`, the escaped result is at most `max` characters and ends with {@link CUT_MARKER} when
 * it was cut; the cut never splits an entity or a surrogate pair.
 */
export function escapeMrkdwn(text: string, max = Number.POSITIVE_INFINITY): string {
  const escaped = text.replace(/[&<>]/g, (c) => ENTITIES[c] as string);
  if (escaped.length <= max) return escaped;
  const room = max - CUT_MARKER.length;
  if (room < 0) return "";
  let out = "";
  for (const char of text) {
    const piece = ENTITIES[char] ?? char;
    if (out.length + piece.length > room) break;
    out += piece;
  }
  return out + CUT_MARKER;
}

const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/**
 * Cuts `text` to at most `max` UTF-16 code units (Slack's and SNS's limits count characters; code
 * units are never fewer), ending with `marker` when it was cut, without splitting a surrogate pair.
 */
export function capText(text: string, max: number, marker: string = CUT_MARKER): string {
  if (text.length <= max) return text;
  if (max <= 0) return "";
  const withMarker = marker.length <= max;
  const room = withMarker ? max - marker.length : max;
  let out = "";
  for (const char of text) {
    if (out.length + char.length > room) break;
    out += char;
  }
  return withMarker ? out + marker : out;
}

/**
 * One line of visible text: control characters and line breaks become spaces, bidirectional
 * overrides and zero-width characters are removed. Outside text cannot then fake a line of our own
 * ("Remediation: approved") or reorder what a reader sees (U+202E right-to-left override).
 */
export function singleLine(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
      .replace(/[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, "")
      .replace(/ {2,}/g, " ")
  );
}

/**
 * Breaks the scheme of URLs in outside text (`https://evil.example` → `https[:]//evil.example`), as
 * security tools show an indicator: Slack turns a bare URL into a link in text it parses (a webhook's
 * top-level `text`, a mrkdwn object without `verbatim`), and only our own console URLs may be links.
 */
export function defangUrls(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*):\/\//gi, "$1[:]//");
}
