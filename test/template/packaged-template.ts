import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Statement, Template } from "./template-queries";

/**
 * Packages a Serverless service the way CI does (`sls package`, offline, no AWS credentials) and
 * returns the CloudFormation template it would deploy, so the template tests run on a fresh clone
 * without a prior `npm run package`.
 *
 * The main stack is packaged once per test file: serverless-esbuild builds in `.esbuild/` at the
 * repository root, so two packagings of it at the same time would trip over each other.
 */

const REPO_ROOT = path.resolve(__dirname, "../..");
const SLS = path.join(REPO_ROOT, "node_modules", ".bin", "sls");

/** Packaging takes about 4 s (esbuild bundles four functions); give a slow CI machine room. */
export const PACKAGING_TIMEOUT_MS = 120_000;

/** The main stack (serverless.yml) as CI packages it. */
export const MAIN_STACK_ARGS = ["--stage", "prod", "--region", "us-east-1"] as const;

/** The forwarder (serverless.forwarder.yml) for a watched region, eu-west-1, of a deployment at home in us-east-1. */
export const FORWARDER_ARGS = ["--config", "serverless.forwarder.yml", "--region", "eu-west-1", "--param=homeRegion=us-east-1"] as const;

/** What a run of `sls` printed, and whether it succeeded. */
export interface SlsRun {
  ok: boolean;
  /** stdout and stderr together: osls writes its errors to either, depending on the version. */
  output: string;
}

/** Runs `sls <args>` at the repository root; never throws for a failed command. */
export function runSls(args: readonly string[]): SlsRun {
  try {
    const stdout = execFileSync(SLS, [...args], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: PACKAGING_TIMEOUT_MS,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    });
    return { ok: true, output: stdout };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: [failed.stdout, failed.stderr].filter(Boolean).join("\n") || failed.message };
  }
}

/** A run of `sls package`: whether it succeeded, what it printed, and the template it wrote (null if it failed). */
export interface Packaging extends SlsRun {
  template: Template | null;
}

/**
 * `sls package <args> --package <fresh temporary folder>`, and the update-stack template it wrote (the
 * one `sls deploy` sends to CloudFormation). The folder is removed afterwards.
 */
export function packageService(args: readonly string[]): Packaging {
  const folder = mkdtempSync(path.join(tmpdir(), "mq-sentinel-package-"));
  try {
    const run = runSls(["package", ...args, "--package", folder]);
    const template = run.ok
      ? (JSON.parse(readFileSync(path.join(folder, "cloudformation-template-update-stack.json"), "utf8")) as Template)
      : null;
    return { ...run, template };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The packaged template of a service that must package; a failure throws with what `sls` printed. */
export function packageTemplate(args: readonly string[]): Template {
  const packaging = packageService(args);
  if (!packaging.template) throw new Error(`sls package ${args.join(" ")} failed:\n${packaging.output}`);
  return packaging.template;
}

/** A function as written in serverless.yml, after variables are resolved and before the framework fills in its defaults. */
export interface DeclaredFunction {
  handler: string;
  timeout?: number;
  /** The function's own IAM statements (serverless-iam-roles-per-function), intrinsics as JSON. */
  iamRoleStatements?: Statement[];
}

/**
 * The service as serverless.yml declares it, variables resolved (`sls print`). The packaged template
 * cannot tell a timeout someone chose from the framework's 6-second default; this can.
 */
export function declaredService(args: readonly string[]): { functions: Record<string, DeclaredFunction> } {
  const run = runSls(["print", ...args, "--format", "json"]);
  if (!run.ok) throw new Error(`sls print ${args.join(" ")} failed:\n${run.output}`);
  // The JSON is the last thing printed (deprecation notices may come first).
  return JSON.parse(run.output.slice(run.output.indexOf("{"))) as { functions: Record<string, DeclaredFunction> };
}
