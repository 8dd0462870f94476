import type { BrokerSettings, PostureFacts, SecurityGroupRules } from "../../../shared/core/posture/posture-facts";
import type { Broker } from "../../../shared/core/types";
import { activeMqBroker as anActiveMqBroker, rabbitMqBroker as aRabbitMqBroker, fixedBroker } from "../../support/brokers";

/**
 * Hand-written inputs for the posture audit: small ActiveMQ configurations with the structures real ones
 * have (an authorization map, an LDAP map, plugins without authorization, an empty broker), and the facts of a
 * fully compliant broker of each engine, to be bent one setting at a time.
 */

export const AMQ_NAMESPACE = "http://activemq.apache.org/schema/core";

/** A `<broker>` in the ActiveMQ namespace around `body`, as Amazon MQ stores configurations. */
export function brokerXml(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<broker xmlns="${AMQ_NAMESPACE}">\n${body}\n</broker>\n`;
}

/** An authorization map with the given `authorizationEntry` lines, plus the usual temp-destination entry. */
export function authorizationMapXml(entries: readonly string[], extraPlugins = ""): string {
  return brokerXml(`  <plugins>
    <authorizationPlugin>
      <map>
        <authorizationMap>
          <authorizationEntries>
            ${entries.join("\n            ")}
          </authorizationEntries>
          <tempDestinationAuthorizationEntry>
            <tempDestinationAuthorizationEntry admin="tempAdmins" read="tempAdmins" write="tempAdmins"/>
          </tempDestinationAuthorizationEntry>
        </authorizationMap>
      </map>
    </authorizationPlugin>
    ${extraPlugins}
  </plugins>`);
}

/** A map scoped to groups: admins own `>`, applications get their own prefixes, advisories for all apps. */
export const SCOPED_MAP_XML = authorizationMapXml([
  '<authorizationEntry admin="admins" queue="&gt;" read="admins,users" write="admins"/>',
  '<authorizationEntry admin="admins" queue="billing.&gt;" read="billing-consumers" write="billing-producers"/>',
  '<authorizationEntry admin="admins,apps" read="apps" topic="ActiveMQ.Advisory.&gt;" write="apps"/>',
]);

/** An LDAP-backed authorization map (attributes over several lines, as in the AWS documentation). */
export const LDAP_MAP_XML = brokerXml(`  <plugins>
    <authorizationPlugin>
      <map>
        <cachedLDAPAuthorizationMap
            legacyGroupMapping="false"
            queueSearchBase="ou=Queue,ou=Destination,ou=Messaging,dc=example,dc=net"
            refreshInterval="300000"
            tempSearchBase="ou=Temp,ou=Destination,ou=Messaging,dc=example,dc=net"
            topicSearchBase="ou=Topic,ou=Destination,ou=Messaging,dc=example,dc=net"/>
      </map>
    </authorizationPlugin>
    <statisticsBrokerPlugin/>
  </plugins>`);

/** Plugins, but none that authorizes anything. */
export const PLUGINS_WITHOUT_AUTHORIZATION_XML = brokerXml(`  <plugins>
    <forcePersistencyModeBrokerPlugin persistenceFlag="true"/>
    <statisticsBrokerPlugin/>
    <timeStampingBrokerPlugin ttlCeiling="3600000" zeroExpirationOverride="3600000"/>
  </plugins>`);

/** The configuration Amazon MQ starts from when nobody edits it: an empty broker. */
export const EMPTY_BROKER_XML = brokerXml("");

/** A kahaDB persistence adapter with the given attributes, beside a scoped authorization map. */
export function kahaDbXml(attributes: string): string {
  return SCOPED_MAP_XML.replace("</broker>", `  <persistenceAdapter>\n    <kahaDB ${attributes}/>\n  </persistenceAdapter>\n</broker>`);
}

/** A compliant ActiveMQ active/standby pair tagged as production. */
export const activeMqBroker: Broker = fixedBroker(
  anActiveMqBroker("payments-amq", { tags: { environment: "production" } }),
  "b-5c0ffee0-0001",
);

/** A compliant RabbitMQ three-node cluster tagged as production. */
export const rabbitMqBroker: Broker = fixedBroker(
  aRabbitMqBroker("events-rmq", { tags: { Environment: "Production" } }),
  "b-5c0ffee0-0002",
);

const compliantSettings: BrokerSettings = {
  publiclyAccessible: false,
  auditLog: true,
  generalLog: true,
  useAwsOwnedKey: false,
  kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/0d7e5c1a-6f4b-4c55-9b1e-2f0a7c3d9e11",
  autoMinorVersionUpgrade: true,
  authenticationStrategy: "SIMPLE",
  securityGroupIds: ["sg-0a11"],
  configurationId: "c-0feed0001",
  configurationRevision: 7,
  storageType: "EFS",
};

/** One TCP ingress rule on a port range. */
export function tcp(fromPort: number, toPort: number, ...cidrs: string[]) {
  return { protocol: "tcp", fromPort, toPort, cidrs };
}

/** A security group with the given ingress rules. */
export function group(groupId: string, ...ingress: SecurityGroupRules["ingress"]): SecurityGroupRules {
  return { groupId, ingress };
}

/** What the audit sees for a compliant broker of the given engine, with any facts replaced. */
export function compliantFacts(
  broker: Broker = activeMqBroker,
  overrides: Partial<Omit<PostureFacts, "settings">> & { settings?: Partial<BrokerSettings> } = {},
): PostureFacts {
  const rabbit = broker.engine === "RABBITMQ";
  const ports = rabbit ? [5671, 443] : [61617, 8162];
  return {
    broker,
    configurationXml: rabbit ? null : { ok: true, value: SCOPED_MAP_XML },
    securityGroups: { ok: true, value: [group("sg-0a11", ...ports.map((p) => tcp(p, p, "10.40.0.0/16")))] },
    slowQueues: [],
    ...overrides,
    settings: { ...compliantSettings, ...(rabbit ? { auditLog: null } : {}), ...overrides.settings },
  };
}

/** The same broker with other tags or another deployment mode. */
export function withBroker(broker: Broker, changes: Partial<Broker>): Broker {
  return { ...broker, ...changes };
}
