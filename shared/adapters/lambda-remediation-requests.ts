import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { ApprovalAnswer, Clock, RemediationRequest, RemediationRequests } from "../ports";
import { withRetry } from "./retry";

/**
 * `RemediationRequests` as an asynchronous invocation of the remediate function. Chosen over an
 * EventBridge custom event: one IAM action on one function, Lambda's own retries and on-failure
 * destination, and no bus or rule to secure; the remediate function re-checks everything anyway.
 */
export class LambdaRemediationRequests implements RemediationRequests {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
    private readonly clock: Clock,
  ) {}

  async request(request: RemediationRequest | ApprovalAnswer): Promise<void> {
    await withRetry("lambda:Invoke", this.clock, () =>
      this.client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: "Event",
          Payload: new TextEncoder().encode(JSON.stringify(request)),
        }),
      ),
    );
  }
}
