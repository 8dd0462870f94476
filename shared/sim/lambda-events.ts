import type { Context, ScheduledEvent } from "aws-lambda";
import type { SimulatedAccount } from "./simulated-account";

/**
 * What Lambda hands a simulated function: the minute's EventBridge schedule event and an
 * invocation context in the scenario's account and region.
 */

/** The EventBridge schedule event of the account's current minute (`<source>-<minute>` names it). */
export function scheduledEventOf(account: SimulatedAccount, source: string): ScheduledEvent {
  return {
    version: "0",
    id: `${source}-${account.minute}`,
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: account.scenario.accountId,
    time: new Date(account.nowMs()).toISOString(),
    region: account.scenario.region,
    resources: [],
    detail: {},
  };
}

/** A Lambda context of `functionName` in the account, with `remainingMs` as its remaining time. */
export function lambdaContextOf(
  account: SimulatedAccount,
  invocation: { functionName: string; source: string; memoryMb: number; remainingMs: () => number },
): Context {
  const { functionName, source } = invocation;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${account.scenario.region}:${account.scenario.accountId}:function:${functionName}`,
    memoryLimitInMB: String(invocation.memoryMb),
    awsRequestId: source,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: source,
    getRemainingTimeInMillis: invocation.remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
