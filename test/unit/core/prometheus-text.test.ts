import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import {
  type PrometheusFamily,
  PrometheusParseError,
  PrometheusType,
  parsePrometheusText,
  renderPrometheusText,
} from "../../../shared/core/prometheus-text";

const FIXTURE = readFileSync(path.join(__dirname, "../../fixtures/rabbitmq/detailed-3.10.8.txt"), "utf8");

describe("parsePrometheusText", () => {
  it("reads a real RabbitMQ 3.10.8 /metrics/detailed answer: families, types, labels and values", () => {
    // Act
    const families = parsePrometheusText(FIXTURE);

    // Assess
    const ready = families.get("rabbitmq_detailed_queue_messages_ready");
    expect(ready?.type).toBe("gauge");
    expect(ready?.help).toBe("Messages ready to be delivered to consumers");
    expect(ready?.samples).toContainEqual({ name: ready?.name, labels: { vhost: "/", queue: "orders.dlq" }, value: 20, timestampMs: null });
    const published = families.get("rabbitmq_detailed_queue_messages_published_total");
    expect(published?.type).toBe("counter");
    expect(published?.samples[0]?.labels).toEqual(
      expect.objectContaining({ channel: expect.stringMatching(/^<[\d.]+>$/), queue_vhost: "/", exchange_vhost: "/" }),
    );
    const scrape = families.get("telemetry_scrape_duration_seconds");
    expect(scrape?.type).toBe("summary");
    expect(scrape?.samples.map((s) => s.name)).toEqual([
      "telemetry_scrape_duration_seconds_count",
      "telemetry_scrape_duration_seconds_sum",
    ]);
  });

  it.each([
    ["a value that is not a number", 'up{a="b"} fast\n', 1, /invalid value/],
    ["an unclosed label value", 'up{a="b} 1\n', 1, /not closed/],
    ["an unknown escape in a label value", 'up{a="\\t"} 1\n', 1, /invalid escape/],
    ["a label given twice", 'up{a="1",a="2"} 1\n', 1, /given twice/],
    ["a label name that starts with a digit", 'up{1a="1"} 1\n', 1, /invalid label name/],
    ["a metric name with a dash", "queue-depth 1\n", 1, /invalid metric name/],
    ["a second TYPE line", "# TYPE up gauge\n# TYPE up counter\n", 2, /second TYPE/],
    ["a TYPE line after the samples", "up 1\n# TYPE up gauge\n", 2, /after its samples/],
    ["an unknown type", "# TYPE up meter\n", 1, /unknown type/],
    ["a family split into two blocks", "a 1\nb 1\na 2\n", 3, /two separate blocks/],
    ["text after the timestamp", "up 1 1700000000000 extra\n", 1, /unexpected text/],
    ["a timestamp that is not an integer", "up 1 17.5\n", 1, /invalid timestamp/],
    ["no value", 'up{a="b"}\n', 1, /no value/],
    ["a carriage return (the format ends lines with \\n only)", "up 1\r\n", 1, /invalid value/],
    ["a value glued to the closing brace", 'up{a="b"}1\n', 1, /expected a blank/],
  ])("refuses %s, naming the line", (_case, text, line, problem) => {
    // Act
    const parse = () => parsePrometheusText(text);

    // Assess
    expect(parse).toThrow(PrometheusParseError);
    expect(parse).toThrow(problem);
    try {
      parse();
    } catch (error) {
      expect((error as PrometheusParseError).line).toBe(line);
    }
  });

  it.each([
    ["NaN", Number.NaN],
    ["+Inf", Number.POSITIVE_INFINITY],
    ["-Inf", Number.NEGATIVE_INFINITY],
    ["1.5e3", 1500],
    ["-0.25", -0.25],
    [".5", 0.5],
  ])("reads the value %s", (text, value) => {
    // Act
    const families = parsePrometheusText(`x ${text}\n`);

    // Assess
    expect(families.get("x")?.samples[0]?.value).toBe(value);
  });

  it("keeps ordinary comments, blank lines and a trailing comma out of the data", () => {
    // Act
    const families = parsePrometheusText('# a comment\n\n# TYPE q gauge\nq{vhost="/",queue="a",} 3 1700000000000\n');

    // Assess
    expect(families.get("q")?.samples).toEqual([{ name: "q", labels: { vhost: "/", queue: "a" }, value: 3, timestampMs: 1700000000000 }]);
  });

  it("reads back what it writes, whatever the names, label values (escapes, unicode), values and timestamps", () => {
    fc.assert(
      fc.property(familiesArbitrary(), (families) => {
        // Act
        const parsed = parsePrometheusText(renderPrometheusText(families));

        // Assess
        expect([...parsed.values()]).toEqual(families);
      }),
      { numRuns: 300 },
    );
  });

  it("reads the same data whatever blanks (spaces, tabs) separate the tokens", () => {
    fc.assert(
      fc.property(familiesArbitrary(), fc.constantFrom(" ", "\t", "  ", " \t "), (families, blank) => {
        // Prepare: label values keep their own blanks, so only samples without blanks in them are respaced.
        fc.pre(families.every((f) => f.samples.every((s) => Object.values(s.labels).every((v) => !/[ \t]/.test(v)))));
        const spaced = renderPrometheusText(families)
          .split("\n")
          .map((line) => (line.startsWith("#") ? line : line.replace(/ /g, blank)))
          .join("\n");

        // Act
        const parsed = parsePrometheusText(spaced);

        // Assess
        expect([...parsed.values()]).toEqual(families);
      }),
      { numRuns: 200 },
    );
  });

  it("either parses any text or refuses it with a PrometheusParseError, never another failure", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom("a", "_", "{", "}", '"', "=", ",", " ", "\n", "#", "1", ".", "\\", "e", "T") }),
        (text) => {
          // Act
          let thrown: unknown = null;
          try {
            parsePrometheusText(text);
          } catch (error) {
            thrown = error;
          }

          // Assess
          expect(thrown === null || thrown instanceof PrometheusParseError).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("refuses a valid answer cut off in the middle of a sample line", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: FIXTURE.length - 1 }), (cut) => {
        // Prepare: a cut inside a label set or a label value is never a complete sample.
        const text = FIXTURE.slice(0, cut);
        const lastLine = text.slice(text.lastIndexOf("\n") + 1);
        fc.pre(/\{[^}]*$/.test(lastLine));

        // Act + Assess
        expect(() => parsePrometheusText(text)).toThrow(PrometheusParseError);
      }),
      { numRuns: 300 },
    );
  });
});

