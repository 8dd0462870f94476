import type { DetectionConfig } from "../config";
import { type Broker, type BrokerUnhealthyCondition, type Finding, fingerprintOf, IncidentKind, type Judgement, Severity } from "../types";

/**
 * Broker unhealthy: a state other than RUNNING that should not last (CRITICAL_ACTION_REQUIRED,
 * CREATION_FAILED, a reboot that does not finish), or a RUNNING broker whose metrics stopped.
 * A planned failover from `-1` to `-2` is not a silence: the metric source follows the active node.
 */

type HealthConfig = DetectionConfig["brokerHealth"];

export interface HealthInput {
  broker: Broker;
  /** Minutes since the end of the newest broker-level datapoint (any node), or null when none is in the window. */
  dataAgeMinutes: number | null;
  /** The freshest data age among the other brokers this cycle (how late CloudWatch is right now), or null. */
  fleetDataAgeMinutes: number | null;
  /** The lowest data age seen for this broker so far: its usual publishing delay. */
  usualDataAgeMinutes: number | null;
  /** Minutes since the broker came back to RUNNING from a reboot, when one was seen. */
  minutesSinceReboot?: number | null;
  /** Codes from DescribeBroker `ActionsRequired`, when the broker needs an action. */
  actionsRequired?: readonly string[];
}

interface HealthVerdict {
  /** False when there is nothing to judge (e.g. the broker never published in the window). */
  evaluated: boolean;
  finding: Finding | null;
}

/** Judges one broker's health. */
export function detectBrokerUnhealthy(input: HealthInput, config: HealthConfig): Judgement {
  const verdict = judgeHealth(input, config);
  return {
    judged: verdict.evaluated ? [fingerprintOf({ kind: IncidentKind.brokerUnhealthy, broker: input.broker.name, resource: null })] : [],
    findings: verdict.finding ? [verdict.finding] : [],
  };
}

function judgeHealth(input: HealthInput, config: HealthConfig): HealthVerdict {
  const { broker } = input;
  const make = (
    severity: Severity,
    condition: BrokerUnhealthyCondition,
    summary: string,
    evidence: Record<string, string | number | null>,
    holdMinutes = 0,
  ): HealthVerdict => ({
    evaluated: true,
    finding: {
      kind: IncidentKind.brokerUnhealthy,
      broker: broker.name,
      resource: null,
      severity,
      condition,
      summary,
      evidence: { state: broker.state, ...evidence },
      holdMinutes,
    },
  });

  switch (broker.state) {
    case "CRITICAL_ACTION_REQUIRED": {
      const codes = input.actionsRequired?.length ? input.actionsRequired.join(", ") : "see the Amazon MQ console";
      return make(
        Severity.critical,
        "critical-action-required",
        `Broker ${broker.name} is CRITICAL_ACTION_REQUIRED: it runs degraded until someone acts (${codes}).`,
        { actionsRequired: codes },
      );
    }
    case "CREATION_FAILED":
      return make(Severity.critical, "creation-failed", `Broker ${broker.name} failed to create.`, {});
    case "REBOOT_IN_PROGRESS":
      // Every reboot passes through this state; only one that outlasts the grace period is a problem.
      return make(
        Severity.critical,
        "reboot-stuck",
        `Broker ${broker.name} has been rebooting for more than ${config.rebootGraceMinutes} min.`,
        { rebootGraceMinutes: config.rebootGraceMinutes },
        config.rebootGraceMinutes,
      );
    case "RUNNING":
      return judgeSilence(input, config, make);
    default:
      // CREATION_IN_PROGRESS, DELETION_IN_PROGRESS and REPLICA publish no metrics by design.
      return { evaluated: true, finding: null };
  }
}

function judgeSilence(
  input: HealthInput,
  config: HealthConfig,
  make: (
    severity: Severity,
    condition: BrokerUnhealthyCondition,
    summary: string,
    evidence: Record<string, string | number | null>,
  ) => HealthVerdict,
): HealthVerdict {
  const { dataAgeMinutes: age, fleetDataAgeMinutes: fleet, usualDataAgeMinutes: usual } = input;
  // A broker with no datapoint in the whole window cannot be told apart from one that never
  // published (new, or not yet visible): leave its state as it is.
  if (age == null) return { evaluated: false, finding: null };
  // After a reboot the metrics moved to another node (or restarted): no baseline yet to call a
  // silence a silence. The broker is RUNNING, which is all there is to judge.
  const since = input.minutesSinceReboot;
  if (since != null && since < config.afterRebootQuietMinutes) return { evaluated: true, finding: null };
  const baselines = [fleet, usual].filter((v): v is number => v != null);
  const expected = baselines.length ? Math.max(...baselines) : null;
  const silentBeyondUsual = expected != null && age - expected >= config.silentMinutes;
  const silentBeyondMax = age >= config.maxDataDelayMinutes;
  if (!silentBeyondUsual && !silentBeyondMax) return { evaluated: true, finding: null };
  return make(
    Severity.warning,
    "metrics-missing",
    `Broker ${input.broker.name} is RUNNING but has published no metrics for ${age} min (usually ${expected ?? "?"} min behind): it may be hung or unreachable.`,
    { dataAgeMinutes: age, usualDataAgeMinutes: expected },
  );
}
