import type { Config } from "../core/config";
import { foldFindings, type Incident, type Transition } from "../core/incidents";
import { type Finding, IncidentKind, MINUTE_MS } from "../core/types";
import { describeError } from "../errors";
import type { ApiActivityStore, Clock, IncidentStore, Log, Notifier } from "../ports";
import { applyIncidentChanges } from "./apply-incident-changes";
import { judgePrincipal, judgeRole, riskySubject } from "./handle-api-event";

/** What the sweep of API incidents needs. */
export interface ApiSweepDeps {
  activity: ApiActivityStore;
  incidents: IncidentStore;
  /** Channels notifications are enqueued for (delivered by deliverNotifications). */
  notifiers: readonly Notifier[];
  clock: Clock;
  log: Log;
  config: Config;
}

export interface ApiSweepReport {
  transitions: Transition[];
  errors: string[];
}

const API_KINDS = new Set<string>([IncidentKind.unauthorizedApi, IncidentKind.riskyChange]);

/**
 * API incidents resolve when the calls stop, which no event announces, so every minute:
 * 1. load the active unauthorized-api and risky-change incidents
 * 2. judge each again from its recorded calls (a principal's or a role's window; a risky change's quiet
 *    period), both counted from when the calls ARRIVED: evidence that came late is as fresh as
 *    evidence that came on time, so an incident opened from it does not resolve at once
 * 3. fold: an incident whose calls stopped resolves after the usual hysteresis
 */
export async function sweepApiIncidents(deps: ApiSweepDeps): Promise<ApiSweepReport> {
  const { config, clock, log } = deps;
  const now = clock.now();
  const errors: string[] = [];
  let active: Incident[];
  try {
    const skip = (error: Error) => {
      const line = `unreadable item skipped: ${describeError(error)}`;
      log.error(line);
      errors.push(line);
    };
    active = (await deps.incidents.loadActive(skip)).filter((i) => API_KINDS.has(i.kind));
  } catch (error) {
    const line = `API incident sweep skipped: ${describeError(error)}`;
    log.error(line);
    return { transitions: [], errors: [line] };
  }
  if (active.length === 0) return { transitions: [], errors };

  const findings: Finding[] = [];
  const judged = new Set<string>();
  const byFingerprint = new Map(active.map((i) => [i.fingerprint, i]));
  for (const incident of active) {
    try {
      const finding =
        incident.kind !== IncidentKind.unauthorizedApi
          ? await stillRisky(deps.activity, incident, now, config)
          : incident.evidence.scope === "role"
            ? await judgeRole(deps, incident.resource ?? "unknown", now, byFingerprint)
            : await judgePrincipal(deps, incident.resource ?? "unknown", now, byFingerprint);
      judged.add(incident.fingerprint);
      if (finding) findings.push(finding);
    } catch (error) {
      const line = `judging ${incident.fingerprint} failed: ${describeError(error)}`;
      errors.push(line);
      log.error(line);
    }
  }
  const changes = foldFindings({
    active: byFingerprint,
    findings,
    isCovered: (incident) => judged.has(incident.fingerprint),
    now,
    rules: { resolveAfterMinutes: config.incidents.resolveAfterMinutes, refreshMinutes: config.incidents.refreshMinutes },
  });
  const transitions = await applyIncidentChanges(deps, changes, errors);
  return { transitions, errors };
}

/** A risky-change incident stays as it is while such calls keep arriving within the quiet period. */
async function stillRisky(activity: ApiActivityStore, incident: Incident, now: number, config: Config): Promise<Finding | null> {
  const recent = await activity.since(riskySubject(incident.fingerprint), now - config.apiActivity.riskyChangeQuietMinutes * MINUTE_MS);
  if (recent.length === 0) return null;
  return {
    kind: incident.kind,
    broker: incident.broker,
    resource: incident.resource,
    severity: incident.severity,
    condition: incident.condition,
    summary: incident.summary,
    evidence: incident.evidence,
  };
}
