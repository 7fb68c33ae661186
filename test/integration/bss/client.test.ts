import { describe, expect, it } from "vitest";
import { BssError, createRateLimiter } from "../../../shared/bss/index.ts";
import { AK, SK, clientHarness, caught, maxInWindow, reply } from "./helpers.ts";
import type { Handler, Seen } from "./helpers.ts";

const setup = clientHarness();

const bssCalls = (seen: Seen[], suffix: string) => seen.filter((s) => s.path.endsWith(suffix));

describe("client-side rate limit", () => {
  it("40 concurrent calls at 10/s: the server never sees more than 10 in any 1-second window", async () => {
    const { client, server } = await setup((_s, res) => reply(res, 200, { count: 0, customer_infos: [] }), { rate: undefined }); // the catalogue's 10/s
    await Promise.all(Array.from({ length: 40 }, (_, i) => client.listSubCustomers({ label: `l${i}` })));
    const times = server.seen.map((s) => s.at);
    expect(times.length).toBe(40);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(10);
    // FIFO: requests arrive in call order
    expect(server.seen.map((s) => (s.json as { label: string }).label)).toEqual(Array.from({ length: 40 }, (_, i) => `l${i}`));
  });

  it("400 concurrent calls at 200/s (5.5 ms slots, below timer granularity): never more than 200 in any 1-second window", async () => {
    const { client, server } = await setup((_s, res) => reply(res, 200, { count: 0, customer_infos: [] }), { rate: 200 });
    await Promise.all(Array.from({ length: 400 }, (_, i) => client.listSubCustomers({ label: `l${i}` })));
    const times = server.seen.map((s) => s.at);
    expect(times.length).toBe(400);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(200);
    // First come, first served. Requests released in the same timer tick travel on separate sockets
    // and may reach the server in either order, so only local reordering is tolerated.
    const arrival = server.seen.map((s) => Number((s.json as { label: string }).label.slice(1)));
    expect(new Set(arrival).size).toBe(400);
    const displacement = Math.max(...arrival.map((label, position) => Math.abs(label - position)));
    expect(displacement).toBeLessThanOrEqual(20); // a LIFO or unordered limiter gives hundreds
  });

  it("per-operation rates and per-customer keys are separate buckets", async () => {
    const limiter = createRateLimiter();
    const { client, server } = await setup(
      (s, res) => {
        if (s.path === "/v3/auth/tokens") return reply(res, 201, { token: { expires_at: new Date(Date.now() + 3600_000).toISOString() } }, { "X-Subject-Token": `tok-${s.n}` });
        reply(res, 200, { total_count: 0, order_infos: [] });
      },
      { rate: { ListCustomerOrders: 5 }, iamRate: 1000, limiter },
    );
    await Promise.all([
      ...Array.from({ length: 6 }, () => client.listCustomerOrders({})),
      ...Array.from({ length: 3 }, () => client.call("ListCustomerOrders", {}, { customer: { id: "a" } })),
    ]);
    const partner = server.seen.filter((s) => s.path === "/v2/orders/customer-orders" && !s.headers["x-auth-token"]).map((s) => s.at);
    expect(partner.length).toBe(6);
    expect(maxInWindow(partner, 1000)).toBeLessThanOrEqual(5);
    expect(limiter.size).toBe(3); // partner:ListCustomerOrders, customer:a:ListCustomerOrders, iam
  });
});

