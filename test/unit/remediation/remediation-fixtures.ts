import type { Context } from "aws-lambda";
import type { RemediateFunctionDeps } from "../../../functions/remediate";
import { MemoryApprovalStore } from "../../../shared/adapters/memory-approval-store";
import { MemoryIncidentStore } from "../../../shared/adapters/memory-incident-store";
import { MemoryOptInRecords } from "../../../shared/adapters/memory-opt-in-records";
import { MemoryRemediationLedger } from "../../../shared/adapters/memory-remediation-ledger";
import { MemorySilenceStore } from "../../../shared/adapters/memory-silence-store";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { type Config, parseConfig } from "../../../shared/core/config";
import type { Incident } from "../../../shared/core/incidents";
import { optedIn } from "../../../shared/core/remediation-policy";
import { type Broker, type Evidence, IncidentKind, Severity, Tags } from "../../../shared/core/types";
import type { BrokerControl, KillSwitch, OptInRecords, OptInState, RemediationRequest } from "../../../shared/ports";
import { TestClock } from "../../support/clock";
import { anIncident as baseIncident } from "../../support/incidents";
import { activeMqBroker, MINUTE, RecordingNotifier, T0 } from "../app/fakes";

/** Small fakes of the remediation ports and a ready-made world for the remediation tests. */

export { TestClock as FakeClock } from "../../support/clock";
export { MINUTE, RecordingNotifier, T0 };

/** The remediation section of a configuration, from the project's own schema (defaults filled in). */
export function remediationConfig(remediation: Record<string, unknown> = {}): Config {
  return parseConfig({ remediation }).config;
}

/** An ActiveMQ active/standby broker opted in to reboots (`mq-sentinel:remediate=reboot`), RUNNING. */
export function anOptedInBroker(name = "orders", overrides: Partial<Broker> = {}): Broker {
  return activeMqBroker(name, { tags: { [Tags.remediate]: "reboot" }, ...overrides });
}

/** What makes an incident what it is, without its bookkeeping. */
export type IncidentShape = Pick<Incident, "kind" | "resource" | "condition" | "severity" | "evidence">;

/** Incident shapes as the detectors make them: the three a reboot can help, then the ones it cannot. */
export const Shapes = {
  stalled: {
    kind: IncidentKind.consumerLag,
    resource: "orders.in",
    condition: "stalled",
    severity: Severity.critical,
    evidence: { condition: "stalled", backlog: 1200, consumers: 4, dequeuesPerMinute: 0 },
  },
  heapCritical: {
    kind: IncidentKind.resourcePressure,
    resource: "heap",
    condition: "heap-critical",
    severity: Severity.critical,
    evidence: { percent: 97 },
  },
  connectionLeakAtLimit: {
    kind: IncidentKind.connectionExhaustion,
    resource: null,
    condition: "connections-at-limit",
    severity: Severity.critical,
    evidence: { connections: 1990, limit: 2000, percentOfLimit: 99.5, growthPerMinute: 4.2, minutesToLimit: 2 },
  },
  noConsumers: {
    kind: IncidentKind.consumerLag,
    resource: "orders.in",
    condition: "no-consumers",
    severity: Severity.critical,
    evidence: { condition: "no-consumers", backlog: 1200, consumers: 0 },
  },
  slowConsumers: {
    kind: IncidentKind.consumerLag,
    resource: "orders.in",
    condition: "slow-consumers",
    severity: Severity.warning,
    evidence: { condition: "slow-consumers", backlog: 5000, consumers: 2 },
  },
  deadLetter: {
    kind: IncidentKind.consumerLag,
    resource: "ActiveMQ.DLQ",
    condition: "dead-letter-growing",
    severity: Severity.warning,
    evidence: { condition: "dead-letter-growing", growth: 40 },
  },
  storeFull: {
    kind: IncidentKind.resourcePressure,
    resource: "store",
    condition: "store-critical",
    severity: Severity.critical,
    evidence: { percent: 100 },
  },
  heapHigh: {
    kind: IncidentKind.resourcePressure,
    resource: "heap",
    condition: "heap-high",
    severity: Severity.warning,
    evidence: { percent: 85 },
  },
  connectionsAtLimitSteady: {
    kind: IncidentKind.connectionExhaustion,
    resource: null,
    condition: "connections-at-limit",
    severity: Severity.critical,
    evidence: { connections: 2000, limit: 2000, percentOfLimit: 100, growthPerMinute: null, minutesToLimit: null },
  },
  unauthorizedApi: {
    kind: IncidentKind.unauthorizedApi,
    resource: "arn:aws:iam::111122223333:user/mallory",
    condition: "denied-burst-critical",
    severity: Severity.critical,
    evidence: { denials: 40 },
  },
  riskyChange: {
    kind: IncidentKind.riskyChange,
    resource: "RebootBroker",
    condition: "RebootBroker",
    severity: Severity.warning,
    evidence: { calls: 1 },
  },
  posture: {
    kind: IncidentKind.posture,
    resource: "public-access",
    condition: "public-access",
    severity: Severity.critical,
    evidence: { publiclyAccessible: true },
  },
  brokerUnhealthy: {
    kind: IncidentKind.brokerUnhealthy,
    resource: null,
    condition: "metrics-missing",
    severity: Severity.critical,
    evidence: { silentMinutes: 9 },
  },
} as const satisfies Record<string, IncidentShape & { evidence: Evidence }>;

