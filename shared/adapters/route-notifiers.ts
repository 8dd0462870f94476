import type { RouteConfig } from "../core/config";
import type { MessageTransition } from "../core/notifications";
import { destinationChannel } from "../core/routing";
import type { Notifier } from "../ports";

/** Builds the notifier of one route destination (its SSM parameter name or topic ARN). */
export interface DestinationFactories {
  slack(parameterName: string): Notifier;
  sns(topicArn: string): Notifier;
  pagerduty(channel: string, parameterName: string): Notifier;
}

/**
 * One notifier per destination the routes name (a destination named by several routes is built once),
 * each under its channel name (`slack:<parameter>`, `sns:<topic ARN>`, `pagerduty:<parameter>`), so
 * the outbox keeps a delivery state and a lane per destination.
 */
export function routeNotifiers(routes: readonly RouteConfig[], make: DestinationFactories): Notifier[] {
  const built = new Map<string, Notifier>();
  for (const route of routes) {
    for (const p of route.slack) {
      const channel = destinationChannel("slack", p);
      if (!built.has(channel)) built.set(channel, named(make.slack(p), channel));
    }
    for (const t of route.sns) {
      const channel = destinationChannel("sns", t);
      if (!built.has(channel)) built.set(channel, named(make.sns(t), channel));
    }
    for (const p of route.pagerduty) {
      const channel = destinationChannel("pagerduty", p);
      if (!built.has(channel)) built.set(channel, make.pagerduty(channel, p));
    }
  }
  return [...built.values()];
}

/** A notifier under another channel name (the Slack and SNS notifiers name themselves `slack` and `sns`). */
function named(notifier: Notifier, name: string): Notifier {
  if (notifier.name === name) return notifier;
  return {
    name,
    ...(notifier.perIncident ? { perIncident: true } : {}),
    ...(notifier.carries ? { carries: (t: MessageTransition) => notifier.carries?.(t) ?? true } : {}),
    send: (group) => notifier.send(group),
  };
}
