import { z } from "zod";
import { MINUTE_MS } from "./types";

/**
 * CloudTrail "AWS API Call via CloudTrail" events for Amazon MQ, as EventBridge delivers them.
 * Every string in them is attacker-controlled: the parser tolerates any shape (a field of the
 * wrong type is treated as absent), keeps unknown fields out of the domain object, and caps every
 * string it keeps, so nothing downstream ever holds a 200 KB user agent.
 */

export const AMAZON_MQ_SOURCE = "aws.amazonmq";
export const AMAZON_MQ_EVENT_SOURCE = "amazonmq.amazonaws.com";
export const API_CALL_DETAIL_TYPE = "AWS API Call via CloudTrail";

/** Longest string kept from an event field; request parameters keep shorter ones. */
export const MAX_FIELD_LENGTH = 512;
const MAX_PARAMETER_LENGTH = 256;
const MAX_PARAMETER_DEPTH = 4;
const MAX_PARAMETER_ITEMS = 50;

/** Who made the call (`userIdentity`). */
export interface Principal {
  /**
   * How incidents name the principal (DESIGN.md §3): the ARN, else the principal id, else the AWS
   * service that made the call (`invokedBy`), else `<accountId>:<userName>`, else `unknown`. Empty
   * strings count as absent, so callers without an ARN never share one name.
   */
  key: string;
  arn: string | null;
  principalId: string | null;
  type: string | null;
  accountId: string | null;
  userName: string | null;
  /** For a session (assumed role, federated user): who issued it (`sessionContext.sessionIssuer.arn`). */
  sessionIssuerArn: string | null;
  /**
   * For an assumed-role session: the role's ARN, which stays the same while session names rotate
   * (a burst spread over several sessions is the role's).
   */
  roleArn: string | null;
  /** Set when an AWS service made the call on someone's behalf. */
  invokedBy: string | null;
  isRoot: boolean;
}

/** One Amazon MQ API call, as the detectors see it. */
export interface ApiCall {
  /** The EventBridge event id (delivery is at least once: the idempotency key). */
  eventId: string;
  cloudTrailEventId: string | null;
  /** Epoch ms of the call (`eventTime`, else the envelope time, else null). */
  at: number | null;
  eventName: string;
  errorCode: string | null;
  errorMessage: string | null;
  /** Describe*, List* and Get* calls (or CloudTrail's own `readOnly`). */
  readOnly: boolean;
  principal: Principal;
  recipientAccountId: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  region: string | null;
  /** Request parameters with strings capped and depth limited. */
  requestParameters: Readonly<Record<string, unknown>>;
  /** Response elements (CreateBroker's `brokerId`, ...), capped like the request parameters. */
  responseElements: Readonly<Record<string, unknown>>;
  /**
   * The broker the call names: `requestParameters.brokerId` (or the path parameter's other spelling,
   * `broker-id`), else the broker id in a resource ARN (tag calls), else `responseElements.brokerId`
   * (CreateBroker, whose request cannot know it yet).
   */
  brokerId: string | null;
  /** The resource ARN a tag call names (`requestParameters.resourceArn`). */
  resourceArn: string | null;
}

export type ParsedEvent =
  | { ok: true; call: ApiCall }
  | { ok: false; reason: "malformed" | "not-amazon-mq"; detail: string; eventId: string | null };

/** Caps a string, marking how much was cut. */
export function capString(value: string, max = MAX_FIELD_LENGTH): string {
  return value.length <= max ? value : `${value.slice(0, max)}…[+${value.length - max} chars]`;
}

// An empty (or blank) string is as good as absent: an empty ARN must not name a principal.
const cappedString = z
  .string()
  .transform((s) => (s.trim() === "" ? undefined : capString(s)))
  .optional()
  .catch(undefined);
const object = z.record(z.string(), z.unknown());

const envelopeSchema = z.object({
  id: cappedString,
  "detail-type": cappedString,
  source: cappedString,
  time: cappedString,
  region: cappedString,
  detail: z.unknown(),
});

const identitySchema = z
  .object({
    type: cappedString,
    principalId: cappedString,
    arn: cappedString,
    accountId: cappedString,
    userName: cappedString,
    invokedBy: cappedString,
    sessionContext: z
      .object({
        sessionIssuer: z.object({ arn: cappedString, userName: cappedString, type: cappedString }).optional().catch(undefined),
      })
      .optional()
      .catch(undefined),
  })
  .catch({});

