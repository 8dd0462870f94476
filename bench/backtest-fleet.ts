import { backtestCommand } from "../cli/backtest-command";
import { FleetAccount } from "../shared/sim/fleet/fleet-account";
import { buildFleet, REFERENCE_FLEET } from "../shared/sim/fleet/reference-fleet";
import { simulatedClock } from "../shared/sim/sdk-boundary";
import { simulatedClients } from "../shared/sim/simulated-deps";

/**
 * `npm run backtest:fleet`: `mq-sentinel backtest` on the benchmark's simulated reference fleet, as
 * if its last N days (default 15) were this account's CloudWatch history. Prints the cost estimate,
 * the run time and the findings (and writes an HTML report with `--html FILE`).
 *
 *   npm run backtest:fleet -- [--brokers N] [--queues N] [--days N] [--estimate] [--html FILE] [--json]
 *
 * `--estimate` stops after the cost estimate (nothing read). The whole reference fleet (200 x 50) took
 * 66 minutes on one core here (540,000 minutes of cycles); `--brokers 10` takes minutes.
 */
async function main(argv: string[]): Promise<number> {
  const options = { ...REFERENCE_FLEET };
  let days = 15;
  let estimateOnly = false;
  const passThrough: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--brokers") options.brokers = Number(argv[++i]);
    else if (a === "--queues") options.queuesPerBroker = Number(argv[++i]);
    else if (a === "--days") days = Number(argv[++i]);
    else if (a === "--estimate") estimateOnly = true;
    else passThrough.push(a);
  }
  const fleet = buildFleet(options);
  const account = new FleetAccount(fleet);
  // The end of the history: `days` of datapoints visible (the fleet's data starts at its start).
  account.minute = Math.round(days * 1440) + fleet.scenario.publishDelayMinutes;
  console.log(
    `reference fleet: ${options.brokers} brokers x ${options.queuesPerBroker} queues (seed ${options.seed}), ${days} days of simulated history`,
  );
  const started = performance.now();
  const code = await backtestCommand(
    ["--days", String(days), ...(estimateOnly ? ["--max-usd", "0"] : ["--yes"]), "--region", fleet.scenario.region, ...passThrough],
    (line) => console.log(line),
    (line) => console.error(line),
    {
      clock: simulatedClock(account),
      publishDelayMinutes: fleet.scenario.publishDelayMinutes,
      makeClient: simulatedClients(account),
    },
  );
  console.log(`total wall time ${((performance.now() - started) / 1000).toFixed(1)} s (reading the simulated history included)`);
  return code;
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
