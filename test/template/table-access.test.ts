import path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Context, ScheduledEvent } from "aws-lambda";
import { makeApiActivityHandler } from "../../functions/api-activity";
import { makePollMetricsHandler } from "../../functions/poll-metrics";
import { makePostureAuditHandler } from "../../functions/posture-audit";
import { makeRemediateHandler } from "../../functions/remediate";
import { makeSlackInteractionsHandler } from "../../functions/slack-interactions";
import { RecordingLog } from "../../shared/adapters/recording-log";
import {
  apiActivityDeps,
  buildDeps,
  type MakeClient,
  pollMetricsDeps,
  postureAuditDeps,
  remediateDeps,
  slackInteractionsDeps,
} from "../../shared/build-deps";
import { parseConfig } from "../../shared/core/config";
import type { ApprovalAnswer, PostureTarget, RemediationRequest } from "../../shared/ports";
import { loadScenarioFile, type Scenario } from "../../shared/sim/scenario";
import { SimulatedAccount } from "../../shared/sim/simulated-account";
import { simulatedClients, simulatedDeps, simulatedEnvironment } from "../../shared/sim/simulated-deps";
import { signedClick } from "../../shared/sim/slack-clicks";
import { createIncidentsTable, type LocalDynamo, startDynalite } from "../integration/dynamodb-table";
import { declaredService, MAIN_STACK_ARGS, PACKAGING_TIMEOUT_MS } from "./packaged-template";
import { allows, placeholder, type Statement } from "./template-queries";

/**
 * The table grants of serverless.yml against the requests the code makes. The four real handlers run
 * scenarios of the library on DynamoDB (dynalite, one table as the stack declares it), each function
 * with a DynamoDB client of its own that records every request: its action, the table or index, and
 * the partition key value. Each request must be allowed by that function's statements as serverless.yml
 * declares them (`sls print`), `dynamodb:LeadingKeys` included. A store that starts using an item type
 * its function was not granted fails here, not in production with AccessDeniedException.
 */

const FUNCTIONS = ["pollMetrics", "apiActivity", "remediate", "postureAudit", "slackInteractions"] as const;
type FunctionName = (typeof FUNCTIONS)[number];

/**
 * Scenarios that take the usual paths to the table between them: reboots that help and that do not
 * (lock, budget, verification, hold, audit trail), denied calls and risky changes (event claims, call
 * records, the sweep, posture re-checks), posture findings. Paths taken only on failures (releasing an
 * event, giving a lock back, reading an incident after a lost write race) are not; their grants are in
 * stack.test.ts's EXPECTED_TABLE_ACCESS.
 */
const SCENARIOS = [
  "remediation-reboot-helps",
  "remediation-reboot-does-not-help",
  "api-recon-stolen-session",
  "api-risky-config-rollout",
  "posture-exposed-everything",
  "remediation-approve-approved",
  "remediation-approve-expired",
];

/** One DynamoDB request of one function. */
interface TableRequest {
  fn: FunctionName;
  action: string;
  /** The table or index, as the template names it (`${IncidentsTable.Arn}`, `.../index/active`). */
  resource: string;
  /** The partition key value: the table's `pk`, or the index's key for a Query on an index. */
  key: string;
}

const TABLE = placeholder("IncidentsTable.Arn");
/** The partition key attribute of the table and of each index (serverless.yml). */
const PARTITION_KEY: Record<string, string> = {
  [TABLE]: "pk",
  [`${TABLE}/index/active`]: "activeKey",
  [`${TABLE}/index/outbox`]: "outboxKey",
};

/** A string attribute value, marshalled (`{ S }`) or not. */
const stringOf = (value: unknown): string =>
  typeof value === "string" ? value : String((value as { S?: unknown } | undefined)?.S ?? JSON.stringify(value));

/** The action, resource and partition key(s) of a DynamoDB request, from the command's input. */
function describeRequest(fn: FunctionName, commandName: string, input: Record<string, unknown>): TableRequest[] {
  const action = `dynamodb:${commandName.replace(/Command$/, "")}`;
  const resource = typeof input.IndexName === "string" ? `${TABLE}/index/${input.IndexName}` : TABLE;
  // A batch read names its keys per table: one request per key, as IAM checks each.
  if (input.RequestItems) {
    const perTable = Object.values(input.RequestItems as Record<string, { Keys?: Record<string, unknown>[] }>);
    return perTable.flatMap((t) => (t.Keys ?? []).map((k) => ({ fn, action, resource: TABLE, key: stringOf(k.pk) })));
  }
  const item = (input.Item ?? input.Key) as Record<string, unknown> | undefined;
  if (item) return [{ fn, action, resource, key: stringOf(item.pk) }];
  // A Query: the partition key is the equality its key condition starts with.
  const match = /^\s*(#?\w+)\s*=\s*(:\w+)/.exec(String(input.KeyConditionExpression ?? ""));
  if (!match) throw new Error(`${fn}: cannot tell the partition key of ${action} ${JSON.stringify(input)}`);
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const attribute = names[match[1] as string] ?? (match[1] as string);
  if (attribute !== PARTITION_KEY[resource]) throw new Error(`${fn}: ${action} on ${resource} does not start with its partition key`);
  return [{ fn, action, resource, key: stringOf(values[match[2] as string]) }];
}

/** A DynamoDB client for the local table that records each request of `fn`. */
function recordingClient(endpoint: string, fn: FunctionName, requests: TableRequest[]): DynamoDBClient {
  const client = new DynamoDBClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    maxAttempts: 1,
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      requests.push(...describeRequest(fn, context.commandName ?? "Unknown", args.input as Record<string, unknown>));
      return next(args);
    },
    // After the document client has marshalled the input, before it is signed and sent.
    { step: "build", name: "recordTableRequests" },
  );
  return client;
}

