import { type ApiCall, parseApiEvent } from "../../../shared/core/cloudtrail-event";
import { detectRiskyChange, postureRecheckOf, type RiskyChangeContext } from "../../../shared/core/detectors/risky-change";
import { IncidentKind, Severity } from "../../../shared/core/types";
import {
  type ApiEventOptions,
  amazonMqApiEvent,
  BROKER_ID,
  brokerArn,
  createBrokerParameters,
  createBrokerResponse,
  DEFAULT_TIME,
  principalArn,
  roleArn,
  updateBrokerParameters,
  userParameters,
} from "../../fixtures/cloudtrail/events";

const REMEDIATION_ROLE = roleArn("mq-sentinel-prod-remediate");
const NOW = DEFAULT_TIME + 60_000;
const context: RiskyChangeContext = { brokerName: "orders-amq", ownRoleArns: [REMEDIATION_ROLE], now: NOW };

/** A parsed call made from a real-shaped event. */
function call(options: ApiEventOptions): ApiCall {
  const parsed = parseApiEvent(amazonMqApiEvent(options));
  if (!parsed.ok) throw new Error(parsed.detail);
  return parsed.call;
}

describe("detectRiskyChange", () => {
  it.each<{ case: string; options: ApiEventOptions; severity: Severity }>([
    { case: "a successful DeleteBroker", options: { eventName: "DeleteBroker" }, severity: Severity.critical },
    { case: "CreateUser", options: { eventName: "CreateUser", requestParameters: userParameters("app") }, severity: Severity.warning },
    { case: "UpdateUser", options: { eventName: "UpdateUser", requestParameters: userParameters("app") }, severity: Severity.warning },
    { case: "DeleteUser", options: { eventName: "DeleteUser", requestParameters: userParameters("app") }, severity: Severity.warning },
    {
      case: "UpdateBroker changing security groups",
      options: { eventName: "UpdateBroker", requestParameters: updateBrokerParameters({ securityGroups: ["sg-1"] }) },
      severity: Severity.warning,
    },
    {
      case: "UpdateBroker turning the audit log off",
      options: { eventName: "UpdateBroker", requestParameters: updateBrokerParameters({ logs: { audit: false, general: true } }) },
      severity: Severity.critical,
    },
    {
      case: "UpdateBroker turning the general log off",
      options: { eventName: "UpdateBroker", requestParameters: updateBrokerParameters({ logs: { general: false } }) },
      severity: Severity.critical,
    },
    {
      case: "UpdateBroker turning the logs on",
      options: { eventName: "UpdateBroker", requestParameters: updateBrokerParameters({ logs: { audit: true, general: true } }) },
      severity: Severity.warning,
    },
    {
      case: "CreateConfiguration",
      options: {
        eventName: "CreateConfiguration",
        requestParameters: { name: "orders-config", engineType: "ActiveMQ", engineVersion: "5.18" },
      },
      severity: Severity.info,
    },
    {
      case: "UpdateConfiguration",
      options: { eventName: "UpdateConfiguration", requestParameters: { configurationId: "c-1234", data: "***" } },
      severity: Severity.warning,
    },
    { case: "RebootBroker by a person", options: { eventName: "RebootBroker", identity: "iam-user" }, severity: Severity.warning },
    {
      case: "RebootBroker by another role",
      options: { eventName: "RebootBroker", identity: "assumed-role", identityOptions: { name: "OpsRole" } },
      severity: Severity.warning,
    },
    {
      case: "CreateBroker of a public broker",
      options: {
        eventName: "CreateBroker",
        requestParameters: createBrokerParameters("orders-amq", { publiclyAccessible: true }),
        responseElements: createBrokerResponse("orders-amq"),
      },
      severity: Severity.critical,
    },
    {
      case: "CreateBroker with automatic minor upgrades off",
      options: { eventName: "CreateBroker", requestParameters: createBrokerParameters("orders-amq", { autoMinorVersionUpgrade: false }) },
      severity: Severity.warning,
    },
    {
      case: "CreateBroker of a single-instance production broker",
      options: {
        eventName: "CreateBroker",
        requestParameters: createBrokerParameters("orders-amq", { deploymentMode: "SINGLE_INSTANCE", tags: { environment: "Prod" } }),
      },
      severity: Severity.warning,
    },
    {
      case: "CreateBroker with a web console user",
      options: {
        eventName: "CreateBroker",
        requestParameters: createBrokerParameters("orders-amq", { users: [{ username: "admin", password: "***", consoleAccess: true }] }),
      },
      severity: Severity.warning,
    },
    {
      case: "CreateTags setting mq-sentinel:ignore",
      options: {
        eventName: "CreateTags",
        requestParameters: { resourceArn: brokerArn("orders-amq"), tags: { "mq-sentinel:ignore": " TRUE " } },
      },
      severity: Severity.critical,
    },
    {
      case: "CreateTags opting in to reboots",
      options: {
        eventName: "CreateTags",
        requestParameters: { resourceArn: brokerArn("orders-amq"), tags: { "mq-sentinel:remediate": "Reboot" } },
      },
      severity: Severity.critical,
    },
    {
      case: "CreateTags setting mq-sentinel:ignore to false",
      options: {
        eventName: "CreateTags",
        requestParameters: { resourceArn: brokerArn("orders-amq"), tags: { "mq-sentinel:ignore": "false" } },
      },
      severity: Severity.warning,
    },
    {
      case: "DeleteTags removing the opt-in",
      options: { eventName: "DeleteTags", requestParameters: { resourceArn: brokerArn("orders-amq"), tagKeys: ["mq-sentinel:remediate"] } },
      severity: Severity.warning,
    },
  ])("raises $severity for $case", ({ options, severity }) => {
    // Act
    const finding = detectRiskyChange(call(options), context);

    // Assess
    expect(finding).toMatchObject({ kind: IncidentKind.riskyChange, broker: "orders-amq", resource: options.eventName, severity });
  });

  it.each<{ case: string; options: ApiEventOptions }>([
    {
      case: "RebootBroker by mq-sentinel's own role",
      options: {
        eventName: "RebootBroker",
        identity: "assumed-role",
        identityOptions: { name: "mq-sentinel-prod-remediate", session: "remediate-1" },
      },
    },
    { case: "a failed DeleteBroker", options: { eventName: "DeleteBroker", errorCode: "AccessDeniedException" } },
    { case: "a failed UpdateBroker", options: { eventName: "UpdateBroker", errorCode: "BadRequestException" } },
    { case: "a failed CreateUser", options: { eventName: "CreateUser", errorCode: "ConflictException" } },
    { case: "DescribeBroker", options: { eventName: "DescribeBroker" } },
    { case: "ListBrokers", options: { eventName: "ListBrokers", requestParameters: { maxResults: 100 } } },
    { case: "ListUsers", options: { eventName: "ListUsers" } },
    { case: "CreateTags", options: { eventName: "CreateTags", requestParameters: { resourceArn: "arn:aws:mq:eu-west-1:1:broker:x:b-1" } } },
    {
      case: "CreateTags on other keys",
      options: { eventName: "CreateTags", requestParameters: { resourceArn: brokerArn("orders-amq"), tags: { "cost-center": "4410" } } },
    },
    {
      case: "DeleteTags of other keys",
      options: { eventName: "DeleteTags", requestParameters: { resourceArn: brokerArn("orders-amq"), tagKeys: ["temporary"] } },
    },
    {
      case: "a denied CreateTags on mq-sentinel:ignore",
      options: {
        eventName: "CreateTags",
        errorCode: "AccessDeniedException",
        requestParameters: { resourceArn: brokerArn("orders-amq"), tags: { "mq-sentinel:ignore": "true" } },
      },
    },
    { case: "CreateBroker", options: { eventName: "CreateBroker", requestParameters: { brokerName: "new" } } },
    {
      case: "CreateBroker of a private, multi-AZ broker with upgrades and no console user",
      options: {
        eventName: "CreateBroker",
        requestParameters: createBrokerParameters("new"),
        responseElements: createBrokerResponse("new"),
      },
    },
    {
      case: "CreateBroker of a single-instance broker not tagged as production",
      options: {
        eventName: "CreateBroker",
        requestParameters: createBrokerParameters("new", { deploymentMode: "SINGLE_INSTANCE", tags: { environment: "dev" } }),
      },
    },
  ])("stays quiet for $case", ({ options }) => {
    // Act
    const finding = detectRiskyChange(call(options), context);

    // Assess
    expect(finding).toBeNull();
  });

  it.each(["DescribeBroker", "ListBrokers", "CreateTags", "RebootBroker", "DeleteUser"])(
    "raises a critical root-user finding for any successful %s by the root user",
    (eventName) => {
      // Act
      const finding = detectRiskyChange(call({ eventName, identity: "root" }), context);

      // Assess
      expect(finding).toMatchObject({
        kind: IncidentKind.riskyChange,
        resource: eventName,
        severity: Severity.critical,
        condition: "root-user",
      });
      expect(finding?.evidence.rootUser).toBe(true);
      expect(finding?.summary).toMatch(/^The root user ran /);
    },
  );

  it("raises a root-user finding for a RebootBroker by the root user even when ownRoleArns lists root", () => {
    // Act
    const finding = detectRiskyChange(call({ eventName: "RebootBroker", identity: "root" }), {
      ...context,
      ownRoleArns: [principalArn("root") as string],
    });

    // Assess
    expect(finding?.condition).toBe("root-user");
  });

  it("stays quiet for a failed call by the root user", () => {
    // Act
    const finding = detectRiskyChange(call({ eventName: "DescribeBroker", identity: "root", errorCode: "AccessDenied" }), context);

    // Assess
    expect(finding).toBeNull();
  });

  it.each([
    { case: "the directory's name", brokerName: "orders-amq", broker: "orders-amq", says: "on orders-amq" },
    { case: "`*` for a broker the directory does not know", brokerName: null, broker: "*", says: `on unknown broker ${BROKER_ID}` },
  ])("names the broker by $case", ({ brokerName, broker, says }) => {
    // Act
    const finding = detectRiskyChange(call({ eventName: "DeleteBroker" }), { ...context, brokerName });

    // Assess
    expect(finding?.broker).toBe(broker);
    expect(finding?.summary).toContain(says);
  });

  it("names `*` without a broker id for a call on no broker", () => {
    // Act
    const finding = detectRiskyChange(call({ eventName: "CreateConfiguration", requestParameters: { name: "c" } }), {
      ...context,
      brokerName: null,
    });

    // Assess
    expect(finding?.broker).toBe("*");
    expect(finding?.summary).not.toContain("unknown broker");
  });

  it.each<{ case: string; changes: Record<string, unknown>; says: string[] }>([
    { case: "security groups", changes: { securityGroups: ["sg-0a1b", "sg-2c3d"] }, says: ["set security groups to sg-0a1b, sg-2c3d"] },
    { case: "the engine version", changes: { engineVersion: "5.18.4" }, says: ["changed the engine version to 5.18.4"] },
    { case: "the instance type", changes: { hostInstanceType: "mq.m5.xlarge" }, says: ["changed the instance type to mq.m5.xlarge"] },
    { case: "minor version upgrades", changes: { autoMinorVersionUpgrade: false }, says: ["turned off automatic minor version upgrades"] },
    {
      case: "the configuration",
      changes: { configuration: { id: "c-1234", revision: 4 } },
      says: ["applied configuration c-1234 revision 4"],
    },
    { case: "authentication", changes: { authenticationStrategy: "LDAP" }, says: ["changed authentication to LDAP"] },
    {
      case: "both logs and the engine version",
      changes: { logs: { audit: false, general: false }, engineVersion: "5.17.6" },
      says: ["turned off audit and general logs", "changed the engine version to 5.17.6"],
    },
  ])("says what UpdateBroker changed: $case", ({ changes, says }) => {
    // Act
    const finding = detectRiskyChange(call({ eventName: "UpdateBroker", requestParameters: updateBrokerParameters(changes) }), context);

    // Assess
    for (const words of says) expect(finding?.summary).toContain(words);
    expect(finding?.evidence.change).toBe(says.join("; "));
  });

  it("says which user changed, with its groups and console access", () => {
    // Prepare
    const parameters = userParameters("ops-admin", { groups: ["admins"], consoleAccess: true });

    // Act
    const finding = detectRiskyChange(call({ eventName: "CreateUser", requestParameters: parameters }), context);

    // Assess
    expect(finding?.summary).toContain("user ops-admin; groups admins; with console access");
    expect(finding?.summary).not.toContain("***");
  });

  it("names the principal and keeps the CloudTrail event id as evidence", () => {
    // Prepare
    const source = call({
      eventName: "DeleteUser",
      identity: "assumed-role",
      cloudTrailEventId: "ct-77",
      requestParameters: userParameters("app"),
    });

    // Act
    const finding = detectRiskyChange(source, context);

    // Assess
    expect(finding?.summary).toContain(principalArn("assumed-role") as string);
    expect(finding?.evidence).toMatchObject({
      eventName: "DeleteUser",
      principal: principalArn("assumed-role"),
      principalType: "AssumedRole",
      rootUser: false,
      brokerId: BROKER_ID,
      cloudTrailEventId: "ct-77",
    });
  });

  it("never throws for an UpdateBroker whose configuration revision has no string form", () => {
    // Prepare
    const parsed = call({
      eventName: "UpdateBroker",
      requestParameters: JSON.parse(`{"brokerId":"${BROKER_ID}","configuration":{"id":"c-1","revision":{"__proto__":null}}}`),
    });

    // Act
    const run = () => detectRiskyChange(parsed, context);

    // Assess
    expect(run).not.toThrow();
  });
});

