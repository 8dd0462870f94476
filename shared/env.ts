import { type Config, parseConfig } from "./core/config";

/**
 * The only reader of `process.env`: a deployed function's settings, validated once at cold start.
 */
export interface Environment {
  config: Config;
  region: string;
  /** DynamoDB table of incidents; without it incidents are kept in memory (single warm container). */
  tableName: string | null;
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
  return Object.freeze({
    config: parseConfig(raw, { unknownKeys: "error" }).config,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    tableName: env.TABLE_NAME && env.TABLE_NAME.length > 0 ? env.TABLE_NAME : null,
  });
}
