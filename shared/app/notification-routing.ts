import type { Config } from "../core/config";
import type { Incident } from "../core/incidents";
import type { MessageTransition } from "../core/notifications";
import { channelsOfRoute, chooseRoute, DEFAULT_ROUTE, isRouteChannel } from "../core/routing";
import type { Notifier } from "../ports";

/** A broker's tags by BrokerName, where the caller knows them (null: unknown). */
export type BrokerTagsOf = (broker: string) => Readonly<Record<string, string>> | null;

/** What routing a notification needs: every destination built, and the routes. */
export interface RoutingDeps {
  notifiers: readonly Notifier[];
  /** Absent (tests of older call sites): no routes, every incident on the default route. */
  config?: Pick<Config, "notifications">;
}

/**
 * The incident with its route, and the channels a notification of `transition` goes to:
 * 1. no routes configured: every default channel (the deployment's Slack and SNS), as before routes existed
 * 2. the incident's route: the one it has (decided at its first notification), else the first match
 *    on its broker's tags, kind and severity, else the default route; a route since removed from the
 *    configuration is chosen again
 * 3. that route's destinations that carry this transition (PagerDuty: openings, escalations, resolutions)
 */
export function routeNotification(
  deps: RoutingDeps,
  incident: Incident,
  transition: MessageTransition,
  tagsOf?: BrokerTagsOf,
): { incident: Incident; channels: string[] } {
  const carries = (n: Notifier) => n.carries?.(transition) ?? true;
  const routes = deps.config?.notifications.routes ?? [];
  if (routes.length === 0) {
    return { incident, channels: deps.notifiers.filter((n) => !isRouteChannel(n.name) && carries(n)).map((n) => n.name) };
  }
  let route = incident.route;
  if (route === undefined || (route !== DEFAULT_ROUTE && channelsOfRoute(routes, route) === null)) {
    route = chooseRoute(routes, { kind: incident.kind, severity: incident.severity, tags: tagsOf?.(incident.broker) ?? null });
  }
  const wanted = route === DEFAULT_ROUTE ? null : new Set(channelsOfRoute(routes, route));
  const channels = deps.notifiers.filter((n) => (wanted ? wanted.has(n.name) : !isRouteChannel(n.name)) && carries(n)).map((n) => n.name);
  return { incident: incident.route === route ? incident : { ...incident, route }, channels };
}