describe("detectRiskyChange on what CreateBroker and tag calls do", () => {
  it("says what is risky in a CreateBroker", () => {
    // Prepare: the shape of the AWS documentation's CreateBroker record
    const created = call({
      eventName: "CreateBroker",
      requestParameters: createBrokerParameters("MyBroker", {
        publiclyAccessible: true,
        autoMinorVersionUpgrade: false,
        users: [
          { username: "MyUsername123", password: "***", consoleAccess: true, groups: ["admins"] },
          { username: "MyUsername456", password: "***", groups: ["admins"] },
        ],
      }),
      responseElements: createBrokerResponse("MyBroker"),
    });

    // Act
    const finding = detectRiskyChange(created, { ...context, brokerName: null });

    // Assess
    expect(finding).toMatchObject({ broker: "*", resource: "CreateBroker", severity: Severity.critical });
    expect(finding?.summary).toContain(
      "created broker MyBroker: publicly accessible; automatic minor version upgrades off; web console access for MyUsername123",
    );
    expect(finding?.evidence.brokerId).toBe(BROKER_ID);
  });

  it("names who set a control tag and what it does", () => {
    // Prepare
    const tagged = call({
      eventName: "CreateTags",
      identity: "assumed-role",
      identityOptions: { name: "FinOps", session: "jules" },
      requestParameters: { resourceArn: brokerArn("orders-amq"), tags: { "mq-sentinel:ignore": "true", team: "search" } },
    });

    // Act
    const finding = detectRiskyChange(tagged, context);

    // Assess
    expect(finding).toMatchObject({ broker: "orders-amq", resource: "CreateTags", severity: Severity.critical });
    expect(finding?.summary).toBe(
      `${principalArn("assumed-role", { name: "FinOps", session: "jules" })} ran CreateTags on orders-amq: set mq-sentinel:ignore=true: mq-sentinel no longer watches the broker.`,
    );
  });

  it("says when a change arrived late, and how late", () => {
    // Prepare: a DeleteUser made 25 minutes before it arrived
    const late = call({ eventName: "DeleteUser", requestParameters: userParameters("app"), at: NOW - 25 * 60_000 });

    // Act
    const finding = detectRiskyChange(late, context);

    // Assess
    expect(finding?.summary).toContain("evidence arrived 25 min late");
    expect(finding?.evidence.lateMinutes).toBe(25);
  });
});

