"use strict";

/**
 * The IAM resources of notification delivery, read from the stack's own `config` parameter at package
 * time (the same JSON the functions read as MQ_SENTINEL_CONFIG), so each role is granted exactly the
 * destinations `notifications.routes` names and no more:
 *
 *   ssmParameters  ssm:GetParameter on the Slack webhook parameter (slackWebhookParameter), the Slack app's
 *                  bot token parameter (slackBotTokenParameter) and every Slack webhook and PagerDuty
 *                  routing-key parameter a route names
 *   snsTopics      sns:Publish on the stack's NotificationsTopic and on every topic a route names
 *
 * Used from serverless.yml as `${file(./scripts/notification-grants.cjs):ssmParameters}`. The functions
 * validate the whole configuration at cold start; here a shape the grants cannot be read from fails the
 * packaging with one line naming the key.
 */

async function routesOf(resolveVariable) {
  const text = await resolveVariable("param:config");
  let config;
  try {
    config = typeof text === "string" ? JSON.parse(text) : text;
  } catch (error) {
    throw new Error(`param config is not valid JSON: ${error.message}`);
  }
  const routes = config?.notifications?.routes ?? [];
  if (!Array.isArray(routes)) throw new Error("param config: notifications.routes must be a list");
  routes.forEach((route, i) => {
    for (const key of ["slack", "sns", "pagerduty"]) {
      const list = route?.[key] ?? [];
      if (!Array.isArray(list) || list.some((v) => typeof v !== "string" || v.length === 0 || v.includes("${")))
        throw new Error(`param config: notifications.routes.${i}.${key} must be a list of names`);
    }
  });
  return routes;
}

const unique = (values) => [...new Set(values)];

/** The ARN of a parameter in the stack's account and region ("/a/b" and "a/b" name the same ARN tail `parameter/a/b`). */
const parameterArn = (name) => ({
  "Fn::Sub": `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name.startsWith("/") ? name : `/${name}`}`,
});

module.exports.ssmParameters = async ({ resolveVariable }) => {
  const routes = await routesOf(resolveVariable);
  const webhook = await resolveVariable("param:slackWebhookParameter");
  const botToken = await resolveVariable("param:slackBotTokenParameter");
  return unique([webhook, botToken, ...routes.flatMap((r) => [...(r.slack ?? []), ...(r.pagerduty ?? [])])]).map(parameterArn);
};

module.exports.snsTopics = async ({ resolveVariable }) => {
  const routes = await routesOf(resolveVariable);
  return [{ Ref: "NotificationsTopic" }, ...unique(routes.flatMap((r) => r.sns ?? []))];
};
