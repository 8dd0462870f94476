import { DEFAULT_CONFIG } from "../shared/core/config";
import { detectBrokerUnhealthy } from "../shared/core/detectors/broker-unhealthy";
import { detectConnectionExhaustion } from "../shared/core/detectors/connection-exhaustion";
import { detectConsumerLag, lagSeriesForQueue } from "../shared/core/detectors/consumer-lag";
import { detectResourcePressure } from "../shared/core/detectors/resource-pressure";
import { metricsFor } from "../shared/core/metric-catalog";
import { medianOf } from "../shared/core/series";
import { type BrokerObservation, MINUTE_MS, type QueueMetrics, type Series } from "../shared/core/types";
import { brokerOf, brokerValue, buildFleet, type FleetOptions, queueMetricValue, queueStateAt } from "../shared/sim/fleet/reference-fleet";

/**
 * The pure detector work of one cycle, per 1,000 queues: consumer lag on 1,000 queues (60-minute
 * windows of the reference fleet's traffic, every metric a sweep or drill reads) plus the
 * broker-level detectors (health, connections, resources) of the 20 brokers that hold them.
 * No I/O, no fetching, no incident folding: what DESIGN.md §4 asks to stay "well under one second".
 */

const WINDOW = 60;

/** Observations of the first `queues / queuesPerBroker` brokers, as a cycle that read every queue would build them. */
function prepareObservations(fleetOptions: FleetOptions, queues: number): BrokerObservation[] {
  const brokerCount = Math.ceil(queues / fleetOptions.queuesPerBroker);
  const fleet = buildFleet({ ...fleetOptions, brokers: brokerCount });
  return fleet.brokers.map((b, index): BrokerObservation => {
    // Different windows per broker (spread over the day), so bursts and dumps show up in some.
    const end = 600 + index * 37;
    const specs = metricsFor(b.engine);
    const window = (f: (i: number) => number | null): Series => Array.from({ length: WINDOW }, (_, k) => f(end - WINDOW + k));
    const series: Record<string, Series> = {};
    for (const spec of specs.broker) series[spec.name] = window((i) => brokerValue(b, spec.name, i));
    const limits: Record<string, number> = {};
    for (const spec of specs.limits) limits[spec.name] = brokerValue(b, spec.name, end - 1) as number;
    const queueMetrics: QueueMetrics[] = b.queues.map((q) => {
      const qs: Record<string, Series> = {};
      for (const spec of [...specs.queueSweep, ...specs.queueDetail]) {
        qs[spec.name] = window((i) => queueMetricValue(b.engine, q, queueStateAt(b, q, i), spec.name, i));
      }
      return { queue: q.vhost !== undefined ? { name: q.name, vhost: q.vhost } : { name: q.name }, series: qs };
    });
    return {
      broker: brokerOf(b),
      node: b.activeNode,
      window: { startMs: fleet.startMs + (end - WINDOW) * MINUTE_MS, minutes: WINDOW },
      series,
      limits,
      queues: queueMetrics,
      knownQueueCount: b.queues.length,
    };
  });
}

/** One pass of every detector over the observations; returns the findings count (kept live). */
function detectOnce(observations: readonly BrokerObservation[]): number {
  const config = DEFAULT_CONFIG.detection;
  let findings = 0;
  for (const o of observations) {
    findings += detectBrokerUnhealthy(
      { broker: o.broker, dataAgeMinutes: 1, fleetDataAgeMinutes: 1, usualDataAgeMinutes: 1, actionsRequired: [] },
      config.brokerHealth,
    ).findings.length;
    findings += detectConnectionExhaustion(o, config.connections).findings.length;
    findings += detectResourcePressure(o, config.resources).findings.length;
    for (const q of o.queues) {
      findings += detectConsumerLag(o.broker, q.queue.name, lagSeriesForQueue(o.broker.engine, q, o.series), config.consumerLag).findings
        .length;
    }
  }
  return findings;
}

export type DetectorBenchResult = ReturnType<typeof benchDetectors>;

/** Times `iterations` passes (after a warm-up, so the JIT has compiled the detectors): the median ms per 1,000 queues. */
export function benchDetectors(fleetOptions: FleetOptions, iterations = 300) {
  const observations = prepareObservations(fleetOptions, 1000);
  const queues = observations.reduce((n, o) => n + o.queues.length, 0);
  let findings = 0;
  for (let i = 0; i < 30; i++) findings = detectOnce(observations);
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    detectOnce(observations);
    times.push(performance.now() - started);
  }
  // Findings per pass: the healthy fleet should have none or almost none.
  return { msPer1000Queues: (medianOf(times) as number) * (1000 / queues), findings };
}