function familiesArbitrary(): fc.Arbitrary<PrometheusFamily[]> {
  const name = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/);
  const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/);
  const text = (specials: string[]) =>
    fc
      .array(fc.oneof(fc.constantFrom(...specials), fc.string({ unit: "grapheme", maxLength: 2 })), { maxLength: 8 })
      .map((parts) => parts.join(""));
  const labelValue = text(["\\", '"', "\n", "{", "}", ",", "=", " ", "é", "日"]);
  const value = fc.oneof(
    fc.integer({ min: -1e9, max: 1e9 }).map((v) => (v === 0 ? 0 : v)),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0)),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  );
  const help = fc.option(text(["\\", "\n", " ", "\t"]), { nil: null });
  const type = fc.constantFrom<PrometheusType>(PrometheusType.counter, PrometheusType.gauge, PrometheusType.untyped);
  const family = fc.record({
    name,
    type,
    help,
    samples: fc.array(
      fc.record({
        labels: fc.dictionary(labelName, labelValue, { maxKeys: 4 }),
        value,
        timestampMs: fc.option(fc.integer({ min: -1e12, max: 4e12 }), { nil: null }),
      }),
      { maxLength: 5 },
    ),
  });
  return fc.uniqueArray(family, { selector: (f) => f.name, maxLength: 6 }).map((families) =>
    families
      // A help text ends where blanks end: the format cannot keep blanks at its end (or start).
      .map((f) => ({ ...f, help: f.help === null ? null : f.help.replace(/^[ \t]+|[ \t]+$/g, "") }))
      .map((f) => ({
        ...f,
        samples: f.samples.map((s) => ({ name: f.name, labels: { ...s.labels }, value: s.value, timestampMs: s.timestampMs })),
      })),
  );
}
