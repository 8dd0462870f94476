import { MemoryIncidentStore } from "../shared/adapters/memory-incident-store";
import { RecordingLog } from "../shared/adapters/recording-log";
import { systemClock } from "../shared/adapters/system-clock";
import { createFetchSchedule, runMetricsCycle } from "../shared/app/run-metrics-cycle";
import { accountReaders, type MakeClient, makeAwsClient } from "../shared/build-deps";
import { type Config, DEFAULT_CONFIG, type RouteConfig } from "../shared/core/config";
import { estimateCost, type FleetShape } from "../shared/core/cost-model";
import { isDeadLetterQueue } from "../shared/core/detectors/consumer-lag";
import { rebootCanHelp } from "../shared/core/remediation-policy";
import { chooseRoute, routeChannels } from "../shared/core/routing";
import { type Broker, isIgnored, MINUTE_MS } from "../shared/core/types";
import { readCliEnvironment } from "../shared/env";
import { describeError, errorNameOf, ServiceCallError } from "../shared/errors";
import type { Clock, InventorySnapshot } from "../shared/ports";
import { configFromFile, type ParsedArgs, parseArgs } from "./args";
import { type Command, failedCommand } from "./command";

export const CHECK_USAGE = `  mq-sentinel check [--region R | --regions R1,R2] [--config FILE.json]
      Read-only look at the account in the default AWS credential chain: the brokers and their
      CloudWatch nodes, changes staged on them, the metric plan and its monthly cost, and one
      detection cycle's findings, each with the notification route it would take.
      Nothing is notified, nothing is rebooted, nothing is written.`;

/** The seams of `check`: the SDK client factory (real AWS by default), the clock, the configuration. */
export interface CheckOptions {
  makeClient?: MakeClient;
  clock?: Clock;
  config?: Config;
}

/** Runs `mq-sentinel check`; returns the exit code (0 fine, 1 findings or errors, 2 usage). */
export const checkCommand: Command<CheckOptions> = async (argv, out, err, options = {}) => {
  let args: ParsedArgs;
  let config = options.config ?? DEFAULT_CONFIG;
  try {
    args = parseArgs(argv, { values: ["region", "regions", "config"] });
  } catch (error) {
    return failedCommand("check", CHECK_USAGE, error, err);
  }
  const file = args.get("config");
  try {
    if (file !== undefined) config = configFromFile(file);
  } catch (error) {
    // Every problem of the file, one per line, without the usage around them.
    err(`mq-sentinel check: ${(error as Error).message}`);
    return 2;
  }
  const env = readCliEnvironment();
  const regions = (args.get("regions") ?? args.get("region") ?? env.region ?? "us-east-1")
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  const clock = options.clock ?? systemClock;
  const makeClient = options.makeClient ?? makeAwsClient;
  let worst = 0;
  for (const region of regions) worst = Math.max(worst, await checkRegion(region, makeClient, config, clock, out, err));
  return worst;
};

