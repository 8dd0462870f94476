import type { Context } from "aws-lambda";
import type { ApiActivityDeps } from "../../../functions/api-activity";
import { LoggingPostureRecheck } from "../../../shared/adapters/logging-posture-recheck";
import { MemoryApiActivityStore } from "../../../shared/adapters/memory-api-activity-store";
import { MemoryIncidentStore } from "../../../shared/adapters/memory-incident-store";
import { MemoryOptInRecords } from "../../../shared/adapters/memory-opt-in-records";
import { MemorySilenceStore } from "../../../shared/adapters/memory-silence-store";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { type Config, DEFAULT_CONFIG, parseConfig } from "../../../shared/core/config";
import type { Incident } from "../../../shared/core/incidents";
import type { MessageGroup } from "../../../shared/core/notifications";
import type { BrokerDirectory, DeliveryResult, IncidentStore, Notifier } from "../../../shared/ports";
import { TestClock } from "../../support/clock";

/** Small fakes of the ports for the API-activity use cases (the stores are the real in-memory adapters). */

export { MINUTE, TestClock as MinuteClock } from "../../support/clock";

/** A channel that keeps every message it is asked to send, and always succeeds. */
export class RecordingNotifier implements Notifier {
  readonly name = "recording";
  readonly sent: MessageGroup[] = [];
  async send(group: MessageGroup): Promise<DeliveryResult> {
    this.sent.push(group);
    return { ok: true, body: null };
  }

  /** What was announced, one line per incident: transition, kind, severity. */
  announced(): [string, string, string][] {
    return this.sent.flatMap((g) => g.items.map((i): [string, string, string] => [g.transition, i.incident.kind, i.incident.severity]));
  }
}

/** Broker names from a fixed map, counting the look-ups. */
export class FakeBrokerDirectory implements BrokerDirectory {
  lookups = 0;
  constructor(private readonly names: Record<string, string> = {}) {}
  async nameOf(brokerId: string): Promise<string | null> {
    this.lookups += 1;
    return this.names[brokerId] ?? null;
  }
}

/** The memory incident store, made to fail on demand (a DynamoDB outage, a throttled table). */
export class FlakyIncidentStore implements IncidentStore {
  readonly inner = new MemoryIncidentStore();
  failLoads = 0;
  failSaves = 0;
  /** Loads that never answer: the invocation making them hangs until Lambda kills it (a timeout). */
  hangLoads = 0;
  async loadActive(): Promise<Incident[]> {
    if (this.hangLoads > 0) {
      this.hangLoads -= 1;
      return new Promise<Incident[]>(() => {});
    }
    if (this.failLoads > 0) {
      this.failLoads -= 1;
      throw new Error("ProvisionedThroughputExceededException");
    }
    return this.inner.loadActive();
  }
  async save(incident: Incident, expectedVersion: number): Promise<boolean> {
    if (this.failSaves > 0) {
      this.failSaves -= 1;
      throw new Error("ProvisionedThroughputExceededException");
    }
    return this.inner.save(incident, expectedVersion);
  }
  async get(fingerprint: string): Promise<Incident | null> {
    return this.inner.get(fingerprint);
  }
  async loadWithPendingNotifications(): Promise<Incident[]> {
    return this.inner.loadWithPendingNotifications();
  }
}

export interface ApiWorld {
  deps: ApiActivityDeps;
  activity: MemoryApiActivityStore;
  incidents: FlakyIncidentStore;
  notifier: RecordingNotifier;
  directory: FakeBrokerDirectory;
  posture: LoggingPostureRecheck;
  optIns: MemoryOptInRecords;
  log: RecordingLog;
  clock: TestClock;
}

/** Everything the api-activity handler and `sweepApiIncidents` need, in memory. */
export function apiWorld(options: { names?: Record<string, string>; config?: Config; ownRoleArns?: string[] } = {}): ApiWorld {
  const log = new RecordingLog();
  const clock = new TestClock();
  const activity = new MemoryApiActivityStore();
  const incidents = new FlakyIncidentStore();
  const notifier = new RecordingNotifier();
  const directory = new FakeBrokerDirectory(options.names ?? {});
  const posture = new LoggingPostureRecheck(log);
  const optIns = new MemoryOptInRecords();
  const config =
    options.config ?? (options.ownRoleArns ? parseConfig({ apiActivity: { ownRoleArns: options.ownRoleArns } }).config : DEFAULT_CONFIG);
  return {
    deps: {
      activity,
      directory,
      incidents,
      notifiers: [notifier],
      posture,
      optIns,
      clock,
      log,
      config,
      silences: new MemorySilenceStore(),
      links: { accountId: "", region: "eu-west-1", brokerIds: {} },
    },
    activity,
    incidents,
    notifier,
    directory,
    posture,
    optIns,
    log,
    clock,
  };
}

/** The Lambda context fields a handler may read; no deadline, so middy sets no early-timeout timer. */
export const lambdaContext = {
  functionName: "mq-sentinel-test-api-activity",
  invokedFunctionArn: "arn:aws:lambda:eu-west-1:111122223333:function:mq-sentinel-test-api-activity",
  awsRequestId: "00000000-0000-4000-8000-000000000000",
} as Context;
