import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { inflateRawSync } from "node:zlib";
import { medianOf } from "../shared/core/series";

/**
 * Deployment packages and cold starts. Packages the service afresh with `sls package` into a
 * temporary directory (offline, a few seconds; the `.serverless/` of the checkout may be stale and
 * belongs to whoever packaged last), falling back to `.serverless/` when packaging fails. Then, per
 * function, the zip's size and the time to import its bundled handler in a fresh `node` process.
 */

export interface FunctionBundle {
  /** The function's name in serverless.yml. */
  name: string;
  zipBytes: number;
  /** The handler file inside the zip and its size. */
  handler: string;
  handlerBytes: number;
  /** Median over the runs: `await import(handler)` inside a fresh process, and the whole process. */
  importMs: number;
  processMs: number;
  runs: number;
}

export interface BundleReport {
  source: string;
  functions: FunctionBundle[];
  error?: string;
}

const COLD_RUNS = 5;

export function measureBundles(root: string, runs = COLD_RUNS): BundleReport {
  const work = mkdtempSync(join(tmpdir(), "mq-sentinel-bench-"));
  try {
    const packaged = join(work, "package");
    const sls = join(root, "node_modules", ".bin", "sls");
    const result = spawnSync(sls, ["package", "--stage", "prod", "--package", packaged], {
      cwd: root,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off" },
    });
    let source = packaged;
    let error: string | undefined;
    if (result.status !== 0 || !existsSync(packaged)) {
      error = `sls package failed (${result.status ?? result.signal}): ${(result.stderr || result.stdout || "").trim().split("\n").slice(-3).join(" ")}`;
      source = join(root, ".serverless");
      if (!existsSync(source)) return { source: "none", functions: [], error };
    }
    const zips = readdirSync(source)
      .filter((f) => f.endsWith(".zip"))
      .sort();
    const functions = zips.map((zip) => measureFunction(join(source, zip), join(work, zip.replace(/\.zip$/, "")), runs));
    return {
      source: source === packaged ? "sls package --stage prod (fresh)" : ".serverless/ (existing)",
      functions,
      ...(error ? { error } : {}),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function measureFunction(zipPath: string, dir: string, runs: number): FunctionBundle {
  const name =
    zipPath
      .split("/")
      .pop()
      ?.replace(/\.zip$/, "") ?? zipPath;
  const entries = unzip(readFileSync(zipPath));
  let handler = "";
  for (const [path, data] of entries) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
    if (path.endsWith(".mjs") && (!handler || path.startsWith("functions/"))) handler = path;
  }
  const file = join(dir, handler);
  const importTimes: number[] = [];
  const processTimes: number[] = [];
  // The handler module builds nothing at import (clients are made on the first invocation), so this
  // is the bundle's parse-and-evaluate cost: what a Lambda cold start pays before the first event.
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", AWS_REGION: "us-east-1" },
    });
    processTimes.push(performance.now() - started);
    const ms = Number(r.stdout);
    if (r.status === 0 && Number.isFinite(ms)) importTimes.push(ms);
  }
  return {
    name,
    zipBytes: statSync(zipPath).size,
    handler,
    handlerBytes: handler ? statSync(file).size : 0,
    importMs: medianOf(importTimes) ?? Number.NaN,
    processMs: medianOf(processTimes) ?? Number.NaN,
    runs: importTimes.length,
  };
}

/** The files of a zip archive (stored or deflated entries), read from its central directory. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a zip archive (no end of central directory)");
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error("corrupt zip central directory");
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataStart, dataStart + compressed);
    if (!name.endsWith("/")) out.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}
