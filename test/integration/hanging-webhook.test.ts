import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { MemoryIncidentStore } from "../../shared/adapters/memory-incident-store";
import { MemorySilenceStore } from "../../shared/adapters/memory-silence-store";
import { RecordingLog } from "../../shared/adapters/recording-log";
import { SlackNotifier } from "../../shared/adapters/slack-notifier";
import { SnsNotifier } from "../../shared/adapters/sns-notifier";
import { applyIncidentChanges } from "../../shared/app/apply-incident-changes";
import { type DeliveryDeps, deliverNotifications } from "../../shared/app/deliver-notifications";
import { DEFAULT_CONFIG } from "../../shared/core/config";
import { foldFindings } from "../../shared/core/incidents";
import { IncidentKind, Severity } from "../../shared/core/types";
import { TestClock } from "../support/clock";
import { type LocalHttpServer, startLocalHttpServer } from "../support/local-http-server";

/** A webhook that accepts every request and answers none while `hanging`, else answers 200. */
class HangingWebhook {
  hanging = true;
  readonly requests: string[] = [];
  private server: LocalHttpServer | null = null;

  async start(): Promise<string> {
    this.server = await startLocalHttpServer((_req, body) => {
      this.requests.push(body);
      return this.hanging ? { status: 200, hang: true } : { status: 200, body: "ok" };
    });
    return `${this.server.origin}/services/T0/B0/SECRET`;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }
}

describe("delivery while the Slack webhook hangs (a real local HTTP server)", () => {
  const webhook = new HangingWebhook();
  const sns = mockClient(SNSClient);
  let url = "";

  beforeAll(async () => {
    url = await webhook.start();
  });
  afterAll(async () => {
    await webhook.stop();
    sns.restore();
  });

  it("publishes every group to SNS, tries the webhook once per invocation, and sends each Slack message once after", async () => {
    // Prepare: ten brokers, ten groups waiting; an invocation with 55 s left
    sns.on(PublishCommand).resolves({ MessageId: "m" });
    const clock = new TestClock();
    const log = new RecordingLog();
    const incidents = new MemoryIncidentStore();
    const slack = new SlackNotifier({ get: async () => url }, fetch, clock, log, 300);
    const deps: DeliveryDeps = {
      incidents,
      notifiers: [slack, new SnsNotifier(new SNSClient({ region: "us-east-1" }), "arn:aws:sns:us-east-1:123456789012:t")],
      silences: new MemorySilenceStore(),
      clock,
      log,
      config: DEFAULT_CONFIG,
      links: { accountId: "123456789012", region: "us-east-1", brokerIds: {} },
    };
    const brokers = Array.from({ length: 10 }, (_, i) => `broker-${i}`);
    const findings = brokers.map((broker) => ({
      kind: IncidentKind.consumerLag,
      broker,
      resource: "work",
      severity: Severity.critical,
      condition: "stalled" as const,
      summary: "stalled",
      evidence: {},
    }));
    const changes = foldFindings({
      active: new Map(),
      findings,
      isCovered: () => true,
      now: clock.now(),
      rules: { resolveAfterMinutes: 5, refreshMinutes: 15 },
    });
    await applyIncidentChanges({ incidents, notifiers: deps.notifiers, log, clock }, changes, []);
    const started = Date.now();
    const invocation = () => {
      const deadline = Date.now() + 55_000;
      return { timeLeft: () => deadline - Date.now() - 3_000 };
    };

    // Act: one invocation while it hangs, then rounds after it answers again
    const during = await deliverNotifications(deps, invocation());
    const elapsed = Date.now() - started;
    webhook.hanging = false;
    for (const minute of [1, 2, 3, 5, 8]) {
      clock.minute = minute;
      await deliverNotifications(deps, invocation());
    }

    // Assess
    expect(sns.commandCalls(PublishCommand)).toHaveLength(10);
    expect(during.health).toEqual({ sent: 10, failed: 1, deferred: 9, outcomeUnknown: 1 });
    expect(elapsed).toBeLessThan(10_000);
    // The one request that hung may have reached the server: it is the only one that may repeat.
    const posted = webhook.requests.map((body) => JSON.parse(body).text as string);
    const perBroker = brokers.map((b) => posted.filter((text) => text.includes(`on ${b} `)).length);
    expect(perBroker.every((n) => n >= 1)).toBe(true);
    expect(perBroker.filter((n) => n > 1).length).toBeLessThanOrEqual(1);
    expect(posted.length).toBeLessThanOrEqual(11);
    expect(await incidents.loadWithPendingNotifications()).toHaveLength(0);
    expect(log.entries.some((e) => e.message.includes("outcome unknown"))).toBe(true);
  });
});
