import type { Incident } from "./incidents";
import type { Severity } from "./types";

/**
 * What people are told, before any channel shapes it: a message group (one broker, one kind of
 * transition, one or more incidents) that the Slack and SNS renderers turn into their payloads.
 */

/** Why a notification goes out (Alertmanager's vocabulary), or `muted` when it does not. */
export const NotifyReason = {
  first: "first",
  changed: "changed",
  repeat: "repeat",
  resolved: "resolved",
  muted: "muted",
} as const;
export type NotifyReason = (typeof NotifyReason)[keyof typeof NotifyReason];

/** The transition a message announces (the replay contract's `transition`). */
export type MessageTransition = "opened" | "updated" | "escalated" | "resolved" | "remediation";

/** A remediation decision to announce (guarded reboot: executed, dry-run or blocked, and why). */
export interface RemediationNote {
  action: "reboot-broker";
  outcome: "executed" | "dry-run" | "blocked" | "verified" | "escalated";
  reason: string;
}

/** One incident in a message. */
export interface NotificationItem {
  incident: Incident;
  reason: Exclude<NotifyReason, "muted">;
  /** The severity before an `updated`/`escalated` change. */
  previousSeverity?: Severity;
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
