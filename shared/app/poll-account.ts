import type { MessageContext } from "../core/notifications";
import { brokerInRegion } from "../core/regions";
import type { ApprovalStore } from "../ports";
import { auditNewBrokers, type NewBrokerAuditDeps } from "./audit-new-brokers";
import { type Delivery, type DeliveryDeps, type DeliveryHealth, deliverNotifications } from "./deliver-notifications";
import { expireApprovals, type RemediationResult } from "./remediate";
import { type CycleReport, type MetricsCycleDeps, runMetricsCycle } from "./run-metrics-cycle";
import { type ApiSweepDeps, sweepApiIncidents } from "./sweep-api-incidents";
import { type VerifyDeps, verifyRemediations } from "./verify-remediations";

/** What a poll of the account needs: the home region's cycle and everything after detection. */
export type PollAccountDeps = MetricsCycleDeps &
  ApiSweepDeps &
  DeliveryDeps &
  VerifyDeps &
  NewBrokerAuditDeps & { approvals: ApprovalStore };

/** A further region a deployment watches: its own brokers, metrics and fetch schedule. */
export type RegionalCycleDeps = Pick<MetricsCycleDeps, "inventory" | "metrics" | "schedule"> & { region: string };

export type PollAccountReport = CycleReport & {
  deliveries: Delivery[];
  /** Reboot requests nobody answered in time, expired this minute (mode approve). */
  expiredApprovals: RemediationResult[];
};

/** What one poll of the account did, as counted for mq-sentinel's own metrics. */
export interface CycleFigures {
  at: number;
  durationMs: number;
  findings: number;
  transitions: number;
  metricsRequested: number;
  getMetricDataCalls: number;
  handledErrors: number;
}

/** The values of one invocation, passed in rather than kept in `deps`. */
export interface PollCall {
  /** The account the invocation runs in (for console links and account-wide messages). */
  accountId: string;
  /** The broker ids this process has learnt so far; this poll adds its own. */
  knownBrokers: KnownBrokerIds;
  /** Broker states the previous polls of this process saw (to notice a broker that finished being created). */
  seenStates: Map<string, string>;
  /** Milliseconds delivery may still take. */
  timeLeft: () => number;
  /** Where the heartbeat figures go, once detection has run. */
  emitFigures?: (figures: CycleFigures) => void;
  /** Where the delivery-health figures go, once delivery has run. */
  emitDeliveryHealth?: (health: DeliveryHealth) => void;
}

/**
 * The metrics cycle of each watched region, home first. With one region a cycle judges every
 * incident; with several, each only its own region's brokers.
 */
export function regionalCycles(
  deps: MetricsCycleDeps & { links: MessageContext },
  others: readonly RegionalCycleDeps[],
): MetricsCycleDeps[] {
  const home = deps.links.region;
  if (others.length === 0) return [deps];
  return [
    { ...deps, owns: (broker) => brokerInRegion(broker, home, home) },
    // The scrape function runs in the home region's VPC: only home-region brokers are read through it.
    ...others.map((r) => ({ ...deps, ...r, scrapes: undefined, owns: (broker: string) => brokerInRegion(broker, r.region, home) })),
  ];
}

/**
 * One poll of the account (the poll-metrics function, every minute):
 * 1. one metrics cycle per watched region, side by side, merged into one report
 * 2. the sweep that resolves API incidents whose calls stopped (no event announces that)
 * 3. the check of recent reboots
 * 4. the posture re-check of brokers that were just created and now run
 * 5. the expiry of reboot requests nobody answered
 * 6. the heartbeat figures, before delivery: a destination that hangs must not look like detection stopped
 * 7. the delivery of every notification waiting in an outbox, within the time left
 */
export async function pollAccount(deps: PollAccountDeps, cycles: readonly MetricsCycleDeps[], call: PollCall): Promise<PollAccountReport> {
  const startedAt = deps.clock.now();
  const report = mergeReports(await Promise.all(cycles.map((c) => runMetricsCycle(c))));
  call.knownBrokers.learn(report.brokerIds);
  const sweep = await sweepApiIncidents(deps);
  const verify = await verifyRemediations(deps, new Map(Object.entries(report.brokerStates)));
  const listed = Object.entries(report.brokerIds).map(([name, id]) => ({ id, name, state: report.brokerStates[id] ?? "" }));
  const audits = await auditNewBrokers(deps, listed, call.seenStates);
  const approvals = await expireApprovals(deps);
  const detectionErrors = [...report.errors, ...sweep.errors, ...verify.errors, ...audits.errors, ...approvals.errors];
  call.emitFigures?.({
    at: startedAt,
    durationMs: deps.clock.now() - startedAt,
    findings: report.findings.length,
    transitions: report.transitions.length + sweep.transitions.length,
    metricsRequested: report.metricsRequested,
    getMetricDataCalls: report.getMetricDataCalls,
    handledErrors: detectionErrors.length,
  });
  const links = call.knownBrokers.links(deps.links, call.accountId);
  const delivery = await deliverNotifications({ ...deps, links }, { timeLeft: call.timeLeft });
  call.emitDeliveryHealth?.(delivery.health);
  return {
    ...report,
    transitions: [...report.transitions, ...sweep.transitions],
    errors: [...detectionErrors, ...delivery.errors],
    deliveries: delivery.deliveries,
    expiredApprovals: approvals.expired,
  };
}

/**
 * Broker ids by (qualified) name as the metrics cycles list them, for console links. A process keeps
 * one: a warm poll-metrics container, or the whole replay, whose functions share what poll-metrics learnt.
 */
export class KnownBrokerIds {
  private readonly byName: Record<string, string> = {};

  learn(ids: Readonly<Record<string, string>>): void {
    Object.assign(this.byName, ids);
  }

  /** The links of one invocation: the deployment's, in `accountId`, with every broker id learnt so far. */
  links(base: MessageContext, accountId: string): MessageContext {
    return { ...base, accountId, brokerIds: { ...base.brokerIds, ...this.byName } };
  }
}

/** The account id of an invocation: the deployment's when it names one, else the function ARN's (`arn:aws:lambda:<region>:<account>:...`). */
export function accountOf(links: MessageContext, functionArn: string): string {
  return links.accountId || (functionArn.split(":")[4] ?? "");
}

/** One report of the cycles of several regions. */
function mergeReports(reports: CycleReport[]): CycleReport {
  const [first, ...rest] = reports as [CycleReport, ...CycleReport[]];
  return rest.reduce<CycleReport>(
    (a, b) => ({
      at: a.at,
      brokers: a.brokers + b.brokers,
      ignored: a.ignored + b.ignored,
      findings: [...a.findings, ...b.findings],
      transitions: [...a.transitions, ...b.transitions],
      metricsRequested: a.metricsRequested + b.metricsRequested,
      getMetricDataCalls: a.getMetricDataCalls + b.getMetricDataCalls,
      errors: [...a.errors, ...b.errors],
      notices: [...a.notices, ...b.notices],
      brokerIds: { ...a.brokerIds, ...b.brokerIds },
      brokerStates: { ...a.brokerStates, ...b.brokerStates },
    }),
    first,
  );
}
