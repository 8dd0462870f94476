import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type MakeClient, makeAwsClient } from "../shared/build-deps";
import { readCliEnvironment } from "../shared/env";
import { type ParsedArgs, parseArgs } from "./args";
import { failedCommand } from "./command";
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

/** A command that works on a deployment's table: `mq-sentinel NAME ACTION [options]`. */
export interface TableCommandSpec<Store> {
  name: string;
  usage: string;
  /** The options its actions take besides the table's. */
  options: readonly string[];
  /** Its store on the table (`DynamoDbSilenceStore`, ...). */
  open: (table: { client: DynamoDBClient; table: string }) => Store;
  run: TableAction<Store>;
}

/** Runs one action of a table command on its store; resolves to the exit code. */
export type TableAction<Store> = (
  action: string | undefined,
  args: ParsedArgs,
  store: Store,
  out: (line: string) => void,
) => Promise<number>;

/** Runs `mq-sentinel NAME ACTION ...` on the store given (tests) or on the deployment's table; resolves to the exit code. */
export type TableCommand<Store> = (
  argv: string[],
  out: (line: string) => void,
  err: (line: string) => void,
  store?: Store,
) => Promise<number>;

/**
 * A table command that runs the same way as every other: its arguments, its store, and any usage
 * error or failure said with the command's name.
 */
export function tableCommand<Store>(spec: TableCommandSpec<Store>): TableCommand<Store> {
  return async (argv, out, err, given) => {
    const [action, ...rest] = argv;
    try {
      const args = parseArgs(rest, { values: [...spec.options, ...TABLE_OPTIONS], positional: true });
      return await spec.run(action, args, given ?? spec.open(deploymentTable(args)), out);
    } catch (error) {
      return failedCommand(spec.name, spec.usage, error, err);
    }
  };
}
