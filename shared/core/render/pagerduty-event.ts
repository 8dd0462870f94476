import type { MessageGroup } from "../notifications";
import type { Severity } from "../types";
import { consoleLinks } from "./console-links";
import { capText, dropInvisible, singleLine } from "./escape-mrkdwn";

/**
 * The PagerDuty Events API v2 rendering of one incident's notification (without the routing key,
 * which the notifier adds from its secret): `trigger` on opening and escalation, `resolve` on
 * resolution, and `dedup_key` = the incident id, so PagerDuty and mq-sentinel agree on one incident
 * (a repeated trigger updates PagerDuty's alert instead of opening another).
 */

/** Events API v2 limits: `summary` up to 1,024 characters, `dedup_key` up to 255, an event up to 512 KB. */
export const PAGERDUTY_LIMITS = { summary: 1024, dedupKey: 255, source: 255, detail: 1000 } as const;

/** PagerDuty's severities: mq-sentinel's three levels map onto three of its four (it has no `error` level of its own). */
export type PagerDutySeverity = "critical" | "error" | "warning" | "info";

/** mq-sentinel severity to PagerDuty severity. */
export const PAGERDUTY_SEVERITY: Readonly<Record<Severity, PagerDutySeverity>> = {
  critical: "critical",
  warning: "warning",
  info: "info",
};

/** The transitions PagerDuty takes: an opening or escalation pages (`trigger`), a resolution resolves. */
export const PAGERDUTY_TRANSITIONS: ReadonlySet<MessageGroup["transition"]> = new Set(["opened", "escalated", "resolved"]);

/** An Events API v2 event without its `routing_key`. */
export interface PagerDutyEvent {
  event_action: "trigger" | "resolve";
  dedup_key: string;
  /** Present on `trigger`. */
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp?: string;
    component?: string;
    group: string;
    class: string;
    custom_details: Record<string, string | number | boolean | null>;
  };
  links?: { href: string; text: string }[];
  client?: string;
}

/**
 * The event of a one-incident message group (the PagerDuty lane groups per incident). Outside strings
 * (broker and queue names, CloudTrail values in summaries) are JSON data in PagerDuty: they lose only
 * invisible controls and are capped.
 */
export function renderPagerDutyEvent(group: MessageGroup): PagerDutyEvent {
  const item = group.items[0];
  if (!item || group.items.length !== 1) throw new Error(`a PagerDuty event is about one incident, not ${group.items.length}`);
  const incident = item.incident;
  const dedupKey = capText(incident.id, PAGERDUTY_LIMITS.dedupKey, "");
  if (group.transition === "resolved") return { event_action: "resolve", dedup_key: dedupKey };
  const clean = (text: string, max: number) => capText(singleLine(dropInvisible(text)), max);
  const where = incident.resource ? `${incident.broker} / ${incident.resource}` : incident.broker;
  const details: Record<string, string | number | boolean | null> = {
    fingerprint: clean(incident.fingerprint, PAGERDUTY_LIMITS.detail),
    condition: clean(incident.condition, PAGERDUTY_LIMITS.detail),
    peak_severity: incident.peakSeverity,
    ...(item.previousSeverity ? { previous_severity: item.previousSeverity } : {}),
  };
  for (const [key, value] of Object.entries(incident.evidence)) {
    details[`evidence.${clean(key, 100)}`] = typeof value === "string" ? clean(value, PAGERDUTY_LIMITS.detail) : value;
  }
  return {
    event_action: "trigger",
    dedup_key: dedupKey,
    payload: {
      summary: clean(`[${incident.severity}] ${incident.kind} on ${where}: ${incident.summary}`, PAGERDUTY_LIMITS.summary),
      source: clean(incident.broker === "*" ? `aws account ${group.context.accountId || "?"}` : incident.broker, PAGERDUTY_LIMITS.source),
      severity: PAGERDUTY_SEVERITY[incident.severity],
      ...(incident.openedAt !== null ? { timestamp: new Date(incident.openedAt).toISOString() } : {}),
      ...(incident.resource ? { component: clean(incident.resource, PAGERDUTY_LIMITS.source) } : {}),
      group: clean(incident.broker, PAGERDUTY_LIMITS.source),
      class: incident.kind,
      custom_details: details,
    },
    links: consoleLinks(incident, group.context).map((l) => ({ href: l.url, text: l.label })),
    client: "mq-sentinel",
  };
}
