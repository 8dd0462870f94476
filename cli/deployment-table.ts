import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { readCliEnvironment } from "../shared/env";

/**
 * The table of a deployment, for the commands that work on it (silence, remediation): `--table`
 * (or MQ_SENTINEL_TABLE), `--region`, and `--endpoint` (or MQ_SENTINEL_DYNAMODB_ENDPOINT) for a
 * local DynamoDB. Throws a message naming what to give when there is no table.
 */
export function deploymentTable(flags: ReadonlyMap<string, string>): { client: DynamoDBClient; table: string } {
  const env = readCliEnvironment();
  const table = flags.get("table") ?? env.tableName;
  if (!table) throw new Error("which table? give --table NAME or set MQ_SENTINEL_TABLE (the stack output IncidentsTableName)");
  const endpoint = flags.get("endpoint") ?? env.dynamoEndpoint;
  const region = flags.get("region") ?? env.region ?? "us-east-1";
  // A local endpoint (dynalite, DynamoDB Local) accepts any credentials; AWS uses the default chain.
  const client = new DynamoDBClient({
    region,
    maxAttempts: 1,
    ...(endpoint ? { endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
  });
  return { client, table };
}
