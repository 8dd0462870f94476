import { XMLParser, XMLValidator } from "fast-xml-parser";

/**
 * Reads what the posture checks need from an Amazon MQ for ActiveMQ configuration (the decoded XML of a
 * configuration revision): how destinations are authorized and whether concurrent store and dispatch is on
 * for queues. Configurations come from whoever may call UpdateConfiguration, so the reader treats them as
 * untrusted: it never throws, never expands entities and bounds the size it reads.
 */

/** One `authorizationEntry` of an ActiveMQ authorization map: who may read, write and administer what. */
export interface AuthorizationEntry {
  /** The `queue` pattern (`>`, `orders.>`, comma-separated for several), or null when the entry has none. */
  queue: string | null;
  /** The `topic` pattern, or null when the entry has none. */
  topic: string | null;
  /** Group names, as written (comma-separated in the XML). */
  read: readonly string[];
  write: readonly string[];
  admin: readonly string[];
  /** True for the map's `defaultEntry`, which covers every destination no other entry matches. */
  isDefault: boolean;
}

/** How destinations are authorized: an `authorizationMap`, a `cachedLDAPAuthorizationMap`, or not at all. */
export type AuthorizationKind = "map" | "ldap" | "none";

/** A configuration the reader understood, or why it could not. */
export type ActiveMqConfiguration =
  | {
      ok: true;
      authorization: AuthorizationKind;
      /** The entries of the `authorizationMap` (empty for LDAP or no authorization). */
      entries: AuthorizationEntry[];
      /**
       * The effective `concurrentStoreAndDispatchQueues`: ActiveMQ defaults it to true on the kahaDB
       * persistence adapter, so it is false only when every kahaDB element sets it to false.
       */
      concurrentStoreAndDispatchQueues: boolean;
    }
  | { ok: false; error: string };

/**
 * Largest configuration read, in characters. Real broker configurations are a few kilobytes; thousands of
 * authorization entries still fit far below this, and the bound keeps a hostile revision from stalling the audit.
 */
export const MAX_CONFIGURATION_CHARS = 2_000_000;

/** Longest parser message quoted in an error (parser messages can quote the offending input). */
const MAX_DETAIL_CHARS = 160;

/** A parsed element, after namespace prefixes are removed (`amq:broker` reads as `broker`). */
interface XmlElement {
  name: string;
  attributes: Readonly<Record<string, string>>;
  children: readonly XmlElement[];
}

/** fast-xml-parser's `preserveOrder` output: one key per node (the tag name) plus `:@` for attributes. */
type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  removeNSPrefix: true,
  // Entities are never expanded (no billion laughs); the five predefined ones are decoded by hand below.
  processEntities: false,
  parseAttributeValue: false,
  parseTagValue: false,
});

/** Reads an ActiveMQ configuration; an unreadable one comes back as `{ ok: false, error }`, never as a throw. */
export function readActiveMqConfiguration(xml: string): ActiveMqConfiguration {
  try {
    const broker = parseBroker(xml);
    if (typeof broker === "string") return { ok: false, error: broker };
    const authorization = readAuthorization(broker);
    return { ok: true, ...authorization, concurrentStoreAndDispatchQueues: readConcurrentStoreAndDispatch(broker) };
  } catch (error) {
    // The parser throws on input the validator let through (nesting deeper than its limit, for one).
    return { ok: false, error: `not readable XML (${clean(error instanceof Error ? error.message : String(error))})` };
  }
}

/** The `<broker>` root element, or why there is none. */
function parseBroker(xml: string): XmlElement | string {
  if (typeof xml !== "string") return "not text";
  if (xml.length > MAX_CONFIGURATION_CHARS) {
    return `too large (${xml.length} characters; the audit reads at most ${MAX_CONFIGURATION_CHARS})`;
  }
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    return `not well-formed XML (line ${line}${col ? `, column ${col}` : ""}: ${clean(msg)})`;
  }
  // A DOCTYPE can declare entities that change what the broker reads; they are never expanded here,
  // so a configuration that declares one is not judged rather than judged on text the broker never sees.
  if (xml.includes("<!DOCTYPE")) return "has a DOCTYPE declaration, which the audit does not read (entities are never expanded)";
  const roots = toElements(parser.parse(xml) as OrderedNode[]);
  if (roots.length !== 1) return roots.length === 0 ? "has no root element" : `has ${roots.length} root elements, not one <broker>`;
  const [root] = roots as [XmlElement];
  if (root.name !== "broker") return `the root element is <${clean(root.name)}>, not <broker>`;
  return root;
}

