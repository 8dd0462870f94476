import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import {
  answerSlackInteraction,
  type InteractionDeps,
  type InteractionOutcome,
  type SlackInteractionEvent,
} from "../shared/app/answer-slack-interaction";
import { slackInteractionsDeps } from "../shared/build-deps";
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
  const { deps, log } = productionRuntime();
  return makeSlackInteractionsHandler(slackInteractionsDeps(deps)).use(injectLambdaContext(log.logger));
}

let deployed: ReturnType<typeof productionHandler> | null = null;

/** The deployed handler; importing this module builds nothing. */
export const handler = (event: SlackInteractionEvent, context: Context) => {
  deployed ??= productionHandler();
  return deployed(event, context);
};
