import {
  type Broker,
  DeploymentMode,
  EngineType,
  type Evidence,
  type Finding,
  fingerprintOf,
  IncidentKind,
  PostureCheckId,
  Severity,
} from "../types";
import { type ActiveMqConfiguration, type AuthorizationEntry, readActiveMqConfiguration } from "./activemq-configuration";
import type { BrokerSettings, IngressRule, PostureFacts, SecurityGroupRules } from "./posture-facts";

/**
 * The posture audit's checks: Amazon MQ best practices (DESIGN.md §1.7) as one small pure function each,
 * and `runPostureChecks`, which runs the ones that apply to a broker's engine and turns failures into
 * `posture` findings (resource = the check id). A check that lacks its facts (a setting DescribeBroker did
 * not return, a configuration or security group that could not be read) is not judged, so an open incident
 * is neither confirmed nor resolved by missing data.
 */

// The check ids (the `resource` and condition of `posture` incidents) are shared vocabulary: types.ts.
export { PostureCheckId } from "../types";

/** An AWS Security Hub control or AWS Config managed rule that looks at the same thing, for one or both engines. */
export interface ControlRef {
  source: "Security Hub" | "AWS Config";
  id: string;
  /** The engine the control covers; absent when it covers both. */
  engine?: EngineType;
}

/** What the audit knows about a check: its id, usual severity, why it matters and how to fix it. */
export interface PostureCheck {
  id: PostureCheckId;
  /** The severity of a failure (`open-security-group` is raised to critical on a publicly accessible broker). */
  severity: Severity;
  title: string;
  /** Why it matters, in one sentence. */
  reason: string;
  /** What to do, in one sentence. */
  fix: string;
  controls: readonly ControlRef[];
  engines: readonly EngineType[];
  /** The facts it reads beyond DescribeBroker: the ActiveMQ configuration or the security groups. */
  reads: "broker" | "configuration" | "security-groups";
  judge: (input: PostureInput) => PostureVerdict;
}

const BOTH_ENGINES = [EngineType.activemq, EngineType.rabbitmq] as const;
const ACTIVEMQ_ONLY = [EngineType.activemq] as const;

/** A Security Hub control and the AWS Config managed rule behind it, which AWS documents as a pair. */
function securityHubAndConfig(securityHubId: string, configRuleId: string, engine?: EngineType): ControlRef[] {
  const scope = engine === undefined ? {} : { engine };
  return [
    { source: "Security Hub", id: securityHubId, ...scope },
    { source: "AWS Config", id: configRuleId, ...scope },
  ];
}