/** An open incident of `shape` on `broker` at version 1, first seen at T0; override any field. */
export function anIncident(shape: IncidentShape = Shapes.stalled, broker = "orders", overrides: Partial<Incident> = {}): Incident {
  const { kind, resource, severity, condition, evidence } = shape;
  return baseIncident({ kind, broker, resource, severity, condition, evidence, ...overrides });
}

/** The request the metrics cycle would send for an incident on a broker. */
export function requestFor(incident: Incident, broker: Pick<Broker, "id">, requestedAt = T0): RemediationRequest {
  return { incidentId: incident.id, fingerprint: incident.fingerprint, broker: incident.broker, brokerId: broker.id, requestedAt };
}

/**
 * `BrokerControl` over a set of brokers the test controls: `describe` answers what `brokers` holds
 * now (absent: the broker no longer exists), `reboot` records the call and, when told, fails.
 */
export class FakeBrokerControl implements BrokerControl {
  readonly brokers = new Map<string, Broker>();
  readonly reboots: { brokerId: string; at: number }[] = [];
  /** When set, RebootBroker answers with this error (after recording the attempt). */
  rebootError: Error | null = null;
  /** When set, DescribeBroker answers with this error. */
  describeError: Error | null = null;
  /** Called on each reboot before it is answered, to capture what held at that moment. */
  onReboot: ((brokerId: string) => Promise<void> | void) | null = null;
  /** Called with each DescribeBroker answer (null: no such broker). */
  onDescribe: ((brokerId: string, broker: Broker | null) => void) | null = null;

  constructor(
    private readonly clock: { now(): number },
    ...brokers: Broker[]
  ) {
    for (const b of brokers) this.brokers.set(b.id, b);
  }

  async describe(brokerId: string): Promise<Broker | null> {
    if (this.describeError) throw this.describeError;
    const broker = this.brokers.get(brokerId) ?? null;
    this.onDescribe?.(brokerId, broker);
    return broker ? structuredClone(broker) : null;
  }

  async reboot(brokerId: string): Promise<void> {
    this.reboots.push({ brokerId, at: this.clock.now() });
    await this.onReboot?.(brokerId);
    if (this.rebootError) throw this.rebootError;
  }

  /** The brokers' states by id, as the minute cycle's inventory would report them. */
  states(): Map<string, string> {
    return new Map([...this.brokers.values()].map((b) => [b.id, b.state]));
  }
}

