import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ReplayOutput } from "../../../cli/replay";
import { watchRabbitMqCommand } from "../../../cli/watch-rabbitmq-command";
import { type PrometheusFamily, renderPrometheusText } from "../../../shared/core/prometheus-text";
import { runCommand } from "../../support/cli";

/** A RabbitMQ 4 endpoint stand-in whose answer for reading `n` is `answer(n)`. */
async function endpoint(answer: (reading: number) => string | null) {
  const requests: IncomingMessage[] = [];
  let readings = 0;
  const server: Server = createServer((req, res) => {
    requests.push(req);
    const body = answer(readings++);
    if (body === null) {
      res.writeHead(503);
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

const gauge = (name: string, samples: [string, number][]): PrometheusFamily => ({
  name,
  type: "gauge",
  help: null,
  samples: samples.map(([queue, value]) => ({ name, labels: { vhost: "/", queue }, value, timestampMs: null })),
});
const counter = (name: string, samples: [string, number][]): PrometheusFamily => ({ ...gauge(name, samples), type: "counter" });

/** Reading n: `orders` lost its consumers at reading 2 and fills up; `billing` is busy and drains. */
function answer(n: number): string {
  return renderPrometheusText([
    gauge("rabbitmq_detailed_queue_messages_ready", [
      ["orders", n < 2 ? 0 : (n - 1) * 50],
      ["billing", n % 2 ? 40 : 0],
    ]),
    gauge("rabbitmq_detailed_queue_messages_unacked", [
      ["orders", 0],
      ["billing", 5],
    ]),
    gauge("rabbitmq_detailed_queue_consumers", [
      ["orders", n < 2 ? 1 : 0],
      ["billing", 3],
    ]),
    counter("rabbitmq_detailed_queue_messages_acked_total", [
      ["orders", Math.min(n, 2) * 50],
      ["billing", n * 500],
    ]),
    {
      name: "rabbitmq_build_info",
      type: "untyped",
      help: null,
      samples: [{ name: "rabbitmq_build_info", labels: { rabbitmq_version: "4.2.1" }, value: 1, timestampMs: null }],
    },
  ]);
}

const run = (args: string[]) => runCommand((out, err) => watchRabbitMqCommand(args, out, err, { wait: async () => {} }));

describe("mq-sentinel watch-rabbitmq", () => {
  it("runs the detectors on each reading and prints one replay-contract object: the queue whose consumers left, not the busy one", async () => {
    // Prepare
    const broker = await endpoint(answer);

    // Act
    const { code, out } = await run(["--endpoint", broker.url, "--minutes", "8", "--interval-seconds", "1", "--name", "local", "--json"]);
    await broker.close();

    // Assess
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const output = JSON.parse(out[0] as string) as ReplayOutput;
    expect(output).toMatchObject({ scenario: "watch-rabbitmq local", notifications: [], remediations: [], errors: [] });
    expect(output.apiCalls).toEqual({ "rabbitmq:Read": 8, "rabbitmq:NotRead": 0 });
    expect(output.incidents).toEqual([
      expect.objectContaining({ kind: "consumer-lag", broker: "local", resource: "orders", severity: "critical", openedMinute: 4 }),
    ]);
  });

  it("prints the readable timeline without --json, naming the broker's version", async () => {
    // Prepare
    const broker = await endpoint(answer);

    // Act
    const { code, out, err } = await run([
      "--endpoint",
      `${broker.url}/metrics`,
      "--minutes",
      "6",
      "--interval-seconds",
      "1",
      "--name",
      "local",
    ]);
    await broker.close();

    // Assess
    expect(code).toBe(0);
    expect(out.join("\n")).toMatch(/RabbitMQ 4\.2\.1/);
    expect(out.join("\n")).toMatch(/OPENED\s+critical consumer-lag\s+local \/ orders/);
    expect(out.join("\n")).toMatch(/6 readings of the broker \(0 not read\)/);
    expect(err.join("\n")).toMatch(/readings closer than 10 s apart may see no change/);
  });

  it("sends the password from the named environment variable, and never prints it", async () => {
    // Prepare
    const broker = await endpoint(answer);
    process.env.MQS_TEST_PASSWORD = "pa55 word";

    // Act
    const { code, out, err } = await run([
      "--endpoint",
      broker.url,
      "--user",
      "monitor",
      "--password-env",
      "MQS_TEST_PASSWORD",
      "--minutes",
      "1",
      "--interval-seconds",
      "1",
    ]);
    await broker.close();
    delete process.env.MQS_TEST_PASSWORD;

    // Assess
    expect(code).toBe(0);
    expect(broker.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from("monitor:pa55 word").toString("base64")}`);
    expect([...out, ...err].join("\n")).not.toContain("pa55 word");
  });

  it("goes on when the broker stops answering, says so each minute, and exits 1 when it never answered", async () => {
    // Prepare
    const broker = await endpoint(() => null);

    // Act
    const { code, out } = await run(["--endpoint", broker.url, "--minutes", "3", "--interval-seconds", "1", "--json"]);
    await broker.close();

    // Assess
    const output = JSON.parse(out[0] as string) as ReplayOutput;
    expect(code).toBe(1);
    expect(output.errors).toEqual(
      [0, 1, 2].map((t) => expect.stringMatching(new RegExp(`^t=${t} broker .*Prometheus endpoint not read.*HTTP 503`))),
    );
    expect(output.incidents).toEqual([]);
  });

  it.each([
    [["--minutes", "3"], /--endpoint URL is required/],
    [["--endpoint", "amqp://localhost:5672", "--minutes", "3"], /must be http:\/\/ or https:\/\//],
    [["--endpoint", "http://localhost:15692"], /--minutes N is required/],
    [["--endpoint", "http://localhost:15692", "--minutes", "3", "--user", "monitor"], /--user needs --password-env/],
    [
      ["--endpoint", "http://localhost:15692", "--minutes", "3", "--user", "u", "--password-env", "MQS_UNSET_VARIABLE"],
      /MQS_UNSET_VARIABLE .* is not set/,
    ],
    [["--endpoint", "http://localhost:15692", "--minutes", "3", "--password", "hunter2"], /unknown option --password/],
    [["--endpoint", "http://localhost:15692", "--minutes", "3", "--interval-seconds", "0"], /--interval-seconds must be/],
  ])("refuses %j with a usage error (exit 2)", async (args, message) => {
    // Act
    const { code, err } = await run(args);

    // Assess
    expect(code).toBe(2);
    expect(err.join("\n")).toMatch(message);
  });
});
