import fc from "fast-check";
import {
  type ActiveMqConfiguration,
  MAX_CONFIGURATION_CHARS,
  readActiveMqConfiguration,
} from "../../../shared/core/posture/activemq-configuration";
import {
  AMQ_NAMESPACE,
  authorizationMapXml,
  brokerXml,
  EMPTY_BROKER_XML,
  kahaDbXml,
  LDAP_MAP_XML,
  PLUGINS_WITHOUT_AUTHORIZATION_XML,
  SCOPED_MAP_XML,
} from "./posture-fixtures";

/** The successful reading, or a failed test naming the reader's error. */
function readOk(xml: string): Extract<ActiveMqConfiguration, { ok: true }> {
  const read = readActiveMqConfiguration(xml);
  if (!read.ok) throw new Error(`expected a readable configuration, got: ${read.error}`);
  return read;
}

describe("readActiveMqConfiguration", () => {
  describe("authorization", () => {
    it.each<{ case: string; xml: string; authorization: "map" | "ldap" | "none"; entries: number }>([
      { case: "an authorizationMap with entries and a temp-destination entry", xml: SCOPED_MAP_XML, authorization: "map", entries: 3 },
      { case: "a cachedLDAPAuthorizationMap", xml: LDAP_MAP_XML, authorization: "ldap", entries: 0 },
      { case: "plugins without an authorization plugin", xml: PLUGINS_WITHOUT_AUTHORIZATION_XML, authorization: "none", entries: 0 },
      { case: "an empty broker", xml: EMPTY_BROKER_XML, authorization: "none", entries: 0 },
      { case: "an authorization map with no entries", xml: authorizationMapXml([]), authorization: "map", entries: 0 },
      {
        case: "an authorization map outside <plugins> (the broker ignores it)",
        xml: brokerXml(
          '<authorizationPlugin><map><authorizationMap><authorizationEntries><authorizationEntry queue="&gt;" write="everyone"/></authorizationEntries></authorizationMap></map></authorizationPlugin>',
        ),
        authorization: "none",
        entries: 0,
      },
      {
        case: "an authorizationMap without the <map> property element",
        xml: brokerXml("<plugins><authorizationPlugin><authorizationMap/></authorizationPlugin></plugins>"),
        authorization: "none",
        entries: 0,
      },
    ])("reads $authorization from $case", ({ xml, authorization, entries }) => {
      // Act
      const read = readOk(xml);

      // Assess
      expect(read.authorization).toBe(authorization);
      expect(read.entries).toHaveLength(entries);
    });

    it("reads each entry's destinations and groups, decoding &gt;", () => {
      // Prepare: the shape of the AWS documentation sample (queue and topic entries on >, web console group).
      const xml = authorizationMapXml([
        '<authorizationEntry admin="admins,activemq-webconsole" read="admins,users,activemq-webconsole" write="admins,activemq-webconsole" queue="&gt;"/>',
        '<authorizationEntry admin="admins" read="admins, users" write="admins" topic="&#62;"/>',
      ]);

      // Act
      const read = readOk(xml);

      // Assess
      expect(read.entries).toEqual([
        {
          queue: ">",
          topic: null,
          read: ["admins", "users", "activemq-webconsole"],
          write: ["admins", "activemq-webconsole"],
          admin: ["admins", "activemq-webconsole"],
          isDefault: false,
        },
        { queue: null, topic: ">", read: ["admins", "users"], write: ["admins"], admin: ["admins"], isDefault: false },
      ]);
    });

    it("reads the map's defaultEntry as an entry that covers every destination", () => {
      // Prepare
      const xml = brokerXml(`<plugins><authorizationPlugin><map><authorizationMap>
        <defaultEntry><authorizationEntry read="everyone" write="everyone" admin="admins"/></defaultEntry>
      </authorizationMap></map></authorizationPlugin></plugins>`);

      // Act
      const read = readOk(xml);

      // Assess
      expect(read.entries).toEqual([
        { queue: null, topic: null, read: ["everyone"], write: ["everyone"], admin: ["admins"], isDefault: true },
      ]);
    });

    it.each<{ case: string; xml: string }>([
      {
        case: "a prefixed namespace (amq:)",
        xml: `<amq:broker xmlns:amq="${AMQ_NAMESPACE}"><amq:plugins><amq:authorizationPlugin><amq:map><amq:authorizationMap><amq:authorizationEntries><amq:authorizationEntry queue="&gt;" write="admins"/></amq:authorizationEntries></amq:authorizationMap></amq:map></amq:authorizationPlugin></amq:plugins></amq:broker>`,
      },
      {
        case: "a default namespace on the root",
        xml: `<broker xmlns="${AMQ_NAMESPACE}"><plugins><authorizationPlugin><map><authorizationMap><authorizationEntries><authorizationEntry queue="&gt;" write="admins"/></authorizationEntries></authorizationMap></map></authorizationPlugin></plugins></broker>`,
      },
      {
        case: "no namespace at all",
        xml: '<broker><plugins><authorizationPlugin><map><authorizationMap><authorizationEntries><authorizationEntry queue="&gt;" write="admins"/></authorizationEntries></authorizationMap></map></authorizationPlugin></plugins></broker>',
      },
      {
        case: "a prefix on the map elements only, and on an attribute",
        xml: `<broker xmlns="${AMQ_NAMESPACE}" xmlns:a="${AMQ_NAMESPACE}"><plugins><authorizationPlugin><map><a:authorizationMap><a:authorizationEntries><a:authorizationEntry a:queue="&gt;" write="admins"/></a:authorizationEntries></a:authorizationMap></map></authorizationPlugin></plugins></broker>`,
      },
    ])("finds the authorization map under $case", ({ xml }) => {
      // Act
      const read = readOk(xml);

      // Assess
      expect(read.authorization).toBe("map");
      expect(read.entries).toEqual([{ queue: ">", topic: null, read: [], write: ["admins"], admin: [], isDefault: false }]);
    });
  });

  describe("concurrentStoreAndDispatchQueues", () => {
    it.each<{ case: string; xml: string; effective: boolean }>([
      { case: "no persistence adapter (ActiveMQ's default)", xml: SCOPED_MAP_XML, effective: true },
      { case: "a kahaDB that does not set it", xml: kahaDbXml('journalDiskSyncStrategy="periodic"'), effective: true },
      { case: 'a kahaDB with "true"', xml: kahaDbXml('concurrentStoreAndDispatchQueues="true"'), effective: true },
      { case: 'a kahaDB with "false"', xml: kahaDbXml('concurrentStoreAndDispatchQueues="false"'), effective: false },
      {
        case: 'a kahaDB with " FALSE " (Spring reads booleans loosely)',
        xml: kahaDbXml('concurrentStoreAndDispatchQueues=" FALSE "'),
        effective: false,
      },
      {
        case: "an mKahaDB where one store leaves it on",
        xml: SCOPED_MAP_XML.replace(
          "</broker>",
          `<persistenceAdapter><mKahaDB><filteredPersistenceAdapters>
            <filteredKahaDB queue="slow.>"><persistenceAdapter><kahaDB concurrentStoreAndDispatchQueues="false"/></persistenceAdapter></filteredKahaDB>
            <filteredKahaDB><persistenceAdapter><kahaDB/></persistenceAdapter></filteredKahaDB>
          </filteredPersistenceAdapters></mKahaDB></persistenceAdapter></broker>`,
        ),
        effective: true,
      },
      {
        case: "an mKahaDB where every store turns it off",
        xml: SCOPED_MAP_XML.replace(
          "</broker>",
          `<persistenceAdapter><mKahaDB><filteredPersistenceAdapters>
            <filteredKahaDB><persistenceAdapter><kahaDB concurrentStoreAndDispatchQueues="false"/></persistenceAdapter></filteredKahaDB>
          </filteredPersistenceAdapters></mKahaDB></persistenceAdapter></broker>`,
        ),
        effective: false,
      },
    ])("is $effective for $case", ({ xml, effective }) => {
      // Act
      const read = readOk(xml);

      // Assess
      expect(read.concurrentStoreAndDispatchQueues).toBe(effective);
    });
  });

  describe("unreadable configurations", () => {
    const laughs = (() => {
      let subset = '<!ENTITY lol0 "lollollollollollollollollollol">';
      for (let i = 1; i <= 9; i++) subset += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
      return `<?xml version="1.0"?>\n<!DOCTYPE broker [${subset}]>\n<broker xmlns="${AMQ_NAMESPACE}"><plugins><authorizationPlugin><map><authorizationMap><authorizationEntries><authorizationEntry queue="&gt;" write="&lol9;"/></authorizationEntries></authorizationMap></map></authorizationPlugin></plugins></broker>`;
    })();

    it.each<{ case: string; xml: string; error: RegExp }>([
      {
        case: "an unclosed tag",
        xml: brokerXml("<plugins><statisticsBrokerPlugin/>"),
        error: /not well-formed XML \(line \d+, column \d+: .*plugins/,
      },
      { case: "mismatched tags", xml: "<broker><plugins></broker></plugins>", error: /not well-formed XML/ },
      { case: "text that is not XML at all", xml: "broker { plugins: [] }", error: /not well-formed XML/ },
      { case: "an empty string", xml: "", error: /not well-formed XML/ },
      {
        case: "an unterminated attribute",
        xml: '<broker><kahaDB concurrentStoreAndDispatchQueues="false/></broker>',
        error: /not well-formed XML/,
      },
      { case: "a repeated attribute", xml: '<broker><kahaDB a="1" a="2"/></broker>', error: /not well-formed XML.*repeated/ },
      { case: "two root elements", xml: "<broker/><broker/>", error: /2 root elements/ },
      {
        case: "a Spring <beans> root",
        xml: `<beans><broker xmlns="${AMQ_NAMESPACE}"/></beans>`,
        error: /root element is <beans>, not <broker>/,
      },
      { case: "an entity-expansion bomb in a DOCTYPE", xml: laughs, error: /DOCTYPE/ },
      {
        case: "an external entity in a DOCTYPE",
        xml: `<!DOCTYPE broker [<!ENTITY creds SYSTEM "file:///etc/passwd">]><broker><x y="&creds;"/></broker>`,
        error: /DOCTYPE/,
      },
      {
        case: "nesting deeper than the parser allows",
        xml: `<broker>${"<x>".repeat(5000)}${"</x>".repeat(5000)}</broker>`,
        error: /not readable XML/,
      },
    ])("reports $case as unreadable", ({ xml, error }) => {
      // Act
      const read = readActiveMqConfiguration(xml);

      // Assess
      expect(read).toEqual({ ok: false, error: expect.stringMatching(error) });
    });

    it("never expands the entities of a DOCTYPE", () => {
      // Act
      const read = readActiveMqConfiguration(laughs);

      // Assess: a short error, not a billion laughs.
      expect(read.ok).toBe(false);
      expect(JSON.stringify(read).length).toBeLessThan(300);
      expect(JSON.stringify(read)).not.toContain("lollol");
    });

    it("refuses a configuration larger than it reads, without parsing it", () => {
      // Prepare
      const xml = brokerXml(`<!--${"x".repeat(MAX_CONFIGURATION_CHARS)}-->`);

      // Act
      const read = readActiveMqConfiguration(xml);

      // Assess
      expect(read).toEqual({ ok: false, error: expect.stringMatching(/^too large \(\d+ characters; the audit reads at most \d+\)$/) });
    });

    it("bounds a quoted parser message to one short line", () => {
      // Prepare: the parser quotes the bad tag; this one is long and full of control characters.
      const xml = `<${"\u0007<".repeat(50_000)}`;

      // Act
      const read = readActiveMqConfiguration(xml);

      // Assess
      expect(read.ok).toBe(false);
      if (!read.ok) {
        expect(read.error.length).toBeLessThan(250);
        expect(read.error).not.toMatch(/\p{Cc}/u);
      }
    });
  });

  it("reads a large configuration with thousands of entries", () => {
    // Prepare: ~1 MB, within the bound.
    const entries = Array.from(
      { length: 10_000 },
      (_, i) => `<authorizationEntry admin="admins" queue="tenant-${i}.&gt;" read="tenant-${i}" write="tenant-${i}"/>`,
    );
    const xml = authorizationMapXml(entries);

    // Act
    const read = readOk(xml);

    // Assess
    expect(xml.length).toBeGreaterThan(900_000);
    expect(read.entries).toHaveLength(10_000);
    expect(read.entries[9_999]).toMatchObject({ queue: "tenant-9999.>", write: ["tenant-9999"] });
  });

  it("never throws, whatever the text", () => {
    // Prepare: random text, and random splices of real configuration pieces (half-built XML).
    const pieces = [
      "<broker>",
      "</broker>",
      "<plugins>",
      "</plugins>",
      '<authorizationEntry queue="&gt;"/>',
      "<!DOCTYPE x [",
      "]>",
      "&",
      "<",
      '"',
    ];
    const text = fc.oneof(
      fc.string(),
      fc.array(fc.constantFrom(...pieces), { maxLength: 30 }).map((parts) => parts.join("")),
    );

    // Act + Assess
    fc.assert(
      fc.property(text, (xml) => {
        const read = readActiveMqConfiguration(xml);
        return read.ok ? Array.isArray(read.entries) : typeof read.error === "string" && read.error.length > 0;
      }),
    );
  });
});
