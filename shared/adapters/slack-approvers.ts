import type { Approvers, Clock, Log } from "../ports";
import type { SlackWebApi } from "./slack-web-api";

/** A Slack user group id (`S0614TZR7`). */
const USER_GROUP = /^S[A-Z0-9]{2,}$/;

/**
 * `remediation.approvers` as Slack knows them: a user id answers when listed; a user group id (`S…`)
 * stands for its members, read with `usergroups.users.list` (scope `usergroups:read`) and cached for
 * `cacheMs`, so a person removed from the group loses the right within minutes. Without the Web API
 * (webhook mode) or when Slack cannot be asked, a group has no members: the safe answer is no.
 */
export class SlackApprovers implements Approvers {
  private readonly cache = new Map<string, { members: ReadonlySet<string>; readAt: number }>();

  constructor(
    private readonly approvers: readonly string[],
    private readonly api: SlackWebApi | null,
    private readonly clock: Clock,
    private readonly log: Log,
    private readonly cacheMs: number,
  ) {}

  async includes(user: string): Promise<boolean> {
    if (this.approvers.includes(user)) return true;
    for (const group of this.approvers.filter((a) => USER_GROUP.test(a))) {
      if ((await this.membersOf(group)).has(user)) return true;
    }
    return false;
  }

  private async membersOf(group: string): Promise<ReadonlySet<string>> {
    const cached = this.cache.get(group);
    const now = this.clock.now();
    if (cached && now - cached.readAt < this.cacheMs) return cached.members;
    if (!this.api) {
      this.log.warn("a user group in remediation.approvers needs the Slack app (notifications.slack.mode app) to be read", { group });
      return new Set();
    }
    const answer = await this.api.call("usergroups.users.list", { usergroup: group }, "form");
    if (!answer.ok) {
      // Not cached, and no stale list either (someone may have been removed): the next click asks again.
      this.log.error("user group members unreadable; its members cannot answer now", { group, error: answer.error });
      return new Set();
    }
    const users = Array.isArray(answer.answer.users) ? answer.answer.users.filter((u): u is string => typeof u === "string") : [];
    const members = new Set(users);
    this.cache.set(group, { members, readAt: now });
    return members;
  }
}

/** `remediation.approvers` taken as listed: user ids only (user groups need {@link SlackApprovers} with the Web API). */
export function listedApprovers(approvers: readonly string[]): Approvers {
  return { includes: async (user) => approvers.includes(user) };
}
