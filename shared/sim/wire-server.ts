import { XmlShapeSerializer } from "@aws-sdk/core/protocols";
import { HttpResponse } from "@smithy/core/protocols";
import { deref, NormalizedSchema, type TypeRegistry } from "@smithy/core/schema";
import type { $SchemaRef, HttpRequest, SchemaTraits, StaticListSchema, StaticOperationSchema, StaticStructureSchema } from "@smithy/types";
import { SimulatedServiceError } from "./simulated-account";

/**
 * The server side of the AWS wire protocols, for the simulated account. It reads the HTTP request
 * an SDK client serialized (the operation, and its input read with the operation's own input
 * schema) and writes the HTTP response the service would send (the output, or an error), with the
 * SDK's own codecs and schemas, so the client's serializers, deserializers and error parsing all
 * run as they do against AWS, and the wire names come from the SDK's model, not from a hand-made map.
 *
 * - awsJson1_0 / awsJson1_1 (CloudWatch): `X-Amz-Target` names the operation; JSON both ways with the
 *   client protocol's own codec; errors carry `__type` and `message`, plus `x-amzn-query-error`
 *   (`Code;Sender`) when the client speaks the query-compatible dialect (`x-amzn-query-mode`).
 * - restJson1 (Amazon MQ): method and path (the operation's `http` trait) name the operation; path
 *   labels, query and body members as the input schema binds them; names from the model's
 *   `jsonName` (camelCase); errors as `x-amzn-errortype` with a JSON body.
 * - awsQuery (SNS) and ec2Query (EC2): form parameters read with the key rules the SDK's
 *   QueryShapeSerializer writes them by; XML written by the SDK's XmlShapeSerializer from the output
 *   schema (its `xmlName`s, e.g. EC2's `securityGroupInfo`/`item`) inside the envelopes of the AWS
 *   API references (`<XResponse><XResult>…<ResponseMetadata>` for awsQuery, `<XResponse><requestId>…`
 *   for EC2); errors as `<ErrorResponse><Error>` and EC2's `<Response><Errors><Error>`.
 */

/** One request as the simulated service understood it. */
export interface WireCall {
  operation: string;
  input: Record<string, unknown>;
}

/** A simulated AWS service's model: the SDK's own schemas of what it answers and of its errors. */
export interface ServiceModel {
  /** The operations the service answers (the client package's `GetMetricData$`, ...). */
  operations: readonly StaticOperationSchema[];
  /** The service's modeled errors (the client package's `errorTypeRegistries`). */
  errors: readonly TypeRegistry[];
}

/** An SDK client's protocol, as far as the server side needs it. */
export interface ClientProtocol {
  getShapeId(): string;
  getPayloadCodec(): unknown;
  options?: { defaultNamespace?: string; xmlNamespace?: string; version?: string };
}

/** Reads requests and writes responses of one protocol, as the service does. */
export interface WireServer {
  /** The operation a serialized request calls and its input; throws a `SimulatedServiceError` for a request the service would refuse. */
  readRequest(request: HttpRequest): Promise<WireCall>;
  /** The response carrying an operation's output. */
  writeOutput(call: WireCall, output: Record<string, unknown>, requestId: string): HttpResponse;
  /** The error response for a refused request. */
  writeError(request: HttpRequest, error: SimulatedServiceError, requestId: string): HttpResponse;
}

/** A JSON codec of the SDK (JsonCodec / JsonCodec2), as used here. */
interface JsonCodec {
  createSerializer(): JsonSerializer;
  createDeserializer(): JsonDeserializer;
}
type JsonSerializer = { write(schema: $SchemaRef, value: unknown): void; flush(): string | Uint8Array };
type JsonDeserializer = { read(schema: $SchemaRef, data: string | Uint8Array): Promise<unknown> | unknown };

/**
 * One serializer and one deserializer of the client's codec, made once and reused: each call's
 * write-and-flush and read run to completion synchronously, so calls in flight never share a buffer.
 */
class JsonSerde {
  readonly serializer: JsonSerializer;
  readonly deserializer: JsonDeserializer;

  constructor(codec: JsonCodec) {
    this.serializer = codec.createSerializer();
    this.deserializer = codec.createDeserializer();
  }

  write(schema: $SchemaRef, value: unknown): string | Uint8Array {
    this.serializer.write(schema, value);
    return this.serializer.flush();
  }

