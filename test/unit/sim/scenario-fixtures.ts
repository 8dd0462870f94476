import { CloudWatchClient, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { MqClient } from "@aws-sdk/client-mq";
import { SNSClient } from "@aws-sdk/client-sns";
import type { HttpResponse } from "@smithy/core/protocols";
import type { HttpRequest } from "@smithy/types";
import { parseScenario } from "../../../shared/sim/scenario";
import { routeToSimulator } from "../../../shared/sim/sdk-boundary";
import { SimulatedAccount } from "../../../shared/sim/simulated-account";
import { MINUTE } from "../../support/clock";
import { activeMqDescribe } from "../../support/scenario-builder";

/** One minute in milliseconds (the tests' one constant, re-exported for this fixture's users). */
export { MINUTE };

/**
 * Small inline scenarios and real SDK clients wired to the simulated account, for the tests of
 * `shared/sim`. Tests never read the shared scenario library: each builds the few fields it needs.
 */

/** Minute 0 of every test scenario. */
export const START = "2026-03-02T09:00:00Z";
/** Epoch ms of minute 0. */
export const START_MS = Date.parse(START);

/** The wall-clock time of scenario minute `m` (fractions allowed). */
export function at(minute: number): Date {
  return new Date(START_MS + minute * MINUTE);
}

/** A raw scenario broker (as in a scenario file): a RUNNING ActiveMQ 5.18 broker without tags unless overridden. */
export function rawBroker(
  name: string,
  overrides: Record<string, unknown> = {},
  describe: Record<string, unknown> = {},
): Record<string, unknown> {
  return { describe: activeMqDescribe(name, describe), ...overrides };
}

/** A scenario security group `sg-open` ("broker access") opening OpenWire (61617) to 0.0.0.0/0, as EC2 describes it. */
export function openSecurityGroup(): Record<string, unknown> {
  return {
    GroupId: "sg-open",
    GroupName: "open",
    Description: "broker access",
    IpPermissions: [{ IpProtocol: "tcp", FromPort: 61617, ToPort: 61617, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
  };
}

/** `count` scenario QueueSize series of node `orders-1` (queues `q0`, `q1`, ...): enough of them to page ListMetrics. */
export function queueSizeSeries(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    metric: "QueueSize",
    dimensions: { Broker: "orders-1", Queue: `q${i}` },
    values: [1],
  }));
}

/** A minimal valid raw scenario (one broker `orders`), with top-level fields overridden. */
export function rawScenario(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: "sim-test", start: START, durationMinutes: 60, brokers: [rawBroker("orders")], ...overrides };
}

/** The SDK configuration of every test client: fake credentials, no retries. */
const SDK_CONFIG = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 };

/** A simulated account for a raw scenario and real SDK clients answered by it. */
export function simulate(overrides: Record<string, unknown> = {}) {
  const account = new SimulatedAccount(parseScenario(rawScenario(overrides)));
  return {
    account,
    cloudwatch: routeToSimulator(new CloudWatchClient(SDK_CONFIG), "cloudwatch", account),
    mq: routeToSimulator(new MqClient(SDK_CONFIG), "mq", account),
    ec2: routeToSimulator(new EC2Client(SDK_CONFIG), "ec2", account),
    sns: routeToSimulator(new SNSClient(SDK_CONFIG), "sns", account),
  };
}

/** A GetMetricData query for one series (namespace AWS/AmazonMQ unless given). */
export function metricQuery(
  id: string,
  metric: string,
  dimensions: Record<string, string>,
  options: { period?: number; stat?: string; namespace?: string } = {},
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: options.namespace ?? "AWS/AmazonMQ",
        MetricName: metric,
        Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: options.period ?? 60,
      Stat: options.stat ?? "Average",
    },
  };
}

/** Runs `fn` and returns what it threw (fails the test when it does not throw). */
export async function thrownBy(fn: () => Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to throw");
}

/** One HTTP request a routed SDK client sent and the response the simulated service wrote, as bytes on the wire. */
export interface Exchange {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  body: string;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: string;
}

/**
 * Records the HTTP exchanges of a client routed to the simulated account (call before its first
 * command): the serialized request and the response exactly as the SDK receives them.
 */
export function recordExchanges(client: { config: { requestHandler: unknown } }): Exchange[] {
  const exchanges: Exchange[] = [];
  const inner = client.config.requestHandler as {
    handle(request: HttpRequest, options?: unknown): Promise<{ response: HttpResponse }>;
  };
  client.config.requestHandler = {
    handle: async (request: HttpRequest, options?: unknown) => {
      const out = await inner.handle(request, options);
      exchanges.push({
        method: request.method,
        path: request.path,
        query: { ...request.query },
        headers: { ...request.headers },
        body: textOf(request.body),
        status: out.response.statusCode,
        responseHeaders: { ...out.response.headers },
        responseBody: textOf(out.response.body),
      });
      return out;
    },
  };
  return exchanges;
}

/** A body as text: a string, or bytes (read as a plain view: the SDK's JSON bodies are Uint8Arrays that warn when used as strings). */
function textOf(body: unknown): string {
  if (body === undefined || body === null) return "";
  if (typeof body === "string") return body;
  const bytes = body as Uint8Array;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}
