import { type Config, parseConfig } from "./core/config";
import { REGION_NAME } from "./core/regions";

const REMEDIATION_MODES = ["off", "dry-run", "approve", "auto"];

/**
 * The only reader of `process.env`: a deployed function's settings, validated once at cold start.
 */
export interface Environment {
  config: Config;
  /** The region the deployment runs in (its home region). */
  region: string;
  /** Further regions whose brokers this deployment watches (never the home region). */
  otherRegions: string[];
  /** The deployment's stage, the dimension of mq-sentinel's own metrics. */
  stage: string;
  /** DynamoDB table of incidents; without it incidents are kept in memory (single warm container). */
  tableName: string | null;
  /** Where the Slack webhook URL is kept: an SSM SecureString parameter name or a Secrets Manager ARN. */
  slackWebhookSecret: string | null;
  /** Where the Slack app's signing secret is kept (SSM SecureString name or Secrets Manager ARN): approvals. */
  slackSigningSecret: string | null;
  /** Where the Slack app's bot token (`xoxb-…`) is kept (SSM SecureString name or Secrets Manager ARN): Slack app mode. */
  slackBotToken: string | null;
  /** The SNS topic notifications are published to. */
  topicArn: string | null;
  /** The remediate function poll-metrics asks about reboots (asynchronous invocation). */
  remediateFunction: string | null;
  /** The SSM parameter read as the remediation kill switch at every decision. */
  killSwitchParameter: string | null;
  /** The posture-audit function api-activity asks to re-check a broker after a change. */
  postureFunction: string | null;
  /** The scrape-rabbitmq function poll-metrics asks to read brokers' Prometheus endpoints (deployed only with its VPC settings). */
  scrapeFunction: string | null;
  /** Where broker credentials are kept in Secrets Manager: broker `orders` reads secret `<prefix>orders`. */
  rabbitMqSecretPrefix: string;
}

/**
 * Reads the environment of a deployed function. Throws a clear error on bad configuration (a
 * `ConfigError` for `MQ_SENTINEL_CONFIG`, one line per problem): the function fails at cold start
 * and mq-sentinel's own alarms fire, rather than running on settings nobody chose.
 */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  let raw: unknown = {};
  const text = env.MQ_SENTINEL_CONFIG;
  if (text && text.trim().length > 0) {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new Error(`MQ_SENTINEL_CONFIG is not valid JSON: ${(error as Error).message}`);
    }
  }
  // Anything but an object (`null`, a list, a string) is refused by parseConfig, never read as the defaults.
  const isObject = typeof raw === "object" && raw !== null && !Array.isArray(raw);
  // mq-sentinel's own remediation role is known only at deploy time: its RebootBroker calls are ours.
  const ownRole = nonEmpty(env.OWN_ROLE_ARNS);
  if (ownRole && isObject) {
    const r = raw as { apiActivity?: { ownRoleArns?: string[] } };
    r.apiActivity = { ...r.apiActivity, ownRoleArns: [...(r.apiActivity?.ownRoleArns ?? []), ...ownRole.split(",").map((a) => a.trim())] };
  }
  // The stack's remediationMode parameter wins over remediation.mode in the JSON configuration.
  const mode = nonEmpty(env.MQ_SENTINEL_REMEDIATION_MODE);
  if (mode !== null) {
    if (!REMEDIATION_MODES.includes(mode))
      throw new Error(`MQ_SENTINEL_REMEDIATION_MODE is '${mode}': it must be one of ${REMEDIATION_MODES.join(", ")}`);
    if (isObject) {
      const r = raw as { remediation?: Record<string, unknown> };
      r.remediation = { ...r.remediation, mode };
    }
  }
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  return Object.freeze({
    config: parseConfig(raw, { unknownKeys: "error" }).config,
    region,
    otherRegions: parseRegions(env.MQ_SENTINEL_REGIONS, region),
    stage: nonEmpty(env.MQ_SENTINEL_STAGE) ?? "prod",
    tableName: nonEmpty(env.TABLE_NAME),
    slackWebhookSecret: nonEmpty(env.SLACK_WEBHOOK_PARAMETER),
    slackSigningSecret: nonEmpty(env.SLACK_SIGNING_SECRET_PARAMETER),
    slackBotToken: nonEmpty(env.SLACK_BOT_TOKEN_PARAMETER),
    topicArn: nonEmpty(env.TOPIC_ARN),
    remediateFunction: nonEmpty(env.REMEDIATE_FUNCTION),
    killSwitchParameter: nonEmpty(env.KILL_SWITCH_PARAMETER),
    postureFunction: nonEmpty(env.POSTURE_FUNCTION),
    scrapeFunction: nonEmpty(env.SCRAPE_FUNCTION),
    rabbitMqSecretPrefix: nonEmpty(env.RABBITMQ_SECRET_PREFIX) ?? "mq-sentinel/rabbitmq/",
  });
}

/** A comma-separated region list, without the home region and duplicates; throws on a name that is not a region. */
export function parseRegions(text: string | undefined, home: string): string[] {
  const names = (text ?? "")
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  const bad = names.filter((r) => !REGION_NAME.test(r));
  if (bad.length > 0) throw new Error(`MQ_SENTINEL_REGIONS holds ${bad.map((b) => `'${b}'`).join(", ")}: not region names like eu-west-1`);
  return [...new Set(names)].filter((r) => r !== home);
}

function nonEmpty(value: string | undefined): string | null {
  return value && value.trim().length > 0 ? value.trim() : null;
}

/** Settings the `mq-sentinel` command reads from its environment (flags take precedence). */
export interface CliEnvironment {
  /** The incidents table of a deployment (`MQ_SENTINEL_TABLE`). */
  tableName: string | null;
  region: string | null;
  /** A local DynamoDB endpoint (dynalite, DynamoDB Local), for tests and trials. */
  dynamoEndpoint: string | null;
  /** Who is running the command, recorded on silences. */
  user: string | null;
}

/**
 * A secret the operator handed a command through an environment variable they named (`--password-env
 * VAR`), so it never appears in the command line or the shell history; null when unset or empty.
 */
export function readNamedVariable(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  // Taken as it is: a password may begin or end with a blank.
  const value = env[name];
  return value === undefined || value === "" ? null : value;
}

export function readCliEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  return {
    tableName: nonEmpty(env.MQ_SENTINEL_TABLE),
    region: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
    dynamoEndpoint: nonEmpty(env.MQ_SENTINEL_DYNAMODB_ENDPOINT),
    user: nonEmpty(env.USER) ?? nonEmpty(env.USERNAME),
  };
}