/** Every posture check, in the order findings are reported. */
export const POSTURE_CHECKS: readonly PostureCheck[] = [
  {
    id: PostureCheckId.publicAccess,
    severity: Severity.critical,
    title: "Broker is publicly accessible",
    reason: "Its endpoints can be reached from the internet, so only credentials stand between attackers and the messages.",
    fix: "Recreate the broker with public accessibility off (it cannot be changed in place) and reach it from the VPC, a VPN or a load balancer.",
    controls: [{ source: "AWS Config", id: "mq-no-public-access" }],
    engines: BOTH_ENGINES,
    reads: "broker",
    judge: checkPublicAccess,
  },
  {
    id: PostureCheckId.noAuthorizationMap,
    severity: Severity.warning,
    title: "No authorization map",
    reason: "Without an authorization map every user who can sign in can read, write and administer every queue and topic.",
    fix: "Add an authorizationPlugin with an authorizationMap (or cachedLDAPAuthorizationMap for LDAP) that grants each group only its destinations.",
    controls: [],
    engines: ACTIVEMQ_ONLY,
    reads: "configuration",
    judge: checkNoAuthorizationMap,
  },
  {
    id: PostureCheckId.permissiveAuthorizationMap,
    severity: Severity.warning,
    title: "Authorization map grants everything to a broad group",
    reason:
      "An entry on every destination (>) that lets a broad group write or administer gives every user control of every queue or topic.",
    fix: "Grant write and admin on > only to an administrators group and give applications entries scoped to their own destinations.",
    controls: [],
    engines: ACTIVEMQ_ONLY,
    reads: "configuration",
    judge: checkPermissiveAuthorizationMap,
  },
  {
    id: PostureCheckId.auditLogDisabled,
    severity: Severity.warning,
    title: "Audit logs are off",
    reason: "Without audit logs there is no record of who changed destinations, users or settings through the web console or JMX.",
    fix: "Turn on audit logs for the broker (Logs.Audit) so they stream to CloudWatch Logs.",
    controls: securityHubAndConfig("MQ.2", "mq-cloudwatch-audit-log-enabled"),
    engines: ACTIVEMQ_ONLY,
    reads: "broker",
    judge: checkAuditLog,
  },
  {
    id: PostureCheckId.generalLogDisabled,
    severity: Severity.info,
    title: "General logs are off",
    reason: "Without general logs the broker's errors and warnings are not kept in CloudWatch Logs when an incident needs them.",
    fix: "Turn on general logs for the broker (Logs.General).",
    controls: [],
    engines: BOTH_ENGINES,
    reads: "broker",
    judge: checkGeneralLog,
  },
  {
    id: PostureCheckId.awsOwnedKey,
    severity: Severity.info,
    title: "Encrypted with an AWS owned key",
    reason: "Data at rest is encrypted with a key you cannot audit in CloudTrail, control access to or revoke.",
    fix: "Create the broker with a customer managed KMS key (EncryptionOptions.KmsKeyId); the key is chosen only at creation.",
    controls: [],
    // EncryptionOptions does not apply to RabbitMQ brokers (AWS CloudFormation reference): nothing to fix there.
    engines: ACTIVEMQ_ONLY,
    reads: "broker",
    judge: checkAwsOwnedKey,
  },
  {
    id: PostureCheckId.singleInstance,
    severity: Severity.warning,
    title: "Production broker is single-instance",
    reason: "A single-instance broker is down during maintenance, reboots and an Availability Zone outage, and so is production with it.",
    fix: "Create a replacement in active/standby (ActiveMQ) or cluster (RabbitMQ) deployment mode and move clients to it; the mode cannot be changed in place.",
    controls: [
      ...securityHubAndConfig("MQ.5", "mq-active-deployment-mode", EngineType.activemq),
      ...securityHubAndConfig("MQ.6", "mq-rabbit-deployment-mode", EngineType.rabbitmq),
    ],
    engines: BOTH_ENGINES,
    reads: "broker",
    judge: checkSingleInstance,
  },
  {
    id: PostureCheckId.autoMinorUpgradeDisabled,
    severity: Severity.info,
    title: "Automatic minor version upgrades are off",
    reason: "The broker misses the security and bug fixes of new minor engine versions until someone upgrades it by hand.",
    fix: "Turn on automatic minor version upgrades (AutoMinorVersionUpgrade) so they apply in the maintenance window.",
    controls: securityHubAndConfig("MQ.3", "mq-auto-minor-version-upgrade-enabled"),
    engines: BOTH_ENGINES,
    reads: "broker",
    judge: checkAutoMinorUpgrade,
  },
  {
    id: PostureCheckId.openSecurityGroup,
    severity: Severity.warning,
    title: "Security group open to the world on a broker port",
    reason:
      "Ingress from any address lets every host that can route to the broker reach its protocol or console ports and try credentials.",
    fix: "Limit the security group's ingress on the broker's ports to the CIDRs or security groups of its clients.",
    controls: [],
    engines: BOTH_ENGINES,
    reads: "security-groups",
    judge: checkOpenSecurityGroup,
  },
  {
    id: PostureCheckId.concurrentStoreAndDispatch,
    severity: Severity.info,
    title: "Concurrent store and dispatch is on for queues with slow consumers",
    reason:
      "With slow consumers every message is written to the store anyway, so dispatching concurrently only adds work and lowers throughput.",
    fix: 'Set concurrentStoreAndDispatchQueues="false" on the kahaDB persistence adapter in the broker configuration and reboot the broker to apply it.',
    controls: [],
    engines: ACTIVEMQ_ONLY,
    reads: "configuration",
    judge: checkConcurrentStoreAndDispatch,
  },
];

/** What a check reads: the facts, with the ActiveMQ configuration already parsed (null when not readable). */
export interface PostureInput {
  broker: Broker;
  settings: BrokerSettings;
  configuration: Extract<ActiveMqConfiguration, { ok: true }> | null;
  securityGroups: readonly SecurityGroupRules[];
  slowQueues: readonly string[];
}

/** A failed check: the one-sentence summary, the specifics, and a severity when it differs from the usual one. */
export interface PostureFailure {
  summary: string;
  details: Evidence;
  severity?: Severity;
}

/** What a check concluded: not judged (missing facts, with the reason when it is an error), passed, or failed. */
export type PostureVerdict = { judged: false; error?: string } | { judged: true; failure: PostureFailure | null };

