/** A command line that cannot work as given: the command prints it with its usage and exits 2. */
export class UsageError extends Error {}

/** What a duration flag accepts, for its error messages. */
export interface DurationLimits {
  flag: string;
  maxMs: number;
  /** Says the allowed range, e.g. "a silence lasts between 1 second and 7 days". */
  range: string;
}

/** `90s`, `30m`, `2h`, `1d` as milliseconds, within the flag's limits. */
export function parseDuration(text: string | undefined, limits: DurationLimits): number {
  const match = /^(\d+)\s*([smhd])$/.exec(text ?? "");
  if (!match) throw new UsageError(`${limits.flag} needs a duration like 30m, 2h or 1d`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "s" | "m" | "h" | "d"];
  const ms = Number(match[1]) * unit;
  if (ms <= 0 || ms > limits.maxMs) throw new UsageError(limits.range);
  return ms;
}
