import { readFileSync } from "node:fs";
import { type Config, parseConfig } from "../shared/core/config";
import { describeError } from "../shared/errors";
import { UsageError } from "./duration";

/** What a command accepts on its command line. */
export interface ArgSpec {
  /** Options that take a value (`--region us-east-1`); one given twice keeps both values. */
  values: readonly string[];
  /** Options that take none (`--json`). */
  switches?: readonly string[];
  /** Whether bare arguments (files, a broker name) are accepted. */
  positional?: boolean;
}

/** A command line split by its `ArgSpec`. */
export class ParsedArgs {
  constructor(
    private readonly values: ReadonlyMap<string, readonly string[]>,
    private readonly switches: ReadonlySet<string>,
    readonly positional: readonly string[],
  ) {}

  /** The option's value; the last one when it was given more than once. */
  get(name: string): string | undefined {
    return this.values.get(name)?.at(-1);
  }

  /** Every value the option was given, in order. */
  all(name: string): string[] {
    return [...(this.values.get(name) ?? [])];
  }

  /** Whether the option or switch was given. */
  has(name: string): boolean {
    return this.values.has(name) || this.switches.has(name);
  }
}

/**
 * Splits `args` by what the command accepts, the same way for every command: an option without its
 * value (or with another option in its place), an option the command does not know and a bare
 * argument it takes none of are usage errors, never silently ignored.
 */
export function parseArgs(args: readonly string[], spec: ArgSpec): ParsedArgs {
  const values = new Map<string, string[]>();
  const switches = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("--")) {
      if (!spec.positional) throw new UsageError(`unexpected '${arg}'`);
      positional.push(arg);
      continue;
    }
    const name = arg.slice(2);
    if (spec.switches?.includes(name)) {
      switches.add(name);
      continue;
    }
    if (!spec.values.includes(name)) throw new UsageError(`unknown option ${arg}`);
    const value = args[i + 1];
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${arg} needs a value`);
    values.set(name, [...(values.get(name) ?? []), value]);
    i++;
  }
  return new ParsedArgs(values, switches, positional);
}

/** The configuration in a `--config` JSON file, validated as a deployment's is. */
export function configFromFile(file: string): Config {
  try {
    return parseConfig(JSON.parse(readFileSync(file, "utf8"))).config;
  } catch (error) {
    // A configuration error lists every problem; it is kept whole, not shortened.
    throw new UsageError(`cannot use --config ${file}: ${error instanceof Error ? error.message : describeError(error)}`);
  }
}
