/**
 * The posture scenarios (`posture-*`): one daily posture audit of brokers as DescribeBroker returns them,
 * the ActiveMQ configuration XML of their current revision and their EC2 security groups. Each broker is
 * compliant unless its definition bends one fact; the expected findings are written by hand per scenario
 * (scenarios/README.md, "Posture scenarios"), never re-derived.
 */
import { ACCOUNT_ID, AMQ_AUTHORIZATION_MAP_END, amqInstance, describeHead, REGION, xmlAttr } from "./amazon-mq";
import { Between, type Expectation, Posture, Want } from "./dsl";
import { makeRng, type Rng, uuidV4 as uuid } from "./kit";

/** A posture scenario lasts 5 minutes; the audit runs at minute 0. */
export const POSTURE_DURATION = 5;
/** Every expected posture incident opens within the first audit's window. */
const AUDIT = Between(0, POSTURE_DURATION - 1);
const AMQ_NAMESPACE = "http://activemq.apache.org/schema/core";

// ---------------------------------------------------------------------------------------------------------
// ActiveMQ configurations, written from a design
// ---------------------------------------------------------------------------------------------------------

interface AuthorizationEntry {
  queue?: string;
  topic?: string;
  read: string;
  write: string;
  admin: string;
}

/**
 * A configuration design: `authorization` "map" (with `entries`), "ldap", "none" (with other `plugins`) or
 * "empty" (the untouched default configuration); `kahaDB` attributes when the persistence adapter is set.
 */
interface ConfigurationDesign {
  authorization: "map" | "ldap" | "none" | "empty";
  entries?: AuthorizationEntry[];
  plugins?: string[];
  kahaDB?: Record<string, string>;
}

const SCOPED_ENTRIES = (app: string): AuthorizationEntry[] => [
  { queue: ">", read: "admins", write: "admins", admin: "admins" },
  { queue: `${app}.>`, read: `admins,${app}-consumers`, write: `admins,${app}-producers`, admin: "admins" },
  {
    topic: "ActiveMQ.Advisory.>",
    read: `admins,${app}-consumers,${app}-producers`,
    write: `admins,${app}-consumers,${app}-producers`,
    admin: `admins,${app}-consumers,${app}-producers`,
  },
];

const DEFAULT_PLUGINS = ['<forcePersistencyModeBrokerPlugin persistenceFlag="true"/>', "<statisticsBrokerPlugin/>"];

function configurationXml(design: ConfigurationDesign): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', `<broker xmlns="${AMQ_NAMESPACE}">`];
  if (design.authorization !== "empty") {
    lines.push("  <plugins>");
    if (design.authorization === "map") {
      lines.push("    <authorizationPlugin>", "      <map>", "        <authorizationMap>", "          <authorizationEntries>");
      for (const e of design.entries ?? []) {
        const attrs = (["admin", "queue", "read", "topic", "write"] as const).flatMap((k) => {
          const v = e[k];
          return v === undefined ? [] : [`${k}="${xmlAttr(v)}"`];
        });
        lines.push(`            <authorizationEntry ${attrs.join(" ")}/>`);
      }
      lines.push(...AMQ_AUTHORIZATION_MAP_END);
    }
    if (design.authorization === "ldap") {
      const base = (ou: string) => `ou=${ou},ou=Destination,ou=ActiveMQ,dc=corp,dc=example,dc=com`;
      lines.push(
        "    <authorizationPlugin>",
        "      <map>",
        `        <cachedLDAPAuthorizationMap legacyGroupMapping="false" queueSearchBase="${base("Queue")}" refreshInterval="300000" tempSearchBase="${base("Temp")}" topicSearchBase="${base("Topic")}"/>`,
        "      </map>",
        "    </authorizationPlugin>",
      );
    }
    for (const plugin of design.plugins ?? DEFAULT_PLUGINS) lines.push(`    ${plugin}`);
    lines.push("  </plugins>");
    if (design.kahaDB) {
      const attrs = Object.entries(design.kahaDB).map(([k, v]) => `${k}="${xmlAttr(v)}"`);
      lines.push("  <persistenceAdapter>", `    <kahaDB ${attrs.join(" ")}/>`, "  </persistenceAdapter>");
    }
  }
  lines.push("</broker>", "");
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------------------
// Security groups (EC2 DescribeSecurityGroups, SDK v3 shape)
// ---------------------------------------------------------------------------------------------------------

