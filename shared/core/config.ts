import { z } from "zod";
import { SentinelError } from "../errors";
import { FILL_WINDOW_MINUTES } from "./detectors/resource-pressure";
import { IncidentKind, Severity } from "./types";

/**
 * mq-sentinel's configuration: every key, its default and why. Parsed once (strict: an unknown key
 * is an error) into a frozen object. The same keys are used by a deployment (`MQ_SENTINEL_CONFIG`)
 * and by a scenario's `config`.
 */

/**
 * CloudWatch publishes Amazon MQ metrics one to three minutes late, so the newest minutes of every
 * read window are still empty: a detector's window must fit in what is left.
 */
export const PUBLISH_DELAY_ALLOWANCE_MINUTES = 3;

const percent = z.number().min(0).max(100);
const minutes = z.number().int().min(0).max(10_080);

const remediationSchema = z.strictObject({
  /**
   * `dry-run` by default: a new deployment shows what it would do before it may do it. `approve`
   * asks a person in Slack first and reboots only after an approval; `auto` reboots on its own.
   */
  mode: z.enum(["off", "dry-run", "approve", "auto"]).default("dry-run"),
  /** Slack user ids (or a user group id) allowed to answer a reboot request in `approve` mode. */
  approvers: z.array(z.string().min(1)).default([]),
  /** A reboot request nobody answered within this long expires: the facts it showed are stale by then. */
  approvalTtlMinutes: minutes.min(1).default(30),
  /**
   * An opt-in tag (`mq-sentinel:remediate=reboot`) counts only once it has been in place this long, so a
   * tag set in the middle of an incident (by anyone allowed mq:CreateTags) cannot trigger a reboot at once.
   */
  optInSettleMinutes: minutes.default(60),
  /** A reboot of a single-instance broker is an outage, so it needs an explicit yes. */
  allowSingleInstance: z.boolean().default(false),
  /** No second reboot of one broker within this many minutes: a reboot needs time to show its effect. */
  cooldownMinutes: minutes.default(60),
  /** Reboots in the whole account within any 60 minutes (a rolling hour): a storm of findings must not reboot the fleet. */
  maxRebootsPerHour: z.number().int().min(0).max(100).default(2),
  /** Minutes after a reboot for the broker to be RUNNING and the condition to clear, else escalate. */
  verifyWithinMinutes: minutes.min(1).default(20),
  /** Stops every reboot at once (the deployment also reads a kill-switch SSM parameter at run time). */
  killSwitch: z.boolean().default(false),
});

