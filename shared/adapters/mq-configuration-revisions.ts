import { DescribeConfigurationRevisionCommand, type MqClient } from "@aws-sdk/client-mq";
import { MINUTE_MS } from "../core/types";
import { describeError } from "../errors";
import type { Clock, Log } from "../ports";
import { withRetry } from "./retry";

/** A failed read is not tried again for this long: the Amazon MQ API allows 15 requests/s per account. */
export const CONFIGURATION_RETRY_MS = 15 * MINUTE_MS;

type Revision = { id: string; revision: number };

/**
 * Configuration revisions over the Amazon MQ API (DescribeConfigurationRevision, `Data` base64-decoded).
 * A revision never changes, so its text is kept for as long as the process lives; a failure (no
 * permission, a configuration that is gone) is remembered for `CONFIGURATION_RETRY_MS` and answered
 * from memory, so a fleet without the permission does not spend the API quota every minute.
 */
export class MqConfigurationRevisions {
  private readonly texts = new Map<string, Promise<string>>();
  private readonly failures = new Map<string, { at: number; error: unknown }>();

  constructor(
    private readonly client: MqClient,
    private readonly clock: Clock,
    private readonly log: Log,
    /** Waits until a request may go out under the Amazon MQ quota (the inventory's pacer); none: at once. */
    private readonly pace: () => Promise<void> = async () => {},
  ) {}

  /** The text of a configuration revision; throws the read's error (remembered for a while). */
  async text(configuration: Revision): Promise<string> {
    const key = `${configuration.id}#${configuration.revision}`;
    const failed = this.failures.get(key);
    if (failed && this.clock.now() - failed.at < CONFIGURATION_RETRY_MS) throw failed.error;
    let pending = this.texts.get(key);
    if (!pending) {
      pending = this.read(configuration);
      this.texts.set(key, pending);
    }
    try {
      const text = await pending;
      this.failures.delete(key);
      return text;
    } catch (error) {
      // Concurrent callers share one read; the first to see it fail records it once.
      if (this.texts.get(key) === pending) {
        this.texts.delete(key);
        this.failures.set(key, { at: this.clock.now(), error });
        this.log.warn("configuration revision not readable", {
          configurationId: configuration.id,
          revision: configuration.revision,
          error: describeError(error),
        });
      }
      throw error;
    }
  }

  private async read(configuration: Revision): Promise<string> {
    const out = await withRetry("mq:DescribeConfigurationRevision", this.clock, async () => {
      await this.pace();
      return this.client.send(
        new DescribeConfigurationRevisionCommand({
          ConfigurationId: configuration.id,
          ConfigurationRevision: String(configuration.revision),
        }),
      );
    });
    // A revision without data is an empty configuration: nothing set, every default applies.
    return out.Data ? Buffer.from(out.Data, "base64").toString("utf8") : "";
  }
}
