/**
 * The API-activity scenarios (`api-*`): CloudTrail "AWS API Call via CloudTrail" events for Amazon MQ as
 * EventBridge delivers them (`source` aws.amazonmq, `eventSource` amazonmq.amazonaws.com). Record shapes
 * (identity types, session contexts, user agents, error codes and messages, pacing) are modelled on real
 * CloudTrail records, adapted to Amazon MQ (camelCase request parameters, `password`/`data` redacted as
 * "***", denied calls with `errorCode`, `errorMessage` and `responseElements: null`).
 *
 * The expectations say what each scenario MEANS under the project's detection policy (scenarios/README.md,
 * "API activity scenarios"), written by hand per scenario: nothing here re-derives them from the events.
 */
import { ACTIVEMQ_CONNECTION_LIMIT_METRICS } from "../../shared/core/metric-catalog";
import type { IncidentKind, Severity } from "../../shared/core/types";
import { MINUTE_MS } from "../../shared/core/types";
import { AMQ_QUEUE_METRICS } from "../../shared/sim/published-metrics";
import {
  ACCOUNT_ID,
  AMQ_LARGE_LIMIT,
  activeMqXml,
  amqInstance,
  type BrokerEntry,
  cloudTrailEnvelope,
  compliantAccess,
  describeHead,
  eventBridgeEnvelope,
  type MetricSeries,
  REGION,
  securityGroup,
} from "./amazon-mq";
import { At, type Expectation, Want } from "./dsl";
import { drift, gcSawtooth, iso, makeRng, nth, pct, type Rng, seq, steps, sum, traffic, uuidV4 as uuid } from "./kit";
import { type AmqQueue, amqQueue } from "./queue-model";

const OTHER_ACCOUNT_ID = "555566667777";
/** What the API scenarios score unless they say otherwise. */
export const API_KINDS: IncidentKind[] = ["unauthorized-api", "risky-change"];
/** An API incident must be open within this many minutes of the event that makes it one. */
const API_WINDOW = 6;
const MQ_HOST = `mq.${REGION}.amazonaws.com`;
const minuteOf = (start: string, t: number): number => Date.parse(start) + t * MINUTE_MS;

// ---------------------------------------------------------------------------------------------------------
// Brokers (posture-compliant, as DescribeBroker returns them)
// ---------------------------------------------------------------------------------------------------------

/** A broker of an API scenario: its entry and the ids its calls name. */
interface ApiBroker {
  entry: BrokerEntry;
  id: string;
  name: string;
  arn: string;
  configId: string;
  revision: number;
  sgId: string;
  vpcId: string;
  engine: "ACTIVEMQ" | "RABBITMQ";
}

interface AmqFacts {
  queues?: string[];
  users?: string[];
  tags?: Record<string, string>;
  /** DescribeBroker fields to override (a broker being created, a public one). */
  describe?: Record<string, unknown>;
  stateChanges?: { at: number; BrokerState: string }[];
}

/** The ids an API scenario's calls name, read from its broker's entry. */
function apiBroker(
  entry: BrokerEntry,
  configId: string,
  revision: number,
  sg: { id: string; entry: { VpcId: string } },
  engine: ApiBroker["engine"],
) {
  const { BrokerId: id, BrokerName: name, BrokerArn: arn } = entry.describe;
  return { entry, id, name, arn, configId, revision, sgId: sg.id, vpcId: sg.entry.VpcId, engine };
}

/** A posture-compliant ActiveMQ 5.18 active/standby broker on mq.m5.large. */
function activeMqBroker(rng: Rng, name: string, facts: AmqFacts = {}): ApiBroker {
  const { queues = ["orders.created", "orders.settled"], users = ["app", "ops"], tags = {}, describe = {}, stateChanges } = facts;
  const id = `b-${uuid(rng)}`;
  const sg = securityGroup(rng, name, "10.20.0.0/16", [61617, 8162]);
  const instances = [1, 2].map((k) => amqInstance(rng, id, k));
  const configId = `c-${uuid(rng)}`;
  const entry: BrokerEntry = {
    describe: {
      ...describeHead(name, id, { deployment: "ACTIVE_STANDBY_MULTI_AZ", engine: "ACTIVEMQ", version: "5.18", instance: "mq.m5.large" }),
      ...compliantAccess(uuid(rng)),
      Logs: { Audit: true, General: true },
      SecurityGroups: [sg.id],
      SubnetIds: instances.map(() => `subnet-0${rng.hex(16)}`),
      StorageType: "EFS",
      MaintenanceWindowStartTime: { DayOfWeek: "SUNDAY", TimeOfDay: "03:00", TimeZone: "UTC" },
      Created: "2025-06-01T12:00:00Z",
      BrokerInstances: instances,
      Users: users.map((Username) => ({ Username })),
      Tags: { environment: "production", ...tags },
      Configurations: { Current: { Id: configId, Revision: 4 } },
      ...describe,
    },
    configurationXml: activeMqXml(queues),
    securityGroups: [sg.entry],
    ...(stateChanges ? { stateChanges } : {}),
  };
  return apiBroker(entry, configId, 4, sg, "ACTIVEMQ");
}

/** A posture-compliant RabbitMQ 3.13 cluster on mq.m5.large. */
function rabbitMqBroker(rng: Rng, name: string, { tags = {} }: { tags?: Record<string, string> } = {}): ApiBroker {
  const id = `b-${uuid(rng)}`;
  const sg = securityGroup(rng, name, "10.30.0.0/16", [5671, 443]);
  const host = `${id}.mq.${REGION}.amazonaws.com`;
  const configId = `c-${uuid(rng)}`;
  const entry: BrokerEntry = {
    describe: {
      ...describeHead(name, id, { deployment: "CLUSTER_MULTI_AZ", engine: "RABBITMQ", version: "3.13", instance: "mq.m5.large" }),
      ...compliantAccess(uuid(rng)),
      Logs: { General: true },
      SecurityGroups: [sg.id],
      SubnetIds: [1, 2, 3].map(() => `subnet-0${rng.hex(16)}`),
      StorageType: "EBS",
      MaintenanceWindowStartTime: { DayOfWeek: "SUNDAY", TimeOfDay: "03:00", TimeZone: "UTC" },
      Created: "2025-06-01T12:00:00Z",
      BrokerInstances: [{ ConsoleURL: `https://${host}`, Endpoints: [`amqps://${host}:5671`] }],
      Users: [],
      Tags: { environment: "production", ...tags },
      Configurations: { Current: { Id: configId, Revision: 2 } },
    },
    securityGroups: [sg.entry],
  };
  return apiBroker(entry, configId, 2, sg, "RABBITMQ");
}

/**
 * The CloudWatch series of an ActiveMQ broker's active node (`<name>-1`): the given queues (from
 * `amqQueue`) and broker-level series, totals exact sums of the queues, resources calm.
 */
