import type { MessageGroup, MessageTransition } from "../core/notifications";
import { PAGERDUTY_TRANSITIONS, renderPagerDutyEvent } from "../core/render/pagerduty-event";
import type { Clock, DeliveryResult, Log, Notifier, SecretSource } from "../ports";
import { httpFailure } from "./delivery-failure";
import { postWithSecret, type SecretDestination } from "./post-with-secret";

/** The Events API v2 endpoint (the EU service region has its own: `https://events.eu.pagerduty.com/v2/enqueue`). */
export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

/** How long one event may take; past it the outbox tries again on a later round (dedup_key makes a repeat harmless). */
export const PAGERDUTY_REQUEST_TIMEOUT_MS = 5_000;

/** The routing key is the secret (it travels in the event): `[routing key]` stands for it in any text kept. */
const EVENTS_API: SecretDestination = { secretName: "PagerDuty routing key", mask: "[routing key]", contentType: "application/json" };

/**
 * `Notifier` for a PagerDuty service's Events API v2 integration: one event per incident (`dedup_key`
 * = incident id), `trigger` on opening and escalation, `resolve` on resolution; one attempt per call
 * (the outbox owns retries). PagerDuty answers 202 with the dedup_key when it accepted the event,
 * 400 for an invalid event (never retried), 429 when the integration is rate limited and 5xx when it
 * is down (both retried). The routing key is a secret (SSM at run time): it is never logged, and is
 * cut out of any answer or error text kept.
 */
export class PagerDutyNotifier implements Notifier {
  readonly perIncident = true;

  constructor(
    /** The channel name (`pagerduty:<SSM parameter name>`). */
    readonly name: string,
    private readonly routingKey: SecretSource,
    private readonly fetchFn: typeof fetch,
    private readonly clock: Clock,
    private readonly log: Log,
    private readonly url: string = PAGERDUTY_EVENTS_URL,
    private readonly requestTimeoutMs: number = PAGERDUTY_REQUEST_TIMEOUT_MS,
  ) {}

  carries(transition: MessageTransition): boolean {
    return PAGERDUTY_TRANSITIONS.has(transition);
  }

  async send(group: MessageGroup): Promise<DeliveryResult> {
    const event = renderPagerDutyEvent(group);
    const posted = await postWithSecret(
      EVENTS_API,
      { secret: this.routingKey, fetchFn: this.fetchFn, timeoutMs: this.requestTimeoutMs },
      (key) => ({ url: this.url, body: JSON.stringify({ routing_key: key, ...event }) }),
      event,
    );
    if ("failure" in posted) return posted.failure;
    const { response, hide } = posted;
    const answer = hide(await response.text().catch(() => "")).slice(0, 500);
    // 202 Accepted is the contract's success; any 2xx is taken as accepted.
    if (response.ok) return { ok: true, body: event };
    const result = httpFailure(response.status, answer, response.headers.get("retry-after"), this.clock.now(), event);
    if (!result.ok && !result.retryable) {
      this.log.error("PagerDuty refused an event for good", {
        status: response.status,
        response: answer,
        broker: group.broker,
        dedupKey: event.dedup_key,
      });
    }
    return result;
  }
}
