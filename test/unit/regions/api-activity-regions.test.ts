import { type BrokerSummary, ListBrokersCommand, MqClient } from "@aws-sdk/client-mq";
import { mockClient } from "aws-sdk-client-mock";
import { makeApiActivityHandler } from "../../../functions/api-activity";
import { MqBrokerDirectory } from "../../../shared/adapters/mq-broker-directory";
import { RegionalBrokerDirectory } from "../../../shared/adapters/regional";
import { qualifiedBrokerName } from "../../../shared/core/regions";
import { IncidentKind } from "../../../shared/core/types";
import { amazonMqApiEvent, BROKER_ID, principalArn, updateBrokerParameters } from "../../fixtures/cloudtrail/events";
import { apiWorld, lambdaContext } from "../api/fakes";

const HOME = "us-east-1";
const OTHER = "eu-west-1";

function summary(name: string): BrokerSummary {
  return {
    BrokerId: BROKER_ID,
    BrokerName: name,
    BrokerState: "RUNNING",
    EngineType: "ACTIVEMQ",
    DeploymentMode: "ACTIVE_STANDBY_MULTI_AZ",
  };
}

/**
 * The api-activity handler of a deployment at home in us-east-1 that also watches eu-west-1, with the
 * broker directory api-activity builds (one MqBrokerDirectory per event region, over stubbed clients).
 * The same broker id answers `orders` in both regions, so only the region tells the names apart.
 */
function twoRegionApiWorld() {
  const world = apiWorld();
  const stubs = new Map<string, ReturnType<typeof mockClient>>();
  const directory = new RegionalBrokerDirectory(HOME, (region) => {
    const client = new MqClient({ region, credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 });
    const stub = mockClient(client);
    stub.on(ListBrokersCommand).resolves({ BrokerSummaries: [summary("orders")] });
    stubs.set(region, stub);
    return new MqBrokerDirectory(client, world.clock, 5 * 60_000, (name) => qualifiedBrokerName(name, region, HOME));
  });
  const deps = { ...world.deps, directory, links: { accountId: "", region: HOME, brokerIds: {} } };
  const handler = makeApiActivityHandler(deps);
  return { ...world, stubs, handle: (event: unknown) => handler(event, lambdaContext) };
}

describe("api-activity over two regions", () => {
  it.each([
    { where: "an eu-west-1 event", region: OTHER, brokerName: "eu-west-1/orders" },
    { where: "a home-region event", region: HOME, brokerName: "orders" },
  ])("asks the event's region for the broker of $where, names it $brokerName and re-checks it there", async ({ region, brokerName }) => {
    // Prepare
    const w = twoRegionApiWorld();
    const event = amazonMqApiEvent({
      eventName: "UpdateBroker",
      identity: "assumed-role",
      region,
      requestParameters: updateBrokerParameters({ configuration: { id: "c-1234", revision: 5 } }),
    });
    // Act
    await w.handle(event);
    // Assess
    expect(w.posture.requested).toEqual([
      {
        brokerId: BROKER_ID,
        brokerName,
        configurationId: null,
        region,
        reason: `UpdateBroker by ${principalArn("assumed-role")}`,
      },
    ]);
    expect([...w.stubs.keys()]).toEqual([region]);
  });

  it("opens a risky-change incident of an eu-west-1 reboot on `eu-west-1/orders`", async () => {
    // Prepare
    const w = twoRegionApiWorld();
    // Act
    const outcome = await w.handle(amazonMqApiEvent({ eventName: "RebootBroker", identity: "assumed-role", region: OTHER }));
    // Assess
    expect(outcome.transitions.map((t) => [t.type, t.incident.kind, t.incident.broker])).toEqual([
      ["opened", IncidentKind.riskyChange, "eu-west-1/orders"],
    ]);
  });
});