const NOT_JUDGED: PostureVerdict = { judged: false };
const PASSED: PostureVerdict = { judged: true, failure: null };
const failed = (summary: string, details: Evidence, severity?: Severity): PostureVerdict => ({
  judged: true,
  failure: severity ? { summary, details, severity } : { summary, details },
});

/** Most items (groups, entries, queues) listed in one evidence field. */
const MAX_LISTED = 10;

// ---------------------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------------------

/** `public-access`: the broker has public endpoints (`PubliclyAccessible`). */
export function checkPublicAccess({ settings }: PostureInput): PostureVerdict {
  if (settings.publiclyAccessible === null) return NOT_JUDGED;
  if (!settings.publiclyAccessible) return PASSED;
  return failed("The broker is publicly accessible: its endpoints can be reached from the internet, protected only by credentials.", {
    publiclyAccessible: true,
  });
}

/**
 * `no-authorization-map`: the ActiveMQ configuration authorizes nothing. An `authorizationMap` or a
 * `cachedLDAPAuthorizationMap` (LDAP) under `plugins/authorizationPlugin/map` counts as authorization.
 */
export function checkNoAuthorizationMap({ settings, configuration }: PostureInput): PostureVerdict {
  if (!configuration) return NOT_JUDGED;
  if (configuration.authorization !== "none") return PASSED;
  return failed(
    "The ActiveMQ configuration has no authorization map: every user who can sign in can read, write and administer every queue and topic.",
    { authorization: "none", authenticationStrategy: settings.authenticationStrategy },
  );
}

/** Group names that stand for (nearly) every user. */
const BROAD_GROUPS = new Set(["everyone", "users", "guests", "anonymous", "*"]);

/**
 * `permissive-authorization-map`: an entry on every destination (`queue=">"` or `topic=">"`, or the map's
 * `defaultEntry`) grants write or admin to a broad group (`everyone`, `users`, `guests`, `anonymous`, `*`).
 * Read access for a broad group is left alone: the AWS sample map grants read on `>` to `users`.
 * With LDAP the grants live in the directory, out of the audit's reach, so only maps in the XML are judged.
 */
export function checkPermissiveAuthorizationMap({ configuration }: PostureInput): PostureVerdict {
  if (!configuration) return NOT_JUDGED;
  const offending = configuration.entries.flatMap((entry) => {
    if (!coversEverything(entry)) return [];
    const write = entry.write.filter(isBroadGroup);
    const admin = entry.admin.filter(isBroadGroup);
    return write.length + admin.length > 0 ? [{ entry, write, admin }] : [];
  });
  if (offending.length === 0) return PASSED;
  const [first] = offending as [(typeof offending)[number]];
  const rights = [first.write.length > 0 ? "write" : null, first.admin.length > 0 ? "admin" : null].filter((r) => r !== null);
  const can = [first.write.length > 0 ? "send to" : null, first.admin.length > 0 ? "administer" : null].filter((r) => r !== null);
  const groups = [...new Set([...first.write, ...first.admin])];
  return failed(
    `Authorization entry ${describeEntry(first.entry)} grants ${rights.join(" and ")} to ${groups.join(", ")}: any user can ${can.join(" and ")} every ${entryScope(first.entry)}.`,
    {
      entries: listed(
        offending.map(({ entry }) => describeEntry(entry)),
        "; ",
      ),
      broadGroups: [...new Set(offending.flatMap(({ write, admin }) => [...write, ...admin]))].join(", "),
      offendingEntries: offending.length,
    },
  );
}

/** `audit-log-disabled` (ActiveMQ only: audit logs do not apply to RabbitMQ). */
export function checkAuditLog({ settings }: PostureInput): PostureVerdict {
  if (settings.auditLog === null) return NOT_JUDGED;
  if (settings.auditLog) return PASSED;
  return failed("Audit logs are off: nobody can tell who changed destinations, users or settings through the console or JMX.", {
    auditLog: false,
  });
}

/** `general-log-disabled`. */
export function checkGeneralLog({ settings }: PostureInput): PostureVerdict {
  if (settings.generalLog === null) return NOT_JUDGED;
  if (settings.generalLog) return PASSED;
  return failed("General logs are off: the broker's errors and warnings are not kept for troubleshooting.", { generalLog: false });
}

