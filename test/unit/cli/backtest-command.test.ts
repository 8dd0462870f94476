import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backtestCommand } from "../../../cli/backtest-command";
import { IncidentKind } from "../../../shared/core/types";
import { loadScenarioFile, type Scenario } from "../../../shared/sim/scenario";
import { simulatedClock } from "../../../shared/sim/sdk-boundary";
import { SimulatedAccount } from "../../../shared/sim/simulated-account";
import { simulatedClients } from "../../../shared/sim/simulated-deps";

const LIBRARY = join(__dirname, "..", "..", "..", "scenarios");

/**
 * A scenario is a slice of an account's history: backtested at its end, the history must give the
 * scenario's expected metric incidents. Only scenarios made of metrics alone qualify: no API events,
 * no faults, no broker state changes or reboots (the history has no broker states), every expectation
 * a metric incident.
 */
function historyOnly(s: Scenario): boolean {
  const raw = JSON.parse(readFileSync(s.source, "utf8")) as { brokers: Record<string, unknown>[]; metrics: Record<string, unknown>[] };
  const metricKinds: readonly string[] = [IncidentKind.consumerLag, IncidentKind.connectionExhaustion, IncidentKind.resourcePressure];
  return (
    s.events.length === 0 &&
    s.faults.length === 0 &&
    s.interactions.length === 0 &&
    s.expectRemediations.length === 0 &&
    raw.brokers.every((b) => !b.stateChanges && !b.deletedAt && !b.state) &&
    raw.metrics.every((m) => !m.afterReboot) &&
    s.expect.every((e) => metricKinds.includes(e.kind))
  );
}

async function backtest(s: Scenario, args: string[]) {
  const account = new SimulatedAccount(s);
  // The end of the slice: every datapoint visible.
  account.minute = s.durationMinutes + s.publishDelayMinutes;
  const out: string[] = [];
  const err: string[] = [];
  const code = await backtestCommand(
    args,
    (l) => out.push(l),
    (l) => err.push(l),
    {
      clock: simulatedClock(account),
      publishDelayMinutes: s.publishDelayMinutes,
      makeClient: simulatedClients(account),
    },
  );
  return { code, out: out.join("\n"), err: err.join("\n"), account };
}

interface JsonIncident {
  kind: string;
  broker: string;
  resource: string | null;
  openedAt: string;
}

const scenarios = readdirSync(LIBRARY)
  .filter((f) => f.endsWith(".json") && (f.startsWith("amq-") || f.startsWith("rmq-")))
  .map((f) => loadScenarioFile(join(LIBRARY, f)))
  .filter(historyOnly);

