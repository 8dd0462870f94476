import type { DetectionConfig } from "../config";
import { activeMqConnectionLimit, rabbitMqLimits } from "../instance-limits";
import { ACTIVEMQ_CONNECTION_LIMIT_METRICS } from "../metric-catalog";
import { at, lastIndex, round, slice } from "../series";
import {
  type BrokerObservation,
  compareSeverity,
  EngineType,
  type Finding,
  fingerprintOf,
  IncidentKind,
  type Judgement,
  type Series,
  Severity,
} from "../types";
import { forecastFull, percentOf, sustainedLevel } from "./levels";

/**
 * Connection exhaustion: connections (and RabbitMQ channels) against the broker's limit, held high,
 * or climbing steadily towards it (a client leaking connections), with a forecast of when it runs out.
 */

type ConnectionConfig = DetectionConfig["connections"];

interface Signal {
  what: "connections" | "channels";
  series: Series;
  limit: number;
  limitSource: string;
}

/** The connection limit ActiveMQ publishes (largest per-protocol limit), else the documented default. */
export function activeMqLimit(observation: BrokerObservation): { limit: number; source: string } {
  const published = ACTIVEMQ_CONNECTION_LIMIT_METRICS.map((m) => observation.limits[m] ?? 0);
  const limit = Math.max(...published);
  // CurrentConnectionsCount counts every protocol together while each protocol has its own limit:
  // comparing with the largest limit is exact when clients use one protocol, and never alarms early.
  if (limit > 0) return { limit, source: "published *MaximumConnections" };
  return {
    limit: activeMqConnectionLimit(observation.broker.instanceType),
    source: `documented limit for ${observation.broker.instanceType}`,
  };
}

function signalsOf(observation: BrokerObservation): Signal[] {
  const { broker, series } = observation;
  if (broker.engine === EngineType.activemq) {
    const { limit, source } = activeMqLimit(observation);
    return [{ what: "connections", series: series.CurrentConnectionsCount ?? [], limit, limitSource: source }];
  }
  const limits = rabbitMqLimits(broker.instanceType, broker.deploymentMode);
  if (!limits) return [];
  const source = `sizing guideline for ${broker.instanceType}`;
  return [
    { what: "connections", series: series.ConnectionCount ?? [], limit: limits.connections, limitSource: source },
    { what: "channels", series: series.ChannelCount ?? [], limit: limits.channels, limitSource: source },
  ];
}

/** Judges a broker's connections; at most one finding (the worst signal). */
export function detectConnectionExhaustion(observation: BrokerObservation, config: ConnectionConfig): Judgement {
  let evaluated = false;
  let worst: Finding | null = null;
  for (const signal of signalsOf(observation)) {
    const end = lastIndex(signal.series);
    if (end < 0) continue;
    evaluated = true;
    const finding = judge(observation, signal, end, config);
    if (finding && (!worst || compareSeverity(finding.severity, worst.severity) > 0)) worst = finding;
  }
  const fingerprint = fingerprintOf({ kind: IncidentKind.connectionExhaustion, broker: observation.broker.name, resource: null });
  return { judged: evaluated ? [fingerprint] : [], findings: worst ? [worst] : [] };
}

function judge(observation: BrokerObservation, signal: Signal, end: number, config: ConnectionConfig): Finding | null {
  const percent = percentOf(signal.series, signal.limit);
  const current = at(signal.series, end) as number;
  const currentPercent = round((current / signal.limit) * 100);
  const base = {
    kind: IncidentKind.connectionExhaustion,
    broker: observation.broker.name,
    resource: null,
    series: { [signal.what]: slice(signal.series, end, 30) },
  } as const;
  const evidence = {
    [signal.what]: round(current, 0),
    limit: signal.limit,
    percentOfLimit: currentPercent,
    limitSource: signal.limitSource,
  };

  const level = sustainedLevel(percent, end, {
    warnPercent: config.warnPercent,
    criticalPercent: config.criticalPercent,
    warnMinutes: config.sustainMinutes,
    // At the limit new clients are refused now: two minutes is enough to be sure it is not a blip.
    criticalMinutes: Math.min(2, config.sustainMinutes),
  });
  const forecast = forecastFull(percent, end, {
    windowMinutes: config.forecastWindowMinutes,
    minFit: config.forecastMinFit,
    minPercent: config.forecastMinPercent,
    horizonMinutes: config.forecastHorizonMinutes,
  });
  const forecastEvidence = forecast
    ? { minutesToLimit: forecast.minutesToFull, growthPerMinute: round((forecast.slopePerMinute / 100) * signal.limit, 1) }
    : { minutesToLimit: null, growthPerMinute: null };

  if (level) {
    const critical = level.severity === Severity.critical;
    return {
      ...base,
      severity: level.severity,
      condition: critical ? `${signal.what}-at-limit` : `${signal.what}-high`,
      summary: `${capitalize(signal.what)} at ${currentPercent}% of the limit (${round(current, 0)} of ${signal.limit})${critical ? ": new clients are about to be refused" : ` for ${level.minutes}+ min`}${forecast ? `; limit reached in ~${forecast.minutesToFull} min at the current climb` : ""}.`,
      evidence: { ...evidence, ...forecastEvidence },
    };
  }
  if (forecast) {
    return {
      ...base,
      severity: Severity.warning,
      condition: `${signal.what}-leak`,
      summary: `${capitalize(signal.what)} climbing steadily (+${forecastEvidence.growthPerMinute}/min, ${currentPercent}% of ${signal.limit}): the limit is reached in ~${forecast.minutesToFull} min. A client may be leaking ${signal.what}.`,
      evidence: { ...evidence, ...forecastEvidence, fit: forecast.fit },
    };
  }
  return null;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
