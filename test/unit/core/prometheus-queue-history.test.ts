import fc from "fast-check";
import { increase, PrometheusQueueHistory, ScrapedMetric } from "../../../shared/core/prometheus-queue-history";
import type { QueueSnapshot, ScrapedQueue } from "../../../shared/core/prometheus-rabbitmq-queues";
import type { MinuteWindow } from "../../../shared/core/types";
import { MINUTE } from "../../support/clock";

const T0 = Date.UTC(2026, 2, 2, 9, 0);
/** A read made during minute m (it stands for minute m - 1). */
const at = (m: number) => T0 + m * MINUTE + 5_000;
/** The window of the cycle that runs during minute m: its last index is minute m - 1, which that cycle's read stands for. */
const windowAt = (m: number, minutes = 10): MinuteWindow => ({ startMs: T0 + (m - minutes) * MINUTE, minutes });

function queue(overrides: Partial<ScrapedQueue> = {}): ScrapedQueue {
  return { vhost: "/", name: "orders", ready: 10, unacked: 2, consumers: 1, dequeued: {}, published: {}, ...overrides };
}
function snapshot(queues: ScrapedQueue[], counters: QueueSnapshot["counters"] = "queue"): QueueSnapshot {
  return { version: "4.2.1", nodes: ["rabbit@a"], counters, queues };
}

describe("PrometheusQueueHistory", () => {
  it("turns counters into per-minute counts: differences, a new series whole, a restarted counter whole, a closed channel nothing", () => {
    // Prepare
    const history = new PrometheusQueueHistory(10);
    const reads: Record<string, number>[] = [
      { ch1: 100 },
      { ch1: 130 }, // +30
      { ch1: 150, ch2: 7 }, // +20, new series +7
      { ch1: 4, ch2: 9 }, // restarted: +4, +2
      { ch2: 15 }, // ch1 closed: +6
    ];

    // Act
    reads.forEach((dequeued, m) => {
      history.record("b", at(m + 1), snapshot([queue({ dequeued })]));
    });
    const series = history.queuesOn("b", windowAt(5, 5))?.queues[0]?.series;

    // Assess
    expect(series?.[ScrapedMetric.dequeues]).toEqual([null, 30, 27, 6, 6]);
    expect(series?.[ScrapedMetric.ready]).toEqual([10, 10, 10, 10, 10]);
  });

  it("leaves the count after a minute that was not read unknown, never zero, and says the broker is not current", () => {
    // Prepare
    const history = new PrometheusQueueHistory(10);
    history.record("b", at(1), snapshot([queue({ dequeued: { n: 0 } })]));
    history.record("b", at(2), snapshot([queue({ dequeued: { n: 50 } })]));
    history.record("b", at(3), null);
    history.record("b", at(4), snapshot([queue({ dequeued: { n: 90 } })]));

    // Act
    const read = history.queuesOn("b", windowAt(4, 4));
    const afterAFailure = (() => {
      history.record("b", at(5), null);
      return history.queuesOn("b", windowAt(5, 4));
    })();

    // Assess
    expect(read?.queues[0]?.series[ScrapedMetric.dequeues]).toEqual([null, 50, null, null]);
    expect(read?.current).toBe(true);
    expect(afterAFailure?.current).toBe(false);
    expect(afterAFailure?.ageMinutes).toBe(1);
  });

  it("counts nothing when the read had no counters (an old broker without per-channel families)", () => {
    // Prepare
    const history = new PrometheusQueueHistory(10);
    history.record("b", at(1), snapshot([queue()], "none"));
    history.record("b", at(2), snapshot([queue()], "none"));

    // Act
    const series = history.queuesOn("b", windowAt(2, 2))?.queues[0]?.series;

    // Assess
    expect(series?.[ScrapedMetric.dequeues]).toEqual([null, null]);
    expect(series?.[ScrapedMetric.consumers]).toEqual([1, 1]);
  });

  it("lists only the queues of the last read: a deleted queue is not judged on its old minutes", () => {
    // Prepare
    const history = new PrometheusQueueHistory(10);
    history.record("b", at(1), snapshot([queue({ name: "a" }), queue({ name: "gone" })]));
    history.record("b", at(2), snapshot([queue({ name: "a" })]));

    // Act
    const read = history.queuesOn("b", windowAt(2, 3));

    // Assess
    expect(read?.queues.map((q) => q.queue.name)).toEqual(["a"]);
  });

  it("knows nothing of a broker never read in the window", () => {
    // Prepare
    const history = new PrometheusQueueHistory(10);
    history.record("b", at(1), snapshot([queue()]));

    // Act + Assess
    expect(history.queuesOn("b", windowAt(30, 10))).toBeNull();
    expect(history.queuesOn("never", windowAt(2, 10))).toBeNull();
  });

  it("keeps at most its capacity of minutes, reusing slots without mixing minutes up", () => {
    // Prepare
    const history = new PrometheusQueueHistory(5);
    for (let m = 1; m <= 12; m++) history.record("b", at(m), snapshot([queue({ ready: m })]));

    // Act
    const series = history.queuesOn("b", windowAt(12, 8))?.queues[0]?.series[ScrapedMetric.ready];

    // Assess: minutes 4..11 asked, 7..11 kept (read at 8..12).
    expect(series).toEqual([null, null, null, 8, 9, 10, 11, 12]);
  });
});

describe("increase", () => {
  it("equals the true increments of every series that either went on counting or restarted from zero", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            before: fc.integer({ min: 1, max: 1e6 }),
            restarted: fc.boolean(),
            step: fc.integer({ min: 0, max: 1e6 }),
          }),
          { maxLength: 20 },
        ),
        fc.integer({ min: 0, max: 1e6 }),
        (series, fresh) => {
          // Prepare: a restarted counter counts again from zero and (so a restart shows) stays below its old value.
          const before: Record<string, number> = {};
          const after: Record<string, number> = { fresh };
          let truth = fresh;
          series.forEach((s, i) => {
            before[`s${i}`] = s.before;
            const value = s.restarted ? s.step % s.before : s.before + s.step;
            after[`s${i}`] = value;
            truth += s.restarted ? value : s.step;
          });

          // Act + Assess
          expect(increase(before, after)).toBe(truth);
        },
      ),
    );
  });
});
