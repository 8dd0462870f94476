import { clusterCpu, detectResourcePressure } from "../../../../shared/core/detectors/resource-pressure";
import { type BrokerObservation, fingerprintOf, IncidentKind, type Series, Severity } from "../../../../shared/core/types";
import {
  activeMqBroker,
  brokerWith,
  detection,
  flat,
  nodeMetrics,
  noisy,
  nulls,
  observation,
  rabbitMqBroker,
  ramp,
  sawtooth,
  series,
} from "../detector-fixtures";

/** File descriptors per node pinned to 10,000, so a three-node cluster has 30,000. */
const config = { ...detection.resources, fileDescriptorLimitPerNode: 10_000 };

const GIB = 1024 ** 3;
/** RabbitMQ's memory high watermark and free-disk limit, as the broker publishes them. */
const rabbitLimits = { RabbitMQMemLimit: 3.2 * GIB, RabbitMQDiskFreeLimit: 1 * GIB };

/** A healthy RabbitMQ broker's series, with some replaced. */
function rabbitObservation(overrides: Record<string, Series>, limits: Record<string, number> = rabbitLimits): BrokerObservation {
  return observation(rabbitMqBroker, {
    series: {
      SystemCpuUtilization: noisy(30, 10, 30),
      RabbitMQMemUsed: noisy(1.2 * GIB, 0.1 * GIB, 30),
      RabbitMQDiskFree: flat(40 * GIB, 30),
      RabbitMQFdUsed: noisy(3000, 200, 30),
      ...overrides,
    },
    limits,
  });
}

const NODES = ["rabbit@ip-10-0-1-11.ec2.internal", "rabbit@ip-10-0-2-22.ec2.internal", "rabbit@ip-10-0-3-33.ec2.internal"];
/** Per node: the memory high watermark and the free-disk limit. */
const nodeLimits = { RabbitMQMemLimit: 3.2 * GIB, RabbitMQDiskFreeLimit: 1 * GIB };

/**
 * A healthy three-node cluster read node by node (CPU ~30%, memory ~31% of each node's watermark,
 * 40x the free-disk limit, 1,000 of 10,000 file descriptors), with node k's series replaced by
 * `overrides[k]`. The broker-level resource series are not read then; the broker-level limits are.
 */
function clusterObservation(overrides: Record<string, Series>[], limits: Record<string, number>[] = []): BrokerObservation {
  return observation(rabbitMqBroker, {
    series: { ConnectionCount: flat(900, 30) },
    limits: { RabbitMQMemLimit: 3 * 3.2 * GIB, RabbitMQDiskFreeLimit: 3 * GIB },
    nodes: NODES.map((node, k) =>
      nodeMetrics(
        node,
        {
          SystemCpuUtilization: noisy(30, 5, 30, k + 1),
          RabbitMQMemUsed: noisy(1.0 * GIB, 0.05 * GIB, 30, k + 1),
          RabbitMQDiskFree: flat(40 * GIB, 30),
          RabbitMQFdUsed: noisy(1000, 50, 30, k + 1),
          ...(overrides[k] ?? {}),
        },
        limits[k] ?? nodeLimits,
      ),
    ),
  });
}

/** A healthy ActiveMQ broker's series, with some replaced. */
function activeObservation(overrides: Record<string, Series>): BrokerObservation {
  return observation(activeMqBroker, {
    series: {
      CpuUtilization: noisy(30, 10, 30),
      HeapUsage: sawtooth(30, 60, 6, 30),
      StorePercentUsage: flat(12, 30),
      TempPercentUsage: flat(2, 30),
      ...overrides,
    },
  });
}

interface PressureCase {
  situation: string;
  obs: BrokerObservation;
}

interface FiringCase extends PressureCase {
  resource: string;
  condition: string;
  severity: string;
}

