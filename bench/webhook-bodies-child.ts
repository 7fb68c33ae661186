/**
 * Child process for bench/webhook-bodies.ts: the engine's HTTP layer (local/engine/http.ts) with one
 * webhook route whose stand-in function does what a webhook handler does with a body (decode the
 * event body, HMAC it, parse the JSON) and answers 200. Reports its peak RSS (getrusage maxrss) when
 * asked over IPC. Usage (forked): webhook-bodies-child.ts <capped|uncapped>
 */
import { createHmac } from "node:crypto";
import { compileRoute, startHttpServer } from "../local/engine/http.ts";

const mode = process.argv[2];
const server = await startHttpServer({
  host: "127.0.0.1",
  port: 0,
  stage: "bench",
  routes: [compileRoute("webhook", { type: "httpApi", method: "POST", path: "/webhook" } as Parameters<typeof compileRoute>[1])],
  ...(mode === "uncapped" ? { maxLargeBodies: Infinity } : {}),
  invoke: async (_fn, event) => {
    const body = (event as { body?: string }).body ?? "";
    const mac = createHmac("sha256", "bench-secret").update(body).digest("hex");
    const parsed = JSON.parse(body) as { data: string };
    await new Promise((r) => setTimeout(r, 20));
    return { ok: true, result: { statusCode: 200, body: JSON.stringify({ mac: mac.slice(0, 8), chars: parsed.data.length }) } };
  },
});
process.send!({ url: server.url });
process.on("message", (m: { cmd: string }) => {
  if (m.cmd !== "peak") return;
  void server.close().then(() => {
    process.send!({ maxRssBytes: process.resourceUsage().maxRSS * 1024 }, () => process.exit(0));
  });
});
