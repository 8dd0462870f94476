import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { MqClient } from "@aws-sdk/client-mq";
import { SNSClient } from "@aws-sdk/client-sns";
import type { Context, ScheduledEvent } from "aws-lambda";
import { makeApiActivityHandler } from "../functions/api-activity";
import { makePollMetricsHandler } from "../functions/poll-metrics";
import { makePostureAuditHandler } from "../functions/posture-audit";
import { makeRemediateHandler } from "../functions/remediate";
import { makeSlackInteractionsHandler } from "../functions/slack-interactions";
import { AwsPostureReader } from "../shared/adapters/aws-posture-reader";
import { CloudWatchMetricSource } from "../shared/adapters/cloudwatch-metric-source";
import { killSwitchOff } from "../shared/adapters/kill-switch";
import { MemoryApiActivityStore } from "../shared/adapters/memory-api-activity-store";
import { MemoryApprovalStore } from "../shared/adapters/memory-approval-store";
import { MemoryIncidentStore } from "../shared/adapters/memory-incident-store";
import { MemoryOptInRecords } from "../shared/adapters/memory-opt-in-records";
import { MemoryRemediationLedger } from "../shared/adapters/memory-remediation-ledger";
import { MemorySilenceStore } from "../shared/adapters/memory-silence-store";
import { MqBrokerControl } from "../shared/adapters/mq-broker-control";
import { MqBrokerDirectory } from "../shared/adapters/mq-broker-directory";
import { MqBrokerInventory } from "../shared/adapters/mq-broker-inventory";
import { PagerDutyNotifier } from "../shared/adapters/pagerduty-notifier";
import { RecordingLog } from "../shared/adapters/recording-log";
import { routeNotifiers } from "../shared/adapters/route-notifiers";
import { SlackAppNotifier, type WebApiCall } from "../shared/adapters/slack-app-notifier";
import { SlackApprovers } from "../shared/adapters/slack-approvers";
import { SlackNotifier } from "../shared/adapters/slack-notifier";
import { HmacSlackRequestVerifier } from "../shared/adapters/slack-signature";
import { SlackWebApi } from "../shared/adapters/slack-web-api";
import { SnsNotifier } from "../shared/adapters/sns-notifier";
import type { Delivery } from "../shared/app/deliver-notifications";
import { OptInTracker } from "../shared/app/opt-in-tracker";
import type { RemediationResult } from "../shared/app/remediate";
import { createFetchSchedule } from "../shared/app/run-metrics-cycle";
import { parseConfig } from "../shared/core/config";
import { IncidentTraces } from "../shared/core/incident-traces";
import type { Transition } from "../shared/core/incidents";
import type { RemediationOutcome } from "../shared/core/remediation-policy";
import { channelKind } from "../shared/core/routing";
import { type IncidentKind, maxSeverity, type Severity } from "../shared/core/types";
import { describeError } from "../shared/errors";
import type { ApprovalAnswer, PostureTarget, RemediationRequest } from "../shared/ports";
import type { Scenario } from "../shared/sim/scenario";
import {
  routeToSimulator,
  SIMULATED_BOT_TOKEN,
  SIMULATED_PAGERDUTY_URL,
  SIMULATED_WEBHOOK_URL,
  SimulatedDynamoDbActivityStore,
  SimulatedDynamoDbStore,
  SimulatedInvocation,
  simulatedClock,
  simulatedPagerDutyEvents,
  simulatedSlackWebApi,
  simulatedSlackWebhook,
} from "../shared/sim/sdk-boundary";
import { SimulatedAccount } from "../shared/sim/simulated-account";
import { REPLAY_SIGNING_SECRET, signedClick } from "../shared/sim/slack-clicks";
import { SimulatedTagCalls } from "../shared/sim/tag-calls";

/**
 * Replays a scenario through the real handlers against the simulated account, minute by minute
 * (DESIGN.md §3), and reports what happened in the contract's shape.
 */

