/**
 * Reading a packaged CloudFormation template: resources by id and type, intrinsic functions written
 * out as the `${...}` strings a person reads, and every IAM statement with where it comes from.
 */

/** A CloudFormation template as `sls package` writes it (the parts the tests read). */
export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Condition?: string }>;
  Conditions?: Record<string, unknown>;
}

export interface Resource {
  Type: string;
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties?: Record<string, unknown>;
}

/** The Amazon MQ API calls CloudTrail records; the main stack's rule and the forwarder's both match exactly this. */
export const AMAZON_MQ_API_CALLS_PATTERN = { source: ["aws.amazonmq"], "detail-type": ["AWS API Call via CloudTrail"] };

/** The properties of resource `id`, which must exist and be of `type`. */
export function propertiesOf<P>(template: Template, id: string, type: string): P {
  const resource = template.Resources[id];
  if (!resource) throw new Error(`the template has no resource ${id}`);
  if (resource.Type !== type) throw new Error(`${id} is a ${resource.Type}, not a ${type}`);
  return (resource.Properties ?? {}) as P;
}

/** Every resource of a type, as [logical id, properties]. */
export function resourcesOfType<P>(template: Template, type: string): [string, P][] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, (r.Properties ?? {}) as P]);
}

/**
 * An intrinsic-function value written as one string: `{Ref: X}` is `${X}`, `{"Fn::GetAtt": [X, A]}` is
 * `${X.A}`, a Sub is its string (with its own variables put in), a Join is joined. So a resource
 * reads the way it would in a `!Sub`, and two ways of writing the same ARN compare equal.
 */
export function render(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === "string") return placeholder(v.Ref);
    const getAtt = v["Fn::GetAtt"];
    if (Array.isArray(getAtt)) return placeholder(getAtt.join("."));
    if (typeof getAtt === "string") return placeholder(getAtt);
    const sub = v["Fn::Sub"];
    if (typeof sub === "string") return sub;
    if (Array.isArray(sub) && typeof sub[0] === "string") {
      const vars = (sub[1] ?? {}) as Record<string, unknown>;
      return sub[0].replace(/\$\{([^!}][^}]*)\}/g, (whole, name: string) => (name in vars ? render(vars[name]) : whole));
    }
    const join = v["Fn::Join"];
    if (Array.isArray(join) && typeof join[0] === "string" && Array.isArray(join[1])) return join[1].map(render).join(join[0]);
  }
  return JSON.stringify(value);
}

/** `${name}`: a resource (`X`), attribute (`X.Arn`) or pseudo parameter as `render` writes it. */
export const placeholder = (name: string) => `\${${name}}`;

/** `{Ref: id}`: how a template points at a resource's name or ARN. */
export const ref = (id: string) => ({ Ref: id });

/** `{"Fn::GetAtt": [id, attribute]}`. */
export const getAtt = (id: string, attribute: string) => ({ "Fn::GetAtt": [id, attribute] });

/** One IAM policy statement (identity, key, queue, bucket or trust policy). */
export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** A policy document found in the template: the resource it belongs to, the property path, its statements. */
export interface PolicyDocument {
  resourceId: string;
  path: string;
  statements: Statement[];
}

/**
 * Every policy document in the template, wherever it sits (role inline policies and trust policies,
 * managed policies, key policies, queue, topic and bucket policies): any object with a `Statement`.
 */
export function policyDocuments(template: Template): PolicyDocument[] {
  const found: PolicyDocument[] = [];
  const walk = (resourceId: string, value: unknown, path: string) => {
    if (!value || typeof value !== "object") return;
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(resourceId, item, `${path}[${i}]`);
      return;
    }
    const object = value as Record<string, unknown>;
    if ("Statement" in object) {
      const statements = object.Statement;
      found.push({ resourceId, path, statements: (Array.isArray(statements) ? statements : [statements]) as Statement[] });
      return;
    }
    for (const [key, child] of Object.entries(object)) walk(resourceId, child, `${path}.${key}`);
  };
  for (const [id, resource] of Object.entries(template.Resources)) walk(id, resource.Properties, "Properties");
  return found;
}

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The actions a statement names (`Action`, as a list). */
export const actionsOf = (statement: Statement): string[] => asList(statement.Action);

/** The resources a statement names, each rendered (see `render`). */
export const resourcesOf = (statement: Statement): string[] => asList(statement.Resource as unknown).map(render);

/** Whether an IAM action pattern (`mq:Reboot*`, `*`) covers an action; IAM compares them case-insensitively. */
export function covers(pattern: string, action: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "i").test(action);
}

