import { MemoryIncidentStore } from "../shared/adapters/memory-incident-store";
import { RabbitMqPrometheusScraper } from "../shared/adapters/rabbitmq-prometheus-scraper";
import { RecordingLog } from "../shared/adapters/recording-log";
import { createFetchSchedule, createScrapeHistory, type MetricsCycleDeps, runMetricsCycle } from "../shared/app/run-metrics-cycle";
import { type Config, DEFAULT_CONFIG } from "../shared/core/config";
import { PROMETHEUS_TAG } from "../shared/core/prometheus-targets";
import { type Broker, DeploymentMode, EngineType, MINUTE_MS } from "../shared/core/types";
import { readNamedVariable } from "../shared/env";
import { describeError } from "../shared/errors";
import type {
  BrokerCredentials,
  BrokerInventory,
  BrokerScraper,
  Clock,
  MetricFetch,
  MetricRequest,
  MetricSource,
  QueueListing,
  ScrapeResult,
} from "../shared/ports";
import { configFromFile, parseArgs } from "./args";
import type { Command } from "./command";
import { incidentsFrom, type ReplayOutput, type TimelineEntry } from "./replay";
import { formatTimeline } from "./timeline";

export const WATCH_RABBITMQ_USAGE = `  mq-sentinel watch-rabbitmq --endpoint URL [--user U --password-env VAR] [--vhost V ...] --minutes N
                             [--interval-seconds S] [--name NAME] [--config FILE.json] [--json]
      Reads a RabbitMQ broker's Prometheus endpoint (rabbitmq_prometheus, e.g. http://localhost:15692;
      Amazon MQ serves one from RabbitMQ 4.2) every S seconds (default 60), N times, and runs the real
      consumer-lag and broker-health detectors and incident rules on the readings: each reading is one
      detector minute. Prints the timeline (--json: one replay-contract JSON object). The password is
      read from the environment variable VAR, never from the command line. Nothing is notified,
      nothing is written.`;

/** What tests change: when a minute starts (to act on the broker at a given minute), and how waiting is done. */
export interface WatchOptions {
  /** Called at the start of each minute, before the broker is read. */
  onMinute?: (minute: number) => Promise<void> | void;
  /** Waits between readings (real time by default). */
  wait?: (ms: number) => Promise<void>;
}

/** RabbitMQ refreshes the statistics the endpoint serves every 5 s by default (`collect_statistics_interval`). */
const STATISTICS_INTERVAL_S = 5;

interface WatchFlags {
  endpoint: URL;
  user: string | null;
  passwordEnv: string | null;
  vhosts: string[];
  minutes: number;
  intervalSeconds: number;
  name: string;
  config: Config;
  json: boolean;
}

/** Runs `mq-sentinel watch-rabbitmq`; returns the exit code (0 ran, 1 the broker was never read, 2 usage). */
export const watchRabbitMqCommand: Command<WatchOptions> = async (args, out, err, options = {}) => {
  let flags: WatchFlags;
  let password: string | null = null;
  try {
    flags = parseFlags(args);
    if (flags.user !== null) {
      if (flags.passwordEnv === null) throw new Error("--user needs --password-env VAR (the variable that holds the password)");
      password = readNamedVariable(flags.passwordEnv);
      if (password === null) throw new Error(`the environment variable ${flags.passwordEnv} (--password-env) is not set`);
    }
  } catch (error) {
    err(`mq-sentinel watch-rabbitmq: ${describeError(error)}\n${WATCH_RABBITMQ_USAGE}`);
    return 2;
  }
  const wait = options.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const startMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const clock = new MinuteClock(startMs);
  const broker: Broker = {
    id: flags.name,
    name: flags.name,
    arn: null,
    state: "RUNNING",
    engine: EngineType.rabbitmq,
    engineVersion: null,
    deploymentMode: DeploymentMode.single,
    instanceType: "(not on Amazon MQ)",
    tags: { [PROMETHEUS_TAG]: "true" },
    pendingChanges: [],
    configuration: null,
    nodes: [flags.name],
    endpoints: [flags.endpoint.origin],
  };
  const log = new RecordingLog();
  const credentials: BrokerCredentials | null =
    flags.user !== null && password !== null
      ? { get: async () => ({ username: flags.user as string, password: password as string }) }
      : null;
  const reader = new CountingScraper(
    new RabbitMqPrometheusScraper(credentials, log, {
      // A reading must not outlast its minute.
      timeoutMs: Math.min(flags.config.prometheus.timeoutSeconds * 1000, Math.max(1000, flags.intervalSeconds * 900)),
      maxBytes: flags.config.prometheus.maxResponseBytes,
      vhosts: flags.vhosts,
    }),
  );
  const deps: MetricsCycleDeps = {
    // The version the endpoint reports names the broker in the timeline; it decides nothing (the endpoint is read).
    inventory: {
      listBrokers: async () => ({
        brokers: [{ ...broker, engineVersion: reader.version }],
        skipped: [],
        actionsRequired: new Map(),
        complete: true,
      }),
    } satisfies BrokerInventory,
    metrics: new NoCloudWatch(clock),
    incidents: new MemoryIncidentStore(),
    notifiers: [],
    remediation: { request: async () => {} },
    clock,
    log,
    config: flags.config,
    schedule: createFetchSchedule(flags.config),
    // Credentials, when given, are the broker's own: the "secret" is only a name for them.
    scrapes: { scraper: reader, history: createScrapeHistory(flags.config), secretPrefix: credentials ? "" : null },
  };
  if (!flags.json) {
    err(
      `watching ${flags.endpoint.origin} as broker ${flags.name}: ${flags.minutes} readings, one every ${flags.intervalSeconds} s, each one detector minute`,
    );
    if (flags.intervalSeconds < 2 * STATISTICS_INTERVAL_S)
      err(
        `note: RabbitMQ refreshes these statistics every ${STATISTICS_INTERVAL_S} s by default (collect_statistics_interval); readings closer than ${2 * STATISTICS_INTERVAL_S} s apart may see no change and look like a stall`,
      );
  }

  const timeline: TimelineEntry[] = [];
  const errors: string[] = [];
  for (let minute = 0; minute < flags.minutes; minute++) {
    const began = Date.now();
    clock.minute = minute;
    await options.onMinute?.(minute);
    try {
      const report = await runMetricsCycle(deps);
      for (const transition of report.transitions) timeline.push({ minute, transition });
      for (const line of report.errors) errors.push(`t=${minute} ${line}`);
      if (!flags.json) err(progressLine(minute, reader.last, report.transitions.length));
    } catch (error) {
      // Never expected (the cycle reports its own problems), but a live run must not end on one.
      errors.push(`t=${minute} metrics cycle failed: ${describeError(error)}`);
    }
    if (minute < flags.minutes - 1) await wait(Math.max(0, flags.intervalSeconds * 1000 - (Date.now() - began)));
  }

  const output: ReplayOutput = {
    scenario: `watch-rabbitmq ${flags.name}`,
    incidents: incidentsFrom(timeline, startMs),
    notifications: [],
    remediations: [],
    apiCalls: { "rabbitmq:Read": reader.reads, "rabbitmq:NotRead": reader.failures },
    errors,
  };
  if (flags.json) out(JSON.stringify(output));
  else {
    const heading = {
      name: `watch-rabbitmq ${flags.name}`,
      description: `${flags.endpoint.origin} (RabbitMQ ${reader.version ?? "version unknown"}), one reading every ${flags.intervalSeconds} s = one detector minute`,
      startMs,
      durationMinutes: flags.minutes,
      brokers: [broker],
    };
    out(formatTimeline(heading, { output, timeline }, null));
  }
  return reader.reads === 0 ? 1 : 0;
};

