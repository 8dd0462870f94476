import { join } from "node:path";
import { ListBrokersCommand, MqClient } from "@aws-sdk/client-mq";
import { mockClient } from "aws-sdk-client-mock";
import { checkCommand } from "../../../cli/check-command";
import type { MakeClient } from "../../../shared/build-deps";
import { parseConfig } from "../../../shared/core/config";
import { loadScenarioFile } from "../../../shared/sim/scenario";
import { simulatedClock } from "../../../shared/sim/sdk-boundary";
import { SimulatedAccount } from "../../../shared/sim/simulated-account";
import { simulatedClients } from "../../../shared/sim/simulated-deps";
import { runCommand } from "../../support/cli";

const SDK = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 };

async function run(args: string[], options: Parameters<typeof checkCommand>[3]) {
  const { code, out, err } = await runCommand((o, e) => checkCommand(args, o, e, options));
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** A client factory handing out `given` (mocked) clients by class, and unanswered ones of any other class. */
function clientsOf(...given: object[]): MakeClient {
  return (Client, settings) => {
    for (const client of given) if (client instanceof Client) return client;
    return new Client({ ...settings, credentials: SDK.credentials });
  };
}

function simulated(file: string, minute: number) {
  const account = new SimulatedAccount(loadScenarioFile(join(__dirname, "..", "..", "..", "scenarios", file)));
  account.minute = minute;
  return {
    account,
    options: {
      clock: simulatedClock(account),
      makeClient: simulatedClients(account),
    },
  };
}

describe("mq-sentinel check", () => {
  it("lists the brokers and nodes, the metric plan with its cost, and one cycle's findings, without writing anything", async () => {
    // Prepare: a stall that is visible by minute 30
    const { account, options } = simulated("amq-stalled-consumers.json", 30);
    // Act
    const { code, out } = await run(["--region", "us-east-1"], options);
    // Assess
    expect(code).toBe(1);
    expect(out).toMatch(/== us-east-1: 1 broker/);
    expect(out).toMatch(/risk-engine-27 +ACTIVEMQ +ACTIVE_STANDBY_MULTI_AZ +RUNNING +risk-engine-27-1, risk-engine-27-2 +\d+/);
    expect(out).toMatch(/metric plan: ~[\d.]+ metrics a minute .* \$[\d.]+\/month/);
    expect(out).toMatch(/CRITICAL consumer-lag risk-engine-27 \/ score.requests: Consumers .* \[a reboot could help/);
    expect(account.calls.get("mq:RebootBroker")).toBeUndefined();
    expect(account.records).toEqual([]);
  });

  it("shows the notification route each finding takes: the first that matches the broker's tags, kind and severity", async () => {
    // Prepare: the team route's broker (tagged mq-sentinel:team=risk) and an untagged one stall at minute 30
    const { options } = simulated("notify-team-route-pagerduty.json", 30);
    const config = parseConfig({
      notifications: {
        routes: [
          { name: "risk-warnings", match: { tags: { "mq-sentinel:team": "risk" }, severities: ["warning"] }, slack: ["/slack/risk"] },
          { name: "risk-team", match: { tags: { "mq-sentinel:team": "risk" } }, pagerduty: ["/pagerduty/risk"] },
        ],
      },
    }).config;
    // Act
    const { out } = await run([], { ...options, config });
    // Assess
    const lines = out.split("\n");
    expect(lines).toContain(
      "   notification routes (first match wins): risk-warnings [mq-sentinel:team=risk, severity warning] → slack:/slack/risk; " +
        "risk-team [mq-sentinel:team=risk] → pagerduty:/pagerduty/risk; else default (the deployment's Slack and SNS)",
    );
    expect(lines.filter((l) => l.includes("CRITICAL consumer-lag risk-engine-27-a"))).toEqual([
      expect.stringMatching(/→ route risk-team$/),
    ]);
    expect(lines.filter((l) => l.includes("CRITICAL consumer-lag risk-engine-27-b"))).toEqual([expect.stringMatching(/→ route default$/)]);
  });

  it("says so, and exits 0, for a quiet account", async () => {
    const { options } = simulated("amq-quiet-bursty.json", 30);
    const { code, out } = await run([], options);
    expect(code).toBe(0);
    expect(out).toMatch(/0 findings/);
    expect(out).not.toMatch(/staged on/);
  });

  it.each([
    ["remediation-staged-engine-version.json", "billing-run-81", "engine version 5.18 (now 5.17.6)"],
    [
      "remediation-staged-configuration.json",
      "shipping-label-29",
      "configuration c-ce20fc8b-a29d-c08a-2f89-5735c75bf24d revision 5 (now revision 4)",
    ],
  ])("lists the changes staged on a broker (%s)", async (file, broker, change) => {
    // Prepare
    const { options } = simulated(file, 5);
    // Act
    const { out } = await run([], options);
    // Assess
    expect(out.split("\n")).toContain(`   staged on ${broker}, applied by its next reboot (mq-sentinel will not reboot it): ${change}`);
  });

  it("names a region without brokers", async () => {
    // Prepare
    const mq = new MqClient(SDK);
    mockClient(mq).on(ListBrokersCommand).resolves({ BrokerSummaries: [] });
    // Act
    const { code, out } = await run(["--region", "eu-west-3"], { makeClient: clientsOf(mq) });
    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/no Amazon MQ brokers in eu-west-3/);
  });

  it("explains missing credentials", async () => {
    // Prepare
    const mq = new MqClient(SDK);
    mockClient(mq)
      .on(ListBrokersCommand)
      .rejects(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }));
    // Act
    const { code, err } = await run([], { makeClient: clientsOf(mq) });
    // Assess
    expect(code).toBe(1);
    expect(err).toMatch(/no AWS credentials found/);
  });

  it("names the missing permission on AccessDenied", async () => {
    // Prepare
    const mq = new MqClient(SDK);
    mockClient(mq)
      .on(ListBrokersCommand)
      .rejects(
        Object.assign(new Error("User is not authorized to perform: mq:ListBrokers"), {
          name: "ForbiddenException",
          $metadata: { httpStatusCode: 403 },
        }),
      );
    // Act
    const { code, err } = await run([], { makeClient: clientsOf(mq) });
    // Assess
    expect(code).toBe(1);
    expect(err).toMatch(/missing permission mq:ListBrokers \(ForbiddenException\)/);
  });

  it("rejects a malformed argument", async () => {
    const { code, err } = await run(["--region"], {});
    expect(code).toBe(2);
    expect(err).toMatch(/--region needs a value/);
  });
});
