import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A RabbitMQ node of the tests' own, from Debian's `rabbitmq-server` package (3.10.x, with the
 * rabbitmq_prometheus plugin): on loopback, on free ports (AMQP, distribution, Prometheus, its own
 * epmd), with its data, logs, Erlang cookie and configuration in a temporary folder, and never the
 * system service. `.ci/run` installs the package; locally a missing package skips the suite with a
 * message, in CI it fails it.
 */

/** Debian's scripts (the /usr/sbin wrappers switch to the rabbitmq user, who cannot use the temporary folder). */
export const RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const RABBITMQCTL = "/usr/lib/rabbitmq/bin/rabbitmqctl";

/** Whether the real-broker suite runs, is skipped (locally, with why), or must fail (in CI: never green by skipping). */
export type RealBrokerPlan = { run: true } | { run: false; fail: boolean; message: string };

export function realBrokerPlan(installed: boolean, ci: boolean): RealBrokerPlan {
  if (installed) return { run: true };
  const why = `rabbitmq-server is not installed (${RABBITMQ_SERVER} is missing): the real-broker tests need it (apt-get install rabbitmq-server, as .ci/run does)`;
  return ci
    ? { run: false, fail: true, message: `${why}. CI must run them, so this fails.` }
    : { run: false, fail: false, message: `${why}. Skipped locally.` };
}

/** True when this run is CI's (`CI=true`, set by .ci/run). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(true|1|yes)$/i.test(env.CI ?? "");
}

export interface LocalRabbitMq {
  /** amqp://guest:guest@127.0.0.1:PORT (guest may connect from loopback). */
  amqpUrl: string;
  /** http://127.0.0.1:PORT, the Prometheus endpoint's origin. */
  prometheusUrl: string;
  /** Stops the node (rabbitmqctl stop) and its epmd; safe to call twice. */
  stop(): Promise<void>;
  /** Stops the node if running and removes its folder. */
  cleanup(): Promise<void>;
}

/** Starts a node and waits until its Prometheus endpoint and AMQP port answer (about 6 s). */
export async function startLocalRabbitMq(): Promise<LocalRabbitMq> {
  const dir = mkdtempSync(path.join(tmpdir(), "mq-sentinel-rabbitmq-"));
  const [amqp, dist, prometheus, epmd] = (await freePorts(4)) as [number, number, number, number];
  const ctlBase = 40_000 + Math.floor(Math.random() * 20_000);
  for (const sub of ["home", "mnesia", "log"]) mkdirSync(path.join(dir, sub));
  writeFileSync(
    path.join(dir, "rabbitmq.conf"),
    [
      `listeners.tcp.default = 127.0.0.1:${amqp}`,
      `prometheus.tcp.port = ${prometheus}`,
      "prometheus.tcp.ip = 127.0.0.1",
      // The endpoint serves statistics refreshed this often (5 s by default): the tests read every few seconds.
      "collect_statistics_interval = 1000",
      "log.console = false",
      "log.file.level = warning",
    ].join("\n"),
  );
  writeFileSync(path.join(dir, "enabled_plugins"), "[rabbitmq_prometheus].\n");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LANG: "C.UTF-8",
    HOME: path.join(dir, "home"),
    RABBITMQ_NODENAME: `mqsentinel${process.pid}x${amqp}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
    RABBITMQ_NODE_PORT: String(amqp),
    RABBITMQ_DIST_PORT: String(dist),
    ERL_EPMD_PORT: String(epmd),
    ERL_EPMD_ADDRESS: "127.0.0.1",
    RABBITMQ_CONFIG_FILE: path.join(dir, "rabbitmq.conf"),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, "enabled_plugins"),
    RABBITMQ_MNESIA_BASE: path.join(dir, "mnesia"),
    RABBITMQ_LOG_BASE: path.join(dir, "log"),
    // Not the system's /etc/rabbitmq/rabbitmq-env.conf.
    RABBITMQ_CONF_ENV_FILE: path.join(dir, "no-env.conf"),
    RABBITMQ_PID_FILE: path.join(dir, "rabbitmq.pid"),
    RABBITMQ_CTL_DIST_PORT_MIN: String(ctlBase),
    RABBITMQ_CTL_DIST_PORT_MAX: String(ctlBase + 10),
  };
  const output = openSync(path.join(dir, "server.out"), "a");
  const child: ChildProcess = spawn(RABBITMQ_SERVER, [], { env, detached: true, stdio: ["ignore", output, output] });
  child.unref();
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });
  const prometheusUrl = `http://127.0.0.1:${prometheus}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`rabbitmq-server exited while starting:\n${tail(path.join(dir, "server.out"))}`);
    if ((await answers(`${prometheusUrl}/metrics`)) && (await accepts(amqp))) break;
    if (Date.now() > deadline) {
      stopChild(child);
      throw new Error(`rabbitmq-server did not start within 90 s:\n${tail(path.join(dir, "server.out"))}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await run(RABBITMQCTL, ["stop"], env, 60_000).catch(() => {});
    await run("epmd", ["-kill"], env, 10_000).catch(() => {});
    if (!exited) stopChild(child);
  };
  return {
    amqpUrl: `amqp://guest:guest@127.0.0.1:${amqp}`,
    prometheusUrl,
    stop,
    cleanup: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Ends the node's process group (our own child's) when rabbitmqctl could not stop it. */
function stopChild(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // already gone
  }
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const s = createServer();
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, "127.0.0.1");
  });
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout }, (error) => (error ? reject(error) : resolve()));
  });
}

function tail(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-30).join("\n") : "(no output)";
}
