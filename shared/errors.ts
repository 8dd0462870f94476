/**
 * mq-sentinel's errors. Adapters translate SDK failures into these, classified as retryable or
 * not, with the operation and ids that an operator needs in a log line.
 */

export class SentinelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An AWS (or Slack) call that failed after its retries. */
export class ServiceCallError extends SentinelError {
  readonly operation: string;
  readonly errorName: string;
  readonly retryable: boolean;
  readonly brokerId?: string;

  constructor(operation: string, cause: unknown, context: { brokerId?: string } = {}) {
    const name = errorNameOf(cause);
    super(`${operation} failed: ${name}${messageOf(cause) ? ` (${messageOf(cause)})` : ""}`, { cause });
    this.operation = operation;
    this.errorName = name;
    this.retryable = isRetryable(cause);
    if (context.brokerId) this.brokerId = context.brokerId;
  }
}

/** The broker list could not be read and no earlier list is available. */
export class InventoryUnavailableError extends SentinelError {}

/** A scenario file that cannot be replayed, with the file and the field at fault. */
export class ScenarioError extends SentinelError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join("; ")}`);
  }
}

/** Where a stored item is and what did not match: never the item's values (it may hold text an attacker chose). */
export interface StoredItemProblem {
  table: string;
  /** `<pk>/<sk>`. */
  key: string;
  /** What the item should have been (`incident`, `silence`, ...). */
  itemType: string;
  /** The fields that did not match, `<path>: <what was expected>`. */
  problems: readonly string[];
}

/** An item read back from the table that does not match its type's schema. Not retryable: reading it again gives the same. */
export class StoredItemError extends SentinelError {
  readonly table: string;
  readonly key: string;
  readonly itemType: string;
  readonly problems: readonly string[];

  constructor(
    problem: StoredItemProblem,
    message = `${problem.itemType} ${problem.key} in ${problem.table} does not match its schema: ${problem.problems.join("; ")}`,
  ) {
    super(message);
    this.table = problem.table;
    this.key = problem.key;
    this.itemType = problem.itemType;
    this.problems = problem.problems;
  }
}

/** An item written by a newer release, in a layout this one does not know (a rollback after an upgrade). */
export class NewerStoredItemError extends StoredItemError {
  readonly version: number;
  readonly known: number;

  constructor(context: Omit<StoredItemProblem, "problems"> & { version: number; known: number }) {
    const problem = `schemaVersion ${context.version}: written by a newer mq-sentinel (this one reads up to ${context.known})`;
    super({ ...context, problems: [problem] }, `${context.itemType} ${context.key} in ${context.table}: ${problem}`);
    this.version = context.version;
    this.known = context.known;
  }
}

const RETRYABLE_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ProvisionedThroughputExceededException",
  "RequestThrottled",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalServiceError",
  "InternalServiceErrorException",
  "InternalServerErrorException",
  "InternalFailure",
  "InternalError",
  "LimitExceededException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
]);

/** The AWS error name (`ThrottlingException`, ...) of any thrown value. */
export function errorNameOf(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as { name?: unknown; code?: unknown; Code?: unknown };
    for (const candidate of [e.name, e.Code, e.code]) {
      if (typeof candidate === "string" && candidate !== "Error" && candidate.length > 0) return candidate;
    }
    if (typeof e.name === "string") return e.name;
  }
  return "UnknownError";
}

function messageOf(error: unknown): string {
  // Read by shape, not instanceof: errors from fetch or a VM context come from another realm.
  const own = error && typeof error === "object" ? (error as { message?: unknown }).message : undefined;
  const message = typeof own === "string" ? own : typeof error === "string" ? error : "";
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

/** Throttling, 5xx and network failures are worth retrying; validation and access errors are not. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ServiceCallError) return error.retryable;
  if (error && typeof error === "object") {
    const e = error as { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; $fault?: unknown };
    if (e.$retryable) return true;
    const status = e.$metadata?.httpStatusCode;
    if (typeof status === "number" && (status === 429 || status >= 500)) return true;
  }
  return RETRYABLE_NAMES.has(errorNameOf(error));
}

/** A one-line description of an error for logs and reports (never the whole object). */
export function describeError(error: unknown): string {
  if (error instanceof SentinelError) return error.message;
  const name = errorNameOf(error);
  const message = messageOf(error);
  return message && message !== name ? `${name}: ${message}` : name;
}
