import type { Broker } from "../types";

/**
 * What the posture audit knows about one broker: the DescribeBroker settings that matter for
 * Amazon MQ best practices, its ActiveMQ configuration, its security groups, and which of its queues
 * have slow consumers right now. The adapters gather these; the checks are pure functions of them.
 */

/** DescribeBroker settings the checks read; null where the API did not say. */
export interface BrokerSettings {
  publiclyAccessible: boolean | null;
  auditLog: boolean | null;
  generalLog: boolean | null;
  useAwsOwnedKey: boolean | null;
  kmsKeyId: string | null;
  autoMinorVersionUpgrade: boolean | null;
  authenticationStrategy: string | null;
  securityGroupIds: readonly string[];
  configurationId: string | null;
  configurationRevision: number | null;
  storageType: string | null;
}

/** One ingress rule of a security group (EC2 `IpPermissions`), flattened. */
export interface IngressRule {
  /** "tcp", "udp", "-1" (all) ... */
  protocol: string;
  fromPort: number | null;
  toPort: number | null;
  /** IPv4 and IPv6 ranges the rule opens to (`0.0.0.0/0`, `::/0`, ...). */
  cidrs: readonly string[];
}

export interface SecurityGroupRules {
  groupId: string;
  ingress: readonly IngressRule[];
}

/** Facts that could not be read carry the reason instead, so a check says it could not judge. */
export type Readable<T> = { ok: true; value: T } | { ok: false; error: string };

export interface PostureFacts {
  broker: Broker;
  settings: BrokerSettings;
  /** ActiveMQ only: the decoded XML of the current configuration revision; null for RabbitMQ. */
  configurationXml: Readable<string> | null;
  securityGroups: Readable<readonly SecurityGroupRules[]>;
  /** Queues of this broker with slow consumers now (open consumer-lag incidents, condition slow-consumers). */
  slowQueues: readonly string[];
}
