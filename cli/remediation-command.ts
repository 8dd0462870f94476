import { DynamoDbRemediationLedger } from "../shared/adapters/dynamodb-remediation-ledger";
import { systemClock } from "../shared/adapters/system-clock";
import type { RemediationLedger } from "../shared/ports";
import { type TableAction, tableCommand } from "./deployment-table";
import { parseDuration, UsageError } from "./duration";

/** The ledger keeps its audit trail this long (DynamoDB TTL). */
const AUDIT_MS = 90 * 86_400_000;

export const REMEDIATION_USAGE = `  mq-sentinel remediation history [--since DURATION]
  mq-sentinel remediation holds
  mq-sentinel remediation reset BROKER
      The audit trail of reboot decisions (executed, dry-run, blocked and why; verified or
      escalated after), the brokers held after a reboot that did not help, and the reset a person
      makes once they have acted. --table NAME (or MQ_SENTINEL_TABLE), --region R.`;

/** Runs one action of `mq-sentinel remediation`; resolves to the exit code. */
const remediationAction: TableAction<RemediationLedger> = async (action, args, store, out) => {
  const now = systemClock.now();
  switch (action) {
    case "history": {
      const since =
        now -
        parseDuration(args.get("since") ?? "1d", {
          flag: "--since",
          maxMs: AUDIT_MS,
          range: "the history goes back at most 90 days",
        });
      const records = await store.history(since);
      if (records.length === 0) out("no remediation decisions in that time");
      for (const r of records)
        out(`${new Date(r.at).toISOString()}  ${r.outcome.padEnd(9)} ${r.broker.padEnd(24)} ${r.incidentId}  ${r.reason}`);
      return 0;
    }
    case "holds": {
      const holds = await store.holds();
      if (holds.length === 0) out("no broker is held");
      for (const h of holds) out(`${h.broker} (${h.brokerId}) held since ${new Date(h.at).toISOString()}: ${h.reason}`);
      return 0;
    }
    case "reset": {
      const target = args.positional[0];
      if (!target) throw new UsageError("reset needs a broker name or id");
      const held = (await store.holds()).filter((h) => h.broker === target || h.brokerId === target);
      if (held.length === 0) {
        out(`${target} is not held`);
        return 1;
      }
      for (const h of held) await store.releaseHold(h.brokerId);
      out(`reboots of ${target} are allowed again (the guards still apply)`);
      return 0;
    }
    default:
      throw new UsageError(`unknown action '${action ?? ""}'`);
  }
};

/** Runs `mq-sentinel remediation ...`; resolves to the exit code. */
export const remediationCommand = tableCommand<RemediationLedger>({
  name: "remediation",
  usage: REMEDIATION_USAGE,
  options: ["since"],
  open: ({ client, table }) => new DynamoDbRemediationLedger(client, table, systemClock),
  run: remediationAction,
});
