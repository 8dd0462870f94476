import { join } from "node:path";
import { checkCommand } from "../../../cli/check-command";
import { loadScenarioFile } from "../../../shared/sim/scenario";
import { simulatedClock } from "../../../shared/sim/sdk-boundary";
import { SimulatedAccount } from "../../../shared/sim/simulated-account";
import { simulatedClients } from "../../../shared/sim/simulated-deps";

async function checkAt(file: string, minute: number) {
  const account = new SimulatedAccount(loadScenarioFile(join(__dirname, "..", "..", "..", "scenarios", file)));
  account.minute = minute;
  const out: string[] = [];
  const code = await checkCommand(
    ["--region", "us-east-1"],
    (l) => out.push(l),
    () => {},
    {
      clock: simulatedClock(account),
      makeClient: simulatedClients(account),
    },
  );
  return { code, out: out.join("\n") };
}

describe("mq-sentinel check: RabbitMQ limits", () => {
  it("shows the limits a RabbitMQ 4 broker is judged against, from its configuration", async () => {
    // Act
    const { out } = await checkAt("rmq4-quiet-connection-max-raised.json", 30);

    // Assess
    expect(out).toMatch(
      /limits: ledger-api-rmq4-06: 3,000 connections \/ 9,000 channels per node; connections: connection_max in configuration c-[0-9a-f-]+ revision 2/,
    );
  });

  it("says so when a limit is assumed for an instance type it does not know, and still finds the leak", async () => {
    // Act: the climb is past 50% of 1,500 by minute 45
    const { code, out } = await checkAt("rmq4-unknown-instance-type.json", 45);

    // Assess
    expect(out).toMatch(
      /note: broker media-transcode-rmq4-33: mq\.m8g\.large is not among the documented RabbitMQ 4 instance types \(single instance\); assuming 1,500 connections \/ 4,500 channels per node/,
    );
    expect(out).toMatch(/limits: media-transcode-rmq4-33: 1,500 connections .* assumed: /);
    expect(out).toMatch(/WARNING +connection-exhaustion media-transcode-rmq4-33: Connections climbing steadily/);
    expect(code).toBe(1);
  });

  it("counts a cluster's per-node reads in the metric plan", async () => {
    // Act
    const { out } = await checkAt("rmq-quiet-cluster-uneven-nodes.json", 30);

    // Assess: a RabbitMQ 4.2 cluster: 11 broker-level - 4 + 3 x 6 per node, + limits hourly
    expect(out).toMatch(/metric plan: ~25\.1 metrics a minute/);
  });
});