describe("pagination", () => {
  const customers = Array.from({ length: 23 }, (_, i) => ({ customer_id: `c${String(i).padStart(2, "0")}`, account_name: `acct${i}` }));

  it("walks every page by offset and stops at the total", async () => {
    const { client, server } = await setup((s, res) => {
      const { offset = 0, limit = 10 } = s.json as { offset?: number; limit?: number };
      reply(res, 200, { count: customers.length, customer_infos: customers.slice(offset, offset + limit) });
    });
    const got: string[] = [];
    for await (const c of client.subCustomers({ association_type: "2" }, { pageSize: 5 })) got.push(c.customer_id);
    expect(got).toEqual(customers.map((c) => c.customer_id));
    expect(server.seen.map((s) => s.json)).toEqual([0, 5, 10, 15, 20].map((offset) => ({ association_type: "2", offset, limit: 5 })));
  });

  it("keeps going when the server caps the page below the requested size but reports a larger total", async () => {
    const { client, server } = await setup((s, res) => {
      const offset = Number(s.query.get("offset") ?? 0);
      reply(res, 200, { total_count: 7, order_infos: Array.from({ length: Math.min(3, 7 - offset) }, (_, i) => ({ order_id: `o${offset + i}` })) });
    });
    const got: string[] = [];
    for await (const o of client.paginate("ListCustomerOrders", { customer_id: "c1" }, { pageSize: 100 })) got.push(o.order_id!);
    expect(got).toEqual(["o0", "o1", "o2", "o3", "o4", "o5", "o6"]);
    expect(server.seen.map((s) => s.query.get("offset"))).toEqual(["0", "3", "6"]);
  });

  it("without a total, stops at a short or empty page", async () => {
    const { client, server } = await setup((s, res) => {
      const { offset = 0 } = s.json as { offset?: number };
      const n = offset === 0 ? 4 : offset === 4 ? 2 : 0;
      reply(res, 200, { data: Array.from({ length: n }, (_, i) => ({ resource_id: `r${offset + i}`, is_main_resource: 1, status: 2, expire_time: "2026-01-01T00:00:00Z" })) });
    });
    const got: string[] = [];
    for await (const r of client.customerResources("c1", {}, { pageSize: 4 })) got.push(r.resource_id!);
    expect(got).toEqual(["r0", "r1", "r2", "r3", "r4", "r5"]);
    expect(server.seen.length).toBe(2);
    expect(server.seen.every((s) => (s.json as { customer_id: string }).customer_id === "c1")).toBe(true);
  });

  it("guards against a server that never ends", async () => {
    const { client, server } = await setup((_s, res) => reply(res, 200, { customer_infos: [{ customer_id: "same", account_name: "x" }] }), { maxPages: 5 });
    const err = await caught(
      (async () => {
        for await (const _ of client.subCustomers({}, { pageSize: 1 })) void _;
      })(),
    );
    expect([err.kind, err.code]).toEqual(["invalid-response", "LOCAL.TOO_MANY_PAGES"]);
    expect(server.seen.length).toBe(5);
  });
});

