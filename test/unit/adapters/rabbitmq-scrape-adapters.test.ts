import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { makeScrapeRabbitMqHandler } from "../../../functions/scrape-rabbitmq";
import { LambdaRabbitMqScraper } from "../../../shared/adapters/rabbitmq-lambda-scraper";
import { SecretsManagerBrokerCredentials } from "../../../shared/adapters/rabbitmq-secret-credentials";
import type { QueueSnapshot } from "../../../shared/core/prometheus-rabbitmq-queues";
import type { ScrapeTarget } from "../../../shared/core/prometheus-targets";
import type { BrokerScraper, ScrapeResult } from "../../../shared/ports";
import { TestClock } from "../../support/clock";

const TARGET: ScrapeTarget = {
  broker: "orders",
  endpoints: ["https://b-1.mq.us-east-1.on.aws:15691"],
  secretId: "mq-sentinel/rabbitmq/orders",
};
const SNAPSHOT: QueueSnapshot = {
  version: "4.2.1",
  nodes: ["rabbit@a"],
  counters: "queue",
  queues: [{ vhost: "/", name: "q", ready: 1, unacked: 0, consumers: 1, dequeued: { "rabbit@a": 5 }, published: {} }],
};
const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;

describe("LambdaRabbitMqScraper", () => {
  const lambda = mockClient(LambdaClient);
  afterEach(() => lambda.reset());
  afterAll(() => lambda.restore());

  it("invokes the scrape function once per broker, synchronously, and returns its snapshots", async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ results: [{ broker: "orders", snapshot: SNAPSHOT }] }) });

    // Act
    const results = await new LambdaRabbitMqScraper(new LambdaClient({}), "scrape-fn").scrape([TARGET]);

    // Assess
    expect(results).toEqual([{ broker: "orders", snapshot: SNAPSHOT }]);
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input?.InvocationType).toBe("RequestResponse");
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual({ targets: [TARGET] });
  });

  it.each<[string, () => void, RegExp]>([
    [
      "the function failed",
      () => lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: "Unhandled", Payload: payload({ errorMessage: "boom" }) }),
      /scrape function failed \(Unhandled\)/,
    ],
    [
      "the invocation was refused",
      () => lambda.on(InvokeCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException" })),
      /not invoked: TooManyRequestsException/,
    ],
    [
      "the answer has the wrong shape",
      () =>
        lambda
          .on(InvokeCommand)
          .resolves({ StatusCode: 200, Payload: payload({ results: [{ broker: "orders", snapshot: { queues: "many" } }] }) }),
      /unexpected shape/,
    ],
    [
      "the answer leaves the broker out",
      () => lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ results: [] }) }),
      /without this broker/,
    ],
    [
      "a counter is negative",
      () =>
        lambda.on(InvokeCommand).resolves({
          StatusCode: 200,
          Payload: payload({
            results: [{ broker: "orders", snapshot: { ...SNAPSHOT, queues: [{ ...SNAPSHOT.queues[0], dequeued: { a: -1 } }] } }],
          }),
        }),
      /unexpected shape/,
    ],
  ])("reports the broker as not read when %s", async (_case, arrange, reason) => {
    // Prepare
    arrange();

    // Act
    const [result] = await new LambdaRabbitMqScraper(new LambdaClient({}), "scrape-fn").scrape([TARGET]);

    // Assess
    expect(result).toEqual({ broker: "orders", snapshot: null, error: expect.stringMatching(reason) });
  });
});

describe("SecretsManagerBrokerCredentials", () => {
  const secrets = mockClient(SecretsManagerClient);
  afterEach(() => secrets.reset());
  afterAll(() => secrets.restore());

  it("reads a JSON username and password once, then from its cache for five minutes", async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: "monitor", password: " p w " }) });
    const clock = new TestClock();
    const credentials = new SecretsManagerBrokerCredentials(new SecretsManagerClient({}), clock);

    // Act
    const first = await credentials.get("mq-sentinel/rabbitmq/orders");
    clock.minute = 4;
    await credentials.get("mq-sentinel/rabbitmq/orders");
    clock.minute = 6;
    await credentials.get("mq-sentinel/rabbitmq/orders");

    // Assess
    expect(first).toEqual({ username: "monitor", password: " p w " });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it.each([["not JSON: hunter2"], [JSON.stringify({ username: "monitor" })], [JSON.stringify({ user: "monitor", pass: "hunter2" })]])(
    "refuses a secret without a username and a password, without repeating any of it (%s)",
    async (text) => {
      // Prepare
      secrets.on(GetSecretValueCommand).resolves({ SecretString: text });
      const credentials = new SecretsManagerBrokerCredentials(new SecretsManagerClient({}), new TestClock());

      // Act
      const read = credentials.get("mq-sentinel/rabbitmq/orders");

      // Assess
      await expect(read).rejects.toThrow('secret mq-sentinel/rabbitmq/orders is not JSON with a non-empty "username" and "password"');
      await expect(read).rejects.not.toThrow(/hunter2/);
    },
  );
});

describe("scrape-rabbitmq handler", () => {
  class FakeScraper implements BrokerScraper {
    readonly asked: ScrapeTarget[] = [];
    async scrape(targets: readonly ScrapeTarget[]): Promise<ScrapeResult[]> {
      this.asked.push(...targets);
      return targets.map((t) => ({ broker: t.broker, snapshot: SNAPSHOT }));
    }
  }
  const context = { functionName: "scrape-rabbitmq" } as Context;

  it("reads the brokers it is given and answers one result per broker", async () => {
    // Prepare
    const scraper = new FakeScraper();

    // Act
    const answer = await makeScrapeRabbitMqHandler(scraper, "mq-sentinel/rabbitmq/")({ targets: [TARGET] }, context);

    // Assess
    expect(answer).toEqual({ results: [{ broker: "orders", snapshot: SNAPSHOT }] });
  });

  it.each<[string, ScrapeTarget, RegExp]>([
    [
      "a secret outside the deployment's prefix",
      { ...TARGET, secretId: "prod/database/root" },
      /secret outside mq-sentinel\/rabbitmq\/: refused/,
    ],
    ["a plain-HTTP endpoint", { ...TARGET, endpoints: ["http://b-1.mq.us-east-1.on.aws:15692"] }, /only https endpoints/],
  ])("refuses %s without reading it", async (_case, target, reason) => {
    // Prepare
    const scraper = new FakeScraper();

    // Act
    const answer = await makeScrapeRabbitMqHandler(scraper, "mq-sentinel/rabbitmq/")({ targets: [target] }, context);

    // Assess
    expect(answer.results).toEqual([{ broker: "orders", snapshot: null, error: expect.stringMatching(reason) }]);
    expect(scraper.asked).toEqual([]);
  });
});