export interface ReplayIncident {
  id: string;
  kind: IncidentKind;
  severity: Severity;
  broker: string;
  resource: string | null;
  openedMinute: number;
  openedAt: string;
  resolvedMinute: number | null;
  summary: string;
}

export interface ReplayNotification {
  minute: number;
  /** The destination's kind: a notification route's Slack webhook is `slack`, its PagerDuty service `pagerduty`. */
  channel: "slack" | "sns" | "pagerduty";
  incidentId: string;
  incidentIds?: string[];
  transition: "opened" | "updated" | "escalated" | "resolved" | "remediation";
  body: unknown;
}

export interface ReplayRemediation {
  minute: number;
  incidentId: string;
  action: "reboot-broker";
  broker: string;
  outcome: RemediationOutcome;
  reason: string;
}

/** One line of `replay --json`: the fixed contract. */
export interface ReplayOutput {
  scenario: string;
  incidents: ReplayIncident[];
  notifications: ReplayNotification[];
  remediations: ReplayRemediation[];
  apiCalls: Record<string, number>;
  errors: string[];
}

/** A transition as it happened, for the readable timeline. */
export interface TimelineEntry {
  minute: number;
  transition: Transition;
}

export interface ReplayRun {
  output: ReplayOutput;
  timeline: TimelineEntry[];
  /** What each metrics cycle read, for cost figures and the call budget. */
  cycles: { minute: number; metricsRequested: number; getMetricDataCalls: number }[];
  /** Each incident's key series over the run, from its findings' windows (for the HTML report). */
  traces: IncidentTraces;
}

const CREDENTIALS = { accessKeyId: "SIMULATED", secretAccessKey: "SIMULATED" };
/** Each function's timeout in the stack (serverless.yml): a replayed invocation has as long. */
const FUNCTION_TIMEOUT_MS: Record<string, number> = {
  "slack-interactions": 10_000,
  "poll-metrics": 55_000,
  "api-activity": 30_000,
  remediate: 60_000,
  "posture-audit": 300_000,
};
/** A stand-in routing key: the simulated PagerDuty accepts any, and the recorded body never holds it. */
const SIMULATED_PAGERDUTY_ROUTING_KEY = "SIMULATEDPAGERDUTYROUTINGKEY0000";
/** The replay reuses broker names as long as the deployed api-activity function does. */
const DIRECTORY_TTL_MS = 5 * 60_000;

function groupEventsByMinute(scenario: Scenario): Map<number, { index: number; event: unknown }[]> {
  const out = new Map<number, { index: number; event: unknown }[]>();
  scenario.events.forEach((e, index) => {
    const list = out.get(e.at) ?? [];
    list.push({ index, event: e.event });
    out.set(e.at, list);
  });
  return out;
}

