// Builds the real-day library scenarios (scenarios/real-cpu-*.json) from the vendored NAB days in
// test/fixtures/nab: each day played as one ActiveMQ broker's CpuUtilization, each 5-minute sample held
// for its 5 minutes. Run with `npm run scenarios:nab` (esbuild bundles it, node runs it); byte-identical
// on every run.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cpuDayScenario, holdSamples, parseNabCsv } from "../shared/sim/cpu-day-scenario";

interface Day {
  name: string;
  file: string;
  brokerName: string;
  description: string;
}

const DAYS: Day[] = [
  {
    name: "real-cpu-always-high",
    file: "ec2_cpu_utilization_825cc2_2014-04-14.csv",
    brokerName: "ledger-7",
    description:
      "A real day (NAB realAWSCloudwatch ec2_cpu_utilization_825cc2, 2014-04-14) as the broker's CpuUtilization: 90-98% all day, wobbling across the 95% critical level every few minutes. One incident, announced at once; severity hysteresis keeps it from flapping between warning and critical.",
  },
  {
    name: "real-cpu-bursty",
    file: "cpu_utilization_asg_misconfiguration_2014-05-20.csv",
    brokerName: "billing-3",
    description:
      "A real day (NAB realKnownCause cpu_utilization_asg_misconfiguration, 2014-05-20) as the broker's CpuUtilization: 24 bursts to ~100% from 30%, about an hour apart. One incident (a burst soon after the last re-opens it: the contract's one incident per fingerprint), marked flapping after the second burst.",
  },
  {
    name: "real-cpu-saturates",
    file: "ec2_cpu_utilization_ac20cd_2014-04-15.csv",
    brokerName: "search-9",
    description:
      "A real day (NAB realAWSCloudwatch ec2_cpu_utilization_ac20cd, 2014-04-15) as the broker's CpuUtilization: low for the first hour, then saturated at 97-100% for the rest of the day. One incident, announced within minutes of the saturation showing.",
  },
];

const SAMPLE_MINUTES = 5;
/** The default CPU warning rule: the floor over 5 minutes at or above 85%. */
const WARN_PERCENT = 85;
const SUSTAIN_MINUTES = 5;

const root = process.cwd();
for (const day of DAYS) {
  const samples = parseNabCsv(readFileSync(join(root, "test", "fixtures", "nab", day.file), "utf8"));
  const cpu = holdSamples(samples, SAMPLE_MINUTES);
  // The scenario library's labelling (scenarios/README.md): the first abnormal datapoint i of a
  // sustained condition makes from = i + 2 (visible one minute late), to = from + 10.
  const first = firstSustained(cpu);
  if (first === null) throw new Error(`${day.file}: never at ${WARN_PERCENT}% for ${SUSTAIN_MINUTES} min`);
  const scenario = cpuDayScenario({
    name: day.name,
    description: day.description,
    start: samples[0]?.at ?? "",
    brokerName: day.brokerName,
    cpu,
    expect: [{ kind: "resource-pressure", broker: day.brokerName, resource: "cpu", from: first + 2, to: first + 12 }],
  });
  writeFileSync(join(root, "scenarios", `${day.name}.json`), `${formatJson(scenario)}\n`);
  process.stdout.write(`scenarios/${day.name}.json: ${cpu.length} minutes, expected from ${first + 2}\n`);
}

/** JSON as the library's other generators write it: two-space indent, arrays of plain values on one line. */
function formatJson(value: unknown, indent = ""): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => v === null || typeof v !== "object")) return `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`).join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** The first datapoint of the first run of SUSTAIN_MINUTES at or above the warning level. */
function firstSustained(values: readonly number[]): number | null {
  let run = 0;
  for (let i = 0; i < values.length; i++) {
    run = (values[i] ?? 0) >= WARN_PERCENT ? run + 1 : 0;
    if (run >= SUSTAIN_MINUTES) return i - SUSTAIN_MINUTES + 1;
  }
  return null;
}