describe("mq-sentinel backtest", () => {
  it("has scenarios to backtest, with and without incidents", () => {
    expect(scenarios.filter((s) => s.expect.length > 0).length).toBeGreaterThanOrEqual(8);
    expect(scenarios.filter((s) => s.expect.length === 0).length).toBeGreaterThanOrEqual(5);
  });

  it.each(scenarios.map((s) => [s.name, s] as const))("finds exactly the expected incidents in the history of %s", async (_name, s) => {
    // Act
    const { code, out, account } = await backtest(s, ["--days", "1", "--json"]);
    // Assess: every expectation met by an incident opened within its minutes, nothing else opened
    expect(code).toBe(0);
    const result = JSON.parse(out) as { incidents: JsonIncident[] };
    const opened = result.incidents.map((i) => ({ ...i, minute: (Date.parse(i.openedAt) - s.startMs) / 60_000 }));
    for (const e of s.expect) {
      const match = opened.find(
        (i) =>
          i.kind === e.kind &&
          i.broker === e.broker &&
          (e.resource === undefined || i.resource === e.resource) &&
          i.minute >= e.from &&
          i.minute <= e.to,
      );
      expect({ expectation: e, match: match !== undefined }).toEqual({ expectation: e, match: true });
    }
    const unexpected = opened.filter(
      (i) => !s.expect.some((e) => i.kind === e.kind && i.broker === e.broker && (e.resource === undefined || i.resource === e.resource)),
    );
    expect(unexpected).toEqual([]);
    // Nothing sent, nothing rebooted, nothing written
    expect(account.calls.get("mq:RebootBroker")).toBeUndefined();
    expect(account.calls.get("sns:Publish")).toBeUndefined();
    expect(account.records).toEqual([]);
  });

  it("prints the cost estimate first and reads no history above the threshold without --yes", async () => {
    // Prepare
    const s = scenarios.find((x) => x.name === "amq-stalled-consumers") as Scenario;
    // Act
    const { code, out, err, account } = await backtest(s, ["--days", "15", "--max-usd", "0.0001"]);
    // Assess
    expect(code).toBe(2);
    expect(out).toMatch(/cost estimate: \d+ metrics in \d+ GetMetricData calls ≈ \$0\.\d{4}/);
    expect(err).toMatch(/above \$0\.0001: re-run with --yes/);
    expect(account.calls.get("cloudwatch:GetMetricData")).toBeUndefined();
  });

  it("reads 15 days of every metric in as few calls as the datapoint quota allows, each metric billed once", async () => {
    const s = scenarios.find((x) => x.name === "amq-stalled-consumers") as Scenario;
    const { code, out, account } = await backtest(s, ["--days", "15", "--yes"]);
    expect(code).toBe(0);
    const metrics = Number(/cost estimate: (\d+) metrics in (\d+) GetMetricData calls/.exec(out)?.[1]);
    const calls = Number(/cost estimate: (\d+) metrics in (\d+) GetMetricData calls/.exec(out)?.[2]);
    // 15 days of 1-minute data is 21,600 datapoints a metric: 4 metrics a call stay under 100,800.
    expect(calls).toBe(Math.ceil(metrics / 4));
    expect(account.calls.get("cloudwatch:GetMetricData")).toBe(calls);
    expect(account.metricsRequested).toBe(metrics);
    expect(out).toMatch(/CRITICAL consumer-lag +risk-engine-27 \/ score\.requests: 1 incident/);
  });

  it("reports per broker the reboots the guards would have blocked, and why", async () => {
    const s = scenarios.find((x) => x.name === "amq-stalled-consumers") as Scenario;
    const { out } = await backtest(s, ["--days", "1"]);
    expect(out).toMatch(/risk-engine-27 +1 +\d+ +[\d.]+ +0 \/ 1/);
    expect(out).toMatch(/blocked 1×: broker risk-engine-27 is not opted in/);
  });

  it("backtests only the brokers and queues asked for", async () => {
    const s = scenarios.find((x) => x.name === "amq-stalled-consumers") as Scenario;
    const other = await backtest(s, ["--days", "1", "--queue", "some.other.queue"]);
    expect(other.out).toMatch(/1 broker, 0 queues/);
    expect(other.out).toMatch(/no incident would have opened/);
    const missing = await backtest(s, ["--days", "1", "--broker", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/broker nope: not in us-east-1/);
  });

  it("judges with the settings of --config", async () => {
    const s = scenarios.find((x) => x.name === "amq-stalled-consumers") as Scenario;
    const dir = mkdtempSync(join(tmpdir(), "backtest-"));
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ detection: { consumerLag: { stalledMinutes: 55 } } }));
    const { code, out, err } = await backtest(s, ["--days", "1", "--config", file]);
    expect({ code, err: err.replace(/group .*\n?/g, "") }).toEqual({ code: 0, err: "" });
    expect(out).toMatch(/no incident would have opened/);
  });

  it("names, for a noisy threshold, the settings that would have kept it quiet, each checked on the history", async () => {
    // Prepare: CPU spikes of a minute, judged with a low threshold held for one minute
    const s = loadScenarioFile(join(LIBRARY, "amq-quiet-cpu-spikes.json"));
    const dir = mkdtempSync(join(tmpdir(), "backtest-"));
    const noisy = {
      detection: { resources: { cpu: { warnPercent: 50, criticalPercent: 99, sustainMinutes: 1 } } },
      incidents: { resolveAfterMinutes: 2 },
    };
    writeFileSync(join(dir, "noisy.json"), JSON.stringify(noisy));
    // Act
    const { out } = await backtest(s, ["--days", "1", "--config", join(dir, "noisy.json")]);
    // Assess: noisy (it re-opened and flapped: flap detection keeps it to one open incident at a time),
    // with settings that would have kept it quiet
    expect(out).toMatch(/resource-pressure +pricing-rules-39 \/ cpu: \d+ incidents?, /);
    const advice = [
      ...out.matchAll(/noisy: detection\.resources\.cpu\.(warnPercent|sustainMinutes): \d+ → (\d+) would have kept it quiet/g),
    ];
    expect(advice.map((m) => m[1])).toContain("sustainMinutes");
    // ... and each of them does, run on its own
    for (const [, key, value] of advice) {
      const cpu = { [key as string]: Number(value) };
      const file = join(dir, `quiet-${key}.json`);
      writeFileSync(file, JSON.stringify({ ...noisy, detection: { resources: { cpu: { ...noisy.detection.resources.cpu, ...cpu } } } }));
      expect((await backtest(s, ["--days", "1", "--config", file])).out).toMatch(/no incident would have opened/);
    }
  });

  it("refuses more than 15 days, and an unknown option", async () => {
    const s = scenarios[0] as Scenario;
    expect((await backtest(s, ["--days", "16"])).code).toBe(2);
    expect((await backtest(s, ["--days", "1", "--frobnicate"])).code).toBe(2);
  });
});