function parseFlags(argv: string[]): WatchFlags {
  const args = parseArgs(argv, {
    values: ["endpoint", "user", "password-env", "vhost", "minutes", "interval-seconds", "name", "config"],
    switches: ["json"],
  });
  const one = (name: string) => args.get(name) ?? null;
  const endpointText = one("endpoint");
  if (!endpointText) throw new Error("--endpoint URL is required");
  let endpoint: URL;
  try {
    endpoint = new URL(endpointText);
  } catch {
    throw new Error(`--endpoint '${endpointText}' is not a URL`);
  }
  if (!/^https?:$/.test(endpoint.protocol)) throw new Error(`--endpoint must be http:// or https://, not ${endpoint.protocol}`);
  const minutes = Number(one("minutes"));
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 10_080)
    throw new Error("--minutes N is required: a whole number of readings from 1 to 10080");
  const interval = one("interval-seconds") === null ? 60 : Number(one("interval-seconds"));
  if (!Number.isFinite(interval) || interval <= 0 || interval > 3600)
    throw new Error("--interval-seconds must be a number of seconds above 0 (at most 3600)");
  const configFile = one("config");
  const config = configFile ? configFromFile(configFile) : DEFAULT_CONFIG;
  return {
    endpoint,
    user: one("user"),
    passwordEnv: one("password-env"),
    vhosts: args.all("vhost"),
    minutes,
    intervalSeconds: interval,
    name: one("name") ?? endpoint.host,
    config,
    json: args.has("json"),
  };
}

function progressLine(minute: number, last: ScrapeResult | null, transitions: number): string {
  const read = last?.snapshot
    ? `read ${last.snapshot.queues.length} queue${last.snapshot.queues.length === 1 ? "" : "s"}`
    : `not read: ${last && "error" in last ? last.error : "?"}`;
  return `  t=${String(minute).padStart(3)} ${read}${transitions ? `; ${transitions} incident change${transitions === 1 ? "" : "s"}` : ""}`;
}

/** The detectors' clock: minute `m` of the run reads as `start + m` minutes, whatever the reading interval. */
class MinuteClock implements Clock {
  minute = 0;
  constructor(private readonly startMs: number) {}
  now(): number {
    // A second into the minute, as the deployed schedule runs just after the minute turns.
    return this.startMs + this.minute * MINUTE_MS + 1_000;
  }
  async sleep(): Promise<void> {}
}

/** Counts readings and keeps the broker's version, for the summary and the exit code. */
class CountingScraper implements BrokerScraper {
  reads = 0;
  failures = 0;
  version: string | null = null;
  last: ScrapeResult | null = null;
  constructor(private readonly inner: BrokerScraper) {}
  async scrape(targets: Parameters<BrokerScraper["scrape"]>[0]): Promise<ScrapeResult[]> {
    const results = await this.inner.scrape(targets);
    for (const r of results) {
      this.last = r;
      if (r.snapshot) {
        this.reads++;
        this.version ??= r.snapshot.version;
      } else this.failures++;
    }
    return results;
  }
}

/** No CloudWatch: a broker watched through its endpoint only. Every metric is reported not read, never silent. */
class NoCloudWatch implements MetricSource {
  constructor(private readonly clock: Clock) {}
  async listQueues(): Promise<QueueListing> {
    return { queuesByNode: new Map(), listedAt: this.clock.now() };
  }
  async fetch(requests: readonly MetricRequest[]): Promise<MetricFetch> {
    return { series: new Map(), failedKeys: new Set(requests.map((r) => r.key)), errors: [], calls: 0, metricsRequested: 0 };
  }
}
