import { type Config, parseConfig } from "./core/config";

/**
 * The only reader of `process.env`: a deployed function's settings, validated once at cold start.
 */
export interface Environment {
  config: Config;
  region: string;
  /** DynamoDB table of incidents; without it incidents are kept in memory (single warm container). */
  tableName: string | null;
  /** Where the Slack webhook URL is kept: an SSM SecureString parameter name or a Secrets Manager ARN. */
  slackWebhookSecret: string | null;
  /** The SNS topic notifications are published to. */
  topicArn: string | null;
  /** The remediate function poll-metrics asks about reboots (asynchronous invocation). */
  remediateFunction: string | null;
  /** The SSM parameter read as the remediation kill switch at every decision. */
  killSwitchParameter: string | null;
  /** The posture-audit function api-activity asks to re-check a broker after a change. */
  postureFunction: string | null;
}

/** Reads the environment of a deployed function. Throws a clear error on bad configuration. */
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
  // mq-sentinel's own remediation role is known only at deploy time: its RebootBroker calls are ours.
  const ownRole = nonEmpty(env.OWN_ROLE_ARNS);
  if (ownRole && raw && typeof raw === "object") {
    const r = raw as { apiActivity?: { ownRoleArns?: string[] } };
    r.apiActivity = { ...r.apiActivity, ownRoleArns: [...(r.apiActivity?.ownRoleArns ?? []), ...ownRole.split(",").map((a) => a.trim())] };
  }
  return Object.freeze({
    config: parseConfig(raw, { unknownKeys: "error" }).config,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    tableName: nonEmpty(env.TABLE_NAME),
    slackWebhookSecret: nonEmpty(env.SLACK_WEBHOOK_PARAMETER),
    topicArn: nonEmpty(env.TOPIC_ARN),
    remediateFunction: nonEmpty(env.REMEDIATE_FUNCTION),
    killSwitchParameter: nonEmpty(env.KILL_SWITCH_PARAMETER),
    postureFunction: nonEmpty(env.POSTURE_FUNCTION),
  });
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

export function readCliEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  return {
    tableName: nonEmpty(env.MQ_SENTINEL_TABLE),
    region: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
    dynamoEndpoint: nonEmpty(env.MQ_SENTINEL_DYNAMODB_ENDPOINT),
    user: nonEmpty(env.USER) ?? nonEmpty(env.USERNAME),
  };
}
