/** Scriptable loopback HTTP servers for the BSS client's integration tests. */
import http from "node:http";
import { afterEach } from "vitest";
import { BssError, createBssClient } from "../../../shared/bss/index.ts";
import type { BssClientOptions, BssEvent } from "../../../shared/bss/index.ts";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyRequestSignature } from "../../../shared/signing/index.ts";
import type { VerifyResult } from "../../../shared/signing/index.ts";

export const AK = "HPUATESTACCESSKEY01";
export const SK = "test-secret-key-not-real-0123456789";
export const PARTNER_DOMAIN_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";

export interface Seen {
  /** 1-based arrival number. */
  n: number;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
  /** Arrival time on the server's clock (performance.now, ms). */
  at: number;
  signature: VerifyResult;
}

export type Handler = (req: Seen, res: ServerResponse) => void | Promise<void>;

export interface TestServer {
  url: string;
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const at = performance.now(); // arrival of the request head
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const signature = verifyRequestSignature(
        { method: req.method ?? "GET", url: url.toString(), headers: req.headers as Record<string, string | string[] | undefined>, body },
        { secretFor: (ak) => (ak === AK ? SK : undefined) },
      );
      const s: Seen = { n: seen.length + 1, method: req.method ?? "", path: url.pathname, query: url.searchParams, headers: req.headers, body, json, at, signature };
      seen.push(s);
      Promise.resolve(handler(s, res)).catch((err: unknown) => {
        if (!res.headersSent) reply(res, 599, { error_code: "TEST.HANDLER", error_msg: String(err) });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function reply(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { "Content-Type": "application/json" } : {}), ...headers });
  res.end(text);
}

/** A port on which nothing listens (connection refused). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Largest number of arrivals in any closed window of `windowMs`. */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! > windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

export const fastRetry = { baseMs: 5, capMs: 20 };

/**
 * Registers cleanup and returns `setup(handler, options)`: a scripted loopback server and a BSS
 * client pointed at it (fast retries, a high rate unless a test sets its own), with its events.
 */
export function clientHarness() {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return async (handler: Handler, extra: Partial<BssClientOptions> = {}) => {
    server = await startServer(handler);
    const events: BssEvent[] = [];
    const client = createBssClient({
      endpoint: server.url,
      iamEndpoint: server.url,
      // A configured domain id: no X-Domain-Id lookup (domain-id.test.ts covers the lookup).
      credentials: { ak: AK, sk: SK, domainId: PARTNER_DOMAIN_ID },
      agencyName: "op_svc_partner",
      retry: fastRetry,
      timeoutMs: 2000,
      rate: 1000, // tests of the limiter itself set their own rate
      onEvent: (e) => events.push(e),
      ...extra,
    });
    return { client, server, events };
  };
}

/** The BssError a promise rejects with (fails the test when it resolves or throws something else). */
export async function caught(p: Promise<unknown>): Promise<BssError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BssError) return err;
    throw err;
  }
  throw new Error("expected a BssError");
}