const consumerLagSchema = z.strictObject({
  /** Consumers must be gone this long: a redeploy that drops them for a minute or two stays quiet. */
  noConsumersMinutes: minutes.min(1).default(3),
  /** Consumers attached but no dequeues for this long, with a backlog, is a stall. */
  stalledMinutes: minutes.min(1).default(3),
  /** Burrow's window: a backlog that never falls across it while consumers work is a slow consumer. */
  slowWindowMinutes: minutes.min(3).default(10),
  /** The least growth across the slow window that counts, so a wobbling backlog stays quiet. */
  slowMinGrowth: z.number().min(0).default(100),
  /** The least backlog that counts as a backlog at all. */
  minBacklog: z.number().min(0).default(1),
  /**
   * Queues matching this (case-insensitive) are dead-letter queues: they may hold messages without consumers.
   * Compiled here, so a pattern the detector cannot compile never reaches it (it would fail every cycle).
   */
  deadLetterPattern: z
    .string()
    .superRefine((pattern, ctx) => {
      const problem = deadLetterPatternProblem(pattern);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .default("(^|[._-])(dlq|dead[._-]?letters?)([._-]|$)"),
  /** A dead-letter queue that grew by at least this many messages within the slow window is a finding: every new dead letter is a message that failed. */
  deadLetterMinGrowth: z.number().min(1).default(1),
});

const connectionsSchema = z.strictObject({
  /** Share of the connection limit that warns when held for `sustainMinutes`. */
  warnPercent: percent.default(80),
  /** Share of the limit that is critical: new clients are about to be refused. */
  criticalPercent: percent.default(95),
  sustainMinutes: minutes.min(1).default(3),
  /** Warn when a steady climb reaches the limit within this many minutes. */
  forecastHorizonMinutes: minutes.min(1).default(60),
  /**
   * Forecasts only count above this share of the limit. Low, so a leak is announced as its climb starts:
   * a normal morning ramp stays quiet because it would take longer than the horizon to reach the limit.
   */
  forecastMinPercent: percent.default(20),
  /** Minutes of history the forecast fits a line to at most; shorter windows (from 4 min) are tried first, so a steep climb is seen early. */
  forecastWindowMinutes: minutes.min(5).default(20),
  /** How straight the climb must be (R² of the line) to call it a leak rather than noise. */
  forecastMinFit: z.number().min(0).max(1).default(0.8),
});

const thresholdSchema = (warn: number, critical: number, sustain: number) =>
  z.strictObject({
    warnPercent: percent.default(warn),
    criticalPercent: percent.default(critical),
    /** Minutes the level must hold (its floor over the window), so spikes and GC sawtooth stay quiet. */
    sustainMinutes: minutes.min(1).default(sustain),
  });

const resourcesSchema = z.strictObject({
  /** The floor over 5 minutes: a CPU busy for a few minutes between spikes stays quiet. */
  cpu: thresholdSchema(85, 95, 5).prefault({}),
  /** ActiveMQ producer flow control starts near 100 % heap; the floor between GCs is what matters. */
  heap: thresholdSchema(80, 90, 10).prefault({}),
  /** At 100 % store ActiveMQ refuses persistent messages. Storage does not spike: two minutes confirm it. */
  store: thresholdSchema(80, 95, 2).prefault({}),
  tempStore: thresholdSchema(80, 95, 2).prefault({}),
  /** RabbitMQ memory used against its high watermark: at 100 % publishers are blocked. */
  memory: thresholdSchema(80, 95, 5).prefault({}),
  /** RabbitMQ file descriptors against `fileDescriptorLimitPerNode` x nodes. */
  fileDescriptors: thresholdSchema(80, 95, 5).prefault({}),
  /** Amazon MQ does not publish it; RabbitMQ's packaged service unit sets LimitNOFILE=64000. */
  fileDescriptorLimitPerNode: z.number().int().min(1).default(64_000),
  /** RabbitMQ free disk: warn at or below this multiple of the free-disk limit, critical at or below the second. */
  diskWarnRatio: z.number().min(1).default(2),
  diskCriticalRatio: z.number().min(1).default(1.1),
  diskSustainMinutes: minutes.min(1).default(3),
  /** Forecast store and disk exhaustion within this horizon (a steady fill). */
  fillForecastHorizonMinutes: minutes.min(1).default(60),
});

const brokerHealthSchema = z.strictObject({
  /** Metrics this many minutes later than usual (the broker's own usual delay, or the freshest other broker's) mean it stopped publishing. */
  silentMinutes: minutes.min(1).default(3),
  /** Metrics older than this are missing whatever the fleet does (covers a one-broker account). */
  maxDataDelayMinutes: minutes.min(2).default(15),
  /** A reboot (planned, maintenance or ours) may take this long before it counts as unhealthy. */
  rebootGraceMinutes: minutes.min(1).default(20),
  /**
   * After a reboot (a failover moves the metrics to the other node) metrics that go missing are not
   * reported for this long: the new node's publishing is not yet a baseline to judge silence against.
   */
  afterRebootQuietMinutes: minutes.default(60),
});

const detectionSchema = z.strictObject({
  consumerLag: consumerLagSchema.prefault({}),
  connections: connectionsSchema.prefault({}),
  resources: resourcesSchema.prefault({}),
  brokerHealth: brokerHealthSchema.prefault({}),
});

const apiActivitySchema = z.strictObject({
  /** Denied calls of one principal are counted over this sliding window. */
  windowMinutes: minutes.min(1).default(15),
  /** Denied calls in the window that make an incident; a single read denial is a person missing a permission. */
  minDenials: z.number().int().min(1).default(3),
  /** Any of these makes it critical: many denials, many actions or brokers (enumeration), many denied changes. */
  criticalDenials: z.number().int().min(1).default(10),
  criticalActions: z.number().int().min(1).default(5),
  criticalBrokers: z.number().int().min(1).default(3),
  criticalChanges: z.number().int().min(1).default(3),
  /** A risky-change incident resolves after this long without another such call. */
  riskyChangeQuietMinutes: minutes.min(1).default(60),
  /** mq-sentinel's own roles (ARNs): their RebootBroker calls are remediation, not a risky change. */
  ownRoleArns: z.array(z.string()).default([]),
});

const slackSchema = z
  .strictObject({
    /**
     * `webhook` (the default, the simplest setup): an incoming webhook, one new message per transition.
     * `app`: a Slack app's bot token posts one message per incident (`chat.postMessage`), edits it in
     * place on every transition (`chat.update`) and posts each change in the incident's thread.
     */
    mode: z.enum(["webhook", "app"]).default("webhook"),
    /** The channel id (`C…`) the app posts to; needed in mode `app` (the bot must be invited to it). */
    channel: z.string().default(""),
    /** Members of a Slack user group named in `remediation.approvers` are looked up again after this long. */
    userGroupCacheMinutes: minutes.min(1).max(60).default(5),
  })
  .superRefine((slack, ctx) => {
    if (slack.mode === "app" && !/^[CGD][A-Z0-9]{2,}$/.test(slack.channel))
      ctx.addIssue({
        code: "custom",
        path: ["channel"],
        message: "mode app needs the channel id the app posts to (C…, as Slack shows it)",
      });
  });
/** An SSM parameter name (`/path/name` or `name`), as `ssm:GetParameter` and its IAM ARN take it. */
const ssmParameterName = z.string().superRefine((name, ctx) => {
  if (!/^\/?[A-Za-z0-9_.\-/]{1,1011}$/.test(name))
    ctx.addIssue({
      code: "custom",
      message: "must be an SSM parameter name such as /mq-sentinel/slack/payments (letters, digits, _ . - /)",
    });
  else if (name.includes("//") || name.endsWith("/"))
    ctx.addIssue({ code: "custom", message: "must be an SSM parameter name without an empty path segment ('//' or a trailing '/')" });
});
/** An SNS topic ARN: IAM grants `sns:Publish` on exactly this. */
const snsTopicArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
    "must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)",
  );

const incidentKind = z.enum(Object.values(IncidentKind) as [IncidentKind, ...IncidentKind[]]);

const inhibitRuleSchema = z
  .strictObject({
    /** The kind whose active incident (pending included) holds the others back. */
    source: incidentKind,
    /** The kinds whose notifications wait while it is active. */
    target: z.array(incidentKind).min(1),
    /** What the source and a target share: the broker (the only label incidents are matched on). */
    equal: z.literal("broker").default("broker"),
  })
  .superRefine((rule, ctx) => {
    if (rule.target.includes(rule.source))
      ctx.addIssue({
        code: "custom",
        path: ["target"],
        message: `'${rule.source}' is the rule's source too: its incidents would hold back their own notifications and nobody would hear of them`,
      });
  });

/**
 * The default inhibition: while a broker is unhealthy or rebooting, its queue and connection findings
 * wait (they are symptoms), so a broker outage is one message, not a storm.
 */
const DEFAULT_INHIBIT_RULES = [
  { source: IncidentKind.brokerUnhealthy, target: [IncidentKind.consumerLag, IncidentKind.connectionExhaustion], equal: "broker" as const },
];

const routeSchema = z.strictObject({
  /** Shown in `check`, in logs and stored on each incident: an incident keeps the route it opened on. */
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be lowercase letters, digits and '-' (up to 63), e.g. payments-team")
    .refine((name) => name !== "default", "'default' is the name of the route of incidents no route matches; pick another"),
  /** Every given condition must hold (absent: any). Tags are the broker's, matched exactly. */
  match: z
    .strictObject({
      tags: z.record(z.string().min(1), z.string()).optional(),
      kinds: z.array(incidentKind).min(1).optional(),
      severities: z
        .array(z.enum(Object.values(Severity) as [Severity, ...Severity[]]))
        .min(1)
        .optional(),
    })
    .prefault({}),
  /** Slack incoming webhooks, each by the name of the SSM SecureString parameter that holds its URL. */
  slack: z.array(ssmParameterName).default([]),
  /** SNS topics (ARNs). */
  sns: z.array(snsTopicArn).default([]),
  /** PagerDuty Events API v2 integrations, each by the name of the SSM SecureString parameter that holds its routing key. */
  pagerduty: z.array(ssmParameterName).default([]),
});

/** One notification route: which incidents (broker tags, kind, severity) go to which destinations. */
export type RouteConfig = z.infer<typeof routeSchema>;

const notificationsSchema = z.strictObject({
  /** An incident still open is announced again this often, so it is not forgotten. */
  repeatIntervalMinutes: minutes.min(5).default(240),
  /** How Slack is reached: an incoming webhook (default) or a Slack app (one message per incident, threaded). */
  slack: slackSchema.prefault({}),
  /**
   * Per-team routing, first match wins; an incident no route matches takes the default route (the
   * deployment's own Slack webhook and SNS topic). Empty (the default): every incident takes the default route.
   */
  routes: z.array(routeSchema).max(50).default([]),
  /**
   * Inhibition rules (Alertmanager's `inhibit_rules`): while a source incident is active on a broker,
   * that broker's notifications of the target kinds wait, and go out once it is over if still open.
   * Reboot decisions are never held. `[]`: nothing is held back.
   */
  inhibit: z.array(inhibitRuleSchema).max(20).default(DEFAULT_INHIBIT_RULES),
});

const incidentsSchema = z.strictObject({
  /** A condition must stay clear this long before its incident resolves, so it cannot flap. */
  resolveAfterMinutes: minutes.min(1).default(5),
  /**
   * While its condition holds, an open incident's stored evidence is rewritten at least this often
   * (without a message), so notifications and the record show recent figures at the cost of one write.
   */
  refreshMinutes: minutes.min(1).default(15),
  /**
   * Severity hysteresis: an incident is raised at once, but lowered only once the lower level has held
   * this long, so a value wobbling around the critical level sends nothing.
   */
  deEscalateAfterMinutes: minutes.default(30),
  /**
   * ... or at once when the gauge (e.g. CPU) is this many points under the higher level's trigger (a
   * Datadog recovery threshold: critical at 95 recovers at once below 90).
   */
  recoveryPoints: percent.default(5),
  /**
   * An incident that fires again this soon after it resolved re-opens (the same incident, "again —
   * 3rd time today") instead of a new one: bursts of one problem are one story. 0: never.
   */
  reopenWithinMinutes: minutes.default(360),
  /** Flap detection (Nagios): the window the state changes of an incident are weighed over. */
  flapWindowMinutes: minutes.min(10).default(360),
  /**
   * Weighted state changes in the window (each 0.8 to 1.2, newer weighs more) at which an incident
   * starts flapping: it stays one open incident, announced once now and once when it stops. 4: the end
   * of a second burst soon after the first (open, clear, open, clear).
   */
  flapStartChanges: z.number().min(2).max(100).default(4),
  /** Below this many weighted changes a flapping incident stops flapping (lower than the start: hysteresis). */
  flapStopChanges: z.number().min(1).max(100).default(2),
});

const pollingSchema = z.strictObject({
  /** Lookback of every GetMetricData call. CloudWatch bills per metric, not per datapoint. */
  windowMinutes: minutes.min(10).max(180).default(60),
  /**
   * Every queue is read at least this often; the window still covers every minute. Queues of a
   * broker whose broker-level signals moved, or with an open incident, are read every minute.
   */
  queueSweepMinutes: minutes.min(1).max(50).default(30),
  /**
   * After broker-level signals move, keep reading that broker's queues every minute this long. Short:
   * the trigger fires again every minute a problem lasts, and every read carries the whole window.
   */
  drillHoldMinutes: minutes.min(1).default(1),
  /** Connection limits and memory/disk limits barely change: read them this often. */
  limitsRefreshMinutes: minutes.min(1).default(60),
  /** DescribeBroker results are reused this long (the Amazon MQ API allows 15 requests/s per account). */
  inventoryTtlMinutes: minutes.min(1).default(5),
  /** ListMetrics (queue discovery) results are reused this long. */
  queueListTtlMinutes: minutes.min(1).default(15),
});

const prometheusSchema = z.strictObject({
  /**
   * RabbitMQ brokers (BrokerName) whose per-queue data is read from the broker's own Prometheus endpoint
   * (RabbitMQ 4.2 and later on Amazon MQ) instead of CloudWatch, which has none for RabbitMQ 4 and
   * stops at 500 queues. A broker tagged `mq-sentinel:prometheus=true` is read too.
   */
  brokers: z.array(z.string().min(1)).default([]),
  /**
   * An endpoint to read for a broker (BrokerName to `https://host:port`), where its description lists
   * none, or lists one that cannot be reached from the scrape function's subnets.
   */
  endpoints: z.record(z.string().min(1), z.url({ protocol: /^https?$/ })).default({}),
  /** One read (connection, answer and body) must finish within this long; past it the broker is not read that minute. */
  timeoutSeconds: z.number().int().min(1).max(20).default(10),
  /**
   * Largest answer read, in bytes; a larger one is not read (a RabbitMQ 4 node answers about 1.5 KB per
   * queue: the default reads some 10,000 queues).
   */
  maxResponseBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(64 * 1024 * 1024)
    .default(16 * 1024 * 1024),
});

/** The whole configuration schema; every field has a default. */
export const configSchema = z.strictObject({
  remediation: remediationSchema.prefault({}),
  detection: detectionSchema.prefault({}),
  apiActivity: apiActivitySchema.prefault({}),
  notifications: notificationsSchema.prefault({}),
  incidents: incidentsSchema.prefault({}),
  polling: pollingSchema.prefault({}),
  prometheus: prometheusSchema.prefault({}),
});

export type Config = Readonly<z.infer<typeof configSchema>>;
export type DetectionConfig = Config["detection"];

/** One problem of a configuration: where (the key path) and what is wrong. */
export interface ConfigProblem {
  path: readonly (string | number)[];
  message: string;
}

/**
 * A configuration that could not be used. The message is `invalid configuration:` and then one
 * line per problem, `path: message` (the runbook, docs/operations.md, names these lines).
 */
export class ConfigError extends SentinelError {
  /** One `path: message` line per problem. */
  readonly problems: string[];

  constructor(readonly issues: readonly ConfigProblem[]) {
    const lines = issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    super(`invalid configuration:\n${lines.map((l) => `  ${l}`).join("\n")}`);
    this.problems = lines;
  }
}

export interface ParsedConfig {
  config: Config;
  /** Unknown keys that were dropped (only when `unknownKeys` is `ignore`). */
  ignoredKeys: string[];
}

/**
 * Validates raw configuration into a frozen `Config`: each value on its own (types, ranges, the
 * dead-letter pattern compiled), then how values relate (warning before critical, every detector's
 * window inside the read window, ...). Anything but a JSON object is an error, never the defaults:
 * `MQ_SENTINEL_CONFIG=null` is a mistake, not a request for defaults.
 * `unknownKeys: "error"` (deployments) rejects unknown keys; `"ignore"` (scenario replay) drops
 * them and reports them, so a scenario written for a newer version still runs; invalid values fail
 * either way.
 */
export function parseConfig(raw: unknown, options: { unknownKeys: "error" | "ignore" } = { unknownKeys: "error" }): ParsedConfig {
  if (!isPlainObject(raw)) {
    throw new ConfigError([{ path: [], message: `must be a JSON object ({} for every default), not ${kindOf(raw)}` }]);
  }
  const input = structuredClone(raw);
  const ignoredKeys: string[] = [];
  for (let attempt = 0; attempt < 8; attempt++) {
    const result = configSchema.safeParse(input);
    if (result.success) {
      const problems = relationProblems(result.data);
      if (problems.length > 0) throw new ConfigError(problems);
      return { config: deepFreeze(result.data), ignoredKeys };
    }
    const unknown = result.error.issues.filter((i) => i.code === "unrecognized_keys");
    if (options.unknownKeys === "error" || unknown.length === 0) {
      throw new ConfigError(result.error.issues.map((i) => ({ path: i.path.map(pathKey), message: i.message })));
    }
    // Drop the unknown keys and parse again: the other problems, if any, are reported on their own.
    for (const issue of unknown) {
      const parent = issue.path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown>)[key], input);
      for (const key of issue.keys) {
        delete (parent as Record<string, unknown>)[key];
        ignoredKeys.push([...issue.path, key].join("."));
      }
    }
  }
  throw new ConfigError([{ path: [], message: "too many unknown keys" }]);
}