/** Replays one validated scenario. Never throws for a problem inside the scenario: it lands in `errors`. */
export async function replayScenario(scenario: Scenario): Promise<ReplayRun> {
  // CreateTags/DeleteTags events change the brokers' tags in the account at the minute of their call.
  const tagCalls = new SimulatedTagCalls(scenario);
  const account = new SimulatedAccount(tagCalls.scenario);
  const clock = simulatedClock(account);
  // The invocation running now: a hanging call spends its time (see SimulatedInvocation).
  let invocation: SimulatedInvocation | null = null;
  const lambdaContext = (functionName: string): Context => {
    const current = new SimulatedInvocation(functionName, FUNCTION_TIMEOUT_MS[functionName] ?? 60_000);
    invocation = current;
    return simulatedLambdaContext(functionName, () => current.remainingMs());
  };
  const log = new RecordingLog();
  const errors: string[] = [];
  const { config, ignoredKeys } = parseConfig(scenario.config, { unknownKeys: "ignore" });
  for (const key of ignoredKeys) errors.push(`config: unknown key '${key}' ignored`);

  const sdk = { region: scenario.region, credentials: CREDENTIALS, maxAttempts: 1 };
  const mq = routeToSimulator(new MqClient(sdk), "mq", account);
  const incidents = new SimulatedDynamoDbStore(new MemoryIncidentStore(), account);
  // Slack as configured: the incoming webhook (default), or the Slack app's Web API (mode app).
  const slack = config.notifications.slack;
  const slackApi =
    slack.mode === "app"
      ? new SlackWebApi(
          { get: async () => SIMULATED_BOT_TOKEN },
          simulatedSlackWebApi(account, () => invocation),
          clock,
        )
      : null;
  const notifiers = [
    slackApi
      ? new SlackAppNotifier(slackApi, slack.channel, log)
      : new SlackNotifier(
          { get: async () => SIMULATED_WEBHOOK_URL },
          simulatedSlackWebhook(account, () => invocation),
          clock,
          log,
        ),
    new SnsNotifier(
      routeToSimulator(new SNSClient(sdk), "sns", account),
      `arn:aws:sns:${scenario.region}:${scenario.accountId}:mq-sentinel`,
    ),
    // The destinations of the config's notification routes: simulated webhooks, topics and PagerDuty.
    ...routeNotifiers(config.notifications.routes, {
      slack: () =>
        new SlackNotifier(
          { get: async () => SIMULATED_WEBHOOK_URL },
          simulatedSlackWebhook(account, () => invocation),
          clock,
          log,
        ),
      sns: (topicArn) => new SnsNotifier(routeToSimulator(new SNSClient(sdk), "sns", account), topicArn),
      pagerduty: (channel) =>
        new PagerDutyNotifier(
          channel,
          { get: async () => SIMULATED_PAGERDUTY_ROUTING_KEY },
          simulatedPagerDutyEvents(account, () => invocation),
          clock,
          log,
          SIMULATED_PAGERDUTY_URL,
        ),
    }),
  ];
  const shared = {
    incidents,
    activity: new SimulatedDynamoDbActivityStore(new MemoryApiActivityStore(), account),
    silences: new MemorySilenceStore(),
    optIns: new MemoryOptInRecords(),
    approvals: new MemoryApprovalStore(),
    approvers: new SlackApprovers(config.remediation.approvers, slackApi, clock, log, slack.userGroupCacheMinutes * 60_000),
    notifiers,
    clock,
    log,
    config,
    links: { accountId: scenario.accountId, region: scenario.region, brokerIds: {} },
  };
  const requested: (RemediationRequest | ApprovalAnswer)[] = [];
  const ledger = new MemoryRemediationLedger(clock);
  const pollMetrics = makePollMetricsHandler({
    ...shared,
    remediation: { request: async (r) => void requested.push(r) },
    posture: { request: async (target) => void rechecks.push(target) },
    ledger,
    inventory: new MqBrokerInventory(mq, clock, log, { ttlMs: config.polling.inventoryTtlMinutes * 60_000 }),
    metrics: new CloudWatchMetricSource(routeToSimulator(new CloudWatchClient(sdk), "cloudwatch", account), clock, log),
    schedule: createFetchSchedule(config),
    optInTracker: new OptInTracker(shared.optIns),
  });
  const apiActivity = makeApiActivityHandler({
    ...shared,
    directory: new MqBrokerDirectory(mq, clock, DIRECTORY_TTL_MS),
    posture: { request: async (target) => void rechecks.push(target) },
  });
  const remediateHandler = makeRemediateHandler({ ...shared, ledger, control: new MqBrokerControl(mq, clock), killSwitch: killSwitchOff });
  // People answering in Slack: each click is signed as Slack signs it and goes through the real
  // interactions function (signature, freshness, once, approvers), which hands the answer to remediate.
  const interactionsHandler = makeSlackInteractionsHandler({
    verifier: new HmacSlackRequestVerifier({ get: async () => REPLAY_SIGNING_SECRET }),
    approvals: shared.approvals,
    remediation: { request: async (r) => void requested.push(r) },
    replies: { tell: async () => {} },
    approvers: shared.approvers,
    clock,
    log,
    config,
  });
  const remediations: ReplayRemediation[] = [];
  const rechecks: PostureTarget[] = [];
  const postureAudit = makePostureAuditHandler({
    ...shared,
    inventory: new MqBrokerInventory(mq, clock, log, { ttlMs: config.polling.inventoryTtlMinutes * 60_000 }),
    reader: new AwsPostureReader(mq, routeToSimulator(new EC2Client(sdk), "ec2", account), clock),
  });
  const audit = async (t: number, target: PostureTarget | null) => {
    try {
      const report = await postureAudit(target ?? {}, lambdaContext("posture-audit"));
      record(t, report.transitions, report.deliveries);
      for (const e of report.errors) errors.push(`t=${t} ${e}`);
    } catch (error) {
      errors.push(`t=${t} posture-audit failed: ${describeError(error)}`);
    }
  };
  const eventsAt = groupEventsByMinute(scenario);
  const timeline: TimelineEntry[] = [];
  const notifications: ReplayNotification[] = [];
  const record = (minute: number, transitions: readonly Transition[], deliveries: readonly Delivery[]) => {
    for (const transition of transitions) timeline.push({ minute, transition });
    for (const d of deliveries) if (d.result.ok) notifications.push(...notificationsOf(minute, d));
  };

  const runRemediations = async (t: number) => {
    for (const request of requested.splice(0)) {
      try {
        const result = await remediateHandler(request, lambdaContext("remediate"));
        if (!result.duplicate) remediations.push(remediationOf(t, result));
        record(t, [], result.deliveries);
        for (const e of result.errors) errors.push(`t=${t} remediate ${e}`);
      } catch (error) {
        errors.push(`t=${t} remediate failed: ${describeError(error)}`);
      }
    }
  };
  const interactionsAt = new Map<number, Scenario["interactions"]>();
  for (const click of scenario.interactions) interactionsAt.set(click.at, [...(interactionsAt.get(click.at) ?? []), click]);

  const cycles: ReplayRun["cycles"] = [];
  const traces = new IncidentTraces(scenario.publishDelayMinutes);
  for (let t = 0; t < scenario.durationMinutes; t++) {
    account.minute = t;
    tagCalls.apply(account, t);
    // Events of minute t first, in file order, then the minute's metrics cycle (DESIGN.md §3).
    for (const { index, event } of eventsAt.get(t) ?? []) {
      try {
        const outcome = await apiActivity(event, lambdaContext("api-activity"));
        record(t, outcome.transitions, outcome.deliveries);
        if (outcome.status === "skipped") errors.push(`t=${t} event #${index} skipped: ${outcome.reason}`);
        for (const e of outcome.errors) errors.push(`t=${t} event #${index} ${e}`);
      } catch (error) {
        // Deployed, EventBridge would retry the delivery; the replay records the failure.
        errors.push(`t=${t} event #${index} api-activity failed: ${describeError(error)}`);
      }
    }
    // The posture audit runs at minute 0 and for each broker a configuration change asked about.
    if (t === 0) await audit(t, null);
    for (const target of rechecks.splice(0)) await audit(t, target);
    try {
      const report = await pollMetrics(scheduledEvent(account), lambdaContext("poll-metrics"));
      record(t, report.transitions, report.deliveries);
      traces.record(t, report.findings);
      for (const expired of report.expiredApprovals) remediations.push(remediationOf(t, expired));
      cycles.push({ minute: t, metricsRequested: report.metricsRequested, getMetricDataCalls: report.getMetricDataCalls });
      for (const e of report.errors) errors.push(`t=${t} ${e}`);
    } catch (error) {
      errors.push(`t=${t} poll-metrics failed: ${describeError(error)}`);
    }
    // Remediation requests of this minute, as the asynchronous invocations would run them; then the
    // clicks of this minute on the latest request still waiting, and what they asked remediate to do.
    await runRemediations(t);
    for (const click of interactionsAt.get(t) ?? []) {
      const waiting = (await shared.approvals.pending()).at(-1);
      if (!waiting) {
        errors.push(`t=${t} ${click.user} pressed ${click.action}, but no reboot request waits for an answer`);
        continue;
      }
      try {
        const outcome = await interactionsHandler(signedClick(waiting.id, click, account.nowMs()), lambdaContext("slack-interactions"));
        if (outcome.statusCode !== 200 || outcome.result !== "accepted")
          errors.push(`t=${t} ${click.user} pressed ${click.action}: ${outcome.result}`);
      } catch (error) {
        errors.push(`t=${t} slack-interactions failed: ${describeError(error)}`);
      }
      await runRemediations(t);
    }
  }

  const calls = Object.fromEntries([...account.calls].sort(([a], [b]) => a.localeCompare(b)));
  return {
    output: {
      scenario: scenario.name,
      incidents: incidentsFrom(timeline, scenario.startMs),
      notifications,
      remediations,
      apiCalls: { ...calls, "cloudwatch:MetricsRequested": account.metricsRequested },
      errors,
    },
    timeline,
    cycles,
    traces,
  };
}