describe("customer tokens (IAM assume_role)", () => {
  const iamHandler = (lifetimeMs: number): Handler => (s, res) => {
    if (s.path === "/v3/auth/tokens") {
      const delay = 50; // slow enough that concurrent callers overlap
      setTimeout(() => reply(res, 201, { token: { expires_at: new Date(Date.now() + lifetimeMs).toISOString().replace("Z", "000Z"), methods: ["assume_role"] } }, { "X-Subject-Token": `tok-${s.n}` }), delay);
      return;
    }
    reply(res, 200, { currency: "CNY", renew_inquiry_results: [{ resource_id: "r1", amount: "12.50" }] });
  };
  const rateReq = { resource_ids: ["r1"], period_type: 2 as const, period_num: 1 };

  it("exchanges once for concurrent calls of the same customer, signed with the partner AK/SK, and caches the token", async () => {
    const { client, server, events } = await setup(iamHandler(3600_000));
    const results = await Promise.all(Array.from({ length: 8 }, () => client.renewRate({ id: "cust-1" }, rateReq)));
    expect(results.every((r) => r.renew_inquiry_results?.[0]?.amount === "12.50")).toBe(true);
    await client.renewRate({ id: "cust-1" }, rateReq);
    const iam = bssCalls(server.seen, "/v3/auth/tokens");
    expect(iam.length).toBe(1);
    expect(client.tokenExchanges).toBe(1);
    expect(iam[0]!.signature).toMatchObject({ ok: true, ak: AK });
    expect(iam[0]!.json).toEqual({
      auth: { identity: { methods: ["assume_role"], assume_role: { domain_id: "cust-1", agency_name: "op_svc_partner" } }, scope: { domain: { id: "cust-1" } } },
    });
    const bss = bssCalls(server.seen, "/renew-rate");
    expect(bss.length).toBe(9);
    expect(bss.every((s) => s.headers["x-auth-token"] === "tok-1" && s.headers["authorization"] === undefined)).toBe(true);
    // tokens never appear in events
    expect(JSON.stringify(events)).not.toContain("tok-1");
  });

  it("uses domain_name when the account name is known; one exchange per customer", async () => {
    const { client, server } = await setup(iamHandler(3600_000));
    await Promise.all([client.renewRate({ id: "a", accountName: "acme-corp" }, rateReq), client.renewRate({ id: "b" }, rateReq)]);
    const iam = bssCalls(server.seen, "/v3/auth/tokens").map((s) => s.json as { auth: { identity: { assume_role: unknown }; scope: unknown } });
    expect(iam.length).toBe(2);
    expect(iam.map((j) => j.auth.identity.assume_role)).toContainEqual({ domain_name: "acme-corp", agency_name: "op_svc_partner" });
    expect(iam.map((j) => j.auth.scope)).toContainEqual({ domain: { name: "acme-corp" } });
  });

  it("refreshes a token that is within the margin of its expiry", async () => {
    const { client, server } = await setup(iamHandler(60_000), { tokenMarginMs: 5 * 60_000 });
    await client.renewRate({ id: "c" }, rateReq);
    await client.renewRate({ id: "c" }, rateReq);
    expect(bssCalls(server.seen, "/v3/auth/tokens").length).toBe(2);
  });

  it("re-exchanges once when BSS refuses the token as expired", async () => {
    let refused = 0;
    const { client, server } = await setup((s, res) => {
      if (s.path === "/v3/auth/tokens") return reply(res, 201, { token: { expires_at: new Date(Date.now() + 3600_000).toISOString() } }, { "X-Subject-Token": `tok-${s.n}` });
      if (s.headers["x-auth-token"] === "tok-1") {
        refused++;
        return reply(res, 401, { error_code: "CBC.0154", error_msg: "token expired" });
      }
      reply(res, 200, { renew_inquiry_results: [] });
    });
    await client.renewRate({ id: "c" }, rateReq);
    expect(refused).toBe(1);
    expect(bssCalls(server.seen, "/v3/auth/tokens").length).toBe(2);
  });

  it("reports IAM failures as BssError without leaking credentials", async () => {
    const { client } = await setup((s, res) => reply(res, 403, { error: { code: "IAM.0003", message: "agency not found" } }));
    const err = await caught(client.renewRate({ id: "c" }, rateReq));
    expect([err.operation, err.kind, err.status, err.code]).toEqual(["IAM.AssumeRole", "http", 403, "IAM.0003"]);
    expect(err.message).not.toContain(SK);
  });

  it("sends the partner's token to IAM when the partner authenticates with a token", async () => {
    const { client, server } = await setup(iamHandler(3600_000), { credentials: { token: "partner-token" } });
    await client.renewRate({ id: "c" }, rateReq);
    expect(server.seen[0]!.headers["x-auth-token"]).toBe("partner-token");
    expect(server.seen[1]!.headers["x-auth-token"]).toBe("tok-1");
  });
});

