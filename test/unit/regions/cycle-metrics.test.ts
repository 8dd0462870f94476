import { cycleMetricsLine, SELF_METRICS_NAMESPACE } from "../../../shared/adapters/cycle-metrics";
import type { CycleFigures } from "../../../shared/app/poll-account";

const AT = Date.UTC(2026, 2, 2, 9, 0);

function figures(overrides: Partial<CycleFigures> = {}): CycleFigures {
  return {
    at: AT,
    durationMs: 1234,
    findings: 2,
    transitions: 1,
    metricsRequested: 100,
    getMetricDataCalls: 3,
    handledErrors: 0,
    ...overrides,
  };
}

interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

function parsed(line: string): EmfDocument {
  return JSON.parse(line) as EmfDocument;
}

describe("cycleMetricsLine", () => {
  it("is one line of JSON", () => {
    // Act
    const line = cycleMetricsLine(figures(), "prod");
    // Assess
    expect(line).not.toContain("\n");
    expect(() => JSON.parse(line)).not.toThrow();
  });

  it("is valid embedded metric format: every declared metric is a top-level number, every dimension a top-level string", () => {
    // Act
    const doc = parsed(cycleMetricsLine(figures(), "prod"));
    // Assess
    const [directive, ...more] = doc._aws.CloudWatchMetrics;
    expect(more).toEqual([]);
    expect(directive?.Namespace).toBe("mq-sentinel");
    expect(directive?.Namespace).toBe(SELF_METRICS_NAMESPACE);
    expect(directive?.Dimensions).toEqual([["Stage"]]);
    for (const dimension of directive?.Dimensions.flat() ?? []) expect(typeof doc[dimension]).toBe("string");
    for (const metric of directive?.Metrics ?? []) {
      expect(typeof doc[metric.Name]).toBe("number");
      expect(Number.isFinite(doc[metric.Name])).toBe(true);
    }
    expect(doc._aws.Timestamp).toBe(AT);
  });

  it("declares the heartbeat and the figures of the invocation, with their units", () => {
    // Act
    const doc = parsed(cycleMetricsLine(figures(), "prod"));
    // Assess
    expect(doc._aws.CloudWatchMetrics[0]?.Metrics).toEqual([
      { Name: "CyclesCompleted", Unit: "Count" },
      { Name: "CycleDurationMs", Unit: "Milliseconds" },
      { Name: "Findings", Unit: "Count" },
      { Name: "Transitions", Unit: "Count" },
      { Name: "MetricsRequested", Unit: "Count" },
      { Name: "GetMetricDataCalls", Unit: "Count" },
      { Name: "HandledErrors", Unit: "Count" },
      { Name: "CloudWatchUsdPerMonth", Unit: "None" },
    ]);
    expect(doc).toMatchObject({
      Stage: "prod",
      CyclesCompleted: 1,
      CycleDurationMs: 1234,
      Findings: 2,
      Transitions: 1,
      MetricsRequested: 100,
      GetMetricDataCalls: 3,
      HandledErrors: 0,
    });
  });

  it("carries the deployment's stage as the Stage dimension", () => {
    // Act
    const doc = parsed(cycleMetricsLine(figures(), "staging"));
    // Assess
    expect(doc.Stage).toBe("staging");
  });

  it("counts a completed cycle even when it found nothing and read nothing", () => {
    // Act
    const doc = parsed(cycleMetricsLine(figures({ findings: 0, transitions: 0, metricsRequested: 0, getMetricDataCalls: 0 }), "prod"));
    // Assess
    expect(doc.CyclesCompleted).toBe(1);
    expect(doc.CloudWatchUsdPerMonth).toBe(0);
  });

  it.each([
    // $0.01 per 1,000 metrics, 43,200 cycles in a 30-day month, rounded to cents.
    [100, 43.2],
    [1, 0.43],
    [2, 0.86],
    [3, 1.3],
    [250, 108],
    [1000, 432],
  ])("estimates the month's GetMetricData spend of %i metrics a cycle at $%d", (metricsRequested, usd) => {
    // Act
    const doc = parsed(cycleMetricsLine(figures({ metricsRequested }), "prod"));
    // Assess
    expect(doc.CloudWatchUsdPerMonth).toBe(usd);
  });
});