/** The contract's remediation entry of a decision. */
function remediationOf(minute: number, result: RemediationResult): ReplayRemediation {
  return {
    minute,
    incidentId: result.request.incidentId,
    action: "reboot-broker",
    broker: result.request.broker,
    outcome: result.decision.outcome,
    reason: result.decision.reason,
  };
}

/**
 * The contract's notification entries of a delivered message: the exact body sent. A Slack app's send
 * is one or two Web API calls (the edit, then the thread reply): one entry per call, its body the
 * call's exact payload (`ts` on an edit, `thread_ts` on a reply); the methods are counted in `apiCalls`
 * (`slack:chat.postMessage`, `slack:chat.update`).
 */
function notificationsOf(minute: number, delivery: Delivery): ReplayNotification[] {
  const ids = delivery.group.items.map((i) => i.incident.id);
  const entry = (body: unknown): ReplayNotification => ({
    minute,
    channel: replayChannel(delivery.channel),
    incidentId: ids[0] ?? "",
    ...(ids.length > 1 ? { incidentIds: ids } : {}),
    transition: delivery.group.transition,
    body,
  });
  const calls = delivery.result.body;
  if (Array.isArray(calls) && calls.every(isWebApiCall)) return calls.map((call) => entry(call.payload));
  return [entry(calls)];
}

