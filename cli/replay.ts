import type { Context } from "aws-lambda";
import { makeApiActivityHandler } from "../functions/api-activity";
import { makePollMetricsHandler } from "../functions/poll-metrics";
import { makePostureAuditHandler } from "../functions/posture-audit";
import { makeRemediateHandler } from "../functions/remediate";
import { makeSlackInteractionsHandler } from "../functions/slack-interactions";
import { MemoryApiActivityStore } from "../shared/adapters/memory-api-activity-store";
import { MemoryIncidentStore } from "../shared/adapters/memory-incident-store";
import { RecordingLog } from "../shared/adapters/recording-log";
import type { WebApiCall } from "../shared/adapters/slack-app-notifier";
import type { Delivery } from "../shared/app/deliver-notifications";
import { KnownBrokerIds } from "../shared/app/poll-account";
import type { RemediationResult } from "../shared/app/remediate";
import {
  apiActivityDeps,
  buildDeps,
  type Deps,
  pollMetricsDeps,
  postureAuditDeps,
  remediateDeps,
  slackInteractionsDeps,
} from "../shared/build-deps";
import { parseConfig } from "../shared/core/config";
import { IncidentTraces } from "../shared/core/incident-traces";
import type { Transition } from "../shared/core/incidents";
import type { RemediationOutcome } from "../shared/core/remediation-policy";
import { channelKind } from "../shared/core/routing";
import { type IncidentKind, MINUTE_MS, maxSeverity, type Severity } from "../shared/core/types";
import { describeError } from "../shared/errors";
import type { ApprovalAnswer, ApprovalStore, PostureTarget, RemediationRequest } from "../shared/ports";
import { lambdaContextOf, scheduledEventOf } from "../shared/sim/lambda-events";
import type { Scenario } from "../shared/sim/scenario";
import { SimulatedDynamoDbActivityStore, SimulatedDynamoDbStore, SimulatedInvocation } from "../shared/sim/sdk-boundary";
import { SimulatedAccount } from "../shared/sim/simulated-account";
import { simulatedDeps, simulatedEnvironment } from "../shared/sim/simulated-deps";
import { signedClick } from "../shared/sim/slack-clicks";
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

/** Each function's timeout in the stack (serverless.yml): a replayed invocation has as long. */
const FUNCTION_TIMEOUT_MS: Record<string, number> = {
  "slack-interactions": 10_000,
  "poll-metrics": 55_000,
  "api-activity": 30_000,
  remediate: 60_000,
  "posture-audit": 300_000,
};

type Click = Scenario["interactions"][number];

/** Replays one validated scenario. Never throws for a problem inside the scenario: it lands in `errors`. */
export async function replayScenario(scenario: Scenario): Promise<ReplayRun> {
  const replay = new Replay(scenario);
  for (let t = 0; t < scenario.durationMinutes; t++) await replay.minute(t);
  return replay.result();
}

/**
 * One replay: the deployment wired as the functions wire it (`buildDeps`), with the simulated
 * account's clients; every function invoked as Lambda would invoke it; what they did, recorded.
 */
class Replay {
  // CreateTags/DeleteTags events change the brokers' tags in the account at the minute of their call.
  private readonly tagCalls: SimulatedTagCalls;
  private readonly account: SimulatedAccount;
  private readonly errors: string[] = [];
  private readonly timeline: TimelineEntry[] = [];
  private readonly notifications: ReplayNotification[] = [];
  private readonly remediations: ReplayRemediation[] = [];
  private readonly cycles: ReplayRun["cycles"] = [];
  private readonly traces: IncidentTraces;
  /** What the functions asked of remediate and posture-audit (asynchronous invocations), run by the replay. */
  private readonly requested: (RemediationRequest | ApprovalAnswer)[] = [];
  private readonly rechecks: PostureTarget[] = [];
  private readonly eventsAt: Map<number, { index: number; event: unknown }[]>;
  private readonly clicksAt: Map<number, Click[]>;
  private readonly approvals: ApprovalStore;
  private readonly handlers: ReturnType<typeof wireFunctions>;
  /** The invocation running now: a hanging call spends its time (see SimulatedInvocation). */
  private invocation: SimulatedInvocation | null = null;

