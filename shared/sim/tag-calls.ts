import { brokerIdOfArn, parseApiEvent } from "../core/cloudtrail-event";
import { MINUTE_MS } from "../core/types";
import type { Scenario } from "./scenario";
import type { SimulatedAccount } from "./simulated-account";

interface TagCall {
  /** The scenario minute the call was made in (its `eventTime`): the tags change then, however late the event arrives. */
  minute: number;
  brokerId: string;
  set: Record<string, string>;
  removed: string[];
}

/**
 * The tag changes a scenario's successful CreateTags and DeleteTags events record, made in the simulated
 * account at the minute of each call: DescribeBroker answers with the tags as they are, as AWS does after
 * the call (the event is only CloudTrail's record of it).
 *
 * `scenario` is the one to hand the simulated account: a copy whose broker descriptions may change
 * (the caller's scenario is never changed), or the scenario itself when no event changes a tag.
 */
export class SimulatedTagCalls {
  readonly scenario: Scenario;
  private readonly calls: TagCall[];
  private applied = 0;

  constructor(scenario: Scenario) {
    const ids = new Set(scenario.brokers.map((b) => b.describe.BrokerId));
    this.calls = scenario.events
      .map(({ event }) => tagCallOf(event, scenario.startMs))
      .filter((c): c is TagCall => c !== null && ids.has(c.brokerId))
      .sort((a, b) => a.minute - b.minute);
    this.scenario =
      this.calls.length === 0
        ? scenario
        : { ...scenario, brokers: scenario.brokers.map((b) => ({ ...b, describe: { ...b.describe, Tags: { ...b.describe.Tags } } })) };
  }

  /** Makes the tag changes of the calls made up to `minute`. */
  apply(account: SimulatedAccount, minute: number): void {
    while (this.applied < this.calls.length && (this.calls[this.applied] as TagCall).minute <= minute) {
      const call = this.calls[this.applied++] as TagCall;
      const broker = account.scenario.brokers.find((b) => b.describe.BrokerId === call.brokerId);
      if (!broker) continue;
      const tags: Record<string, string> = { ...broker.describe.Tags };
      Object.assign(tags, call.set);
      for (const key of call.removed) delete tags[key];
      broker.describe.Tags = tags;
    }
  }
}

function tagCallOf(event: unknown, startMs: number): TagCall | null {
  const parsed = parseApiEvent(event);
  if (!parsed.ok || parsed.call.errorCode) return null;
  const call = parsed.call;
  if (call.eventName !== "CreateTags" && call.eventName !== "DeleteTags") return null;
  const brokerId = brokerIdOfArn(call.resourceArn);
  if (brokerId === null) return null;
  const p = call.requestParameters;
  const set: Record<string, string> = {};
  const removed: string[] = [];
  if (call.eventName === "CreateTags" && p.tags !== null && typeof p.tags === "object" && !Array.isArray(p.tags)) {
    for (const [key, value] of Object.entries(p.tags)) set[key] = String(value);
  }
  if (call.eventName === "DeleteTags") {
    const keys = Array.isArray(p.tagKeys) ? p.tagKeys : typeof p.tagKeys === "string" ? p.tagKeys.split(",") : [];
    for (const key of keys) if (typeof key === "string") removed.push(key.trim());
  }
  return { minute: Math.max(0, Math.floor(((call.at ?? startMs) - startMs) / MINUTE_MS)), brokerId, set, removed };
}
