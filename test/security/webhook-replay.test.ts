/**
 * Issue 11.7: a signature is bound to its route and used once. Drives the real realname-api handler
 * in the engine: a captured signed create (body + header) is refused on GET and submit of any
 * application, an identical replay is refused (no second application, with or without
 * X-Request-Id), and v1 (body only, deprecated) is accepted on create only.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signWebhook } from "../../shared/signing/index.ts";
import { jpeg } from "../e2e/helpers/realname-files.ts";
import { SECRET, enterpriseInline, startRealnameHarness, type RealnameHarness } from "./helpers/realname-engine.ts";

let h: RealnameHarness;
beforeAll(async () => {
  h = await startRealnameHarness();
}, 60_000);
afterAll(async () => h?.close());

const CREATE = "/realname/applications";

/** node:http, because fetch refuses a GET with a body (an attacker's client does not). */
function rawRequest(method: string, url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function countApplications(): Promise<number> {
  const { ScanCommand } = await import("@aws-sdk/lib-dynamodb");
  const { documentClient } = await import("../../shared/realname-io/records.ts");
  const doc = documentClient(h.engine.clients.dynamodb);
  const table = h.engine.plan.tables.find((t) => /Realname/i.test(t.logicalId))!.name;
  const res = await doc.send(new ScanCommand({ TableName: table }));
  return (res.Items ?? []).filter((i) => typeof i["customerId"] === "string").length;
}

describe("webhook signature v2: bound to the route, used once", () => {
  it("a captured create header and body are refused on GET and submit of another application", async () => {
    const body = JSON.stringify(enterpriseInline(h.freshCustomer(), jpeg(600, "replay-a")));
    const header = signWebhook(body, SECRET, { request: { method: "POST", path: CREATE } });
    const created = await h.send("POST", CREATE, body, { signature: header });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const other = "0190f5c4-0000-7000-8000-00000000beef";
    for (const [method, path] of [
      ["GET", `${CREATE}/${id}`],
      ["GET", `${CREATE}/${other}`],
      ["POST", `${CREATE}/${id}/submit`],
      ["POST", `${CREATE}/${other}/submit`],
    ] as const) {
      // Same header, same body, another route: refused before anything is read or changed.
      const status = await rawRequest(method, h.api + path, { "x-partner-ops-signature": header, "content-type": "application/json" }, body);
      expect(status, `${method} ${path}`).toBe(401);
    }
    // Query strings are part of what is signed.
    const get = signWebhook("", SECRET, { request: { method: "GET", path: `${CREATE}/${id}` } });
    expect((await fetch(`${h.api}${CREATE}/${id}?x=1`, { headers: { "x-partner-ops-signature": get } })).status).toBe(401);
  });

  it("an identical replay is refused and creates no second application (with and without X-Request-Id)", async () => {
    for (const requestId of [undefined, "replay-req-1"]) {
      const body = JSON.stringify(enterpriseInline(h.freshCustomer(), jpeg(600, `replay-b-${requestId}`)));
      const header = signWebhook(body, SECRET, { request: { method: "POST", path: CREATE } });
      const headers = { ...(requestId ? { "x-request-id": requestId } : {}) };
      const before = await countApplications();
      const first = await h.send("POST", CREATE, body, { signature: header, headers });
      expect(first.status).toBe(201);
      const again = await h.send("POST", CREATE, body, { signature: header, headers });
      expect(again.status).toBe(401);
      expect(again.json.message).toMatch(/already used/);
      expect(await countApplications()).toBe(before + 1);
      // A genuine retry is signed anew: with X-Request-Id it returns the same application.
      if (requestId) {
        const retry = await h.send("POST", CREATE, body, { headers });
        expect(retry.status).toBe(200);
        expect(retry.json.id).toBe(first.json.id);
      }
    }
    // Replayed GETs too; a re-signed identical GET (fresh nonce) is fine.
    const path = `${CREATE}/0190f5c4-0000-7000-8000-00000000cafe`;
    const sig = signWebhook("", SECRET, { request: { method: "GET", path } });
    expect((await h.send("GET", path, undefined, { signature: sig })).status).toBe(404);
    expect((await h.send("GET", path, undefined, { signature: sig })).status).toBe(401);
    expect((await h.send("GET", path)).status).toBe(404);
    expect((await h.send("GET", path)).status).toBe(404);
  });

  it("v1 (body only) is accepted on create only, and a v1+v2 header stripped to v1 is a replay", async () => {
    const body = JSON.stringify(enterpriseInline(h.freshCustomer(), jpeg(600, "v1")));
    const v1 = signWebhook(body, SECRET);
    expect((await h.send("POST", CREATE, body, { signature: v1 })).status).toBe(201);
    const id = "0190f5c4-0000-7000-8000-00000000f00d";
    for (const [method, path] of [["GET", `${CREATE}/${id}`], ["POST", `${CREATE}/${id}/submit`]] as const) {
      const r = await h.send(method, path, "", { signature: signWebhook("", SECRET) });
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.json.message).toMatch(/only v2/);
    }
    // A sender in transition sends both; the v1 part alone cannot be replayed afterwards.
    const body2 = JSON.stringify(enterpriseInline(h.freshCustomer(), jpeg(600, "v1v2")));
    const t = Math.floor(Date.now() / 1000);
    const both = `${signWebhook(body2, SECRET, { timestamp: t, request: { method: "POST", path: CREATE } })},${signWebhook(body2, SECRET, { timestamp: t }).split(",")[1]}`;
    expect((await h.send("POST", CREATE, body2, { signature: both })).status).toBe(201);
    expect((await h.send("POST", CREATE, body2, { signature: signWebhook(body2, SECRET, { timestamp: t }) })).status).toBe(401);
  });
});