  constructor(private readonly scenario: Scenario) {
    this.tagCalls = new SimulatedTagCalls(scenario);
    this.account = new SimulatedAccount(this.tagCalls.scenario);
    this.traces = new IncidentTraces(scenario.publishDelayMinutes);
    this.eventsAt = groupByMinute(scenario.events.map((e, index) => ({ at: e.at, index, event: e.event })));
    this.clicksAt = groupByMinute(scenario.interactions);
    const { config, ignoredKeys } = parseConfig(scenario.config, { unknownKeys: "ignore" });
    for (const key of ignoredKeys) this.errors.push(`config: unknown key '${key}' ignored`);
    const account = this.account;
    const deps = buildDeps(
      simulatedDeps(account, simulatedEnvironment(scenario, config), new RecordingLog(), {
        invocation: () => this.invocation,
        standIns: {
          stores: {
            incidents: new SimulatedDynamoDbStore(new MemoryIncidentStore(), account),
            activity: new SimulatedDynamoDbActivityStore(new MemoryApiActivityStore(), account),
          },
          invoke: {
            remediation: { request: async (r) => void this.requested.push(r) },
            posture: { request: async (target) => void this.rechecks.push(target) },
          },
          replies: { tell: async () => {} },
        },
      }),
    );
    this.approvals = deps.approvals;
    this.handlers = wireFunctions(deps);
  }

  /**
   * Minute t: the API events of the minute first, in file order; the posture audits (at minute 0,
   * and of each broker a change asked about); the metrics cycle (DESIGN.md §3); then the remediation
   * requests of the minute, and the clicks on the latest request still waiting.
   */
  async minute(t: number): Promise<void> {
    this.account.minute = t;
    this.tagCalls.apply(this.account, t);
    for (const { index, event } of this.eventsAt.get(t) ?? []) await this.apiEvent(t, index, event);
    if (t === 0) await this.audit(t, null);
    for (const target of this.rechecks.splice(0)) await this.audit(t, target);
    await this.pollMetrics(t);
    await this.runRemediations(t);
    for (const click of this.clicksAt.get(t) ?? []) await this.click(t, click);
  }

  result(): ReplayRun {
    const { account, scenario } = this;
    const calls = Object.fromEntries([...account.calls].sort(([a], [b]) => a.localeCompare(b)));
    return {
      output: {
        scenario: scenario.name,
        incidents: incidentsFrom(this.timeline, scenario.startMs),
        notifications: this.notifications,
        remediations: this.remediations,
        apiCalls: { ...calls, "cloudwatch:MetricsRequested": account.metricsRequested },
        errors: this.errors,
      },
      timeline: this.timeline,
      cycles: this.cycles,
      traces: this.traces,
    };
  }

  private async apiEvent(t: number, index: number, event: unknown): Promise<void> {
    try {
      const outcome = await this.handlers.apiActivity(event, this.context("api-activity"));
      this.record(t, outcome.transitions, outcome.deliveries);
      if (outcome.status === "skipped") this.errors.push(`t=${t} event #${index} skipped: ${outcome.reason}`);
      for (const e of outcome.errors) this.errors.push(`t=${t} event #${index} ${e}`);
    } catch (error) {
      // Deployed, EventBridge would retry the delivery; the replay records the failure.
      this.errors.push(`t=${t} event #${index} api-activity failed: ${describeError(error)}`);
    }
  }

  private async audit(t: number, target: PostureTarget | null): Promise<void> {
    try {
      const report = await this.handlers.postureAudit(target ?? {}, this.context("posture-audit"));
      this.record(t, report.transitions, report.deliveries);
      for (const e of report.errors) this.errors.push(`t=${t} ${e}`);
    } catch (error) {
      this.errors.push(`t=${t} posture-audit failed: ${describeError(error)}`);
    }
  }