describe("postureRecheckOf", () => {
  const broker = { brokerId: BROKER_ID, configurationId: null };
  it.each<{ case: string; options: ApiEventOptions; target: { brokerId: string | null; configurationId: string | null } | null }>([
    {
      case: "UpdateBroker",
      options: { eventName: "UpdateBroker", requestParameters: updateBrokerParameters({ securityGroups: ["sg-1"] }) },
      target: broker,
    },
    {
      case: "UpdateConfiguration (names its configuration, not a broker)",
      options: { eventName: "UpdateConfiguration", requestParameters: { configurationId: "c-1", data: "***" } },
      target: { brokerId: null, configurationId: "c-1" },
    },
    { case: "CreateUser", options: { eventName: "CreateUser", requestParameters: userParameters("u") }, target: broker },
    { case: "UpdateUser", options: { eventName: "UpdateUser", requestParameters: userParameters("u") }, target: broker },
    { case: "DeleteUser", options: { eventName: "DeleteUser", requestParameters: userParameters("u") }, target: broker },
    { case: "a failed UpdateBroker", options: { eventName: "UpdateBroker", errorCode: "AccessDenied" }, target: null },
    {
      case: "a failed UpdateConfiguration",
      options: { eventName: "UpdateConfiguration", errorCode: "BadRequestException", requestParameters: { configurationId: "c-1" } },
      target: null,
    },
    { case: "UpdateBroker naming no broker", options: { eventName: "UpdateBroker", requestParameters: {} }, target: null },
    { case: "RebootBroker", options: { eventName: "RebootBroker" }, target: null },
    { case: "DeleteBroker", options: { eventName: "DeleteBroker" }, target: null },
    { case: "DescribeBroker", options: { eventName: "DescribeBroker" }, target: null },
  ])("asks for a re-check of $target after $case", ({ options, target }) => {
    // Act
    const requested = postureRecheckOf(call(options));

    // Assess
    expect(requested).toEqual(target);
  });
});
