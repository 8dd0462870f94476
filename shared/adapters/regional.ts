import type { Broker } from "../core/types";
import type { BrokerControl, BrokerDirectory } from "../ports";

/**
 * Adapters of a deployment that watches several regions: each region has its own clients, and
 * these route a call to the right one.
 */

/** `BrokerDirectory` over one directory per region, made on first use (an event can come from any region). */
export class RegionalBrokerDirectory implements BrokerDirectory {
  private readonly byRegion = new Map<string, BrokerDirectory>();

  constructor(
    private readonly home: string,
    private readonly directoryFor: (region: string) => BrokerDirectory,
  ) {}

  nameOf(brokerId: string, region?: string | null): Promise<string | null> {
    const where = region ?? this.home;
    let directory = this.byRegion.get(where);
    if (!directory) {
      directory = this.directoryFor(where);
      this.byRegion.set(where, directory);
    }
    return directory.nameOf(brokerId, where);
  }
}

/**
 * `BrokerControl` over the watched regions. A remediation request names the broker by id, which does
 * not say its region: `describe` asks each region in turn (the home region first) and remembers
 * where the broker was found; `reboot` goes there and only there, and refuses a broker it has not
 * described (the remediation always describes first, to check its guards on fresh state).
 */
export class RegionalBrokerControl implements BrokerControl {
  private readonly regionOf = new Map<string, string>();

  constructor(private readonly controls: ReadonlyMap<string, BrokerControl>) {}

  async describe(brokerId: string): Promise<Broker | null> {
    for (const [region, control] of this.controls) {
      const broker = await control.describe(brokerId);
      if (broker) {
        this.regionOf.set(brokerId, region);
        return broker;
      }
    }
    this.regionOf.delete(brokerId);
    return null;
  }

  async reboot(brokerId: string): Promise<void> {
    const region = this.regionOf.get(brokerId);
    const control = region === undefined ? undefined : this.controls.get(region);
    if (!control) throw new Error(`broker ${brokerId} was not described in any watched region: not rebooting it`);
    await control.reboot(brokerId);
  }
}