  async read(schema: $SchemaRef, text: string): Promise<Record<string, unknown>> {
    return (await this.deserializer.read(schema, text)) as Record<string, unknown>;
  }
}

/** The server of `protocol` (an SDK client's `config.protocol`) answering for `model`. */
export function wireServerFor(protocol: ClientProtocol, model: ServiceModel): WireServer {
  const shapeId = protocol.getShapeId();
  const operations = new Map(model.operations.map((op) => [op[2], op]));
  const errors = new ModeledErrors(model.errors);
  switch (shapeId) {
    case "aws.protocols#awsJson1_0":
    case "aws.protocols#awsJson1_1":
      return new JsonRpcServer(protocol.getPayloadCodec() as JsonCodec, shapeId.endsWith("1_0") ? "1.0" : "1.1", operations, errors);
    case "aws.protocols#restJson1":
      return new RestJsonServer(protocol.getPayloadCodec() as JsonCodec, model.operations, errors);
    case "aws.protocols#awsQuery":
    case "aws.protocols#ec2Query":
      return new QueryServer(shapeId === "aws.protocols#ec2Query", protocol.options ?? {}, operations, errors);
    default:
      throw new Error(`the simulated account does not speak ${shapeId}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------

/** An error as a service answers it: the modeled error when there is one, else the bare name. */
interface WireError {
  /** The error's shape name (`NotFoundException`), or the name itself when it is not modeled. */
  name: string;
  /** The modeled error's schema, if any. */
  schema: $SchemaRef | null;
  /** The awsQuery error code (`InternalError` for SNS's InternalErrorException): the model's `awsQueryError`, else the name. */
  queryCode: string;
  status: number;
  message: string;
}

/** The service's modeled errors, found by shape name or by their awsQuery code. */
class ModeledErrors {
  private readonly byName = new Map<string, WireError | null>();

  constructor(private readonly registries: readonly TypeRegistry[]) {}

  /** What the service answers for `error`: the modeled error's status, else the status the name implies. */
  of(error: SimulatedServiceError): WireError {
    const modeled = this.lookUp(error.name);
    if (modeled) return { ...modeled, message: error.message };
    return { name: error.name, schema: null, queryCode: error.name, status: error.$metadata.httpStatusCode, message: error.message };
  }

  private lookUp(name: string): WireError | null {
    if (this.byName.has(name)) return this.byName.get(name) ?? null;
    let found: WireError | null = null;
    for (const registry of this.registries) {
      const schema = registry.find((s) => {
        const ns = NormalizedSchema.of(s);
        if ((ns.getName(true) ?? "").startsWith("smithy.ts.sdk.synthetic.")) return false; // the SDK's base exception
        const traits = ns.getMergedTraits();
        return traits.error !== undefined && (ns.getName() === name || queryErrorOf(traits)?.[0] === name);
      });
      if (schema === undefined) continue;
      const ns = NormalizedSchema.of(schema);
      const traits = ns.getMergedTraits();
      const query = queryErrorOf(traits);
      const status = Number(traits.httpError ?? query?.[1] ?? (traits.error === "server" ? 500 : 400));
      found = { name: ns.getName() ?? name, schema: schema as $SchemaRef, queryCode: query?.[0] ?? name, status, message: "" };
      break;
    }
    this.byName.set(name, found);
    return found;
  }
}

function queryErrorOf(traits: Record<string, unknown>): [string, number] | undefined {
  return traits.awsQueryError as [string, number] | undefined;
}

/** `Sender` for the caller's faults (4xx), `Receiver` for the service's. */
function faultOf(status: number): "Sender" | "Receiver" {
  return status >= 500 ? "Receiver" : "Sender";
}

// ---------------------------------------------------------------------------------------------------------
// JSON protocols
// ---------------------------------------------------------------------------------------------------------

/** awsJson1_0 / awsJson1_1. */
class JsonRpcServer implements WireServer {
  private readonly contentType: string;
  private readonly json: JsonSerde;

  constructor(
    codec: JsonCodec,
    version: "1.0" | "1.1",
    private readonly operations: ReadonlyMap<string, StaticOperationSchema>,
    private readonly errors: ModeledErrors,
  ) {
    this.contentType = `application/x-amz-json-${version}`;
    this.json = new JsonSerde(codec);
  }

  async readRequest(request: HttpRequest): Promise<WireCall> {
    const target = headerOf(request, "x-amz-target") ?? "";
    const operation = target.slice(target.lastIndexOf(".") + 1);
    const schema = this.operations.get(operation);
    if (request.method !== "POST" || !target.includes(".") || !schema) {
      throw new SimulatedServiceError("UnknownOperationException", `the simulated service does not answer ${target || "this request"}`);
    }
    if (!(headerOf(request, "content-type") ?? "").startsWith(this.contentType)) {
      throw new SimulatedServiceError("SerializationException", `expected ${this.contentType}`);
    }
    return { operation, input: await this.json.read(schema[4], bodyText(request) || "{}") };
  }

  writeOutput(call: WireCall, output: Record<string, unknown>, requestId: string): HttpResponse {
    const schema = this.operations.get(call.operation) as StaticOperationSchema;
    return response(200, { "content-type": this.contentType, "x-amzn-requestid": requestId }, this.json.write(schema[5], output));
  }

  writeError(request: HttpRequest, error: SimulatedServiceError, requestId: string): HttpResponse {
    const e = this.errors.of(error);
    const headers: Record<string, string> = { "content-type": this.contentType, "x-amzn-requestid": requestId };
    // Query-compatible services (CloudWatch) also name the awsQuery code, which the SDK reports.
    if (headerOf(request, "x-amzn-query-mode") === "true") headers["x-amzn-query-error"] = `${e.queryCode};${faultOf(e.status)}`;
    const type = e.schema ? (NormalizedSchema.of(e.schema).getName(true) ?? e.name) : e.name;
    return response(e.status, headers, JSON.stringify({ __type: type, message: e.message }));
  }
}

interface Route {
  schema: StaticOperationSchema;
  method: string;
  /** Path segments of the `http` trait's URI; `{Label}` and `{Label+}` are labels. */
  segments: string[];
  /** Literal query parameters of the URI (`?x-id=...`). */
  query: Record<string, string>;
  status: number;
}

/** restJson1. */
class RestJsonServer implements WireServer {
  private readonly routes: Route[];
  private readonly byName = new Map<string, Route>();
  private readonly json: JsonSerde;

  constructor(
    codec: JsonCodec,
    operations: readonly StaticOperationSchema[],
    private readonly errors: ModeledErrors,
  ) {
    this.routes = operations.map((schema) => {
      const [method, uri, status] = (schema[3] as { http?: [string, string, number] }).http ?? ["POST", "/", 200];
      const [path = "/", literal = ""] = uri.split("?");
      const query = Object.fromEntries(new URLSearchParams(literal));
      return { schema, method, segments: path.split("/").filter(Boolean), query, status };
    });
    for (const r of this.routes) this.byName.set(r.schema[2], r);
    this.json = new JsonSerde(codec);
  }

  async readRequest(request: HttpRequest): Promise<WireCall> {
    const segments = request.path.split("/").filter(Boolean);
    for (const route of this.routes) {
      const labels = matchRoute(route, request, segments);
      if (!labels) continue;
      return { operation: route.schema[2], input: await this.readInput(route, request, labels) };
    }
    throw new SimulatedServiceError("UnknownOperationException", `the simulated service does not answer ${request.method} ${request.path}`);
  }

  private async readInput(route: Route, request: HttpRequest, labels: Map<string, string>): Promise<Record<string, unknown>> {
    const input = NormalizedSchema.of(route.schema[4]);
    const text = bodyText(request);
    const fromBody = text ? await this.json.read(route.schema[4], text) : {};
    const out: Record<string, unknown> = {};
    for (const [name, member] of input.structIterator()) {
      const traits = member.getMergedTraits();
      let raw: string | string[] | undefined;
      if (traits.httpLabel) raw = labels.get(name);
      else if (typeof traits.httpQuery === "string") raw = request.query?.[traits.httpQuery] ?? undefined;
      else if (typeof traits.httpHeader === "string") raw = headerOf(request, traits.httpHeader);
      else if (fromBody[name] !== undefined) {
        out[name] = fromBody[name];
        continue;
      }
      if (raw === undefined || raw === null) continue;
      out[name] = member.isListSchema()
        ? (Array.isArray(raw) ? raw : [raw]).map((v) => fromString(member.getValueSchema(), v))
        : fromString(member, Array.isArray(raw) ? (raw[0] as string) : raw);
    }
    return out;
  }

  writeOutput(call: WireCall, output: Record<string, unknown>, requestId: string): HttpResponse {
    const route = this.byName.get(call.operation) as Route;
    const headers: Record<string, string> = { "content-type": "application/json", "x-amzn-requestid": requestId };
    const body: Record<string, unknown> = {};
    for (const [name, member] of NormalizedSchema.of(route.schema[5]).structIterator()) {
      const value = output[name];
      if (value === undefined || value === null) continue;
      const traits = member.getMergedTraits();
      if (typeof traits.httpHeader === "string") headers[traits.httpHeader.toLowerCase()] = String(value);
      else if (traits.httpResponseCode || traits.httpPayload) throw new Error(`${call.operation}: ${name}'s HTTP binding is not simulated`);
      else body[name] = value;
    }
    return response(route.status, headers, this.json.write(route.schema[5], body));
  }

  writeError(_request: HttpRequest, error: SimulatedServiceError, requestId: string): HttpResponse {
    const e = this.errors.of(error);
    let body: string | Uint8Array = JSON.stringify({ message: e.message });
    if (e.schema) {
      // The modeled error's own members, named as the model names them on the wire (MQ: `message`).
      body = this.json.write(e.schema, { Message: e.message, message: e.message });
    }
    return response(e.status, { "content-type": "application/json", "x-amzn-requestid": requestId, "x-amzn-errortype": e.name }, body);
  }
}

