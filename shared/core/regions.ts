/**
 * One deployment can watch brokers in several regions. Brokers of the home region keep their
 * names; those of another region are named `<region>/<name>` wherever a broker is named (incidents,
 * fingerprints, messages, silences), so two brokers of the same name in two regions never share an
 * incident. Amazon MQ broker names cannot hold a `/`, so the prefix is unambiguous.
 */

/** An AWS region name (commercial, GovCloud, China): `us-east-1`, `us-gov-west-1`, `cn-north-1`. */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The name a broker goes by in a deployment whose home region is `home`. */
export function qualifiedBrokerName(name: string, region: string, home: string): string {
  return region === home ? name : `${region}/${name}`;
}

/** The region (null: the home region) and the Amazon MQ name of a qualified broker name. */
export function splitBrokerName(qualified: string): { region: string | null; name: string } {
  const slash = qualified.indexOf("/");
  if (slash <= 0) return { region: null, name: qualified };
  const region = qualified.slice(0, slash);
  return REGION_NAME.test(region) ? { region, name: qualified.slice(slash + 1) } : { region: null, name: qualified };
}

/** Whether a (qualified) broker name belongs to `region` in a deployment whose home region is `home`. */
export function brokerInRegion(qualified: string, region: string, home: string): boolean {
  return (splitBrokerName(qualified).region ?? home) === region;
}
