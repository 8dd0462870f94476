import { makePollMetricsHandler } from "../functions/poll-metrics";
import { MemoryApiActivityStore } from "../shared/adapters/memory-api-activity-store";
import { MemoryIncidentStore } from "../shared/adapters/memory-incident-store";
import { buildDeps, pollMetricsDeps } from "../shared/build-deps";
import type { Config } from "../shared/core/config";
import type { Broker } from "../shared/core/types";
import type { Log } from "../shared/ports";
import { type LatencyModel, peakPerWindow } from "../shared/sim/fleet/api-latency";
import { FleetAccount } from "../shared/sim/fleet/fleet-account";
import { brokerOf, type Fleet } from "../shared/sim/fleet/reference-fleet";
import { lambdaContextOf, scheduledEventOf } from "../shared/sim/lambda-events";
import { SimulatedDynamoDbActivityStore, SimulatedDynamoDbStore } from "../shared/sim/sdk-boundary";
import { simulatedDeps, simulatedEnvironment } from "../shared/sim/simulated-deps";
import { type CostBucket, RequestClassifier } from "./classify-requests";

/**
 * Runs the real poll-metrics handler, minute by minute, against a fleet's simulated account, wired
 * by `buildDeps` as the deployed function and the replay are (real SDK clients answered at the
 * client boundary, real adapters, memory stores behind the simulated DynamoDB), plus a recording
 * MetricSource wrapper that sorts every metric requested into what it was read for.
 */

/** What one cycle did. */
export interface CycleRecord {
  metricsRequested: number;
  getMetricDataCalls: number;
  listMetricsCalls: number;
  mqCalls: number;
  /**
   * Wall time of the handler invocation less the simulated account's work, which runs on the same
   * thread here but on AWS's side in production (the simulated latency stands for it).
   */
  ms: number;
  /**
   * With latency (real timers); without, nothing in a cycle waits (the simulated clock's sleep returns
   * at once), so `ms` is mq-sentinel's own compute time (handler, adapters, SDK plumbing, its garbage).
   */
  latency: boolean;
  split: Record<CostBucket, number>;
  /** Brokers watched this cycle (described; a cold start describes a large fleet over several cycles). */
  brokersWatched: number;
  /** Amazon MQ requests the account's quota (15/s, burst 100) refused this cycle. */
  mqThrottled: number;
  /** Most Amazon MQ requests within one second of the quota's clock (the account's clock within the minute). */
  mqPeakPerSecond: number;
  /** Seconds the cycle waited for the Amazon MQ quota (pacing and backoff), on the account's clock. */
  mqWaitSeconds: number;
  errors: string[];
}

/** No log lines over a long run: the handled problems reach the figures through the handler's report (`errors`). */
const QUIET: Log = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A store whose every method waits DynamoDB's latency first when the account simulates latency.
 * Generic over the port, so it follows the port's methods as they change.
 */
function withStoreLatency<T extends object>(store: T, account: FleetAccount): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        await account.wait(`dynamodb:${String(property)}`);
        return value.apply(target, args);
      };
    },
  });
}

/** One warm poll-metrics "container" watching a fleet. */
export class FleetHarness {
  readonly account: FleetAccount;
  readonly classifier: RequestClassifier;
  readonly opened: { minute: number; fingerprint: string; summary: string }[] = [];
  remediationRequests = 0;
  private readonly handler: ReturnType<typeof makePollMetricsHandler>;

  constructor(
    readonly fleet: Fleet,
    readonly config: Config,
  ) {
    const account = new FleetAccount(fleet, config.polling.windowMinutes);
    this.account = account;
    const deps = buildDeps(
      simulatedDeps(account, simulatedEnvironment(fleet.scenario, config), QUIET, {
        standIns: {
          stores: {
            incidents: withStoreLatency(new SimulatedDynamoDbStore(new MemoryIncidentStore(), account), account),
            activity: new SimulatedDynamoDbActivityStore(new MemoryApiActivityStore(), account),
          },
          invoke: {
            // A healthy fleet should ask for no reboot; requests are counted, not run.
            remediation: { request: async () => void this.remediationRequests++ },
            // The reference fleet is created long ago: no new broker to re-check.
            posture: { request: async () => {} },
          },
        },
      }),
    );
    const poll = pollMetricsDeps(deps);
    const brokers = new Map<string, Broker>(fleet.brokers.map((b) => [b.name, brokerOf(b)]));
    this.classifier = new RequestClassifier(poll.deps.metrics, brokers);
    this.handler = makePollMetricsHandler({ ...poll.deps, metrics: this.classifier });
  }

  /** Runs the cycle of minute `minute` (datapoint index of the fleet's series), with or without latency. */
  async runCycle(minute: number, latency: LatencyModel | null = null): Promise<CycleRecord> {
    const { account } = this;
    account.minute = minute;
    account.latency = latency;
    const before = new Map(account.calls);
    const throttledBefore = account.mqThrottled;
    const requestedBefore = account.metricsRequested;
    const answerBefore = account.answerMs;
    this.classifier.beginCycle();
    const started = performance.now();
    const context = lambdaContextOf(account, { functionName: "poll-metrics", source: "bench", memoryMb: 512, remainingMs: () => 60_000 });
    const report = await this.handler(scheduledEventOf(account, "bench"), context);
    const answered = account.answerMs - answerBefore;
    const ms = performance.now() - started - answered;
    account.latency = null;
    const after = new Map(account.calls);
    const delta = (prefix: string) => sumMatching(after, prefix) - sumMatching(before, prefix);
    for (const t of report.transitions) {
      if (t.type === "opened") this.opened.push({ minute, fingerprint: t.incident.fingerprint, summary: t.incident.summary });
    }
    const billed = account.metricsRequested - requestedBefore;
    const split = this.classifier.endCycle();
    const classified = Object.values(split).reduce((a, b) => a + b, 0);
    const errors = [...report.errors];
    if (billed !== report.metricsRequested || classified !== billed) {
      errors.push(`bench: metrics billed ${billed}, reported ${report.metricsRequested}, classified ${classified}`);
    }
    return {
      metricsRequested: billed,
      getMetricDataCalls: delta("cloudwatch:GetMetricData"),
      listMetricsCalls: delta("cloudwatch:ListMetrics"),
      mqCalls: delta("mq:"),
      ms,
      latency: latency !== null,
      split,
      brokersWatched: report.brokers,
      mqThrottled: account.mqThrottled - throttledBefore,
      mqPeakPerSecond: peakPerWindow(account.mqRequestTimes),
      mqWaitSeconds: (account.quotaNowMs() - account.nowMs()) / 1000,
      errors,
    };
  }
}

function sumMatching(calls: ReadonlyMap<string, number>, prefix: string): number {
  let n = 0;
  for (const [op, count] of calls) if (op.startsWith(prefix)) n += count;
  return n;
}
