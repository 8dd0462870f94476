import { cycleMetricsLine, deliveryMetricsLine } from "../../shared/adapters/cycle-metrics";
import { REBOOT_PERMISSION } from "../../shared/core/remediation-policy";
import { declaredService, MAIN_STACK_ARGS, PACKAGING_TIMEOUT_MS, packageService, packageTemplate } from "./packaged-template";
import {
  type Alarm,
  AMAZON_MQ_API_CALLS_PATTERN,
  actionsOf,
  alarmsOn,
  covers,
  deployedTemplate,
  getAtt,
  mayWriteItem,
  placeholder,
  policyDocuments,
  propertiesOf,
  ref,
  render,
  resourcesFor,
  resourcesOfType,
  roleActions,
  roleGrants,
  roleStatements,
  type Statement,
  type Template,
  tableAccess,
} from "./template-queries";

/**
 * The main stack (serverless.yml) as `sls package --stage prod --region us-east-1` writes it: the
 * product, least privilege per function, failure handling and mq-sentinel watching itself. Every
 * check reads the packaged template, so a widening made in serverless.yml or by a plugin fails here.
 */

/** The subnets and security group of the scrape-rabbitmq function, as an operator gives them. */
const SCRAPE_ARGS = ["--param=rabbitmqScrapeSubnetIds=subnet-0a1b,subnet-0c2d", "--param=rabbitmqScrapeSecurityGroupIds=sg-0123"] as const;

/**
 * Notification routes, given at package time in the stack's `config` parameter (the JSON the functions
 * read): a team's Slack webhook and PagerDuty service by SSM parameter name, and a security team's topic.
 */
const ROUTES_CONFIG = {
  notifications: {
    routes: [
      {
        name: "payments",
        match: { tags: { "mq-sentinel:team": "payments" } },
        slack: ["/mq-sentinel/slack/payments"],
        pagerduty: ["/mq-sentinel/pagerduty/payments"],
      },
      {
        name: "security",
        match: { kinds: ["unauthorized-api", "risky-change"] },
        sns: ["arn:aws:sns:us-east-1:123456789012:security-alerts"],
      },
      // A destination named twice is granted once.
      { name: "payments-critical", match: { severities: ["critical"] }, pagerduty: ["/mq-sentinel/pagerduty/payments"] },
    ],
  },
};
const ROUTES_ARGS = [`--param=config=${JSON.stringify(ROUTES_CONFIG)}`] as const;

/** The packaged template, and what CloudFormation deploys from it with the default parameters, the scrape function's and notification routes. */
let packaged: Template;
let template: Template;
let scrapeTemplate: Template;
let routedTemplate: Template;
let declaredTimeouts: Record<string, number | undefined>;

beforeAll(() => {
  packaged = packageTemplate(MAIN_STACK_ARGS);
  template = deployedTemplate(packaged);
  // Packaged one after the other: two packagings of the main stack at once would share .esbuild/.
  scrapeTemplate = deployedTemplate(packageTemplate([...MAIN_STACK_ARGS, ...SCRAPE_ARGS]));
  routedTemplate = deployedTemplate(packageTemplate([...MAIN_STACK_ARGS, ...ROUTES_ARGS]));
  declaredTimeouts = Object.fromEntries(Object.entries(declaredService(MAIN_STACK_ARGS).functions).map(([name, f]) => [name, f.timeout]));
}, 3 * PACKAGING_TIMEOUT_MS);

/** The five functions, by their serverless.yml names; the framework names their resources after them. */
const FUNCTIONS = ["pollMetrics", "apiActivity", "remediate", "postureAudit", "slackInteractions"] as const;
/** The functions that deliver notifications (every one but slackInteractions, which only records answers). */
const NOTIFYING = ["pollMetrics", "apiActivity", "remediate", "postureAudit"] as const;
type FunctionName = (typeof FUNCTIONS)[number];

const capitalized = (name: FunctionName) => name.charAt(0).toUpperCase() + name.slice(1);
const functionId = (name: FunctionName) => `${capitalized(name)}LambdaFunction`;
const roleId = (name: FunctionName) => `${capitalized(name)}IamRoleLambdaExecution`;
const logGroupId = (name: FunctionName) => `${capitalized(name)}LogGroup`;

/** The functions invoked asynchronously or by events, and the queue each parks its failed events in. */
const FAILURE_QUEUE = {
  apiActivity: "ApiActivityFailures",
  remediate: "RemediationFailures",
  postureAudit: "PostureAuditFailures",
} as const;
const ASYNC_FUNCTIONS = Object.keys(FAILURE_QUEUE) as (keyof typeof FAILURE_QUEUE)[];

interface FunctionProperties {
  Timeout: number;
  ReservedConcurrentExecutions?: number;
  Role: unknown;
  Environment?: { Variables?: Record<string, unknown> };
}
const functionProperties = (name: FunctionName) => propertiesOf<FunctionProperties>(template, functionId(name), "AWS::Lambda::Function");

const LOGS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"];
/** Every function delivers notifications: SNS (an encrypted topic needs the key) and Slack (the webhook URL in SSM). */
const NOTIFY = ["kms:Decrypt", "kms:GenerateDataKey", "sns:Publish", "ssm:GetParameter"];

/**
 * What each function needs, and nothing more (from the SDK calls its adapters make).
 * - DynamoDB: the incident store reads (Get/Query) and writes (Put); the API-activity store releases a
 *   claimed event (Delete); the remediation ledger unlocks a broker and removes a verification (Delete).
 *   Only the silence CLI updates items (UpdateItem), and it runs as a person, not as a function.
 *   Which items each action may touch is in EXPECTED_TABLE_ACCESS.
 */
const EXPECTED_ACTIONS: Record<FunctionName, string[]> = {
  pollMetrics: [
    ...LOGS,
    ...NOTIFY,
    "mq:ListBrokers",
    "mq:DescribeBroker",
    // the connection limits a RabbitMQ 4 broker's configuration sets
    "mq:DescribeConfigurationRevision",
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
    // asks remediate for a reboot decision, and postureAudit to audit a broker that was just created
    "lambda:InvokeFunction",
    // incidents, API-activity sweep, and the check of recent reboots (which removes its VERIFY record)
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    // the opt-in records of the brokers it sees
    "dynamodb:BatchGetItem",
  ],
  apiActivity: [
    ...LOGS,
    ...NOTIFY,
    // broker names for the event's broker id
    "mq:ListBrokers",
    // asks postureAudit to re-check a changed broker
    "lambda:InvokeFunction",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    // on-failure destination
    "sqs:SendMessage",
  ],
  remediate: [
    ...LOGS,
    ...NOTIFY,
    "mq:DescribeBroker",
    REBOOT_PERMISSION,
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchGetItem",
    "sqs:SendMessage",
  ],
  postureAudit: [
    ...LOGS,
    ...NOTIFY,
    "mq:ListBrokers",
    "mq:DescribeBroker",
    "mq:DescribeConfigurationRevision",
    "ec2:DescribeSecurityGroups",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "sqs:SendMessage",
  ],
  slackInteractions: [
    ...LOGS,
    // the signing secret
    "ssm:GetParameter",
    // the request; the answer and the interaction, once each
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    // hands the answer to remediate
    "lambda:InvokeFunction",
  ],
};

