import type { Config } from "./config";
import { type Broker, EngineType } from "./types";

/**
 * Which brokers have their queues read from their own Prometheus endpoint, where, and with which
 * secret. A broker is opted in by configuration (`prometheus.brokers`) or by the tag
 * `mq-sentinel:prometheus=true`. The endpoint comes from the broker's description (or the deployment's
 * configuration), never from a tag: the broker's credentials go only where AWS (or the operator) says
 * the broker is, so a tag set by anyone allowed mq:CreateTags cannot send them elsewhere.
 */

/** The tag that opts a broker in to being read from its Prometheus endpoint. */
export const PROMETHEUS_TAG = "mq-sentinel:prometheus";

/** One broker to read: its endpoints (one per node that serves one) and where its credentials are kept. */
export interface ScrapeTarget {
  broker: string;
  /** `scheme://host:port` of each endpoint; the detailed path and families are the reader's. */
  endpoints: string[];
  /** The Secrets Manager secret (`{"username": ..., "password": ...}`), or null to read without credentials. */
  secretId: string | null;
}

/** What to do about a broker: read it, say why an opted-in broker cannot be read, or nothing. */
export type ScrapePlan = { target: ScrapeTarget } | { problem: string } | null;

/** True when the broker is opted in by configuration or tag. */
export function isScrapeOptedIn(broker: Pick<Broker, "name" | "tags">, config: Config["prometheus"]): boolean {
  return config.brokers.includes(broker.name) || (broker.tags[PROMETHEUS_TAG] ?? "").trim().toLowerCase() === "true";
}

/**
 * The plan for one broker. `secretPrefix` is where the deployment keeps broker credentials (the
 * secret of broker `orders` is `<prefix>orders`); null reads without credentials.
 */
export function scrapePlanFor(broker: Broker, config: Config["prometheus"], secretPrefix: string | null): ScrapePlan {
  if (!isScrapeOptedIn(broker, config)) return null;
  if (broker.engine !== EngineType.rabbitmq)
    return { problem: `broker ${broker.name} is opted in to Prometheus reads, but only RabbitMQ brokers serve that endpoint` };
  const configured = Object.hasOwn(config.endpoints, broker.name) ? config.endpoints[broker.name] : undefined;
  const endpoints = configured ? [originOf(configured)] : prometheusEndpointsOf(broker);
  if (endpoints.length === 0)
    return {
      problem: `broker ${broker.name} is opted in to Prometheus reads, but its description lists no Prometheus endpoint (Amazon MQ serves one from RabbitMQ 4.2; engine ${broker.engineVersion ?? "unknown"}): its queues are judged from CloudWatch; set prometheus.endpoints to name one`,
    };
  return { target: { broker: broker.name, endpoints, secretId: secretPrefix === null ? null : `${secretPrefix}${broker.name}` } };
}

/**
 * The HTTP(S) endpoints among a broker's listed endpoints (the others are wire protocols: amqps,
 * stomp+ssl, ...), as origins, in order, without repeats.
 */
export function prometheusEndpointsOf(broker: Pick<Broker, "endpoints">): string[] {
  const out: string[] = [];
  for (const endpoint of broker.endpoints ?? []) {
    if (!/^https?:\/\//i.test(endpoint)) continue;
    const origin = originOf(endpoint);
    if (origin && !out.includes(origin)) out.push(origin);
  }
  return out;
}

/** `scheme://host:port` of a URL, or "" when it is not one. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "";
  }
}
