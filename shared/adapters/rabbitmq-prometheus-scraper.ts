import { mapWithConcurrency } from "../core/concurrency";
import {
  CHANNEL_FAMILIES,
  hasQueueCounters,
  mergeSnapshots,
  QUEUE_FAMILIES,
  type QueueSnapshot,
  queueSnapshotOf,
} from "../core/prometheus-rabbitmq-queues";
import type { ScrapeTarget } from "../core/prometheus-targets";
import { type PrometheusExposition, PrometheusParseError, parsePrometheusText } from "../core/prometheus-text";
import { describeError, SentinelError } from "../errors";
import type { BrokerCredentials, BrokerScraper, Log, ScrapeResult } from "../ports";

/** Brokers read at the same time. */
const BROKER_CONCURRENCY = 4;

/** A broker endpoint that could not be read; the message names the endpoint and why, never the credentials. */
export class ScrapeError extends SentinelError {}

export interface PrometheusScraperOptions {
  /** One request (connection, answer and whole body) must finish within this long. */
  timeoutMs: number;
  /** Largest body read (after decompression); a larger one is refused. */
  maxBytes: number;
  /** Virtual hosts to read (the endpoint's `vhost` filter); empty or absent: all. */
  vhosts?: readonly string[];
  /** Refuse plain-HTTP endpoints (the deployment sends broker credentials only over TLS). */
  httpsOnly?: boolean;
}

/**
 * `BrokerScraper` over HTTP: reads each endpoint's `/metrics/detailed` with the queue families (and,
 * on brokers older than 3.13, which count per channel only, the per-channel families), with a
 * timeout and a size cap, and turns the answer into a queue snapshot. A broker whose endpoints cannot
 * all be read is "not read", with the reason: never an empty broker.
 */
export class RabbitMqPrometheusScraper implements BrokerScraper {
  /** Endpoints known to count per channel only: both family sets are asked for in one request. */
  private readonly perChannel = new Set<string>();

  constructor(
    private readonly credentials: BrokerCredentials | null,
    private readonly log: Log,
    private readonly options: PrometheusScraperOptions,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  scrape(targets: readonly ScrapeTarget[]): Promise<ScrapeResult[]> {
    return mapWithConcurrency(targets, BROKER_CONCURRENCY, (t) => this.scrapeOne(t));
  }

  private async scrapeOne(target: ScrapeTarget): Promise<ScrapeResult> {
    try {
      const authorization = await this.authorizationFor(target);
      const snapshots = await Promise.all(target.endpoints.map((endpoint) => this.readNode(endpoint, authorization)));
      if (snapshots.length === 0) throw new ScrapeError("no endpoint to read");
      return { broker: target.broker, snapshot: snapshots.length === 1 ? (snapshots[0] as QueueSnapshot) : mergeSnapshots(snapshots) };
    } catch (error) {
      const reason = describeError(error);
      this.log.warn("broker Prometheus endpoint not read", { broker: target.broker, reason });
      return { broker: target.broker, snapshot: null, error: reason };
    }
  }

  private async authorizationFor(target: ScrapeTarget): Promise<string | null> {
    if (target.secretId === null) return null;
    if (!this.credentials) throw new ScrapeError(`no credential store to read secret ${target.secretId} from`);
    let username: string;
    let password: string;
    try {
      ({ username, password } = await this.credentials.get(target.secretId));
    } catch (error) {
      throw new ScrapeError(`credentials (secret ${target.secretId}) could not be read: ${describeError(error)}`);
    }
    return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
  }

  private async readNode(endpoint: string, authorization: string | null): Promise<QueueSnapshot> {
    const both = this.perChannel.has(endpoint);
    let exposition = await this.get(endpoint, both ? [...QUEUE_FAMILIES, ...CHANNEL_FAMILIES] : QUEUE_FAMILIES, authorization);
    if (!both && !hasQueueCounters(exposition)) {
      // Before RabbitMQ 3.13 delivery counters exist per channel only.
      this.perChannel.add(endpoint);
      const channels = await this.get(endpoint, CHANNEL_FAMILIES, authorization);
      exposition = new Map([...exposition, ...channels]);
    }
    return queueSnapshotOf(exposition);
  }

  private async get(endpoint: string, families: readonly string[], authorization: string | null): Promise<PrometheusExposition> {
    const url = new URL("/metrics/detailed", endpoint);
    if (!/^https?:$/.test(url.protocol)) throw new ScrapeError(`${endpoint} is not an http(s) endpoint`);
    if (this.options.httpsOnly && url.protocol !== "https:")
      throw new ScrapeError(`${endpoint} is not https: broker credentials are sent only over TLS`);
    for (const family of families) url.searchParams.append("family", family);
    for (const vhost of this.options.vhosts ?? []) url.searchParams.append("vhost", vhost);
    const where = `${url.origin}${url.pathname}`;
    let response: Response;
    try {
      response = await this.fetchFn(url, {
        headers: { accept: "text/plain", ...(authorization ? { authorization } : {}) },
        // Credentials never follow a redirect to another place.
        redirect: "error",
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new ScrapeError(`${where}: ${networkReason(error, this.options.timeoutMs)}`);
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      const why = response.status === 401 || response.status === 403 ? ": the broker refused the credentials" : "";
      throw new ScrapeError(`${where}: HTTP ${response.status}${why}`);
    }
    const declared = Number(response.headers.get("content-length") ?? "");
    if (Number.isFinite(declared) && declared > this.options.maxBytes && response.headers.get("content-encoding") === null) {
      await response.body?.cancel().catch(() => {});
      throw new ScrapeError(
        `${where}: answer of ${declared} bytes is over the ${this.options.maxBytes}-byte cap (prometheus.maxResponseBytes)`,
      );
    }
    let text: string;
    try {
      text = await readCapped(response, this.options.maxBytes);
    } catch (error) {
      if (error instanceof ScrapeError) throw new ScrapeError(`${where}: ${error.message}`);
      throw new ScrapeError(`${where}: ${networkReason(error, this.options.timeoutMs)}`);
    }
    try {
      return parsePrometheusText(text);
    } catch (error) {
      if (error instanceof PrometheusParseError)
        throw new ScrapeError(`${where}: the answer is not the Prometheus text format (${error.message})`);
      throw error;
    }
  }
}

/** The body as UTF-8 text, refused once it passes `maxBytes` (counted after decompression). */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return "";
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const reader = response.body.getReader();
  const parts: string[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new ScrapeError(`answer over the ${maxBytes}-byte cap (prometheus.maxResponseBytes)`);
    }
    try {
      parts.push(decoder.decode(value, { stream: true }));
    } catch {
      await reader.cancel().catch(() => {});
      throw new ScrapeError("answer is not UTF-8 text");
    }
  }
  parts.push(decoder.decode());
  return parts.join("");
}

/** Why a request failed, in words: the timeout, or the network error's code (ECONNREFUSED, ENOTFOUND, ...). */
function networkReason(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string; name?: string; message?: string } };
  if (e?.name === "TimeoutError" || e?.cause?.name === "TimeoutError") return `no complete answer within ${timeoutMs} ms`;
  const code = e?.cause?.code;
  if (code) return `${code}${e.cause?.message ? ` (${e.cause.message})` : ""}`;
  // fetch reports a refused redirect (and other protocol failures) only in its cause.
  if (e?.cause?.message) return e.cause.message;
  return describeError(error);
}