const detailSchema = z.object({
  eventName: z.string().min(1),
  eventSource: cappedString,
  eventTime: cappedString,
  eventID: cappedString,
  errorCode: cappedString,
  errorMessage: cappedString,
  readOnly: z.boolean().optional().catch(undefined),
  sourceIPAddress: cappedString,
  userAgent: cappedString,
  awsRegion: cappedString,
  recipientAccountId: cappedString,
  userIdentity: identitySchema.optional(),
  requestParameters: object.optional().catch(undefined),
  responseElements: object.optional().catch(undefined),
});

/**
 * Parses an EventBridge event. Never throws: malformed input and events of other sources come
 * back as `{ ok: false }` with the reason, for a logged, counted skip.
 */
export function parseApiEvent(raw: unknown): ParsedEvent {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) return { ok: false, reason: "malformed", detail: "not an EventBridge event object", eventId: null };
  const e = envelope.data;
  const eventId = e.id ?? null;
  if (e.source !== undefined && e.source !== AMAZON_MQ_SOURCE) {
    return { ok: false, reason: "not-amazon-mq", detail: `source ${e.source}`, eventId };
  }
  if (e["detail-type"] !== undefined && e["detail-type"] !== API_CALL_DETAIL_TYPE) {
    return { ok: false, reason: "not-amazon-mq", detail: `detail-type ${e["detail-type"]}`, eventId };
  }
  if (e.detail === null || typeof e.detail !== "object" || Array.isArray(e.detail)) {
    return { ok: false, reason: "malformed", detail: "detail is missing or not an object", eventId };
  }
  const detail = detailSchema.safeParse(e.detail);
  if (!detail.success) return { ok: false, reason: "malformed", detail: "detail.eventName is missing or not a string", eventId };
  const d = detail.data;
  if (d.eventSource !== undefined && d.eventSource !== AMAZON_MQ_EVENT_SOURCE) {
    return { ok: false, reason: "not-amazon-mq", detail: `eventSource ${d.eventSource}`, eventId };
  }
  const eventName = capString(d.eventName, 128);
  const requestParameters = capParameters(d.requestParameters ?? {}) as Record<string, unknown>;
  const responseElements = capParameters(d.responseElements ?? {}) as Record<string, unknown>;
  const resourceArn = firstString(requestParameters, RESOURCE_ARN_KEYS);
  const brokerId =
    firstString(requestParameters, BROKER_ID_KEYS) ?? brokerIdOfArn(resourceArn) ?? firstString(responseElements, BROKER_ID_KEYS);
  const id = eventId ?? d.eventID ?? null;
  if (id === null) return { ok: false, reason: "malformed", detail: "no event id (envelope id or detail.eventID)", eventId: null };
  return {
    ok: true,
    call: {
      eventId: id,
      cloudTrailEventId: d.eventID ?? null,
      at: parseTime(d.eventTime) ?? parseTime(e.time),
      eventName,
      errorCode: d.errorCode ?? null,
      errorMessage: d.errorMessage ?? null,
      readOnly: d.readOnly ?? /^(Describe|List|Get)/.test(eventName),
      principal: principalOf(d.userIdentity ?? {}, d.recipientAccountId ?? null),
      recipientAccountId: d.recipientAccountId ?? null,
      sourceIp: d.sourceIPAddress ?? null,
      userAgent: d.userAgent ?? null,
      region: d.awsRegion ?? e.region ?? null,
      requestParameters,
      responseElements,
      brokerId,
      resourceArn,
    },
  };
}

/**
 * The principal of a `userIdentity`. `recipientAccountId` stands in for a missing `accountId` of a
 * user logged by name only: such records come from the account that was called.
 */
function principalOf(identity: z.infer<typeof identitySchema>, recipientAccountId: string | null): Principal {
  const arn = identity.arn ?? null;
  const principalId = identity.principalId ?? null;
  const type = identity.type ?? null;
  const accountId = identity.accountId ?? null;
  const userName = identity.userName ?? null;
  const invokedBy = identity.invokedBy ?? null;
  const issuer = identity.sessionContext?.sessionIssuer;
  const sessionIssuerArn = issuer?.arn ?? null;
  const byName = userName !== null && (accountId ?? recipientAccountId) !== null ? `${accountId ?? recipientAccountId}:${userName}` : null;
  return {
    key: arn ?? principalId ?? invokedBy ?? byName ?? "unknown",
    arn,
    principalId,
    type,
    accountId,
    userName,
    sessionIssuerArn,
    roleArn: sessionIssuerArn !== null && (type === "AssumedRole" || issuer?.type === "Role") ? sessionIssuerArn : null,
    invokedBy,
    isRoot: type === "Root" || /:root$/.test(arn ?? ""),
  };
}

