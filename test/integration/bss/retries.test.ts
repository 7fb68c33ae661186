import { describe, expect, it } from "vitest";
import { AK, SK, closedPort, clientHarness, caught, reply } from "./helpers.ts";
import type { Handler } from "./helpers.ts";

const setup = clientHarness();

const customers = { count: 1, customer_infos: [{ customer_id: "c1", account_name: "acme" }] };
const renewReq = { resource_ids: ["r1"], period_type: 2 as const, period_num: 1 };
const customer = { id: "c1" };

/** IAM on the same server: hands out customer tokens. */
function iam(s: { path: string }, res: Parameters<Handler>[1]): boolean {
  if (s.path !== "/v3/auth/tokens") return false;
  reply(res, 201, { token: { expires_at: new Date(Date.now() + 3600_000).toISOString() } }, { "X-Subject-Token": "customer-token-1" });
  return true;
}

describe("reads: retries", () => {
  it("retries 500, 503 and 429, then succeeds; every attempt signed anew and verified", async () => {
    const script = [500, 503, 429];
    let clock = Date.now();
    const { client, server, events } = await setup(
      (s, res) => {
        const status = script[s.n - 1];
        if (status) reply(res, status, { error_code: status === 429 ? "CBC.0250" : "CBC.0999", error_msg: "try later" });
        else reply(res, 200, customers);
      },
      { now: () => (clock += 1500) }, // each attempt sees a later clock, so each X-Sdk-Date differs
    );
    const res = await client.call("ListSubCustomers", { limit: 10 });
    expect(res.customer_infos?.[0]?.customer_id).toBe("c1");
    expect(server.seen.length).toBe(4);
    for (const s of server.seen) expect(s.signature).toMatchObject({ ok: true, ak: AK });
    const dates = server.seen.map((s) => s.headers["x-sdk-date"]);
    expect(new Set(dates).size).toBe(4);
    expect(server.seen.every((s) => s.body === JSON.stringify({ limit: 10 }))).toBe(true);
    const attempts = events.filter((e) => e.type === "attempt");
    expect(attempts.map((e) => e.type === "attempt" && e.outcome)).toEqual(["retry", "retry", "retry", "ok"]);
    expect(JSON.stringify(events)).not.toContain(SK);
  });

  it("honours Retry-After as a minimum (measured between arrivals on the server)", async () => {
    const { client, server } = await setup((s, res) => {
      if (s.n === 1) reply(res, 429, { error_code: "APIG.0308", error_msg: "over ratelimit,limit:10,time:1 second" }, { "Retry-After": "1" });
      else reply(res, 200, customers);
    });
    await client.call("ListSubCustomers", {});
    expect(server.seen.length).toBe(2);
    expect(server.seen[1]!.at - server.seen[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  it("gives up after maxAttempts with status, code and request id of the last answer", async () => {
    const { client, server } = await setup(
      (s, res) => reply(res, 503, { error_code: "CBC.0999", error_msg: "service busy" }, { "X-Request-Id": `req-${s.n}` }),
      { maxAttempts: 3 },
    );
    const err = await caught(client.call("ListSubCustomers", {}));
    expect(server.seen.length).toBe(3);
    expect({ kind: err.kind, status: err.status, code: err.code, requestId: err.requestId, retryable: err.retryable, attempts: err.attempts }).toEqual({
      kind: "http",
      status: 503,
      code: "CBC.0999",
      requestId: "req-3",
      retryable: true,
      attempts: 3,
    });
    expect(err.detail).toBe("service busy");
  });

  it("does not retry a 4xx; a body without error_code gets code HTTP.<status>", async () => {
    const { client, server } = await setup((s, res) => (s.n === 1 ? reply(res, 400, { error_code: "CBC.0100", error_msg: "parameter error" }) : reply(res, 404)));
    const e1 = await caught(client.call("ListSubCustomers", {}));
    expect([e1.kind, e1.status, e1.code, e1.retryable]).toEqual(["http", 400, "CBC.0100", false]);
    const e2 = await caught(client.call("ListSubCustomers", {}));
    expect([e2.status, e2.code]).toEqual([404, "HTTP.404"]);
    expect(server.seen.length).toBe(2);
  });

  it("times out each attempt, retries reads, then fails with kind timeout", async () => {
    const { client, server } = await setup(() => undefined /* never answers */, { timeoutMs: 150, maxAttempts: 2 });
    const err = await caught(client.call("ListSubCustomers", {}));
    expect([err.kind, err.code, err.attempts, err.retryable]).toEqual(["timeout", "LOCAL.TIMEOUT", 2, true]);
    expect(server.seen.length).toBe(2);
  });

  it("a caller's abort stops a read without retrying", async () => {
    const { client, server } = await setup(() => undefined, { timeoutMs: 5000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("shutdown")), 100);
    const err = await caught(client.call("ListSubCustomers", {}, { signal: ac.signal }));
    expect([err.kind, err.code]).toEqual(["network", "LOCAL.ABORTED"]);
    expect(server.seen.length).toBe(1);
  });
});

describe("writes: never resent when they may have taken effect", () => {
  for (const [label, handler] of [
    ["answered 500", (_s: unknown, res: Parameters<Handler>[1]) => reply(res, 500, { error_code: "CBC.0999", error_msg: "internal error" }, { "X-Request-Id": "rid-500" })],
    ["answered 502 without a body", (_s: unknown, res: Parameters<Handler>[1]) => reply(res, 502)],
    ["timing out", () => undefined],
    ["reset mid-request", (_s: unknown, res: Parameters<Handler>[1]) => res.socket?.destroy()],
  ] as const) {
    it(`a renewal ${label} is sent exactly once and throws "ambiguous"`, async () => {
      const { client, server } = await setup(
        (s, res) => {
          if (iam(s, res)) return;
          (handler as (s: unknown, r: typeof res) => void)(s, res);
        },
        { timeoutMs: label === "timing out" ? 300 : 5000 },
      );
      const err = await caught(client.call("RenewalResources", renewReq, { customer }));
      expect(err.kind).toBe("ambiguous");
      expect(err.retryable).toBe(false);
      expect(server.seen.filter((s) => s.path === "/v2/orders/subscriptions/resources/renew").length).toBe(1);
      if (label === "answered 500") expect([err.status, err.code, err.requestId]).toEqual([500, "CBC.0999", "rid-500"]);
      if (label === "timing out") expect(err.code).toBe("LOCAL.TIMEOUT");
      expect(err.message).not.toContain("customer-token-1");
    });
  }

  it("a throttled write (429 CBC.0250) IS retried and succeeds", async () => {
    const { client, server } = await setup((s, res) => {
      if (iam(s, res)) return;
      const renewals = server.seen.filter((x) => x.path.endsWith("/renew")).length;
      if (renewals === 1) reply(res, 429, { error_code: "CBC.0250", error_msg: "flow control" });
      else reply(res, 200, { order_ids: ["ord-1"] });
    });
    const res = await client.call("RenewalResources", renewReq, { customer });
    expect(res.order_ids).toEqual(["ord-1"]);
    const renewals = server.seen.filter((s) => s.path.endsWith("/renew"));
    expect(renewals.length).toBe(2);
    expect(renewals.every((s) => s.headers["x-auth-token"] === "customer-token-1")).toBe(true);
  });

  it("a write whose connection was refused is retried (nothing was sent)", async () => {
    const dead = await closedPort();
    let calls = 0;
    const { client, server } = await setup(
      (s, res) => {
        if (iam(s, res)) return;
        reply(res, 200, { order_ids: ["ord-2"] });
      },
      {
        fetch: (input, init) => {
          // first BSS attempt goes to a port nobody listens on
          const url = String(input);
          if (url.includes("/renew") && calls++ === 0) return fetch(url.replace(/:\d+\//, `:${dead}/`), init);
          return fetch(url, init);
        },
      },
    );
    const res = await client.call("RenewalResources", renewReq, { customer });
    expect(res.order_ids).toEqual(["ord-2"]);
    expect(calls).toBe(2);
    expect(server.seen.filter((s) => s.path.endsWith("/renew")).length).toBe(1);
  });

  it("a 4xx on a write is a definite failure, not ambiguous", async () => {
    const { client } = await setup((s, res) => {
      if (iam(s, res)) return;
      reply(res, 400, { error_code: "CBC.99003100", error_msg: "resource in a pending-payment order" });
    });
    const err = await caught(client.call("RenewalResources", renewReq, { customer }));
    expect([err.kind, err.status, err.code]).toEqual(["http", 400, "CBC.99003100"]);
  });
});

describe("answers that are not what they should be", () => {
  it("surfaces fail_resource_infos in a 200 as a business error with the failures and the partial result", async () => {
    const { client } = await setup((s, res) => {
      if (iam(s, res)) return;
      if (s.method === "GET") return reply(res, 200, { total_count: 0, order_infos: [] }); // renewResources' snapshot
      reply(res, 200, { order_ids: ["ord-9"], fail_resource_infos: [{ error_code: "CBC.30010036", error_msg: "not a main resource", resource_id: "r2" }] });
    });
    const err = await caught(client.call("RenewalResources", { ...renewReq, resource_ids: ["r1", "r2"] }, { customer }));
    expect([err.kind, err.status, err.code]).toEqual(["business", 200, "CBC.30010036"]);
    expect(err.failures).toEqual([{ error_code: "CBC.30010036", error_msg: "not a main resource", resource_id: "r2" }]);
    expect(err.partial).toMatchObject({ order_ids: ["ord-9"] });
    // the safe wrapper returns the partial success instead of losing the created order
    const out = await client.renewResources(customer, { ...renewReq, resource_ids: ["r1", "r2"] });
    expect(out).toEqual({ orderIds: ["ord-9"], failures: [{ error_code: "CBC.30010036", error_msg: "not a main resource", resource_id: "r2" }], reconciled: false });
  });

  it("treats an error_code in a 200 body as a failure", async () => {
    const { client } = await setup((_s, res) => reply(res, 200, { error_code: "CBC.30050007", error_msg: "not a main resource" }));
    const err = await caught(client.call("ListSubCustomers", {}));
    expect([err.kind, err.code, err.detail]).toEqual(["business", "CBC.30050007", "not a main resource"]);
  });

  it("rejects a 200 whose body does not match the catalogue, naming the field", async () => {
    const { client } = await setup((_s, res) => reply(res, 200, { count: 1, customer_infos: [{ customer_id: 42, account_name: "x" }] }));
    const err = await caught(client.call("ListSubCustomers", {}));
    expect(err.kind).toBe("invalid-response");
    expect(err.message).toMatch(/customer_infos\.0\.customer_id/);
  });

  it("rejects a 200 that is not JSON, without retrying", async () => {
    const { client, server } = await setup((_s, res) => {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end("<html>login</html>");
    });
    const err = await caught(client.call("ListSubCustomers", {}));
    expect([err.kind, err.status]).toEqual(["invalid-response", 200]);
    expect(server.seen.length).toBe(1);
  });

  it("accepts 204 No Content for an empty-response operation", async () => {
    const { client, server } = await setup((s, res) => {
      if (iam(s, res)) return;
      res.writeHead(204);
      res.end();
    });
    await client.setAutoRenew(customer, "res/with space", 3);
    const s = server.seen.find((x) => x.path.includes("autorenew"))!;
    expect(s.method).toBe("POST");
    expect(s.path).toBe("/v2/orders/subscriptions/resources/autorenew/res%2Fwith%20space");
    expect(s.json).toEqual({ auto_renew_times: 3 });
  });

  it("signs temporary credentials' security token and the domain id", async () => {
    const { client, server } = await setup((_s, res) => reply(res, 200, { count: 0, customer_infos: [] }), {
      credentials: { ak: AK, sk: SK, securityToken: "sts-token-value", domainId: "partner-domain-1" },
    });
    await client.listSubCustomers();
    const s = server.seen[0]!;
    expect(s.signature.ok).toBe(true);
    expect([s.headers["x-security-token"], s.headers["x-domain-id"]]).toEqual(["sts-token-value", "partner-domain-1"]);
    expect(String(s.headers["authorization"])).toMatch(/SignedHeaders=[^,]*x-domain-id;[^,]*x-security-token/);
  });

  it("sends GET parameters as a strictly encoded query, signed", async () => {
    const { client, server } = await setup((_s, res) => reply(res, 200, { total_count: 0, order_infos: [] }));
    await client.listCustomerOrders({ customer_id: "c 1+2", order_type: "2", limit: 5 });
    const s = server.seen[0]!;
    expect(s.method).toBe("GET");
    expect(s.signature.ok).toBe(true);
    expect(s.query.get("customer_id")).toBe("c 1+2");
    expect(s.headers["content-type"]).toBe("application/json");
    expect(s.body).toBe("");
  });
});
