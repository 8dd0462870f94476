import type { DeliveryHealth } from "../app/deliver-notifications";
import type { CycleFigures } from "../app/poll-account";
import { MINUTES_PER_MONTH, USD_PER_METRIC } from "../core/cost-model";

/** mq-sentinel's own metrics namespace (the heartbeat alarm and the dashboard read it). */
export const SELF_METRICS_NAMESPACE = "mq-sentinel";

/**
 * One log line in CloudWatch embedded metric format: Lambda turns it into metrics without an API
 * call (no PutMetricData permission, no latency). `CyclesCompleted` is the heartbeat; the spend
 * estimate extrapolates this cycle's metrics to a month of cycles.
 */
export function cycleMetricsLine(figures: CycleFigures, stage: string): string {
  const values = {
    CyclesCompleted: 1,
    CycleDurationMs: figures.durationMs,
    Findings: figures.findings,
    Transitions: figures.transitions,
    MetricsRequested: figures.metricsRequested,
    GetMetricDataCalls: figures.getMetricDataCalls,
    HandledErrors: figures.handledErrors,
    CloudWatchUsdPerMonth: Math.round(figures.metricsRequested * USD_PER_METRIC * MINUTES_PER_MONTH * 100) / 100,
  };
  const units: Record<keyof typeof values, string> = {
    CyclesCompleted: "Count",
    CycleDurationMs: "Milliseconds",
    Findings: "Count",
    Transitions: "Count",
    MetricsRequested: "Count",
    GetMetricDataCalls: "Count",
    HandledErrors: "Count",
    CloudWatchUsdPerMonth: "None",
  };
  return JSON.stringify({
    _aws: {
      Timestamp: figures.at,
      CloudWatchMetrics: [
        {
          Namespace: SELF_METRICS_NAMESPACE,
          Dimensions: [["Stage"]],
          Metrics: Object.keys(values).map((name) => ({ Name: name, Unit: units[name as keyof typeof values] })),
        },
      ],
    },
    Stage: stage,
    ...values,
  });
}

/**
 * One embedded-metric-format line of an invocation's deliveries (every function delivers): the
 * delivery-health metric, apart from the heartbeat, so "detection ran" and "people were told" alarm
 * separately.
 */
export function deliveryMetricsLine(health: DeliveryHealth, at: number, stage: string, functionName: string): string {
  const values = {
    NotificationsSent: health.sent,
    NotificationsFailed: health.failed,
    NotificationsDeferred: health.deferred,
    NotificationOutcomesUnknown: health.outcomeUnknown,
  };
  return JSON.stringify({
    _aws: {
      Timestamp: at,
      CloudWatchMetrics: [
        {
          Namespace: SELF_METRICS_NAMESPACE,
          Dimensions: [["Stage"], ["Stage", "Function"]],
          Metrics: Object.keys(values).map((name) => ({ Name: name, Unit: "Count" })),
        },
      ],
    },
    Stage: stage,
    Function: functionName,
    ...values,
  });
}
