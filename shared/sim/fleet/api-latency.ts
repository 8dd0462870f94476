import { uniform } from "./reference-fleet";

/**
 * Simulated API latency, with real timers, so a timed cycle runs the real adapters' concurrency
 * (batches in flight, DescribeBroker fan-out, ListMetrics pages one after another).
 */
export interface LatencyModel {
  /** Milliseconds one call of `service:Operation` takes, given its input. */
  delayMs(operation: string, input: Record<string, unknown>, n: number): number;
}

/**
 * Typical in-region latencies: GetMetricData 50-150 ms (more queries, longer answers),
 * ListMetrics 30 ms a page, Amazon MQ 40 ms, DynamoDB 8 ms; each with +-20% deterministic jitter.
 */
export const TYPICAL_LATENCY: LatencyModel = {
  delayMs(operation, input, n) {
    const jitter = 0.8 + 0.4 * uniform(0x1a7, n);
    if (operation === "cloudwatch:GetMetricData") {
      const queries = ((input.MetricDataQueries as unknown[] | undefined) ?? []).length;
      return (50 + (100 * queries) / 500) * jitter;
    }
    if (operation === "cloudwatch:ListMetrics") return 30 * jitter;
    if (operation.startsWith("mq:")) return 40 * jitter;
    if (operation.startsWith("dynamodb:")) return 8 * jitter;
    return 20 * jitter;
  },
};

/** One call as it was made, for rates per second. */
export interface TimedCall {
  operation: string;
  /** performance.now() when the call started. */
  startedAt: number;
}

/** The most calls started within any window of `windowMs` (a sliding window over start times). */
export function peakPerWindow(starts: readonly number[], windowMs = 1000): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while ((sorted[hi] as number) - (sorted[lo] as number) >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
