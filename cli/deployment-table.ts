import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type MakeClient, makeAwsClient } from "../shared/build-deps";
import { readCliEnvironment } from "../shared/env";
import type { ParsedArgs } from "./args";
import { UsageError } from "./duration";

/** The options that name a deployment's table, for the commands that work on it. */
export const TABLE_OPTIONS = ["table", "region", "endpoint"] as const;

/**
 * The table of a deployment, for the commands that work on it (silence, remediation): `--table`
 * (or MQ_SENTINEL_TABLE), `--region`, and `--endpoint` (or MQ_SENTINEL_DYNAMODB_ENDPOINT) for a
 * local DynamoDB. Throws a message naming what to give when there is no table.
 */
export function deploymentTable(args: ParsedArgs, makeClient: MakeClient = makeAwsClient): { client: DynamoDBClient; table: string } {
  const env = readCliEnvironment();
  const table = args.get("table") ?? env.tableName;
  if (!table) throw new UsageError("which table? give --table NAME or set MQ_SENTINEL_TABLE (the stack output IncidentsTableName)");
  const endpoint = args.get("endpoint") ?? env.dynamoEndpoint;
  const region = args.get("region") ?? env.region ?? "us-east-1";
  // A local endpoint (dynalite, DynamoDB Local) accepts any credentials; AWS uses the default chain.
  const client = makeClient(DynamoDBClient, {
    region,
    maxAttempts: 1,
    ...(endpoint ? { endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
  });
  return { client, table };
}
