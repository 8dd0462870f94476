import { checksFor, POSTURE_CHECKS, PostureCheckId, productionTag, runPostureChecks } from "../../../shared/core/posture/checks";
import type { PostureFacts } from "../../../shared/core/posture/posture-facts";
import { type Broker, fingerprintOf, IncidentKind, Severity } from "../../../shared/core/types";
import {
  activeMqBroker,
  authorizationMapXml,
  compliantFacts,
  EMPTY_BROKER_XML,
  group,
  kahaDbXml,
  LDAP_MAP_XML,
  PLUGINS_WITHOUT_AUTHORIZATION_XML,
  rabbitMqBroker,
  tcp,
  withBroker,
} from "./posture-fixtures";

const XML_CHECKS = [
  PostureCheckId.noAuthorizationMap,
  PostureCheckId.permissiveAuthorizationMap,
  PostureCheckId.concurrentStoreAndDispatch,
];

const fingerprint = (broker: Broker, check: string) => fingerprintOf({ kind: IncidentKind.posture, broker: broker.name, resource: check });
const xml = (value: string): PostureFacts["configurationXml"] => ({ ok: true, value });
const openAmq = (...ingress: Parameters<typeof group> extends [string, ...infer R] ? R : never) => ({
  securityGroups: { ok: true as const, value: [group("sg-0a11", ...ingress)] },
});

describe("POSTURE_CHECKS", () => {
  it("lists the check ids of the replay contract, each once", () => {
    // Act
    const ids = POSTURE_CHECKS.map((c) => c.id);

    // Assess
    expect(ids).toEqual([
      "public-access",
      "no-authorization-map",
      "permissive-authorization-map",
      "audit-log-disabled",
      "general-log-disabled",
      "aws-owned-key",
      "single-instance",
      "auto-minor-upgrade-disabled",
      "open-security-group",
      "concurrent-store-and-dispatch",
    ]);
  });

  it.each(POSTURE_CHECKS.map((check) => ({ id: check.id, check })))("gives $id a one-sentence reason and fix", ({ check }) => {
    // Assess
    for (const sentence of [check.reason, check.fix]) {
      expect(sentence).toMatch(/^[A-Z].*\.$/);
      expect(sentence.slice(0, -1)).not.toMatch(/\.\s/);
    }
  });

  it.each([
    { engine: "ACTIVEMQ" as const, count: 10 },
    { engine: "RABBITMQ" as const, count: 5 },
  ])("applies $count checks to $engine", ({ engine, count }) => {
    // Act
    const ids = checksFor(engine).map((c) => c.id);

    // Assess
    expect(ids).toHaveLength(count);
    if (engine === "RABBITMQ") {
      for (const id of [...XML_CHECKS, PostureCheckId.auditLogDisabled, PostureCheckId.awsOwnedKey]) expect(ids).not.toContain(id);
    }
  });
});