const firing: FiringCase[] = [
  {
    situation: "ActiveMQ CPU holds a floor of 85%+ for 10 minutes",
    obs: activeObservation({ CpuUtilization: series(noisy(40, 10, 20), noisy(90, 3, 10)) }),
    resource: "cpu",
    condition: "cpu-high",
    severity: Severity.warning,
  },
  {
    situation: "ActiveMQ CPU holds a floor of 95%+ for 10 minutes",
    obs: activeObservation({ CpuUtilization: series(noisy(40, 10, 20), noisy(97, 2, 10)) }),
    resource: "cpu",
    condition: "cpu-critical",
    severity: Severity.critical,
  },
  {
    situation: "the ActiveMQ heap never falls below 90% between collections for 10 minutes",
    obs: activeObservation({ HeapUsage: series(sawtooth(35, 88, 6, 20), sawtooth(91, 99, 5, 10)) }),
    resource: "heap",
    condition: "heap-critical",
    severity: Severity.critical,
  },
  {
    situation: "the ActiveMQ heap never falls below 82% between collections for 10 minutes",
    obs: activeObservation({ HeapUsage: series(sawtooth(35, 88, 6, 20), sawtooth(82, 89, 5, 10)) }),
    resource: "heap",
    condition: "heap-high",
    severity: Severity.warning,
  },
  {
    situation: "the ActiveMQ store holds 82% for 3 minutes",
    obs: activeObservation({ StorePercentUsage: series(flat(70, 27), flat(82, 3)) }),
    resource: "store",
    condition: "store-high",
    severity: Severity.warning,
  },
  {
    situation: "the ActiveMQ store holds 96% for 3 minutes",
    obs: activeObservation({ StorePercentUsage: series(flat(70, 27), flat(96, 3)) }),
    resource: "store",
    condition: "store-critical",
    severity: Severity.critical,
  },
  {
    situation: "the ActiveMQ store fills steadily from 50%",
    obs: activeObservation({ StorePercentUsage: series(flat(45, 10), ramp(50, 70, 20)) }),
    resource: "store",
    condition: "store-filling",
    severity: Severity.warning,
  },
  {
    situation: "the ActiveMQ temp store holds 85% for 3 minutes",
    obs: activeObservation({ TempPercentUsage: series(flat(20, 27), flat(85, 3)) }),
    resource: "temp-store",
    condition: "temp-store-high",
    severity: Severity.warning,
  },
  {
    situation: "the ActiveMQ temp store holds 97% for 3 minutes",
    obs: activeObservation({ TempPercentUsage: series(flat(20, 27), flat(97, 3)) }),
    resource: "temp-store",
    condition: "temp-store-critical",
    severity: Severity.critical,
  },
  {
    situation: "the ActiveMQ temp store fills steadily from 50%",
    obs: activeObservation({ TempPercentUsage: series(flat(45, 10), ramp(50, 70, 20)) }),
    resource: "temp-store",
    condition: "temp-store-filling",
    severity: Severity.warning,
  },
  {
    situation: "RabbitMQ CPU holds a floor of 85%+ for 10 minutes",
    obs: rabbitObservation({ SystemCpuUtilization: series(noisy(40, 10, 20), noisy(90, 3, 10)) }),
    resource: "cpu",
    condition: "cpu-high",
    severity: Severity.warning,
  },
  {
    situation: "RabbitMQ CPU holds a floor of 95%+ for 10 minutes",
    obs: rabbitObservation({ SystemCpuUtilization: series(noisy(40, 10, 20), noisy(97, 2, 10)) }),
    resource: "cpu",
    condition: "cpu-critical",
    severity: Severity.critical,
  },
  {
    situation: "RabbitMQ memory holds 84% of the high watermark for 5 minutes",
    obs: rabbitObservation({ RabbitMQMemUsed: series(flat(1.5 * GIB, 25), flat(2.7 * GIB, 5)) }),
    resource: "memory",
    condition: "memory-high",
    severity: Severity.warning,
  },
  {
    situation: "RabbitMQ memory holds 97% of the high watermark for 5 minutes",
    obs: rabbitObservation({ RabbitMQMemUsed: series(flat(1.5 * GIB, 25), flat(3.1 * GIB, 5)) }),
    resource: "memory",
    condition: "memory-critical",
    severity: Severity.critical,
  },
  {
    situation: "RabbitMQ free disk stays below 2x the disk limit for 3 minutes",
    obs: rabbitObservation({ RabbitMQDiskFree: series(flat(5 * GIB, 27), flat(1.6 * GIB, 3)) }),
    resource: "disk",
    condition: "disk-high",
    severity: Severity.warning,
  },
  {
    situation: "RabbitMQ free disk stays below 1.1x the disk limit for 3 minutes",
    obs: rabbitObservation({ RabbitMQDiskFree: series(flat(5 * GIB, 27), flat(1.05 * GIB, 3)) }),
    resource: "disk",
    condition: "disk-critical",
    severity: Severity.critical,
  },
  {
    situation: "RabbitMQ free disk is gone for 3 minutes",
    obs: rabbitObservation({ RabbitMQDiskFree: series(flat(5 * GIB, 27), flat(0, 3)) }),
    resource: "disk",
    condition: "disk-critical",
    severity: Severity.critical,
  },
  {
    situation: "RabbitMQ holds 85% of the cluster's file descriptors for 5 minutes",
    obs: rabbitObservation({ RabbitMQFdUsed: series(flat(3000, 25), flat(25_500, 5)) }),
    resource: "file-descriptors",
    condition: "file-descriptors-high",
    severity: Severity.warning,
  },
  {
    situation: "RabbitMQ holds 97% of the cluster's file descriptors for 5 minutes",
    obs: rabbitObservation({ RabbitMQFdUsed: series(flat(3000, 25), flat(29_000, 5)) }),
    resource: "file-descriptors",
    condition: "file-descriptors-critical",
    severity: Severity.critical,
  },
  {
    situation: "one cluster node holds 97% of its memory watermark while the cluster's total reads ~52%",
    obs: clusterObservation([{ RabbitMQMemUsed: series(flat(1.0 * GIB, 25), flat(3.1 * GIB, 5)) }]),
    resource: "memory",
    condition: "memory-critical",
    severity: Severity.critical,
  },
  {
    situation: "one cluster node holds 84% of its memory watermark",
    obs: clusterObservation([{}, { RabbitMQMemUsed: series(flat(1.0 * GIB, 25), flat(2.7 * GIB, 5)) }]),
    resource: "memory",
    condition: "memory-high",
    severity: Severity.warning,
  },
  {
    situation: "a cluster node without its own limit read holds 97% of the broker's limit shared by three",
    obs: clusterObservation([{ RabbitMQMemUsed: series(flat(1.0 * GIB, 25), flat(3.1 * GIB, 5)) }], [{}]),
    resource: "memory",
    condition: "memory-critical",
    severity: Severity.critical,
  },
  {
    situation: "one cluster node's free disk stays below 1.1x its free-disk limit while the others have plenty",
    obs: clusterObservation([{}, {}, { RabbitMQDiskFree: series(flat(5 * GIB, 27), flat(1.05 * GIB, 3)) }]),
    resource: "disk",
    condition: "disk-critical",
    severity: Severity.critical,
  },
  {
    situation: "one cluster node holds 97% of its 10,000 file descriptors (the cluster 42%)",
    obs: clusterObservation([{ RabbitMQFdUsed: series(flat(1000, 25), flat(9_700, 5)) }]),
    resource: "file-descriptors",
    condition: "file-descriptors-critical",
    severity: Severity.critical,
  },
  {
    situation: "one cluster node's CPU holds a floor of 95%+ for 10 minutes",
    obs: clusterObservation([{}, { SystemCpuUtilization: series(noisy(40, 10, 20), noisy(97, 2, 10)) }]),
    resource: "cpu",
    condition: "cpu-critical",
    severity: Severity.critical,
  },
  {
    situation: "a cluster's broker-level CPU, published as the sum of its nodes, holds ~291 (97% a node)",
    obs: rabbitObservation({ SystemCpuUtilization: series(noisy(120, 20, 20), noisy(291, 6, 10)) }),
    resource: "cpu",
    condition: "cpu-critical",
    severity: Severity.critical,
  },
  {
    situation: "the ActiveMQ store fills steadily from 25%, full within the horizon",
    obs: activeObservation({ StorePercentUsage: series(flat(20, 10), ramp(25, 45, 20)) }),
    resource: "store",
    condition: "store-filling",
    severity: Severity.warning,
  },
  {
    situation: "the ActiveMQ heap's post-GC floor climbs from one collection to the next (a leak under the sawtooth)",
    obs: activeObservation({ HeapUsage: Array.from({ length: 30 }, (_, i) => 30 + 1.2 * i + 5 * (i % 6)) }),
    resource: "heap",
    condition: "heap-filling",
    severity: Severity.warning,
  },
  {
    situation: "RabbitMQ memory climbs steadily from 38% of its watermark",
    obs: rabbitObservation({ RabbitMQMemUsed: series(noisy(1.2 * GIB, 0.02 * GIB, 24), ramp(1.25 * GIB, 1.6 * GIB, 6)) }),
    resource: "memory",
    condition: "memory-filling",
    severity: Severity.warning,
  },
  {
    situation: "RabbitMQ free disk falls 9 GB a minute from 60x the disk-alarm limit: the alarm is minutes away",
    obs: rabbitObservation({ RabbitMQDiskFree: series(flat(60 * GIB, 26), ramp(60 * GIB, 33 * GIB, 4)) }),
    resource: "disk",
    condition: "disk-filling",
    severity: Severity.warning,
  },
  {
    situation: "RabbitMQ file descriptors climb steadily from 50%",
    obs: rabbitObservation({ RabbitMQFdUsed: series(flat(14_000, 10), ramp(15_000, 21_000, 20)) }),
    resource: "file-descriptors",
    condition: "file-descriptors-filling",
    severity: Severity.warning,
  },
];

