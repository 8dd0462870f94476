import { MemoryIncidentStore } from "../../shared/adapters/memory-incident-store";
import { MemorySilenceStore } from "../../shared/adapters/memory-silence-store";
import { RecordingLog } from "../../shared/adapters/recording-log";
import { applyIncidentChanges } from "../../shared/app/apply-incident-changes";
import type { DeliveryDeps } from "../../shared/app/deliver-notifications";
import type { BrokerTagsOf } from "../../shared/app/notification-routing";
import { type Config, DEFAULT_CONFIG } from "../../shared/core/config";
import { foldFindings } from "../../shared/core/incidents";
import { type Finding, fingerprintOf } from "../../shared/core/types";
import type { Notifier } from "../../shared/ports";
import { TestClock } from "./clock";

/**
 * Memory stores, a test clock (or the one given, with the log, when the notifiers use them too) and these notifiers wired for deliverNotifications, with `evaluate`: one
 * evaluation of findings (all judged) as a use case runs it, writing the incidents' changes and outbox.
 */
export function deliveryWorld(
  notifiers: Notifier[],
  shared: { clock?: TestClock; log?: RecordingLog; config?: Config; tagsOf?: BrokerTagsOf } = {},
) {
  const clock = shared.clock ?? new TestClock();
  const log = shared.log ?? new RecordingLog();
  const incidents = new MemoryIncidentStore();
  const silences = new MemorySilenceStore();
  const deps: DeliveryDeps = {
    incidents,
    notifiers,
    silences,
    clock,
    log,
    config: shared.config ?? DEFAULT_CONFIG,
    links: { accountId: "123456789012", region: "us-east-1", brokerIds: { orders: "b-1" } },
  };
  const evaluate = async (findings: Finding[]) => {
    const active = new Map((await incidents.loadActive()).map((i) => [i.fingerprint, i]));
    const judged = new Set([...findings.map(fingerprintOf), ...active.keys()]);
    const changes = foldFindings({
      active,
      findings,
      isCovered: (i) => judged.has(i.fingerprint),
      now: clock.now(),
      rules: { resolveAfterMinutes: 1, refreshMinutes: 15 },
    });
    return applyIncidentChanges(deps, changes, [], shared.tagsOf);
  };
  return { clock, incidents, silences, log, deps, evaluate };
}
