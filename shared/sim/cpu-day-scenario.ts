import { postureCleanActiveMq } from "./posture-clean-broker";

/**
 * A recorded CPU day played as one ActiveMQ broker's `CpuUtilization`: the real-day replays of the
 * bench and the library scenarios built from them (NAB `realAWSCloudwatch`, 5-minute samples, each
 * held for its 5 minutes). Every other broker-level series is flat and healthy, so whatever is
 * announced is about the CPU.
 */

/** One sample of a recorded series: its time and value. */
export interface CpuSample {
  at: string;
  value: number;
}

/** The samples of a NAB CSV file (`timestamp,value`, a header line, UTC timestamps `YYYY-MM-DD HH:MM:SS`). */
export function parseNabCsv(text: string): CpuSample[] {
  const samples: CpuSample[] = [];
  for (const line of text.split(/\r?\n/).slice(1)) {
    if (line.trim() === "") continue;
    const [stamp, raw] = line.split(",");
    const value = Number(raw);
    if (!stamp || !Number.isFinite(value)) throw new Error(`not a NAB sample: '${line}'`);
    samples.push({ at: `${stamp.trim().replace(" ", "T")}Z`, value });
  }
  return samples;
}

/** Per-minute values from samples `sampleMinutes` apart, each held until the next (values rounded to 0.001). */
export function holdSamples(samples: readonly CpuSample[], sampleMinutes: number): number[] {
  return samples.flatMap((s) => new Array<number>(sampleMinutes).fill(Math.round(s.value * 1000) / 1000));
}

export interface CpuDayInput {
  name: string;
  description: string;
  /** ISO start (the first sample's time). */
  start: string;
  brokerName: string;
  /** Per-minute CPU percent. */
  cpu: readonly number[];
  expect?: readonly Record<string, unknown>[];
}

const ACCOUNT = "123456789012";
const REGION = "us-east-1";

/** A scenario (the contract's JSON shape) with one compliant ActiveMQ active/standby broker running the CPU day. */
export function cpuDayScenario(input: CpuDayInput): Record<string, unknown> {
  const n = input.cpu.length;
  const name = input.brokerName;
  const id = `b-${hex(name, 8)}-${hex(`${name}a`, 4)}-${hex(`${name}b`, 4)}-${hex(`${name}c`, 4)}-${hex(`${name}d`, 12)}`;
  const node = `${name}-1`;
  const flat = (v: number) => new Array<number>(n).fill(v);
  const metric = (metric: string, values: readonly number[]) => ({
    namespace: "AWS/AmazonMQ",
    metric,
    dimensions: { Broker: node },
    statistic: "Average",
    values,
  });
  const sg = `sg-${hex(`${name}sg`, 17)}`;
  const endpoints = (k: number) => [
    `ssl://${id}-${k}.mq.${REGION}.amazonaws.com:61617`,
    `amqp+ssl://${id}-${k}.mq.${REGION}.amazonaws.com:5671`,
  ];
  return {
    name: input.name,
    description: input.description,
    start: input.start,
    durationMinutes: n,
    region: REGION,
    accountId: ACCOUNT,
    brokers: [
      {
        describe: {
          ...postureCleanActiveMq({ region: REGION, accountId: ACCOUNT, id, name, kmsKeyId: hex(`${name}kms`, 8) }),
          SecurityGroups: [sg],
          SubnetIds: ["subnet-05187faafd259a94a", "subnet-07f4877c3cbe520d2"],
          StorageType: "EFS",
          MaintenanceWindowStartTime: { DayOfWeek: "SUNDAY", TimeOfDay: "03:00", TimeZone: "UTC" },
          Created: "2014-01-01T12:00:00Z",
          BrokerInstances: [
            { ConsoleURL: `https://${id}-1.mq.${REGION}.amazonaws.com:8162`, Endpoints: endpoints(1), IpAddress: "10.20.119.25" },
            { ConsoleURL: `https://${id}-2.mq.${REGION}.amazonaws.com:8162`, Endpoints: endpoints(2), IpAddress: "10.20.181.207" },
          ],
          Users: [{ Username: "app" }, { Username: "ops" }],
          Tags: { environment: "production" },
          Configurations: { Current: { Id: `c-${hex(`${name}cfg`, 8)}`, Revision: 1 } },
        },
        configurationXml: AUTHORIZED_CONFIGURATION,
        securityGroups: [
          {
            GroupId: sg,
            GroupName: `${name}-mq`,
            Description: `Amazon MQ broker ${name}`,
            VpcId: "vpc-04c95e5e3d211084a",
            OwnerId: ACCOUNT,
            IpPermissions: [{ IpProtocol: "tcp", FromPort: 61617, ToPort: 61617, IpRanges: [{ CidrIp: "10.20.0.0/16" }] }],
          },
        ],
      },
    ],
    metrics: [
      metric("CpuUtilization", input.cpu),
      metric("HeapUsage", flat(45)),
      metric("StorePercentUsage", flat(3)),
      metric("TempPercentUsage", flat(0)),
      metric("CurrentConnectionsCount", flat(120)),
      metric("OpenwireMaximumConnections", flat(2000)),
      metric("AmqpMaximumConnections", flat(2000)),
      metric("StompMaximumConnections", flat(2000)),
      metric("MqttMaximumConnections", flat(2000)),
      metric("WsMaximumConnections", flat(2000)),
      metric("TotalMessageCount", flat(0)),
      metric("TotalConsumerCount", flat(8)),
    ],
    events: [],
    expect: input.expect ?? [],
    scoreKinds: ["consumer-lag", "connection-exhaustion", "resource-pressure", "broker-unhealthy"],
  };
}

const AUTHORIZED_CONFIGURATION = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<broker xmlns="http://activemq.apache.org/schema/core">
  <plugins>
    <authorizationPlugin>
      <map>
        <authorizationMap>
          <authorizationEntries>
            <authorizationEntry admin="admins" queue="&gt;" read="admins,consumers" write="admins,producers"/>
            <authorizationEntry admin="admins" read="admins,consumers,producers" topic="ActiveMQ.Advisory.&gt;" write="admins,consumers,producers"/>
          </authorizationEntries>
        </authorizationMap>
      </map>
    </authorizationPlugin>
  </plugins>
</broker>
`;

/** `digits` stable hex digits from a text (ids that look like AWS's, the same on every run). */
function hex(text: string, digits: number): string {
  let out = "";
  let h = 2166136261;
  while (out.length < digits) {
    for (const c of `${text}${out.length}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    out += h.toString(16).padStart(8, "0");
  }
  return out.slice(0, digits);
}
