import { PAGERDUTY_EVENTS_URL } from "../adapters/pagerduty-notifier";
import { SLACK_API_URL } from "../adapters/slack-web-api";
import type { BuildDepsInput, MakeClient, SdkClientClass, SdkSettings, SecretPurpose, StandIns } from "../build-deps";
import type { Config } from "../core/config";
import type { Environment } from "../env";
import type { Log } from "../ports";
import {
  type RoutableClient,
  routeToSimulator,
  SIMULATED_BOT_TOKEN,
  SIMULATED_WEBHOOK_URL,
  type SimulatedInvocation,
  simulatedClock,
  simulatedPagerDutyEvents,
  simulatedSlackWebApi,
  simulatedSlackWebhook,
} from "./sdk-boundary";
import type { SimulatedAccount } from "./simulated-account";
import { REPLAY_SIGNING_SECRET } from "./slack-clicks";

/**
 * `buildDeps`' inputs for a simulated deployment: the same wiring as the deployed functions, with SDK
 * clients the simulated account answers at the wire, a `fetch` that is Slack's and PagerDuty's
 * simulated endpoints, the account's virtual clock, and secrets the simulated parameter store holds.
 */

/** Stand-in credentials: the simulated account never checks them, but the SDK signs every request. */
const SIMULATED_CREDENTIALS = { accessKeyId: "SIMULATED", secretAccessKey: "SIMULATED" };
/** A stand-in routing key: the simulated PagerDuty accepts any, and the recorded body never holds it. */
const SIMULATED_PAGERDUTY_ROUTING_KEY = "SIMULATEDPAGERDUTYROUTINGKEY0000";
/** The location every simulated secret is "kept" at: the simulated parameter store answers by purpose. */
const SIMULATED_SECRET = "mq-sentinel/simulated";

/** What the simulated parameter store holds for each purpose. */
const SIMULATED_SECRETS: Readonly<Record<SecretPurpose, string>> = {
  "slack-webhook": SIMULATED_WEBHOOK_URL,
  "route-slack-webhook": SIMULATED_WEBHOOK_URL,
  "slack-bot-token": SIMULATED_BOT_TOKEN,
  "slack-signing-secret": REPLAY_SIGNING_SECRET,
  "route-pagerduty-key": SIMULATED_PAGERDUTY_ROUTING_KEY,
};

/**
 * The simulation's client factory: real SDK clients, every request routed to `account` over the
 * client's own wire protocol. A client of a service the account does not answer is refused when made.
 */
export function simulatedClients(account: SimulatedAccount): MakeClient {
  return <C>(Client: SdkClientClass<C>, settings: SdkSettings): C => {
    const client = new Client({ ...settings, credentials: SIMULATED_CREDENTIALS });
    const routable = client as unknown as RoutableClient & { config: { serviceId: string } };
    routeToSimulator(routable, routable.config.serviceId.toLowerCase(), account);
    return client;
  };
}

/**
 * Slack's incoming webhook and Web API and PagerDuty's Events API as the simulated account answers
 * them, as one `fetch`; any other address is refused as an unreachable host is. `invocation` is the
 * simulated Lambda invocation running now (a hanging endpoint spends its time).
 */
export function simulatedFetch(account: SimulatedAccount, invocation: () => SimulatedInvocation | null = () => null): typeof fetch {
  const webhook = simulatedSlackWebhook(account, invocation);
  const webApi = simulatedSlackWebApi(account, invocation);
  const pagerDuty = simulatedPagerDutyEvents(account, invocation);
  return async (input, init) => {
    const url = String(input);
    if (url.startsWith(SLACK_API_URL)) return webApi(input, init);
    if (url === PAGERDUTY_EVENTS_URL) return pagerDuty(input, init);
    if (url === SIMULATED_WEBHOOK_URL) return webhook(input, init);
    throw new TypeError(`fetch failed: the simulation has no endpoint ${url}`);
  };
}

/**
 * A deployment in the scenario's account and region with everything the replay exercises: Slack as
 * configured (webhook, or the app with its signing secret), the SNS topic, no table (the stores are
 * the simulated DynamoDB's), the other functions run by the driver.
 */
export function simulatedEnvironment(scenario: { region: string; accountId: string }, config: Config): Environment {
  const app = config.notifications.slack.mode === "app";
  return Object.freeze({
    config,
    region: scenario.region,
    otherRegions: [],
    stage: "replay",
    tableName: null,
    slackWebhookSecret: app ? null : SIMULATED_SECRET,
    slackSigningSecret: SIMULATED_SECRET,
    slackBotToken: app ? SIMULATED_SECRET : null,
    topicArn: `arn:aws:sns:${scenario.region}:${scenario.accountId}:mq-sentinel`,
    remediateFunction: null,
    killSwitchParameter: null,
    postureFunction: null,
    scrapeFunction: null,
    rabbitMqSecretPrefix: "mq-sentinel/rabbitmq/",
  });
}

/** `buildDeps`' inputs for a deployment in `env` whose AWS, Slack and PagerDuty are the simulated account. */
export function simulatedDeps(
  account: SimulatedAccount,
  env: Environment,
  log: Log,
  options: { invocation?: () => SimulatedInvocation | null; standIns?: StandIns } = {},
): BuildDepsInput {
  return {
    env,
    makeClient: simulatedClients(account),
    fetch: simulatedFetch(account, options.invocation),
    clock: simulatedClock(account),
    log,
    standIns: { secrets: (_location, purpose) => ({ get: async () => SIMULATED_SECRETS[purpose] }), ...options.standIns },
  };
}
