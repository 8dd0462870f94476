import { readFileSync } from "node:fs";
import path from "node:path";
import { hasQueueCounters, mergeSnapshots, type QueueSnapshot, queueSnapshotOf } from "../../../shared/core/prometheus-rabbitmq-queues";
import { type PrometheusFamily, parsePrometheusText, renderPrometheusText } from "../../../shared/core/prometheus-text";

/** A real answer of Debian's RabbitMQ 3.10.8 (queue and per-channel families), captured from a local node. */
const REAL_3_10 = parsePrometheusText(readFileSync(path.join(__dirname, "../../fixtures/rabbitmq/detailed-3.10.8.txt"), "utf8"));

const family = (name: string, type: PrometheusFamily["type"], samples: [Record<string, string>, number][]): PrometheusFamily => ({
  name,
  type,
  help: null,
  samples: samples.map(([labels, value]) => ({ name, labels, value, timestampMs: null })),
});

/**
 * A RabbitMQ 4 node's answer with the per-queue counter families (`queue_delivery_metrics`,
 * `queue_exchange_metrics`), written from the names in rabbitmq_prometheus's collector: no 4.x broker
 * can be installed here.
 */
const NODE = {
  rabbitmq_node: "rabbit@ip-10-0-0-230.us-west-2.compute.internal",
  rabbitmq_cluster: "orders",
  rabbitmq_cluster_permanent_id: "x",
};
function rabbit4(node = NODE): QueueSnapshot {
  const q = (queue: string) => ({ vhost: "/", queue });
  return queueSnapshotOf(
    parsePrometheusText(
      renderPrometheusText([
        family("rabbitmq_detailed_queue_messages_ready", "gauge", [
          [q("orders"), 12],
          [{ vhost: "billing", queue: "orders" }, 3],
        ]),
        family("rabbitmq_detailed_queue_messages_unacked", "gauge", [[q("orders"), 5]]),
        family("rabbitmq_detailed_queue_consumers", "gauge", [[q("orders"), 2]]),
        family("rabbitmq_detailed_queue_messages_acked_total", "counter", [[q("orders"), 900]]),
        family("rabbitmq_detailed_queue_messages_delivered_total", "counter", [[q("orders"), 100]]),
        family("rabbitmq_detailed_queue_get_total", "counter", [[q("orders"), 4]]),
        family("rabbitmq_detailed_queue_exchange_messages_published_total", "counter", [
          [{ vhost: "/", queue: "orders", exchange: "events" }, 700],
          [{ vhost: "/", queue: "orders", exchange: "" }, 320],
          [{ vhost: "/", queue: "deleted-meanwhile", exchange: "" }, 1],
        ]),
        family("rabbitmq_build_info", "untyped", [[{ rabbitmq_version: "4.2.1", erlang_version: "27" }, 1]]),
        family("rabbitmq_identity_info", "untyped", [[node, 1]]),
      ]),
    ),
  );
}

describe("queueSnapshotOf", () => {
  it("reads a real RabbitMQ 3.10 answer: gauges per queue, and per-channel counters summed per channel", () => {
    // Act
    const snapshot = queueSnapshotOf(REAL_3_10);

    // Assess
    expect(snapshot.version).toBe("3.10.8");
    expect(snapshot.counters).toBe("channel");
    expect(hasQueueCounters(REAL_3_10)).toBe(false);
    const orders = snapshot.queues.find((q) => q.name === "orders");
    expect(orders).toMatchObject({ vhost: "/", ready: 0, unacked: 0, consumers: 2 });
    // One consumer acknowledged 13 messages, one took 7 with automatic acknowledgement: 20 left the queue.
    expect(Object.values(orders?.dequeued ?? {}).reduce((a, b) => a + b, 0)).toBe(20);
    expect(Object.keys(orders?.dequeued ?? {})).toHaveLength(2);
    expect(Object.values(orders?.published ?? {})).toEqual([20]);
    expect(snapshot.queues.find((q) => q.name === "orders.dlq")).toMatchObject({ ready: 20, consumers: 0, dequeued: {} });
  });

  it("reads a RabbitMQ 4 answer's per-queue counters, and keeps same-named queues of two virtual hosts apart", () => {
    // Act
    const snapshot = rabbit4();

    // Assess
    expect(snapshot.counters).toBe("queue");
    expect(snapshot.version).toBe("4.2.1");
    expect(snapshot.queues).toEqual([
      {
        vhost: "/",
        name: "orders",
        ready: 12,
        unacked: 5,
        consumers: 2,
        dequeued: { [NODE.rabbitmq_node]: 1004 },
        published: { [`${NODE.rabbitmq_node}|/|events`]: 700, [`${NODE.rabbitmq_node}|/|`]: 320 },
      },
      { vhost: "billing", name: "orders", ready: 3, unacked: null, consumers: null, dequeued: {}, published: {} },
    ]);
  });

  it("reads no counters where the answer has neither counter family, rather than counting zero", () => {
    // Prepare
    const gaugesOnly = parsePrometheusText(
      renderPrometheusText([family("rabbitmq_detailed_queue_messages_ready", "gauge", [[{ vhost: "/", queue: "a" }, 1]])]),
    );

    // Act
    const snapshot = queueSnapshotOf(gaugesOnly);

    // Assess
    expect(snapshot.counters).toBe("none");
  });

  it("takes a gauge that is not a number (NaN) as unknown", () => {
    // Prepare
    const text = parsePrometheusText('rabbitmq_detailed_queue_messages_ready{vhost="/",queue="a"} NaN\n');

    // Act
    const snapshot = queueSnapshotOf(text);

    // Assess
    expect(snapshot.queues[0]?.ready).toBeNull();
  });
});

describe("mergeSnapshots", () => {
  it("takes a cluster queue's gauges from the node that hosts it and adds every node's counters as their own series", () => {
    // Prepare
    const other = { ...NODE, rabbitmq_node: "rabbit@ip-10-0-1-17" };
    const host = rabbit4();
    const second = rabbit4(other);
    const secondOnlyCounts: QueueSnapshot = {
      ...second,
      queues: second.queues.map((q) => ({ ...q, ready: null, unacked: null, consumers: null })),
    };

    // Act
    const merged = mergeSnapshots([host, secondOnlyCounts]);

    // Assess
    const orders = merged.queues.find((q) => q.vhost === "/" && q.name === "orders");
    expect(orders).toMatchObject({ ready: 12, consumers: 2 });
    expect(orders?.dequeued).toEqual({ [NODE.rabbitmq_node]: 1004, [other.rabbitmq_node]: 1004 });
    expect(merged.nodes).toEqual([NODE.rabbitmq_node, other.rabbitmq_node]);
    expect(merged.counters).toBe("queue");
  });

  it("counts nothing when the nodes counted differently (one per queue, one per channel), rather than undercount", () => {
    // Act
    const merged = mergeSnapshots([rabbit4(), queueSnapshotOf(REAL_3_10)]);

    // Assess
    expect(merged.counters).toBe("none");
  });
});
