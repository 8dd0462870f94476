import { Logger } from "@aws-lambda-powertools/logger";
import type { Log, LogFields } from "../ports";

/** `Log` over Powertools Logger: JSON lines with the Lambda context, for CloudWatch Logs. */
export class PowertoolsLog implements Log {
  constructor(readonly logger: Logger = new Logger({ serviceName: "mq-sentinel" })) {}

  debug(message: string, fields?: LogFields): void {
    this.logger.debug(message, { ...fields });
  }
  info(message: string, fields?: LogFields): void {
    this.logger.info(message, { ...fields });
  }
  warn(message: string, fields?: LogFields): void {
    this.logger.warn(message, { ...fields });
  }
  error(message: string, fields?: LogFields): void {
    this.logger.error(message, { ...fields });
  }
}
