/**
 * The words a scenario's author writes its expectations in, after Alertmanager's acceptance DSL
 * (`At(...)`, `Want(Between(...), ...)`): what must be opened, and in which window of minutes. They hold
 * no detection policy: the author says when a careful operator could see the problem and by when they
 * must be told; these only turn the labelling conventions of scenarios/README.md into minutes.
 */
import type { IncidentKind, Severity } from "../../shared/core/types";
import type { ExpectedRemediation, Expectation as ScenarioExpectation } from "../../shared/sim/scenario";

/** A window of scenario minutes, both ends included. */
export interface Window {
  from: number;
  to: number;
}

/** Minutes `[from, to]`. */
export function Between(from: number, to: number): Window {
  if (!(from <= to)) throw new Error(`window [${from}, ${to}] is empty`);
  return { from, to };
}

/** Scenario minute `t`: `At(t).plus(k)` is `t + k`, `At(t).within(k)` the window `[t, t + k]`. */
export function At(t: number) {
  return { minute: t, plus: (k: number) => t + k, within: (k: number) => Between(t, t + k) };
}

/** Default `publishDelayMinutes`: datapoint i is visible from minute i + 1 + delay. */
export const PUBLISH_DELAY = 1;
/** How long a careful operator may take to be told of a sharp condition. */
export const SHARP_WINDOW = 10;

/** The minute datapoint `i` (the minute starting at start + i) first becomes visible to GetMetricData. */
export const visibleAt = (i: number): number => i + 1 + PUBLISH_DELAY;
/** A sharp condition whose first abnormal datapoint is `i`: from its visibility, 10 minutes to tell. */
export const Sharp = (i: number): Window => At(visibleAt(i)).within(SHARP_WINDOW);
/** A slow condition: from the ramp's first datapoint to the datapoint by which one must know. */
export const Slow = (startIdx: number, mustKnowIdx: number): Window => Between(visibleAt(startIdx), visibleAt(mustKnowIdx));
/** A broker state change at `minute` (DescribeBroker answers at once: no publish delay). */
export const StateChange = (minute: number): Window => At(minute).within(SHARP_WINDOW);

/** An incident the scenario wants opened, in its window: the scenario file's `expect` entry (shared/sim). */
export type Expectation = ScenarioExpectation;

/** What is expected, before its window: kind, broker, and the resource of the fingerprint where it has one. */
export interface Incident {
  kind: IncidentKind;
  broker: string;
  resource?: string;
  severity?: Severity;
}

export const ConsumerLag = (broker: string, queue: string): Incident => ({ kind: "consumer-lag", broker, resource: queue });
export const ConnectionExhaustion = (broker: string): Incident => ({ kind: "connection-exhaustion", broker });
export type PressureResource = "cpu" | "heap" | "store" | "temp-store" | "memory" | "disk" | "file-descriptors";
export const ResourcePressure = (broker: string, resource: PressureResource): Incident => ({ kind: "resource-pressure", broker, resource });
export const BrokerUnhealthy = (broker: string): Incident => ({ kind: "broker-unhealthy", broker });
export const Posture = (broker: string, check: string, severity?: Severity): Incident => ({
  kind: "posture",
  broker,
  resource: check,
  ...(severity ? { severity } : {}),
});

/** The same incident, required to reach critical. */
export const Critical = (incident: Incident): Incident => ({ ...incident, severity: "critical" });

/** An incident wanted in a window: `Want(Sharp(23), ConsumerLag("billing", "payment.settle"))`. */
export function Want(window: Window, incident: Incident): Expectation {
  const { kind, broker, resource, severity } = incident;
  return {
    kind,
    broker,
    ...(resource !== undefined ? { resource } : {}),
    ...(severity ? { severity } : {}),
    from: window.from,
    to: window.to,
  };
}

/** A reboot (or its refusal) the scenario wants in a window, with the outcome it must have (shared/sim). */
export type RemediationExpectation = ExpectedRemediation;