const quiet: PressureCase[] = [
  {
    situation: "ActiveMQ CPU spikes to 99% for the last 3 minutes",
    obs: activeObservation({ CpuUtilization: series(noisy(40, 10, 27), flat(99, 3)) }),
  },
  {
    situation: "ActiveMQ CPU spiked to 99% for 2 minutes a few minutes ago",
    obs: activeObservation({ CpuUtilization: series(noisy(40, 10, 24), flat(99, 2), noisy(45, 5, 4)) }),
  },
  {
    situation: "ActiveMQ CPU has held 90% for only 9 minutes",
    obs: activeObservation({ CpuUtilization: series(noisy(40, 10, 21), flat(90, 9)) }),
  },
  {
    situation: "the ActiveMQ heap saws between 35% and 88% with every collection",
    obs: activeObservation({ HeapUsage: sawtooth(35, 88, 6, 30) }),
  },
  {
    situation: "the ActiveMQ store has held 82% for only 2 minutes",
    obs: activeObservation({ StorePercentUsage: series(flat(40, 28), flat(82, 2)) }),
  },
  { situation: "the ActiveMQ store sits flat at 60%", obs: activeObservation({ StorePercentUsage: flat(60, 30) }) },
  {
    situation: "the ActiveMQ store fills too slowly to be full within the horizon",
    obs: activeObservation({ StorePercentUsage: ramp(50, 55, 30) }),
  },
  {
    situation: "the ActiveMQ store sits below 10% with a little noise",
    obs: activeObservation({ StorePercentUsage: series(flat(5, 26), [5.5, 6, 6.6, 7.2]) }),
  },
  {
    situation: "the heap's post-GC floor holds while the collections come faster and the peaks rise",
    obs: activeObservation({ HeapUsage: series(sawtooth(32, 60, 8, 16), sawtooth(32, 90, 7, 14)) }),
  },
  {
    situation: "RabbitMQ memory climbs back to its usual 40% after a restart emptied it (no new high)",
    obs: rabbitObservation({ RabbitMQMemUsed: series(flat(1.3 * GIB, 20), flat(0.3 * GIB, 4), ramp(0.5 * GIB, 1.28 * GIB, 6)) }),
  },
  {
    situation: "RabbitMQ memory rose for four minutes with a burst and is falling again",
    obs: rabbitObservation({
      RabbitMQMemUsed: series(flat(1.2 * GIB, 24), [1.3 * GIB, 1.45 * GIB, 1.6 * GIB, 1.75 * GIB, 1.5 * GIB, 1.3 * GIB]),
    }),
  },
  {
    situation: "RabbitMQ free disk falls slowly, far from the disk-alarm limit (beyond the horizon)",
    obs: rabbitObservation({ RabbitMQDiskFree: ramp(40 * GIB, 38 * GIB, 30) }),
  },
  {
    situation: "RabbitMQ CPU spikes to 99% for the last 3 minutes",
    obs: rabbitObservation({ SystemCpuUtilization: series(noisy(40, 10, 27), flat(99, 3)) }),
  },
  {
    situation: "RabbitMQ memory holds 70% of the high watermark",
    obs: rabbitObservation({ RabbitMQMemUsed: flat(2.24 * GIB, 30) }),
  },
  {
    situation: "RabbitMQ memory touches 97% for only 4 minutes",
    obs: rabbitObservation({ RabbitMQMemUsed: series(flat(1.5 * GIB, 26), flat(3.1 * GIB, 4)) }),
  },
  { situation: "RabbitMQ free disk is 3x the disk limit", obs: rabbitObservation({ RabbitMQDiskFree: flat(3 * GIB, 30) }) },
  {
    situation: "RabbitMQ free disk dips below 2x the limit for 2 minutes",
    obs: rabbitObservation({ RabbitMQDiskFree: series(flat(5 * GIB, 28), flat(1.6 * GIB, 2)) }),
  },
  {
    situation: "a cluster's nodes are uneven but healthy (memory 62/45/31%, CPU 55/32/18%, free disk 4/12/20x)",
    obs: clusterObservation([
      {
        RabbitMQMemUsed: noisy(0.62 * 3.2 * GIB, 0.02 * GIB, 30),
        SystemCpuUtilization: noisy(55, 4, 30),
        RabbitMQDiskFree: flat(4 * GIB, 30),
      },
      {
        RabbitMQMemUsed: noisy(0.45 * 3.2 * GIB, 0.02 * GIB, 30),
        SystemCpuUtilization: noisy(32, 4, 30),
        RabbitMQDiskFree: flat(12 * GIB, 30),
      },
      {
        RabbitMQMemUsed: noisy(0.31 * 3.2 * GIB, 0.02 * GIB, 30),
        SystemCpuUtilization: noisy(18, 3, 30),
        RabbitMQDiskFree: flat(20 * GIB, 30),
      },
    ]),
  },
  {
    situation: "a cluster's broker-level CPU, published as the sum of its nodes, holds ~150 (50% a node)",
    obs: rabbitObservation({ SystemCpuUtilization: noisy(150, 8, 30) }),
  },
  {
    situation: "RabbitMQ file descriptors sit at 20% of the cluster's",
    obs: rabbitObservation({ RabbitMQFdUsed: noisy(6000, 300, 30) }),
  },
];