/** One action allowed on one resource, by one statement of a role's policies. */
export interface Grant {
  action: string;
  resource: string;
  statement: Statement;
}

/**
 * The Allow statements that apply to a role: its inline policies plus any AWS::IAM::Policy or
 * AWS::IAM::ManagedPolicy of the template attached to it (not its trust policy).
 */
export function roleStatements(template: Template, roleId: string): Statement[] {
  const role = propertiesOf<{ Policies?: { PolicyDocument: { Statement: Statement | Statement[] } }[] }>(
    template,
    roleId,
    "AWS::IAM::Role",
  );
  const inline = (role.Policies ?? []).flatMap((p) => asList(p.PolicyDocument.Statement));
  const attached = [
    ...resourcesOfType<{ Roles?: unknown[]; PolicyDocument: { Statement: Statement | Statement[] } }>(template, "AWS::IAM::Policy"),
    ...resourcesOfType<{ Roles?: unknown[]; PolicyDocument: { Statement: Statement | Statement[] } }>(template, "AWS::IAM::ManagedPolicy"),
  ]
    .filter(([, p]) => (p.Roles ?? []).some((r) => render(r) === placeholder(roleId)))
    .flatMap(([, p]) => asList(p.PolicyDocument.Statement));
  return [...inline, ...attached].filter((s) => s.Effect === "Allow");
}

/** Every (action, resource) a role is allowed. */
export function roleGrants(template: Template, roleId: string): Grant[] {
  return roleStatements(template, roleId).flatMap((statement) =>
    actionsOf(statement).flatMap((action) => resourcesOf(statement).map((resource) => ({ action, resource, statement }))),
  );
}

/**
 * What a role may do, sorted and without repeats: its actions, plus `managed policy <arn>` for each
 * managed policy it carries (their actions are not in the template, so any of them is a difference).
 */
export function roleActions(template: Template, roleId: string): string[] {
  const role = propertiesOf<{ ManagedPolicyArns?: unknown[] }>(template, roleId, "AWS::IAM::Role");
  const actions = roleStatements(template, roleId).flatMap(actionsOf);
  const managed = (role.ManagedPolicyArns ?? []).map((arn) => `managed policy ${render(arn)}`);
  return [...new Set([...actions, ...managed])].sort();
}

/** The distinct resources a role is allowed `action` (or any action `matches` accepts) on, sorted. */
export function resourcesFor(template: Template, roleId: string, matches: (action: string) => boolean): string[] {
  return [
    ...new Set(
      roleGrants(template, roleId)
        .filter((g) => matches(g.action))
        .map((g) => g.resource),
    ),
  ].sort();
}

/** A CloudWatch alarm's properties (the ones the tests read). */
export interface Alarm {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Statistic?: string;
  ExtendedStatistic?: string;
  Period?: number;
  EvaluationPeriods?: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator?: string;
  TreatMissingData?: string;
  AlarmActions?: unknown[];
}

/** The alarms on one metric with one dimension (value rendered, e.g. `${PollMetricsLambdaFunction}`). */
export function alarmsOn(
  template: Template,
  namespace: string,
  metricName: string,
  dimension: { Name: string; Value: string },
): [string, Alarm][] {
  return resourcesOfType<Alarm>(template, "AWS::CloudWatch::Alarm").filter(
    ([, a]) =>
      a.Namespace === namespace &&
      a.MetricName === metricName &&
      (a.Dimensions ?? []).some((d) => d.Name === dimension.Name && render(d.Value) === dimension.Value),
  );
}

/** IAM's `StringLike`: `*` matches any run of characters, `?` one character; case-sensitive. */
export function stringLike(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(value);
}

/**
 * The partition keys a statement is limited to by `dynamodb:LeadingKeys` (as `ForAllValues:StringLike`
 * patterns or `ForAllValues:StringEquals` values, which contain no wildcard here), or `["*"]` when
 * it is not limited: no such condition, or one under another operator, counts as every item.
 */
export function leadingKeysOf(statement: Statement): string[] {
  for (const operator of ["ForAllValues:StringLike", "ForAllValues:StringEquals"]) {
    const keys = statement.Condition?.[operator]?.["dynamodb:LeadingKeys"];
    if (keys !== undefined) return asList(keys as string | string[]);
  }
  return ["*"];
}

/**
 * What a role may do on DynamoDB: for each action, for each resource (rendered), the partition keys
 * it may touch there (sorted; `*` is every item). Statements granting the same action on the same
 * resource add up, as IAM's allows do.
 */
