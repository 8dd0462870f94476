import type { Incident } from "./incidents";
import type { Severity } from "./types";

/**
 * What people are told, before any channel shapes it: a message group (one broker, one kind of
 * transition, one or more incidents) that the Slack and SNS renderers turn into their payloads.
 */
// What an incident carries about its announcements is declared in announcements.ts (the incident model
// needs it, and this module needs the incident model: one direction only).
export {
  type ApprovalPrompt,
  type BlastRadius,
  type ChatMessageRef,
  type MessageTransition,
  NotifyReason,
  type RemediationNote,
} from "./announcements";

import type { MessageTransition, NotifyReason, RemediationNote } from "./announcements";

/** One incident in a message. */
export interface NotificationItem {
  incident: Incident;
  reason: Exclude<NotifyReason, "muted">;
  /** The severity before an `updated`/`escalated` change. */
  previousSeverity?: Severity;
  /** The message says the incident started or stopped flapping. */
  flap?: "started" | "stopped";
  remediation?: RemediationNote;
}

/** Where the account and broker live, for console links. */
export interface MessageContext {
  accountId: string;
  region: string;
  /** Broker id by BrokerName, for the Amazon MQ console link (absent: link to the broker list). */
  brokerIds: Readonly<Record<string, string>>;
}

/** A message: one broker (or `*` for account-wide findings), one transition, its incidents. */
export interface MessageGroup {
  broker: string;
  transition: MessageTransition;
  items: readonly NotificationItem[];
  context: MessageContext;
  /** When the message is sent (epoch ms): "still open for ..." is measured to it. */
  at: number;
}

/** The Slack incoming-webhook payload. */
export interface SlackPayload {
  /** Plain-text fallback (notifications, screen readers). */
  text: string;
  blocks: readonly Record<string, unknown>[];
}

/** The SNS Publish input mq-sentinel builds. */
export interface SnsPayload {
  subject: string;
  /** JSON text: the incidents, their evidence and links. */
  message: string;
  /** Message attributes for subscription filter policies. */
  attributes: {
    severity: Severity;
    /** Every kind in the message (an SNS `String.Array`). */
    kind: readonly string[];
    broker: string;
    /** opened, updated, escalated, resolved or remediation: subscribers may skip some. */
    transition: MessageTransition;
  };
}