describe("safe wrappers resolve an ambiguous write by looking the state up", () => {
  const iam = (s: Seen, res: Parameters<Handler>[1]): boolean => {
    if (s.path !== "/v3/auth/tokens") return false;
    reply(res, 201, { token: { expires_at: new Date(Date.now() + 3600_000).toISOString() } }, { "X-Subject-Token": "ctok" });
    return true;
  };
  const customer = { id: "cust-7" };

  it("renewResources: a 500 on renew → finds the new renewal order instead of renewing again", async () => {
    const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
    let lookups = 0;
    const { client, server, events } = await setup((s, res) => {
      if (iam(s, res)) return;
      if (s.path.endsWith("/renew")) return reply(res, 500, { error_code: "CBC.0999", error_msg: "internal" });
      // ListCustomerOrders. Before the call: an old renewal and one made a moment ago by someone else.
      // After: also the new order, and another customer's order (ignored by the filter).
      lookups++;
      const existing = [
        { order_id: "old", customer_id: "cust-7", order_type: 2, status: 6, create_time: "2020-01-01T00:00:00Z" },
        { order_id: "recent", customer_id: "cust-7", order_type: 2, status: 6, create_time: now() },
      ];
      const after = [...existing, { order_id: "new", customer_id: "cust-7", order_type: 2, status: 6, create_time: now() }, { order_id: "other", customer_id: "someone-else", order_type: 2, status: 6, create_time: now() }];
      const list = lookups === 1 ? existing : after;
      reply(res, 200, { total_count: list.length, order_infos: list });
    });
    const out = await client.renewResources(customer, { resource_ids: ["r1"], period_type: 2, period_num: 1 });
    expect(out.reconciled).toBe(true);
    expect(out.orderIds).toEqual(["new"]);
    expect(out.ambiguous?.kind).toBe("ambiguous");
    expect(bssCalls(server.seen, "/renew").length).toBe(1);
    expect(lookups).toBe(2);
    const lookup = server.seen.find((s) => s.path === "/v2/orders/customer-orders")!;
    expect(lookup.query.get("customer_id")).toBe("cust-7");
    expect(lookup.query.get("order_type")).toBe("2");
    expect(lookup.query.get("create_time_begin")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(lookup.signature.ok).toBe(true); // looked up as the partner
    expect(events.some((e) => e.type === "reconcile" && e.result === "found")).toBe(true);
  });

  it("renewResources: when the lookup fails too, the error stays ambiguous", async () => {
    let lookups = 0;
    const { client } = await setup((s, res) => {
      if (iam(s, res)) return;
      if (s.path.endsWith("/renew")) return reply(res, 503, {});
      if (++lookups === 1) return reply(res, 200, { total_count: 0, order_infos: [] });
      reply(res, 403, { error_code: "CBC.0151", error_msg: "access denied" });
    });
    const err = await caught(client.renewResources(customer, { resource_ids: ["r1"], period_type: 2, period_num: 1 }));
    expect(err.kind).toBe("ambiguous");
    expect(err.message).toMatch(/lookup|looking/);
  });

  it("renewResources: nothing is renewed when the snapshot before the call cannot be taken", async () => {
    const { client, server } = await setup((s, res) => {
      if (iam(s, res)) return;
      reply(res, 403, { error_code: "CBC.0151", error_msg: "access denied" });
    });
    const err = await caught(client.renewResources(customer, { resource_ids: ["r1"], period_type: 2, period_num: 1 }));
    expect([err.kind, err.code]).toEqual(["http", "CBC.0151"]);
    expect(bssCalls(server.seen, "/renew").length).toBe(0);
  });

  it("payOrder: a timeout on pay → lookup shows paid (5) → not paid twice", async () => {
    const { client, server } = await setup(
      (s, res) => {
        if (iam(s, res)) return;
        if (s.path.endsWith("/pay")) return; // never answers
        reply(res, 200, { total_count: 1, order_infos: [{ order_id: "ORD-1", status: 5 }] });
      },
      { timeoutMs: 400 },
    );
    const out = await client.payOrder(customer, { order_id: "ORD-1", use_coupon: "NO", use_discount: "NO" });
    expect(out).toEqual({ orderId: "ORD-1", paid: true, reconciled: true, retried: false });
    expect(bssCalls(server.seen, "/pay").length).toBe(1);
    const lookup = server.seen.find((s) => s.path === "/v2/orders/customer-orders")!;
    expect([lookup.query.get("order_id"), lookup.query.get("customer_id")]).toEqual(["ORD-1", "cust-7"]);
  });

  it("payOrder: a 502 on pay → lookup shows still pending (6) → pays exactly once more", async () => {
    let pays = 0;
    const { client, server } = await setup((s, res) => {
      if (iam(s, res)) return;
      if (s.path.endsWith("/pay")) {
        pays++;
        if (pays === 1) return reply(res, 502, {});
        return reply(res, 204);
      }
      reply(res, 200, { total_count: 1, order_infos: [{ order_id: "ORD-2", status: 6 }] });
    });
    const out = await client.payOrder(customer, { order_id: "ORD-2", use_coupon: "NO", use_discount: "NO" });
    expect(out).toEqual({ orderId: "ORD-2", paid: true, reconciled: true, retried: true });
    expect(bssCalls(server.seen, "/pay").length).toBe(2);
  });

  it("payOrder: cancelled order after an ambiguous pay is a definite error", async () => {
    const { client, server } = await setup((s, res) => {
      if (iam(s, res)) return;
      if (s.path.endsWith("/pay")) return reply(res, 500, {});
      reply(res, 200, { total_count: 1, order_infos: [{ order_id: "ORD-3", status: 4 }] });
    });
    const err = await caught(client.payOrder(customer, { order_id: "ORD-3", use_coupon: "NO", use_discount: "NO" }));
    expect([err.kind, err.code]).toEqual(["business", "LOCAL.ORDER_STATUS"]);
    expect(bssCalls(server.seen, "/pay").length).toBe(1);
  });

  const realname = {
    customer_id: "cust-7",
    identify_type: 1 as const,
    verified_file_url: ["lic.jpg"],
    corp_name: "Acme Ltd",
    verified_number: "91310000MA1234567X",
    xaccount_type: "op_svc_partner",
  };

  it("submitRealname: a 500 on submit → review_result present → reconciled, not resubmitted", async () => {
    const { client, server } = await setup((s, res) => {
      if (s.path.endsWith("/enterprise")) return reply(res, 500, { error_code: "CBC.0999", error_msg: "x" });
      reply(res, 200, { review_result: 0 });
    });
    const out = await client.submitRealname("enterprise", realname);
    expect(out).toEqual({ submitted: true, reviewResult: 0, reconciled: true, retried: false });
    expect(bssCalls(server.seen, "/enterprise").length).toBe(1);
    expect(server.seen[1]!.query.get("customer_id")).toBe("cust-7");
  });

  it("submitRealname: ambiguous and no application on record → submits exactly once more", async () => {
    const { client, server } = await setup(
      (s, res) => {
        if (s.path.endsWith("/individual")) {
          if (bssCalls(server!.seen, "/individual").length === 1) return; // first: timeout
          return reply(res, 200, { is_review: 1 });
        }
        reply(res, 200, {});
      },
      { timeoutMs: 400 },
    );
    const out = await client.submitRealname("individual", {
      customer_id: "cust-7",
      identify_type: 0,
      verified_type: 3,
      verified_file_url: ["p1.jpg", "p2.jpg", "p3.jpg"],
      name: "Li Si",
      verified_number: "E12345678",
      xaccount_type: "op_svc_partner",
    });
    expect(out).toEqual({ submitted: true, isReview: 1, reconciled: true, retried: true });
    expect(bssCalls(server!.seen, "/individual").length).toBe(2);
  });

  it("a plain success needs no lookup after the call", async () => {
    const { client, server } = await setup((s, res) => {
      if (iam(s, res)) return;
      if (s.method === "GET") return reply(res, 200, { total_count: 0, order_infos: [] });
      reply(res, 200, { order_ids: ["o1", "o2"] });
    });
    const out = await client.renewResources(customer, { resource_ids: ["r1", "r2"], period_type: 3, period_num: 1, is_auto_pay: 0 });
    expect(out).toEqual({ orderIds: ["o1", "o2"], failures: [], reconciled: false });
    // only the snapshot taken before the call
    expect(server.seen.filter((s) => s.path === "/v2/orders/customer-orders").length).toBe(1);
  });
});
