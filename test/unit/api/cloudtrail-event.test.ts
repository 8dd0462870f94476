import fc from "fast-check";
import {
  type ApiCall,
  callTimeOf,
  capString,
  controlTagChangeOf,
  MAX_FIELD_LENGTH,
  type ParsedEvent,
  parseApiEvent,
} from "../../../shared/core/cloudtrail-event";
import {
  amazonMqApiEvent,
  BROKER_ID,
  brokerArn,
  type CloudTrailApiEvent,
  createBrokerParameters,
  createBrokerResponse,
  DEFAULT_TIME,
  deniedApiEvent,
  mutated,
  OTHER_ACCOUNT,
  OWN_ACCOUNT,
  roleArn,
} from "../../fixtures/cloudtrail/events";

/** The parsed call, failing the test with the parser's reason when it was refused. */
function parsedCall(raw: unknown): ApiCall {
  const parsed = parseApiEvent(raw);
  if (!parsed.ok) throw new Error(`expected the event to parse, got ${parsed.reason}: ${parsed.detail}`);
  return parsed.call;
}

/** Every string in a value, keys of objects included. */
/** The principal parsed from an Amazon MQ call whose CloudTrail `userIdentity` is `identity`. */
function principalOf(identity: unknown): ApiCall["principal"] {
  const event = mutated(amazonMqApiEvent(), (e) => {
    (e.detail as Record<string, unknown>).userIdentity = identity;
  });
  return parsedCall(event).principal;
}

function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsIn(v, out);
    }
  }
  return out;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

interface Mutation {
  where: "envelope" | "detail" | "identity" | "parameters" | "replace-detail" | "long-string";
  key: string;
  value: unknown;
}

/** Replaces one field of an event (a copy) wherever the event still has an object to put it in. */
function applyMutation(event: Record<string, unknown>, m: Mutation): void {
  const detail = event.detail;
  if (m.where === "envelope") event[m.key] = m.value;
  else if (m.where === "replace-detail") event.detail = m.value;
  else if (!isObject(detail)) return;
  else if (m.where === "detail" || m.where === "long-string") detail[m.key] = m.value;
  else if (m.where === "identity" && isObject(detail.userIdentity)) detail.userIdentity[m.key] = m.value;
  else if (m.where === "parameters")
    detail.requestParameters = { ...(isObject(detail.requestParameters) ? detail.requestParameters : {}), [m.key]: m.value };
}

/** The longest a kept string may be: the cap plus the cut marker. */
const LONGEST_STRING = MAX_FIELD_LENGTH + 30;