/** `aws-owned-key`: data at rest is encrypted with the AWS owned key, not a customer managed KMS key. */
export function checkAwsOwnedKey({ settings }: PostureInput): PostureVerdict {
  if (settings.useAwsOwnedKey === null) return NOT_JUDGED;
  if (!settings.useAwsOwnedKey) return PASSED;
  return failed("The broker's data at rest is encrypted with an AWS owned key, which you cannot audit, control or revoke.", {
    useAwsOwnedKey: true,
    kmsKeyId: settings.kmsKeyId,
  });
}

/** Tag keys that name a broker's environment, and the values that mean production (both case-insensitive). */
const ENVIRONMENT_TAG_KEYS = new Set(["environment", "env", "stage"]);
const PRODUCTION_VALUES = new Set(["production", "prod", "prd"]);

/** The `key=value` tag that marks the broker as production, or null when none does. */
export function productionTag(broker: Pick<Broker, "tags">): string | null {
  for (const [key, value] of Object.entries(broker.tags)) {
    if (ENVIRONMENT_TAG_KEYS.has(key.trim().toLowerCase()) && PRODUCTION_VALUES.has(value.trim().toLowerCase())) return `${key}=${value}`;
  }
  return null;
}

/**
 * `single-instance`: a production broker runs on one instance (ActiveMQ should be active/standby, RabbitMQ a
 * cluster). Only brokers tagged as production are held to it (DESIGN.md: "single-instance brokers tagged as
 * production"): an `environment`, `env` or `stage` tag whose value is `production`, `prod` or `prd`, in any case.
 * Development and staging brokers are single-instance on purpose.
 */
export function checkSingleInstance({ broker }: PostureInput): PostureVerdict {
  const tag = productionTag(broker);
  if (tag === null || broker.deploymentMode !== DeploymentMode.single) return PASSED;
  const wanted = broker.engine === EngineType.rabbitmq ? DeploymentMode.cluster : DeploymentMode.activeStandby;
  return failed(
    `This production broker (${tag}) is single-instance: it is down during every maintenance reboot and Availability Zone outage.`,
    { deploymentMode: broker.deploymentMode, recommendedDeploymentMode: wanted, productionTag: tag },
  );
}

/** `auto-minor-upgrade-disabled`. */
export function checkAutoMinorUpgrade({ settings }: PostureInput): PostureVerdict {
  if (settings.autoMinorVersionUpgrade === null) return NOT_JUDGED;
  if (settings.autoMinorVersionUpgrade) return PASSED;
  return failed("Automatic minor version upgrades are off: the broker keeps running without the engine's security and bug fixes.", {
    autoMinorVersionUpgrade: false,
  });
}

/** The ports clients and people use, per engine (Amazon MQ endpoints and web console). */
export const BROKER_PORTS: Readonly<Record<EngineType, ReadonlyArray<{ port: number; use: string }>>> = {
  [EngineType.activemq]: [
    { port: 61617, use: "OpenWire" },
    { port: 5671, use: "AMQP" },
    { port: 61614, use: "STOMP" },
    { port: 8883, use: "MQTT" },
    { port: 61619, use: "WSS" },
    { port: 8162, use: "web console" },
  ],
  [EngineType.rabbitmq]: [
    { port: 5671, use: "AMQPS" },
    { port: 443, use: "web console" },
  ],
};

/**
 * `open-security-group`: a security group of the broker lets in any address (`0.0.0.0/0`, `::/0`) on a
 * broker port, through a TCP rule whose range covers the port or an all-traffic rule (protocol `-1`).
 * Critical when the broker is also publicly accessible. Groups named by the broker but not returned by EC2
 * leave a clean result unjudged (an unseen group may be the open one).
 */