export function tableAccess(template: Template, roleId: string): Record<string, Record<string, string[]>> {
  const access: Record<string, Record<string, Set<string>>> = {};
  for (const grant of roleGrants(template, roleId).filter((g) => g.action.startsWith("dynamodb:"))) {
    const byResource = access[grant.action] ?? {};
    const keys = byResource[grant.resource] ?? new Set<string>();
    for (const key of leadingKeysOf(grant.statement)) keys.add(key);
    byResource[grant.resource] = keys;
    access[grant.action] = byResource;
  }
  return Object.fromEntries(
    Object.entries(access).map(([action, byResource]) => [
      action,
      Object.fromEntries(Object.entries(byResource).map(([resource, keys]) => [resource, [...keys].sort()])),
    ]),
  );
}

/**
 * Whether Allow statements let a request through: an action they name (or cover), on a resource they
 * name (or cover), with a partition key their `dynamodb:LeadingKeys` allow. Other conditions are not
 * evaluated: the stack's DynamoDB statements have none.
 */
export function allows(statements: readonly Statement[], action: string, resource: string, key: string): boolean {
  return statements
    .filter((s) => s.Effect === "Allow")
    .some(
      (s) =>
        actionsOf(s).some((a) => covers(a, action)) &&
        resourcesOf(s).some((r) => stringLike(r, resource)) &&
        leadingKeysOf(s).some((pattern) => stringLike(pattern, key)),
    );
}

/** The IAM actions that change items (transactions are authorized as these, item by item). */
const ITEM_WRITES = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:PartiQLInsert",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PartiQLDelete",
];

/**
 * Whether a role may change an item of the table whose partition key is `pk`: an action that writes
 * items (named, or covered by a wildcard), on any resource but an index (indexes are read-only),
 * whose `dynamodb:LeadingKeys` allow that key.
 */
export function mayWriteItem(template: Template, roleId: string, pk: string): boolean {
  return roleGrants(template, roleId)
    .filter((g) => ITEM_WRITES.some((write) => covers(g.action, write)))
    .filter((g) => !g.resource.includes("/index/"))
    .some((g) => leadingKeysOf(g.statement).some((pattern) => stringLike(pattern, pk)));
}

/**
 * The template as CloudFormation would deploy it: its Conditions evaluated (Fn::Equals, Fn::Not,
 * Fn::And, Fn::Or over the literal values packaging wrote in), resources whose condition is false
 * left out, each Fn::If replaced by the branch taken, and AWS::NoValue removed.
 */
export function deployedTemplate(template: Template): Template {
  const conditions = new Map<string, boolean>();
  const evaluate = (value: unknown): boolean => {
    const v = value as Record<string, unknown[]>;
    if (v && typeof v === "object" && "Condition" in v) return conditionValue(String(v.Condition));
    const [op, args] = Object.entries(v ?? {})[0] ?? [];
    if (op === "Fn::Equals") return JSON.stringify(resolve(args?.[0])) === JSON.stringify(resolve(args?.[1]));
    if (op === "Fn::Not") return !evaluate(args?.[0]);
    if (op === "Fn::And") return (args ?? []).every(evaluate);
    if (op === "Fn::Or") return (args ?? []).some(evaluate);
    throw new Error(`cannot evaluate condition ${JSON.stringify(value)}`);
  };
  const conditionValue = (name: string): boolean => {
    if (!conditions.has(name)) conditions.set(name, evaluate(template.Conditions?.[name]));
    return conditions.get(name) as boolean;
  };
  const NO_VALUE = Symbol("NoValue");
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve).filter((v) => v !== NO_VALUE);
    if (!value || typeof value !== "object") return value;
    const v = value as Record<string, unknown>;
    if (v.Ref === "AWS::NoValue") return NO_VALUE;
    if (Array.isArray(v["Fn::If"])) {
      const [name, yes, no] = v["Fn::If"] as [string, unknown, unknown];
      return resolve(conditionValue(name) ? yes : no);
    }
    return Object.fromEntries(
      Object.entries(v)
        .map(([k, child]) => [k, resolve(child)] as const)
        .filter(([, child]) => child !== NO_VALUE),
    );
  };
  const resources = Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, r]) => r.Condition === undefined || conditionValue(r.Condition))
      .map(([id, r]) => [id, resolve(r) as Resource]),
  );
  const outputs = template.Outputs
    ? Object.fromEntries(
        Object.entries(template.Outputs)
          .filter(([, o]) => o.Condition === undefined || conditionValue(o.Condition))
          .map(([id, o]) => [id, resolve(o) as { Value: unknown }]),
      )
    : undefined;
  return { ...template, Resources: resources, ...(outputs ? { Outputs: outputs } : {}) };
}