const lambdaContext = (functionName: string): Context =>
  ({ functionName, invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}` }) as Context;

const scheduledEvent = (account: SimulatedAccount): ScheduledEvent =>
  ({ "detail-type": "Scheduled Event", source: "aws.events", time: new Date(account.nowMs()).toISOString(), detail: {} }) as ScheduledEvent;

/**
 * Runs a scenario minute by minute as the replay does (events, then the posture audit when due, then
 * the metrics cycle, then the remediation requests), each function wired by `buildDeps` as deployed
 * with the table, its DynamoDB client the recording one and its other clients the simulated account's.
 * Returns every table request, and the handler failures (which would hide requests).
 */
async function runOnDynamoDb(scenario: Scenario, dynamo: LocalDynamo): Promise<{ requests: TableRequest[]; failures: string[] }> {
  const account = new SimulatedAccount(scenario);
  const { config } = parseConfig(scenario.config, { unknownKeys: "ignore" });
  const table = await createIncidentsTable(dynamo.client);
  const env = { ...simulatedEnvironment(scenario, config), tableName: table };
  const requests: TableRequest[] = [];
  const failures: string[] = [];
  const requested: (RemediationRequest | ApprovalAnswer)[] = [];
  const rechecks: PostureTarget[] = [];
  const simulated = simulatedClients(account);
  const clients: DynamoDBClient[] = [];
  /** One function's dependencies, on a DynamoDB client of its own; the other functions are invoked in-process. */
  const depsOf = (fn: FunctionName) => {
    const dynamoDb = recordingClient(dynamo.endpoint, fn, requests);
    clients.push(dynamoDb);
    const makeClient: MakeClient = (Client, settings) => (dynamoDb instanceof Client ? dynamoDb : simulated(Client, settings));
    return buildDeps({
      ...simulatedDeps(account, env, new RecordingLog(), {
        standIns: {
          invoke: {
            remediation: { request: async (r) => void requested.push(r) },
            posture: { request: async (target) => void rechecks.push(target) },
          },
          replies: { tell: async () => {} },
        },
      }),
      makeClient,
    });
  };

  const poll = pollMetricsDeps(depsOf("pollMetrics"));
  const pollMetrics = makePollMetricsHandler(poll.deps, { otherRegions: poll.otherRegions });
  const apiActivity = makeApiActivityHandler(apiActivityDeps(depsOf("apiActivity")));
  const rem = depsOf("remediate");
  const remediate = makeRemediateHandler(remediateDeps(rem));
  const slackInteractions = makeSlackInteractionsHandler(slackInteractionsDeps(depsOf("slackInteractions")));
  const audit = postureAuditDeps(depsOf("postureAudit"));
  const postureAudit = makePostureAuditHandler(audit.deps, audit.otherRegions);

  const run = async (what: string, invoke: () => Promise<{ errors: readonly string[] }>) => {
    try {
      const { errors } = await invoke();
      // A DynamoDB failure is reported, not thrown: it would hide the requests after it.
      failures.push(...errors.filter((e) => /dynamodb|AccessDenied|table/i.test(e)).map((e) => `${what}: ${e}`));
    } catch (error) {
      failures.push(`${what}: ${String(error)}`);
    }
  };
  for (let t = 0; t < scenario.durationMinutes; t++) {
    account.minute = t;
    for (const { event } of scenario.events.filter((e) => e.at === t))
      await run(`t=${t} apiActivity`, () => apiActivity(event, lambdaContext("api-activity")));
    if (t === 0) await run(`t=${t} postureAudit`, () => postureAudit({}, lambdaContext("posture-audit")));
    for (const target of rechecks.splice(0)) await run(`t=${t} postureAudit`, () => postureAudit(target, lambdaContext("posture-audit")));
    await run(`t=${t} pollMetrics`, () => pollMetrics(scheduledEvent(account), lambdaContext("poll-metrics")));
    for (const request of requested.splice(0)) await run(`t=${t} remediate`, () => remediate(request, lambdaContext("remediate")));
    for (const click of scenario.interactions.filter((c) => c.at === t)) {
      // The request the person answers: the harness looks it up as the remediate role would.
      const [waiting] = (await rem.approvals.pending()).slice(-1);
      if (!waiting) continue;
      await run(`t=${t} slackInteractions`, async () => {
        await slackInteractions(signedClick(waiting.id, click, account.nowMs()), lambdaContext("slack-interactions"));
        return { errors: [] };
      });
      for (const request of requested.splice(0)) await run(`t=${t} remediate`, () => remediate(request, lambdaContext("remediate")));
    }
  }
  for (const client of clients) client.destroy();
  return { requests, failures };
}

/** The item type of a partition key: its prefix up to `#`, or the whole key. */
const itemType = (key: string) => (key.includes("#") ? `${key.slice(0, key.indexOf("#") + 1)}*` : key);
const describe_ = (r: TableRequest) => `${r.fn} ${r.action} ${r.resource.replace(TABLE, "table")} ${itemType(r.key)}`;

/**
 * Requests the scenarios must have made, so that a harness that stopped early (a handler failing on
 * its first table call) cannot pass by recording nothing.
 */
const MUST_BE_SEEN = [
  "pollMetrics dynamodb:Query table/index/active ACTIVE",
  "pollMetrics dynamodb:Query table/index/outbox PENDING",
  "pollMetrics dynamodb:Query table SILENCE",
  "pollMetrics dynamodb:Query table VERIFY",
  "pollMetrics dynamodb:Query table CALLS#*",
  "pollMetrics dynamodb:PutItem table INCIDENT#*",
  "pollMetrics dynamodb:PutItem table HOLD",
  "pollMetrics dynamodb:PutItem table REMEDIATION",
  "pollMetrics dynamodb:DeleteItem table VERIFY",
  "pollMetrics dynamodb:BatchGetItem table OPTIN#*",
  "pollMetrics dynamodb:PutItem table OPTIN#*",
  "apiActivity dynamodb:PutItem table EVENT#*",
  "apiActivity dynamodb:PutItem table CALLS#*",
  "apiActivity dynamodb:Query table CALLS#*",
  "apiActivity dynamodb:PutItem table INCIDENT#*",
  "remediate dynamodb:GetItem table INCIDENT#*",
  "remediate dynamodb:GetItem table REBOOT#*",
  "remediate dynamodb:GetItem table BUDGET",
  "remediate dynamodb:GetItem table HOLD",
  "remediate dynamodb:BatchGetItem table OPTIN#*",
  "remediate dynamodb:PutItem table REBOOT#*",
  "remediate dynamodb:PutItem table BUDGET",
  "remediate dynamodb:PutItem table REMEDIATION",
  "remediate dynamodb:PutItem table VERIFY",
  "pollMetrics dynamodb:Query table APPROVAL",
  "pollMetrics dynamodb:GetItem table ANSWER#*",
  "pollMetrics dynamodb:PutItem table APPROVAL",
  "remediate dynamodb:Query table APPROVAL",
  "remediate dynamodb:PutItem table APPROVAL",
  "remediate dynamodb:GetItem table APPROVAL",
  "remediate dynamodb:GetItem table ANSWER#*",
  "remediate dynamodb:Query table REMEDIATION",
  "slackInteractions dynamodb:GetItem table APPROVAL",
  "slackInteractions dynamodb:PutItem table INTERACTION",
  "slackInteractions dynamodb:PutItem table ANSWER#*",
  "postureAudit dynamodb:Query table/index/active ACTIVE",
  "postureAudit dynamodb:PutItem table INCIDENT#*",
];

let dynamo: LocalDynamo;
let statements: Record<FunctionName, Statement[]>;
let seen: TableRequest[];
let failures: string[];

beforeAll(async () => {
  const declared = declaredService(MAIN_STACK_ARGS);
  statements = Object.fromEntries(FUNCTIONS.map((fn) => [fn, declared.functions[fn]?.iamRoleStatements ?? []])) as Record<
    FunctionName,
    Statement[]
  >;
  dynamo = await startDynalite();
  seen = [];
  failures = [];
  for (const name of SCENARIOS) {
    const run = await runOnDynamoDb(loadScenarioFile(path.resolve(__dirname, "../../scenarios", `${name}.json`)), dynamo);
    seen.push(...run.requests);
    failures.push(...run.failures.map((f) => `${name} ${f}`));
  }
}, PACKAGING_TIMEOUT_MS + 120_000);

afterAll(async () => {
  await dynamo?.stop();
});

describe("the table grants of serverless.yml, against the requests the handlers make", () => {
  it("runs the scenarios without a DynamoDB failure, and takes every expected path to the table", () => {
    // Act
    const kinds = [...new Set(seen.map(describe_))];

    // Assess
    expect(failures).toEqual([]);
    expect(kinds).toEqual(expect.arrayContaining(MUST_BE_SEEN));
  });

  it.each(FUNCTIONS)("allows every table request %s makes (action, table or index, partition key)", (fn) => {
    // Act
    const denied = [
      ...new Set(
        seen.filter((r) => r.fn === fn && !allows(statements[fn], r.action, r.resource, r.key)).map((r) => `${describe_(r)} (${r.key})`),
      ),
    ];

    // Assess
    expect(seen.filter((r) => r.fn === fn)).not.toHaveLength(0);
    expect(denied).toEqual([]);
  });
});