export function checkOpenSecurityGroup({ broker, settings, securityGroups }: PostureInput): PostureVerdict {
  const ports = BROKER_PORTS[broker.engine];
  const openings = securityGroups.flatMap((group) =>
    group.ingress.flatMap((rule) => {
      const world = rule.cidrs.filter(isAnyAddress);
      const covered = ports.filter(({ port }) => rulePassesTcp(rule, port));
      return world.length > 0 && covered.length > 0 ? [{ groupId: group.groupId, cidrs: world, ports: covered }] : [];
    }),
  );
  if (openings.length === 0) {
    const seen = new Set(securityGroups.map((group) => group.groupId));
    const missing = settings.securityGroupIds.filter((id) => !seen.has(id));
    if (missing.length > 0) return { judged: false, error: `security groups ${missing.join(", ")} were not returned by EC2` };
    return PASSED;
  }
  const [first] = openings as [(typeof openings)[number]];
  const isPublic = settings.publiclyAccessible === true;
  const portList = (list: typeof ports) => list.map(({ port, use }) => `${port} (${use})`).join(", ");
  const more = openings.length > 1 ? ` (and ${openings.length - 1} more rule${openings.length > 2 ? "s" : ""})` : "";
  return failed(
    `Security group ${first.groupId} opens ${portList(first.ports)} to ${first.cidrs.join(" and ")}${more}: ${
      isPublic ? "anyone on the internet" : "any host that can route to the broker"
    } can connect and try credentials.`,
    {
      openings: listed(
        openings.map((o) => `${o.groupId} ${o.cidrs.join(",")} -> ${o.ports.map(({ port }) => port).join(",")}`),
        "; ",
      ),
      securityGroups: [...new Set(openings.map((o) => o.groupId))].join(", "),
      cidrs: [...new Set(openings.flatMap((o) => o.cidrs))].join(", "),
      ports: [...new Set(openings.flatMap((o) => o.ports.map(({ port }) => port)))].sort((a, b) => a - b).join(", "),
      publiclyAccessible: settings.publiclyAccessible,
    },
    isPublic ? Severity.critical : Severity.warning,
  );
}

/**
 * `concurrent-store-and-dispatch`: queues have slow consumers while the configuration leaves
 * `concurrentStoreAndDispatchQueues` on (ActiveMQ's kahaDB default). Amazon MQ recommends turning it off
 * for queues with slow consumers.
 */
export function checkConcurrentStoreAndDispatch({ configuration, slowQueues }: PostureInput): PostureVerdict {
  if (!configuration) return NOT_JUDGED;
  if (slowQueues.length === 0 || !configuration.concurrentStoreAndDispatchQueues) return PASSED;
  const [first] = slowQueues as [string];
  const others = slowQueues.length > 1 ? ` and ${slowQueues.length - 1} other queue${slowQueues.length > 2 ? "s" : ""}` : "";
  return failed(
    `Queue ${first}${others} ${slowQueues.length > 1 ? "have" : "has"} slow consumers while concurrentStoreAndDispatchQueues is on, which adds store work and lowers throughput.`,
    { slowQueues: listed(slowQueues, ", "), slowQueueCount: slowQueues.length, concurrentStoreAndDispatchQueues: true },
  );
}

// ---------------------------------------------------------------------------------------------------------
// Running them
// ---------------------------------------------------------------------------------------------------------

/** What the audit concluded for one broker; `errors` are one line each, naming the broker and what was not judged. */
export interface PostureResult {
  /** Fingerprints of the checks it could judge (failed or passed). */
  judged: string[];
  findings: Finding[];
  errors: string[];
}

/** The checks that apply to a broker's engine (no configuration checks for RabbitMQ). */
export function checksFor(engine: EngineType): PostureCheck[] {
  return POSTURE_CHECKS.filter((check) => check.engines.includes(engine));
}

/**
 * Audits one broker:
 * 1. pick the checks for its engine
 * 2. read its ActiveMQ configuration; if unreadable, say so and leave the configuration checks unjudged
 * 3. take its security groups; if unreadable, say so and leave `open-security-group` unjudged
 * 4. run every other check, turning each failure into a `posture` finding with its controls, reason and fix.
 */
export function runPostureChecks(facts: PostureFacts): PostureResult {
  const { broker } = facts;
  const checks = checksFor(broker.engine);
  const errors: string[] = [];
  const unjudgedNote = (reads: PostureCheck["reads"]) =>
    `${checks
      .filter((check) => check.reads === reads)
      .map((check) => check.id)
      .join(", ")} not judged`;

  const configuration = checks.some((check) => check.reads === "configuration") ? readConfiguration(facts) : null;
  if (configuration && !configuration.ok)
    errors.push(`posture audit: broker ${broker.name}: ${configuration.error}; ${unjudgedNote("configuration")}`);
  if (!facts.securityGroups.ok) {
    errors.push(
      `posture audit: broker ${broker.name}: security groups could not be read (${oneLine(facts.securityGroups.error)}); ${unjudgedNote("security-groups")}`,
    );
  }
  const input: PostureInput = {
    broker,
    settings: facts.settings,
    configuration: configuration?.ok ? configuration : null,
    securityGroups: facts.securityGroups.ok ? facts.securityGroups.value : [],
    slowQueues: facts.slowQueues,
  };

  const judged: string[] = [];
  const findings: Finding[] = [];
  for (const check of checks) {
    if (check.reads === "configuration" && !input.configuration) continue;
    if (check.reads === "security-groups" && !facts.securityGroups.ok) continue;
    const verdict = check.judge(input);
    if (!verdict.judged) {
      if (verdict.error) errors.push(`posture audit: broker ${broker.name}: ${verdict.error}; ${check.id} not judged`);
      continue;
    }
    const fingerprint = { kind: IncidentKind.posture, broker: broker.name, resource: check.id };
    judged.push(fingerprintOf(fingerprint));
    if (verdict.failure) findings.push(toFinding(check, broker, verdict.failure));
  }
  return { judged, findings, errors };
}

