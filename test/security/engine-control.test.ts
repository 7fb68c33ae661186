/**
 * Issue 11.9: the engine's /_engine/* endpoints (invoke any function, status) need the engine's
 * token, a loopback Host (DNS rebinding) and, from a browser, a loopback Origin; a cross-origin
 * "simple" text/plain POST never reaches them.
 */
import { request } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlGuard, startHttpServer, type LocalHttpServer } from "../../local/engine/http.ts";

const TOKEN = "tok_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";

function call(port: number, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: body === undefined ? "GET" : "POST", headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("engine control endpoints (issue 11.9)", () => {
  let server: LocalHttpServer;
  const calls: string[] = [];
  let host: string;
  beforeAll(async () => {
    server = await startHttpServer({
      host: "127.0.0.1",
      port: 0,
      stage: "local",
      routes: [],
      invoke: async () => ({ ok: true, result: null }),
      controlToken: TOKEN,
      control: async (method, path) => {
        calls.push(`${method} ${path}`);
        return { status: 200, headers: { "content-type": "application/json" }, body: Buffer.from('{"ok":true}') };
      },
    });
    host = `127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  const auth = { authorization: `Bearer ${TOKEN}` };
  const cases: { name: string; headers: () => Record<string, string>; body?: string; status: number }[] = [
    { name: "no token", headers: () => ({ host }), status: 401 },
    { name: "a wrong token of the same length", headers: () => ({ host, authorization: `Bearer ${TOKEN.replace(/.$/, "x")}` }), status: 401 },
    { name: "a DNS-rebound Host", headers: () => ({ ...auth, host: `attacker.example:${server.port}` }), status: 403 },
    { name: "a loopback Host on another port", headers: () => ({ ...auth, host: "127.0.0.1:1" }), status: 403 },
    { name: "a foreign Origin", headers: () => ({ ...auth, host, origin: "http://attacker.example" }), status: 403 },
    { name: "Origin null", headers: () => ({ ...auth, host, origin: "null" }), status: 403 },
    { name: "a cross-origin text/plain POST", headers: () => ({ host, "content-type": "text/plain" }), body: "{}", status: 401 },
    { name: "a text/plain POST with the token", headers: () => ({ ...auth, host, "content-type": "text/plain" }), body: "{}", status: 415 },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} (${c.status}) before the control handler runs`, async () => {
      const before = calls.length;
      const res = await call(server.port, c.body === undefined ? "/_engine/status" : "/_engine/invoke/health", c.headers(), c.body);
      expect(res.status).toBe(c.status);
      expect(calls.length).toBe(before);
    });
  }

  it("serves the token holder on 127.0.0.1 or localhost, with or without a same-origin Origin", async () => {
    expect((await call(server.port, "/_engine/status", { ...auth, host })).status).toBe(200);
    expect((await call(server.port, "/_engine/status", { ...auth, host: `localhost:${server.port}`, origin: `http://localhost:${server.port}` })).status).toBe(200);
    const post = await call(server.port, "/_engine/invoke/health", { ...auth, host, "content-type": "application/json" }, "{}");
    expect(post.status).toBe(200);
    expect(calls.slice(-3)).toEqual(["GET /_engine/status", "GET /_engine/status", "POST /_engine/invoke/health"]);
  });

  it("property: any Host other than a loopback name with the engine's port is refused", () => {
    const allowed = new Set(["127.0.0.1:3000", "localhost:3000", "[::1]:3000"]);
    fc.assert(
      fc.property(fc.oneof(fc.domain(), fc.ipV4(), fc.constantFrom("127.0.0.1", "localhost", "LOCALHOST", "[::1]", "0.0.0.0")), fc.integer({ min: 0, max: 65535 }), (name, port) => {
        const hostHeader = `${name}:${port}`;
        const reply = controlGuard({ method: "GET", headers: { host: hostHeader, authorization: `Bearer ${TOKEN}` } }, { port: 3000, host: "127.0.0.1", token: TOKEN });
        expect(reply === undefined).toBe(allowed.has(hostHeader.toLowerCase()));
      }),
      { seed: 11_9, numRuns: 500 },
    );
  });
});