describe("parseApiEvent", () => {
  describe("identity kinds", () => {
    it("names an IAM user by its ARN", () => {
      // Prepare
      const event = amazonMqApiEvent({ identity: "iam-user", identityOptions: { name: "carol" } });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.principal).toEqual({
        key: `arn:aws:iam::${OWN_ACCOUNT}:user/carol`,
        arn: `arn:aws:iam::${OWN_ACCOUNT}:user/carol`,
        principalId: "AIDAEXAMPLEUSER00001",
        type: "IAMUser",
        accountId: OWN_ACCOUNT,
        userName: "carol",
        sessionIssuerArn: null,
        roleArn: null,
        invokedBy: null,
        isRoot: false,
      });
    });

    it("names an assumed role by its session ARN and keeps the role that issued it", () => {
      // Prepare
      const event = amazonMqApiEvent({ identity: "assumed-role", identityOptions: { name: "DeployRole", session: "ci-4711" } });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.principal).toMatchObject({
        key: `arn:aws:sts::${OWN_ACCOUNT}:assumed-role/DeployRole/ci-4711`,
        type: "AssumedRole",
        principalId: "AROAEXAMPLEROLE00001:ci-4711",
        sessionIssuerArn: roleArn("DeployRole"),
        roleArn: roleArn("DeployRole"),
        userName: null,
        isRoot: false,
      });
    });

    it("recognises the root user by its identity type and ARN", () => {
      // Prepare
      const event = amazonMqApiEvent({ identity: "root" });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.principal).toMatchObject({ key: `arn:aws:iam::${OWN_ACCOUNT}:root`, type: "Root", isRoot: true });
    });

    it.each([
      { shape: "type Root without an ARN", identity: { type: "Root", userName: "root" }, isRoot: true },
      { shape: "an ARN ending in :root without a type", identity: { arn: `arn:aws:iam::${OWN_ACCOUNT}:root` }, isRoot: true },
      {
        shape: "an assumed-role session named root",
        identity: { type: "AssumedRole", arn: `arn:aws:sts::${OWN_ACCOUNT}:assumed-role/Admin/root` },
        isRoot: false,
      },
      { shape: "an IAM user named root", identity: { type: "IAMUser", arn: `arn:aws:iam::${OWN_ACCOUNT}:user/root` }, isRoot: false },
    ])("tells the root user from other principals for $shape", ({ identity, isRoot }) => {
      // Act
      const principal = principalOf(identity);

      // Assess
      expect(principal.isRoot).toBe(isRoot);
    });

    it("names an AWS service call after the service that made it", () => {
      // Prepare
      const event = amazonMqApiEvent({ identity: "aws-service", identityOptions: { invokedBy: "mq.amazonaws.com" } });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.principal).toMatchObject({
        key: "mq.amazonaws.com",
        arn: null,
        principalId: null,
        roleArn: null,
        type: "AWSService",
        invokedBy: "mq.amazonaws.com",
      });
    });

    it("keeps the principal's account apart from the account called, for a role of another account", () => {
      // Prepare
      const event = amazonMqApiEvent({ identity: "cross-account-role" });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.principal.accountId).toBe(OTHER_ACCOUNT);
      expect(call.recipientAccountId).toBe(OWN_ACCOUNT);
      expect(call.principal.sessionIssuerArn).toBe(roleArn("PartnerAuditRole", OTHER_ACCOUNT));
    });

    it.each([
      { case: "the ARN", identity: { arn: "arn:aws:iam::1:user/a", principalId: "AIDA1" }, key: "arn:aws:iam::1:user/a" },
      { case: "the principal id without an ARN", identity: { principalId: "AIDA1" }, key: "AIDA1" },
      {
        case: "the service without an ARN or principal id",
        identity: { type: "AWSService", invokedBy: "config.amazonaws.com" },
        key: "config.amazonaws.com",
      },
      {
        case: "account and user name for a user logged by name only",
        identity: { type: "IAMUser", accountId: OTHER_ACCOUNT, userName: "alice" },
        key: `${OTHER_ACCOUNT}:alice`,
      },
      {
        case: "the called account and user name when the user's account is not logged",
        identity: { type: "IAMUser", userName: "alice" },
        key: `${OWN_ACCOUNT}:alice`,
      },
      { case: "the principal id before the service", identity: { principalId: "AROA1:s", invokedBy: "eks.amazonaws.com" }, key: "AROA1:s" },
      { case: "unknown without any of them", identity: { type: "Unknown" }, key: "unknown" },
      { case: "unknown for an ARN of the wrong type", identity: { arn: 42, principalId: ["x"] }, key: "unknown" },
      { case: "the principal id when the ARN is empty", identity: { type: "Root", arn: "", principalId: "123" }, key: "123" },
      {
        case: "the service when the ARN and principal id are blank",
        identity: { arn: " ", principalId: "", invokedBy: "mq.amazonaws.com" },
        key: "mq.amazonaws.com",
      },
      { case: "unknown when every field is empty", identity: { arn: "", principalId: "", invokedBy: "", userName: "" }, key: "unknown" },
    ])("keys the principal by $case", ({ identity, key }) => {
      // Act
      const principal = principalOf(identity);

      // Assess
      expect(principal.key).toBe(key);
    });
  });

  describe("the call", () => {
    it("reads a denied call's error, time, ids and origin", () => {
      // Prepare
      const at = DEFAULT_TIME + 90_000;
      const event = deniedApiEvent({
        id: "eb-0001",
        cloudTrailEventId: "ct-0001",
        eventName: "DeleteBroker",
        errorCode: "AccessDeniedException",
        errorMessage: "not allowed",
        at,
        sourceIp: "198.51.100.7",
        userAgent: "Boto3/1.34",
      });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call).toMatchObject({
        eventId: "eb-0001",
        cloudTrailEventId: "ct-0001",
        at,
        eventName: "DeleteBroker",
        errorCode: "AccessDeniedException",
        errorMessage: "not allowed",
        readOnly: false,
        sourceIp: "198.51.100.7",
        userAgent: "Boto3/1.34",
        region: "eu-west-1",
        recipientAccountId: OWN_ACCOUNT,
        brokerId: BROKER_ID,
      });
    });

    it("takes the envelope time when the record has none", () => {
      // Prepare
      const event = mutated(amazonMqApiEvent({ at: DEFAULT_TIME, envelopeAt: DEFAULT_TIME + 60_000 }), (e) => {
        delete (e.detail as Record<string, unknown>).eventTime;
      });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.at).toBe(DEFAULT_TIME + 60_000);
    });

    it("leaves the time null when no time can be read", () => {
      // Prepare
      const event = mutated(amazonMqApiEvent(), (e) => {
        (e.detail as Record<string, unknown>).eventTime = "yesterday";
        e.time = 1234;
      });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.at).toBeNull();
    });

    it("falls back to the CloudTrail event id when the envelope has no id", () => {
      // Prepare
      const event = mutated(amazonMqApiEvent({ cloudTrailEventId: "ct-42" }), (e) => {
        delete e.id;
      });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.eventId).toBe("ct-42");
    });

    it.each([
      { eventName: "DescribeBroker", recorded: "absent", readOnly: true },
      { eventName: "ListBrokers", recorded: "absent", readOnly: true },
      { eventName: "GetSomething", recorded: "absent", readOnly: true },
      { eventName: "UpdateBroker", recorded: "absent", readOnly: false },
      { eventName: "RebootBroker", recorded: "absent", readOnly: false },
      { eventName: "DescribeBroker", recorded: false, readOnly: false },
      { eventName: "UpdateBroker", recorded: true, readOnly: true },
      { eventName: "ListUsers", recorded: "True", readOnly: true },
    ] as const)("reads readOnly $readOnly for $eventName when the record says $recorded", ({ eventName, recorded, readOnly }) => {
      // Prepare: "True" (a string) is a shape seen in real records; a field of the wrong type is treated as absent.
      const event = mutated(amazonMqApiEvent({ eventName, readOnly: "absent" }), (e) => {
        if (recorded !== "absent") (e.detail as Record<string, unknown>).readOnly = recorded;
      });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.readOnly).toBe(readOnly);
    });

    it.each([
      { case: "a broker id", requestParameters: { brokerId: "b-123" }, brokerId: "b-123" },
      { case: "the path parameter's other spelling", requestParameters: { "broker-id": "b-456" }, brokerId: "b-456" },
      { case: "a broker ARN", requestParameters: { resourceArn: brokerArn("orders", "b-789") }, brokerId: "b-789" },
      {
        case: "a GovCloud broker ARN",
        requestParameters: { resourceArn: "arn:aws-us-gov:mq:us-gov-west-1:1:broker:o:b-1" },
        brokerId: "b-1",
      },
      { case: "a configuration ARN", requestParameters: { resourceArn: "arn:aws:mq:eu-west-1:1:configuration:c-1" }, brokerId: null },
      { case: "no request parameters", requestParameters: null, brokerId: null },
      { case: "a configuration id only", requestParameters: { configurationId: "c-1" }, brokerId: null },
      { case: "a broker id of the wrong type", requestParameters: { brokerId: 7 }, brokerId: null },
      { case: "an empty broker id", requestParameters: { brokerId: "" }, brokerId: null },
    ])("reads the broker id from $case", ({ requestParameters, brokerId }) => {
      // Prepare
      const event = amazonMqApiEvent({ eventName: "UpdateBroker", requestParameters });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.brokerId).toBe(brokerId);
      expect(call.requestParameters).toEqual(requestParameters ?? {});
    });

    it("reads a new broker's id from CreateBroker's response and keeps the response, capped", () => {
      // Prepare
      const event = amazonMqApiEvent({
        eventName: "CreateBroker",
        requestParameters: createBrokerParameters("orders"),
        responseElements: { ...createBrokerResponse("orders", "b-new"), note: "x".repeat(5_000) },
      });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.brokerId).toBe("b-new");
      expect(call.responseElements.brokerArn).toBe(brokerArn("orders", "b-new"));
      expect(String(call.responseElements.note).length).toBeLessThan(300);
    });

    it("prefers the request's broker id to the response's", () => {
      // Prepare
      const event = amazonMqApiEvent({
        eventName: "UpdateBroker",
        requestParameters: { brokerId: "b-asked" },
        responseElements: { brokerId: "b-other" },
      });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.brokerId).toBe("b-asked");
    });

    it("keeps the request parameters of a real-shaped UpdateBroker", () => {
      // Prepare
      const requestParameters = {
        brokerId: BROKER_ID,
        securityGroups: ["sg-0a1b2c3d"],
        logs: { audit: false, general: true },
        configuration: { id: "c-1234", revision: 3 },
        autoMinorVersionUpgrade: false,
      };
      const event = amazonMqApiEvent({ eventName: "UpdateBroker", requestParameters });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.requestParameters).toEqual(requestParameters);
    });
  });

  describe("hostile and malformed input", () => {
    const valid = amazonMqApiEvent({ id: "eb-malformed" });
    const withDetail = (detail: unknown) => mutated(valid, (e) => (e.detail = detail));
    const withDetailField = (key: string, value: unknown) =>
      mutated(valid, (e) => {
        (e.detail as Record<string, unknown>)[key] = value;
      });
    const withoutDetailField = (key: string) =>
      mutated(valid, (e) => {
        delete (e.detail as Record<string, unknown>)[key];
      });

    it.each<[string, unknown, "malformed" | "not-amazon-mq"]>([
      ["null", null, "malformed"],
      ["undefined", undefined, "malformed"],
      ["a string", JSON.stringify(valid), "malformed"],
      ["a number", 42, "malformed"],
      ["an array", [valid], "malformed"],
      ["an empty object", {}, "malformed"],
      ["an event without detail", mutated(valid, (e) => delete e.detail), "malformed"],
      ["a detail that is a string", withDetail("{}"), "malformed"],
      ["a detail that is an array", withDetail([valid.detail]), "malformed"],
      ["a detail that is null", withDetail(null), "malformed"],
      ["a detail without eventName", withoutDetailField("eventName"), "malformed"],
      ["an eventName that is a number", withDetailField("eventName", 7), "malformed"],
      ["an empty eventName", withDetailField("eventName", ""), "malformed"],
      ["an event without any id", mutated(withoutDetailField("eventID"), (e) => delete e.id), "malformed"],
      ["another source (aws.ec2)", mutated(valid, (e) => (e.source = "aws.ec2")), "not-amazon-mq"],
      ["another detail-type", mutated(valid, (e) => (e["detail-type"] = "AWS Console Sign In via CloudTrail")), "not-amazon-mq"],
      ["another eventSource", withDetailField("eventSource", "ec2.amazonaws.com"), "not-amazon-mq"],
      ["the eventSource mq.amazonaws.com (invokedBy, not the API)", withDetailField("eventSource", "mq.amazonaws.com"), "not-amazon-mq"],
    ])("refuses %s without throwing", (_case, raw, reason) => {
      // Act
      const parsed = parseApiEvent(raw);

      // Assess
      expect(parsed).toMatchObject({ ok: false, reason });
    });

    it("keeps the event id of a refused event that had one, for the log", () => {
      // Act
      const parsed = parseApiEvent(mutated(valid, (e) => (e.source = "aws.ec2")));

      // Assess
      expect(parsed).toEqual<ParsedEvent>({ ok: false, reason: "not-amazon-mq", detail: "source aws.ec2", eventId: "eb-malformed" });
    });

    it("tolerates a userIdentity that is an array: the principal is unknown", () => {
      // Prepare
      const event = withDetailField("userIdentity", [{ arn: "arn:aws:iam::1:user/a" }]);

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.principal.key).toBe("unknown");
      expect(call.principal.isRoot).toBe(false);
    });

    it.each([
      ["userAgent", "userAgent"],
      ["sourceIPAddress", "sourceIp"],
      ["errorMessage", "errorMessage"],
    ] as const)("keeps a 200 KB %s capped to MAX_FIELD_LENGTH and marks the cut", (field, key) => {
      // Prepare
      const huge = "A".repeat(200 * 1024);
      const event = withDetailField(field, huge);

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call[key]).toBe(`${"A".repeat(MAX_FIELD_LENGTH)}…[+${huge.length - MAX_FIELD_LENGTH} chars]`);
    });

    it("caps a huge principal ARN and event name", () => {
      // Prepare
      const event = mutated(valid, (e) => {
        const detail = e.detail as Record<string, unknown>;
        detail.eventName = `Describe${"x".repeat(10_000)}`;
        detail.userIdentity = { type: "IAMUser", arn: `arn:aws:iam::1:user/${"y".repeat(50_000)}` };
      });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.eventName.length).toBeLessThanOrEqual(128 + 30);
      expect(call.eventName.startsWith("Describe")).toBe(true);
      expect(call.readOnly).toBe(true);
      expect(call.principal.key.length).toBeLessThanOrEqual(LONGEST_STRING);
      expect(call.principal.key).toMatch(/…\[\+\d+ chars\]$/);
    });

    it("limits deep request parameters", () => {
      // Prepare: 40 levels of nesting
      let deep: Record<string, unknown> = { leaf: "x" };
      for (let i = 0; i < 40; i++) deep = { next: deep };
      const event = withDetailField("requestParameters", { brokerId: "b-1", deep });

      // Act
      const call = parsedCall(event);

      // Assess
      expect(call.requestParameters).toEqual({ brokerId: "b-1", deep: { next: { next: { next: "[nested]" } } } });
    });

    it("limits huge request parameters: keys, items and strings", () => {
      // Prepare
      const manyKeys = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i]));
      const event = withDetailField("requestParameters", {
        brokerId: "b-1",
        groups: Array.from({ length: 10_000 }, (_, i) => `group-${i}`),
        manyKeys,
        password: "p".repeat(100_000),
        [`key-${"k".repeat(1_000)}`]: true,
      });

      // Act
      const call = parsedCall(event);

      // Assess
      const p = call.requestParameters;
      expect(p.groups as unknown[]).toHaveLength(50);
      expect(Object.keys(p.manyKeys as object)).toHaveLength(50);
      expect((p.password as string).length).toBeLessThan(300);
      expect(Object.keys(p).every((k) => k.length <= 64 + 30)).toBe(true);
      expect(stringsIn(call).every((s) => s.length <= LONGEST_STRING)).toBe(true);
    });

    it("drops request parameters that are not an object", () => {
      // Act
      const call = parsedCall(withDetailField("requestParameters", ["b-1"]));

      // Assess
      expect(call.requestParameters).toEqual({});
      expect(call.brokerId).toBeNull();
    });
  });

  describe("properties", () => {
    const assertWellFormed = (parsed: ParsedEvent) => {
      expect(typeof parsed.ok).toBe("boolean");
      if (parsed.ok) {
        for (const s of stringsIn(parsed.call)) expect(s.length).toBeLessThanOrEqual(LONGEST_STRING);
      } else {
        expect(["malformed", "not-amazon-mq"]).toContain(parsed.reason);
      }
    };

    it("returns a result for any input without throwing", () => {
      fc.assert(
        fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }), (raw) => {
          // Act
          const parsed = parseApiEvent(raw);

          // Assess
          assertWellFormed(parsed);
        }),
        { numRuns: 500 },
      );
    });

    const base: CloudTrailApiEvent[] = [
      amazonMqApiEvent({
        eventName: "UpdateBroker",
        identity: "assumed-role",
        requestParameters: { brokerId: "b-1", logs: { audit: false } },
      }),
      deniedApiEvent({ eventName: "DescribeBroker", identity: "cross-account-role" }),
      amazonMqApiEvent({ eventName: "CreateUser", identity: "root", requestParameters: { brokerId: "b-1", username: "u" } }),
      amazonMqApiEvent({ eventName: "ListBrokers", identity: "aws-service" }),
    ];
    const detailKeys = Object.keys(base[0]?.detail ?? {});
    const envelopeKeys = Object.keys(base[0] ?? {});
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ where: fc.constant("envelope" as const), key: fc.constantFrom(...envelopeKeys), value: fc.anything() }),
      fc.record({ where: fc.constant("detail" as const), key: fc.constantFrom(...detailKeys), value: fc.anything() }),
      fc.record({ where: fc.constant("detail" as const), key: fc.string(), value: fc.anything() }),
      fc.record({
        where: fc.constant("identity" as const),
        key: fc.constantFrom("type", "arn", "principalId", "sessionContext"),
        value: fc.anything(),
      }),
      fc.record({ where: fc.constant("parameters" as const), key: fc.string(), value: fc.anything() }),
      fc.record({ where: fc.constant("replace-detail" as const), key: fc.constant(""), value: fc.object() }),
      fc.record({
        where: fc.constant("long-string" as const),
        key: fc.constantFrom(...detailKeys),
        value: fc.string({ minLength: 600, maxLength: 5_000 }),
      }),
    );

    it("returns a result without throwing for valid events with any field replaced, and keeps every string short", () => {
      fc.assert(
        fc.property(fc.constantFrom(...base), fc.array(mutation, { minLength: 1, maxLength: 4 }), (event, mutations) => {
          // Prepare
          const raw = mutated(event, (e) => {
            for (const m of mutations) applyMutation(e, m);
          });

          // Act
          const parsed = parseApiEvent(raw);

          // Assess
          assertWellFormed(parsed);
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe("controlTagChangeOf", () => {
  it.each<{ case: string; eventName: string; requestParameters: Record<string, unknown>; errorCode?: string; change: unknown }>([
    {
      case: "a CreateTags setting the ignore tag",
      eventName: "CreateTags",
      requestParameters: { resourceArn: brokerArn("orders"), tags: { "mq-sentinel:ignore": "true", team: "search" } },
      change: { set: { "mq-sentinel:ignore": "true" }, removed: [] },
    },
    {
      case: "a CreateTags setting the opt-in tag",
      eventName: "CreateTags",
      requestParameters: { resourceArn: brokerArn("orders"), tags: { "mq-sentinel:remediate": "reboot" } },
      change: { set: { "mq-sentinel:remediate": "reboot" }, removed: [] },
    },
    {
      case: "a DeleteTags removing the opt-in tag (a list)",
      eventName: "DeleteTags",
      requestParameters: { resourceArn: brokerArn("orders"), tagKeys: ["mq-sentinel:remediate", "temporary"] },
      change: { set: {}, removed: ["mq-sentinel:remediate"] },
    },
    {
      case: "a DeleteTags removing the ignore tag (a query string)",
      eventName: "DeleteTags",
      requestParameters: { resourceArn: brokerArn("orders"), tagKeys: "temporary, mq-sentinel:ignore" },
      change: { set: {}, removed: ["mq-sentinel:ignore"] },
    },
    {
      case: "a CreateTags on other keys only",
      eventName: "CreateTags",
      requestParameters: { resourceArn: brokerArn("orders"), tags: { "cost-center": "4410" } },
      change: null,
    },
    {
      case: "a key that only looks alike (another case)",
      eventName: "CreateTags",
      requestParameters: { resourceArn: brokerArn("orders"), tags: { "MQ-Sentinel:ignore": "true" } },
      change: null,
    },
    {
      case: "a denied CreateTags",
      eventName: "CreateTags",
      errorCode: "AccessDeniedException",
      requestParameters: { resourceArn: brokerArn("orders"), tags: { "mq-sentinel:ignore": "true" } },
      change: null,
    },
    {
      case: "tags that are not a map",
      eventName: "CreateTags",
      requestParameters: { resourceArn: brokerArn("orders"), tags: ["mq-sentinel:ignore"] },
      change: null,
    },
    {
      case: "another call",
      eventName: "UpdateBroker",
      requestParameters: { brokerId: BROKER_ID, tags: { "mq-sentinel:ignore": "true" } },
      change: null,
    },
  ])("reads $case", ({ eventName, requestParameters, errorCode, change }) => {
    // Prepare
    const call = parsedCall(amazonMqApiEvent({ eventName, requestParameters, ...(errorCode ? { errorCode } : {}) }));

    // Act
    const read = controlTagChangeOf(call);

    // Assess
    expect(read).toEqual(change);
  });
});

describe("callTimeOf", () => {
  const NOW = DEFAULT_TIME + 60 * 60_000;

  it.each([
    { case: "the call's time, however late it arrives", at: NOW - 20 * 60_000, time: NOW - 20 * 60_000 },
    { case: "a time a little ahead of the clock (skew)", at: NOW + 60_000, time: NOW + 60_000 },
    { case: "now for a time far in the future", at: NOW + 6 * 60 * 60_000, time: NOW },
    { case: "now when the call has no time", at: null, time: NOW },
  ])("gives $case", ({ at, time }) => {
    // Act
    const result = callTimeOf({ at }, NOW);

    // Assess
    expect(result).toBe(time);
  });
});

describe("capString", () => {
  it.each([
    { case: "an empty string", value: "", max: 5, expected: "" },
    { case: "a string at the limit", value: "abcde", max: 5, expected: "abcde" },
    { case: "a string one over the limit", value: "abcdef", max: 5, expected: "abcde…[+1 chars]" },
  ])("keeps $case as $expected", ({ value, max, expected }) => {
    // Act
    const capped = capString(value, max);

    // Assess
    expect(capped).toBe(expected);
  });

  it("caps at MAX_FIELD_LENGTH by default", () => {
    // Act
    const capped = capString("z".repeat(MAX_FIELD_LENGTH + 1));

    // Assess
    expect(capped).toBe(`${"z".repeat(MAX_FIELD_LENGTH)}…[+1 chars]`);
  });
});