function amqMetrics(rng: Rng, n: number, brokerName: string, queues: AmqQueue[]): MetricSeries[] {
  const node = `${brokerName}-1`;
  const cpuNoise = drift(rng.fork("cpu"), n, 1.1, 0.7);
  const connNoise = drift(rng.fork("connections"), n, 4, 0.6);
  const connBase = rng.int(150, 300);
  const current = seq(n, (i) => Math.max(0, Math.round(connBase + nth(connNoise, i))));
  const total = (m: "QueueSize" | "ConsumerCount" | "ProducerCount" | "EnqueueCount" | "DequeueCount") =>
    seq(n, (i) => sum(queues.map((q) => nth(q[m], i))));
  const broker: Record<string, number[]> = {
    CpuUtilization: seq(n, (i) => pct(11 + nth(cpuNoise, i))),
    HeapUsage: gcSawtooth(rng.fork("heap"), n, { floor: 33, peak: 60, rise: 2.8 }),
    StorePercentUsage: seq(n, () => 4.2),
    TempPercentUsage: seq(n, () => 0.5),
    CurrentConnectionsCount: current,
    EstablishedConnectionsCount: current.map((c) => c + 3),
    TotalMessageCount: total("QueueSize"),
    TotalConsumerCount: total("ConsumerCount"),
    TotalProducerCount: total("ProducerCount"),
    TotalEnqueueCount: total("EnqueueCount"),
    TotalDequeueCount: total("DequeueCount"),
  };
  for (const m of ACTIVEMQ_CONNECTION_LIMIT_METRICS) broker[m] = seq(n, () => AMQ_LARGE_LIMIT);
  return [
    ...queues.flatMap((q) => AMQ_QUEUE_METRICS.map((m) => ({ metric: m, dimensions: { Broker: node, Queue: q.name }, values: q[m] }))),
    ...Object.entries(broker).map(([m, values]) => ({ metric: m, dimensions: { Broker: node }, values })),
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Identities and the clients they use
// ---------------------------------------------------------------------------------------------------------

/** A CloudTrail `userIdentity`. */
interface Identity {
  type: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  invokedBy?: string;
  sessionContext?: unknown;
  [key: string]: unknown;
}

const roleId = (rng: Rng) => `AROA${rng.iamChars(17)}`;

function iamUser(rng: Rng, userName: string, { accountId = ACCOUNT_ID } = {}): Identity {
  return {
    type: "IAMUser",
    principalId: `AIDA${rng.iamChars(17)}`,
    arn: `arn:aws:iam::${accountId}:user/${userName}`,
    accountId,
    accessKeyId: `AKIA${rng.iamChars(16)}`,
    userName,
  };
}

interface SessionFacts {
  accountId?: string;
  /** The role path (e.g. an SSO one). */
  path?: string;
  mfa?: boolean;
  /** An ISO time. */
  sessionStart?: string;
  invokedBy?: string;
}

/** An assumed-role session. */
function assumedRole(rng: Rng, roleName: string, sessionName: string, facts: SessionFacts = {}): Identity {
  const { accountId = ACCOUNT_ID, path = "", mfa = false, sessionStart, invokedBy } = facts;
  const rid = roleId(rng);
  return {
    type: "AssumedRole",
    principalId: `${rid}:${sessionName}`,
    arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
    accountId,
    accessKeyId: `ASIA${rng.iamChars(16)}`,
    sessionContext: {
      sessionIssuer: {
        type: "Role",
        principalId: rid,
        arn: `arn:aws:iam::${accountId}:role/${path}${roleName}`,
        accountId,
        userName: roleName,
      },
      webIdFederationData: {},
      attributes: { creationDate: sessionStart, mfaAuthenticated: String(mfa) },
    },
    ...(invokedBy ? { invokedBy } : {}),
  };
}

/** An IAM Identity Center (SSO) user's session in a permission set's reserved role. */
function ssoSession(rng: Rng, permissionSet: string, user: string, sessionStart: string): Identity {
  const role = `AWSReservedSSO_${permissionSet}_${rng.hex(16)}`;
  return assumedRole(rng, role, user, { path: "aws-reserved/sso.amazonaws.com/", mfa: false, sessionStart });
}

function rootUser(rng: Rng, sessionStart: string, { mfa = false } = {}): Identity {
  return {
    type: "Root",
    principalId: ACCOUNT_ID,
    arn: `arn:aws:iam::${ACCOUNT_ID}:root`,
    accountId: ACCOUNT_ID,
    accessKeyId: `ASIA${rng.iamChars(16)}`,
    sessionContext: { attributes: { creationDate: sessionStart, mfaAuthenticated: String(mfa) } },
  };
}

const kebab = (op: string): string => op.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();

/** User agents, as functions of the operation (the AWS CLI names its command). */
const UA = {
  chrome: () => "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36",
  firefox: () => "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:135.0) Gecko/20100101 Firefox/135.0",
  edge: () =>
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0",
  cliMac: (op: string) =>
    `aws-cli/2.24.5 md/awscrt#0.23.8 ua/2.1 os/macos#24.3.0 md/arch#arm64 lang/python#3.12.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#mq.${kebab(op)}`,
  cliLinux: (op: string) =>
    `aws-cli/2.22.35 md/awscrt#0.23.4 ua/2.0 os/linux#6.8.0-52-generic md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off md/command#mq.${kebab(op)}`,
  cliKali: (op: string) => `aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off command/mq.${kebab(op)}`,
  boto3Lambda: () =>
    "Boto3/1.36.21 md/Botocore#1.36.21 ua/2.0 os/linux#5.10.233-244.903.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.9 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.36.21",
  boto3Laptop: () =>
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.15.0-107-generic md/arch#x86_64 lang/python#3.10.12 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
  jsSdkActions: () => "aws-sdk-js/3.741.0 ua/2.1 os/linux#6.8.0-1021-azure lang/js md/nodejs#20.18.2 api/mq#3.741.0 m/E,N",
  terraform: () =>
    "APN/1.0 HashiCorp/1.0 Terraform/1.10.5 (+https://www.terraform.io) terraform-provider-aws/5.86.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.36.1 ua/2.1 os/linux lang/go#1.23.6 md/GOOS#linux md/GOARCH#amd64 api/mq#1.27.14 m/C",
  grafana: () => "aws-sdk-go/1.55.5 (go1.23.4; linux; amd64) Grafana/11.5.1",
  goSdkVendor: () => "aws-sdk-go-v2/1.32.7 ua/2.1 os/linux lang/go#1.22.10 md/GOOS#linux md/GOARCH#amd64 api/mq#1.27.9 m/E",
} satisfies Record<string, (op: string) => string>;

/** Who calls, from where, with what: the constant part of a run of CloudTrail records. */

/** Who calls, from where, with what: the constant part of a run of CloudTrail records. */
interface Actor {
  identity: Identity;
  ip: string | null;
  /** Null for an AWS service (its `invokedBy` is the user agent). */
  ua: ((op: string) => string) | null;
  console: boolean;
}
const actor = (identity: Identity, ip: string | null, ua: ((op: string) => string) | null, { console = false } = {}): Actor => ({
  identity,
  ip,
  ua,
  console,
});

// Addresses: office NAT and VPN egress (TEST-NET ranges), NAT gateways, CI runners and attackers.
const IP = {
  office: "198.51.100.23",
  vpn: "203.0.113.77",
  natGateway: "54.210.33.18",
  natGateway2: "34.228.101.6",
  githubRunner: "4.175.37.210",
  tor: "185.220.101.47",
  vps: "45.137.21.9",
  vendor: "3.121.56.80",
  home: "192.0.2.146",
};

// ---------------------------------------------------------------------------------------------------------
// CloudTrail records in EventBridge envelopes
// ---------------------------------------------------------------------------------------------------------
const isReadOnly = (op: string): boolean => /^(Describe|List|Get)/.test(op);

type Params = Record<string, unknown> | null;

/** The IAM resource an Amazon MQ call is authorized against, as it appears in a denial message. */
function iamResource(params: Params | undefined): string {
  if (params?.brokerId) return `arn:aws:mq:${REGION}:${ACCOUNT_ID}:broker:*:${params.brokerId}`;
  if (params?.configurationId) return `arn:aws:mq:${REGION}:${ACCOUNT_ID}:configuration:${params.configurationId}`;
  if (params?.resourceArn) return String(params.resourceArn);
  return `arn:aws:mq:${REGION}:${ACCOUNT_ID}:*`;
}

const DENY_REASON = {
  identity: (op: string) => `because no identity-based policy allows the mq:${op} action`,
  scp: () => "with an explicit deny in a service control policy",
  permissionsBoundary: (op: string) => `because no permissions boundary allows the mq:${op} action`,
  crossAccount: (op: string) => `because no resource-based policy allows the mq:${op} action`,
};

/** How a call failed: a denial (its message is written from the reason) or another error. */
type CallError =
  | { denied: true; code: string; reason: keyof typeof DENY_REASON; suffix: string }
  | { denied: false; code: string; message: string };

/** A denial, as `error` for `call`. */
function denied(code = "AccessDeniedException", reason: keyof typeof DENY_REASON = "identity", suffix = ""): CallError {
  return { denied: true, code, reason, suffix };
}

/** Another error, as `error` for `call`. */
const failed = (code: string, message: string): CallError => ({ denied: false, code, message });

/** An EventBridge event as the scenario delivers it (possibly malformed on purpose). */
type ApiEvent = Record<string, unknown>;
/** An event `call` wrote: its `detail` may be bent afterwards (a malformed record). */
type CallEvent = ApiEvent & { detail: Record<string, unknown> };

interface CallOptions {
  error?: CallError | null;
  response?: unknown;
  /** Request parameters as CloudTrail records them, when they differ from `params` (redactions). */
  requestParameters?: unknown;
  /** Minutes after the call the event is delivered (CloudTrail reaches EventBridge late). */
  late?: number;
}

/** A scenario's workbench: brokers, events in delivery order, and helpers that write realistic records. */
export interface ApiContext {
  rng: Rng;
  start: string;
  brokers: BrokerEntry[];
  events: { at: number; event: ApiEvent }[];
  metrics: MetricSeries[];
  amq(brokerName: string, facts?: AmqFacts): ApiBroker;
  rmq(brokerName: string, facts?: { tags?: Record<string, string> }): ApiBroker;
  /** ISO time `minutesBefore` minutes before minute 0 (a session's creation time). */
  before(minutesBefore: number): string;
  /**
   * A CloudTrail record of an Amazon MQ call at minute `at`, second `sec`, delivered at minute `at` (or `late`
   * minutes later). Returns the event so that it can be delivered again (duplicate delivery keeps the same `id`).
   */
  call(at: number, sec: number, who: Actor, op: string, params: Params, options?: CallOptions): CallEvent;
  /** Delivers an event (possibly malformed, possibly one already delivered) at minute `at`. */
  deliver(at: number, event: ApiEvent): ApiEvent;
}

export function makeContext(name: string, start: string): ApiContext {
  const rng = makeRng(name);
  const brokers: BrokerEntry[] = [];
  const events: { at: number; event: ApiEvent }[] = [];
  const metrics: MetricSeries[] = [];
  return {
    rng,
    start,
    brokers,
    events,
    metrics,
    amq(brokerName, facts) {
      const b = activeMqBroker(rng.fork(`broker/${brokerName}`), brokerName, facts);
      brokers.push(b.entry);
      return b;
    },
    rmq(brokerName, facts) {
      const b = rabbitMqBroker(rng.fork(`broker/${brokerName}`), brokerName, facts);
      brokers.push(b.entry);
      return b;
    },
    before(minutesBefore) {
      return iso(minuteOf(start, -minutesBefore));
    },
    call(at, sec, who, op, params, { error = null, response = null, requestParameters, late = 0 } = {}) {
      const time = iso(minuteOf(start, at) + sec * 1000);
      const id = who.identity;
      const service = id.invokedBy;
      const detail: Record<string, unknown> = {
        eventVersion: "1.09",
        userIdentity: id,
        eventTime: time,
        eventSource: "amazonmq.amazonaws.com",
        eventName: op,
        awsRegion: REGION,
        sourceIPAddress: service ?? who.ip,
        userAgent: service ?? who.ua?.(op),
      };
      if (error) {
        detail.errorCode = error.code;
        detail.errorMessage = error.denied
          ? `User: ${id.arn ?? id.invokedBy ?? id.userName ?? "anonymous"} is not authorized to perform: mq:${op} on resource: ${iamResource(params)} ${DENY_REASON[error.reason](op)}${error.suffix}`
          : error.message;
      }
      Object.assign(detail, {
        requestParameters: requestParameters ?? params ?? null,
        responseElements: error ? null : response,
        requestID: uuid(rng),
        eventID: uuid(rng),
        readOnly: isReadOnly(op),
        eventType: "AwsApiCall",
        managementEvent: true,
        recipientAccountId: ACCOUNT_ID,
        eventCategory: "Management",
      });
      if (!service) detail.tlsDetails = { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: MQ_HOST };
      if (who.console) detail.sessionCredentialFromConsole = "true";
      const event = cloudTrailEnvelope(uuid(rng), time, detail);
      events.push({ at: at + late, event });
      return event;
    },
    deliver(at, event) {
      events.push({ at, event });
      return event;
    },
  };
}

/** Request parameters of the common calls. */
const rp = {
  listBrokers: () => ({ maxResults: 100 }),
  broker: (b: ApiBroker) => ({ brokerId: b.id }),
  listUsers: (b: ApiBroker) => ({ brokerId: b.id, maxResults: 100 }),
  user: (b: ApiBroker, username: string) => ({ brokerId: b.id, username }),
  listConfigurations: () => ({ maxResults: 100 }),
  configuration: (b: ApiBroker) => ({ configurationId: b.configId }),
  revision: (b: ApiBroker) => ({ configurationId: b.configId, configurationRevision: String(b.revision) }),
  /** A CreateUser request as CloudTrail records it (the password redacted). */
  createUser: (brokerId: string, username: string, groups: string[], { consoleAccess = false } = {}) => ({
    brokerId,
    username,
    password: "***",
    consoleAccess,
    groups,
    replicationUser: false,
  }),
  /**
   * A CreateBroker request for an ActiveMQ active/standby pair on mq.m5.large: Terraform's (a customer
   * managed key, its subnets, tags) or a person's from the CLI. Draws the key, subnets and request id in that order.
   */
  createBroker: (
    rng: Rng,
    brokerName: string,
    securityGroup: string,
    o: { by: "terraform" | "cli"; publiclyAccessible?: boolean; autoMinorVersionUpgrade?: boolean },
  ) => {
    const terraform = o.by === "terraform";
    return {
      brokerName,
      engineType: "ACTIVEMQ",
      engineVersion: "5.18",
      deploymentMode: "ACTIVE_STANDBY_MULTI_AZ",
      hostInstanceType: "mq.m5.large",
      publiclyAccessible: o.publiclyAccessible ?? false,
      autoMinorVersionUpgrade: o.autoMinorVersionUpgrade ?? true,
      authenticationStrategy: "SIMPLE",
      ...(terraform
        ? { encryptionOptions: { useAwsOwnedKey: false, kmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${uuid(rng)}` } }
        : {}),
      logs: { audit: true, general: true },
      maintenanceWindowStartTime: { dayOfWeek: "SUNDAY", timeOfDay: "03:00", timeZone: "UTC" },
      securityGroups: [securityGroup],
      ...(terraform ? { subnetIds: [`subnet-0${rng.hex(16)}`, `subnet-0${rng.hex(16)}`] } : {}),
      storageType: "EFS",
      users: [{ username: "app", password: "***", consoleAccess: false, groups: ["producers", "consumers"] }],
      creatorRequestId: terraform ? `terraform-${rng.hex(26)}` : `cli-${rng.hex(20)}`,
      ...(terraform ? { tags: { environment: "production", "managed-by": "terraform" } } : {}),
    };
  },
};

/** An incident the event delivered at minute `from` makes: it must be open within API_WINDOW minutes. */
const expectation = (kind: IncidentKind, broker: string, resource: string, from: number, severity?: Severity): Expectation =>
  Want(At(from).within(API_WINDOW), { kind, broker, resource, ...(severity ? { severity } : {}) });
/** Denials of one principal (account-wide: broker `*`, resource its ARN, else its principal id). */
const unauthorized = (principal: Identity, from: number, severity?: Severity): Expectation =>
  expectation("unauthorized-api", "*", principal.arn ?? principal.principalId ?? "unknown", from, severity);
/** A risky change of `broker` (or `*` when the call names no broker of the scenario). */
const risky = (broker: ApiBroker | "*", eventName: string, from: number, severity?: Severity): Expectation =>
  expectation("risky-change", broker === "*" ? "*" : broker.name, eventName, from, severity);

/** An API scenario: `build(ctx)` writes brokers and events into ctx and returns the hand-written expectations. */
export interface ApiScenario {
  name: string;
  durationMinutes: number;
  start?: string;
  /** What the scenario means (its `description`). */
  meaning: string;
  /** Why these labels (README). */
  why: string;
  /** The incident kinds the scenario scores (default unauthorized-api and risky-change). */
  scoreKinds?: IncidentKind[];
  build(ctx: ApiContext): Expectation[];
}

export const API_SCENARIOS: ApiScenario[] = [
  {
    name: "api-recon-stolen-session",
    durationMinutes: 45,
    start: "2026-03-03T13:00:00Z",
    meaning:
      "Credentials of the EC2 instance role `inventory-sync-ec2` are used from a Tor exit node with a Kali AWS CLI: in minutes 14-16 the session enumerates Amazon MQ (ListBrokers, ListConfigurations, DescribeBroker on three brokers, ListUsers, DescribeUser, DescribeConfiguration, DescribeConfigurationRevision). The role has no Amazon MQ permission, so all 17 calls are denied. An SRE's console reads in the same window succeed.",
    why: "Minute 14 alone brings 5 read-only denials by the session (>= 3 in 15 minutes). 17 denials, 7 distinct actions and 3 brokers: critical. The SRE's successful reads are nothing.",
    build(ctx) {
      const orders = ctx.amq("orders-core-61");
      const billing = ctx.amq("billing-events-61", { queues: ["invoice.created", "invoice.paid"] });
      const notify = ctx.rmq("notify-cluster-61");
      const stolen = actor(
        assumedRole(ctx.rng, "inventory-sync-ec2", "i-0a4f3c9e27b18d56e", { sessionStart: ctx.before(95) }),
        IP.tor,
        UA.cliKali,
      );
      const sre = actor(ssoSession(ctx.rng, "PlatformAdmin", "dana.kim", ctx.before(40)), IP.office, UA.chrome, { console: true });
      ctx.call(3, 12, sre, "ListBrokers", rp.listBrokers());
      ctx.call(3, 14, sre, "DescribeBroker", rp.broker(notify));
      const deny = denied("AccessDeniedException");
      ctx.call(14, 5, stolen, "ListBrokers", rp.listBrokers(), { error: deny });
      ctx.call(14, 9, stolen, "ListConfigurations", rp.listConfigurations(), { error: deny });
      ctx.call(14, 21, stolen, "DescribeBroker", rp.broker(orders), { error: deny });
      ctx.call(14, 33, stolen, "DescribeBroker", rp.broker(billing), { error: deny });
      ctx.call(14, 46, stolen, "DescribeBroker", rp.broker(notify), { error: deny });
      ctx.call(15, 2, stolen, "ListUsers", rp.listUsers(orders), { error: deny });
      ctx.call(15, 4, stolen, "ListUsers", rp.listUsers(billing), { error: deny });
      ctx.call(15, 17, stolen, "DescribeUser", rp.user(orders, "admin"), { error: deny });
      ctx.call(15, 18, stolen, "DescribeUser", rp.user(orders, "app"), { error: deny });
      ctx.call(15, 20, stolen, "DescribeUser", rp.user(billing, "admin"), { error: deny });
      ctx.call(15, 41, stolen, "DescribeConfiguration", rp.configuration(orders), { error: deny });
      ctx.call(15, 43, stolen, "DescribeConfigurationRevision", rp.revision(orders), { error: deny });
      ctx.call(15, 55, sre, "DescribeBroker", rp.broker(orders));
      ctx.call(16, 6, stolen, "DescribeConfiguration", rp.configuration(billing), { error: deny });
      ctx.call(16, 8, stolen, "DescribeConfigurationRevision", rp.revision(billing), { error: deny });
      ctx.call(16, 30, stolen, "DescribeBroker", rp.broker(orders), { error: deny });
      ctx.call(16, 31, stolen, "DescribeBroker", rp.broker(billing), { error: deny });
      ctx.call(16, 49, stolen, "ListBrokers", rp.listBrokers(), { error: deny });
      ctx.call(17, 3, sre, "ListUsers", rp.listUsers(orders));
      return [unauthorized(stolen.identity, 14, "critical")];
    },
  },
  {
    name: "api-slow-burst-iam-user",
    durationMinutes: 40,
    start: "2026-03-03T21:30:00Z",
    meaning:
      "The long-term access key of IAM user `reporting-export` (a nightly report job) is used from a VPS with Boto3, low and slow: one denied read a minute in minutes 11-16 (ListBrokers, DescribeBroker on two brokers, ListUsers, ListConfigurations, DescribeUser), errorCode `AccessDenied`.",
    why: "One or two read-only denials by an in-account principal could be a missing permission; the third (minute 13) makes it a burst within 15 minutes.",
    build(ctx) {
      const a = ctx.amq("claims-intake-62", { queues: ["claims.received", "claims.scored"] });
      const b = ctx.amq("claims-archive-62", { queues: ["claims.archived"] });
      const user = actor(iamUser(ctx.rng, "reporting-export"), IP.vps, UA.boto3Laptop);
      const deny = denied("AccessDenied");
      ctx.call(11, 38, user, "ListBrokers", rp.listBrokers(), { error: deny });
      ctx.call(12, 41, user, "DescribeBroker", rp.broker(a), { error: deny });
      ctx.call(13, 40, user, "ListUsers", rp.listUsers(a), { error: deny });
      ctx.call(14, 44, user, "DescribeBroker", rp.broker(b), { error: deny });
      ctx.call(15, 39, user, "ListConfigurations", rp.listConfigurations(), { error: deny });
      ctx.call(16, 42, user, "DescribeUser", rp.user(a, "ops"), { error: deny });
      return [unauthorized(user.identity, 13)];
    },
  },
  {
    name: "api-quiet-single-denial",
    durationMinutes: 30,
    meaning:
      "A developer browses the Amazon MQ console through her SSO `Developer` permission set, which allows her team's broker only: ListBrokers and DescribeBroker on her broker succeed, one click on another team's broker (minute 9) is denied, then she goes back to her own broker.",
    why: "A single read-only denial by an in-account principal is a person missing a permission, not an incident.",
    build(ctx) {
      const mine = ctx.amq("search-index-63", { queues: ["index.requests"] });
      const other = ctx.amq("payments-core-63", { queues: ["payment.authorize", "payment.settle"] });
      const dev = actor(ssoSession(ctx.rng, "Developer", "priya.natarajan", ctx.before(25)), IP.office, UA.firefox, { console: true });
      ctx.call(7, 31, dev, "ListBrokers", rp.listBrokers());
      ctx.call(8, 2, dev, "DescribeBroker", rp.broker(mine));
      ctx.call(8, 4, dev, "ListUsers", rp.listUsers(mine));
      ctx.call(9, 15, dev, "DescribeBroker", rp.broker(other), { error: denied("AccessDeniedException") });
      ctx.call(9, 40, dev, "ListBrokers", rp.listBrokers());
      ctx.call(9, 47, dev, "DescribeBroker", rp.broker(mine));
      ctx.call(10, 12, dev, "DescribeConfiguration", rp.configuration(mine));
      ctx.call(10, 14, dev, "DescribeConfigurationRevision", rp.revision(mine));
      return [];
    },
  },
  {
    name: "api-denied-delete-broker",
    durationMinutes: 30,
    meaning:
      "A developer (IAM user `tomas.novak`, AWS CLI) describes a production broker and then tries to delete it (minute 17); DeleteBroker is denied. Nothing else is denied.",
    why: "One denied call, but it is a change (DeleteBroker), not a read: an incident at once.",
    build(ctx) {
      const b = ctx.amq("ledger-sync-64", { queues: ["ledger.entries"] });
      ctx.amq("ledger-replay-64", { queues: ["ledger.replay"] });
      const dev = actor(iamUser(ctx.rng, "tomas.novak"), IP.vpn, UA.cliMac);
      ctx.call(15, 8, dev, "DescribeBroker", rp.broker(b));
      ctx.call(17, 26, dev, "DeleteBroker", rp.broker(b), { error: denied("AccessDeniedException") });
      return [unauthorized(dev.identity, 17)];
    },
  },
  {
    name: "api-cross-account-denied",
    durationMinutes: 30,
    meaning: `A role of another AWS account (${OTHER_ACCOUNT_ID}, a monitoring vendor's \`vendor-observability\` role, Go SDK) calls DescribeBroker on a broker of this account once (minute 9) and is denied.`,
    why: "A principal of another account probing this account's brokers is an incident even after one read, and critical.",
    build(ctx) {
      const b = ctx.amq("telemetry-hub-65", { queues: ["telemetry.raw"] });
      const vendor = actor(
        assumedRole(ctx.rng, "vendor-observability", "collector-7f3a", { accountId: OTHER_ACCOUNT_ID, sessionStart: ctx.before(12) }),
        IP.vendor,
        UA.goSdkVendor,
      );
      ctx.call(9, 51, vendor, "DescribeBroker", rp.broker(b), { error: denied("AccessDeniedException", "crossAccount") });
      return [unauthorized(vendor.identity, 9, "critical")];
    },
  },
  {
    name: "api-two-principals",
    durationMinutes: 40,
    meaning:
      "The GitHub Actions deploy role lost its Amazon MQ read permissions; its pipeline retries DescribeBroker and ListUsers (1 denial at minute 20, 3 at minute 21, 2 at minute 22). At minute 24 a developer's single console DescribeBroker on another broker is denied.",
    why: "The CI session reaches 3 denials at minute 21 (one incident for it). The developer's single read denial is nothing: exactly one expectation.",
    build(ctx) {
      const a = ctx.amq("checkout-66", { queues: ["cart.checkout"] });
      const b = ctx.amq("fraud-rules-66", { queues: ["fraud.evaluate"] });
      const ci = actor(
        assumedRole(ctx.rng, "github-actions-mq-deploy", "GitHubActions", { sessionStart: ctx.before(-19) }),
        IP.githubRunner,
        UA.jsSdkActions,
      );
      const dev = actor(ssoSession(ctx.rng, "Developer", "li.wei", ctx.before(50)), IP.office, UA.edge, { console: true });
      const deny = denied("AccessDeniedException");
      ctx.call(20, 44, ci, "DescribeBroker", rp.broker(a), { error: deny });
      ctx.call(21, 2, ci, "DescribeBroker", rp.broker(a), { error: deny });
      ctx.call(21, 3, ci, "ListUsers", rp.listUsers(a), { error: deny });
      ctx.call(21, 25, ci, "DescribeBroker", rp.broker(a), { error: deny });
      ctx.call(22, 6, ci, "DescribeBroker", rp.broker(a), { error: deny });
      ctx.call(22, 7, ci, "ListUsers", rp.listUsers(a), { error: deny });
      ctx.call(24, 19, dev, "ListBrokers", rp.listBrokers());
      ctx.call(24, 28, dev, "DescribeBroker", rp.broker(b), { error: deny });
      return [unauthorized(ci.identity, 21)];
    },
  },
  {
    name: "api-quiet-read-traffic",
    durationMinutes: 40,
    meaning:
      "An ordinary 40 minutes of successful reads: Grafana's CloudWatch data source role lists and describes brokers every 5 minutes, two SSO users browse brokers, users and configurations in the console, a developer uses the CLI, an inventory Lambda lists brokers, AWS Config describes brokers through its service-linked role and Resource Explorer lists them as an AWS service.",
    why: "Successful read-only calls by people, tools and AWS services are routine.",
    build(ctx) {
      const a = ctx.amq("orders-core-67");
      const b = ctx.amq("billing-events-67", { queues: ["invoice.created", "invoice.paid"] });
      const r = ctx.rmq("notify-cluster-67");
      const all = [a, b, r];
      const grafana = actor(
        assumedRole(ctx.rng, "grafana-cloudwatch-read", "grafana", { sessionStart: ctx.before(3) }),
        IP.natGateway,
        UA.grafana,
      );
      const dana = actor(ssoSession(ctx.rng, "PlatformAdmin", "dana.kim", ctx.before(30)), IP.office, UA.chrome, { console: true });
      const omar = actor(ssoSession(ctx.rng, "ReadOnly", "omar.haddad", ctx.before(8)), IP.home, UA.firefox, { console: true });
      const dev = actor(iamUser(ctx.rng, "tomas.novak"), IP.vpn, UA.cliMac);
      const lambda = actor(
        assumedRole(ctx.rng, "mq-inventory-report-role", "mq-inventory-report", { sessionStart: ctx.before(1) }),
        IP.natGateway2,
        UA.boto3Lambda,
      );
      const config = actor(
        assumedRole(ctx.rng, "AWSServiceRoleForConfig", "AWSConfig-Describe", {
          path: "aws-service-role/config.amazonaws.com/",
          sessionStart: ctx.before(2),
          invokedBy: "config.amazonaws.com",
        }),
        null,
        null,
      );
      const explorer = actor({ type: "AWSService", invokedBy: "resource-explorer-2.amazonaws.com" }, null, null);
      const timeline: [number, number, Actor, string, Params][] = [];
      for (let t = 1; t < 40; t += 5) {
        timeline.push([t, 7, grafana, "ListBrokers", rp.listBrokers()]);
        all.forEach((x, k) => {
          timeline.push([t, 8 + k, grafana, "DescribeBroker", rp.broker(x)]);
        });
      }
      timeline.push(
        [4, 20, lambda, "ListBrokers", rp.listBrokers()],
        [6, 3, dana, "ListBrokers", rp.listBrokers()],
        [6, 18, dana, "DescribeBroker", rp.broker(a)],
        [6, 21, dana, "ListUsers", rp.listUsers(a)],
        [7, 2, dana, "DescribeUser", rp.user(a, "app")],
        [7, 40, dana, "ListConfigurations", rp.listConfigurations()],
        [7, 52, dana, "DescribeConfiguration", rp.configuration(a)],
        [8, 5, dana, "DescribeConfigurationRevision", rp.revision(a)],
        [12, 30, config, "ListBrokers", rp.listBrokers()],
        [12, 31, config, "DescribeBroker", rp.broker(a)],
        [12, 31, config, "DescribeBroker", rp.broker(b)],
        [12, 32, config, "DescribeBroker", rp.broker(r)],
        [17, 44, dev, "DescribeBroker", rp.broker(b)],
        [18, 9, dev, "ListUsers", rp.listUsers(b)],
        [18, 37, dev, "DescribeUser", rp.user(b, "ops")],
        [22, 50, explorer, "ListBrokers", rp.listBrokers()],
        [25, 11, omar, "ListBrokers", rp.listBrokers()],
        [25, 26, omar, "DescribeBroker", rp.broker(r)],
        [26, 3, omar, "DescribeBroker", rp.broker(b)],
        [26, 40, omar, "ListConfigurations", rp.listConfigurations()],
        [27, 1, omar, "DescribeConfiguration", rp.configuration(b)],
        [33, 12, dana, "DescribeBroker", rp.broker(b)],
        [34, 20, lambda, "ListBrokers", rp.listBrokers()],
      );
      timeline.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      for (const [t, s, who, op, params] of timeline) ctx.call(t, s, who, op, params);
      return [];
    },
  },
  {
    name: "api-risky-user-changes",
    durationMinutes: 40,
    meaning:
      "An SRE manages ActiveMQ users with the CLI: CreateUser `reporting-ro` on `orders-core-68` (minute 7), UpdateUser `app` (new password) on the same broker (12), DeleteUser `legacy-batch` on `billing-events-68` (18), another CreateUser `reporting-ro2` on `orders-core-68` (24) and a CreateUser `audit-reader` on `billing-events-68` (30). All succeed.",
    why: "Each successful user change by a person is a risky change; one incident per (broker, eventName), so the second CreateUser on `orders-core-68` is the same incident as the first (4 expectations).",
    build(ctx) {
      const a = ctx.amq("orders-core-68", { users: ["app", "ops"] });
      const b = ctx.amq("billing-events-68", { queues: ["invoice.created"], users: ["app", "legacy-batch"] });
      const sre = actor(ssoSession(ctx.rng, "PlatformAdmin", "dana.kim", ctx.before(-5)), IP.office, UA.cliMac);
      ctx.call(6, 40, sre, "DescribeBroker", rp.broker(a));
      ctx.call(7, 12, sre, "CreateUser", rp.createUser(a.id, "reporting-ro", ["consumers"]));
      ctx.call(12, 3, sre, "UpdateUser", { brokerId: a.id, username: "app", password: "***", groups: ["producers", "consumers"] });
      ctx.call(17, 55, sre, "ListUsers", rp.listUsers(b));
      ctx.call(18, 20, sre, "DeleteUser", rp.user(b, "legacy-batch"));
      ctx.call(24, 9, sre, "CreateUser", rp.createUser(a.id, "reporting-ro2", ["consumers"]));
      ctx.call(30, 31, sre, "CreateUser", rp.createUser(b.id, "audit-reader", ["admins"], { consoleAccess: true }));
      return [risky(a, "CreateUser", 7), risky(a, "UpdateUser", 12), risky(b, "DeleteUser", 18), risky(b, "CreateUser", 30)];
    },
  },
  {
    name: "api-risky-broker-settings",
    durationMinutes: 40,
    meaning:
      "A platform engineer changes two brokers in the console: UpdateBroker turning the audit log off on `orders-core-69` (minute 5), UpdateBroker replacing the security groups of `billing-events-69` (13), then RebootBroker on `billing-events-69` to apply it (20; the broker is REBOOT_IN_PROGRESS for 4 minutes).",
    why: "Successful UpdateBroker and RebootBroker by a person are risky changes: one incident per (broker, eventName), 3 expectations.",
    build(ctx) {
      const a = ctx.amq("orders-core-69");
      const b = ctx.amq("billing-events-69", { queues: ["invoice.created"] });
      b.entry.stateChanges = [
        { at: 20, BrokerState: "REBOOT_IN_PROGRESS" },
        { at: 24, BrokerState: "RUNNING" },
      ];
      const eng = actor(ssoSession(ctx.rng, "PlatformAdmin", "marek.kowalski", ctx.before(20)), IP.office, UA.chrome, { console: true });
      ctx.call(4, 30, eng, "DescribeBroker", rp.broker(a));
      ctx.call(
        5,
        2,
        eng,
        "UpdateBroker",
        { brokerId: a.id, logs: { audit: false, general: true } },
        {
          response: { brokerId: a.id, logs: { audit: false, general: true }, authenticationStrategy: "simple" },
        },
      );
      ctx.call(12, 41, eng, "DescribeBroker", rp.broker(b));
      const newSg = `sg-0${ctx.rng.hex(16)}`;
      ctx.call(
        13,
        15,
        eng,
        "UpdateBroker",
        { brokerId: b.id, securityGroups: [newSg] },
        {
          response: { brokerId: b.id, securityGroups: [newSg], authenticationStrategy: "simple" },
        },
      );
      ctx.call(20, 7, eng, "RebootBroker", rp.broker(b));
      ctx.call(20, 9, eng, "DescribeBroker", rp.broker(b));
      ctx.call(24, 36, eng, "DescribeBroker", rp.broker(b));
      return [risky(a, "UpdateBroker", 5), risky(b, "UpdateBroker", 13), risky(b, "RebootBroker", 20)];
    },
  },
  {
    name: "api-risky-config-rollout",
    durationMinutes: 45,
    start: "2026-03-05T15:00:00Z",
    meaning:
      "A CI pipeline (Terraform in GitHub Actions) rolls out a new ActiveMQ configuration: CreateConfiguration `orders-core-70-tuned` (minute 8), UpdateConfiguration of `orders-core-70`'s existing configuration to revision 5 (9), UpdateBroker pointing `orders-core-70` at revision 5 with a minor engine version change (11), RebootBroker to apply it (12; REBOOT_IN_PROGRESS for 4 minutes).",
    why: "All four are successful risky changes. CreateConfiguration and UpdateConfiguration carry no `brokerId` (only a configuration id), so their broker is `*`; UpdateBroker and RebootBroker name `orders-core-70`.",
    build(ctx) {
      const a = ctx.amq("orders-core-70");
      ctx.amq("orders-replica-70", { queues: ["orders.created"] });
      a.entry.stateChanges = [
        { at: 12, BrokerState: "REBOOT_IN_PROGRESS" },
        { at: 16, BrokerState: "RUNNING" },
      ];
      const ci = actor(
        assumedRole(ctx.rng, "github-actions-terraform", "GitHubActions", { sessionStart: ctx.before(-7) }),
        IP.githubRunner,
        UA.terraform,
      );
      const created = iso(minuteOf(ctx.start, 8) + 14000);
      const newId = `c-${uuid(ctx.rng)}`;
      const newArn = `arn:aws:mq:${REGION}:${ACCOUNT_ID}:configuration:${newId}`;
      ctx.call(
        8,
        14,
        ci,
        "CreateConfiguration",
        {
          name: "orders-core-70-tuned",
          engineType: "ACTIVEMQ",
          engineVersion: "5.18",
          authenticationStrategy: "SIMPLE",
          tags: { environment: "production", "managed-by": "terraform" },
        },
        {
          response: {
            arn: newArn,
            authenticationStrategy: "simple",
            created,
            id: newId,
            latestRevision: { created, description: "Auto-generated default for orders-core-70-tuned on ActiveMQ 5.18", revision: 1 },
            name: "orders-core-70-tuned",
          },
        },
      );
      ctx.call(8, 20, ci, "DescribeConfiguration", { configurationId: newId });
      ctx.call(
        9,
        3,
        ci,
        "UpdateConfiguration",
        { configurationId: a.configId, data: "***", description: "tune prefetch and DLQ policy" },
        {
          response: {
            arn: `arn:aws:mq:${REGION}:${ACCOUNT_ID}:configuration:${a.configId}`,
            created: "2025-06-01T12:00:00Z",
            id: a.configId,
            latestRevision: { created: iso(minuteOf(ctx.start, 9) + 3000), description: "tune prefetch and DLQ policy", revision: 5 },
            name: "orders-core-70",
            warnings: [],
          },
        },
      );
      ctx.call(9, 5, ci, "DescribeConfigurationRevision", { configurationId: a.configId, configurationRevision: "5" });
      ctx.call(
        11,
        40,
        ci,
        "UpdateBroker",
        {
          brokerId: a.id,
          configuration: { id: a.configId, revision: 5 },
          engineVersion: "5.18",
          autoMinorVersionUpgrade: true,
        },
        {
          response: {
            brokerId: a.id,
            configuration: { id: a.configId, revision: 5 },
            engineVersion: "5.18",
            autoMinorVersionUpgrade: true,
            authenticationStrategy: "simple",
          },
        },
      );
      ctx.call(12, 1, ci, "RebootBroker", rp.broker(a));
      for (const t of [12, 13, 14, 15, 16]) ctx.call(t, 31, ci, "DescribeBroker", rp.broker(a));
      return [
        risky("*", "CreateConfiguration", 8),
        risky("*", "UpdateConfiguration", 9),
        risky(a, "UpdateBroker", 11),
        risky(a, "RebootBroker", 12),
      ];
    },
  },
  {
    name: "api-risky-delete-broker",
    durationMinutes: 30,
    meaning:
      "An operator decommissions `legacy-orders-71` from the CLI: DescribeBroker, then DeleteBroker (minute 9); the broker goes DELETION_IN_PROGRESS and is gone from minute 14. `orders-v2-71` carries on.",
    why: "A successful DeleteBroker by a person is a risky change, planned or not; the broker is still in the account's inventory when the call arrives.",
    build(ctx) {
      const legacy = ctx.amq("legacy-orders-71");
      ctx.amq("orders-v2-71");
      legacy.entry.stateChanges = [{ at: 9, BrokerState: "DELETION_IN_PROGRESS" }];
      legacy.entry.deletedAt = 14;
      const ops = actor(assumedRole(ctx.rng, "ops-admin", "s.oyelaran", { mfa: true, sessionStart: ctx.before(10) }), IP.vpn, UA.cliLinux);
      ctx.call(8, 22, ops, "DescribeBroker", rp.broker(legacy));
      ctx.call(9, 4, ops, "DeleteBroker", rp.broker(legacy), { response: { brokerId: legacy.id } });
      ctx.call(10, 10, ops, "DescribeBroker", rp.broker(legacy));
      return [risky(legacy, "DeleteBroker", 9)];
    },
  },
  {
    name: "api-risky-unknown-broker",
    durationMinutes: 45,
    meaning:
      "Terraform creates a new broker `search-index-72` (CreateBroker at minute 2, tagged with CreateTags, then polls DescribeBroker while it is created); the new broker is not in this account's broker inventory (`brokers`). At minute 26 an SRE adds a user to the new broker (CreateUser with its brokerId), and at minute 29 a user to the known `orders-core-72`.",
    why: "An ordinary CreateBroker (private, multi-AZ, upgrades on, no console user), a CreateTags on keys other than `mq-sentinel:*` and reads are not risky. The CreateUser on a brokerId that is not in the inventory is a risky change on `*`; the one on `orders-core-72` is a separate incident on that broker.",
    build(ctx) {
      const a = ctx.amq("orders-core-72");
      const tf = actor(
        assumedRole(ctx.rng, "github-actions-terraform", "GitHubActions", { sessionStart: ctx.before(-1) }),
        IP.githubRunner,
        UA.terraform,
      );
      const sre = actor(ssoSession(ctx.rng, "PlatformAdmin", "dana.kim", ctx.before(-20)), IP.office, UA.cliMac);
      const newId = `b-${uuid(ctx.rng)}`;
      const newArn = `arn:aws:mq:${REGION}:${ACCOUNT_ID}:broker:search-index-72:${newId}`;
      ctx.call(2, 17, tf, "CreateBroker", rp.createBroker(ctx.rng, "search-index-72", a.sgId, { by: "terraform" }), {
        response: { brokerArn: newArn, brokerId: newId },
      });
      ctx.call(2, 19, tf, "CreateTags", { resourceArn: newArn, tags: { team: "search", "cost-center": "4410" } });
      for (let t = 3; t <= 21; t += 3) ctx.call(t, 20, tf, "DescribeBroker", { brokerId: newId });
      ctx.call(25, 48, sre, "ListUsers", { brokerId: newId, maxResults: 100 });
      ctx.call(26, 5, sre, "CreateUser", rp.createUser(newId, "indexer", ["consumers"]));
      ctx.call(29, 33, sre, "CreateUser", rp.createUser(a.id, "indexer", ["producers"]));
      return [risky("*", "CreateUser", 26), risky(a, "CreateUser", 29)];
    },
  },
  {
    name: "api-root-activity",
    durationMinutes: 30,
    start: "2026-03-07T02:10:00Z",
    meaning:
      "At 02:15 UTC on a Saturday someone signs in to the console as the root user (the sign-in event, source aws.signin, is not an Amazon MQ event), lists brokers (minute 6), describes `payments-core-73` (7, again at 8) and reboots it (10; REBOOT_IN_PROGRESS for 4 minutes).",
    why: "Any successful call by the root user is a risky change, reads included: one incident per (broker, eventName): ListBrokers names no broker (`*`), DescribeBroker and RebootBroker name `payments-core-73`.",
    build(ctx) {
      const a = ctx.amq("payments-core-73", { queues: ["payment.authorize", "payment.settle"] });
      ctx.amq("payments-audit-73", { queues: ["payment.audit"] });
      a.entry.stateChanges = [
        { at: 10, BrokerState: "REBOOT_IN_PROGRESS" },
        { at: 14, BrokerState: "RUNNING" },
      ];
      const rootIdentity = rootUser(ctx.rng, iso(minuteOf(ctx.start, 5) + 2000));
      const root = actor(rootIdentity, IP.home, UA.edge, { console: true });
      ctx.deliver(5, signInEvent(ctx, 5, 2, rootIdentity, IP.home));
      ctx.call(6, 11, root, "ListBrokers", rp.listBrokers());
      ctx.call(7, 3, root, "DescribeBroker", rp.broker(a));
      ctx.call(8, 40, root, "DescribeBroker", rp.broker(a));
      ctx.call(10, 22, root, "RebootBroker", rp.broker(a));
      ctx.call(10, 24, root, "DescribeBroker", rp.broker(a));
      return [risky("*", "ListBrokers", 6), risky(a, "DescribeBroker", 7), risky(a, "RebootBroker", 10)];
    },
  },
  {
    name: "api-root-denied-by-scp",
    durationMinutes: 30,
    start: "2026-03-07T23:40:00Z",
    meaning:
      "The root user of this member account signs in (aws.signin event) and tries to list brokers (minute 12); an organization service control policy denies every root action, so ListBrokers fails with AccessDeniedException. Nothing else happens.",
    why: "A denial of the root user is an incident even for one read, and critical; the call failed, so it is not a risky change.",
    build(ctx) {
      ctx.amq("hr-events-74", { queues: ["hr.onboarding"] });
      const rootIdentity = rootUser(ctx.rng, iso(minuteOf(ctx.start, 11) + 30000));
      const root = actor(rootIdentity, IP.vps, UA.chrome, { console: true });
      ctx.deliver(11, signInEvent(ctx, 11, 30, rootIdentity, IP.vps));
      ctx.call(12, 8, root, "ListBrokers", rp.listBrokers(), { error: denied("AccessDeniedException", "scp") });
      return [unauthorized(rootIdentity, 12, "critical")];
    },
  },
  {
    name: "api-quiet-failed-risky",
    durationMinutes: 40,
    meaning:
      "Risky calls that fail: a CI job's CreateUser twice with a password that breaks the rules (BadRequestException, minutes 6-7), an SRE's UpdateBroker while another modification is in progress (ConflictException, 15), DeleteBroker of a broker that no longer exists and DeleteUser of an unknown user (NotFoundException, 22-23).",
    why: "A failed call changes nothing and none of these errors is an authorization failure: quiet.",
    build(ctx) {
      const a = ctx.amq("orders-core-75");
      const b = ctx.amq("billing-events-75", { queues: ["invoice.created"] });
      const ci = actor(
        assumedRole(ctx.rng, "github-actions-mq-deploy", "GitHubActions", { sessionStart: ctx.before(-5) }),
        IP.githubRunner,
        UA.jsSdkActions,
      );
      const sre = actor(ssoSession(ctx.rng, "PlatformAdmin", "dana.kim", ctx.before(-10)), IP.office, UA.cliMac);
      const badPassword = failed(
        "BadRequestException",
        "Password must be at least 12 characters long, must contain at least 4 unique characters, and must not contain commas, colons, or equal signs.",
      );
      const newUser = rp.createUser(a.id, "orders-api", ["producers"]);
      ctx.call(6, 33, ci, "CreateUser", newUser, { error: badPassword });
      ctx.call(7, 4, ci, "CreateUser", newUser, { error: badPassword });
      ctx.call(
        15,
        12,
        sre,
        "UpdateBroker",
        { brokerId: b.id, engineVersion: "5.18", autoMinorVersionUpgrade: true },
        {
          error: failed(
            "ConflictException",
            `Broker ${b.id} has a modification in progress. Retry after the current modification completes.`,
          ),
        },
      );
      const goneId = `b-${uuid(ctx.rng)}`;
      ctx.call(
        22,
        2,
        sre,
        "DeleteBroker",
        { brokerId: goneId },
        {
          error: failed("NotFoundException", `Can't find requested broker [${goneId}]. Make sure your broker exists.`),
        },
      );
      ctx.call(23, 45, sre, "DeleteUser", rp.user(a, "batch-old"), {
        error: failed("NotFoundException", `Can't find requested user [batch-old]. Make sure your user exists.`),
      });
      return [];
    },
  },
  {
    name: "api-malformed-events",
    durationMinutes: 30,
    meaning:
      "Garbage and look-alikes mixed with one real change: an empty object, an envelope without `detail`, `detail` as a truncated JSON string, `detail` null, eventName as a number, userIdentity as an array, a denied DescribeBroker whose userAgent is 200 KB, a root RebootInstances event from source aws.ec2, a root ConsoleLogin from aws.signin, and (minute 15, after another empty object) a real UpdateUser on `orders-core-76` by an SRE.",
    why: "Only the UpdateUser is a risky change. The 200 KB-userAgent call is a valid record: a single read-only denial by an in-account user, so nothing. Events of other sources or detail-types are ignored and malformed ones produce nothing.",
    build(ctx) {
      const a = ctx.amq("orders-core-76");
      const sre = actor(ssoSession(ctx.rng, "PlatformAdmin", "dana.kim", ctx.before(15)), IP.office, UA.cliMac);
      const qa = actor(iamUser(ctx.rng, "qa-runner"), IP.natGateway, () => hugeUserAgent(200 * 1024));
      const envelope = (at: number, sec: number) => cloudTrailEnvelope(uuid(ctx.rng), iso(minuteOf(ctx.start, at) + sec * 1000), undefined);
      ctx.deliver(3, {});
      ctx.deliver(5, envelope(5, 12));
      ctx.deliver(7, {
        ...envelope(7, 40),
        detail: '{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROA',
      });
      // A structurally valid record whose eventName is a number and one whose userIdentity is an array.
      const numbered = ctx.call(9, 2, sre, "DescribeBroker", rp.broker(a));
      numbered.detail.eventName = 42;
      const arrayed = ctx.call(11, 26, sre, "DescribeBroker", rp.broker(a));
      arrayed.detail.userIdentity = [arrayed.detail.userIdentity];
      ctx.call(12, 9, qa, "DescribeBroker", rp.broker(a), { error: denied("AccessDeniedException") });
      ctx.deliver(13, ec2RootEvent(ctx, 13, 30));
      ctx.deliver(14, signInEvent(ctx, 14, 1, rootUser(ctx.rng, iso(minuteOf(ctx.start, 14))), IP.vps));
      ctx.deliver(15, {});
      ctx.call(15, 37, sre, "UpdateUser", { brokerId: a.id, username: "ops", password: "***", consoleAccess: true, groups: ["admins"] });
      ctx.deliver(17, { ...envelope(17, 5), detail: null });
      return [risky(a, "UpdateUser", 15)];
    },
  },
  {
    name: "api-quiet-duplicate-denial",
    durationMinutes: 30,
    meaning:
      "A developer's denied DescribeBroker (minute 10) is delivered twice by EventBridge (same event id, again at minute 11); at minute 13 one other read of hers (ListUsers) is denied.",
    why: "Delivery is at least once: the same event id counts once, so she has 2 read-only denials in 15 minutes, not 3: quiet.",
    build(ctx) {
      const a = ctx.amq("inventory-77", { queues: ["stock.reserved"] });
      const dev = actor(ssoSession(ctx.rng, "Developer", "ana.souza", ctx.before(9)), IP.office, UA.cliMac);
      const deny = denied("AccessDeniedException");
      const first = ctx.call(10, 14, dev, "DescribeBroker", rp.broker(a), { error: deny });
      ctx.deliver(11, first);
      ctx.call(13, 50, dev, "ListUsers", rp.listUsers(a), { error: deny });
      return [];
    },
  },
  {
    name: "api-duplicate-risky-change",
    durationMinutes: 30,
    meaning:
      "An SRE's successful DeleteUser `contractor-tmp` on `fulfilment-78` (minute 8) is delivered twice by EventBridge (same event id, again at minute 10).",
    why: "One change, one incident: the redelivery must not open a second one.",
    build(ctx) {
      const a = ctx.amq("fulfilment-78", { queues: ["shipping.label"], users: ["app", "contractor-tmp"] });
      const sre = actor(assumedRole(ctx.rng, "ops-admin", "s.oyelaran", { mfa: true, sessionStart: ctx.before(2) }), IP.vpn, UA.cliLinux);
      const change = ctx.call(8, 45, sre, "DeleteUser", rp.user(a, "contractor-tmp"));
      ctx.deliver(10, change);
      return [risky(a, "DeleteUser", 8)];
    },
  },
  {
    name: "api-quiet-throttling-errors",
    durationMinutes: 40,
    meaning:
      "Terraform refreshes state against three brokers twice (starting at minutes 10 and 25) and exceeds the Amazon MQ request rate: 21 of its 45 DescribeBroker, ListUsers, DescribeUser and DescribeConfigurationRevision requests fail with ThrottlingException and are retried until they succeed. A Lambda asks ListBrokers for 500 results once a minute in minutes 18-21 and gets ValidationException each time.",
    why: "Throttling and validation errors are not authorization failures, however many: quiet.",
    build(ctx) {
      const brokers = [
        ctx.amq("orders-core-79"),
        ctx.amq("billing-events-79", { queues: ["invoice.created"] }),
        ctx.amq("crm-sync-79", { queues: ["crm.contacts"] }),
      ];
      const tf = actor(
        assumedRole(ctx.rng, "github-actions-terraform", "GitHubActions", { sessionStart: ctx.before(-9) }),
        IP.githubRunner,
        UA.terraform,
      );
      const lambda = actor(
        assumedRole(ctx.rng, "mq-report-role", "mq-report", { sessionStart: ctx.before(-17) }),
        IP.natGateway2,
        UA.boto3Lambda,
      );
      const throttled = failed("ThrottlingException", "Rate exceeded");
      let requests = 0;
      let throttledRequests = 0;
      for (const t0 of [10, 25]) {
        const burst = ctx.rng.fork(`burst-${t0}`);
        let sec = 2;
        for (const b of brokers) {
          for (const [op, params] of <[string, Params][]>[
            ["DescribeBroker", rp.broker(b)],
            ["ListUsers", rp.listUsers(b)],
            ["DescribeUser", rp.user(b, "app")],
            ["DescribeConfigurationRevision", rp.revision(b)],
          ]) {
            // Each call is throttled up to twice, then succeeds (the SDK retries with backoff).
            const tries = burst.int(0, 2);
            for (let k = 0; k <= tries; k++) {
              const t = t0 + Math.floor(sec / 60);
              ctx.call(t, sec % 60, tf, op, params, k < tries ? { error: throttled } : {});
              requests++;
              if (k < tries) throttledRequests++;
              sec += burst.int(1, 4);
            }
          }
        }
      }
      // The description states these numbers.
      if (requests !== 45 || throttledRequests !== 21)
        throw new Error(`throttling: ${throttledRequests} of ${requests}, update the description`);
      const invalid = failed(
        "ValidationException",
        "1 validation error detected: Value '500' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
      );
      for (const t of [18, 19, 20, 21]) ctx.call(t, 0, lambda, "ListBrokers", { maxResults: 500 }, { error: invalid });
      return [];
    },
  },
  {
    name: "api-attacker-strings",
    durationMinutes: 30,
    meaning:
      "A denied burst whose strings are hostile: the session name contains `@channel`, the userAgent starts with `<!channel>` and a `<https://evil.example/login|AWS console>` link and runs to 16 KB, the CreateUser/UpdateUser username holds `<!here> <@U024BE7LH> <https://evil.example/reset|reset> &` plus 5,000 characters, and error messages carry attacker text and long encoded blobs. Minute 11: denied CreateUser and two DescribeUser; minute 12: denied ListUsers and UpdateUser.",
    why: "A denied change (CreateUser) arrives at minute 11, and 3 denials too: an incident at 11. The strings must change nothing about detection (resource = the session ARN as it is).",
    build(ctx) {
      const a = ctx.amq("partner-gateway-80", { queues: ["partner.inbound"] });
      const session = assumedRole(ctx.rng, "partner-integration", "@channel=urgent@evil.example", { sessionStart: ctx.before(30) });
      const hostileUa = `<!channel> URGENT: approve the MFA reset now <https://evil.example/login|AWS console> & <@U024BE7LH> ${"<!everyone>&".repeat(1300)}`;
      const bad = actor(session, IP.tor, () => hostileUa);
      const hostileName = `<!here> <@U024BE7LH> <https://evil.example/reset|reset> & ${"A&<>".repeat(1250)}`;
      const blob = () => ` Encoded authorization failure message: ${ctx.rng.b64(3000)}`;
      ctx.call(
        11,
        4,
        bad,
        "CreateUser",
        { brokerId: a.id, username: hostileName, password: "***", consoleAccess: true, groups: ["admins"] },
        {
          error: denied("AccessDeniedException", "identity", blob()),
        },
      );
      ctx.call(11, 19, bad, "DescribeUser", rp.user(a, "<!channel>"), {
        error: denied("AccessDeniedException", "identity", " (user <!channel> <https://evil.example|x> & co)"),
      });
      ctx.call(11, 20, bad, "DescribeUser", rp.user(a, "admin"), { error: denied("AccessDeniedException", "identity", blob()) });
      ctx.call(12, 2, bad, "ListUsers", rp.listUsers(a), { error: denied("AccessDeniedException") });
      ctx.call(
        12,
        31,
        bad,
        "UpdateUser",
        { brokerId: a.id, username: hostileName, password: "***", groups: ["admins"] },
        {
          error: denied("AccessDeniedException", "identity", blob()),
        },
      );
      return [unauthorized(session, 11)];
    },
  },
  {
    name: "api-quiet-tags-and-create-broker",
    durationMinutes: 40,
    meaning:
      "Routine infrastructure work: Terraform creates a posture-compliant broker `reports-81` (CreateBroker at minute 5, then polls DescribeBroker), a FinOps engineer adds a `cost-center` tag to `orders-core-81` (CreateTags, 25) and removes a stale `temporary` tag (DeleteTags, 26), listing tags before and after.",
    why: "The CreateBroker asks for nothing risky (private, multi-AZ, upgrades on, no console user) and the tag calls touch no `mq-sentinel:*` key: neither is a risky change, and reads never are: quiet.",
    build(ctx) {
      const a = ctx.amq("orders-core-81");
      const tf = actor(
        assumedRole(ctx.rng, "github-actions-terraform", "GitHubActions", { sessionStart: ctx.before(-4) }),
        IP.githubRunner,
        UA.terraform,
      );
      const finops = actor(ssoSession(ctx.rng, "FinOps", "jules.martin", ctx.before(-22)), IP.office, UA.chrome, { console: true });
      const newId = `b-${uuid(ctx.rng)}`;
      ctx.call(5, 9, tf, "CreateBroker", rp.createBroker(ctx.rng, "reports-81", a.sgId, { by: "terraform" }), {
        response: { brokerArn: `arn:aws:mq:${REGION}:${ACCOUNT_ID}:broker:reports-81:${newId}`, brokerId: newId },
      });
      for (let t = 6; t <= 22; t += 4) ctx.call(t, 11, tf, "DescribeBroker", { brokerId: newId });
      ctx.call(24, 50, finops, "ListTags", { resourceArn: a.arn });
      ctx.call(25, 3, finops, "CreateTags", { resourceArn: a.arn, tags: { "cost-center": "4410" } });
      ctx.call(26, 14, finops, "DeleteTags", { resourceArn: a.arn, tagKeys: ["temporary"] });
      ctx.call(26, 16, finops, "ListTags", { resourceArn: a.arn });
      return [];
    },
  },
  {
    name: "api-quiet-spread-denials",
    durationMinutes: 45,
    meaning:
      "An on-call engineer's permission set lacks a few Amazon MQ reads; over 45 minutes four of her reads are denied, far apart (minutes 4, 12, 26 and 38: DescribeConfigurationRevision, ListUsers, DescribeUser, ListConfigurations), among successful ones.",
    why: "No 15-minute window ever holds 3 of her denials, all are reads and she is in-account: quiet.",
    build(ctx) {
      const a = ctx.amq("orders-core-82");
      const oncall = actor(ssoSession(ctx.rng, "OnCall", "rhea.patel", ctx.before(5)), IP.home, UA.cliLinux);
      const deny = denied("AccessDeniedException");
      ctx.call(3, 50, oncall, "DescribeBroker", rp.broker(a));
      ctx.call(4, 5, oncall, "DescribeConfigurationRevision", rp.revision(a), { error: deny });
      ctx.call(11, 58, oncall, "DescribeBroker", rp.broker(a));
      ctx.call(12, 7, oncall, "ListUsers", rp.listUsers(a), { error: deny });
      ctx.call(26, 21, oncall, "DescribeUser", rp.user(a, "app"), { error: deny });
      ctx.call(30, 2, oncall, "ListBrokers", rp.listBrokers());
      ctx.call(38, 40, oncall, "ListConfigurations", rp.listConfigurations(), { error: deny });
      return [];
    },
  },
  {
    name: "api-late-denied-burst",
    durationMinutes: 50,
    meaning:
      "A stolen CI session (`github-actions-mq-deploy`) is denied four Amazon MQ reads in minutes 4-6 and, at minute 9, a DeleteUser of the new `reporting` user is made by an SRE; CloudTrail and EventBridge deliver all of it late: the denials at minutes 25-26 (20 minutes after the calls), the DeleteUser at minute 34.",
    why: "Bursts are judged by the calls' eventTime: the four denials are within 15 minutes of each other, so the third, delivered at minute 26, makes the incident, however late. The late DeleteUser is still a risky change, due when it arrives (34).",
    build(ctx) {
      const a = ctx.amq("orders-core-83");
      const ci = actor(
        assumedRole(ctx.rng, "github-actions-mq-deploy", "GitHubActions", { sessionStart: ctx.before(10) }),
        IP.vps,
        UA.jsSdkActions,
      );
      const sre = actor(ssoSession(ctx.rng, "PlatformAdmin", "dana.kim", ctx.before(5)), IP.office, UA.cliMac);
      const deny = denied("AccessDeniedException");
      ctx.call(4, 12, ci, "ListBrokers", rp.listBrokers(), { error: deny, late: 21 });
      ctx.call(4, 40, ci, "DescribeBroker", rp.broker(a), { error: deny, late: 21 });
      ctx.call(5, 3, ci, "ListUsers", rp.listUsers(a), { error: deny, late: 21 });
      ctx.call(6, 27, ci, "DescribeUser", rp.user(a, "app"), { error: deny, late: 20 });
      ctx.call(9, 15, sre, "DeleteUser", rp.user(a, "reporting"), { late: 25 });
      return [unauthorized(ci.identity, 26), risky(a, "DeleteUser", 34)];
    },
  },
  {
    name: "api-quiet-arnless-callers",
    durationMinutes: 30,
    meaning:
      "Two callers that CloudTrail logs without an ARN are each denied twice in minutes 6-9: an AWS service (`userIdentity.type` AWSService, `invokedBy` config.amazonaws.com) describing brokers, and the IAM user `legacy-export`, logged by account and user name only.",
    why: "Callers are told apart by their identity key (the service, `<account>:<userName>`): two read-only denials each is below the rule. Counted under one name (`unknown`) they would be four.",
    build(ctx) {
      const a = ctx.amq("orders-core-84");
      const service = actor({ type: "AWSService", invokedBy: "config.amazonaws.com" }, null, null);
      const user = actor({ type: "IAMUser", accountId: ACCOUNT_ID, userName: "legacy-export" }, IP.natGateway, UA.boto3Lambda);
      const deny = denied("AccessDeniedException");
      ctx.call(6, 10, service, "DescribeBroker", rp.broker(a), { error: deny });
      ctx.call(7, 2, user, "ListBrokers", rp.listBrokers(), { error: deny });
      ctx.call(8, 30, service, "DescribeBroker", rp.broker(a), { error: deny });
      ctx.call(9, 5, user, "DescribeBroker", rp.broker(a), { error: deny });
      return [];
    },
  },
  {
    name: "api-arnless-callers-apart",
    durationMinutes: 30,
    meaning:
      "In minutes 5-10 an AWS service (`invokedBy` config.amazonaws.com, no ARN) is denied three DescribeBroker calls and the IAM user `legacy-export`, logged by account and user name only, three reads.",
    why: "Each crosses the rule on its own: two incidents, named `config.amazonaws.com` and `<account>:legacy-export`, never one `unknown`.",
    build(ctx) {
      const a = ctx.amq("orders-core-85");
      const b = ctx.amq("billing-events-85", { queues: ["invoice.created"] });
      const service = actor({ type: "AWSService", invokedBy: "config.amazonaws.com" }, null, null);
      const user = actor({ type: "IAMUser", accountId: ACCOUNT_ID, userName: "legacy-export" }, IP.natGateway, UA.boto3Lambda);
      const deny = denied("AccessDeniedException");
      ctx.call(5, 10, service, "DescribeBroker", rp.broker(a), { error: deny });
      ctx.call(5, 44, user, "ListBrokers", rp.listBrokers(), { error: deny });
      ctx.call(6, 10, service, "DescribeBroker", rp.broker(b), { error: deny });
      ctx.call(7, 20, user, "DescribeBroker", rp.broker(a), { error: deny });
      ctx.call(8, 10, service, "DescribeBroker", rp.broker(a), { error: deny });
      ctx.call(10, 2, user, "DescribeBroker", rp.broker(b), { error: deny });
      return [
        expectation("unauthorized-api", "*", "config.amazonaws.com", 8),
        expectation("unauthorized-api", "*", `${ACCOUNT_ID}:legacy-export`, 10),
      ];
    },
  },
  {
    name: "api-rotated-sessions",
    durationMinutes: 35,
    meaning:
      "Someone with the EC2 instance role `batch-worker-ec2` rotates the session name on every call (`i-0…-1` to `i-0…-4`) while probing Amazon MQ from a VPS: four denied reads in minutes 8-11, one per session. Meanwhile two sessions of the `reporting-lambda` role are denied one read each.",
    why: "No session crosses the rule alone, but the role's sessions together make 4 denials in 15 minutes: one incident on the role ARN, at the third (minute 10). The reporting role has 2 denials: nothing.",
    build(ctx) {
      const a = ctx.amq("orders-core-86");
      const sessions = [1, 2, 3, 4].map((k) =>
        actor(assumedRole(ctx.rng, "batch-worker-ec2", `i-0c2d4e6f8a0b1c2d${k}`, { sessionStart: ctx.before(20 - k) }), IP.vps, UA.cliKali),
      );
      const reporting = [1, 2].map((k) =>
        actor(assumedRole(ctx.rng, "reporting-lambda", `reporting-${k}`, { sessionStart: ctx.before(3) }), IP.natGateway2, UA.boto3Lambda),
      );
      const deny = denied("AccessDeniedException");
      ctx.call(8, 4, nth(sessions, 0), "ListBrokers", rp.listBrokers(), { error: deny });
      ctx.call(9, 11, nth(sessions, 1), "DescribeBroker", rp.broker(a), { error: deny });
      ctx.call(9, 30, nth(reporting, 0), "ListBrokers", rp.listBrokers(), { error: deny });
      ctx.call(10, 17, nth(sessions, 2), "ListUsers", rp.listUsers(a), { error: deny });
      ctx.call(11, 5, nth(sessions, 3), "ListConfigurations", rp.listConfigurations(), { error: deny });
      ctx.call(12, 40, nth(reporting, 1), "ListBrokers", rp.listBrokers(), { error: deny });
      const role = (nth(sessions, 0).identity.sessionContext as { sessionIssuer: { arn: string } }).sessionIssuer.arn;
      return [expectation("unauthorized-api", "*", role, 10)];
    },
  },
  {
    name: "api-ignore-tag-closes-incident",
    durationMinutes: 45,
    scoreKinds: [...API_KINDS, "consumer-lag"],
    meaning:
      "The consumers of `orders.created` on `orders-core-87` disconnect at minute 6 and never come back, so its backlog grows. At minute 22 a developer, allowed only mq:CreateTags, tags the broker `mq-sentinel:ignore=true` from the console.",
    why: "The queue without consumers is a consumer-lag incident once the first datapoint is visible (8). The ignore tag is a critical risky change naming who set it (22); it closes the consumer-lag incident as no longer watched (never as recovered), and the broker, now ignored, opens nothing more.",
    build(ctx) {
      const n = 45;
      const a = ctx.amq("orders-core-87", { queues: ["orders.created", "orders.audit"] });
      const mrng = ctx.rng.fork("metrics");
      const orders = amqQueue(mrng.fork("orders.created"), n, {
        name: "orders.created",
        enqueue: traffic(mrng.fork("orders.created/enqueue"), n, { base: 120, amp: 0.2, period: 30 }),
        consumers: steps(n, 3, [[6, 0]]),
        perConsumer: 95,
      });
      const audit = amqQueue(mrng.fork("orders.audit"), n, {
        name: "orders.audit",
        enqueue: traffic(mrng.fork("orders.audit/enqueue"), n, { base: 40, amp: 0.2, period: 35 }),
        consumers: 2,
        perConsumer: 60,
      });
      ctx.metrics.push(...amqMetrics(mrng.fork("broker"), n, a.name, [orders, audit]));
      const dev = actor(ssoSession(ctx.rng, "Developer", "li.wei", ctx.before(-15)), IP.office, UA.chrome, { console: true });
      ctx.call(21, 40, dev, "ListTags", { resourceArn: a.arn });
      ctx.call(22, 5, dev, "CreateTags", { resourceArn: a.arn, tags: { "mq-sentinel:ignore": "true" } });
      return [expectation("consumer-lag", a.name, "orders.created", 8), expectation("risky-change", a.name, "CreateTags", 22, "critical")];
    },
  },
  {
    name: "api-remediate-opt-in-tag",
    durationMinutes: 30,
    meaning:
      "An engineer tags `payments-core-88` `mq-sentinel:remediate=reboot` from the CLI at minute 7 (opting it in to automatic reboots), after adding an ordinary `owner` tag at minute 6.",
    why: "The opt-in tag is a control: a critical risky change naming who set it (7). The `owner` tag is not a control: nothing.",
    build(ctx) {
      const a = ctx.amq("payments-core-88", { queues: ["payment.authorize"] });
      const eng = actor(iamUser(ctx.rng, "marek.kowalski"), IP.vpn, UA.cliMac);
      ctx.call(6, 12, eng, "CreateTags", { resourceArn: a.arn, tags: { owner: "payments-team" } });
      ctx.call(7, 3, eng, "CreateTags", { resourceArn: a.arn, tags: { "mq-sentinel:remediate": "reboot" } });
      return [expectation("risky-change", a.name, "CreateTags", 7, "critical")];
    },
  },
  {
    name: "api-create-public-broker",
    durationMinutes: 45,
    scoreKinds: [...API_KINDS, "posture"],
    meaning:
      "A developer creates `reports-public-89` from the CLI at minute 3: publicly accessible, automatic minor version upgrades off. The broker is CREATION_IN_PROGRESS until minute 21, then RUNNING. `orders-core-89` runs all along.",
    why: "The CreateBroker asks for a public broker: a critical risky change at once (3), on the new broker (named by the response's brokerId). Once it runs (21) its posture is audited: public-access and auto-minor-upgrade-disabled, without waiting for the daily audit.",
    build(ctx) {
      ctx.amq("orders-core-89");
      const b = ctx.amq("reports-public-89", {
        queues: ["reports.requested"],
        describe: { BrokerState: "CREATION_IN_PROGRESS", PubliclyAccessible: true, AutoMinorVersionUpgrade: false },
        stateChanges: [{ at: 21, BrokerState: "RUNNING" }],
      });
      const dev = actor(iamUser(ctx.rng, "tomas.novak"), IP.vpn, UA.cliMac);
      ctx.call(
        3,
        31,
        dev,
        "CreateBroker",
        rp.createBroker(ctx.rng, b.name, b.sgId, { by: "cli", publiclyAccessible: true, autoMinorVersionUpgrade: false }),
        { response: { brokerArn: b.arn, brokerId: b.id } },
      );
      for (let t = 5; t <= 25; t += 5) ctx.call(t, 14, dev, "DescribeBroker", rp.broker(b));
      return [
        expectation("risky-change", b.name, "CreateBroker", 3, "critical"),
        expectation("posture", b.name, "public-access", 21),
        expectation("posture", b.name, "auto-minor-upgrade-disabled", 21),
      ];
    },
  },
];

/** A 200 KB-class user agent: a real prefix padded with repeated product tokens. */
function hugeUserAgent(bytes: number): string {
  const prefix = "aws-cli/2.22.35 md/awscrt#0.23.4 ua/2.0 os/linux#6.8.0-52-generic md/arch#x86_64 lang/python#3.12.6 ";
  const pad = "md/padding#0123456789abcdefghijklmnopqrstuvwxyz ";
  return (prefix + pad.repeat(Math.ceil(bytes / pad.length))).slice(0, bytes);
}

/** A root console sign-in (source aws.signin), which is not an Amazon MQ API call. */
function signInEvent(ctx: ApiContext, at: number, sec: number, rootIdentity: Identity, ip: string): ApiEvent {
  const time = iso(minuteOf(ctx.start, at) + sec * 1000);
  return eventBridgeEnvelope("aws.signin", "AWS Console Sign In via CloudTrail", uuid(ctx.rng), time, {
    eventVersion: "1.09",
    userIdentity: {
      type: "Root",
      principalId: ACCOUNT_ID,
      arn: `arn:aws:iam::${ACCOUNT_ID}:root`,
      accountId: ACCOUNT_ID,
      accessKeyId: "",
    },
    eventTime: time,
    eventSource: "signin.amazonaws.com",
    eventName: "ConsoleLogin",
    awsRegion: REGION,
    sourceIPAddress: ip,
    userAgent: UA.edge(),
    requestParameters: null,
    responseElements: { ConsoleLogin: "Success" },
    additionalEventData: {
      LoginTo: "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
      MobileVersion: "No",
      MFAUsed: "No",
    },
    eventID: uuid(ctx.rng),
    readOnly: false,
    eventType: "AwsConsoleSignIn",
    managementEvent: true,
    recipientAccountId: rootIdentity.accountId,
    eventCategory: "Management",
  });
}

/** A root user's successful EC2 call delivered as an aws.ec2 event: not Amazon MQ, so ignored. */
function ec2RootEvent(ctx: ApiContext, at: number, sec: number): ApiEvent {
  const time = iso(minuteOf(ctx.start, at) + sec * 1000);
  return eventBridgeEnvelope("aws.ec2", "AWS API Call via CloudTrail", uuid(ctx.rng), time, {
    eventVersion: "1.09",
    userIdentity: rootUser(ctx.rng, iso(minuteOf(ctx.start, at - 2))),
    eventTime: time,
    eventSource: "ec2.amazonaws.com",
    eventName: "RebootInstances",
    awsRegion: REGION,
    sourceIPAddress: IP.vps,
    userAgent: UA.chrome(),
    requestParameters: { instancesSet: { items: [{ instanceId: `i-0${ctx.rng.hex(16)}` }] } },
    responseElements: { _return: true },
    requestID: uuid(ctx.rng),
    eventID: uuid(ctx.rng),
    readOnly: false,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: ACCOUNT_ID,
    eventCategory: "Management",
    tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: `ec2.${REGION}.amazonaws.com` },
    sessionCredentialFromConsole: "true",
  });
}

// ---------------------------------------------------------------------------------------------------------
