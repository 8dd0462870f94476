import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { RabbitMqPrometheusScraper } from "../../shared/adapters/rabbitmq-prometheus-scraper";
import { RecordingLog } from "../../shared/adapters/recording-log";
import type { ScrapeTarget } from "../../shared/core/prometheus-targets";
import type { BrokerCredentials } from "../../shared/ports";

/**
 * A small gzip body that unpacks to 5 MB, compressed once here: compressing it in the handler took part of the
 * scraper's 300 ms on a loaded machine, and the test then saw the timeout instead of the size cap.
 */
const GZIP_BOMB = gzipSync(Buffer.alloc(5_000_000, 0x23));

/** What a real RabbitMQ 3.10.8 answered, split by family block, so the stand-in answers only the families asked for. */
const FIXTURE = readFileSync(path.join(__dirname, "../fixtures/rabbitmq/detailed-3.10.8.txt"), "utf8");
const FAMILY_OF: Record<string, string> = {
  rabbitmq_detailed_queue_messages_ready: "queue_coarse_metrics",
  rabbitmq_detailed_queue_messages_unacked: "queue_coarse_metrics",
  rabbitmq_detailed_queue_messages: "queue_coarse_metrics",
  rabbitmq_detailed_queue_process_reductions_total: "queue_coarse_metrics",
  rabbitmq_detailed_queue_consumers: "queue_consumer_count",
  rabbitmq_detailed_queue_messages_published_total: "channel_queue_exchange_metrics",
};
function answerFor(families: string[]): string {
  return FIXTURE.split(/(?=^# TYPE )/m)
    .filter((block) => {
      const name = /^# TYPE (\S+)/.exec(block)?.[1] ?? "";
      const family = FAMILY_OF[name] ?? (name.startsWith("rabbitmq_detailed_channel_") ? "channel_queue_metrics" : null);
      return family === null || families.includes(family);
    })
    .join("");
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

/** A local HTTP server standing in for a broker's Prometheus endpoint; it records what it was asked. */
class Endpoint {
  readonly requests: { url: URL; authorization: string | undefined }[] = [];
  private readonly open = new Set<ServerResponse>();
  private server: Server | null = null;
  constructor(public handler: Handler) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://local");
      this.requests.push({ url, authorization: req.headers.authorization });
      this.open.add(res);
      res.on("close", () => this.open.delete(res));
      this.handler(req, res, url);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const rabbit310: Handler = (_req, res, url) => {
  res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
  res.end(answerFor(url.searchParams.getAll("family")));
};

const PASSWORD = "s3cr3t-pa55";
const credentials: BrokerCredentials = {
  get: async (secretId) => {
    if (secretId !== "mq-sentinel/rabbitmq/orders") throw new Error(`ResourceNotFoundException: no secret ${secretId}`);
    return { username: "monitor", password: PASSWORD };
  },
};

const endpoints: Endpoint[] = [];
async function serve(handler: Handler): Promise<{ endpoint: Endpoint; url: string }> {
  const endpoint = new Endpoint(handler);
  endpoints.push(endpoint);
  return { endpoint, url: await endpoint.start() };
}
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.stop()));
});

const target = (urls: string[], secretId: string | null = "mq-sentinel/rabbitmq/orders"): ScrapeTarget => ({
  broker: "orders",
  endpoints: urls,
  secretId,
});
const scraper = (options: Partial<ConstructorParameters<typeof RabbitMqPrometheusScraper>[2]> = {}, log = new RecordingLog()) =>
  new RabbitMqPrometheusScraper(credentials, log, { timeoutMs: 1_000, maxBytes: 1024 * 1024, ...options });

