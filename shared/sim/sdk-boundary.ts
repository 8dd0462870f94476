import { errorTypeRegistries as cloudwatchErrors, GetMetricData$, ListMetrics$ } from "@aws-sdk/client-cloudwatch";
import { DescribeSecurityGroups$, errorTypeRegistries as ec2Errors } from "@aws-sdk/client-ec2";
import {
  DescribeBroker$,
  DescribeConfigurationRevision$,
  ListBrokers$,
  errorTypeRegistries as mqErrors,
  RebootBroker$,
} from "@aws-sdk/client-mq";
import { Publish$, errorTypeRegistries as snsErrors } from "@aws-sdk/client-sns";
import type { HttpResponse } from "@smithy/core/protocols";
import type { HttpRequest } from "@smithy/types";
import { PAGERDUTY_REQUEST_TIMEOUT_MS } from "../adapters/pagerduty-notifier";
import { SLACK_REQUEST_TIMEOUT_MS } from "../adapters/slack-notifier";
import type { Incident } from "../core/incidents";
import type { ActivityRecord, ApiActivityStore, Clock, EventClaim, IncidentStore } from "../ports";
import { type SimulatedAccount, SimulatedServiceError } from "./simulated-account";
import { type ClientProtocol, type ServiceModel, type WireServer, wireServerFor } from "./wire-server";

/**
 * Where the simulated account meets the real AWS SDK clients: at the wire. Each client gets a
 * request handler in place of its HTTP handler; the handler receives the HTTP request the SDK
 * serialized and signed, the simulated service reads it with the SDK's own protocol codecs and
 * schemas, the account answers, and the service writes the HTTP response the SDK then parses. So
 * everything from our adapters to the bytes (serializers, pagination tokens, response parsing,
 * value casing, error deserialization and classification) runs as it does against AWS.
 */

/** The services the simulated account answers, with the SDK's schemas of the operations it implements. */
const SERVICES: Readonly<Record<string, ServiceModel>> = {
  cloudwatch: { operations: [GetMetricData$, ListMetrics$], errors: cloudwatchErrors },
  mq: { operations: [ListBrokers$, DescribeBroker$, DescribeConfigurationRevision$, RebootBroker$], errors: mqErrors },
  ec2: { operations: [DescribeSecurityGroups$], errors: ec2Errors },
  sns: { operations: [Publish$], errors: snsErrors },
};

/** An SDK v3 client, as far as routing it needs: its resolved protocol and request handler. */
export interface RoutableClient {
  config: { protocol: unknown; requestHandler: unknown; cacheMiddleware?: boolean };
}

/**
 * Sends every request of `client` (an SDK v3 client of `service`: cloudwatch, mq, ec2 or sns) to
 * the simulated account over the client's own wire protocol, and returns the client.
 */
export function routeToSimulator<C extends RoutableClient>(client: C, service: string, account: SimulatedAccount): C {
  const model = SERVICES[service];
  if (!model) throw new Error(`the simulated account has no ${service} service`);
  const server = wireServerFor(client.config.protocol as ClientProtocol, model);
  client.config.requestHandler = new SimulatedRequestHandler(service, server, account);
  // The SDK's own option to resolve each command's middleware stack once: the same stack runs, and a
  // replay of thousands of calls does not rebuild it every time.
  client.config.cacheMiddleware = true;
  return client;
}

/** The HTTP handler of a routed client: one simulated service answering over the wire. */
class SimulatedRequestHandler {
  constructor(
    private readonly service: string,
    private readonly server: WireServer,
    private readonly account: SimulatedAccount,
  ) {}

  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const requestId = this.account.nextRequestId();
    try {
      // The services' codecs do their work synchronously: time the calls, not the awaits (other calls' turns).
      const reading = this.wire(() => this.server.readRequest(request));
      const call = await reading;
      const output = await this.account.handle(this.service, call.operation, call.input);
      return { response: this.wire(() => this.server.writeOutput(call, output, requestId)) };
    } catch (error) {
      // The service's answer to a refused request; anything else is a bug of the simulation: let it surface.
      if (!(error instanceof SimulatedServiceError)) throw error;
      return { response: this.wire(() => this.server.writeError(request, error, requestId)) };
    }
  }

  /** Runs the service's side of the wire, counting its time as the simulation's own (`wireMs`). */
  private wire<T>(work: () => T): T {
    const started = performance.now();
    try {
      return work();
    } finally {
      this.account.wireMs += performance.now() - started;
    }
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}

/**
 * The virtual clock: reads the simulation's current minute; waiting returns at once but moves the
 * account's clock within the minute (what the Amazon MQ quota's token bucket refills by).
 */
export function simulatedClock(account: SimulatedAccount): Clock {
  return { now: () => account.nowMs(), sleep: async (ms) => account.advance(ms) };
}

