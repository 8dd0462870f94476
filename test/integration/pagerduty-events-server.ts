import type { IncomingMessage } from "node:http";
import { type LocalAnswer, type LocalHttpServer, startLocalHttpServer } from "../support/local-http-server";

/** An alert as the local PagerDuty keeps it, per dedup_key. */
export interface LocalAlert {
  status: "triggered" | "resolved";
  severity: string;
  summary: string;
  triggers: number;
  resolves: number;
}

const SEVERITIES = new Set(["critical", "error", "warning", "info"]);
const ACTIONS = new Set(["trigger", "acknowledge", "resolve"]);

/**
 * A real local HTTP server speaking the PagerDuty Events API v2 contract (`POST /v2/enqueue`): it
 * validates each event as PagerDuty documents it (a 32-character routing key of a known integration,
 * `event_action`, a `dedup_key` for acknowledge/resolve, `payload.summary`, `source` and `severity` on
 * trigger), answers 202 `{"status":"success","message":"Event processed","dedup_key":...}` or 400
 * `{"status":"invalid event",...}`, and keeps one alert per dedup_key, so a test can see how many
 * incidents PagerDuty would hold. `script` overrides the next answers (429, 5xx, a hang).
 */
export class LocalPagerDuty {
  readonly requests: { path: string; body: string }[] = [];
  readonly alerts = new Map<string, LocalAlert>();
  /** Events accepted, in order. */
  readonly accepted: { action: string; dedupKey: string; severity: string | null }[] = [];
  /** Answers to give instead of the contract's, in order (a 429, a 5xx, a hang). */
  script: LocalAnswer[] = [];
  private server: LocalHttpServer | null = null;

  constructor(readonly routingKeys: ReadonlySet<string>) {}

  async start(): Promise<string> {
    this.server = await startLocalHttpServer((req, body) => {
      this.requests.push({ path: req.url ?? "", body });
      const scripted = this.script.shift();
      if (scripted) return scripted;
      const { status, answer } = this.handle(req, body);
      return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(answer) };
    });
    return `${this.server.origin}/v2/enqueue`;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }

  /** Forgets the requests, alerts, accepted events and scripted answers of the last test. */
  reset(): void {
    this.requests.length = 0;
    this.alerts.clear();
    this.accepted.length = 0;
    this.script = [];
  }

  private handle(req: IncomingMessage, body: string): { status: number; answer: Record<string, unknown> } {
    const invalid = (errors: string[]) => ({
      status: 400,
      answer: { status: "invalid event", message: "Event object is invalid", errors },
    });
    if (req.method !== "POST" || req.url !== "/v2/enqueue") return { status: 404, answer: { status: "not found" } };
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return invalid(["Malformed JSON"]);
    }
    const errors: string[] = [];
    const key = event.routing_key;
    if (typeof key !== "string" || key.length !== 32) errors.push("'routing_key' must be a 32 character integration key");
    else if (!this.routingKeys.has(key)) errors.push("'routing_key' is not a valid integration key");
    const action = event.event_action;
    if (typeof action !== "string" || !ACTIONS.has(action))
      errors.push("'event_action' is invalid (must be trigger, acknowledge or resolve)");
    const dedupKey = event.dedup_key;
    if (dedupKey !== undefined && (typeof dedupKey !== "string" || dedupKey.length > 255)) errors.push("'dedup_key' is invalid");
    if (action !== "trigger" && typeof dedupKey !== "string") errors.push("'dedup_key' is required for acknowledge and resolve");
    const payload = event.payload as Record<string, unknown> | undefined;
    if (action === "trigger") {
      if (!payload || typeof payload !== "object") errors.push("'payload' is missing");
      else {
        if (typeof payload.summary !== "string" || payload.summary.length === 0 || payload.summary.length > 1024)
          errors.push("'payload.summary' is missing or longer than 1024 characters");
        if (typeof payload.source !== "string" || payload.source.length === 0) errors.push("'payload.source' is missing");
        if (typeof payload.severity !== "string" || !SEVERITIES.has(payload.severity)) errors.push("'payload.severity' is invalid");
      }
    }
    if (errors.length > 0) return invalid(errors);
    const dedup = typeof dedupKey === "string" ? dedupKey : `generated-${this.accepted.length}`;
    const alert = this.alerts.get(dedup);
    if (action === "trigger") {
      const p = payload as { summary: string; severity: string };
      // PagerDuty: a trigger on a dedup_key whose alert is open updates it; after a resolve, it opens a new one.
      this.alerts.set(dedup, {
        status: "triggered",
        severity: p.severity,
        summary: p.summary,
        triggers: (alert?.triggers ?? 0) + 1,
        resolves: alert?.resolves ?? 0,
      });
    } else if (action === "resolve" && alert) {
      this.alerts.set(dedup, { ...alert, status: "resolved", resolves: alert.resolves + 1 });
    }
    this.accepted.push({ action: action as string, dedupKey: dedup, severity: (payload?.severity as string | undefined) ?? null });
    return { status: 202, answer: { status: "success", message: "Event processed", dedup_key: dedup } };
  }
}
