import { DescribeSecurityGroupsCommand, type EC2Client, type IpPermission } from "@aws-sdk/client-ec2";
import {
  DescribeBrokerCommand,
  type DescribeBrokerResponse,
  DescribeConfigurationRevisionCommand,
  type MqClient,
} from "@aws-sdk/client-mq";
import type { BrokerSettings, IngressRule, PostureFacts, Readable, SecurityGroupRules } from "../core/posture/posture-facts";
import { type Broker, EngineType } from "../core/types";
import { describeError } from "../errors";
import type { Clock, PostureReader } from "../ports";
import { withRetry } from "./retry";

/**
 * `PostureReader` over Amazon MQ and EC2: DescribeBroker for the settings, DescribeConfigurationRevision
 * for the current ActiveMQ configuration (base64 XML), DescribeSecurityGroups for the ingress rules.
 * A part that cannot be read is returned as such, so only the checks that need it are left unjudged.
 */
export class AwsPostureReader implements PostureReader {
  constructor(
    private readonly mq: MqClient,
    private readonly ec2: EC2Client,
    private readonly clock: Clock,
  ) {}

  async factsFor(broker: Broker): Promise<Omit<PostureFacts, "slowQueues">> {
    const describe = await withRetry(
      "mq:DescribeBroker",
      this.clock,
      () => this.mq.send(new DescribeBrokerCommand({ BrokerId: broker.id })),
      { brokerId: broker.id },
    );
    const settings = settingsOf(describe);
    const [configurationXml, securityGroups] = await Promise.all([
      broker.engine === EngineType.activemq ? this.configuration(settings) : Promise.resolve(null),
      this.securityGroups(settings.securityGroupIds),
    ]);
    return { broker, settings, configurationXml, securityGroups };
  }

  private async configuration(settings: BrokerSettings): Promise<Readable<string>> {
    if (!settings.configurationId || settings.configurationRevision === null)
      return { ok: false, error: "DescribeBroker names no current configuration" };
    try {
      const out = await withRetry("mq:DescribeConfigurationRevision", this.clock, () =>
        this.mq.send(
          new DescribeConfigurationRevisionCommand({
            ConfigurationId: settings.configurationId as string,
            ConfigurationRevision: String(settings.configurationRevision),
          }),
        ),
      );
      if (!out.Data) return { ok: false, error: "the configuration revision has no data" };
      return { ok: true, value: Buffer.from(out.Data, "base64").toString("utf8") };
    } catch (error) {
      return { ok: false, error: describeError(error) };
    }
  }

  private async securityGroups(ids: readonly string[]): Promise<Readable<readonly SecurityGroupRules[]>> {
    if (ids.length === 0) return { ok: true, value: [] };
    try {
      const out = await withRetry("ec2:DescribeSecurityGroups", this.clock, () =>
        this.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [...ids] })),
      );
      return {
        ok: true,
        value: (out.SecurityGroups ?? []).map((g) => ({ groupId: g.GroupId ?? "?", ingress: (g.IpPermissions ?? []).map(ingressOf) })),
      };
    } catch (error) {
      return { ok: false, error: describeError(error) };
    }
  }
}

/** The posture-relevant settings of a DescribeBroker answer; absent fields stay null. */
export function settingsOf(d: DescribeBrokerResponse): BrokerSettings {
  const rabbit = (d.EngineType ?? "").toUpperCase() === EngineType.rabbitmq;
  return {
    publiclyAccessible: d.PubliclyAccessible ?? null,
    // Audit logs do not exist on RabbitMQ: an absent (or false) flag there is not a finding.
    auditLog: rabbit ? null : (d.Logs?.Audit ?? null),
    generalLog: d.Logs?.General ?? null,
    useAwsOwnedKey: d.EncryptionOptions?.UseAwsOwnedKey ?? null,
    kmsKeyId: d.EncryptionOptions?.KmsKeyId ?? null,
    autoMinorVersionUpgrade: d.AutoMinorVersionUpgrade ?? null,
    authenticationStrategy: d.AuthenticationStrategy ?? null,
    securityGroupIds: d.SecurityGroups ?? [],
    configurationId: d.Configurations?.Current?.Id ?? null,
    configurationRevision: d.Configurations?.Current?.Revision ?? null,
    storageType: d.StorageType ?? null,
  };
}

function ingressOf(p: IpPermission): IngressRule {
  const protocol = p.IpProtocol ?? "-1";
  return {
    protocol,
    // An all-traffic rule has no ports: it covers every one.
    fromPort: protocol === "-1" ? null : (p.FromPort ?? null),
    toPort: protocol === "-1" ? null : (p.ToPort ?? null),
    cidrs: [...(p.IpRanges ?? []).map((r) => r.CidrIp ?? ""), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6 ?? "")].filter(Boolean),
  };
}