  private async pollMetrics(t: number): Promise<void> {
    try {
      const report = await this.handlers.pollMetrics(scheduledEventOf(this.account, "replay"), this.context("poll-metrics"));
      this.record(t, report.transitions, report.deliveries);
      this.traces.record(t, report.findings);
      for (const expired of report.expiredApprovals) this.remediations.push(remediationOf(t, expired));
      this.cycles.push({ minute: t, metricsRequested: report.metricsRequested, getMetricDataCalls: report.getMetricDataCalls });
      for (const e of report.errors) this.errors.push(`t=${t} ${e}`);
    } catch (error) {
      this.errors.push(`t=${t} poll-metrics failed: ${describeError(error)}`);
    }
  }

  /** The remediation requests waiting, as the asynchronous invocations would run them. */
  private async runRemediations(t: number): Promise<void> {
    for (const request of this.requested.splice(0)) {
      try {
        const result = await this.handlers.remediate(request, this.context("remediate"));
        if (!result.duplicate) this.remediations.push(remediationOf(t, result));
        this.record(t, [], result.deliveries);
        for (const e of result.errors) this.errors.push(`t=${t} remediate ${e}`);
      } catch (error) {
        this.errors.push(`t=${t} remediate failed: ${describeError(error)}`);
      }
    }
  }

  /**
   * A person's click on the latest reboot request still waiting: signed as Slack signs it, through the
   * real interactions function (signature, freshness, once, approvers), then what it asked remediate to do.
   */
  private async click(t: number, click: Click): Promise<void> {
    const waiting = (await this.approvals.pending()).at(-1);
    if (!waiting) {
      this.errors.push(`t=${t} ${click.user} pressed ${click.action}, but no reboot request waits for an answer`);
      return;
    }
    try {
      const event = signedClick(waiting.id, click, this.account.nowMs());
      const outcome = await this.handlers.slackInteractions(event, this.context("slack-interactions"));
      if (outcome.statusCode !== 200 || outcome.result !== "accepted")
        this.errors.push(`t=${t} ${click.user} pressed ${click.action}: ${outcome.result}`);
    } catch (error) {
      this.errors.push(`t=${t} slack-interactions failed: ${describeError(error)}`);
    }
    await this.runRemediations(t);
  }

  private record(minute: number, transitions: readonly Transition[], deliveries: readonly Delivery[]): void {
    for (const transition of transitions) this.timeline.push({ minute, transition });
    for (const d of deliveries) if (d.result.ok) this.notifications.push(...notificationsOf(minute, d));
  }

  /** The context of a new invocation of `functionName`, which becomes the one running now. */
  private context(functionName: string): Context {
    const current = new SimulatedInvocation(functionName, FUNCTION_TIMEOUT_MS[functionName] ?? 60_000);
    this.invocation = current;
    return lambdaContextOf(this.account, { functionName, source: "replay", memoryMb: 256, remainingMs: () => current.remainingMs() });
  }
}

/** The deployment's functions, wired from one set of dependencies: they share what a poll learns of broker ids. */
function wireFunctions(deps: Deps) {
  const knownBrokers = new KnownBrokerIds();
  const poll = pollMetricsDeps(deps);
  const audit = postureAuditDeps(deps);
  return {
    pollMetrics: makePollMetricsHandler(poll.deps, { otherRegions: poll.otherRegions, knownBrokers }),
    apiActivity: makeApiActivityHandler(apiActivityDeps(deps), { knownBrokers }),
    remediate: makeRemediateHandler(remediateDeps(deps), { knownBrokers }),
    slackInteractions: makeSlackInteractionsHandler(slackInteractionsDeps(deps)),
    postureAudit: makePostureAuditHandler(audit.deps, audit.otherRegions, { knownBrokers }),
  };
}

/** Items by their minute, in file order. */
function groupByMinute<T extends { at: number }>(items: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) out.set(item.at, [...(out.get(item.at) ?? []), item]);
  return out;
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
        openedAt: new Date(startMs + minute * MINUTE_MS).toISOString(),
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
