import type { RouteConfig } from "./config";
import type { IncidentKind, Severity } from "./types";

/**
 * Per-team routing (`notifications.routes`): every incident goes to exactly one route, the first whose
 * conditions all hold (broker tags, kind, severity), else the default route (the deployment's own Slack
 * webhook and SNS topic). Pure: the caller supplies the broker's tags.
 */

/** The route of incidents no configured route matches. */
export const DEFAULT_ROUTE = "default";

/** What a route is matched on. `tags` null: the broker's tags are not known (account-wide incidents, API events). */
export interface RouteFacts {
  kind: IncidentKind;
  severity: Severity;
  tags: Readonly<Record<string, string>> | null;
}

/** Destination channel kinds a route can name. */
export type DestinationKind = "slack" | "sns" | "pagerduty";

/**
 * The channel name of a route's destination: `<kind>:<SSM parameter name or topic ARN>`. The outbox
 * keeps one delivery state per channel name, so each destination is a lane of its own. The default
 * route's channels are plain `slack` and `sns` (as before routes existed).
 */
export function destinationChannel(kind: DestinationKind, ref: string): string {
  return `${kind}:${ref}`;
}

/** The kind of a channel name (`slack`, `sns`, `pagerduty`, `log`): the part before the first colon. */
export function channelKind(channel: string): string {
  const colon = channel.indexOf(":");
  return colon < 0 ? channel : channel.slice(0, colon);
}

/** True for the channel of a route's destination (as opposed to a default-route channel). */
export function isRouteChannel(channel: string): boolean {
  return channel.includes(":");
}

/** Every destination channel a route names, in order: Slack, SNS, PagerDuty. */
export function routeChannels(route: RouteConfig): string[] {
  return [
    ...route.slack.map((p) => destinationChannel("slack", p)),
    ...route.sns.map((t) => destinationChannel("sns", t)),
    ...route.pagerduty.map((p) => destinationChannel("pagerduty", p)),
  ];
}

/** True when every condition the route gives holds for these facts. Unknown tags never match a tag condition. */
export function routeMatches(route: RouteConfig, facts: RouteFacts): boolean {
  const { tags, kinds, severities } = route.match;
  if (kinds && !kinds.includes(facts.kind)) return false;
  if (severities && !severities.includes(facts.severity)) return false;
  if (tags) {
    const entries = Object.entries(tags);
    if (entries.length > 0 && facts.tags === null) return false;
    for (const [key, value] of entries) if (facts.tags?.[key] !== value) return false;
  }
  return true;
}

/** The name of the first route that matches, else {@link DEFAULT_ROUTE}. */
export function chooseRoute(routes: readonly RouteConfig[], facts: RouteFacts): string {
  return routes.find((r) => routeMatches(r, facts))?.name ?? DEFAULT_ROUTE;
}

/** The destination channels of a route by name; null for the default route, or a name no route has any more. */
export function channelsOfRoute(routes: readonly RouteConfig[], name: string): string[] | null {
  const route = routes.find((r) => r.name === name);
  return route ? routeChannels(route) : null;
}