describe("runPostureChecks", () => {
  describe("compliant brokers", () => {
    it.each([
      { case: "an ActiveMQ active/standby pair", facts: compliantFacts(activeMqBroker), judged: 10 },
      { case: "a RabbitMQ cluster", facts: compliantFacts(rabbitMqBroker), judged: 5 },
      {
        case: "an ActiveMQ broker authorized through LDAP",
        facts: compliantFacts(activeMqBroker, { configurationXml: xml(LDAP_MAP_XML) }),
        judged: 10,
      },
      {
        case: "an ActiveMQ broker that turned concurrent store and dispatch off for its slow queue",
        facts: compliantFacts(activeMqBroker, {
          configurationXml: xml(kahaDbXml('concurrentStoreAndDispatchQueues="false"')),
          slowQueues: ["reports.render"],
        }),
        judged: 10,
      },
    ])("finds nothing wrong with $case", ({ facts, judged }) => {
      // Act
      const result = runPostureChecks(facts);

      // Assess
      expect(result.findings).toEqual([]);
      expect(result.errors).toEqual([]);
      expect(result.judged).toHaveLength(judged);
    });
  });

  interface CheckCase {
    case: string;
    facts: PostureFacts;
    check: PostureCheckId;
    severity?: Severity;
    /** Other checks the same facts fail on purpose. */
    alsoFires?: PostureCheckId[];
  }

  const singleAmq = withBroker(activeMqBroker, { deploymentMode: "SINGLE_INSTANCE", nodes: ["payments-amq-1"] });
  const singleRmq = withBroker(rabbitMqBroker, { deploymentMode: "SINGLE_INSTANCE" });

  const firing: CheckCase[] = [
    {
      case: "a publicly accessible broker",
      facts: compliantFacts(activeMqBroker, { settings: { publiclyAccessible: true } }),
      check: "public-access",
      severity: Severity.critical,
    },
    {
      case: "a public RabbitMQ broker",
      facts: compliantFacts(rabbitMqBroker, { settings: { publiclyAccessible: true } }),
      check: "public-access",
      severity: Severity.critical,
    },
    {
      case: "an empty configuration",
      facts: compliantFacts(activeMqBroker, { configurationXml: xml(EMPTY_BROKER_XML) }),
      check: "no-authorization-map",
      severity: Severity.warning,
    },
    {
      case: "plugins without an authorization plugin",
      facts: compliantFacts(activeMqBroker, { configurationXml: xml(PLUGINS_WITHOUT_AUTHORIZATION_XML) }),
      check: "no-authorization-map",
    },
    {
      case: 'write on queue=">" for everyone',
      facts: compliantFacts(activeMqBroker, {
        configurationXml: xml(authorizationMapXml(['<authorizationEntry admin="admins" queue="&gt;" read="everyone" write="everyone"/>'])),
      }),
      check: "permissive-authorization-map",
      severity: Severity.warning,
    },
    {
      case: 'admin on topic=">" for guests',
      facts: compliantFacts(activeMqBroker, {
        configurationXml: xml(
          authorizationMapXml(['<authorizationEntry admin="admins,guests" topic="&gt;" read="admins" write="admins"/>']),
        ),
      }),
      check: "permissive-authorization-map",
    },
    {
      case: 'write on queue and topic ">" for "*"',
      facts: compliantFacts(activeMqBroker, {
        configurationXml: xml(authorizationMapXml(['<authorizationEntry admin="admins" queue="&gt;" topic="&gt;" read="*" write="*"/>'])),
      }),
      check: "permissive-authorization-map",
    },
    {
      case: "write for Users (any case) on > among other queues",
      facts: compliantFacts(activeMqBroker, {
        configurationXml: xml(
          authorizationMapXml(['<authorizationEntry admin="admins" queue="orders.&gt;,&gt;" read="admins" write="admins, Users"/>']),
        ),
      }),
      check: "permissive-authorization-map",
    },
    {
      case: "a defaultEntry granting write to anonymous",
      facts: compliantFacts(activeMqBroker, {
        configurationXml: xml(
          authorizationMapXml([]).replace(
            "<authorizationEntries>",
            '<defaultEntry><authorizationEntry read="anonymous" write="anonymous" admin="admins"/></defaultEntry><authorizationEntries>',
          ),
        ),
      }),
      check: "permissive-authorization-map",
    },
    {
      case: "ActiveMQ audit logs off",
      facts: compliantFacts(activeMqBroker, { settings: { auditLog: false } }),
      check: "audit-log-disabled",
      severity: Severity.warning,
    },
    {
      case: "ActiveMQ general logs off",
      facts: compliantFacts(activeMqBroker, { settings: { generalLog: false } }),
      check: "general-log-disabled",
      severity: Severity.info,
    },
    {
      case: "RabbitMQ general logs off",
      facts: compliantFacts(rabbitMqBroker, { settings: { generalLog: false } }),
      check: "general-log-disabled",
      severity: Severity.info,
    },
    {
      case: "an AWS owned key on ActiveMQ",
      facts: compliantFacts(activeMqBroker, { settings: { useAwsOwnedKey: true, kmsKeyId: null } }),
      check: "aws-owned-key",
      severity: Severity.info,
    },
    {
      case: "a single-instance ActiveMQ broker tagged environment=production",
      facts: compliantFacts(singleAmq),
      check: "single-instance",
      severity: Severity.warning,
    },
    {
      case: "a single-instance RabbitMQ broker tagged Environment=Production",
      facts: compliantFacts(singleRmq),
      check: "single-instance",
      severity: Severity.warning,
    },
    {
      case: "a single-instance broker tagged env=prod",
      facts: compliantFacts(withBroker(singleAmq, { tags: { env: "prod" } })),
      check: "single-instance",
    },
    {
      case: "a single-instance broker tagged Stage=PRD",
      facts: compliantFacts(withBroker(singleAmq, { tags: { Stage: " PRD " } })),
      check: "single-instance",
    },
    {
      case: "automatic minor upgrades off",
      facts: compliantFacts(rabbitMqBroker, { settings: { autoMinorVersionUpgrade: false } }),
      check: "auto-minor-upgrade-disabled",
      severity: Severity.info,
    },
    {
      case: "61617 open to 0.0.0.0/0 on a private broker",
      facts: compliantFacts(activeMqBroker, openAmq(tcp(61617, 61617, "0.0.0.0/0"))),
      check: "open-security-group",
      severity: Severity.warning,
    },
    {
      case: "61617 open to 0.0.0.0/0 on a public broker",
      facts: compliantFacts(activeMqBroker, { ...openAmq(tcp(61617, 61617, "0.0.0.0/0")), settings: { publiclyAccessible: true } }),
      check: "open-security-group",
      severity: Severity.critical,
      alsoFires: ["public-access"],
    },
    { case: "61617 open to ::/0", facts: compliantFacts(activeMqBroker, openAmq(tcp(61617, 61617, "::/0"))), check: "open-security-group" },
    {
      case: "a port range 8000-9000 covering 8162 and 8883",
      facts: compliantFacts(activeMqBroker, openAmq(tcp(8000, 9000, "0.0.0.0/0"))),
      check: "open-security-group",
    },
    {
      case: "all traffic (-1) from anywhere",
      facts: compliantFacts(activeMqBroker, openAmq({ protocol: "-1", fromPort: null, toPort: null, cidrs: ["0.0.0.0/0"] })),
      check: "open-security-group",
    },
    {
      case: "TCP 0-65535 from anywhere",
      facts: compliantFacts(activeMqBroker, openAmq(tcp(0, 65535, "0.0.0.0/0"))),
      check: "open-security-group",
    },
    {
      case: "TCP by protocol number 6",
      facts: compliantFacts(activeMqBroker, openAmq({ protocol: "6", fromPort: 5671, toPort: 5671, cidrs: ["0.0.0.0/0"] })),
      check: "open-security-group",
    },
    {
      case: "RabbitMQ console 443 open to anywhere",
      facts: compliantFacts(rabbitMqBroker, { securityGroups: { ok: true, value: [group("sg-0a11", tcp(443, 443, "0.0.0.0/0"))] } }),
      check: "open-security-group",
    },
    {
      case: "slow consumers with concurrent store and dispatch left at its default",
      facts: compliantFacts(activeMqBroker, { slowQueues: ["reports.render"] }),
      check: "concurrent-store-and-dispatch",
      severity: Severity.info,
    },
    {
      case: "slow consumers with concurrent store and dispatch set to true",
      facts: compliantFacts(activeMqBroker, {
        configurationXml: xml(kahaDbXml('concurrentStoreAndDispatchQueues="true"')),
        slowQueues: ["a", "b"],
      }),
      check: "concurrent-store-and-dispatch",
    },
  ];

  it.each(firing)("fires $check for $case", ({ facts, check, severity, alsoFires = [] }) => {
    // Act
    const result = runPostureChecks(facts);

    // Assess
    expect(result.findings.map((f) => f.resource).sort()).toEqual([check, ...alsoFires].sort());
    const finding = result.findings.find((f) => f.resource === check);
    expect(finding).toMatchObject({ kind: IncidentKind.posture, broker: facts.broker.name, resource: check, condition: check });
    if (severity) expect(finding?.severity).toBe(severity);
    expect(finding?.summary).toMatch(/^[A-Z].*[.]$/);
    expect(result.judged).toContain(fingerprint(facts.broker, check));
    expect(result.errors).toEqual([]);
  });

  const quiet: CheckCase[] = [
    { case: "a private broker", facts: compliantFacts(activeMqBroker), check: "public-access" },
    {
      case: "a cachedLDAPAuthorizationMap",
      facts: compliantFacts(activeMqBroker, { configurationXml: xml(LDAP_MAP_XML) }),
      check: "no-authorization-map",
    },
    {
      case: "an authorization map that locks everything (no entries)",
      facts: compliantFacts(activeMqBroker, { configurationXml: xml(authorizationMapXml([])) }),
      check: "no-authorization-map",
    },
    {
      case: 'read only on queue=">" for users (the AWS sample map)',
      facts: compliantFacts(activeMqBroker, {
        configurationXml: xml(
          authorizationMapXml([
            '<authorizationEntry admin="admins,activemq-webconsole" read="admins,users,activemq-webconsole" write="admins,activemq-webconsole" queue="&gt;"/>',
          ]),
        ),
      }),
      check: "permissive-authorization-map",
    },
    {
      case: "broad groups on a prefix, not on >",
      facts: compliantFacts(activeMqBroker, {
        configurationXml: xml(
          authorizationMapXml(['<authorizationEntry admin="guests,users" queue="GUEST.&gt;" read="guests" write="guests,users"/>']),
        ),
      }),
      check: "permissive-authorization-map",
    },
    {
      case: "write for a narrow group whose name contains users",
      facts: compliantFacts(activeMqBroker, {
        configurationXml: xml(authorizationMapXml(['<authorizationEntry admin="admins" queue="&gt;" read="admins" write="power-users"/>'])),
      }),
      check: "permissive-authorization-map",
    },
    {
      case: "no authorization map at all (the other check's business)",
      facts: compliantFacts(activeMqBroker, { configurationXml: xml(EMPTY_BROKER_XML) }),
      check: "permissive-authorization-map",
    },
    { case: "ActiveMQ audit logs on", facts: compliantFacts(activeMqBroker), check: "audit-log-disabled" },
    {
      case: "RabbitMQ with Logs.Audit false (audit logs do not apply)",
      facts: compliantFacts(rabbitMqBroker, { settings: { auditLog: false } }),
      check: "audit-log-disabled",
    },
    { case: "general logs on", facts: compliantFacts(rabbitMqBroker), check: "general-log-disabled" },
    { case: "a customer managed key", facts: compliantFacts(activeMqBroker), check: "aws-owned-key" },
    {
      case: "RabbitMQ on the AWS owned key (EncryptionOptions do not apply)",
      facts: compliantFacts(rabbitMqBroker, { settings: { useAwsOwnedKey: true } }),
      check: "aws-owned-key",
    },
    {
      case: "a single-instance broker tagged environment=staging",
      facts: compliantFacts(withBroker(singleAmq, { tags: { environment: "staging" } })),
      check: "single-instance",
    },
    { case: "a single-instance broker without tags", facts: compliantFacts(withBroker(singleRmq, { tags: {} })), check: "single-instance" },
    {
      case: "a single-instance broker named prod but tagged team=prod",
      facts: compliantFacts(withBroker(singleAmq, { tags: { team: "prod" } })),
      check: "single-instance",
    },
    { case: "a production active/standby pair", facts: compliantFacts(activeMqBroker), check: "single-instance" },
    { case: "automatic minor upgrades on", facts: compliantFacts(activeMqBroker), check: "auto-minor-upgrade-disabled" },
    {
      case: "61617 open to a private CIDR",
      facts: compliantFacts(activeMqBroker, openAmq(tcp(61617, 61617, "10.0.0.0/8"))),
      check: "open-security-group",
    },
    {
      case: "port 22 open to 0.0.0.0/0 (not a broker port)",
      facts: compliantFacts(activeMqBroker, openAmq(tcp(22, 22, "0.0.0.0/0"))),
      check: "open-security-group",
    },
    {
      case: "a range 61620-61700 next to the broker ports",
      facts: compliantFacts(activeMqBroker, openAmq(tcp(61620, 61700, "0.0.0.0/0", "::/0"))),
      check: "open-security-group",
    },
    {
      case: "UDP 5671 from anywhere",
      facts: compliantFacts(activeMqBroker, openAmq({ protocol: "udp", fromPort: 5671, toPort: 5671, cidrs: ["0.0.0.0/0"] })),
      check: "open-security-group",
    },
    {
      case: "RabbitMQ with 61617 open (an ActiveMQ port)",
      facts: compliantFacts(rabbitMqBroker, { securityGroups: { ok: true, value: [group("sg-0a11", tcp(61617, 61617, "0.0.0.0/0"))] } }),
      check: "open-security-group",
    },
    {
      case: "a public RabbitMQ broker without security groups",
      facts: compliantFacts(rabbitMqBroker, {
        settings: { publiclyAccessible: true, securityGroupIds: [] },
        securityGroups: { ok: true, value: [] },
      }),
      check: "open-security-group",
    },
    { case: "no slow queues", facts: compliantFacts(activeMqBroker), check: "concurrent-store-and-dispatch" },
  ];

  it.each(quiet)("stays quiet on $check for $case", ({ facts, check }) => {
    // Act
    const result = runPostureChecks(facts);

    // Assess
    expect(result.findings.map((f) => f.resource)).not.toContain(check);
    expect(result.errors).toEqual([]);
    const applies = checksFor(facts.broker.engine).some((c) => c.id === check);
    expect(result.judged.includes(fingerprint(facts.broker, check))).toBe(applies);
  });

  describe("evidence", () => {
    it.each<{ case: string; facts: PostureFacts; check: PostureCheckId; securityHubControl: string | null; awsConfigRule: string | null }>([
      {
        case: "public access",
        facts: compliantFacts(rabbitMqBroker, { settings: { publiclyAccessible: true } }),
        check: "public-access",
        securityHubControl: null,
        awsConfigRule: "mq-no-public-access",
      },
      {
        case: "audit logs",
        facts: compliantFacts(activeMqBroker, { settings: { auditLog: false } }),
        check: "audit-log-disabled",
        securityHubControl: "MQ.2",
        awsConfigRule: "mq-cloudwatch-audit-log-enabled",
      },
      {
        case: "minor upgrades",
        facts: compliantFacts(activeMqBroker, { settings: { autoMinorVersionUpgrade: false } }),
        check: "auto-minor-upgrade-disabled",
        securityHubControl: "MQ.3",
        awsConfigRule: "mq-auto-minor-version-upgrade-enabled",
      },
      {
        case: "a single-instance ActiveMQ broker",
        facts: compliantFacts(singleAmq),
        check: "single-instance",
        securityHubControl: "MQ.5",
        awsConfigRule: "mq-active-deployment-mode",
      },
      {
        case: "a single-instance RabbitMQ broker",
        facts: compliantFacts(singleRmq),
        check: "single-instance",
        securityHubControl: "MQ.6",
        awsConfigRule: "mq-rabbit-deployment-mode",
      },
      {
        case: "no authorization map",
        facts: compliantFacts(activeMqBroker, { configurationXml: xml(EMPTY_BROKER_XML) }),
        check: "no-authorization-map",
        securityHubControl: null,
        awsConfigRule: null,
      },
    ])("names the matching controls for $case", ({ facts, check, securityHubControl, awsConfigRule }) => {
      // Act
      const [finding] = runPostureChecks(facts).findings;

      // Assess
      const definition = POSTURE_CHECKS.find((c) => c.id === check);
      expect(finding?.evidence).toMatchObject({
        check,
        securityHubControl,
        awsConfigRule,
        reason: definition?.reason,
        fix: definition?.fix,
      });
    });

    it("names every open group, CIDR and port of an open security group", () => {
      // Prepare
      const facts = compliantFacts(activeMqBroker, {
        settings: { securityGroupIds: ["sg-0a11", "sg-0b22"] },
        securityGroups: {
          ok: true,
          value: [
            group("sg-0a11", tcp(61617, 61617, "10.0.0.0/8", "0.0.0.0/0"), tcp(22, 22, "0.0.0.0/0")),
            group("sg-0b22", { protocol: "tcp", fromPort: 8162, toPort: 8162, cidrs: ["::/0"] }),
          ],
        },
      });

      // Act
      const [finding] = runPostureChecks(facts).findings;

      // Assess
      expect(finding?.summary).toBe(
        "Security group sg-0a11 opens 61617 (OpenWire) to 0.0.0.0/0 (and 1 more rule): any host that can route to the broker can connect and try credentials.",
      );
      expect(finding?.evidence).toMatchObject({
        openings: "sg-0a11 0.0.0.0/0 -> 61617; sg-0b22 ::/0 -> 8162",
        securityGroups: "sg-0a11, sg-0b22",
        cidrs: "0.0.0.0/0, ::/0",
        ports: "8162, 61617",
        publiclyAccessible: false,
      });
    });

    it("names the permissive entry and the broad groups", () => {
      // Prepare
      const facts = compliantFacts(activeMqBroker, {
        configurationXml: xml(
          authorizationMapXml([
            '<authorizationEntry admin="admins" queue="orders.&gt;" read="orders" write="orders"/>',
            '<authorizationEntry admin="everyone" queue="&gt;" read="everyone" write="everyone"/>',
          ]),
        ),
      });

      // Act
      const [finding] = runPostureChecks(facts).findings;

      // Assess
      expect(finding?.summary).toBe(
        'Authorization entry queue=">" write="everyone" admin="everyone" grants write and admin to everyone: any user can send to and administer every queue.',
      );
      expect(finding?.evidence).toMatchObject({
        entries: 'queue=">" write="everyone" admin="everyone"',
        broadGroups: "everyone",
        offendingEntries: 1,
      });
    });

    it("names the production tag and the deployment mode to move to", () => {
      // Act
      const [finding] = runPostureChecks(compliantFacts(singleRmq)).findings;

      // Assess
      expect(finding?.evidence).toMatchObject({
        deploymentMode: "SINGLE_INSTANCE",
        recommendedDeploymentMode: "CLUSTER_MULTI_AZ",
        productionTag: "Environment=Production",
      });
    });

    it("lists the slow queues, capped", () => {
      // Prepare
      const slowQueues = Array.from({ length: 12 }, (_, i) => `q${i}`);

      // Act
      const [finding] = runPostureChecks(compliantFacts(activeMqBroker, { slowQueues })).findings;

      // Assess
      expect(finding?.summary).toBe(
        "Queue q0 and 11 other queues have slow consumers while concurrentStoreAndDispatchQueues is on, which adds store work and lowers throughput.",
      );
      expect(finding?.evidence).toMatchObject({ slowQueues: "q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, and 2 more", slowQueueCount: 12 });
    });
  });

  describe("facts that cannot be read", () => {
    it.each<{ case: string; configurationXml: PostureFacts["configurationXml"]; error: RegExp }>([
      {
        case: "malformed XML",
        configurationXml: xml("<broker><plugins></broker>"),
        error:
          /^posture audit: broker payments-amq: configuration c-0feed0001 revision 7 is not well-formed XML \(line 1, column \d+: .+\); no-authorization-map, permissive-authorization-map, concurrent-store-and-dispatch not judged$/,
      },
      {
        case: "a configuration that could not be fetched",
        configurationXml: { ok: false, error: "AccessDeniedException: not authorized to perform mq:DescribeConfigurationRevision" },
        error:
          /^posture audit: broker payments-amq: configuration c-0feed0001 revision 7 could not be read \(AccessDeniedException: .+\); no-authorization-map, .+ not judged$/,
      },
      {
        case: "no configuration at all",
        configurationXml: null,
        error: /configuration c-0feed0001 revision 7 was not read; no-authorization-map/,
      },
      { case: "a non-broker root", configurationXml: xml("<beans/>"), error: /root element is <beans>, not <broker>/ },
    ])("says so and leaves the configuration checks unjudged for $case, running the others", ({ configurationXml, error }) => {
      // Prepare: the broker also fails two non-XML checks, which must still be reported.
      const facts = compliantFacts(activeMqBroker, { configurationXml, settings: { publiclyAccessible: true, auditLog: false } });

      // Act
      const result = runPostureChecks(facts);

      // Assess
      expect(result.errors).toEqual([expect.stringMatching(error)]);
      for (const id of XML_CHECKS) expect(result.judged).not.toContain(fingerprint(activeMqBroker, id));
      expect(result.judged).toHaveLength(7);
      expect(result.findings.map((f) => f.resource)).toEqual(["public-access", "audit-log-disabled"]);
    });

    it("never judges RabbitMQ configurations, whatever they hold", () => {
      // Act
      const result = runPostureChecks(compliantFacts(rabbitMqBroker, { configurationXml: xml("not xml") }));

      // Assess
      expect(result.findings).toEqual([]);
      expect(result.errors).toEqual([]);
      for (const id of XML_CHECKS) expect(result.judged).not.toContain(fingerprint(rabbitMqBroker, id));
    });

    it("says so and leaves open-security-group unjudged when the security groups cannot be read", () => {
      // Prepare
      const facts = compliantFacts(activeMqBroker, {
        securityGroups: { ok: false, error: "UnauthorizedOperation: You are not authorized\nto perform ec2:DescribeSecurityGroups" },
        settings: { generalLog: false },
      });

      // Act
      const result = runPostureChecks(facts);

      // Assess
      expect(result.errors).toEqual([
        "posture audit: broker payments-amq: security groups could not be read (UnauthorizedOperation: You are not authorized to perform ec2:DescribeSecurityGroups); open-security-group not judged",
      ]);
      expect(result.judged).not.toContain(fingerprint(activeMqBroker, "open-security-group"));
      expect(result.judged).toHaveLength(9);
      expect(result.findings.map((f) => f.resource)).toEqual(["general-log-disabled"]);
    });

    it("leaves a clean result unjudged when a security group of the broker was not returned", () => {
      // Prepare
      const facts = compliantFacts(activeMqBroker, { settings: { securityGroupIds: ["sg-0a11", "sg-0gone"] } });

      // Act
      const result = runPostureChecks(facts);

      // Assess
      expect(result.errors).toEqual([
        "posture audit: broker payments-amq: security groups sg-0gone were not returned by EC2; open-security-group not judged",
      ]);
      expect(result.judged).not.toContain(fingerprint(activeMqBroker, "open-security-group"));
    });

    it("still reports an open group when another group was not returned", () => {
      // Prepare
      const facts = compliantFacts(activeMqBroker, {
        settings: { securityGroupIds: ["sg-0a11", "sg-0gone"] },
        ...openAmq(tcp(61617, 61617, "0.0.0.0/0")),
      });

      // Act
      const result = runPostureChecks(facts);

      // Assess
      expect(result.findings.map((f) => f.resource)).toEqual(["open-security-group"]);
      expect(result.errors).toEqual([]);
    });

    it("leaves checks whose setting DescribeBroker did not return unjudged", () => {
      // Prepare
      const facts = compliantFacts(activeMqBroker, {
        settings: { publiclyAccessible: null, auditLog: null, generalLog: null, useAwsOwnedKey: null, autoMinorVersionUpgrade: null },
      });

      // Act
      const result = runPostureChecks(facts);

      // Assess
      expect(result.findings).toEqual([]);
      expect(result.judged.map((f) => f.split("|")[2])).toEqual([
        ...XML_CHECKS.slice(0, 2),
        "single-instance",
        "open-security-group",
        XML_CHECKS[2],
      ]);
    });
  });

  it("reports every failing check of a badly configured broker, in table order", () => {
    // Prepare
    const facts = compliantFacts(withBroker(activeMqBroker, { deploymentMode: "SINGLE_INSTANCE", tags: { env: "PROD" } }), {
      settings: {
        publiclyAccessible: true,
        auditLog: false,
        generalLog: false,
        useAwsOwnedKey: true,
        kmsKeyId: null,
        autoMinorVersionUpgrade: false,
      },
      configurationXml: xml(EMPTY_BROKER_XML),
      ...openAmq({ protocol: "-1", fromPort: null, toPort: null, cidrs: ["0.0.0.0/0", "::/0"] }),
      slowQueues: ["invoices.pdf"],
    });

    // Act
    const result = runPostureChecks(facts);

    // Assess
    expect(result.findings.map((f) => [f.resource, f.severity])).toEqual([
      ["public-access", "critical"],
      ["no-authorization-map", "warning"],
      ["audit-log-disabled", "warning"],
      ["general-log-disabled", "info"],
      ["aws-owned-key", "info"],
      ["single-instance", "warning"],
      ["auto-minor-upgrade-disabled", "info"],
      ["open-security-group", "critical"],
      ["concurrent-store-and-dispatch", "info"],
    ]);
    expect(result.judged).toHaveLength(10);
  });
});

describe("productionTag", () => {
  it.each<{ tags: Record<string, string>; tag: string | null }>([
    { tags: { environment: "production" }, tag: "environment=production" },
    { tags: { ENV: "Prd" }, tag: "ENV=Prd" },
    { tags: { stage: "prod" }, tag: "stage=prod" },
    { tags: { environment: "preprod" }, tag: null },
    { tags: { environment: "production-like" }, tag: null },
    { tags: { owner: "production" }, tag: null },
    { tags: {}, tag: null },
  ])("reads $tags as $tag", ({ tags, tag }) => {
    // Act + Assess
    expect(productionTag({ tags })).toBe(tag);
  });
});