/** The labels of a request that matches `route`, or null. */
function matchRoute(route: Route, request: HttpRequest, segments: readonly string[]): Map<string, string> | null {
  if (request.method !== route.method) return null;
  for (const [k, v] of Object.entries(route.query)) if (request.query?.[k] !== v) return null;
  const labels = new Map<string, string>();
  for (let i = 0; i < route.segments.length; i++) {
    const pattern = route.segments[i] as string;
    const label = /^\{(\w+)(\+?)\}$/.exec(pattern);
    if (label?.[2]) {
      labels.set(label[1] as string, segments.slice(i).map(decodeURIComponent).join("/"));
      return labels;
    }
    const segment = segments[i];
    if (segment === undefined) return null;
    if (label) labels.set(label[1] as string, decodeURIComponent(segment));
    else if (segment !== pattern) return null;
  }
  return segments.length === route.segments.length ? labels : null;
}

// ---------------------------------------------------------------------------------------------------------
// Query protocols (form in, XML out)
// ---------------------------------------------------------------------------------------------------------

/** The key rules of the SDK's QueryShapeSerializer: ec2Query flattens lists and capitalizes keys. */
interface QueryKeyRules {
  ec2: boolean;
}

/** awsQuery and ec2Query. */
class QueryServer implements WireServer {
  private readonly xml: XmlShapeSerializer;
  private readonly errorXml: XmlShapeSerializer;
  private readonly namespace: string;
  /** The response document schema of each operation, built once (the SDK caches work on schema objects). */
  private readonly envelopes = new Map<string, Envelope>();
  private readonly errorEnvelope: Envelope;

