import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate, staleFiles } from "../../scripts/scenarios/generate";

/**
 * The generated part of scenarios/ is what the typed definitions in scripts/scenarios/ make, to the byte
 * (`npm run scenarios -- --check` in CI): a hand edit of a generated file, or a definition changed without
 * rerunning the generator, fails here.
 */

const LIBRARY = join(__dirname, "..", "..", "scenarios");

describe("the generated scenario library", () => {
  const files = generate(LIBRARY);

  it("matches the files checked in, README included", () => {
    expect(staleFiles(LIBRARY, files)).toEqual([]);
  });

  it("owns only generated names and leaves other files of scenarios/ alone", () => {
    // Prepare: a copy of the library plus a scenario nobody generated, and one generated file edited by hand
    const dir = mkdtempSync(join(tmpdir(), "scenarios-"));
    try {
      for (const name of readdirSync(LIBRARY)) writeFileSync(join(dir, name), readFileSync(join(LIBRARY, name)));
      writeFileSync(join(dir, "amq-handmade-extra.json"), "{}\n");
      const edited = "amq-no-consumers.json";
      writeFileSync(join(dir, edited), `${readFileSync(join(dir, edited), "utf8")} `);

      // Act
      const stale = staleFiles(dir, generate(dir));

      // Assess
      expect(stale).toEqual([edited]);
      expect(files.has("amq-handmade-extra.json")).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
