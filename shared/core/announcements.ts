import type { RemediationRecordOutcome } from "./types";

/**
 * The vocabulary of announcements an incident keeps with it (why a notification goes out, the transition
 * it announces, a remediation note, the chat message standing for it). notifications.ts builds messages
 * from incidents; the incident model needs only these words, so it imports them from here.
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
