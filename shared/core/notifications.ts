import type { Incident } from "./incidents";
import type { RemediationRecordOutcome } from "./remediation-policy";
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

/** What a person deciding on a reboot sees of the broker (from the minute cycle that asked). */
export interface BlastRadius {
  /** Client connections on the broker now. */
  connections: number | null;
  /** Consumers on the broker now. */
  consumers: number | null;
  /** Queues CloudWatch lists for the broker. */
  queues: number | null;
  /** The node publishing metrics (the active one of a pair), and every node. */
  activeNode: string | null;
  nodes: readonly string[];
  /**
   * What takes over during the reboot, in words: the standby of an active/standby pair and whether it
   * is the one waiting (it publishes no metrics while it waits), the other nodes of a cluster, or
   * nothing (a single-instance broker: the reboot is an outage). Absent: not known.
   */
  standby?: string;
}

/** A reboot request put to people (`remediation.mode` approve): what they answer and what they decide on. */
export interface ApprovalPrompt {
  /** The request's id, carried by the Approve and Deny buttons. */
  id: string;
  /** When it expires (epoch ms). */
  expiresAt: number;
  /** Who may answer (Slack user or user-group ids). */
  approvers: readonly string[];
  blastRadius: BlastRadius | null;
  /** Each guard's state when the request was made; every one is checked again on approval. */
  guards: readonly { guard: string; ok: boolean; detail: string }[];
  /** The last reboot mq-sentinel made of this broker and how it went, if any. */
  lastReboot: string | null;
}

/**
 * The Slack message that stands for an incident (Slack app mode): where it is, so every later
 * transition edits it (`chat.update`) and is posted in its thread (`thread_ts`). Stored with the
 * incident in the same write that marks its first notification sent.
 */
export interface ChatMessageRef {
  /** The channel id Slack answered with. */
  channel: string;
  /** The message's `ts`: its id, and the thread's. */
  ts: string;
  /**
   * The reboot request the message's Approve/Deny buttons answer, while it waits: an edit for another
   * transition keeps the buttons until the request is decided or expires.
   */
  approval?: ApprovalPrompt | null;
}

/** A remediation decision to announce (guarded reboot: executed, dry-run or blocked, and why). */
export interface RemediationNote {
  action: "reboot-broker";
  outcome: RemediationRecordOutcome;
  reason: string;
  /** Set on a request that awaits approval: the buttons and what people decide on. */
  approval?: ApprovalPrompt;
}

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