  constructor(
    private readonly ec2: boolean,
    private readonly options: NonNullable<ClientProtocol["options"]>,
    private readonly operations: ReadonlyMap<string, StaticOperationSchema>,
    private readonly errors: ModeledErrors,
  ) {
    this.namespace = options.defaultNamespace ?? "";
    const settings = { timestampFormat: { useTrait: true, default: 5 as const }, serviceNamespace: this.namespace };
    this.xml = new XmlShapeSerializer({ ...settings, xmlNamespace: xmlNamespaceOf(options.xmlNamespace ?? "") });
    // EC2's error documents have no namespace; awsQuery's do.
    this.errorXml = new XmlShapeSerializer({ ...settings, xmlNamespace: ec2 ? "" : xmlNamespaceOf(options.xmlNamespace ?? "") });
    const detail = struct(this.namespace, "Error", 0, ["Type", "Code", "Message"], [0, 0, 0]);
    this.errorEnvelope = ec2
      ? // <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>
        struct(
          this.namespace,
          "Response",
          0,
          ["Errors", "RequestID"],
          [list(this.namespace, "Errors", 0, [detail, { xmlName: "Error" }]), 0],
        )
      : // <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>
        struct(this.namespace, "ErrorResponse", 0, ["Error", "RequestId"], [detail, 0]);
  }