/** Where a request names its broker: the SDK's member name and the REST path parameter's spelling. */
const BROKER_ID_KEYS = ["brokerId", "broker-id", "BrokerId"];
/** Where a tag call names its resource. */
const RESOURCE_ARN_KEYS = ["resourceArn", "resource-arn", "ResourceArn"];
/** `arn:<partition>:mq:<region>:<account>:broker:<name>:<broker id>`. */
const BROKER_ARN = /^arn:aws[a-z-]*:mq:[^:]*:[^:]*:broker:[^:]+:([^:]+)$/;

function firstString(values: Readonly<Record<string, unknown>>, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = values[key];
    if (typeof value === "string" && value.trim() !== "") return value;
  }
  return null;
}

/** The broker id of an Amazon MQ broker ARN, or null for anything else (a configuration ARN, garbage). */
export function brokerIdOfArn(arn: string | null): string | null {
  return arn === null ? null : (BROKER_ARN.exec(arn)?.[1] ?? null);
}

/** The prefix of the tag keys that steer mq-sentinel (`mq-sentinel:ignore`, `mq-sentinel:remediate`). */
export const CONTROL_TAG_PREFIX = "mq-sentinel:";

/** What a tag call did to the keys that steer mq-sentinel. */
export interface ControlTagChange {
  /** Keys CreateTags set, with their values (capped). */
  set: Readonly<Record<string, string>>;
  /** Keys DeleteTags removed. */
  removed: readonly string[];
}

/**
 * The `mq-sentinel:*` keys a successful CreateTags (`tags`, a map) or DeleteTags (`tagKeys`, a list,
 * or a comma-separated query string) changed, or null when the call changed none. Keys are matched
 * case-sensitively, as Amazon MQ stores them and as mq-sentinel reads them.
 */
export function controlTagChangeOf(call: Pick<ApiCall, "eventName" | "errorCode" | "requestParameters">): ControlTagChange | null {
  if (call.errorCode) return null;
  const p = call.requestParameters;
  if (call.eventName === "CreateTags") {
    const tags = p.tags;
    if (tags === null || typeof tags !== "object" || Array.isArray(tags)) return null;
    const set: Record<string, string> = {};
    for (const [key, value] of Object.entries(tags)) {
      if (key.startsWith(CONTROL_TAG_PREFIX)) set[key] = typeof value === "string" ? value : String(value ?? "");
    }
    return Object.keys(set).length > 0 ? { set, removed: [] } : null;
  }
  if (call.eventName === "DeleteTags") {
    const raw = p.tagKeys ?? p.TagKeys;
    const keys = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",") : [];
    const removed = keys
      .filter((k): k is string => typeof k === "string")
      .map((k) => k.trim())
      .filter((k) => k.startsWith(CONTROL_TAG_PREFIX));
    return removed.length > 0 ? { set: {}, removed: [...new Set(removed)] } : null;
  }
  return null;
}

function parseTime(value: string | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** Request parameters with every string capped, arrays shortened and nesting limited. */
function capParameters(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return capString(value, MAX_PARAMETER_LENGTH);
  if (value === null || typeof value !== "object") return typeof value === "number" || typeof value === "boolean" ? value : null;
  if (depth >= MAX_PARAMETER_DEPTH) return "[nested]";
  if (Array.isArray(value)) return value.slice(0, MAX_PARAMETER_ITEMS).map((v) => capParameters(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value).slice(0, MAX_PARAMETER_ITEMS)) out[capString(k, 64)] = capParameters(v, depth + 1);
  return out;
}

/** True when a call changes something (not Describe*, List* or Get*). */
export function isChange(call: Pick<ApiCall, "eventName" | "readOnly">): boolean {
  return !call.readOnly;
}

/** How far ahead of our clock a call's time may be before it is not believed (clock skew). */
const FUTURE_SKEW_MS = 5 * MINUTE_MS;

/**
 * When the call happened, for windows: its `eventTime` (else the envelope time), or `now` when it has
 * none or claims to be from the future (a time minutes ahead of the clock would hold a window open).
 */
export function callTimeOf(call: Pick<ApiCall, "at">, now: number): number {
  return call.at === null || call.at > now + FUTURE_SKEW_MS ? now : call.at;
}

/** CloudTrail usually reaches EventBridge within about five minutes; later than this, an incident says so. */
export const LATE_EVIDENCE_MINUTES = 5;

/** The words an incident gets when its evidence came late: people must not read it as happening now. */
export function lateNote(lateMinutes: number): string {
  return lateMinutes >= LATE_EVIDENCE_MINUTES ? `; evidence arrived ${lateMinutes} min late` : "";
}