/** The shipped defaults. */
export const DEFAULT_CONFIG: Config = parseConfig({}).config;

/** Why a dead-letter pattern cannot be used (compiled as the detector compiles it), or null. */
function deadLetterPatternProblem(pattern: string): string | null {
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern, "i");
  } catch (error) {
    return `not a valid regular expression: ${(error as Error).message}`;
  }
  // A pattern that matches the empty string matches (almost) every name: every queue would be
  // judged as a dead-letter queue, on growth only, and no stalled consumer would ever be reported.
  if (compiled.test("")) return `'${pattern}' matches the empty string, so it would make every queue a dead-letter queue`;
  return null;
}

/** How the values relate: each pair whose order matters, each window that must fit in another. */
function relationProblems(c: z.infer<typeof configSchema>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path: path.split("."), message });
  const { consumerLag, connections, resources, brokerHealth } = c.detection;

  // A warning comes before critical: a warning level above the critical one is never reported.
  const levelPairs: [string, { warnPercent: number; criticalPercent: number }][] = [
    ["detection.connections", connections],
    ["detection.resources.cpu", resources.cpu],
    ["detection.resources.heap", resources.heap],
    ["detection.resources.store", resources.store],
    ["detection.resources.tempStore", resources.tempStore],
    ["detection.resources.memory", resources.memory],
    ["detection.resources.fileDescriptors", resources.fileDescriptors],
  ];
  for (const [path, t] of levelPairs) {
    if (t.warnPercent > t.criticalPercent)
      add(
        `${path}.warnPercent`,
        `${t.warnPercent} is above criticalPercent (${t.criticalPercent}): the warning level must not be above the critical level`,
      );
  }
  // Free disk is judged as a multiple of the disk-alarm limit: less free disk is worse, so the warning multiple is the larger one.
  if (resources.diskWarnRatio < resources.diskCriticalRatio)
    add(
      "detection.resources.diskWarnRatio",
      `${resources.diskWarnRatio} is below diskCriticalRatio (${resources.diskCriticalRatio}): free disk warns at a larger multiple of the disk-alarm limit than it turns critical, so diskWarnRatio must be at least diskCriticalRatio`,
    );
  if (c.apiActivity.minDenials > c.apiActivity.criticalDenials)
    add(
      "apiActivity.minDenials",
      `${c.apiActivity.minDenials} is above criticalDenials (${c.apiActivity.criticalDenials}): the denials that open an incident must not be more than those that make it critical`,
    );

  const window = c.polling.windowMinutes;
  // Queue sweeps: the window of one sweep reaches back to the previous one, so every minute is read.
  if (c.polling.queueSweepMinutes > window)
    add(
      "polling.queueSweepMinutes",
      `${c.polling.queueSweepMinutes} is above polling.windowMinutes (${window}): the minutes between two sweeps of a queue would never be read`,
    );
  // Every detector looks back over its own window inside the read window; one that does not fit never fires.
  const usable = window - PUBLISH_DELAY_ALLOWANCE_MINUTES;
  const windows: [string, number][] = [
    ["detection.consumerLag.noConsumersMinutes", consumerLag.noConsumersMinutes],
    ["detection.consumerLag.stalledMinutes", consumerLag.stalledMinutes],
    ["detection.consumerLag.slowWindowMinutes", consumerLag.slowWindowMinutes],
    ["detection.connections.sustainMinutes", connections.sustainMinutes],
    ["detection.connections.forecastWindowMinutes", connections.forecastWindowMinutes],
    ["detection.resources.cpu.sustainMinutes", resources.cpu.sustainMinutes],
    ["detection.resources.heap.sustainMinutes", resources.heap.sustainMinutes],
    ["detection.resources.store.sustainMinutes", resources.store.sustainMinutes],
    ["detection.resources.tempStore.sustainMinutes", resources.tempStore.sustainMinutes],
    ["detection.resources.memory.sustainMinutes", resources.memory.sustainMinutes],
    ["detection.resources.fileDescriptors.sustainMinutes", resources.fileDescriptors.sustainMinutes],
    ["detection.resources.diskSustainMinutes", resources.diskSustainMinutes],
  ];
  for (const [path, minutes] of windows) {
    if (minutes > usable)
      add(
        path,
        `${minutes} min does not fit in polling.windowMinutes (${window}) less ${PUBLISH_DELAY_ALLOWANCE_MINUTES} min of CloudWatch publishing delay: this detector would never see enough data to fire`,
      );
  }
  if (FILL_WINDOW_MINUTES > usable)
    add(
      "polling.windowMinutes",
      `${window} leaves less than the ${FILL_WINDOW_MINUTES} min the store and disk fill forecasts look back over (after ${PUBLISH_DELAY_ALLOWANCE_MINUTES} min of publishing delay): use at least ${FILL_WINDOW_MINUTES + PUBLISH_DELAY_ALLOWANCE_MINUTES}`,
    );
  // Missing metrics: the usual-delay rule comes first, the absolute bound catches the rest.
  if (brokerHealth.silentMinutes > brokerHealth.maxDataDelayMinutes)
    add(
      "detection.brokerHealth.silentMinutes",
      `${brokerHealth.silentMinutes} is above maxDataDelayMinutes (${brokerHealth.maxDataDelayMinutes}): metrics are reported missing after maxDataDelayMinutes whatever silentMinutes says`,
    );
  // The newest datapoint of a read window is at most windowMinutes - 1 minutes old; older data is not in it.
  if (brokerHealth.maxDataDelayMinutes >= window)
    add(
      "detection.brokerHealth.maxDataDelayMinutes",
      `${brokerHealth.maxDataDelayMinutes} is not below polling.windowMinutes (${window}): data that old is outside the read window, so a broker that stops publishing would never be reported by this rule`,
    );
  // Routes: a route is named on each incident (unique names), and one that sends nowhere loses its incidents.
  const seenRoutes = new Set<string>();
  c.notifications.routes.forEach((route, i) => {
    if (seenRoutes.has(route.name))
      add(`notifications.routes.${i}.name`, `'${route.name}' names an earlier route too: each route needs its own name`);
    seenRoutes.add(route.name);
    if (route.slack.length + route.sns.length + route.pagerduty.length === 0)
      add(
        `notifications.routes.${i}`,
        `route '${route.name}' names no destination: give it slack, sns or pagerduty, or its incidents would reach nobody`,
      );
  });
  if (c.incidents.flapStopChanges > c.incidents.flapStartChanges)
    add(
      "incidents.flapStopChanges",
      `${c.incidents.flapStopChanges} is above flapStartChanges (${c.incidents.flapStartChanges}): an incident would stop flapping before it could start`,
    );
  // A reboot is verified only if its incident resolves in time, and resolving takes resolveAfterMinutes of clear data.
  if (c.remediation.verifyWithinMinutes <= c.incidents.resolveAfterMinutes)
    add(
      "remediation.verifyWithinMinutes",
      `${c.remediation.verifyWithinMinutes} is not above incidents.resolveAfterMinutes (${c.incidents.resolveAfterMinutes}): an incident cannot resolve in time, so every reboot would be escalated as "did not help" and its broker held`,
    );
  return problems;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

function pathKey(key: PropertyKey): string | number {
  return typeof key === "symbol" ? String(key) : key;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
