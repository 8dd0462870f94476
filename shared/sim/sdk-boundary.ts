import { SLACK_REQUEST_TIMEOUT_MS } from "../adapters/slack-notifier";
import type { Incident } from "../core/incidents";
import type { ActivityRecord, ApiActivityStore, Clock, EventClaim, IncidentStore } from "../ports";
import type { SimulatedAccount, SimulatedServiceError } from "./simulated-account";

/**
 * Where the simulated account meets the real AWS SDK clients: a middleware at the front of the
 * client's stack answers each command from the simulation instead of the network. Everything
 * after the command object (our adapters, their retries, error classification) runs for real.
 */

/** The part of an SDK v3 client's middleware stack used here. */
interface InitializeStack {
  add(
    middleware: (next: unknown, context: { commandName?: string }) => (args: { input: Record<string, unknown> }) => Promise<unknown>,
    options: { step: "initialize"; name: string; priority: "high" },
  ): void;
}

/** Routes every command of `client` (an SDK v3 client of `service`) to the simulated account. */
export function routeToSimulator<C extends { middlewareStack: object }>(client: C, service: string, account: SimulatedAccount): C {
  // The SDK types each stack per service; every stack accepts an initialize-step middleware.
  (client.middlewareStack as unknown as InitializeStack).add(
    (_next, context) => async (args) => {
      const operation = (context.commandName ?? "Unknown").replace(/Command$/, "");
      const output = await account.handle(service, operation, args.input);
      return { output: { $metadata: { httpStatusCode: 200, requestId: "simulated", attempts: 1 }, ...output }, response: {} };
    },
    { step: "initialize", name: "mqSentinelSimulatedAccount", priority: "high" },
  );
  return client;
}

/** The virtual clock: reads the simulation's current minute; waiting takes no time. */
export function simulatedClock(account: SimulatedAccount): Clock {
  return { now: () => account.nowMs(), sleep: async () => {} };
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
    account.countCall("slack:webhook");
    try {
      account.throwIfFaulted("slack:webhook");
    } catch (error) {
      if ((error as Error).name === "hang") {
        invocation()?.spend(SLACK_REQUEST_TIMEOUT_MS);
        throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
      }
      const status = (error as SimulatedServiceError).$metadata.httpStatusCode;
      const headers: Record<string, string> = status === 429 ? { "retry-after": "1" } : {};
      return new Response(status === 429 ? "rate_limited" : "simulated failure", { status, headers });
    }
    return new Response("ok", { status: 200 });
  };
}