/** The parsed configuration of an ActiveMQ broker, or why there is none to judge. */
function readConfiguration(facts: PostureFacts): ActiveMqConfiguration {
  const source = facts.configurationXml;
  const revision = facts.settings.configurationId
    ? `configuration ${facts.settings.configurationId}${facts.settings.configurationRevision === null ? "" : ` revision ${facts.settings.configurationRevision}`}`
    : "the configuration";
  if (source === null) return { ok: false, error: `${revision} was not read` };
  if (!source.ok) return { ok: false, error: `${revision} could not be read (${oneLine(source.error)})` };
  const read = readActiveMqConfiguration(source.value);
  return read.ok ? read : { ok: false, error: `${revision} is ${read.error}` };
}

function toFinding(check: PostureCheck, broker: Broker, failure: PostureFailure): Finding {
  const controls = check.controls.filter((control) => control.engine === undefined || control.engine === broker.engine);
  const idOf = (source: ControlRef["source"]) => controls.find((control) => control.source === source)?.id ?? null;
  return {
    kind: IncidentKind.posture,
    broker: broker.name,
    resource: check.id,
    severity: failure.severity ?? check.severity,
    condition: check.id,
    summary: failure.summary,
    evidence: {
      check: check.id,
      title: check.title,
      securityHubControl: idOf("Security Hub"),
      awsConfigRule: idOf("AWS Config"),
      reason: check.reason,
      fix: check.fix,
      ...failure.details,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

function isBroadGroup(group: string): boolean {
  return BROAD_GROUPS.has(group.trim().toLowerCase());
}

/** True for the map's default entry and for entries whose queue or topic pattern includes `>` (every destination). */
function coversEverything(entry: AuthorizationEntry): boolean {
  const patterns = [entry.queue, entry.topic].flatMap((p) => (p === null ? [] : p.split(",")));
  return entry.isDefault || patterns.some((pattern) => pattern.trim() === ">");
}

function entryScope(entry: AuthorizationEntry): string {
  if (entry.isDefault) return "destination";
  const queues = entry.queue?.split(",").some((p) => p.trim() === ">") ?? false;
  const topics = entry.topic?.split(",").some((p) => p.trim() === ">") ?? false;
  return queues && topics ? "queue and topic" : queues ? "queue" : "topic";
}

/** An entry as it reads in the XML: `queue=">" write="everyone" admin="admins"`. */
function describeEntry(entry: AuthorizationEntry): string {
  const parts = [
    entry.isDefault ? "defaultEntry" : null,
    entry.queue === null ? null : `queue="${entry.queue}"`,
    entry.topic === null ? null : `topic="${entry.topic}"`,
    entry.write.length > 0 ? `write="${entry.write.join(",")}"` : null,
    entry.admin.length > 0 ? `admin="${entry.admin.join(",")}"` : null,
  ];
  return parts.filter((p) => p !== null).join(" ");
}

/** True for a CIDR that spans every address (`0.0.0.0/0`, `::/0`). */
function isAnyAddress(cidr: string): boolean {
  return cidr.trim().endsWith("/0");
}

/** True when an ingress rule admits TCP traffic to `port`: all traffic (`-1`), or TCP with a range covering it. */
function rulePassesTcp(rule: IngressRule, port: number): boolean {
  const protocol = rule.protocol.trim().toLowerCase();
  if (protocol === "-1") return true;
  if (protocol !== "tcp" && protocol !== "6") return false;
  // EC2 always gives TCP rules a range; a missing bound is read as open-ended rather than as closed.
  return (rule.fromPort ?? 0) <= port && port <= (rule.toPort ?? 65535);
}

/** At most `MAX_LISTED` items joined, with a count of the rest. */
function listed(items: readonly string[], separator: string): string {
  const shown = items.slice(0, MAX_LISTED).join(separator);
  return items.length > MAX_LISTED ? `${shown}${separator}and ${items.length - MAX_LISTED} more` : shown;
}

/** An adapter's error text as one bounded line. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
