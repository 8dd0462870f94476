import { parseConfig } from "../../../shared/core/config";
import { PROMETHEUS_TAG, prometheusEndpointsOf, scrapePlanFor } from "../../../shared/core/prometheus-targets";
import type { Broker } from "../../../shared/core/types";
import { activeMqBroker } from "../app/fakes";

const config = (raw: object = {}) => parseConfig({ prometheus: raw }).config.prometheus;
const rabbit = (overrides: Partial<Broker> = {}): Broker =>
  activeMqBroker("orders", {
    engine: "RABBITMQ",
    engineVersion: "4.2.1",
    nodes: ["orders"],
    endpoints: ["amqps://b-1.mq.us-east-1.on.aws:5671", "https://b-1.mq.us-east-1.on.aws:15691/metrics"],
    ...overrides,
  });

describe("scrapePlanFor", () => {
  it.each<[string, Broker, ReturnType<typeof config>, unknown]>([
    ["a broker neither tagged nor configured", rabbit(), config(), null],
    [
      "a broker tagged mq-sentinel:prometheus=true (any case, blanks)",
      rabbit({ tags: { [PROMETHEUS_TAG]: " TRUE " } }),
      config(),
      { target: { broker: "orders", endpoints: ["https://b-1.mq.us-east-1.on.aws:15691"], secretId: "p/orders" } },
    ],
    [
      "a broker named in prometheus.brokers",
      rabbit(),
      config({ brokers: ["orders"] }),
      { target: expect.objectContaining({ broker: "orders" }) },
    ],
    ["a broker tagged with another value", rabbit({ tags: { [PROMETHEUS_TAG]: "yes" } }), config(), null],
    [
      "an opted-in ActiveMQ broker",
      activeMqBroker("orders", { tags: { [PROMETHEUS_TAG]: "true" } }),
      config(),
      { problem: expect.stringMatching(/only RabbitMQ brokers/) },
    ],
    [
      "an opted-in broker whose description lists no http(s) endpoint",
      rabbit({ endpoints: ["amqps://b-1:5671"] }),
      config({ brokers: ["orders"] }),
      { problem: expect.stringMatching(/lists no Prometheus endpoint .*set prometheus.endpoints/) },
    ],
    [
      "a broker whose endpoint the configuration names",
      rabbit({ endpoints: [] }),
      config({ brokers: ["orders"], endpoints: { orders: "https://10.0.0.7:15691/x" } }),
      { target: expect.objectContaining({ endpoints: ["https://10.0.0.7:15691"] }) },
    ],
  ])("plans %s", (_case, broker, prometheus, plan) => {
    // Act + Assess
    expect(scrapePlanFor(broker, prometheus, "p/")).toEqual(plan);
  });

  it("reads without credentials when the deployment keeps none", () => {
    // Act
    const plan = scrapePlanFor(rabbit(), config({ brokers: ["orders"] }), null);

    // Assess
    expect(plan).toEqual({ target: expect.objectContaining({ secretId: null }) });
  });
});

describe("prometheusEndpointsOf", () => {
  it("keeps the http(s) endpoints of every instance as origins, once each, in order", () => {
    // Act
    const endpoints = prometheusEndpointsOf({
      endpoints: ["amqps://a:5671", "https://a:15691/metrics", "HTTPS://a:15691", "stomp+ssl://a:61614", "https://b:15691", "https://[bad"],
    });

    // Assess
    expect(endpoints).toEqual(["https://a:15691", "https://b:15691"]);
  });
});
