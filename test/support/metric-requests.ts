import { NAMESPACE, type Statistic } from "../../shared/core/metric-catalog";
import type { MetricRequest } from "../../shared/ports";

/** A request for the Amazon MQ `metric` of `queue` on the broker node `node`, keyed by the queue's name unless told. */
export function queueMetricRequest(node: string, queue: string, metric: string, stat: Statistic, key = queue): MetricRequest {
  return { key, namespace: NAMESPACE, metric, dimensions: { Broker: node, Queue: queue }, stat };
}
