import { FORWARDER_ARGS, PACKAGING_TIMEOUT_MS, packageService, packageTemplate } from "./packaged-template";
import {
  AMAZON_MQ_API_CALLS_PATTERN,
  actionsOf,
  getAtt,
  placeholder,
  policyDocuments,
  propertiesOf,
  ref,
  render,
  resourcesOfType,
  roleActions,
  roleGrants,
  type Statement,
  type Template,
} from "./template-queries";

/**
 * The CloudTrail forwarder (serverless.forwarder.yml) as packaged for eu-west-1 in a deployment whose
 * home region is us-east-1: it sends that region's Amazon MQ API calls to the home region's default
 * event bus, and creates nothing when deployed in the home region itself.
 */

let template: Template;

beforeAll(() => {
  template = packageTemplate(FORWARDER_ARGS);
}, PACKAGING_TIMEOUT_MS);

const HOME_BUS = `arn:\${AWS::Partition}:events:us-east-1:\${AWS::AccountId}:event-bus/default`;

/** The framework's deployment bucket: `sls deploy` needs one in every region it deploys to, the home region too. */
const FRAMEWORK_RESOURCES = ["ServerlessDeploymentBucket", "ServerlessDeploymentBucketPolicy"];
const FRAMEWORK_OUTPUTS = ["ServerlessDeploymentBucketName"];

interface Target {
  Arn: unknown;
  RoleArn?: unknown;
  RetryPolicy?: { MaximumRetryAttempts?: number };
  DeadLetterConfig?: { Arn: unknown };
}

const forwardRule = () =>
  propertiesOf<{ State: string; EventPattern: unknown; Targets: Target[] }>(template, "AmazonMqApiCallsForwardRule", "AWS::Events::Rule");

describe("CloudTrail forwarder, packaged for eu-west-1 with home region us-east-1", () => {
  it("receives every Amazon MQ API call CloudTrail records, read-only ones included, with the main stack's pattern", () => {
    // Act
    const rule = forwardRule();

    // Assess
    expect(rule.State).toBe("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS");
    expect(rule.EventPattern).toEqual(AMAZON_MQ_API_CALLS_PATTERN);
  });

  it("sends them to the home region's default event bus with a role, retries and a dead-letter queue", () => {
    // Act
    const rule = forwardRule();

    // Assess
    expect(rule.Targets).toHaveLength(1);
    const [target] = rule.Targets as [Target];
    expect(render(target.Arn)).toBe(HOME_BUS);
    expect(target.RoleArn).toEqual(getAtt("ForwardRole", "Arn"));
    expect(target.RetryPolicy?.MaximumRetryAttempts).toEqual(expect.any(Number));
    expect(target.DeadLetterConfig?.Arn).toEqual(getAtt("ForwardFailures", "Arn"));
    expect(template.Resources.ForwardFailures?.Type).toBe("AWS::SQS::Queue");
  });

  it("lets its role, which only EventBridge assumes, do nothing but put events on that one bus", () => {
    // Act
    const role = propertiesOf<{ AssumeRolePolicyDocument: { Statement: Statement[] } }>(template, "ForwardRole", "AWS::IAM::Role");
    const grants = roleGrants(template, "ForwardRole").map((g) => ({
      action: g.action,
      resource: g.resource,
      condition: g.statement.Condition,
    }));

    // Assess
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(roleActions(template, "ForwardRole")).toEqual(["events:PutEvents"]);
    expect(grants).toEqual([{ action: "events:PutEvents", resource: HOME_BUS, condition: undefined }]);
  });

  it("lets only its rule write to the dead-letter queue", () => {
    // Act
    const policies = resourcesOfType<{ Queues: unknown[]; PolicyDocument: { Statement: Statement[] } }>(
      template,
      "AWS::SQS::QueuePolicy",
    ).filter(([, p]) => p.Queues.some((q) => render(q) === placeholder("ForwardFailures")));

    // Assess
    expect(policies.flatMap(([, p]) => p.PolicyDocument.Statement)).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Condition: { ArnEquals: { "aws:SourceArn": getAtt("AmazonMqApiCallsForwardRule", "Arn") } },
      }),
    ]);
  });

  it("allows no '*' or 'service:*' action in any policy", () => {
    // Act
    const widenings = policyDocuments(template).flatMap((doc) =>
      doc.statements
        .filter((s) => s.Effect === "Allow")
        .filter(
          (s) => s.NotAction !== undefined || s.NotResource !== undefined || actionsOf(s).some((a) => a === "*" || /^[^:]+:\*$/.test(a)),
        )
        .map((s) => `${doc.resourceId}: ${JSON.stringify(s)}`),
    );

    // Assess
    expect(policyDocuments(template).map((d) => d.resourceId)).toEqual(expect.arrayContaining(["ForwardRole", "ForwardFailuresPolicy"]));
    expect(widenings).toEqual([]);
  });

  it("creates all of it only outside the home region (condition ForwardsToAnotherRegion)", () => {
    // Act
    const unconditional = Object.entries(template.Resources)
      .filter(([id, r]) => !FRAMEWORK_RESOURCES.includes(id) && r.Condition !== "ForwardsToAnotherRegion")
      .map(([id]) => id);
    const unconditionalOutputs = Object.entries(template.Outputs ?? {})
      .filter(([id, o]) => !FRAMEWORK_OUTPUTS.includes(id) && o.Condition !== "ForwardsToAnotherRegion")
      .map(([id]) => id);

    // Assess
    expect(template.Conditions?.ForwardsToAnotherRegion).toEqual({ "Fn::Not": [{ "Fn::Equals": ["us-east-1", ref("AWS::Region")] }] });
    expect(Object.keys(template.Resources)).toEqual(
      expect.arrayContaining(["AmazonMqApiCallsForwardRule", "ForwardRole", "ForwardFailures"]),
    );
    expect(unconditional).toEqual([]);
    expect(unconditionalOutputs).toEqual([]);
  });

  it(
    "refuses to package without homeRegion, with an error that names it",
    () => {
      // Prepare
      const withoutHomeRegion = FORWARDER_ARGS.filter((arg) => !arg.startsWith("--param=homeRegion="));

      // Act
      const packaging = packageService(withoutHomeRegion);

      // Assess
      expect(packaging.ok).toBe(false);
      expect(packaging.output).toMatch(/homeRegion/);
    },
    PACKAGING_TIMEOUT_MS,
  );
});
