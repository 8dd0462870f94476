import { RecordingLog } from "../../shared/adapters/recording-log";
import { SlackNotifier } from "../../shared/adapters/slack-notifier";
import { systemClock } from "../../shared/adapters/system-clock";
import type { MessageGroup } from "../../shared/core/notifications";
import { MINUTE, T0 } from "../support/clock";
import { anIncident } from "../support/incidents";
import { type LocalAnswer, type LocalHttpServer, startLocalHttpServer } from "../support/local-http-server";

/** A real local HTTP server standing in for Slack's incoming webhook: answers as scripted. */
class FakeSlack {
  readonly requests: { path: string; body: string; at: number }[] = [];
  script: LocalAnswer[] = [];
  private server: LocalHttpServer | null = null;

  async start(): Promise<string> {
    this.server = await startLocalHttpServer((req, body) => {
      this.requests.push({ path: req.url ?? "", body, at: Date.now() });
      return this.script.shift() ?? { status: 200, body: "ok" };
    });
    return `${this.server.origin}/services/T000/B000/SECRETTOKEN`;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }
}

const SEEN_AT = T0 + 16 * MINUTE;
const incident = anIncident({
  id: "inc-0000000000000001",
  severity: "critical",
  summary: "Consumers on work are connected (5) but nothing was dequeued for 3 min; backlog 2700 (+1693).",
  evidence: { backlog: 2700, consumers: 5 },
  series: { backlog: [0, 1007, 1907, 2700] },
  firstSeenAt: SEEN_AT,
  openedAt: SEEN_AT,
  lastSeenAt: SEEN_AT,
});
const group: MessageGroup = {
  broker: "orders",
  transition: "opened",
  items: [{ incident, reason: "first" }],
  context: { accountId: "123456789012", region: "us-east-1", brokerIds: { orders: "b-1" } },
  at: Date.UTC(2026, 2, 2, 9, 17),
};

describe("SlackNotifier against a local webhook server", () => {
  const slack = new FakeSlack();
  let url: string;
  const log = new RecordingLog();
  let notifier: SlackNotifier;

  beforeAll(async () => {
    url = await slack.start();
    notifier = new SlackNotifier({ get: async () => url }, fetch, systemClock, log);
  });
  afterAll(() => slack.stop());
  beforeEach(() => {
    slack.requests.length = 0;
    slack.script = [];
    log.entries.length = 0;
  });

  it("posts the Block Kit message as JSON", async () => {
    // Act
    const result = await notifier.send(group);
    // Assess
    expect(result.ok).toBe(true);
    expect(slack.requests).toHaveLength(1);
    const posted = JSON.parse(slack.requests[0]?.body ?? "{}");
    expect(posted).toEqual(result.body);
    expect(posted.blocks.length).toBeGreaterThan(0);
    expect(posted.text).toContain("orders");
  });

  it("makes one attempt and passes a 429's Retry-After on to the outbox", async () => {
    // Prepare
    slack.script = [{ status: 429, headers: { "retry-after": "30" }, body: "rate_limited" }];
    // Act
    const result = await notifier.send(group);
    // Assess
    expect(result).toEqual(expect.objectContaining({ ok: false, retryable: true, retryAfterMs: 30_000 }));
    expect(slack.requests).toHaveLength(1);
  });

  it("reports a 503 as worth retrying, after one attempt", async () => {
    // Prepare
    slack.script = [{ status: 503, body: "unavailable" }];
    // Act
    const result = await notifier.send(group);
    // Assess
    expect(result).toEqual(expect.objectContaining({ ok: false, retryable: true, error: "HTTP 503: unavailable" }));
    expect(slack.requests).toHaveLength(1);
  });

  it("does not retry a 400 and reports Slack's answer as a permanent failure", async () => {
    // Prepare
    slack.script = [{ status: 400, body: "invalid_blocks" }];
    // Act
    const result = await notifier.send(group);
    // Assess
    expect(result).toEqual(expect.objectContaining({ ok: false, retryable: false, error: "HTTP 400: invalid_blocks" }));
    expect(slack.requests).toHaveLength(1);
    expect(log.entries.some((e) => e.level === "error" && e.fields.response === "invalid_blocks")).toBe(true);
  });

  it("gives up on a webhook that accepts the connection and never answers, with the outcome unknown", async () => {
    // Prepare
    slack.script = [{ status: 0, hang: true }];
    const impatient = new SlackNotifier({ get: async () => url }, fetch, systemClock, log, 300);
    // Act
    const started = Date.now();
    const result = await impatient.send(group);
    // Assess
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result).toEqual(expect.objectContaining({ ok: false, retryable: true, outcomeUnknown: true }));
    expect(slack.requests).toHaveLength(1);
  });

  it("never writes the webhook URL to a log line or an error, even when it is echoed back", async () => {
    // Prepare: a failure whose answer quotes the URL, and a connection refused
    slack.script = [{ status: 404, body: `no_service for ${url}` }];
    const unreachable = new SlackNotifier(
      { get: async () => "http://127.0.0.1:1/services/T000/B000/SECRETTOKEN" },
      fetch,
      { now: () => Date.now(), sleep: async () => {} },
      log,
    );
    // Act
    const refused = await notifier.send(group);
    const down = await unreachable.send(group);
    // Assess
    const everything = JSON.stringify({ refused, down, log: log.entries });
    expect(everything).not.toContain("SECRETTOKEN");
    expect(down).toEqual(expect.objectContaining({ ok: false, retryable: true }));
  });
});