function isWebApiCall(value: unknown): value is WebApiCall {
  return typeof value === "object" && value !== null && "method" in value && "payload" in value;
}

/** The contract's channel of a notifier's channel name (`slack`, `sns`, or a route's `<kind>:<destination>`). */
function replayChannel(channel: string): ReplayNotification["channel"] {
  const kind = channelKind(channel);
  return kind === "slack" || kind === "pagerduty" ? kind : "sns";
}

/** The contract's incident list, built from the transitions in the order they happened. */
export function incidentsFrom(timeline: readonly TimelineEntry[], startMs: number): ReplayIncident[] {
  const byId = new Map<string, ReplayIncident>();
  for (const { minute, transition } of timeline) {
    const i = transition.incident;
    const existing = byId.get(i.id);
    if (transition.type === "opened" && !existing) {
      byId.set(i.id, {
        id: i.id,
        kind: i.kind,
        severity: i.severity,
        broker: i.broker,
        resource: i.resource,
        openedMinute: minute,
        openedAt: new Date(startMs + minute * 60_000).toISOString(),
        resolvedMinute: null,
        summary: i.summary,
      });
      continue;
    }
    if (!existing) continue;
    existing.severity = maxSeverity(existing.severity, i.severity);
    // A re-opening (the same incident, "again") is open again until it resolves again.
    if (transition.type === "opened") existing.resolvedMinute = null;
    if (transition.type === "resolved") existing.resolvedMinute = minute;
  }
  return [...byId.values()];
}

function scheduledEvent(account: SimulatedAccount): ScheduledEvent {
  const time = new Date(account.nowMs()).toISOString();
  return {
    version: "0",
    id: `replay-${account.minute}`,
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: account.scenario.accountId,
    time,
    region: account.scenario.region,
    resources: [],
    detail: {},
  };
}

function simulatedLambdaContext(functionName: string, remainingMs: () => number): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: "256",
    awsRequestId: "replay",
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "replay",
    getRemainingTimeInMillis: remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