const TABLE = placeholder("IncidentsTable.Arn");
const INDEX = (name: string) => `${TABLE}/index/${name}`;
/**
 * Every function loads the active incidents and delivers the notification outbox: a Query on each
 * sparse index, whose only partition key value is ACTIVE (`active`) or PENDING (`outbox`), and which
 * hold incident items only.
 */
const INDEXES = { [INDEX("active")]: ["ACTIVE"], [INDEX("outbox")]: ["PENDING"] };

/**
 * The items of the shared table each function may touch, by action and by partition key (the item
 * types of shared/adapters/dynamodb-*.ts; `OPTIN#` is the opt-in record):
 * - pollMetrics: incidents (get, save, both indexes); silences; the sweep's `CALLS#`; reboot
 *   verification: `VERIFY` (query, add, remove), `HOLD` and `REMEDIATION` (the verdict); opt-in changes.
 * - apiActivity: incidents; silences; `EVENT#` (claim, release) and `CALLS#` (record, since); opt-in
 *   changes (they can only delay a reboot). Never a silence, hold, lock, budget, ledger or verification.
 * - remediate: incidents; silences; the guards: `REBOOT#` (last reboot, lock, unlock), `BUDGET`, `HOLD`
 *   (read only), `VERIFY` (pending, add), `OPTIN#`; the decision in `REMEDIATION`.
 * - postureAudit: incidents and silences.
 * - slackInteractions: reads `APPROVAL` (the request) and `ANSWER#`; writes the answer (`ANSWER#`, only
 *   this role: no other can give an approval) and each signed interaction once (`INTERACTION`).
 *   remediate creates and settles `APPROVAL`, pollMetrics expires it; both read answers.
 */
const EXPECTED_TABLE_ACCESS: Record<FunctionName, Record<string, Record<string, string[]>>> = {
  pollMetrics: {
    "dynamodb:GetItem": { [TABLE]: ["ANSWER#*", "APPROVAL", "INCIDENT#*"] },
    "dynamodb:Query": { [TABLE]: ["APPROVAL", "CALLS#*", "SILENCE", "VERIFY"], ...INDEXES },
    "dynamodb:PutItem": { [TABLE]: ["APPROVAL", "HOLD", "INCIDENT#*", "OPTIN#*", "REMEDIATION", "VERIFY"] },
    "dynamodb:BatchGetItem": { [TABLE]: ["OPTIN#*"] },
    "dynamodb:DeleteItem": { [TABLE]: ["VERIFY"] },
  },
  apiActivity: {
    "dynamodb:GetItem": { [TABLE]: ["INCIDENT#*"] },
    "dynamodb:Query": { [TABLE]: ["CALLS#*", "SILENCE"], ...INDEXES },
    "dynamodb:PutItem": { [TABLE]: ["CALLS#*", "EVENT#*", "INCIDENT#*", "OPTIN#*"] },
    "dynamodb:DeleteItem": { [TABLE]: ["EVENT#*"] },
  },
  remediate: {
    "dynamodb:GetItem": { [TABLE]: ["ANSWER#*", "APPROVAL", "BUDGET", "HOLD", "INCIDENT#*", "REBOOT#*"] },
    "dynamodb:BatchGetItem": { [TABLE]: ["OPTIN#*"] },
    "dynamodb:Query": { [TABLE]: ["APPROVAL", "REMEDIATION", "SILENCE", "VERIFY"], ...INDEXES },
    "dynamodb:PutItem": { [TABLE]: ["APPROVAL", "BUDGET", "INCIDENT#*", "OPTIN#*", "REBOOT#*", "REMEDIATION", "VERIFY"] },
    "dynamodb:DeleteItem": { [TABLE]: ["REBOOT#*"] },
  },
  postureAudit: {
    "dynamodb:GetItem": { [TABLE]: ["INCIDENT#*"] },
    "dynamodb:Query": { [TABLE]: ["SILENCE"], ...INDEXES },
    "dynamodb:PutItem": { [TABLE]: ["INCIDENT#*"] },
  },
  slackInteractions: {
    "dynamodb:GetItem": { [TABLE]: ["ANSWER#*", "APPROVAL"] },
    "dynamodb:PutItem": { [TABLE]: ["ANSWER#*", "INTERACTION"] },
  },
};

/**
 * Who may write each item type, by a partition key of that type: the lock and the budget only the
 * function that reboots, holds only the one that judges reboots, silences no function (the CLI, as a
 * person). Approval requests get their writers with the function that answers them.
 */
const ITEM_WRITERS: [string, string, readonly FunctionName[]][] = [
  ["silences", "SILENCE", []],
  ["reboot locks", "REBOOT#b-1234abcd", ["remediate"]],
  ["the hourly reboot budget", "BUDGET", ["remediate"]],
  ["holds", "HOLD", ["pollMetrics"]],
  ["the remediation audit trail", "REMEDIATION", ["pollMetrics", "remediate"]],
  ["pending verifications", "VERIFY", ["pollMetrics", "remediate"]],
  ["opt-in records", "OPTIN#b-1234abcd", ["pollMetrics", "apiActivity", "remediate"]],
  ["approval requests", "APPROVAL", ["pollMetrics", "remediate"]],
  ["answers to approval requests", "ANSWER#inc-1#100", ["slackInteractions"]],
  ["signed Slack interactions", "INTERACTION", ["slackInteractions"]],
  ["incidents", "INCIDENT#consumer-lag|orders|q1", NOTIFYING],
  ["processed events", "EVENT#6f1c2b9e", ["apiActivity"]],
  ["API calls by subject", "CALLS#denied|arn:aws:iam::123456789012:user/mallory", ["apiActivity"]],
  ["items of no known type", "ZZZ", []],
];

/** Reads over the whole fleet that IAM cannot narrow to a resource (or that every broker of the account needs). */
const FLEET_WIDE_READS = [
  "cloudwatch:GetMetricData",
  "cloudwatch:ListMetrics",
  "ec2:DescribeSecurityGroups",
  "mq:DescribeBroker",
  "mq:DescribeConfigurationRevision",
  "mq:ListBrokers",
];