/**
 * The store as the simulated account sees it: the replay keeps incidents in memory, and this
 * wrapper applies the scenario's `dynamodb:*` faults and counts the DynamoDB calls the real store
 * would make (Query for the active incidents, PutItem for each conditional write).
 */
export class SimulatedDynamoDbStore implements IncidentStore {
  constructor(
    private readonly inner: IncidentStore,
    private readonly account: SimulatedAccount,
  ) {}

  async loadActive(): Promise<Incident[]> {
    this.account.countCall("dynamodb:Query");
    this.account.throwIfFaulted("dynamodb:Query");
    return this.inner.loadActive();
  }

  async save(incident: Incident, expectedVersion: number): Promise<boolean> {
    this.account.countCall("dynamodb:PutItem");
    this.account.throwIfFaulted("dynamodb:PutItem");
    return this.inner.save(incident, expectedVersion);
  }

  async get(fingerprint: string): Promise<Incident | null> {
    this.account.countCall("dynamodb:GetItem");
    this.account.throwIfFaulted("dynamodb:GetItem");
    return this.inner.get(fingerprint);
  }

  async loadWithPendingNotifications(): Promise<Incident[]> {
    this.account.countCall("dynamodb:Query");
    this.account.throwIfFaulted("dynamodb:Query");
    return this.inner.loadWithPendingNotifications();
  }
}

/**
 * The API-activity store as the simulated account sees it: kept in memory, with the scenario's
 * `dynamodb:*` faults and the DynamoDB calls the real store would make counted.
 */
export class SimulatedDynamoDbActivityStore implements ApiActivityStore {
  constructor(
    private readonly inner: ApiActivityStore,
    private readonly account: SimulatedAccount,
  ) {}

  async claimEvent(eventId: string, now: number, leaseMs: number): Promise<EventClaim> {
    this.call("dynamodb:PutItem");
    const claim = await this.inner.claimEvent(eventId, now, leaseMs);
    // The real store reads the item when its conditional put loses, to tell done from busy.
    if (claim.status !== "claimed") this.call("dynamodb:GetItem");
    return claim;
  }

  async completeEvent(eventId: string, token: string, now: number): Promise<boolean> {
    this.call("dynamodb:PutItem");
    return this.inner.completeEvent(eventId, token, now);
  }

  async releaseEvent(eventId: string, token: string): Promise<void> {
    this.call("dynamodb:DeleteItem");
    await this.inner.releaseEvent(eventId, token);
  }

  async record(subject: string, entry: ActivityRecord, now: number): Promise<void> {
    this.call("dynamodb:PutItem");
    await this.inner.record(subject, entry, now);
  }

  async since(subject: string, since: number): Promise<ActivityRecord[]> {
    this.call("dynamodb:Query");
    return this.inner.since(subject, since);
  }

  private call(operation: string): void {
    this.account.countCall(operation);
    this.account.throwIfFaulted(operation);
  }
}

/**
 * Counts a call to a simulated HTTP endpoint and returns the scenario's fault on it now, if any. A
 * `hang` accepts the connection and never answers: the client's own timeout (`timeoutMs`) ends the
 * request, spending that much of the invocation, and fetch throws as it does on a timeout.
 */
function endpointFault(
  account: SimulatedAccount,
  operation: string,
  invocation: () => SimulatedInvocation | null,
  timeoutMs: number,
): SimulatedServiceError | null {
  account.countCall(operation);
  try {
    account.throwIfFaulted(operation);
    return null;
  } catch (error) {
    if ((error as Error).name === "hang") {
      invocation()?.spend(timeoutMs);
      throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
    }
    return error as SimulatedServiceError;
  }
}

/** Where the simulated Slack webhook lives; only the simulation ever "receives" this URL. */
export const SIMULATED_WEBHOOK_URL = "https://hooks.slack.invalid/services/SIMULATED";

/**
 * The time one simulated Lambda invocation has left. The virtual clock stands still within a minute,
 * so a call that hangs spends this instead, as it would spend a real invocation's time.
 */
export class SimulatedInvocation {
  private spentMs = 0;

  constructor(
    readonly functionName: string,
    readonly timeoutMs: number,
  ) {}

  spend(ms: number): void {
    this.spentMs += ms;
  }

  remainingMs(): number {
    return Math.max(0, this.timeoutMs - this.spentMs);
  }
}

/**
 * The simulated Slack incoming webhook, as a `fetch`: it accepts every post (the replay records what
 * was delivered from the notifier's result) unless a `slack:webhook` fault makes it answer with that
 * HTTP status (a 429 comes with `Retry-After: 1`), or `hang`: it accepts the connection and never
 * answers, so the notifier's own timeout ends the request, spending that much of the invocation.
 */