interface Ports {
  protocol: string;
  from?: number;
  to?: number;
}
interface Rule extends Ports {
  cidrs: string[];
  description?: string;
}
interface GroupDesign {
  name: string;
  description?: string;
  rules: Rule[];
}

/** An ingress rule: `tcp(61617)`, `tcp(61610, 61620)`, or `allTraffic()`, open to the given CIDRs. */
const tcp = (from: number, to = from): Ports => ({ protocol: "tcp", from, to });
const allTraffic = (): Ports => ({ protocol: "-1" });
const rule = (ports: Ports, ...cidrs: string[]): Rule => ({ ...ports, cidrs });

function ipPermission({ protocol, from, to, cidrs, description }: Rule) {
  const extra = description ? { Description: description } : {};
  return {
    IpProtocol: protocol,
    ...(protocol === "-1" ? {} : { FromPort: from, ToPort: to }),
    IpRanges: cidrs.filter((c) => !c.includes(":")).map((c) => ({ CidrIp: c, ...extra })),
    Ipv6Ranges: cidrs.filter((c) => c.includes(":")).map((c) => ({ CidrIpv6: c, ...extra })),
    PrefixListIds: [],
    UserIdGroupPairs: [],
  };
}

function securityGroup(rng: Rng, groupName: string, description: string, vpcId: string, rules: Rule[]) {
  const id = `sg-0${rng.hex(16)}`;
  return {
    id,
    entry: {
      GroupId: id,
      GroupName: groupName,
      Description: description,
      VpcId: vpcId,
      OwnerId: ACCOUNT_ID,
      IpPermissions: rules.map(ipPermission),
      // The default egress rule: all traffic out. Egress is not what the audit judges.
      IpPermissionsEgress: [ipPermission({ protocol: "-1", cidrs: ["0.0.0.0/0"] })],
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Brokers (DescribeBroker, SDK v3 PascalCase), compliant unless told otherwise
// ---------------------------------------------------------------------------------------------------------

const PRODUCTION = { environment: "production", team: "platform" };

/** The facts a definition may bend, one at a time. */
interface BrokerFacts {
  mode?: "SINGLE_INSTANCE" | "ACTIVE_STANDBY_MULTI_AZ" | "CLUSTER_MULTI_AZ";
  instanceType?: string;
  public?: boolean;
  audit?: boolean;
  general?: boolean;
  awsOwnedKey?: boolean;
  autoMinor?: boolean;
  tags?: Record<string, string>;
  ldap?: boolean;
  /** ActiveMQ: the configuration design. */
  config?: ConfigurationDesign;
  /** Security groups, default: the broker's ports from the VPC CIDR. */
  groups?: GroupDesign[];
}

interface PostureBroker {
  entry: { describe: Record<string, unknown>; configurationXml?: string; securityGroups: unknown[] };
  name: string;
}

/** An ActiveMQ 5.18 broker. */
function activeMqBroker(rng: Rng, name: string, opts: BrokerFacts = {}): PostureBroker {
  const id = `b-${uuid(rng)}`;
  const mode = opts.mode ?? "ACTIVE_STANDBY_MULTI_AZ";
  const vpcId = `vpc-0${rng.hex(16)}`;
  const groups = (opts.groups ?? [{ name: `${name}-mq`, rules: [rule(tcp(61617), "10.20.0.0/16"), rule(tcp(8162), "10.20.0.0/16")] }]).map(
    (g) => securityGroup(rng, g.name, g.description ?? `Amazon MQ broker ${name}`, vpcId, g.rules),
  );
  const instances = (mode === "SINGLE_INSTANCE" ? [1] : [1, 2]).map((k) =>
    amqInstance(rng, id, k, { publiclyAccessible: opts.public ?? false }),
  );
  const configId = `c-${uuid(rng)}`;
  const design = opts.config ?? { authorization: "map", entries: SCOPED_ENTRIES(name.split("-")[0] ?? name) };
  const describe = {
    ...describeHead(name, id, { deployment: mode, engine: "ACTIVEMQ", version: "5.18", instance: opts.instanceType ?? "mq.m5.large" }),
    PubliclyAccessible: opts.public ?? false,
    AutoMinorVersionUpgrade: opts.autoMinor ?? true,
    AuthenticationStrategy: opts.ldap ? "LDAP" : "SIMPLE",
    EncryptionOptions: opts.awsOwnedKey
      ? { UseAwsOwnedKey: true }
      : { UseAwsOwnedKey: false, KmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${uuid(rng)}` },
    Logs: {
      Audit: opts.audit ?? true,
      General: opts.general ?? true,
      ...((opts.audit ?? true) ? { AuditLogGroup: `/aws/amazonmq/broker/${id}/audit` } : {}),
      ...((opts.general ?? true) ? { GeneralLogGroup: `/aws/amazonmq/broker/${id}/general` } : {}),
    },
    SecurityGroups: groups.map((g) => g.id),
    SubnetIds: instances.map(() => `subnet-0${rng.hex(16)}`),
    StorageType: "EFS",
    MaintenanceWindowStartTime: { DayOfWeek: "SUNDAY", TimeOfDay: "03:00", TimeZone: "UTC" },
    Created: "2025-06-01T12:00:00Z",
    BrokerInstances: instances,
    Users: opts.ldap ? [] : [{ Username: "admin" }, { Username: "app" }],
    ...(opts.ldap
      ? {
          LdapServerMetadata: {
            Hosts: ["ldap-1.corp.example.com", "ldap-2.corp.example.com"],
            RoleBase: "ou=Groups,dc=corp,dc=example,dc=com",
            RoleName: "cn",
            RoleSearchMatching: "(member={0})",
            RoleSearchSubtree: true,
            ServiceAccountUsername: "cn=mq-service,ou=Services,dc=corp,dc=example,dc=com",
            UserBase: "ou=Users,dc=corp,dc=example,dc=com",
            UserRoleName: "memberOf",
            UserSearchMatching: "(uid={0})",
            UserSearchSubtree: true,
          },
        }
      : {}),
    Tags: opts.tags ?? PRODUCTION,
    Configurations: { Current: { Id: configId, Revision: 3 }, History: [{ Id: configId, Revision: 2 }] },
  };
  return {
    entry: { describe, configurationXml: configurationXml(design), securityGroups: groups.map((g) => g.entry) },
    name,
  };
}

/** A RabbitMQ 3.13 broker (cluster unless `mode` says otherwise); same facts as ActiveMQ where they apply. */
function rabbitMqBroker(rng: Rng, name: string, opts: BrokerFacts = {}): PostureBroker {
  const id = `b-${uuid(rng)}`;
  const mode = opts.mode ?? "CLUSTER_MULTI_AZ";
  const vpcId = `vpc-0${rng.hex(16)}`;
  const groups = opts.public
    ? [] // A publicly accessible RabbitMQ broker has no security groups.
    : (opts.groups ?? [{ name: `${name}-mq`, rules: [rule(tcp(5671), "10.30.0.0/16"), rule(tcp(443), "10.30.0.0/16")] }]).map((g) =>
        securityGroup(rng, g.name, g.description ?? `Amazon MQ broker ${name}`, vpcId, g.rules),
      );
  const host = `${id}.mq.${REGION}.amazonaws.com`;
  const logs: Record<string, unknown> = { General: opts.general ?? true, ...(opts.audit === undefined ? {} : { Audit: opts.audit }) };
  if (logs.General) logs.GeneralLogGroup = `/aws/amazonmq/broker/${id}/general`;
  const describe = {
    ...describeHead(name, id, { deployment: mode, engine: "RABBITMQ", version: "3.13", instance: opts.instanceType ?? "mq.m5.large" }),
    PubliclyAccessible: opts.public ?? false,
    AutoMinorVersionUpgrade: opts.autoMinor ?? true,
    AuthenticationStrategy: "SIMPLE",
    EncryptionOptions: opts.awsOwnedKey
      ? { UseAwsOwnedKey: true }
      : { UseAwsOwnedKey: false, KmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${uuid(rng)}` },
    Logs: logs,
    SecurityGroups: groups.map((g) => g.id),
    SubnetIds: (mode === "SINGLE_INSTANCE" ? [1] : [1, 2, 3]).map(() => `subnet-0${rng.hex(16)}`),
    StorageType: "EBS",
    MaintenanceWindowStartTime: { DayOfWeek: "SUNDAY", TimeOfDay: "03:00", TimeZone: "UTC" },
    Created: "2025-06-01T12:00:00Z",
    BrokerInstances: [{ ConsoleURL: `https://${host}`, Endpoints: [`amqps://${host}:5671`] }],
    Users: [],
    Tags: opts.tags ?? PRODUCTION,
    Configurations: { Current: { Id: `c-${uuid(rng)}`, Revision: 1 }, History: [] },
  };
  return { entry: { describe, securityGroups: groups.map((g) => g.entry) }, name };
}

// ---------------------------------------------------------------------------------------------------------
// The library
// ---------------------------------------------------------------------------------------------------------

/** A scenario under construction: `amq`/`rmq` add brokers, each seeded by scenario and broker name. */
export interface PostureContext {
  brokers: PostureBroker["entry"][];
  amq(name: string, facts?: BrokerFacts): PostureBroker;
  rmq(name: string, facts?: BrokerFacts): PostureBroker;
}

export function makePostureContext(scenarioName: string): PostureContext {
  const brokers: PostureBroker["entry"][] = [];
  const add = (make: typeof activeMqBroker) => (name: string, facts?: BrokerFacts) => {
    const b = make(makeRng(`${scenarioName}/${name}`), name, facts);
    brokers.push(b.entry);
    return b;
  };
  return { brokers, amq: add(activeMqBroker), rmq: add(rabbitMqBroker) };
}

/** A posture scenario: `build(ctx)` adds brokers and returns the hand-written expectations. */
export interface PostureScenario {
  name: string;
  /** What the scenario means (its `description`). */
  meaning: string;
  /** Why these findings and no others (README). */
  why: string;
  build(ctx: PostureContext): Expectation[];
}

export const POSTURE_SCENARIOS: PostureScenario[] = [
  {
    name: "posture-quiet-compliant-activemq",
    meaning:
      "A production ActiveMQ active/standby pair that follows every practice: private, audit and general logs on, a customer managed KMS key, automatic minor upgrades, an authorization map scoped to groups (only `admins` may write or administer `>`), concurrent store and dispatch off, and a security group that admits the broker ports from the VPC only.",
    why: "Nothing is wrong.",
    build(ctx) {
      ctx.amq("orders-core-71", {
        config: { authorization: "map", entries: SCOPED_ENTRIES("orders"), kahaDB: { concurrentStoreAndDispatchQueues: "false" } },
      });
      return [];
    },
  },
  {
    name: "posture-quiet-compliant-rabbitmq",
    meaning:
      "A production RabbitMQ 3-node cluster that follows every practice: private, general logs on, a customer managed KMS key, automatic minor upgrades, and a security group that admits AMQPS 5671 and the console on 443 from the VPC only.",
    why: "Nothing is wrong (audit logs and configuration checks do not apply to RabbitMQ).",
    build(ctx) {
      ctx.rmq("notify-cluster-71");
      return [];
    },
  },
  {
    name: "posture-quiet-ldap-authorization",
    meaning:
      "A production ActiveMQ pair that authenticates against the corporate directory (AuthenticationStrategy LDAP) and authorizes with a `cachedLDAPAuthorizationMap` under `plugins/authorizationPlugin/map`; it has no `authorizationMap` in its XML, and no broker users of its own.",
    why: "A cachedLDAPAuthorizationMap is authorization: the grants live in the directory. Nothing else is wrong.",
    build(ctx) {
      ctx.amq("ledger-amq-72", { ldap: true, config: { authorization: "ldap" } });
      return [];
    },
  },
  {
    name: "posture-quiet-staging-single-instance",
    meaning:
      "Two single-instance brokers that are not production: an ActiveMQ mq.t3.micro tagged `environment=staging` and a RabbitMQ mq.t3.micro tagged `env=dev`. Everything else follows the practices.",
    why: "Single-instance is held against production brokers only (an environment/env/stage tag of production/prod/prd); these are staging and dev.",
    build(ctx) {
      ctx.amq("search-staging-73", {
        mode: "SINGLE_INSTANCE",
        instanceType: "mq.t3.micro",
        tags: { environment: "staging", team: "search" },
      });
      ctx.rmq("mailer-dev-73", { mode: "SINGLE_INSTANCE", instanceType: "mq.t3.micro", tags: { env: "dev", team: "growth" } });
      return [];
    },
  },
  {
    name: "posture-quiet-rabbitmq-audit-false",
    meaning:
      "A production RabbitMQ cluster whose template set `Logs.Audit: false` (DescribeBroker echoes it); general logs are on and everything else follows the practices.",
    why: "Audit logs do not apply to RabbitMQ brokers (Security Hub MQ.2 covers ActiveMQ only): `Audit: false` is not a finding.",
    build(ctx) {
      ctx.rmq("telemetry-rmq-74", { audit: false });
      return [];
    },
  },
  {
    name: "posture-quiet-ssh-open",
    meaning:
      "A production ActiveMQ pair shares a security group with a bastion host: that group admits SSH (port 22) from 0.0.0.0/0. The broker's own group admits 61617 and 8162 from the VPC only.",
    why: "Port 22 is not a broker port (Amazon MQ exposes no SSH): the open rule is not the broker's exposure. Nothing is wrong with the broker.",
    build(ctx) {
      ctx.amq("inventory-amq-75", {
        groups: [
          { name: "inventory-amq-75-mq", rules: [rule(tcp(61617), "10.20.0.0/16"), rule(tcp(8162), "10.20.0.0/16")] },
          { name: "shared-bastion", description: "Bastion and shared admin access", rules: [rule(tcp(22), "0.0.0.0/0")] },
        ],
      });
      return [];
    },
  },
  {
    name: "posture-public-broker",
    meaning:
      "A production ActiveMQ pair was created publicly accessible so that a partner can connect over the internet; its security group admits OpenWire 61617 from the partner's 203.0.113.0/24 only. Everything else follows the practices.",
    why: "Publicly accessible (AWS Config mq-no-public-access): critical. The security group is narrow, so open-security-group is not raised.",
    build(ctx) {
      const b = ctx.amq("partner-gateway-76", {
        public: true,
        groups: [{ name: "partner-gateway-76-mq", rules: [rule(tcp(61617), "203.0.113.0/24")] }],
      });
      return [Want(AUDIT, Posture(b.name, "public-access", "critical"))];
    },
  },
  {
    name: "posture-no-authorization-map",
    meaning:
      "A production ActiveMQ pair whose configuration has plugins (forced persistence, statistics, timestamping) but no authorizationPlugin: any user who can sign in may read, write and administer every destination.",
    why: "No authorizationMap and no cachedLDAPAuthorizationMap: no-authorization-map, warning.",
    build(ctx) {
      const b = ctx.amq("billing-amq-77", {
        config: {
          authorization: "none",
          plugins: [...DEFAULT_PLUGINS, '<timeStampingBrokerPlugin ttlCeiling="86400000" zeroExpirationOverride="86400000"/>'],
        },
      });
      return [Want(AUDIT, Posture(b.name, "no-authorization-map", "warning"))];
    },
  },
  {
    name: "posture-permissive-authorization-map",
    meaning:
      'A production ActiveMQ pair has an authorization map, but a quick fix during an outage added `queue=">"` with write and admin for `everyone` above the scoped entries.',
    why: "An entry on > granting write (and admin) to a broad group: permissive-authorization-map, warning. The map exists, so no-authorization-map is not raised.",
    build(ctx) {
      const b = ctx.amq("claims-amq-78", {
        config: {
          authorization: "map",
          entries: [{ queue: ">", read: "everyone", write: "everyone", admin: "admins,everyone" }, ...SCOPED_ENTRIES("claims").slice(1)],
        },
      });
      return [Want(AUDIT, Posture(b.name, "permissive-authorization-map", "warning"))];
    },
  },
  {
    name: "posture-audit-log-disabled",
    meaning: "A production ActiveMQ pair streams general logs but has audit logs turned off. Everything else follows the practices.",
    why: "ActiveMQ audit logs off (Security Hub MQ.2, AWS Config mq-cloudwatch-audit-log-enabled): audit-log-disabled, warning.",
    build(ctx) {
      const b = ctx.amq("hr-events-79", { audit: false });
      return [Want(AUDIT, Posture(b.name, "audit-log-disabled", "warning"))];
    },
  },
  {
    name: "posture-general-log-disabled",
    meaning:
      "Two production brokers, one per engine, have general logs turned off (the ActiveMQ one still streams audit logs). Everything else follows the practices.",
    why: "General logs off on each: general-log-disabled, info, once per broker.",
    build(ctx) {
      const a = ctx.amq("pricing-amq-80", { general: false });
      const r = ctx.rmq("pricing-rmq-80", { general: false });
      return [Want(AUDIT, Posture(a.name, "general-log-disabled", "info")), Want(AUDIT, Posture(r.name, "general-log-disabled", "info"))];
    },
  },
  {
    name: "posture-aws-owned-key",
    meaning:
      "A production ActiveMQ pair was created with the default AWS owned key (`UseAwsOwnedKey: true`, no KmsKeyId). Beside it, a production RabbitMQ cluster also uses the AWS owned key, the only option its engine has.",
    why: "ActiveMQ on the AWS owned key: aws-owned-key, info. EncryptionOptions do not apply to RabbitMQ, so the cluster is not flagged.",
    build(ctx) {
      const a = ctx.amq("documents-amq-81", { awsOwnedKey: true });
      ctx.rmq("documents-rmq-81", { awsOwnedKey: true });
      return [Want(AUDIT, Posture(a.name, "aws-owned-key", "info"))];
    },
  },
  {
    name: "posture-single-instance-production",
    meaning:
      "Two production brokers run on a single instance: an ActiveMQ mq.m5.large tagged `Environment=Production` and a RabbitMQ mq.m5.large tagged `stage=prod`. Everything else follows the practices.",
    why: "Production and single-instance: single-instance, warning, for each (Security Hub MQ.5 for ActiveMQ, MQ.6 for RabbitMQ).",
    build(ctx) {
      const a = ctx.amq("checkout-amq-82", { mode: "SINGLE_INSTANCE", tags: { Environment: "Production", team: "checkout" } });
      const r = ctx.rmq("checkout-rmq-82", { mode: "SINGLE_INSTANCE", tags: { stage: "prod", team: "checkout" } });
      return [Want(AUDIT, Posture(a.name, "single-instance", "warning")), Want(AUDIT, Posture(r.name, "single-instance", "warning"))];
    },
  },
  {
    name: "posture-auto-minor-upgrade-disabled",
    meaning:
      "A production ActiveMQ pair has automatic minor version upgrades turned off (pinned after an old upgrade scare). Everything else follows the practices.",
    why: "AutoMinorVersionUpgrade false (Security Hub MQ.3): auto-minor-upgrade-disabled, info.",
    build(ctx) {
      const b = ctx.amq("shipping-amq-83", { autoMinor: false });
      return [Want(AUDIT, Posture(b.name, "auto-minor-upgrade-disabled", "info"))];
    },
  },
  {
    name: "posture-open-sg-ipv6",
    meaning:
      "A private production ActiveMQ pair whose security group admits 61617 from the VPC over IPv4 and, through a dual-stack rule someone added, from `::/0` over IPv6.",
    why: "A broker port open to ::/0: open-security-group; the broker is not publicly accessible, so warning.",
    build(ctx) {
      const b = ctx.amq("iot-ingest-84", {
        groups: [{ name: "iot-ingest-84-mq", rules: [rule(tcp(61617), "10.20.0.0/16", "::/0"), rule(tcp(8162), "10.20.0.0/16")] }],
      });
      return [Want(AUDIT, Posture(b.name, "open-security-group", "warning"))];
    },
  },
  {
    name: "posture-open-sg-port-range",
    meaning:
      "A private production ActiveMQ pair whose security group admits TCP 61610-61620 from 0.0.0.0/0 (meant for a load test, never removed): the range covers STOMP 61614, OpenWire 61617 and WSS 61619.",
    why: "A port range covering broker ports, open to 0.0.0.0/0, on a private broker: open-security-group, warning.",
    build(ctx) {
      const b = ctx.amq("loadtest-amq-85", {
        groups: [{ name: "loadtest-amq-85-mq", rules: [rule(tcp(61610, 61620), "0.0.0.0/0"), rule(tcp(8162), "10.20.0.0/16")] }],
      });
      return [Want(AUDIT, Posture(b.name, "open-security-group", "warning"))];
    },
  },
  {
    name: "posture-open-sg-rabbitmq-all-traffic",
    meaning: "A private production RabbitMQ cluster whose security group admits all traffic (protocol -1) from 0.0.0.0/0.",
    why: "All traffic from anywhere reaches AMQPS 5671 and the console on 443: open-security-group, warning (the broker is private).",
    build(ctx) {
      const b = ctx.rmq("events-rmq-86", {
        groups: [{ name: "events-rmq-86-open", rules: [{ protocol: "-1", cidrs: ["0.0.0.0/0"], description: "temporary" }] }],
      });
      return [Want(AUDIT, Posture(b.name, "open-security-group", "warning"))];
    },
  },
  {
    name: "posture-exposed-everything",
    meaning:
      "A proof of concept promoted to production as it was: a single-instance ActiveMQ broker tagged `env=prod`, publicly accessible, its security group open to 0.0.0.0/0 and ::/0 on all traffic, the untouched default configuration (an empty broker), audit and general logs off, the AWS owned key and automatic minor upgrades off.",
    why: "Every check that can be judged at minute 0 fails: public-access and open-security-group critical (public and open), no-authorization-map, audit-log-disabled and single-instance warning, general-log-disabled, aws-owned-key and auto-minor-upgrade-disabled info. The map is absent, so permissive-authorization-map is not raised.",
    build(ctx) {
      const b = ctx.amq("poc-orders-87", {
        mode: "SINGLE_INSTANCE",
        public: true,
        audit: false,
        general: false,
        awsOwnedKey: true,
        autoMinor: false,
        tags: { env: "prod", owner: "poc-team" },
        config: { authorization: "empty" },
        groups: [{ name: "poc-orders-87-any", rules: [rule(allTraffic(), "0.0.0.0/0", "::/0")] }],
      });
      return [
        Want(AUDIT, Posture(b.name, "public-access", "critical")),
        Want(AUDIT, Posture(b.name, "no-authorization-map", "warning")),
        Want(AUDIT, Posture(b.name, "audit-log-disabled", "warning")),
        Want(AUDIT, Posture(b.name, "general-log-disabled", "info")),
        Want(AUDIT, Posture(b.name, "aws-owned-key", "info")),
        Want(AUDIT, Posture(b.name, "single-instance", "warning")),
        Want(AUDIT, Posture(b.name, "auto-minor-upgrade-disabled", "info")),
        Want(AUDIT, Posture(b.name, "open-security-group", "critical")),
      ];
    },
  },
  {
    name: "posture-mixed-fleet",
    meaning:
      'Three production brokers: a compliant ActiveMQ pair; an ActiveMQ pair whose map grants admin on `topic=">"` to `users`; and a RabbitMQ cluster made publicly accessible (no security groups, as Amazon MQ requires for public RabbitMQ brokers).',
    why: "Each finding belongs to its own broker: permissive-authorization-map (warning) on the second, public-access (critical) on the RabbitMQ cluster, nothing on the first.",
    build(ctx) {
      ctx.amq("catalog-amq-88");
      const p = ctx.amq("reviews-amq-88", {
        config: {
          authorization: "map",
          entries: [...SCOPED_ENTRIES("reviews"), { topic: ">", read: "users", write: "admins", admin: "admins,users" }],
        },
      });
      const r = ctx.rmq("webhooks-rmq-88", { public: true });
      return [
        Want(AUDIT, Posture(p.name, "permissive-authorization-map", "warning")),
        Want(AUDIT, Posture(r.name, "public-access", "critical")),
      ];
    },
  },
  {
    name: "posture-quiet-ignored-broker",
    meaning:
      "A sandbox ActiveMQ broker tagged `mq-sentinel:ignore=true` (and `environment=production` by a copy-pasted template) is public, single-instance and has no authorization map; the compliant production pair beside it follows every practice.",
    why: "The operator opted the sandbox out of mq-sentinel: it is skipped, posture audit included. The other broker is compliant.",
    build(ctx) {
      ctx.amq("sandbox-amq-89", {
        mode: "SINGLE_INSTANCE",
        public: true,
        config: { authorization: "empty" },
        tags: { "mq-sentinel:ignore": "true", environment: "production" },
        groups: [{ name: "sandbox-amq-89-mq", rules: [rule(tcp(61617), "198.51.100.0/24")] }],
      });
      ctx.amq("sales-amq-89");
      return [];
    },
  },
];
