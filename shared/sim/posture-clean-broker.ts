/**
 * The DescribeBroker fields of a RUNNING ActiveMQ active/standby broker on mq.m5.large whose settings
 * pass the posture checks (private, audit and general logs, a customer key, minor upgrades on), for
 * simulated accounts that want a healthy broker; the caller adds its network, instances and tags.
 */
export function postureCleanActiveMq(broker: {
  region: string;
  accountId: string;
  id: string;
  name: string;
  kmsKeyId: string;
}): Record<string, unknown> {
  const { region, accountId, id, name } = broker;
  return {
    BrokerId: id,
    BrokerName: name,
    BrokerArn: `arn:aws:mq:${region}:${accountId}:broker:${name}:${id}`,
    BrokerState: "RUNNING",
    DeploymentMode: "ACTIVE_STANDBY_MULTI_AZ",
    EngineType: "ACTIVEMQ",
    EngineVersion: "5.18",
    HostInstanceType: "mq.m5.large",
    PubliclyAccessible: false,
    AutoMinorVersionUpgrade: true,
    AuthenticationStrategy: "SIMPLE",
    EncryptionOptions: { UseAwsOwnedKey: false, KmsKeyId: `arn:aws:kms:${region}:${accountId}:key/${broker.kmsKeyId}` },
    Logs: { Audit: true, General: true },
  };
}