/** An action that only reads; anything else changes something (a write, a publish, a send, an invoke, a reboot). */
const isRead = (action: string) => /^[\w-]+:(Describe|List|Get|Query|Scan|BatchGet|Search|Lookup)/.test(action);

const SSM_PARAMETER = (name: string) => `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}`;
const SLACK_WEBHOOK = SSM_PARAMETER("/mq-sentinel/slack-webhook-url");
const KILL_SWITCH = SSM_PARAMETER("/mq-sentinel/remediation-kill-switch");
const SIGNING_SECRET = SSM_PARAMETER("/mq-sentinel/slack-signing-secret");
const BOT_TOKEN = SSM_PARAMETER("/mq-sentinel/slack-bot-token");

const OPT_IN_TAG = { "aws:ResourceTag/mq-sentinel:remediate": "reboot" };

describe("mq-sentinel stack, packaged for prod in us-east-1", () => {
  describe("holds the whole product", () => {
    it("deploys exactly the five functions: pollMetrics, apiActivity, remediate, postureAudit, slackInteractions", () => {
      // Act
      const functions = resourcesOfType(template, "AWS::Lambda::Function").map(([id]) => id);

      // Assess
      expect(functions.sort()).toEqual(FUNCTIONS.map(functionId).sort());
    });

    it("keeps incidents in an on-demand table with TTL on expiresAt, point-in-time recovery and encryption", () => {
      // Act
      const table = propertiesOf(template, "IncidentsTable", "AWS::DynamoDB::Table");

      // Assess
      expect(table).toMatchObject({
        BillingMode: "PAY_PER_REQUEST",
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    });

    it("keeps the table, with the ledger, holds and incidents, when the stack is removed or the table replaced", () => {
      // Act
      const table = template.Resources.IncidentsTable;

      // Assess
      expect(table).toMatchObject({
        Type: "AWS::DynamoDB::Table",
        DeletionPolicy: "Retain",
        UpdateReplacePolicy: "Retain",
        Properties: { DeletionProtectionEnabled: true },
      });
    });

    it("encrypts the kept table with a key that outlives the stack", () => {
      // Prepare
      const sse = propertiesOf<{ SSESpecification?: { SSEEnabled?: boolean; KMSMasterKeyId?: unknown } }>(
        template,
        "IncidentsTable",
        "AWS::DynamoDB::Table",
      ).SSESpecification;
      const key = sse?.KMSMasterKeyId === undefined ? "" : render(sse.KMSMasterKeyId);

      // Act
      const stackKeys = Object.keys(template.Resources).filter((id) => key.includes(placeholder(id)) || key.includes(`\${${id}.`));
      const deletedWithTheStack = stackKeys.filter((id) => template.Resources[id]?.DeletionPolicy !== "Retain");

      // Assess
      expect(sse?.SSEEnabled).toBe(true);
      expect(deletedWithTheStack).toEqual([]);
    });

    it("encrypts the notifications topic with the stack's own key, which rotates", () => {
      // Act
      const topic = propertiesOf<{ KmsMasterKeyId?: unknown }>(template, "NotificationsTopic", "AWS::SNS::Topic");
      const key = propertiesOf<{ EnableKeyRotation?: boolean }>(template, "NotificationsKey", "AWS::KMS::Key");

      // Assess
      expect(topic.KmsMasterKeyId).toEqual(ref("NotificationsKey"));
      expect(key.EnableKeyRotation).toBe(true);
    });

    it("hands every Amazon MQ API call CloudTrail records, read-only ones included, to apiActivity, with retries and a dead-letter queue", () => {
      // Prepare
      interface Target {
        Arn: unknown;
        RetryPolicy?: { MaximumRetryAttempts?: number };
        DeadLetterConfig?: { Arn: unknown };
      }

      // Act
      const rule = propertiesOf<{ State: string; EventPattern: unknown; Targets: Target[] }>(
        template,
        "AmazonMqApiCallsRule",
        "AWS::Events::Rule",
      );

      // Assess
      expect(rule.State).toBe("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS");
      expect(rule.EventPattern).toEqual(AMAZON_MQ_API_CALLS_PATTERN);
      expect(rule.Targets).toHaveLength(1);
      const [target] = rule.Targets as [Target];
      expect(target.Arn).toEqual(getAtt(functionId("apiActivity"), "Arn"));
      expect(target.RetryPolicy?.MaximumRetryAttempts).toEqual(expect.any(Number));
      expect(render(target.DeadLetterConfig?.Arn)).toBe(placeholder("ApiActivityFailures.Arn"));
      expect(template.Resources.ApiActivityFailures?.Type).toBe("AWS::SQS::Queue");
    });

    it("lets only the CloudTrail rule invoke apiActivity and write to its dead-letter queue", () => {
      // Prepare
      const fromTheRule = { ArnEquals: { "aws:SourceArn": getAtt("AmazonMqApiCallsRule", "Arn") } };
      const apiActivity = functionId("apiActivity");

      // Act
      const permissions = resourcesOfType<{ FunctionName: unknown; Principal: string; SourceArn?: unknown }>(
        template,
        "AWS::Lambda::Permission",
      ).filter(([, p]) => [placeholder(apiActivity), placeholder(`${apiActivity}.Arn`)].includes(render(p.FunctionName)));
      const queuePolicies = resourcesOfType<{ Queues: unknown[]; PolicyDocument: { Statement: Statement[] } }>(
        template,
        "AWS::SQS::QueuePolicy",
      ).filter(([, p]) => p.Queues.some((q) => render(q) === placeholder("ApiActivityFailures")));

      // Assess
      expect(permissions.map(([, p]) => ({ Principal: p.Principal, SourceArn: p.SourceArn }))).toEqual([
        { Principal: "events.amazonaws.com", SourceArn: getAtt("AmazonMqApiCallsRule", "Arn") },
      ]);
      expect(queuePolicies.flatMap(([, p]) => p.PolicyDocument.Statement)).toEqual([
        expect.objectContaining({
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Condition: fromTheRule,
        }),
      ]);
    });

    it.each(FUNCTIONS)("starts %s with safe defaults: remediation dry-run, this region only, the shipped configuration", (name) => {
      // Act
      const variables = functionProperties(name).Environment?.Variables ?? {};

      // Assess
      expect(variables).toMatchObject({ MQ_SENTINEL_REMEDIATION_MODE: "dry-run", MQ_SENTINEL_REGIONS: "", MQ_SENTINEL_CONFIG: "{}" });
    });

    it("outputs the topic ARN, the table name and the dashboard URL", () => {
      // Act
      const outputs = template.Outputs ?? {};

      // Assess
      expect(outputs.NotificationsTopicArn?.Value).toEqual(ref("NotificationsTopic"));
      expect(outputs.IncidentsTableName?.Value).toEqual(ref("IncidentsTable"));
      expect(render(outputs.DashboardUrl?.Value)).toBe(
        `https://\${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=\${AWS::Region}#dashboards:name=\${Dashboard}`,
      );
    });
  });

  describe("grants each function only what it needs", () => {
    it.each(FUNCTIONS)("runs %s under a role of its own", (name) => {
      // Act
      const role = functionProperties(name).Role;

      // Assess
      expect(role).toEqual(getAtt(roleId(name), "Arn"));
    });

    it.each(FUNCTIONS)("grants %s exactly the actions it needs", (name) => {
      // Act
      const granted = roleActions(template, roleId(name));

      // Assess
      expect(granted).toEqual([...EXPECTED_ACTIONS[name]].sort());
    });

    it("creates no execution role that no function uses", () => {
      // Prepare
      const used = FUNCTIONS.map((name) => render(functionProperties(name).Role));

      // Act
      const roles = resourcesOfType(template, "AWS::IAM::Role").map(([id]) => placeholder(`${id}.Arn`));

      // Assess
      expect(roles.sort()).toEqual(used.sort());
    });

    it("allows no '*' or 'service:*' action, and no NotAction or NotResource, in any policy of the stack", () => {
      // Prepare
      const everything = (action: string) => action === "*" || /^[^:]+:\*$/.test(action);
      const documents = policyDocuments(template);

      // Act
      const widenings = documents.flatMap((doc) =>
        doc.statements
          .filter((s) => s.Effect === "Allow")
          .filter((s) => s.NotAction !== undefined || s.NotResource !== undefined || actionsOf(s).some(everything))
          .map((s) => `${doc.resourceId} ${doc.path}: ${JSON.stringify(s)}`),
      );
      const lambdaPermissions = resourcesOfType<{ Action: string }>(template, "AWS::Lambda::Permission")
        .filter(([, p]) => everything(p.Action))
        .map(([id, p]) => `${id}: ${p.Action}`);

      // Assess
      expect(documents.map((d) => d.resourceId)).toEqual(
        expect.arrayContaining([...FUNCTIONS.map(roleId), "NotificationsKey", "ApiActivityFailuresPolicy"]),
      );
      expect([...widenings, ...lambdaPermissions]).toEqual([]);
    });

    it.each(FUNCTIONS)("never lets %s change anything on every resource ('*')", (name) => {
      // Act
      const grants = roleGrants(template, roleId(name));
      const changesEverywhere = grants.filter((g) => g.resource === "*" && !isRead(g.action)).map((g) => g.action);

      // Assess
      expect(grants.length).toBeGreaterThan(0);
      expect(changesEverywhere).toEqual([]);
    });

    it.each(FUNCTIONS)("gives %s Resource '*' only for fleet-wide reads IAM cannot narrow", (name) => {
      // Act
      const onEverything = roleGrants(template, roleId(name))
        .filter((g) => g.resource === "*")
        .map((g) => g.action);

      // Assess
      expect(onEverything.filter((a) => !FLEET_WIDE_READS.includes(a))).toEqual([]);
    });

    it(`allows ${REBOOT_PERMISSION} only to remediate, only on brokers tagged mq-sentinel:remediate=reboot`, () => {
      // Prepare
      const brokerArn = /^arn:\$\{AWS::Partition\}:mq:(\*|\$\{AWS::Region\}):\$\{AWS::AccountId\}:broker:[^:]+$/;
      const tagCondition = [{ StringEquals: OPT_IN_TAG }, { StringEqualsIgnoreCase: OPT_IN_TAG }];

      // Act
      const rebootStatements = policyDocuments(template).flatMap((doc) =>
        doc.statements
          .filter((s) => s.Effect === "Allow" && actionsOf(s).some((a) => covers(a, REBOOT_PERMISSION)))
          .map((statement) => ({ resourceId: doc.resourceId, statement })),
      );

      // Assess
      expect(rebootStatements.map((r) => r.resourceId)).toEqual([roleId("remediate")]);
      for (const { statement } of rebootStatements) {
        expect(actionsOf(statement)).toEqual([REBOOT_PERMISSION]);
        expect(tagCondition).toContainEqual(statement.Condition);
        expect(render(statement.Resource)).toMatch(brokerArn);
      }
    });

    it.each(FUNCTIONS)("lets %s use DynamoDB only on the incidents table and its two indexes", (name) => {
      // Act
      const resources = resourcesFor(template, roleId(name), (a) => a.startsWith("dynamodb:"));

      // Assess: slackInteractions reads no incident (no index)
      expect(resources).toEqual(name === "slackInteractions" ? [TABLE] : [TABLE, INDEX("active"), INDEX("outbox")]);
    });

    it.each(FUNCTIONS)("lets %s touch only the item types it owns, action by action (dynamodb:LeadingKeys)", (name) => {
      // Act
      const access = tableAccess(template, roleId(name));

      // Assess
      expect(access).toEqual(EXPECTED_TABLE_ACCESS[name]);
    });

    it.each(ITEM_WRITERS)("lets only their owners write %s (%s)", (_, pk, owners) => {
      // Act
      const writers = FUNCTIONS.filter((name) => mayWriteItem(template, roleId(name), pk));

      // Assess
      expect(writers).toEqual(owners);
    });

    it.each(["SILENCE", "HOLD", "REBOOT#b-1234abcd", "BUDGET", "REMEDIATION", "VERIFY", "APPROVAL", "ANSWER#inc-1#100"])(
      "never lets apiActivity, which parses attacker-shaped events, write %s items",
      (pk) => {
        // Act
        const writes = mayWriteItem(template, roleId("apiActivity"), pk);

        // Assess
        expect(writes).toBe(false);
      },
    );

    it.each(NOTIFYING)("lets %s use the notifications key only through SNS (kms:ViaService)", (name) => {
      // Act
      const conditions = roleStatements(template, roleId(name))
        .filter((s) => actionsOf(s).some((a) => a.startsWith("kms:")))
        .map((s) => render(s.Condition?.StringEquals?.["kms:ViaService"]));

      // Assess
      expect(conditions).toEqual([`sns.${placeholder("AWS::Region")}.amazonaws.com`]);
    });

    it.each(NOTIFYING)("lets %s publish only to the notifications topic, with only its key", (name) => {
      // Act
      const topics = resourcesFor(template, roleId(name), (a) => covers(a, "sns:Publish"));
      const keys = resourcesFor(template, roleId(name), (a) => a.startsWith("kms:"));

      // Assess
      expect(topics).toEqual([placeholder("NotificationsTopic")]);
      expect(keys).toEqual([placeholder("NotificationsKey.Arn")]);
    });

    it.each(FUNCTIONS)("lets %s read only its named SSM parameters", (name) => {
      // Prepare: whoever notifies reads the webhook URL or the Slack app's bot token (the mode is
      // configuration); slackInteractions reads the bot token only to list a user group's members.
      const expected =
        name === "remediate"
          ? [KILL_SWITCH, SLACK_WEBHOOK, BOT_TOKEN]
          : name === "slackInteractions"
            ? [SIGNING_SECRET, BOT_TOKEN]
            : [SLACK_WEBHOOK, BOT_TOKEN];

      // Act
      const parameters = resourcesFor(template, roleId(name), (a) => a.startsWith("ssm:"));

      // Assess
      expect(parameters).toEqual(expected.sort());
    });

    it.each(FUNCTIONS)("lets %s invoke only the functions it hands work to", (name) => {
      // Prepare
      const invokes: Record<FunctionName, string[]> = {
        // reboot decisions, and the audit of brokers that were just created
        pollMetrics: [placeholder(`${functionId("postureAudit")}.Arn`), placeholder(`${functionId("remediate")}.Arn`)],
        apiActivity: [placeholder(`${functionId("postureAudit")}.Arn`)],
        remediate: [],
        postureAudit: [],
        // hands a verified answer to remediate
        slackInteractions: [placeholder(`${functionId("remediate")}.Arn`)],
      };

      // Act
      const functions = resourcesFor(template, roleId(name), (a) => a.startsWith("lambda:"));

      // Assess
      expect(functions).toEqual(invokes[name]);
    });

    it("lets every function but slackInteractions deliver notifications (slackInteractions only records answers)", () => {
      // Act
      const publishing = FUNCTIONS.filter((name) => resourcesFor(template, roleId(name), (a) => covers(a, "sns:Publish")).length > 0);
      // Assess
      expect(publishing).toEqual([...NOTIFYING]);
    });

    it("lets only slackInteractions record an answer to a reboot request, and only pollMetrics and slackInteractions start remediate", () => {
      // Act
      const answering = FUNCTIONS.filter((name) => mayWriteItem(template, roleId(name), "ANSWER#inc-1#100"));
      const starting = FUNCTIONS.filter((name) =>
        resourcesFor(template, roleId(name), (a) => a.startsWith("lambda:")).includes(placeholder(`${functionId("remediate")}.Arn`)),
      );
      // Assess
      expect(answering).toEqual(["slackInteractions"]);
      expect(starting.sort()).toEqual(["pollMetrics", "slackInteractions"]);
    });

    it("lets the function URL's function start an approved reboot only by recording an answer and handing it to remediate", () => {
      // Act
      const actions = roleActions(template, roleId("slackInteractions")).sort();
      const requests = FUNCTIONS.filter((name) => mayWriteItem(template, roleId(name), "APPROVAL"));
      // Assess: no Amazon MQ action, no notification, no incident, no request of its own making
      expect(actions).toEqual(
        [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "lambda:InvokeFunction",
          "logs:CreateLogGroup",
          "logs:CreateLogStream",
          "logs:PutLogEvents",
          "ssm:GetParameter",
        ].sort(),
      );
      expect(mayWriteItem(template, roleId("slackInteractions"), "APPROVAL")).toBe(false);
      // remediate creates and settles requests; pollMetrics only expires them; no other role touches one
      expect(requests).toEqual(["pollMetrics", "remediate"]);
    });

    it("exposes slackInteractions at a function URL, capped in concurrency, and nothing else", () => {
      // Act
      const urls = resourcesOfType<{ TargetFunctionArn: unknown; AuthType: string }>(template, "AWS::Lambda::Url");
      // Assess
      expect(urls.map(([, u]) => render(u.TargetFunctionArn))).toEqual([placeholder(`${functionId("slackInteractions")}.Arn`)]);
      expect(urls[0]?.[1].AuthType).toBe("NONE");
      expect(functionProperties("slackInteractions").ReservedConcurrentExecutions).toBeLessThanOrEqual(10);
    });

    it.each(FUNCTIONS)("lets %s send only to its own failure queue", (name) => {
      // Prepare
      const queue = name in FAILURE_QUEUE ? [placeholder(`${FAILURE_QUEUE[name as keyof typeof FAILURE_QUEUE]}.Arn`)] : [];

      // Act
      const queues = resourcesFor(template, roleId(name), (a) => a.startsWith("sqs:"));

      // Assess
      expect(queues).toEqual(queue);
    });

    it.each(FUNCTIONS)("lets %s write logs only to its own log group", (name) => {
      // Prepare
      const { LogGroupName } = propertiesOf<{ LogGroupName: string }>(template, logGroupId(name), "AWS::Logs::LogGroup");
      const logGroup = `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${LogGroupName}`;

      // Act
      const resources = resourcesFor(template, roleId(name), (a) => a.startsWith("logs:"));

      // Assess
      expect(LogGroupName).toBe(`/aws/lambda/mq-sentinel-prod-${name}`);
      expect(resources.length).toBeGreaterThan(0);
      expect(resources.filter((r) => r !== `${logGroup}:*` && r !== `${logGroup}:*:*`)).toEqual([]);
    });

    it("gives postureAudit only read actions besides its table, topic, parameter, queue and logs", () => {
      // Prepare
      const plumbing = /^(dynamodb|sns|kms|ssm|sqs|logs):/;

      // Act
      const actions = roleActions(template, roleId("postureAudit")).filter((a) => !plumbing.test(a));

      // Assess
      expect(actions).toEqual(["ec2:DescribeSecurityGroups", "mq:DescribeBroker", "mq:DescribeConfigurationRevision", "mq:ListBrokers"]);
    });
  });

  describe("lets AWS services use the stack's resources only on its behalf", () => {
    /** The key policy statements that let an AWS service use the notifications key. */
    const serviceStatements = () =>
      propertiesOf<{ KeyPolicy: { Statement: Statement[] } }>(template, "NotificationsKey", "AWS::KMS::Key").KeyPolicy.Statement.filter(
        (s) => (s.Principal as { Service?: unknown } | undefined)?.Service !== undefined,
      );

    it("lets only CloudWatch alarms of this account and region use the notifications key as a service", () => {
      // Act
      const statements = serviceStatements().map((s) => ({
        service: (s.Principal as { Service: unknown }).Service,
        actions: actionsOf(s).sort(),
        condition: Object.fromEntries(
          Object.entries(s.Condition ?? {}).map(([operator, keys]) => [
            operator,
            Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, render(v)])),
          ]),
        ),
      }));

      // Assess
      expect(statements).toEqual([
        {
          service: "cloudwatch.amazonaws.com",
          actions: ["kms:Decrypt", "kms:GenerateDataKey"],
          condition: {
            StringEquals: { "aws:SourceAccount": placeholder("AWS::AccountId") },
            ArnLike: { "aws:SourceArn": `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:*` },
          },
        },
      ]);
    });

    it("names the source of every AWS service's access in the stack's resource policies and invoke permissions (in this account)", () => {
      // Prepare
      const inThisAccount = (arn: string) =>
        arn.includes(placeholder("AWS::AccountId")) || Object.keys(template.Resources).some((id) => arn === placeholder(`${id}.Arn`));
      const trustPolicy = (path: string) => path.includes("AssumeRolePolicyDocument");

      // Act
      const unsourced = policyDocuments(template)
        .filter((doc) => !trustPolicy(doc.path))
        .flatMap((doc) =>
          doc.statements
            .filter((s) => s.Effect === "Allow" && (s.Principal as { Service?: unknown } | undefined)?.Service !== undefined)
            .filter((s) => {
              const sourceArn = s.Condition?.ArnEquals?.["aws:SourceArn"] ?? s.Condition?.ArnLike?.["aws:SourceArn"];
              return sourceArn === undefined || !inThisAccount(render(sourceArn));
            })
            .map((s) => `${doc.resourceId}: ${JSON.stringify(s)}`),
        );
      const unsourcedInvokes = resourcesOfType<{ Principal: string; SourceArn?: unknown }>(template, "AWS::Lambda::Permission")
        .filter(([, p]) => p.Principal.endsWith(".amazonaws.com"))
        .filter(([, p]) => p.SourceArn === undefined || !inThisAccount(render(p.SourceArn)))
        .map(([id]) => id);

      // Assess
      expect(serviceStatements()).not.toHaveLength(0);
      expect([...unsourced, ...unsourcedInvokes]).toEqual([]);
    });
  });

  describe("handles failures", () => {
    it.each(ASYNC_FUNCTIONS)("retries %s a bounded number of times, then parks the event in its failure queue", (name) => {
      // Prepare
      interface EventInvokeConfig {
        FunctionName: unknown;
        Qualifier?: string;
        MaximumRetryAttempts?: number;
        DestinationConfig?: { OnFailure?: { Destination: unknown } };
      }

      // Act
      const configs = resourcesOfType<EventInvokeConfig>(template, "AWS::Lambda::EventInvokeConfig").filter(
        ([, c]) => render(c.FunctionName) === placeholder(functionId(name)),
      );

      // Assess
      expect(configs).toHaveLength(1);
      const [[, config]] = configs as [[string, EventInvokeConfig]];
      expect(config.Qualifier).toBe("$LATEST");
      expect(config.MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
      expect(config.MaximumRetryAttempts).toBeLessThanOrEqual(2);
      expect(config.DestinationConfig?.OnFailure?.Destination).toEqual(getAtt(FAILURE_QUEUE[name], "Arn"));
      expect(template.Resources[FAILURE_QUEUE[name]]?.Type).toBe("AWS::SQS::Queue");
    });

    it("never retries a failed metrics cycle (the next minute's cycle covers it; a retry would queue behind it)", () => {
      // Act
      const configs = resourcesOfType<{ FunctionName: unknown; MaximumRetryAttempts?: number }>(
        template,
        "AWS::Lambda::EventInvokeConfig",
      ).filter(([, c]) => render(c.FunctionName) === placeholder(functionId("pollMetrics")));

      // Assess
      expect(configs.map(([, c]) => c.MaximumRetryAttempts)).toEqual([0]);
    });

    it("runs one metrics cycle at a time (reserved concurrency 1)", () => {
      // Act
      const poller = functionProperties("pollMetrics");

      // Assess
      expect(poller.ReservedConcurrentExecutions).toBe(1);
    });

    it("gives the every-minute poller a timeout under a minute", () => {
      // Act
      const poller = functionProperties("pollMetrics");

      // Assess
      expect(poller.Timeout).toBeLessThan(60);
    });

    it.each(FUNCTIONS)("sets an explicit timeout for %s, not the framework's default", (name) => {
      // Act
      const declared = declaredTimeouts[name];

      // Assess
      expect(declared).toEqual(expect.any(Number));
      expect(functionProperties(name).Timeout).toBe(declared);
    });
  });

  describe("watches itself", () => {
    const notifiesTheTopic = (alarm: Alarm) => (alarm.AlarmActions ?? []).some((a) => render(a) === placeholder("NotificationsTopic"));

    it.each(FUNCTIONS)("alarms when %s fails or is throttled", (name) => {
      // Prepare
      const fn = { Name: "FunctionName", Value: placeholder(functionId(name)) };

      // Act
      const errors = alarmsOn(template, "AWS/Lambda", "Errors", fn);
      const throttles = alarmsOn(template, "AWS/Lambda", "Throttles", fn);

      // Assess
      expect(errors.filter(([, a]) => notifiesTheTopic(a))).not.toHaveLength(0);
      expect(throttles.filter(([, a]) => notifiesTheTopic(a))).not.toHaveLength(0);
    });

    it.each(FUNCTIONS)("alarms when %s runs near its timeout (threshold between half the timeout and the timeout)", (name) => {
      // Prepare
      const timeoutMs = functionProperties(name).Timeout * 1000;

      // Act
      const duration = alarmsOn(template, "AWS/Lambda", "Duration", { Name: "FunctionName", Value: placeholder(functionId(name)) });

      // Assess
      expect(duration).not.toHaveLength(0);
      for (const [id, alarm] of duration) {
        expect({ id, notifies: notifiesTheTopic(alarm), operator: alarm.ComparisonOperator }).toEqual({
          id,
          notifies: true,
          operator: expect.stringMatching(/^GreaterThan/),
        });
        expect(alarm.Threshold).toBeLessThan(timeoutMs);
        expect(alarm.Threshold).toBeGreaterThanOrEqual(timeoutMs / 2);
      }
    });

    it("alarms when messages wait in any queue of the stack", () => {
      // Prepare
      const queues = resourcesOfType(template, "AWS::SQS::Queue").map(([id]) => id);

      // Act
      const unwatched = queues.filter(
        (queue) =>
          !alarmsOn(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible", {
            Name: "QueueName",
            Value: placeholder(`${queue}.QueueName`),
          }).some(([, a]) => notifiesTheTopic(a)),
      );

      // Assess
      expect(queues).toEqual(expect.arrayContaining(Object.values(FAILURE_QUEUE)));
      expect(unwatched).toEqual([]);
    });

    it("raises a heartbeat alarm, as missing data too, when no metrics cycle completes for 5 minutes", () => {
      // Act
      const heartbeats = resourcesOfType<Alarm>(template, "AWS::CloudWatch::Alarm").filter(
        ([, a]) => a.Namespace === "mq-sentinel" && a.MetricName === "CyclesCompleted",
      );

      // Assess
      expect(heartbeats).toHaveLength(1);
      const [[, heartbeat]] = heartbeats as [[string, Alarm]];
      expect(heartbeat).toMatchObject({ TreatMissingData: "breaching", ComparisonOperator: "LessThanThreshold", Threshold: 1 });
      expect((heartbeat.Period ?? 0) * (heartbeat.EvaluationPeriods ?? 0)).toBe(300);
      expect(heartbeat.DatapointsToAlarm ?? heartbeat.EvaluationPeriods).toBe(heartbeat.EvaluationPeriods);
      expect(notifiesTheTopic(heartbeat)).toBe(true);
    });

    it("watches the heartbeat the poller writes: same namespace, metric and Stage dimension", () => {
      // Prepare
      const stage = functionProperties("pollMetrics").Environment?.Variables?.MQ_SENTINEL_STAGE;
      const [[, heartbeat]] = resourcesOfType<Alarm>(template, "AWS::CloudWatch::Alarm").filter(
        ([, a]) => a.MetricName === "CyclesCompleted",
      ) as [[string, Alarm]];

      // Act
      const written = JSON.parse(
        cycleMetricsLine(
          { at: 0, durationMs: 1, findings: 0, transitions: 0, metricsRequested: 0, getMetricDataCalls: 0, handledErrors: 0 },
          String(stage),
        ),
      );
      const [directive] = written._aws.CloudWatchMetrics as [{ Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }];

      // Assess
      expect(stage).toBe("prod");
      expect(heartbeat.Namespace).toBe(directive.Namespace);
      expect(directive.Metrics.map((m) => m.Name)).toContain(heartbeat.MetricName);
      expect(directive.Dimensions).toContainEqual((heartbeat.Dimensions ?? []).map((d) => d.Name));
      expect((heartbeat.Dimensions ?? []).map((d) => [d.Name, render(d.Value)])).toEqual(
        (heartbeat.Dimensions ?? []).map((d) => [d.Name, String(written[d.Name])]),
      );
    });

    it("alarms when notifications keep failing to deliver, on the metric every function writes", () => {
      // Prepare
      const written = JSON.parse(deliveryMetricsLine({ sent: 0, failed: 1, deferred: 0, outcomeUnknown: 0 }, 0, "prod", "poll-metrics"));
      const [directive] = written._aws.CloudWatchMetrics as [{ Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }];
      // Act
      const delivery = resourcesOfType<Alarm>(template, "AWS::CloudWatch::Alarm").filter(([, a]) => a.MetricName === "NotificationsFailed");
      // Assess
      expect(delivery).toHaveLength(1);
      const [[, alarm]] = delivery as [[string, Alarm]];
      expect(alarm.Namespace).toBe(directive.Namespace);
      expect(directive.Metrics.map((m) => m.Name)).toContain(alarm.MetricName);
      expect(directive.Dimensions).toContainEqual((alarm.Dimensions ?? []).map((d) => d.Name));
      expect(alarm).toMatchObject({ ComparisonOperator: "GreaterThanOrEqualToThreshold", Threshold: 1, TreatMissingData: "notBreaching" });
      expect(notifiesTheTopic(alarm)).toBe(true);
    });

    it("notifies the topic from every alarm", () => {
      // Act
      const alarms = resourcesOfType<Alarm>(template, "AWS::CloudWatch::Alarm");

      // Assess
      expect(alarms.length).toBeGreaterThanOrEqual(FUNCTIONS.length * 3 + ASYNC_FUNCTIONS.length + 1);
      expect(alarms.filter(([, a]) => !notifiesTheTopic(a)).map(([id]) => id)).toEqual([]);
    });

    describe("dashboard", () => {
      interface Widget {
        type: string;
        properties: { metrics?: unknown[] };
      }
      const PSEUDO_PARAMETERS = ["AWS::AccountId", "AWS::Partition", "AWS::Region", "AWS::StackName", "AWS::StackId", "AWS::URLSuffix"];

      /** The dashboard body's Sub string and its variables. */
      const dashboardSub = () => {
        const { DashboardBody } = propertiesOf<{ DashboardBody: unknown }>(template, "Dashboard", "AWS::CloudWatch::Dashboard");
        const sub = (DashboardBody as { "Fn::Sub"?: unknown })["Fn::Sub"];
        const [body, variables] = Array.isArray(sub) ? (sub as [string, Record<string, unknown>]) : [sub as string, {}];
        return { body, variables };
      };

      it("fills every placeholder of its body from a variable, a pseudo parameter or a resource of the stack", () => {
        // Prepare
        const { body, variables } = dashboardSub();

        // Act
        const placeholders = [...body.matchAll(/\$\{([^!}][^}]*)\}/g)].map((m) => m[1] as string);
        const unknown = placeholders.filter((p) => {
          const resource = p.split(".")[0] as string;
          return !(p in variables) && !PSEUDO_PARAMETERS.includes(p) && !(resource in template.Resources);
        });

        // Assess
        expect(placeholders.length).toBeGreaterThan(0);
        expect(unknown).toEqual([]);
      });

      it("shows every alarm of the stack", () => {
        // Prepare
        const { body } = dashboardSub();
        const alarms = resourcesOfType(template, "AWS::CloudWatch::Alarm").map(([id]) => id);

        // Act
        const missing = alarms.filter((id) => !body.includes(placeholder(`${id}.Arn`)));

        // Assess
        expect(alarms.length).toBeGreaterThan(0);
        expect(missing).toEqual([]);
      });

      it("has a body that is JSON, with widgets for mq-sentinel itself and for the Amazon MQ fleet", () => {
        // Prepare
        const { body } = dashboardSub();

        // Act
        const dashboard = JSON.parse(body.replace(/\$\{[^}]*\}/g, "0")) as { widgets: Widget[] };
        const metricsOf = (w: Widget) => JSON.stringify(w.properties.metrics ?? []);

        // Assess
        expect(dashboard.widgets.some((w) => w.type === "metric" && metricsOf(w).includes('"mq-sentinel"'))).toBe(true);
        expect(dashboard.widgets.some((w) => w.type === "metric" && /SEARCH\(.*AWS\/AmazonMQ/.test(metricsOf(w)))).toBe(true);
      });
    });
  });

  describe("grants the destinations notification routes name, and only those (config given at package time)", () => {
    const PAYMENTS_SLACK = SSM_PARAMETER("/mq-sentinel/slack/payments");
    const PAYMENTS_PAGERDUTY = SSM_PARAMETER("/mq-sentinel/pagerduty/payments");

    it.each(FUNCTIONS)("lets %s read the routes' webhook and routing-key parameters only if it delivers notifications", (name) => {
      // Prepare
      const delivering = [SLACK_WEBHOOK, BOT_TOKEN, PAYMENTS_SLACK, PAYMENTS_PAGERDUTY];
      const expected =
        name === "remediate" ? [KILL_SWITCH, ...delivering] : name === "slackInteractions" ? [SIGNING_SECRET, BOT_TOKEN] : delivering;

      // Act
      const parameters = resourcesFor(routedTemplate, roleId(name), (a) => a.startsWith("ssm:"));

      // Assess
      expect(parameters).toEqual(expected.sort());
    });

    it.each(NOTIFYING)("lets %s publish to the notifications topic and the routes' topics, nothing else", (name) => {
      // Act
      const topics = resourcesFor(routedTemplate, roleId(name), (a) => covers(a, "sns:Publish"));
      const actions = roleActions(routedTemplate, roleId(name));

      // Assess
      expect(topics).toEqual(["arn:aws:sns:us-east-1:123456789012:security-alerts", placeholder("NotificationsTopic")].sort());
      // Routes add resources, never actions.
      expect(actions).toEqual(roleActions(template, roleId(name)));
    });

    it("hands the functions the same routes it granted", () => {
      // Act
      const config = functionProperties("pollMetrics").Environment?.Variables?.MQ_SENTINEL_CONFIG;
      const routed = propertiesOf<FunctionProperties>(routedTemplate, functionId("pollMetrics"), "AWS::Lambda::Function").Environment
        ?.Variables?.MQ_SENTINEL_CONFIG;

      // Assess
      expect(config).toBe("{}");
      expect(JSON.parse(String(routed))).toEqual(ROUTES_CONFIG);
    });

    it("refuses to package routes whose destinations it cannot read, naming the key", () => {
      // Act
      const packaging = packageService([
        ...MAIN_STACK_ARGS,
        `--param=config=${JSON.stringify({ notifications: { routes: [{ name: "x", slack: "/one" }] } })}`,
      ]);

      // Assess
      expect(packaging.ok).toBe(false);
      expect(packaging.output).toContain("notifications.routes.0.slack must be a list of names");
    });
  });

  describe("reads RabbitMQ brokers' own Prometheus endpoints when given the brokers' subnets (scrapeRabbitmq)", () => {
    const SCRAPE = "ScrapeRabbitmqLambdaFunction";
    const SCRAPE_ROLE = "ScrapeRabbitmqIamRoleLambdaExecution";
    const scrapeProperties = () =>
      propertiesOf<FunctionProperties & { VpcConfig?: unknown }>(scrapeTemplate, SCRAPE, "AWS::Lambda::Function");

    it("creates scrapeRabbitmq, its role, log group and alarms only when its subnets are given", () => {
      // Act
      const byDefault = Object.keys(template.Resources).filter((id) => id.startsWith("ScrapeRabbitmq"));
      const conditional = Object.entries(packaged.Resources)
        .filter(([id]) => id.startsWith("ScrapeRabbitmq"))
        .map(([id, r]) => [id, r.Condition]);
      const configured = resourcesOfType(scrapeTemplate, "AWS::Lambda::Function").map(([id]) => id);

      // Assess
      expect(byDefault).toEqual([]);
      expect(conditional.length).toBeGreaterThanOrEqual(6);
      expect(conditional.filter(([, condition]) => condition !== "ScrapeRabbitMq")).toEqual([]);
      expect(configured.sort()).toEqual([...FUNCTIONS.map(functionId), SCRAPE].sort());
    });

    it("puts scrapeRabbitmq in the given subnets and security groups (the brokers are private)", () => {
      // Act
      const vpc = scrapeProperties().VpcConfig;

      // Assess
      expect(vpc).toEqual({
        SubnetIds: { "Fn::Split": [",", "subnet-0a1b,subnet-0c2d"] },
        SecurityGroupIds: { "Fn::Split": [",", "sg-0123"] },
      });
    });

    it("grants scrapeRabbitmq only its logs, the brokers' secrets and the network interfaces a function in a VPC needs", () => {
      // Act
      const granted = roleActions(scrapeTemplate, SCRAPE_ROLE);
      const secrets = resourcesFor(scrapeTemplate, SCRAPE_ROLE, (a) => a.startsWith("secretsmanager:"));

      // Assess
      expect(granted).toEqual(
        [
          ...LOGS,
          `managed policy arn:\${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole`,
          "secretsmanager:GetSecretValue",
        ].sort(),
      );
      expect(secrets).toEqual([`arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:mq-sentinel/rabbitmq/*`]);
      expect(scrapeProperties().Role).toEqual(getAtt(SCRAPE_ROLE, "Arn"));
    });

    it("tells scrapeRabbitmq the secret prefix its role allows, and pollMetrics the function to invoke", () => {
      // Act
      const scrapeVariables = scrapeProperties().Environment?.Variables ?? {};
      const pollVariables = propertiesOf<FunctionProperties>(scrapeTemplate, functionId("pollMetrics"), "AWS::Lambda::Function").Environment
        ?.Variables;
      const byDefault = functionProperties("pollMetrics").Environment?.Variables;

      // Assess
      expect(scrapeVariables.RABBITMQ_SECRET_PREFIX).toBe("mq-sentinel/rabbitmq/");
      expect(pollVariables?.SCRAPE_FUNCTION).toEqual(ref(SCRAPE));
      expect(byDefault?.SCRAPE_FUNCTION).toBe("");
    });

    it("lets only pollMetrics invoke scrapeRabbitmq", () => {
      // Prepare
      const roles = resourcesOfType(scrapeTemplate, "AWS::IAM::Role").map(([id]) => id);

      // Act
      const invokers = roles.filter((role) =>
        resourcesFor(scrapeTemplate, role, (a) => covers(a, "lambda:InvokeFunction")).includes(placeholder(`${SCRAPE}.Arn`)),
      );

      // Assess
      expect(invokers).toEqual([roleId("pollMetrics")]);
    });

    it("keeps scrapeRabbitmq's timeout within pollMetrics' wait (32 s) and alarms when it fails, is throttled or runs near it", () => {
      // Prepare
      const fn = { Name: "FunctionName", Value: placeholder(SCRAPE) };
      const timeoutMs = scrapeProperties().Timeout * 1000;

      // Act
      const alarms = ["Errors", "Throttles", "Duration"].map((metric) => alarmsOn(scrapeTemplate, "AWS/Lambda", metric, fn));

      // Assess
      expect(timeoutMs).toBeLessThan(32_000);
      expect(alarms.map((a) => a.length)).toEqual([1, 1, 1]);
      const [duration] = alarms[2] ?? [];
      expect(duration?.[1].Threshold).toBeLessThan(timeoutMs);
      expect(duration?.[1].Threshold).toBeGreaterThanOrEqual(timeoutMs / 2);
    });
  });
});
