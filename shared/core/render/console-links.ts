import type { Incident } from "../incidents";
import type { MessageContext } from "../notifications";
import { splitBrokerName } from "../regions";
import { IncidentKind } from "../types";
import { wellFormed } from "./escape-mrkdwn";

/**
 * AWS console links for an incident: the Amazon MQ broker page, the broker's CloudWatch metrics and,
 * for API incidents, CloudTrail event history. Every value from outside (a broker name or id, an
 * event id) is percent-encoded into the URL, never pasted raw, so it cannot end the URL, add a
 * parameter or, in Slack's `<url|label>` syntax, close the link and open another.
 */

/** A console page: a stable id (the key in SNS messages), a label for a reader, the URL. */
export interface ConsoleLink {
  id: "broker" | "brokers" | "metrics" | "cloudTrail" | "event";
  label: string;
  url: string;
}

/** The commercial partition's console (`<region>.console.aws.amazon.com`); other partitions get no links. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const CLOUDTRAIL_EVENT_SOURCE = "amazonmq.amazonaws.com";
const API_KINDS: readonly IncidentKind[] = [IncidentKind.unauthorizedApi, IncidentKind.riskyChange];

/**
 * The Amazon MQ console page of a broker, or the broker list when its id is unknown.
 * Null when `region` is not a commercial AWS region name.
 */
export function brokerConsoleUrl(region: string, brokerId: string | null | undefined): string | null {
  return consoleUrl(region, "amazon-mq", brokerId ? `/brokers/details?id=${encodeValue(brokerId)}` : "/brokers");
}

/**
 * CloudWatch metrics in the `AWS/AmazonMQ` namespace, searched for the broker name (which matches
 * its ActiveMQ nodes `<name>-1` and `<name>-2` too); the whole namespace when there is no broker.
 */
export function brokerMetricsUrl(region: string, brokerName: string | null): string | null {
  const search = brokerName ? `search=${encodeValue(brokerName)};` : "";
  return consoleUrl(region, "cloudwatch", `metricsV2:graph=~();${search}namespace=AWS/AmazonMQ`);
}

/** CloudTrail event history filtered on Amazon MQ calls, or one event when its id is given. */
export function cloudTrailUrl(region: string, eventId?: string | null): string | null {
  return consoleUrl(region, "cloudtrailv2", eventId ? `/events/${encodeValue(eventId)}` : `/events?EventSource=${CLOUDTRAIL_EVENT_SOURCE}`);
}

/**
 * The links that help with an incident: the broker page (or broker list), then the broker's metrics
 * for metric incidents, or CloudTrail history (and the event itself, when known) for API incidents.
 */
export function consoleLinks(incident: Pick<Incident, "kind" | "broker" | "evidence">, context: MessageContext): ConsoleLink[] {
  const qualified = incident.broker === "*" ? null : incident.broker;
  const brokerId = qualified === null ? null : Object.hasOwn(context.brokerIds, qualified) ? context.brokerIds[qualified] : null;
  // A broker of another region than the deployment's is named `<region>/<name>`: its console is there.
  const split = qualified === null ? null : splitBrokerName(qualified);
  const region = split?.region ?? context.region;
  const broker = split?.name ?? null;
  const links: (ConsoleLink | null)[] = [
    brokerId ? link("broker", "Broker", brokerConsoleUrl(region, brokerId)) : link("brokers", "Brokers", brokerConsoleUrl(region, null)),
  ];
  if (API_KINDS.includes(incident.kind)) {
    links.push(link("cloudTrail", "CloudTrail", cloudTrailUrl(region)));
    const eventId = incident.evidence.cloudTrailEventId;
    if (typeof eventId === "string" && eventId) links.push(link("event", "Event", cloudTrailUrl(region, eventId)));
  } else {
    links.push(link("metrics", "Metrics", brokerMetricsUrl(region, broker)));
  }
  return links.filter((l): l is ConsoleLink => l !== null);
}

function link(id: ConsoleLink["id"], label: string, url: string | null): ConsoleLink | null {
  return url === null ? null : { id, label, url };
}

function consoleUrl(region: string, service: string, fragment: string): string | null {
  if (!REGION.test(region)) return null;
  const url = new URL(`https://${region}.console.aws.amazon.com/${service}/home`);
  url.searchParams.set("region", region);
  url.hash = fragment;
  return url.href;
}

/**
 * `encodeURIComponent`, plus the characters it leaves alone that the console's fragment syntax
 * gives a meaning to (`~`, `'`, `(`, `)`, `!`, `*`: CloudWatch's graph notation). A lone surrogate,
 * on which `encodeURIComponent` throws, becomes U+FFFD.
 */
function encodeValue(value: string): string {
  return encodeURIComponent(wellFormed(value)).replace(/[~'()!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
