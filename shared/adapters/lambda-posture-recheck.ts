import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { Clock, Log, PostureRecheck, PostureTarget } from "../ports";
import { withRetry } from "./retry";

/** `PostureRecheck` as an asynchronous invocation of the posture-audit function with the target. */
export class LambdaPostureRecheck implements PostureRecheck {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
    private readonly clock: Clock,
    private readonly log: Log,
  ) {}

  async request(target: PostureTarget, reason: string): Promise<void> {
    await withRetry("lambda:Invoke", this.clock, () =>
      this.client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: "Event",
          Payload: new TextEncoder().encode(JSON.stringify({ ...target, reason })),
        }),
      ),
    );
    this.log.info("posture re-check requested", { ...target, reason });
  }
}
