import type { DetectionConfig } from "../config";
import { activeMqConnectionLimit, rabbitMqLimits } from "../instance-limits";
import { ACTIVEMQ_CONNECTION_LIMIT_METRICS } from "../metric-catalog";
import { at, lastIndex, round, slice } from "../series";
import {
  type BrokerObservation,
  type ConnectionSignal,
  EngineType,
  type Finding,
  fingerprintOf,
  IncidentKind,
  type Judgement,
  type Series,
  Severity,
} from "../types";
import { forecastFull, forecastTime, percentOf, sustainedLevel, worseFinding } from "./levels";

/**
 * Connection exhaustion: connections (and RabbitMQ channels) against the broker's limit, held high,
 * or climbing steadily towards it (a client leaking connections), with a forecast of when it runs out.
 * RabbitMQ limits apply per node: a cluster that publishes its per-node counts (RabbitMQ 4.2+) is
 * judged node by node (the worst node wins), otherwise its broker-level sum against nodes x limit.
 */

type ConnectionConfig = DetectionConfig["connections"];

interface Signal {
  what: ConnectionSignal;
  series: Series;
  limit: number;
  limitSource: string;
  /** The RabbitMQ node the series is of; absent for a broker-level series. */
  node?: string;
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
  const limits = rabbitMqLimits(broker, observation.configuredLimits ?? null);
  const perNode = (observation.nodes ?? []).filter(
    (n) => lastIndex(n.series.ConnectionCount) >= 0 || lastIndex(n.series.ChannelCount) >= 0,
  );
  if (perNode.length > 0) {
    return perNode.flatMap((n): Signal[] => [
      {
        what: "connections",
        series: n.series.ConnectionCount ?? [],
        limit: limits.connections.perNode,
        limitSource: `${limits.connections.source}, per node`,
        node: n.node,
      },
      {
        what: "channels",
        series: n.series.ChannelCount ?? [],
        limit: limits.channels.perNode,
        limitSource: `${limits.channels.source}, per node`,
        node: n.node,
      },
    ]);
  }
  // Broker-level counts of a cluster are the sum over its nodes; the limits are per node.
  const times = limits.nodes > 1 ? ` x ${limits.nodes} nodes` : "";
  return [
    {
      what: "connections",
      series: series.ConnectionCount ?? [],
      limit: limits.connections.perNode * limits.nodes,
      limitSource: `${limits.connections.source}${times}`,
    },
    {
      what: "channels",
      series: series.ChannelCount ?? [],
      limit: limits.channels.perNode * limits.nodes,
      limitSource: `${limits.channels.source}${times}`,
    },
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
    worst = worseFinding(judge(observation, signal, end, config), worst, "percentOfLimit");
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
    ...(signal.node !== undefined ? { node: signal.node } : {}),
  };
  // "Connections" of the broker, or "Connections on node rabbit@ip-10-0-1-12...".
  const subject = `${capitalize(signal.what)}${signal.node !== undefined ? ` on node ${signal.node}` : ""}`;
  const ofLimit = signal.node !== undefined ? "the node's limit" : "the limit";

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
    ? {
        minutesToLimit: forecast.minutesToFull,
        growthPerMinute: round((forecast.slopePerMinute / 100) * signal.limit, 1),
        trendWindowMinutes: forecast.windowMinutes,
        limitAt: forecastTime(observation, end, forecast.minutesToFull),
      }
    : { minutesToLimit: null, growthPerMinute: null, trendWindowMinutes: null, limitAt: null };

  if (level) {
    const critical = level.severity === Severity.critical;
    return {
      ...base,
      severity: level.severity,
      condition: critical ? `${signal.what}-at-limit` : `${signal.what}-high`,
      summary: `${subject} at ${currentPercent}% of ${ofLimit} (${round(current, 0)} of ${signal.limit})${critical ? ": new clients are about to be refused" : ` for ${level.minutes}+ min`}${forecast ? `; limit reached in ~${forecast.minutesToFull} min at the current climb` : ""}.`,
      evidence: { ...evidence, ...forecastEvidence },
    };
  }
  if (forecast) {
    return {
      ...base,
      severity: Severity.warning,
      condition: `${signal.what}-leak`,
      summary: `${subject} climbing steadily (+${forecastEvidence.growthPerMinute}/min over the last ${forecast.windowMinutes} min, now ${round(current, 0)}, ${currentPercent}% of ${signal.limit}): at this rate the limit is reached in ~${forecast.minutesToFull} min (around ${forecastEvidence.limitAt}). A client may be leaking ${signal.what}.`,
      evidence: { ...evidence, ...forecastEvidence, fit: forecast.fit },
    };
  }
  return null;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
