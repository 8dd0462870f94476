import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { secretAt } from "../shared/adapters/aws-secret";
import { LambdaRemediationRequests } from "../shared/adapters/lambda-remediation-requests";
import { SlackResponseUrlReplies } from "../shared/adapters/slack-response-url-replies";
import { HmacSlackRequestVerifier } from "../shared/adapters/slack-signature";
import { systemClock } from "../shared/adapters/system-clock";
import {
  answerSlackInteraction,
  type InteractionDeps,
  type InteractionOutcome,
  type SlackInteractionEvent,
} from "../shared/app/answer-slack-interaction";
import { productionRuntime } from "./runtime";

/** The function URL's answer (Lambda reads statusCode, headers and body); `result` says what happened. */
export interface FunctionUrlResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  result: InteractionOutcome["result"];
}

/**
 * The slack-interactions Lambda, behind a function URL: Slack posts each Approve/Deny click here. It
 * verifies the click, records the answer and hands it to the remediate function; it cannot reboot.
 */
export function makeSlackInteractionsHandler(deps: InteractionDeps) {
  return middy(async (event: SlackInteractionEvent, _context: Context): Promise<FunctionUrlResponse> => {
    const raw = event.body ?? "";
    // The signature covers the body exactly as Slack sent it.
    const body = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
    const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const outcome = await answerSlackInteraction(deps, { headers, body });
    return { statusCode: outcome.status, headers: { "content-type": "text/plain" }, body: outcome.body, result: outcome.result };
  });
}

function productionHandler() {
  const { env, log, sdk, shared } = productionRuntime();
  if (!env.slackSigningSecret || !env.remediateFunction) {
    throw new Error(
      "slack-interactions needs SLACK_SIGNING_SECRET_PARAMETER and REMEDIATE_FUNCTION (parameter slackSigningSecretParameter)",
    );
  }
  const secret = secretAt(
    env.slackSigningSecret,
    { ssm: () => new SSMClient(sdk), secretsManager: () => new SecretsManagerClient(sdk) },
    systemClock,
    ["signingSecret"],
  );
  const deps: InteractionDeps = {
    verifier: new HmacSlackRequestVerifier(secret),
    approvals: shared.approvals,
    remediation: new LambdaRemediationRequests(new LambdaClient(sdk), env.remediateFunction, systemClock),
    replies: new SlackResponseUrlReplies(fetch, log),
    approvers: shared.approvers,
    clock: systemClock,
    log,
    config: env.config,
  };
  return makeSlackInteractionsHandler(deps).use(injectLambdaContext(log.logger));
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing. */
export const handler = (event: SlackInteractionEvent, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