describe("detectResourcePressure", () => {
  it.each(firing)("raises $severity $condition when $situation", ({ obs, resource, condition, severity }) => {
    // Prepare
    const expectedFingerprint = `resource-pressure|${obs.broker.name}|${resource}`;

    // Act
    const { judged, findings } = detectResourcePressure(obs, config);

    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: IncidentKind.resourcePressure,
      broker: obs.broker.name,
      resource,
      condition,
      severity,
    });
    expect(fingerprintOf(findings[0] as (typeof findings)[number])).toBe(expectedFingerprint);
    expect(judged).toContain(expectedFingerprint);
  });

  it.each(quiet)("stays quiet but judges every resource when $situation", ({ obs }) => {
    // Act
    const { judged, findings } = detectResourcePressure(obs, config);

    // Assess
    expect(findings).toEqual([]);
    expect(judged).toHaveLength(4);
  });

  it("names the node at its watermark, and what the cluster's totals read, in one finding", () => {
    // Prepare: node 0 at 97%, the others at ~31%: the cluster's total is ~53%
    const obs = clusterObservation([{ RabbitMQMemUsed: series(flat(1.0 * GIB, 25), flat(3.1 * GIB, 5)) }]);

    // Act
    const { judged, findings } = detectResourcePressure(obs, config);

    // Assess
    expect(judged).toEqual([
      "resource-pressure|events-rmq|cpu",
      "resource-pressure|events-rmq|memory",
      "resource-pressure|events-rmq|disk",
      "resource-pressure|events-rmq|file-descriptors",
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.evidence).toMatchObject({ node: NODES[0], memUsedBytes: 3.1 * GIB, memLimitBytes: 3.2 * GIB, percentUsed: 96.9 });
    expect(findings[0]?.summary).toMatch(
      new RegExp(
        `^Node ${NODES[0]}: memory at 96.9% of its high watermark, at least 96.9% for 5 min; at 100% the memory alarm blocks publishers cluster-wide. The cluster's total reads 53(\\.\\d)?% of its memory limit.$`,
      ),
    );
  });

  it("opens one incident per resource when several nodes are under pressure: the worst node's", () => {
    // Prepare: node 1 at 84% (warning), node 2 at 97% (critical)
    const obs = clusterObservation([
      {},
      { RabbitMQMemUsed: series(flat(1.0 * GIB, 25), flat(2.7 * GIB, 5)) },
      { RabbitMQMemUsed: series(flat(1.0 * GIB, 25), flat(3.1 * GIB, 5)) },
    ]);

    // Act
    const { findings } = detectResourcePressure(obs, config);

    // Assess
    expect(findings.map((f) => [f.resource, f.severity, f.evidence.node])).toEqual([["memory", Severity.critical, NODES[2]]]);
  });

  it("judges a cluster on its nodes, not also on broker-level sums that happen to be in the observation", () => {
    // Prepare: broker-level memory says 98%, but every node is healthy
    const healthy = clusterObservation([]);
    const obs = { ...healthy, series: { ...healthy.series, RabbitMQMemUsed: flat(0.98 * 9.6 * GIB, 30) } };

    // Act
    const { judged, findings } = detectResourcePressure(obs, config);

    // Assess
    expect(findings).toEqual([]);
    expect(new Set(judged).size).toBe(judged.length);
  });

  it("judges a cluster on broker-level totals while its nodes have no data", () => {
    // Prepare
    const obs = {
      ...rabbitObservation({ RabbitMQMemUsed: series(flat(1.5 * GIB, 25), flat(3.1 * GIB, 5)) }),
      nodes: [nodeMetrics(NODES[0] as string, {})],
    };

    // Act
    const { findings } = detectResourcePressure(obs, config);

    // Assess
    expect(findings.map((f) => [f.resource, f.condition, f.evidence.node])).toEqual([["memory", "memory-critical", undefined]]);
  });

  it.each([
    {
      engine: "ActiveMQ",
      obs: activeObservation({}),
      resources: ["cpu", "heap", "store", "temp-store"],
    },
    {
      engine: "RabbitMQ",
      obs: rabbitObservation({}),
      resources: ["cpu", "memory", "disk", "file-descriptors"],
    },
  ])("judges every $engine resource whose series is there", ({ obs, resources }) => {
    // Act
    const { judged } = detectResourcePressure(obs, config);

    // Assess
    expect(judged).toEqual(resources.map((r) => `resource-pressure|${obs.broker.name}|${r}`));
  });

  it.each([
    {
      missing: "ActiveMQ heap, store and temp store",
      obs: observation(activeMqBroker, { series: { CpuUtilization: flat(20, 30) } }),
      judged: ["cpu"],
    },
    {
      missing: "an ActiveMQ store series that is all missing",
      obs: activeObservation({ StorePercentUsage: nulls(30) }),
      judged: ["cpu", "heap", "temp-store"],
    },
    {
      missing: "the RabbitMQ memory limit",
      obs: rabbitObservation({}, { RabbitMQDiskFreeLimit: 1 * GIB }),
      judged: ["cpu", "disk", "file-descriptors"],
    },
    {
      missing: "the RabbitMQ free-disk limit",
      obs: rabbitObservation({}, { RabbitMQMemLimit: 3.2 * GIB }),
      judged: ["cpu", "memory", "file-descriptors"],
    },
    {
      missing: "the RabbitMQ file-descriptor series",
      obs: observation(rabbitMqBroker, { series: { SystemCpuUtilization: flat(20, 30) } }),
      judged: ["cpu"],
    },
    {
      missing: "every series",
      obs: observation(activeMqBroker, { series: { CpuUtilization: nulls(30), HeapUsage: nulls(30) } }),
      judged: [],
    },
  ])("leaves out of judged what it cannot see: $missing", ({ obs, judged }) => {
    // Act
    const result = detectResourcePressure(obs, config);

    // Assess
    expect(result.judged).toEqual(judged.map((r) => `resource-pressure|${obs.broker.name}|${r}`));
    expect(result.findings).toEqual([]);
  });

  it("raises one finding per resource under pressure", () => {
    // Prepare
    const obs = activeObservation({
      CpuUtilization: flat(97, 30),
      StorePercentUsage: flat(96, 30),
    });

    // Act
    const { findings } = detectResourcePressure(obs, config);

    // Assess
    expect(findings.map((f) => [f.resource, f.severity])).toEqual([
      ["cpu", Severity.critical],
      ["store", Severity.critical],
    ]);
  });

  it("forecasts when a filling store is full", () => {
    // Prepare: 50% -> 70% over 20 minutes is about 1.05 points a minute, so ~28 minutes to 100%.
    const obs = activeObservation({ StorePercentUsage: series(flat(45, 10), ramp(50, 70, 20)) });

    // Act
    const { findings } = detectResourcePressure(obs, config);

    // Assess
    expect(findings[0]?.evidence).toMatchObject({ percentUsed: 70, floorPercent: null });
    expect(findings[0]?.evidence.minutesToFull).toBeGreaterThanOrEqual(27);
    expect(findings[0]?.evidence.minutesToFull).toBeLessThanOrEqual(30);
    expect(findings[0]?.summary).toContain("refuses persistent messages");
  });

  it("reports the heap's floor between collections, not its peaks", () => {
    // Prepare
    const obs = activeObservation({ HeapUsage: series(sawtooth(35, 88, 6, 20), sawtooth(91, 99, 5, 10)) });

    // Act
    const { findings } = detectResourcePressure(obs, config);

    // Assess
    expect(findings[0]?.evidence).toMatchObject({ floorPercent: 91, warnPercent: 80, criticalPercent: 90 });
  });

  it("measures RabbitMQ memory against the published high watermark", () => {
    // Prepare
    const obs = rabbitObservation({ RabbitMQMemUsed: flat(2.7 * GIB, 30) }, { ...rabbitLimits, RabbitMQMemLimit: 6.4 * GIB });

    // Act
    const { findings } = detectResourcePressure(obs, config);

    // Assess: 2.7 GiB is 84% of 3.2 GiB but only 42% of 6.4 GiB.
    expect(findings).toEqual([]);
  });

  it("shows free disk and its limit in bytes", () => {
    // Prepare
    const obs = rabbitObservation({ RabbitMQDiskFree: flat(1.6 * GIB, 30) });

    // Act
    const { findings } = detectResourcePressure(obs, config);

    // Assess
    expect(findings[0]?.evidence).toMatchObject({
      diskFreeBytes: 1.6 * GIB,
      diskFreeLimitBytes: 1 * GIB,
      warnPercent: 50,
      criticalPercent: 90.9,
    });
  });

  it.each([
    { mode: "CLUSTER_MULTI_AZ" as const, limit: 30_000 },
    { mode: "SINGLE_INSTANCE" as const, limit: 10_000 },
  ])("estimates the file-descriptor limit of a $mode broker as $limit", ({ mode, limit }) => {
    // Prepare
    const broker = brokerWith(rabbitMqBroker, { deploymentMode: mode });
    const obs = observation(broker, { series: { RabbitMQFdUsed: flat(limit * 0.97, 30) } });

    // Act
    const { findings } = detectResourcePressure(obs, config);

    // Assess
    expect(findings[0]?.evidence).toMatchObject({ estimatedLimit: limit, fileDescriptorsUsed: limit * 0.97 });
    expect(findings[0]?.severity).toBe(Severity.critical);
  });
});

