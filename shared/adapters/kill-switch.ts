import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { ServiceCallError } from "../errors";
import type { Clock, KillSwitch } from "../ports";
import { withRetry } from "./retry";

/**
 * The only values of the kill-switch parameter that let reboots go ahead. Any other value (`on`,
 * `stop`, `halt`, a typo...) stops every reboot: a switch someone set must never fail open.
 */
const OFF = new Set(["off", "false", "0", "no", ""]);

/**
 * The kill switch as an SSM parameter read at every decision (no cache: flipping it must take effect
 * at once). A missing parameter means off; `off`, `false`, `0` or `no` mean off; every other value means
 * on. A parameter that cannot be read throws, and the policy
 * refuses to act blind.
 */
export class SsmKillSwitch implements KillSwitch {
  constructor(
    private readonly client: SSMClient,
    private readonly name: string,
    private readonly clock: Clock,
  ) {}

  async isOn(): Promise<boolean> {
    try {
      const out = await withRetry("ssm:GetParameter", this.clock, () => this.client.send(new GetParameterCommand({ Name: this.name })));
      return !OFF.has((out.Parameter?.Value ?? "").trim().toLowerCase());
    } catch (error) {
      if (error instanceof ServiceCallError && error.errorName === "ParameterNotFound") return false;
      throw error;
    }
  }
}

/** A kill switch that is always off (replay and tests; the scenario's `remediation.killSwitch` still applies). */
export const killSwitchOff: KillSwitch = { isOn: async () => false };
