import type { IncomingMessage } from "node:http";
import { type LocalHttpServer, startLocalHttpServer } from "../../support/local-http-server";

/** One request the local Web API received, as it came. */
export interface WebApiRequest {
  method: string;
  authorization: string | null;
  contentType: string | null;
  args: Record<string, unknown>;
}

/** A scripted answer: an HTTP status with headers and body, or Slack's `ok: false` with an error code. */
export type ScriptedAnswer =
  | { status: number; headers?: Record<string, string>; body?: string }
  | { slackError: string; retryAfter?: string };

/**
 * A real local HTTP server speaking the subset of Slack's Web API mq-sentinel uses, as Slack does:
 * `POST /api/<method>`, the bot token as `Authorization: Bearer`, JSON or form arguments, HTTP 200
 * with `{"ok": false, "error": …}` for Slack's errors (`invalid_auth` for another token,
 * `channel_not_found`, `message_not_found` for an edit of a message it never posted) and a 429 with
 * `Retry-After` for the rate limit (scripted). It keeps the channel's messages and threads.
 */
export class LocalSlackWebApi {
  readonly requests: WebApiRequest[] = [];
  /** Answers to give before behaving normally, per method, in order. */
  readonly script = new Map<string, ScriptedAnswer[]>();
  /** Top-level messages by ts, with their latest text and blocks, and each thread's replies. */
  readonly messages = new Map<string, { channel: string; text: string; blocks: unknown[]; updates: number }>();
  readonly threads = new Map<string, { text: string; blocks: unknown[] }[]>();
  /** User group members (usergroups.users.list). */
  readonly userGroups = new Map<string, string[]>();
  private sequence = 0;
  private server: LocalHttpServer | null = null;

  constructor(
    private readonly token: string,
    private readonly channels: readonly string[],
  ) {}

  /** Starts listening on a free port of 127.0.0.1; returns the API's base URL (ends with `/api/`). */
  async start(): Promise<string> {
    this.server = await startLocalHttpServer((req, body) => {
      const answer = this.answer(req, body);
      return { ...answer, headers: { "content-type": "application/json; charset=utf-8", ...answer.headers } };
    });
    return `${this.server.origin}/api/`;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }

  /** Forgets the requests, scripted answers, messages and threads of the last test; keeps the user groups (set-up, not state). */
  reset(): void {
    this.requests.length = 0;
    this.script.clear();
    this.messages.clear();
    this.threads.clear();
  }

  /** Calls of one method. */
  calls(method: string): WebApiRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  private answer(req: IncomingMessage, body: string): { status: number; headers: Record<string, string>; body: string } {
    const method = (req.url ?? "").replace(/^\/api\//, "");
    const contentType = req.headers["content-type"] ?? null;
    const args = contentType?.startsWith("application/json")
      ? (JSON.parse(body) as Record<string, unknown>)
      : Object.fromEntries(new URLSearchParams(body));
    const authorization = req.headers.authorization ?? null;
    this.requests.push({ method, authorization, contentType, args });
    const ok = (fields: Record<string, unknown>) => ({ status: 200, headers: {}, body: JSON.stringify({ ok: true, ...fields }) });
    const error = (code: string, headers: Record<string, string> = {}) => ({
      status: 200,
      headers,
      body: JSON.stringify({ ok: false, error: code }),
    });

    const scripted = this.script.get(method)?.shift();
    if (scripted) {
      if ("slackError" in scripted) return error(scripted.slackError, scripted.retryAfter ? { "retry-after": scripted.retryAfter } : {});
      return { status: scripted.status, headers: scripted.headers ?? {}, body: scripted.body ?? "" };
    }
    if (authorization !== `Bearer ${this.token}`) return error(authorization ? "invalid_auth" : "not_authed");
    const channel = String(args.channel ?? "");
    switch (method) {
      case "chat.postMessage": {
        if (!this.channels.includes(channel)) return error("channel_not_found");
        const ts = `1772442000.${String(++this.sequence).padStart(6, "0")}`;
        const message = { text: String(args.text ?? ""), blocks: (args.blocks as unknown[]) ?? [] };
        if (typeof args.thread_ts === "string") {
          if (!this.messages.has(args.thread_ts)) return error("thread_not_found");
          this.threads.set(args.thread_ts, [...(this.threads.get(args.thread_ts) ?? []), message]);
        } else this.messages.set(ts, { channel, ...message, updates: 0 });
        return ok({ channel, ts, message });
      }
      case "chat.update": {
        const existing = this.messages.get(String(args.ts));
        if (!existing || existing.channel !== channel) return error("message_not_found");
        this.messages.set(String(args.ts), {
          channel,
          text: String(args.text ?? ""),
          blocks: (args.blocks as unknown[]) ?? [],
          updates: existing.updates + 1,
        });
        return ok({ channel, ts: args.ts });
      }
      case "usergroups.users.list": {
        const users = this.userGroups.get(String(args.usergroup));
        return users ? ok({ users }) : error("no_such_subteam");
      }
      default:
        return error("unknown_method");
    }
  }
}
