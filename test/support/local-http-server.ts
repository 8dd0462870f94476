import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What a local server answers to one request: a status with headers and body, or nothing at all (`hang`). */
export interface LocalAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Accept the request and never answer it (until the server stops): a hung upstream. */
  hang?: boolean;
}

/** A running local server. */
export interface LocalHttpServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  origin: string;
  /** Drops the requests left hanging and closes the server. */
  stop(): Promise<void>;
}

/**
 * Starts a real HTTP server on a free loopback port that hands each request, once its body has been
 * read, to `answer` and sends what it returns: the stand-in for Slack, PagerDuty and webhooks in the
 * tests of the adapters that call them over HTTP.
 */
export async function startLocalHttpServer(answer: (req: IncomingMessage, body: string) => LocalAnswer): Promise<LocalHttpServer> {
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const reply = answer(req, body);
      if (reply.hang) {
        hanging.add(res);
        return;
      }
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    stop: async () => {
      for (const res of hanging) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