/** Element nodes of a `preserveOrder` node list (text, comments and the XML declaration dropped). */
function toElements(nodes: readonly OrderedNode[]): XmlElement[] {
  const out: XmlElement[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((key) => key !== ":@");
    if (name === undefined || name.startsWith("?") || name.startsWith("#")) continue;
    const children = node[name];
    const attributes = (node[":@"] ?? {}) as Record<string, string>;
    out.push({ name, attributes, children: Array.isArray(children) ? toElements(children as OrderedNode[]) : [] });
  }
  return out;
}

/** Child elements with a given (prefix-free) name. */
function childrenNamed(parent: XmlElement, name: string): XmlElement[] {
  return parent.children.filter((child) => child.name === name);
}

/** Elements reached from `from` by following the element names of `path` (every branch). */
function descend(from: XmlElement, ...path: string[]): XmlElement[] {
  let level = [from];
  for (const name of path) level = level.flatMap((element) => childrenNamed(element, name));
  return level;
}

/**
 * The authorization in force. Only the nesting ActiveMQ reads counts:
 * `<broker><plugins><authorizationPlugin><map><authorizationMap>` (or `<cachedLDAPAuthorizationMap>`);
 * an authorization map anywhere else is ignored by the broker, so it is ignored here too.
 */
function readAuthorization(broker: XmlElement): { authorization: AuthorizationKind; entries: AuthorizationEntry[] } {
  const maps = descend(broker, "plugins", "authorizationPlugin", "map");
  const authorizationMaps = maps.flatMap((map) => childrenNamed(map, "authorizationMap"));
  if (authorizationMaps.length > 0) {
    const entries = authorizationMaps.flatMap((map) => [
      ...descend(map, "authorizationEntries", "authorizationEntry").map((e) => toEntry(e, false)),
      ...descend(map, "defaultEntry", "authorizationEntry").map((e) => toEntry(e, true)),
    ]);
    return { authorization: "map", entries };
  }
  const ldap = maps.some((map) => childrenNamed(map, "cachedLDAPAuthorizationMap").length > 0);
  return { authorization: ldap ? "ldap" : "none", entries: [] };
}

function toEntry(element: XmlElement, isDefault: boolean): AuthorizationEntry {
  const attribute = (name: string) => {
    const value = element.attributes[name];
    return value === undefined ? null : decodeEntities(value);
  };
  const groups = (name: string) =>
    (attribute(name) ?? "")
      .split(",")
      .map((group) => group.trim())
      .filter((group) => group !== "");
  return {
    queue: attribute("queue"),
    topic: attribute("topic"),
    read: groups("read"),
    write: groups("write"),
    admin: groups("admin"),
    isDefault,
  };
}

/**
 * The effective `concurrentStoreAndDispatchQueues` over every kahaDB adapter under `<persistenceAdapter>`
 * (including the kahaDB stores of an mKahaDB). Values are read as Spring reads booleans: false, off, no and 0
 * (any case) are false.
 */
function readConcurrentStoreAndDispatch(broker: XmlElement): boolean {
  const kahaDbs = descend(broker, "persistenceAdapter").flatMap((adapter) => elementsNamedWithin(adapter, "kahaDB"));
  if (kahaDbs.length === 0) return true;
  return kahaDbs.some((kahaDb) => {
    const value = kahaDb.attributes.concurrentStoreAndDispatchQueues;
    return value === undefined || !FALSE_WORDS.has(decodeEntities(value).trim().toLowerCase());
  });
}

const FALSE_WORDS = new Set(["false", "off", "no", "0"]);

/** Every element named `name` below `from` (the parser bounds the nesting depth, so the walk is bounded). */
function elementsNamedWithin(from: XmlElement, name: string): XmlElement[] {
  return from.children.flatMap((child) => [...(child.name === name ? [child] : []), ...elementsNamedWithin(child, name)]);
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Decodes the five predefined XML entities and character references; anything else stays as written. */
function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith("#")) {
      const code = ref[1] === "x" ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return PREDEFINED[ref] ?? whole;
  });
}

/** A parser message made safe to quote in one log line: no control characters, bounded length. */
function clean(text: string): string {
  const flat = text.replace(/\p{Cc}+/gu, " ").trim();
  return flat.length > MAX_DETAIL_CHARS ? `${flat.slice(0, MAX_DETAIL_CHARS)}…` : flat;
}
