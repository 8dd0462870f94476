import { MemoryIncidentStore } from "../../../shared/adapters/memory-incident-store";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { createFetchSchedule, type MetricsCycleDeps } from "../../../shared/app/run-metrics-cycle";
import { DEFAULT_CONFIG } from "../../../shared/core/config";
import type { MessageGroup } from "../../../shared/core/notifications";
import type { Broker, EngineType, MinuteWindow, QueueRef, Series } from "../../../shared/core/types";
import type {
  BrokerInventory,
  DeliveryResult,
  InventorySnapshot,
  MetricFetch,
  MetricRequest,
  MetricSource,
  Notifier,
  QueueListing,
} from "../../../shared/ports";

import { MINUTE, T0, type TestClock } from "../../support/clock";

/** Small in-memory fakes of the ports, for use-case tests (no SDK involved). */

export { activeMqBroker } from "../../support/brokers";
export { TestClock as FakeClock } from "../../support/clock";
export { MINUTE, T0 };

export class FakeInventory implements BrokerInventory {
  brokers: Broker[] = [];
  failing = false;
  skipped: InventorySnapshot["skipped"] = [];
  async listBrokers(): Promise<InventorySnapshot> {
    if (this.failing) throw new Error("ThrottlingException");
    return { brokers: this.brokers.map((b) => ({ ...b })), skipped: this.skipped, actionsRequired: new Map(), complete: true };
  }
}

/**
 * Metric data by metric name and dimensions: `values[i]` is the datapoint of minute i (from T0),
 * visible from minute i + 2 as in CloudWatch with a one-minute publishing delay.
 */
export class FakeMetrics implements MetricSource {
  private readonly data = new Map<string, (number | null)[]>();
  queues = new Map<string, QueueRef[]>();
  failFetch = false;
  requested: MetricRequest[][] = [];

  constructor(private readonly clock: TestClock) {}

  set(metric: string, dimensions: Record<string, string>, values: (number | null)[]): void {
    this.data.set(key(metric, dimensions), values);
  }

  async listQueues(_engine: EngineType): Promise<QueueListing> {
    return { queuesByNode: this.queues, listedAt: this.clock.now() };
  }

  async fetch(requests: readonly MetricRequest[], window: MinuteWindow): Promise<MetricFetch> {
    this.requested.push([...requests]);
    if (this.failFetch) {
      return {
        series: new Map(),
        failedKeys: new Set(requests.map((r) => r.key)),
        errors: ["ThrottlingException"],
        calls: 1,
        metricsRequested: requests.length,
      };
    }
    const series = new Map<string, Series>();
    const lastVisible = this.clock.minute - 2;
    for (const r of requests) {
      const values = this.data.get(key(r.metric, r.dimensions)) ?? [];
      const s: (number | null)[] = [];
      for (let i = 0; i < window.minutes; i++) {
        const minute = Math.round((window.startMs - T0) / MINUTE) + i;
        s.push(minute >= 0 && minute <= lastVisible ? (values[minute] ?? null) : null);
      }
      series.set(r.key, s);
    }
    return { series, failedKeys: new Set(), errors: [], calls: 1, metricsRequested: requests.length };
  }
}

function key(metric: string, dimensions: Record<string, string>): string {
  return `${metric}|${JSON.stringify(Object.entries(dimensions).sort())}`;
}

/** A notifier that records the messages it is given and answers as told (ok by default). */
export class RecordingNotifier implements Notifier {
  readonly sent: MessageGroup[] = [];
  answer: DeliveryResult | null = null;
  constructor(readonly name = "recording") {}
  async send(group: MessageGroup): Promise<DeliveryResult> {
    this.sent.push(group);
    return (
      this.answer ?? {
        ok: true,
        body: { broker: group.broker, transition: group.transition, incidents: group.items.map((i) => i.incident.id) },
      }
    );
  }
}

/**
 * The metrics cycle's deps around the parts a test gives: by default an empty memory store, no
 * channel, reboot requests dropped, a recording log, the default configuration and a fresh schedule.
 */
export function cycleDeps(parts: Pick<MetricsCycleDeps, "inventory" | "metrics" | "clock"> & Partial<MetricsCycleDeps>): MetricsCycleDeps {
  const config = parts.config ?? DEFAULT_CONFIG;
  return {
    incidents: new MemoryIncidentStore(),
    notifiers: [],
    remediation: { request: async () => {} },
    log: new RecordingLog(),
    config,
    schedule: createFetchSchedule(config),
    ...parts,
  };
}