/** A kill switch the test flips: off, on, or unreadable (its read throws). */
export class FakeKillSwitch implements KillSwitch {
  constructor(public state: "off" | "on" | "unreadable" = "off") {}
  async isOn(): Promise<boolean> {
    if (this.state === "unreadable")
      throw Object.assign(new Error("User is not authorized to perform ssm:GetParameter"), { name: "AccessDeniedException" });
    return this.state === "on";
  }
}

/**
 * The memory opt-in records, seeded with what the minute cycle records when it first sees brokers
 * (each broker's opt-in, `since: null`), and a switch that makes reads or writes fail.
 */
export class FakeOptInRecords implements OptInRecords {
  readonly inner = new MemoryOptInRecords();
  /** When set, `get` answers with this error. */
  readError: Error | null = null;
  /** When set, `record` answers with this error. */
  writeError: Error | null = null;
  private readonly seeded: Promise<unknown>;

  constructor(...seeds: OptInState[]) {
    this.seeded = Promise.all(seeds.map((s) => this.inner.record(s)));
  }

  /** The first sighting of brokers as they are described: the opt-in predates the monitor. */
  static firstSighting(brokers: readonly Broker[]): FakeOptInRecords {
    return new FakeOptInRecords(
      ...brokers.map((b) => ({ brokerId: b.id, broker: b.name, optedIn: optedIn(b), since: null, source: "inventory" })),
    );
  }

  async get(brokerIds: readonly string[]): Promise<Map<string, OptInState>> {
    await this.seeded;
    if (this.readError) throw this.readError;
    return this.inner.get(brokerIds);
  }

  async record(state: OptInState): Promise<boolean> {
    await this.seeded;
    if (this.writeError) throw this.writeError;
    return this.inner.record(state);
  }

  /** The recorded state of a broker, or undefined. */
  async of(brokerId: string): Promise<OptInState | undefined> {
    await this.seeded;
    return (await this.inner.get([brokerId])).get(brokerId);
  }
}

/** Everything `remediate`, `verifyRemediations` and the remediate handler need, in memory. */
export function remediationWorld(options: { config?: Config; brokers?: Broker[]; optIns?: FakeOptInRecords } = {}) {
  const clock = new TestClock();
  const brokers = options.brokers ?? [anOptedInBroker()];
  const control = new FakeBrokerControl(clock, ...brokers);
  const optIns = options.optIns ?? FakeOptInRecords.firstSighting(brokers);
  const incidents = new MemoryIncidentStore();
  const ledger = new MemoryRemediationLedger(clock);
  const killSwitch = new FakeKillSwitch();
  const notifier = new RecordingNotifier("slack");
  const log = new RecordingLog();
  const deps: RemediateFunctionDeps = {
    incidents,
    ledger,
    control,
    killSwitch,
    optIns,
    approvals: new MemoryApprovalStore(),
    notifiers: [notifier],
    clock,
    log,
    config: options.config ?? remediationConfig({ mode: "auto" }),
    silences: new MemorySilenceStore(),
    links: { accountId: "", region: "us-east-1", brokerIds: {} },
  };
  return { deps, clock, control, incidents, ledger, killSwitch, optIns, notifier, log };
}

/** Stores an incident as the only active one of its fingerprint (resolving an earlier one), and returns it as stored. */
export async function plant(store: MemoryIncidentStore, incident: Incident): Promise<Incident> {
  const current = await store.get(incident.fingerprint);
  if (current && (current.status === "open" || current.status === "pending")) {
    await store.save({ ...current, status: "resolved", resolvedAt: incident.firstSeenAt, version: current.version + 1 }, current.version);
  }
  if (!(await store.save(incident, 0))) throw new Error(`could not plant ${incident.id}`);
  return incident;
}

/** The Lambda context fields the handler reads; no deadline, so middy sets no early-timeout timer. */
export const lambdaContext = {
  functionName: "mq-sentinel-test-remediate",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:111122223333:function:mq-sentinel-test-remediate",
  awsRequestId: "00000000-0000-4000-8000-000000000001",
} as Context;
