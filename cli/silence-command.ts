import { randomUUID } from "node:crypto";
import { DynamoDbSilenceStore } from "../shared/adapters/dynamodb-silence-store";
import { systemClock } from "../shared/adapters/system-clock";
import type { Silence } from "../shared/core/notify-policy";
import { IncidentKind } from "../shared/core/types";
import { readCliEnvironment } from "../shared/env";
import type { SilenceStore } from "../shared/ports";
import type { ParsedArgs } from "./args";
import { type TableAction, tableCommand } from "./deployment-table";
import { parseDuration, UsageError } from "./duration";

export const SILENCE_USAGE = `  mq-sentinel silence add [--broker NAME] [--kind KIND] [--resource R] --for DURATION [--comment TEXT]
  mq-sentinel silence list
  mq-sentinel silence expire ID
      Time-boxed mutes of notifications, kept in the deployment's table: --table NAME (or
      MQ_SENTINEL_TABLE), --region R; DURATION like 30m, 2h, 1d (at most 7d). A silence needs at
      least one of --broker, --kind, --resource.`;

const KINDS = new Set<string>(Object.values(IncidentKind));
const MAX_SILENCE_MS = 7 * 86_400_000;

/** Runs one action of `mq-sentinel silence`; resolves to the exit code. */
const silenceAction: TableAction<SilenceStore> = async (action, args, silences, out) => {
  const now = systemClock.now();
  switch (action) {
    case "add": {
      const silence = newSilence(args, now);
      await silences.add(silence);
      out(`silence ${silence.id} until ${new Date(silence.endsAt).toISOString()}: ${describeMatch(silence)}`);
      return 0;
    }
    case "list": {
      const active = await silences.active(now);
      if (active.length === 0) out("no active silences");
      for (const s of active.sort((a, b) => a.endsAt - b.endsAt)) {
        out(
          `${s.id}  until ${new Date(s.endsAt).toISOString()}  ${describeMatch(s)}  by ${s.createdBy}${s.comment ? `: ${s.comment}` : ""}`,
        );
      }
      return 0;
    }
    case "expire": {
      const id = args.positional[0];
      if (!id) throw new UsageError("expire needs the silence id");
      const ended = await silences.expire(id, now);
      out(ended ? `silence ${id} expired` : `no active silence ${id}`);
      return ended ? 0 : 1;
    }
    default:
      throw new UsageError(`unknown action '${action ?? ""}'`);
  }
};

/** Runs `mq-sentinel silence ...`; resolves to the exit code. */
export const silenceCommand = tableCommand<SilenceStore>({
  name: "silence",
  usage: SILENCE_USAGE,
  options: ["broker", "kind", "resource", "for", "comment", "by"],
  open: ({ client, table }) => new DynamoDbSilenceStore(client, table, systemClock),
  run: silenceAction,
});

function newSilence(flags: ParsedArgs, now: number): Silence {
  const duration = parseDuration(flags.get("for"), {
    flag: "--for",
    maxMs: MAX_SILENCE_MS,
    range: "a silence lasts between 1 second and 7 days",
  });
  const kind = flags.get("kind");
  if (kind !== undefined && !KINDS.has(kind)) throw new UsageError(`unknown kind '${kind}' (one of ${[...KINDS].join(", ")})`);
  const broker = flags.get("broker");
  const resource = flags.get("resource");
  if (broker === undefined && kind === undefined && resource === undefined)
    throw new UsageError("a silence needs --broker, --kind or --resource");
  return {
    id: `sil-${randomUUID().slice(0, 8)}`,
    ...(broker !== undefined ? { broker } : {}),
    ...(kind !== undefined ? { kind } : {}),
    ...(resource !== undefined ? { resource } : {}),
    startsAt: now,
    endsAt: now + duration,
    comment: flags.get("comment") ?? "",
    createdBy: flags.get("by") ?? readCliEnvironment().user ?? "unknown",
  };
}

function describeMatch(s: Silence): string {
  return [s.broker ? `broker=${s.broker}` : null, s.kind ? `kind=${s.kind}` : null, s.resource ? `resource=${s.resource}` : null]
    .filter(Boolean)
    .join(" ");
}
