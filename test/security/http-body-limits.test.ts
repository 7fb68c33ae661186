/**
 * Issue 11.6: the engine's HTTP layer keeps API Gateway's 10 MB body limit but bounds memory:
 * a declared oversize body is refused unread, an undeclared one is dropped the moment it passes
 * the limit, and only a few large bodies are read and handled at the same time.
 */
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { compileRoute, LARGE_BODY_BYTES, startHttpServer, type LocalHttpServer } from "../../local/engine/http.ts";

const route = compileRoute("hook", { type: "httpApi", method: "POST", path: "/hook" } as Parameters<typeof compileRoute>[1]);

function post(url: string, opts: { headers?: Record<string, string | number>; chunks: Buffer[] }): Promise<{ status: number; body: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/hook`, { method: "POST", headers: opts.headers ?? {}, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString(), closed: res.headers.connection === "close" }));
    });
    req.on("error", (err: NodeJS.ErrnoException) => (err.code === "ECONNRESET" || err.code === "EPIPE" ? undefined : reject(err)));
    (async () => {
      for (const c of opts.chunks) if (!req.write(c)) await new Promise((r) => req.once("drain", r));
      req.end();
    })().catch(() => undefined);
  });
}

describe("engine HTTP body limits (issue 11.6)", () => {
  let server: LocalHttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("refuses a declared oversize body with 413 without waiting for it, and closes the connection", { timeout: 10_000 }, async () => {
    let invoked = 0;
    server = await startHttpServer({ host: "127.0.0.1", port: 0, stage: "local", routes: [route], maxBodyBytes: 64 * 1024, invoke: async () => (invoked++, { ok: true, result: "x" }) });
    // Announces 1 MB but sends 10 bytes and never ends: an answer proves the server did not wait for the body.
    const res = await new Promise<{ status: number; closed: boolean }>((resolve, reject) => {
      const req = request(`${server!.url}/hook`, { method: "POST", headers: { "content-length": 1024 * 1024 }, agent: false }, (r) => {
        r.resume();
        resolve({ status: r.statusCode ?? 0, closed: r.headers.connection === "close" });
      });
      req.on("error", reject);
      req.write(Buffer.alloc(10));
    });
    expect(res).toEqual({ status: 413, closed: true });
    expect(invoked).toBe(0);
  });

  it("refuses a chunked body once it passes the limit and never hands it to the function", async () => {
    let invoked = 0;
    server = await startHttpServer({ host: "127.0.0.1", port: 0, stage: "local", routes: [route], maxBodyBytes: 64 * 1024, invoke: async () => (invoked++, { ok: true, result: "x" }) });
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const over = await post(server.url, { chunks: Array(5).fill(chunk) });
    expect(over.status).toBe(413);
    expect(over.closed).toBe(true);
    const at = await post(server.url, { chunks: Array(4).fill(chunk) });
    expect(at.status).toBe(200);
    expect(invoked).toBe(1);
  });

  it("reads and handles at most maxLargeBodies large bodies at once; every request is served with its exact body", async () => {
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    server = await startHttpServer({
      host: "127.0.0.1",
      port: 0,
      stage: "local",
      routes: [route],
      maxLargeBodies: 2,
      invoke: async (_fn, event) => {
        const n = (event as { body: string }).body.length;
        const large = n > LARGE_BODY_BYTES;
        if (large) active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 30));
        if (large) active--;
        seen.push(n);
        return { ok: true, result: { statusCode: 200, body: "ok" } };
      },
    });
    const size = LARGE_BODY_BYTES + 512 * 1024;
    const body = Buffer.alloc(size, 0x62);
    const results = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => post(server!.url, { headers: i % 2 ? { "content-length": size } : {}, chunks: [body.subarray(0, size / 2), body.subarray(size / 2)] })),
      post(server.url, { chunks: [Buffer.from("small")] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(Array(7).fill(200));
    expect(peak).toBe(2); // the small one never waits for a slot
    expect(seen.filter((n) => n === size)).toHaveLength(6);
  });
});