async function checkRegion(
  region: string,
  makeClient: MakeClient,
  config: Config,
  clock: Clock,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const log = new RecordingLog();
  const { inventory, metrics } = accountReaders({ region, makeClient, clock, log, inventoryTtlMs: MINUTE_MS });

  // 1. brokers (with a clear error for missing credentials or permissions)
  let snapshot: InventorySnapshot;
  try {
    snapshot = await inventory.listBrokers();
  } catch (error) {
    err(`${region}: ${explain(error)}`);
    return 1;
  }
  out(`== ${region}: ${snapshot.brokers.length} broker${snapshot.brokers.length === 1 ? "" : "s"}`);
  for (const s of snapshot.skipped) err(`${region}: broker ${s.brokerName} could not be described: ${s.reason}`);
  if (snapshot.brokers.length === 0) {
    out(`   no Amazon MQ brokers in ${region}: nothing to watch here`);
    return 0;
  }

  // 2. queues and the metric plan
  const fleet: FleetShape[] = [];
  const queueCounts = new Map<string, number>();
  for (const engine of new Set(snapshot.brokers.map((b) => b.engine))) {
    try {
      const listing = await metrics.listQueues(engine, 0);
      for (const b of snapshot.brokers.filter((x) => x.engine === engine)) {
        const names = new Set(b.nodes.flatMap((n) => (listing.queuesByNode.get(n) ?? []).map((q) => q.name)));
        queueCounts.set(b.name, names.size);
        if (!isIgnored(b))
          fleet.push({
            engine,
            queues: names.size,
            deadLetterQueues: [...names].filter((q) => isDeadLetterQueue(q, config.detection.consumerLag)).length,
            deploymentMode: b.deploymentMode,
            engineVersion: b.engineVersion,
          });
      }
    } catch (error) {
      err(`${region}: ${explain(error)}`);
      return 1;
    }
  }
  out(`   ${"BROKER".padEnd(28)} ${"ENGINE".padEnd(9)} ${"MODE".padEnd(24)} ${"STATE".padEnd(24)} ${"NODES".padEnd(34)} QUEUES`);
  for (const b of snapshot.brokers) out(`   ${row(b, queueCounts.get(b.name) ?? 0)}`);
  // RebootBroker rolls these out, whoever reboots: an operator should know before any reboot.
  for (const b of snapshot.brokers) if (b.pendingChanges.length > 0) out(`   ${stagedLine(b)}`);
  const cost = estimateCost(fleet, config.polling);
  out(
    `   metric plan: ~${cost.metricsPerCycle} metrics a minute in steady state (more while a broker's backlog moves) ≈ $${cost.usdPerMonth}/month in GetMetricData` +
      `${cost.usdPerQueueMonth !== null ? ` ($${cost.usdPerQueueMonth} per queue); the same signals as CloudWatch alarms: $${cost.alarmEquivalentUsdPerMonth}/month` : ""}`,
  );

  // 3. one detection cycle, read-only: nothing stored beyond memory, nothing notified or rebooted
  const report = await runMetricsCycle({
    inventory,
    metrics,
    incidents: new MemoryIncidentStore(),
    notifiers: [],
    remediation: { request: async () => {} },
    clock,
    log,
    config,
    schedule: createFetchSchedule(config),
  });
  for (const e of report.errors) err(`${region}: ${e}`);
  for (const [broker, limits] of Object.entries(report.limits ?? {})) out(`   limits: ${broker}: ${limits}`);
  for (const n of report.notices) out(`   note: ${n}`);
  out(
    `   one cycle: ${report.metricsRequested} metrics in ${report.getMetricDataCalls} GetMetricData calls; ${report.findings.length} finding${report.findings.length === 1 ? "" : "s"}`,
  );
  const routes = config.notifications.routes;
  if (routes.length > 0)
    out(`   notification routes (first match wins): ${routes.map(routeSummary).join("; ")}; else default (the deployment's Slack and SNS)`);
  const tagsOf = new Map(snapshot.brokers.map((b) => [b.name, b.tags]));
  for (const f of report.findings) {
    const reboot = rebootCanHelp({ ...f, resource: f.resource }).helps ? " [a reboot could help; see remediation.mode]" : "";
    // Every incident goes to exactly one route: the one its opening would take.
    const route = chooseRoute(routes, { kind: f.kind, severity: f.severity, tags: tagsOf.get(f.broker) ?? null });
    out(
      `   ${f.severity.toUpperCase().padEnd(8)} ${f.kind} ${f.broker}${f.resource ? ` / ${f.resource}` : ""}: ${f.summary}${reboot} → route ${route}`,
    );
  }
  return report.errors.length > 0 || report.findings.some((f) => f.severity !== "info") ? 1 : 0;
}

/** A route in one line: its name, its conditions and its destinations. */
export function routeSummary(route: RouteConfig): string {
  const { tags, kinds, severities } = route.match;
  const conditions = [
    ...Object.entries(tags ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(kinds ? [`kind ${kinds.join("|")}`] : []),
    ...(severities ? [`severity ${severities.join("|")}`] : []),
  ];
  return `${route.name} [${conditions.join(", ") || "every incident"}] → ${routeChannels(route).join(", ")}`;
}

/** The changes staged on a broker, which its next reboot applies (so mq-sentinel will not reboot it). */
export function stagedLine(b: Pick<Broker, "name" | "pendingChanges">): string {
  return `staged on ${b.name}, applied by its next reboot (mq-sentinel will not reboot it): ${b.pendingChanges.join("; ")}`;
}

function row(b: Broker, queues: number): string {
  const nodes = b.nodes.join(", ");
  return `${b.name.padEnd(28)} ${b.engine.padEnd(9)} ${b.deploymentMode.padEnd(24)} ${(b.state + (isIgnored(b) ? " (ignored)" : "")).padEnd(24)} ${nodes.padEnd(34)} ${queues}`;
}

/** A failure in words an operator can act on: missing credentials, or the exact missing permission. */
export function explain(error: unknown): string {
  // Adapters wrap the SDK's error (the inventory wraps the failed call): find the call that failed.
  let call: ServiceCallError | null = null;
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e instanceof ServiceCallError) call = e;
  const name = call ? call.errorName : errorNameOf(error);
  const text = describeError(error);
  if (/Credential/i.test(name) || /Could not load credentials/i.test(text)) {
    return "no AWS credentials found: configure the default chain (AWS_PROFILE, environment variables, SSO or an instance role)";
  }
  if (call && /AccessDenied|Unauthori[sz]ed|Forbidden/i.test(name))
    return `missing permission ${call.operation} (${name}); grant it to the role you run as`;
  return text;
}
