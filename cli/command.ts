import { describeError } from "../shared/errors";
import { UsageError } from "./duration";

/** Where a command writes a line (stdout or stderr). */
export type Lines = (line: string) => void;

/** A `mq-sentinel` subcommand: its arguments, its two outputs and its seams (tests pass them); resolves to the exit code. */
export type Command<Options = Record<string, never>> = (args: string[], out: Lines, err: Lines, options?: Options) => Promise<number>;

/**
 * The exit code of a command that failed with `error`, after saying why: a usage error with the
 * command's usage (2), anything else as it is described (1).
 */
export function failedCommand(command: string, usage: string, error: unknown, err: (line: string) => void): number {
  if (error instanceof UsageError) {
    err(`mq-sentinel ${command}: ${error.message}\n${usage}`);
    return 2;
  }
  err(`mq-sentinel ${command}: ${describeError(error)}`);
  return 1;
}