describe("detectResourcePressure on RabbitMQ free disk", () => {
  // config.ts `fillForecastHorizonMinutes`: "Forecast store and disk exhaustion within this horizon (a
  // steady fill)": a disk filling steadily towards the alarm warns before free space is below 2x the limit.
  it("warns with a forecast when free disk falls steadily towards the disk limit", () => {
    // Prepare: 6 GiB -> 2.2 GiB free over 20 minutes (0.2 GiB a minute): the 1 GiB alarm in ~6 minutes.
    const obs = observation(rabbitMqBroker, {
      series: { RabbitMQDiskFree: series(flat(8 * GIB, 10), ramp(6 * GIB, 2.2 * GIB, 20)) },
      limits: rabbitLimits,
    });

    // Act
    const { findings } = detectResourcePressure(obs, config);

    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ resource: "disk", condition: "disk-filling", severity: Severity.warning });
    expect(findings[0]?.evidence.minutesToFull).not.toBeNull();
  });

  // config.ts: "warn below this multiple of the free-disk limit, critical below the second": free space
  // exactly at the multiple already raises the level meant for "below" it.
  it.each([
    { situation: "exactly 2x the limit free is a warning", free: 2 * GIB, expected: ["disk-high"] },
    { situation: "just above 2x the limit free raises nothing", free: 2.05 * GIB, expected: [] as string[] },
    { situation: "exactly 1.1x the limit free is critical", free: 1.1 * GIB, expected: ["disk-critical"] },
    { situation: "just above 1.1x the limit free is a warning", free: 1.15 * GIB, expected: ["disk-high"] },
  ])("treats the disk ratios as inclusive bounds (warn at or below 2x, critical at or below 1.1x): $situation", ({ free, expected }) => {
    // Prepare
    const obs = observation(rabbitMqBroker, { series: { RabbitMQDiskFree: flat(free, 30) }, limits: rabbitLimits });

    // Act
    const { findings } = detectResourcePressure(obs, config);

    // Assess
    expect(findings.map((f) => f.condition)).toEqual(expected);
  });
});

describe("clusterCpu", () => {
  it.each<{ situation: string; values: (number | null)[]; nodes: number; percent: (number | null)[]; reading: string }>([
    { situation: "a cluster's values over 100: a sum", values: [150, 90, null], nodes: 3, percent: [50, 30, null], reading: "sum" },
    { situation: "a cluster's values up to 100: as published", values: [90, 95], nodes: 3, percent: [90, 95], reading: "as-published" },
    { situation: "a single instance: always as published", values: [120], nodes: 1, percent: [120], reading: "as-published" },
  ])("reads $situation", ({ values, nodes, percent, reading }) => {
    expect(clusterCpu(values, nodes)).toEqual({ percent, reading });
  });
});
