import { z } from "zod";

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
  /** How incidents name the principal: the ARN, else the principal id, else `unknown`. */
  key: string;
  arn: string | null;
  principalId: string | null;
  type: string | null;
  accountId: string | null;
  userName: string | null;
  /** For an assumed role: the role's ARN (`sessionContext.sessionIssuer.arn`). */
  sessionIssuerArn: string | null;
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
  /** `requestParameters.brokerId`, when the call names a broker. */
  brokerId: string | null;
}

export type ParsedEvent =
  | { ok: true; call: ApiCall }
  | { ok: false; reason: "malformed" | "not-amazon-mq"; detail: string; eventId: string | null };

/** Caps a string, marking how much was cut. */
export function capString(value: string, max = MAX_FIELD_LENGTH): string {
  return value.length <= max ? value : `${value.slice(0, max)}…[+${value.length - max} chars]`;
}

const cappedString = z
  .string()
  .transform((s) => capString(s))
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
      .object({ sessionIssuer: z.object({ arn: cappedString, userName: cappedString }).optional().catch(undefined) })
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
  const brokerId = typeof requestParameters.brokerId === "string" ? requestParameters.brokerId : null;
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
      principal: principalOf(d.userIdentity ?? {}),
      recipientAccountId: d.recipientAccountId ?? null,
      sourceIp: d.sourceIPAddress ?? null,
      userAgent: d.userAgent ?? null,
      region: d.awsRegion ?? e.region ?? null,
      requestParameters,
      brokerId,
    },
  };
}

function principalOf(identity: z.infer<typeof identitySchema>): Principal {
  const arn = identity.arn ?? null;
  const principalId = identity.principalId ?? null;
  const type = identity.type ?? null;
  return {
    key: arn ?? principalId ?? "unknown",
    arn,
    principalId,
    type,
    accountId: identity.accountId ?? null,
    userName: identity.userName ?? null,
    sessionIssuerArn: identity.sessionContext?.sessionIssuer?.arn ?? null,
    invokedBy: identity.invokedBy ?? null,
    isRoot: type === "Root" || /:root$/.test(arn ?? ""),
  };
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