export function simulatedSlackWebhook(account: SimulatedAccount, invocation: () => SimulatedInvocation | null = () => null): typeof fetch {
  return async () => {
    const fault = endpointFault(account, "slack:webhook", invocation, SLACK_REQUEST_TIMEOUT_MS);
    if (!fault) return new Response("ok", { status: 200 });
    const status = fault.$metadata.httpStatusCode;
    const headers: Record<string, string> = status === 429 ? { "retry-after": "1" } : {};
    return new Response(status === 429 ? "rate_limited" : "simulated failure", { status, headers });
  };
}

/** The replay's Slack app bot token: the simulated Web API answers `invalid_auth` to any other. */
export const SIMULATED_BOT_TOKEN = "xoxb-replay-simulated";

/**
 * A `fetch` that answers as Slack's Web API does (mode app), for the methods mq-sentinel calls:
 * `chat.postMessage` (a new `ts` per message, `thread_ts` kept), `chat.update` (only a message it
 * posted: else `message_not_found`), `usergroups.users.list` (no groups: an empty list). Every call is
 * counted as `slack:<method>` and checks the `Bearer` token. A fault on `slack:<method>` answers with
 * its error: an HTTP status (a 429 with `Retry-After: 1`), `hang`, or a Slack error code answered as
 * HTTP 200 with `ok: false` (`ratelimited` with `Retry-After: 1`, `channel_not_found`, ...).
 */
export function simulatedSlackWebApi(account: SimulatedAccount, invocation: () => SimulatedInvocation | null = () => null): typeof fetch {
  const posted = new Set<string>();
  let sequence = 0;
  const json = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json", ...headers } });
  return async (input, init) => {
    const method = String(input).split("/").at(-1) ?? "";
    const operation = `slack:${method}`;
    const fault = endpointFault(account, operation, invocation, SLACK_REQUEST_TIMEOUT_MS);
    if (fault) {
      const name = fault.name;
      if (/^\d{3}$/.test(name)) {
        const status = Number(name);
        return new Response(status === 429 ? "" : "simulated failure", { status, headers: status === 429 ? { "retry-after": "1" } : {} });
      }
      return json({ ok: false, error: name }, name === "ratelimited" ? { "retry-after": "1" } : {});
    }
    const headers = new Headers(init?.headers);
    if (headers.get("authorization") !== `Bearer ${SIMULATED_BOT_TOKEN}`) return json({ ok: false, error: "invalid_auth" });
    const text = typeof init?.body === "string" ? init.body : "";
    const args: Record<string, unknown> = headers.get("content-type")?.startsWith("application/json")
      ? (JSON.parse(text) as Record<string, unknown>)
      : Object.fromEntries(new URLSearchParams(text));
    const channel = typeof args.channel === "string" ? args.channel : "";
    switch (method) {
      case "chat.postMessage": {
        if (!channel) return json({ ok: false, error: "channel_not_found" });
        sequence += 1;
        const ts = `${Math.floor(account.nowMs() / 1000)}.${String(sequence).padStart(6, "0")}`;
        posted.add(`${channel}/${ts}`);
        return json({ ok: true, channel, ts, ...(typeof args.thread_ts === "string" ? { thread_ts: args.thread_ts } : {}) });
      }
      case "chat.update":
        if (!posted.has(`${channel}/${String(args.ts)}`)) return json({ ok: false, error: "message_not_found" });
        return json({ ok: true, channel, ts: args.ts });
      case "usergroups.users.list":
        return json({ ok: true, users: [] });
      default:
        return json({ ok: false, error: "unknown_method" });
    }
  };
}

/**
 * The simulated PagerDuty Events API v2, as a `fetch`: it accepts every event with 202 and its
 * `dedup_key` (the replay records what was delivered from the notifier's result) unless a
 * `pagerduty:events` fault makes it answer with that HTTP status (400 invalid event, 429, 5xx), or
 * `hang`: it accepts the connection and never answers.
 */
export function simulatedPagerDutyEvents(
  account: SimulatedAccount,
  invocation: () => SimulatedInvocation | null = () => null,
): typeof fetch {
  return async (_url, init) => {
    const fault = endpointFault(account, "pagerduty:events", invocation, PAGERDUTY_REQUEST_TIMEOUT_MS);
    if (fault) {
      const status = fault.$metadata.httpStatusCode;
      const body = status === 400 ? '{"status":"invalid event","message":"Event object is invalid"}' : '{"status":"simulated failure"}';
      return new Response(body, { status, headers: { "content-type": "application/json" } });
    }
    const event = JSON.parse(String(init?.body ?? "{}")) as { dedup_key?: string };
    return new Response(JSON.stringify({ status: "success", message: "Event processed", dedup_key: event.dedup_key ?? null }), {
      status: 202,
      headers: { "content-type": "application/json" },
    });
  };
}