describe("RabbitMqPrometheusScraper (local HTTP endpoints)", () => {
  it("reads a RabbitMQ 3.10 node: the queue families, then once the per-channel ones, with the broker's credentials", async () => {
    // Prepare
    const { endpoint, url } = await serve(rabbit310);
    const reader = scraper();

    // Act
    const [first] = await reader.scrape([target([url])]);
    const [second] = await reader.scrape([target([url])]);

    // Assess
    const orders = first?.snapshot?.queues.find((q) => q.name === "orders");
    expect(orders).toMatchObject({ consumers: 2, ready: 0 });
    expect(Object.values(orders?.dequeued ?? {}).reduce((a, b) => a + b, 0)).toBe(20);
    expect(second?.snapshot?.counters).toBe("channel");
    expect(endpoint.requests.map((r) => r.url.searchParams.getAll("family"))).toEqual([
      ["queue_coarse_metrics", "queue_consumer_count", "queue_delivery_metrics", "queue_exchange_metrics"],
      ["channel_queue_metrics", "channel_queue_exchange_metrics"],
      [
        "queue_coarse_metrics",
        "queue_consumer_count",
        "queue_delivery_metrics",
        "queue_exchange_metrics",
        "channel_queue_metrics",
        "channel_queue_exchange_metrics",
      ],
    ]);
    expect(endpoint.requests.every((r) => r.url.pathname === "/metrics/detailed")).toBe(true);
    expect(endpoint.requests[0]?.authorization).toBe(`Basic ${Buffer.from(`monitor:${PASSWORD}`).toString("base64")}`);
  });

  it("asks only for the chosen virtual hosts", async () => {
    // Prepare
    const { endpoint, url } = await serve(rabbit310);

    // Act
    await scraper({ vhosts: ["/", "billing"] }).scrape([target([url], null)]);

    // Assess
    expect(endpoint.requests[0]?.url.searchParams.getAll("vhost")).toEqual(["/", "billing"]);
    expect(endpoint.requests[0]?.authorization).toBeUndefined();
  });

  it.each<[string, Handler, RegExp]>([
    [
      "refuses the credentials",
      (_req, res) => {
        res.writeHead(401);
        res.end();
      },
      /HTTP 401: the broker refused the credentials/,
    ],
    [
      "answers a server error",
      (_req, res) => {
        res.writeHead(503);
        res.end("busy");
      },
      /HTTP 503/,
    ],
    ["never answers", () => {}, /no complete answer within 300 ms/],
    [
      "sends headers, then stalls in the body",
      (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("# TYPE rabbitmq_detailed_queue_messages_ready gauge\n");
      },
      /no complete answer within 300 ms/,
    ],
    [
      "answers more than the cap",
      (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(`${"# padding\n".repeat(20_000)}`);
      },
      /over the 65536-byte cap/,
    ],
    [
      "answers a small gzip that unpacks past the cap",
      (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" });
        res.end(GZIP_BOMB);
      },
      /over the 65536-byte cap/,
    ],
    [
      "answers something that is not the Prometheus text format",
      (_req, res) => {
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<html><body>Login</body></html>\n");
      },
      /not the Prometheus text format \(Prometheus text format, line 1/,
    ],
    [
      "redirects elsewhere (the credentials never follow)",
      (_req, res) => {
        res.writeHead(302, { location: "http://198.51.100.7/steal" });
        res.end();
      },
      /unexpected redirect/,
    ],
  ])("reports a broker that %s as not read, with why, never as empty", async (_case, handler, reason) => {
    // Prepare
    const { url } = await serve(handler);
    const log = new RecordingLog();

    // Act
    const [result] = await scraper({ timeoutMs: 300, maxBytes: 65_536 }, log).scrape([target([url])]);

    // Assess
    expect(result).toEqual({ broker: "orders", snapshot: null, error: expect.stringMatching(reason) });
    expect(JSON.stringify([result, log.entries])).not.toContain(PASSWORD);
    expect(JSON.stringify([result, log.entries])).not.toContain(Buffer.from(`monitor:${PASSWORD}`).toString("base64"));
  });

  it("reports a broker whose port refuses connections as not read (ECONNREFUSED)", async () => {
    // Prepare: a port nobody listens on any more.
    const { endpoint, url } = await serve(rabbit310);
    await endpoint.stop();

    // Act
    const [result] = await scraper().scrape([target([url])]);

    // Assess
    expect(result?.snapshot).toBeNull();
    expect(result && "error" in result ? result.error : "").toMatch(/ECONNREFUSED/);
  });

  it("reports a cluster as not read when one of its nodes cannot be read: its queues would be missing", async () => {
    // Prepare
    const { url: up } = await serve(rabbit310);
    const { url: down } = await serve((_req, res) => {
      res.writeHead(500);
      res.end();
    });

    // Act
    const [result] = await scraper().scrape([target([up, down])]);

    // Assess
    expect(result?.snapshot).toBeNull();
  });

  it("reports a broker whose credentials cannot be read as not read, naming the secret", async () => {
    // Prepare
    const { endpoint, url } = await serve(rabbit310);

    // Act
    const [result] = await scraper().scrape([target([url], "mq-sentinel/rabbitmq/missing")]);

    // Assess
    expect(result).toEqual({
      broker: "orders",
      snapshot: null,
      error: expect.stringMatching(/credentials \(secret mq-sentinel\/rabbitmq\/missing\) could not be read/),
    });
    expect(endpoint.requests).toEqual([]);
  });

  it("refuses to send credentials over plain HTTP when told to read https only", async () => {
    // Prepare
    const { endpoint, url } = await serve(rabbit310);

    // Act
    const [result] = await scraper({ httpsOnly: true }).scrape([target([url])]);

    // Assess
    expect(result && "error" in result ? result.error : "").toMatch(/not https/);
    expect(endpoint.requests).toEqual([]);
  });
});