  async readRequest(request: HttpRequest): Promise<WireCall> {
    const params = new URLSearchParams(bodyText(request));
    const operation = params.get("Action") ?? "";
    const schema = this.operations.get(operation);
    if (request.method !== "POST" || !schema) {
      throw new SimulatedServiceError("InvalidAction", `the simulated service does not answer ${operation || "this request"}`);
    }
    if (params.get("Version") !== this.options.version) {
      throw new SimulatedServiceError("InvalidParameterValue", `unsupported Version ${params.get("Version") ?? "(none)"}`);
    }
    const input = readQueryValue(NormalizedSchema.of(schema[4]), "", new Map(params), { ec2: this.ec2 });
    return { operation, input: (input ?? {}) as Record<string, unknown> };
  }

  writeOutput(call: WireCall, output: Record<string, unknown>, requestId: string): HttpResponse {
    const name = call.operation;
    // EC2 answers the output's members next to requestId; awsQuery nests them in <XResult>.
    const value = this.ec2
      ? { RequestId: requestId, ...output }
      : { [`${name}Result`]: output, ResponseMetadata: { RequestId: requestId } };
    this.xml.write(this.envelopeOf(name), value);
    return response(200, { "content-type": "text/xml", "x-amzn-requestid": requestId }, this.xml.flush());
  }

  writeError(_request: HttpRequest, error: SimulatedServiceError, requestId: string): HttpResponse {
    const e = this.errors.of(error);
    // EC2 answers every client error 400 (a not-found group too) and throttling 503 (RequestLimitExceeded).
    if (this.ec2 && e.status < 500) e.status = e.status === 429 ? 503 : 400;
    const value = this.ec2
      ? { Errors: [{ Code: e.queryCode, Message: e.message }], RequestID: requestId }
      : { Error: { Type: faultOf(e.status), Code: e.queryCode, Message: e.message }, RequestId: requestId };
    this.errorXml.write(this.errorEnvelope, value);
    return response(e.status, { "content-type": "text/xml", "x-amzn-requestid": requestId }, this.errorXml.flush());
  }

  /** The response document of an operation: `<XResponse>` around its output, as the service writes it. */
  private envelopeOf(operation: string): Envelope {
    let envelope = this.envelopes.get(operation);
    if (envelope) return envelope;
    const output = (this.operations.get(operation) as StaticOperationSchema)[5];
    const responseName = `${operation}Response`;
    if (this.ec2) {
      // <DescribeSecurityGroupsResponse><requestId/>…the output's members…</DescribeSecurityGroupsResponse>
      const [names, members] = structMembers(output);
      envelope = struct(this.namespace, responseName, 0, ["RequestId", ...names], [[0, { xmlName: "requestId" }], ...members]);
    } else {
      // <PublishResponse><PublishResult>…</PublishResult><ResponseMetadata><RequestId/></ResponseMetadata></PublishResponse>
      const metadata = struct(this.namespace, "ResponseMetadata", 0, ["RequestId"], [0]);
      envelope = NormalizedSchema.of(output).isUnitSchema()
        ? struct(this.namespace, responseName, 0, ["ResponseMetadata"], [metadata])
        : struct(this.namespace, responseName, 0, [`${operation}Result`, "ResponseMetadata"], [output, metadata]);
    }
    this.envelopes.set(operation, envelope);
    return envelope;
  }
}

/** A response document's schema, made here around the model's output schema. */
type Envelope = StaticStructureSchema;

/** A static structure schema (the SDK's own schema format: type 3). */
function struct(namespace: string, name: string, traits: SchemaTraits, names: string[], members: $SchemaRef[]): StaticStructureSchema {
  return [3, namespace, name, traits, names, members];
}

/** A static list schema (type 1). */
function list(namespace: string, name: string, traits: SchemaTraits, member: $SchemaRef): StaticListSchema {
  return [1, namespace, name, traits, member];
}

/** AWS API references show the XML namespaces with a trailing slash. */
function xmlNamespaceOf(namespace: string): string {
  return namespace && !namespace.endsWith("/") ? `${namespace}/` : namespace;
}

/** A structure's member names and member schemas (with their traits), from its static schema. */
function structMembers(ref: $SchemaRef): [string[], $SchemaRef[]] {
  const schema = deref(ref) as unknown;
  if (!Array.isArray(schema) || schema[0] !== 3 || !Array.isArray(schema[4]) || !Array.isArray(schema[5])) {
    throw new Error(`not a static structure schema: ${NormalizedSchema.of(ref).getName(true)}`);
  }
  return [schema[4] as string[], schema[5] as $SchemaRef[]];
}

