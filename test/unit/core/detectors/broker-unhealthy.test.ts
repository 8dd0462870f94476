import { detectBrokerUnhealthy, type HealthInput } from "../../../../shared/core/detectors/broker-unhealthy";
import { type BrokerState, fingerprintOf, IncidentKind, Severity } from "../../../../shared/core/types";
import { activeMqBroker, brokerWith, detection, rabbitMqBroker } from "../detector-fixtures";

const config = detection.brokerHealth;

/** A RUNNING broker publishing on time (one minute behind, like the fleet), with some facts replaced. */
function health(overrides: Partial<HealthInput> & { state?: BrokerState } = {}): HealthInput {
  const { state, ...rest } = overrides;
  const broker = state ? brokerWith(rest.broker ?? activeMqBroker, { state }) : (rest.broker ?? activeMqBroker);
  return { dataAgeMinutes: 1, fleetDataAgeMinutes: 1, usualDataAgeMinutes: 1, ...rest, broker };
}

describe("detectBrokerUnhealthy", () => {
  it.each([
    { engine: "ActiveMQ", broker: activeMqBroker },
    { engine: "RabbitMQ", broker: rabbitMqBroker },
  ])("raises critical-action-required with the action codes on the $engine broker", ({ broker }) => {
    // Prepare
    const input = health({
      broker,
      state: "CRITICAL_ACTION_REQUIRED",
      actionsRequired: ["INVALID_KMS_KEY", "BROKER_STORAGE_FULL"],
      dataAgeMinutes: null,
    });

    // Act
    const { judged, findings } = detectBrokerUnhealthy(input, config);

    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: IncidentKind.brokerUnhealthy,
      broker: broker.name,
      resource: null,
      severity: Severity.critical,
      condition: "critical-action-required",
    });
    expect(findings[0]?.summary).toContain("INVALID_KMS_KEY, BROKER_STORAGE_FULL");
    expect(findings[0]?.evidence).toMatchObject({
      state: "CRITICAL_ACTION_REQUIRED",
      actionsRequired: "INVALID_KMS_KEY, BROKER_STORAGE_FULL",
    });
    expect(judged).toEqual([`broker-unhealthy|${broker.name}|`]);
  });

  it("points to the console when CRITICAL_ACTION_REQUIRED comes without action codes", () => {
    // Prepare
    const input = health({ state: "CRITICAL_ACTION_REQUIRED", actionsRequired: [] });

    // Act
    const { findings } = detectBrokerUnhealthy(input, config);

    // Assess
    expect(findings[0]?.summary).toContain("see the Amazon MQ console");
  });

  it("raises critical creation-failed for a broker that failed to create", () => {
    // Prepare
    const input = health({ state: "CREATION_FAILED", dataAgeMinutes: null, usualDataAgeMinutes: null });

    // Act
    const { judged, findings } = detectBrokerUnhealthy(input, config);

    // Assess
    expect(findings.map((f) => [f.condition, f.severity])).toEqual([["creation-failed", Severity.critical]]);
    expect(judged).toEqual(["broker-unhealthy|orders-amq|"]);
  });

  it.each([
    { engine: "ActiveMQ", broker: activeMqBroker },
    { engine: "RabbitMQ", broker: rabbitMqBroker },
  ])("holds the $engine broker's reboot for the grace period before it counts", ({ broker }) => {
    // Prepare: a rebooting broker publishes nothing; the silence must not be what fires.
    const input = health({ broker, state: "REBOOT_IN_PROGRESS", dataAgeMinutes: 30 });

    // Act
    const { findings } = detectBrokerUnhealthy(input, config);

    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ condition: "reboot-stuck", severity: Severity.critical, holdMinutes: config.rebootGraceMinutes });
    expect(findings[0]?.holdMinutes).toBe(20);
  });

  it.each(["CREATION_IN_PROGRESS", "DELETION_IN_PROGRESS", "REPLICA"])(
    "raises nothing for a %s broker, which publishes no metrics by design",
    (state) => {
      // Prepare
      const input = health({ state, dataAgeMinutes: null, fleetDataAgeMinutes: 1, usualDataAgeMinutes: null });

      // Act
      const { judged, findings } = detectBrokerUnhealthy(input, config);

      // Assess
      expect(findings).toEqual([]);
      expect(judged).toEqual(["broker-unhealthy|orders-amq|"]);
    },
  );

  it.each([
    { situation: "data as fresh as usual", dataAgeMinutes: 2, fleetDataAgeMinutes: 2, usualDataAgeMinutes: 2 },
    { situation: "data 4 minutes behind its usual delay", dataAgeMinutes: 6, fleetDataAgeMinutes: 1, usualDataAgeMinutes: 2 },
    {
      situation: "data late because CloudWatch is late for the whole fleet",
      dataAgeMinutes: 9,
      fleetDataAgeMinutes: 8,
      usualDataAgeMinutes: 2,
    },
    { situation: "a broker that always publishes late", dataAgeMinutes: 10, fleetDataAgeMinutes: 1, usualDataAgeMinutes: 6 },
    { situation: "data 14 minutes old and no baseline", dataAgeMinutes: 14, fleetDataAgeMinutes: null, usualDataAgeMinutes: null },
  ])("stays quiet on a RUNNING broker with $situation", (ages) => {
    // Prepare
    const input = health(ages);

    // Act
    const { judged, findings } = detectBrokerUnhealthy(input, config);

    // Assess
    expect(findings).toEqual([]);
    expect(judged).toEqual(["broker-unhealthy|orders-amq|"]);
  });

  it.each([
    { situation: "5 minutes beyond its usual delay", dataAgeMinutes: 7, fleetDataAgeMinutes: null, usualDataAgeMinutes: 2, expected: 2 },
    {
      situation: "5 minutes behind the rest of the fleet",
      dataAgeMinutes: 6,
      fleetDataAgeMinutes: 1,
      usualDataAgeMinutes: null,
      expected: 1,
    },
    {
      situation: "silent beyond both the fleet and its usual delay",
      dataAgeMinutes: 9,
      fleetDataAgeMinutes: 1,
      usualDataAgeMinutes: 3,
      expected: 3,
    },
    {
      situation: "15 minutes old with no baseline at all",
      dataAgeMinutes: 15,
      fleetDataAgeMinutes: null,
      usualDataAgeMinutes: null,
      expected: null,
    },
    {
      situation: "15 minutes old while the whole fleet is as late",
      dataAgeMinutes: 15,
      fleetDataAgeMinutes: 14,
      usualDataAgeMinutes: 12,
      expected: 14,
    },
  ])("warns that a RUNNING broker's metrics are missing when its data is $situation", ({ expected, ...ages }) => {
    // Prepare
    const input = health(ages);

    // Act
    const { judged, findings } = detectBrokerUnhealthy(input, config);

    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ condition: "metrics-missing", severity: Severity.warning });
    expect(findings[0]?.evidence).toMatchObject({ state: "RUNNING", dataAgeMinutes: ages.dataAgeMinutes, usualDataAgeMinutes: expected });
    expect(judged).toEqual([fingerprintOf(findings[0] as (typeof findings)[number])]);
  });

  it("warns for a silent RabbitMQ broker too", () => {
    // Prepare
    const input = health({ broker: rabbitMqBroker, dataAgeMinutes: 8, fleetDataAgeMinutes: 1, usualDataAgeMinutes: 1 });

    // Act
    const { judged, findings } = detectBrokerUnhealthy(input, config);

    // Assess
    expect(findings.map((f) => [f.broker, f.condition])).toEqual([["events-rmq", "metrics-missing"]]);
    expect(judged).toEqual(["broker-unhealthy|events-rmq|"]);
  });

  it("does not judge a RUNNING broker with no datapoint in the window", () => {
    // Prepare
    const input = health({ dataAgeMinutes: null, fleetDataAgeMinutes: 1, usualDataAgeMinutes: 1 });

    // Act
    const result = detectBrokerUnhealthy(input, config);

    // Assess
    expect(result).toEqual({ judged: [], findings: [] });
  });
});
