import { silenceCommand } from "../../cli/silence-command";
import { DynamoDbSilenceStore } from "../../shared/adapters/dynamodb-silence-store";
import { systemClock } from "../../shared/adapters/system-clock";
import { runCommand } from "../support/cli";
import { createIncidentsTable, dynamoClient, type LocalDynamo, startDynalite } from "./dynamodb-table";

let dynamo: LocalDynamo;
let table: string;

beforeAll(async () => {
  dynamo = await startDynalite();
  table = await createIncidentsTable(dynamoClient(dynamo.endpoint));
});
afterAll(() => dynamo.stop());

const run = (...args: string[]) =>
  runCommand((out, err) => silenceCommand([...args, "--table", table, "--endpoint", dynamo.endpoint, "--region", "us-east-1"], out, err));

describe("mq-sentinel silence", () => {
  it("adds, lists and expires a silence in the deployment's table", async () => {
    // Act
    const added = await run("add", "--broker", "orders", "--kind", "consumer-lag", "--for", "2h", "--comment", "migration", "--by", "ana");
    const id = /silence (sil-[0-9a-f]{8})/.exec(added.out[0] ?? "")?.[1] ?? "";
    const listed = await run("list");
    const expired = await run("expire", id);
    const after = await run("list");
    // Assess
    expect(added).toEqual(expect.objectContaining({ code: 0, err: [] }));
    expect(listed.out.join("\n")).toMatch(new RegExp(`${id} .* broker=orders kind=consumer-lag .*by ana: migration`));
    expect(expired).toEqual({ code: 0, out: [`silence ${id} expired`], err: [] });
    expect(after.out).toEqual(["no active silences"]);
  });

  it("is what the notification dispatcher reads", async () => {
    // Prepare
    await run("add", "--resource", "payments.dlq", "--for", "30m");
    const store = new DynamoDbSilenceStore(dynamoClient(dynamo.endpoint), table, systemClock);
    // Act
    const active = await store.active(Date.now());
    // Assess
    expect(active.map((s) => s.resource)).toContain("payments.dlq");
  });

  it.each([
    [["add", "--for", "1h"], /needs --broker, --kind or --resource/],
    [["add", "--broker", "x", "--for", "forever"], /duration like 30m/],
    [["add", "--broker", "x", "--for", "8d"], /between 1 second and 7 days/],
    [["add", "--kind", "nonsense", "--for", "1h"], /unknown kind 'nonsense'/],
    [["expire"], /needs the silence id/],
    [["mute"], /unknown action 'mute'/],
  ])("rejects %j with a clear message", async (args, message) => {
    const { code, err } = await run(...(args as string[]));
    expect(code).toBe(2);
    expect(err.join("\n")).toMatch(message);
  });

  it("says which table is missing when none is given", async () => {
    const err: string[] = [];
    const code = await silenceCommand(
      ["list"],
      () => {},
      (l) => err.push(l),
    );
    expect(code).toBe(2);
    expect(err[0]).toMatch(/--table NAME or set MQ_SENTINEL_TABLE/);
  });
});