/**
 * Reads the value of `schema` at `key` from form parameters, inverting the SDK's QueryShapeSerializer:
 * struct members at `key.Member` (xmlName, or for EC2 the ec2QueryName or the capitalized name), list
 * items at `key.member.N` (`key.N` when flattened, as EC2 always is), map entries at
 * `key.entry.N.key` / `.value`. Undefined when nothing of it was sent.
 */
function readQueryValue(schema: NormalizedSchema, key: string, params: ReadonlyMap<string, string>, rules: QueryKeyRules): unknown {
  const prefix = key ? `${key}.` : "";
  if (schema.isStructSchema()) {
    const out: Record<string, unknown> = {};
    let any = false;
    for (const [name, member] of schema.structIterator()) {
      const traits = member.getMergedTraits();
      const value = readQueryValue(member, `${prefix}${queryKey(name, traits, rules, true)}`, params, rules);
      if (value === undefined) continue;
      out[name] = value;
      any = true;
    }
    return any || !key ? out : undefined;
  }
  if (schema.isListSchema()) {
    if (params.get(key) === "") return []; // how the SDK sends an empty list
    const item = schema.getValueSchema();
    const flat = rules.ec2 || Boolean(schema.getMergedTraits().xmlFlattened);
    const itemKey = flat ? key : `${prefix}${queryKey("member", item.getMergedTraits(), rules, false)}`;
    const items: unknown[] = [];
    for (let i = 1; ; i++) {
      const value = readQueryValue(item, `${itemKey}.${i}`, params, rules);
      if (value === undefined) break;
      items.push(value);
    }
    return items.length > 0 ? items : undefined;
  }
  if (schema.isMapSchema()) {
    const keySchema = schema.getKeySchema();
    const valueSchema = schema.getValueSchema();
    const keyName = queryKey("key", keySchema.getMergedTraits(), rules, false);
    const valueName = queryKey("value", valueSchema.getMergedTraits(), rules, false);
    const entry = schema.getMergedTraits().xmlFlattened ? key : `${prefix}entry`;
    const out: Record<string, unknown> = {};
    let any = false;
    for (let i = 1; ; i++) {
      const k = params.get(`${entry}.${i}.${keyName}`);
      if (k === undefined) break;
      out[k] = readQueryValue(valueSchema, `${entry}.${i}.${valueName}`, params, rules);
      any = true;
    }
    return any ? out : undefined;
  }
  const raw = params.get(key);
  return raw === undefined ? undefined : fromString(schema, raw);
}

/** A member's query key, as the SDK's QueryShapeSerializer names it. */
function queryKey(name: string, traits: Record<string, unknown>, rules: QueryKeyRules, isStructMember: boolean): string {
  if (rules.ec2 && typeof traits.ec2QueryName === "string") return traits.ec2QueryName;
  const key = typeof traits.xmlName === "string" ? traits.xmlName : name;
  return rules.ec2 && isStructMember ? `${key.charAt(0).toUpperCase()}${key.slice(1)}` : key;
}

// ---------------------------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------------------------

/** A scalar sent as text (a path label, a query or form parameter, a header), as its schema types it. */
function fromString(schema: NormalizedSchema, raw: string): unknown {
  if (schema.isBooleanSchema()) return raw === "true";
  if (schema.isNumericSchema()) return Number(raw);
  if (schema.isTimestampSchema()) return /^\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
  if (schema.isBlobSchema()) return Buffer.from(raw, "base64");
  return raw;
}

function headerOf(request: HttpRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(request.headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** The request body as text (the SDK hands over a string or bytes; GET requests have none). */
function bodyText(request: HttpRequest): string {
  const body: unknown = request.body;
  if (body === undefined || body === null) return "";
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  throw new Error("the simulated service reads string and byte bodies only");
}

function response(statusCode: number, headers: Record<string, string>, body: string | Uint8Array): HttpResponse {
  // A plain view of the bytes: the JSON codec's flush() hands out a Uint8Array subclass that also acts as a string.
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return new HttpResponse({ statusCode, headers: { ...headers, "content-length": String(bytes.byteLength) }, body: bytes });
}
