import type { Log, LogFields } from "../ports";

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  fields: LogFields;
}

/**
 * `Log` that keeps entries in memory (replay and tests), optionally echoing them to stderr so
 * stdout stays clean for `--json`.
 */
export class RecordingLog implements Log {
  readonly entries: LogEntry[] = [];

  constructor(private readonly echo: ((line: string) => void) | null = null) {}

  debug(message: string, fields: LogFields = {}): void {
    this.record("debug", message, fields);
  }
  info(message: string, fields: LogFields = {}): void {
    this.record("info", message, fields);
  }
  warn(message: string, fields: LogFields = {}): void {
    this.record("warn", message, fields);
  }
  error(message: string, fields: LogFields = {}): void {
    this.record("error", message, fields);
  }

  private record(level: LogEntry["level"], message: string, fields: LogFields): void {
    this.entries.push({ level, message, fields });
    if (this.echo && level !== "debug") this.echo(JSON.stringify({ level, message, ...fields }));
  }
}
