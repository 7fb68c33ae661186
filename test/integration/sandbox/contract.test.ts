/**
 * Contract tests of the BSS sandbox over HTTP: paging, types, filters and the documented errors.
 * Raw signed requests (signRequest + fetch); every answer is checked against the catalogue schema.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../local/sandbox/index.ts";
import { call, expectError, expectOk, FIXED_NOW, op } from "./helpers.ts";

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ seed: 7, customers: 23, resourcesPerCustomer: 12, now: FIXED_NOW, ratePerSecond: 10_000 });
});
afterAll(async () => {
  await sb.close();
});

interface CustomerInfo {
  customer_id: string;
  account_name: string;
  association_type: string;
  verified_status: string;
  customer_type: number;
  is_frozen: number;
}
interface Res {
  resource_id: string;
  is_main_resource: number;
  parent_resource_id?: string;
  status: number;
  expire_time: string;
  expire_policy: number;
  service_type_code: string;
}

async function allCustomers(): Promise<CustomerInfo[]> {
  const b = expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", { limit: 100 }));
  return b["customer_infos"] as CustomerInfo[];
}

describe("paging", () => {
  it("offset is an item offset, limit defaults to 10, totals count every match", async () => {
    const all = await allCustomers();
    expect(all).toHaveLength(23);
    const first = expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", {}));
    expect(first["count"]).toBe(23);
    expect(first["customer_infos"]).toEqual(all.slice(0, 10));
    const second = expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", { offset: 10, limit: 10 }));
    expect(second["customer_infos"]).toEqual(all.slice(10, 20));
    const tail = expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", { offset: 20, limit: 10 }));
    expect(tail["customer_infos"]).toEqual(all.slice(20));
    const beyond = expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", { offset: 40 }));
    expect(beyond["customer_infos"]).toEqual([]);
    expect(beyond["count"]).toBe(23);
    // Stable ordering: the same page twice is identical.
    expect(expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", { offset: 5, limit: 7 }))["customer_infos"]).toEqual(all.slice(5, 12));
  });

  it("enforces each operation's maximum limit", async () => {
    const msg = expectError(await op(sb, "ListSubCustomers", { limit: 101 }), 400, "CBC.0100");
    expect(msg).toContain("limit");
    expectError(await op(sb, "ListSubCustomers", { limit: 0 }), 400, "CBC.0100");
    expectError(await op(sb, "ListSubCustomers", { offset: -1 }), 400, "CBC.0100");
    const c = sb.data.customers[0]!.info.customer_id;
    // No maximum is documented for the resource query (contract and reference): a large limit is served.
    expectOk("ListPayPerUseCustomerResources", await op(sb, "ListPayPerUseCustomerResources", { customer_id: c, limit: 5000 }));
    expectError(await op(sb, "ListPayPerUseCustomerResources", { customer_id: c, limit: 0 }), 400, "CBC.0100");
    expectError(await op(sb, "ListCustomerOrders", { limit: "101" }), 400, "CBC.0100");
    expectError(await op(sb, "ListServiceTypes", { limit: "1001" }), 400, "CBC.0100");
    expectError(await op(sb, "ListIncentiveDiscountPolicies", { time: "2026-02", limit: "101" }), 400, "CBC.0100");
  });

  it("pages resources consistently and query-string numbers arrive as strings", async () => {
    const c = sb.data.customers.find((x) => sb.data.resources(x.info.customer_id).length > 12)!.info.customer_id;
    const full = expectOk("ListPayPerUseCustomerResources", await op(sb, "ListPayPerUseCustomerResources", { customer_id: c, limit: 500 }));
    const items = full["data"] as Res[];
    expect(full["total_count"]).toBe(items.length);
    const pages: Res[] = [];
    for (let offset = 0; offset < items.length; offset += 5) {
      const p = expectOk("ListPayPerUseCustomerResources", await op(sb, "ListPayPerUseCustomerResources", { customer_id: c, offset, limit: 5 }));
      expect(p["total_count"]).toBe(items.length);
      pages.push(...(p["data"] as Res[]));
    }
    expect(pages).toEqual(items);
    const types = expectOk("ListServiceTypes", await op(sb, "ListServiceTypes", { offset: "2", limit: "3" }));
    expect((types["service_types"] as unknown[]).length).toBe(3);
    expect(types["total_count"]).toBeGreaterThan(3);
  });
});

describe("types and enums", () => {
  it("ListSubCustomers: association_type and verified_status are strings, customer_type and is_frozen integers", async () => {
    const all = await allCustomers();
    for (const c of all) {
      expect(["1", "2"]).toContain(c.association_type);
      expect(["-1", "0", "1", "2"]).toContain(c.verified_status);
      expect([-1, 0, 1]).toContain(c.customer_type);
      expect([0, 1, 2]).toContain(c.is_frozen);
      expect(c.customer_id).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(new Set(all.map((c) => c.association_type)).size).toBe(2);
  });

  it("resources: integer status/is_main_resource/expire_policy, UTC times, attached share their main's expiry", async () => {
    for (const cust of sb.data.customers.slice(0, 8)) {
      const b = expectOk("ListPayPerUseCustomerResources", await op(sb, "ListPayPerUseCustomerResources", { customer_id: cust.info.customer_id, limit: 500 }));
      const list = b["data"] as Res[];
      const byId = new Map(list.map((r) => [r.resource_id, r]));
      for (const r of list) {
        expect([2, 3, 4, 5]).toContain(r.status);
        expect([0, 1]).toContain(r.is_main_resource);
        expect([0, 1, 2, 3, 4, 5]).toContain(r.expire_policy);
        expect(r.expire_time).toMatch(/^\d{4}-\d{2}-\d{2}T15:59:59Z$/); // end of a China-time day
        if (r.is_main_resource === 0) {
          const main = byId.get(r.parent_resource_id!);
          expect(main, "attached resource's main is listed").toBeDefined();
          expect(main!.is_main_resource).toBe(1);
          expect(r.expire_time).toBe(main!.expire_time);
          expect(r.status).toBe(main!.status);
        } else {
          expect(r.parent_resource_id).toBeUndefined();
        }
      }
    }
  });

  it("incentive policies: incentive_policy and allow_discount are strings", async () => {
    const b = expectOk("ListIncentiveDiscountPolicies", await op(sb, "ListIncentiveDiscountPolicies", { time: "2026-02", limit: "100" }));
    for (const p of b["policies"] as { incentive_policy: unknown; allow_discount: unknown }[]) {
      expect(typeof p.incentive_policy).toBe("string");
      expect(["YES", "NO"]).toContain(p.allow_discount);
    }
    const none = expectOk("ListIncentiveDiscountPolicies", await op(sb, "ListIncentiveDiscountPolicies", { time: "2026-02", service_type_code: "" }));
    expect(none["total_count"]).toBe(0);
    expectError(await op(sb, "ListIncentiveDiscountPolicies", {}), 400, "CBC.0100");
    const rt = expectOk("ListResourceTypes", await op(sb, "ListResourceTypes", { limit: "100" }));
    expect((rt["resource_types"] as { resource_type_code: string }[]).map((r) => r.resource_type_code)).toContain("hws.resource.type.vm");
  });
});

describe("filters", () => {
  it("ListSubCustomers honours association_type, customer_id and fuzzy account_name", async () => {
    const all = await allCustomers();
    for (const t of ["1", "2"] as const) {
      const b = expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", { association_type: t, limit: 100 }));
      expect(b["customer_infos"]).toEqual(all.filter((c) => c.association_type === t));
      expect(b["count"]).toBe(all.filter((c) => c.association_type === t).length);
    }
    const target = all[4]!;
    const one = expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", { customer_id: target.customer_id }));
    expect(one["customer_infos"]).toEqual([target]);
    const fragment = target.account_name.slice(2, 7);
    const fuzzy = expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", { account_name: fragment, limit: 100 }));
    expect(fuzzy["customer_infos"]).toEqual(all.filter((c) => c.account_name.includes(fragment)));
    const missing = expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", { customer_id: "0".repeat(32) }));
    expect(missing).toEqual({ count: 0, customer_infos: [] });
    expectError(await op(sb, "ListSubCustomers", { account_name: "a b" }), 400, "CBC.0100");
    expectError(await op(sb, "ListSubCustomers", { indirect_partner_id: "x" }), 400, "CBC.99000037");
  });

  it("ListPayPerUseCustomerResources honours only_main_resource, status_list, expiry window, service type and resource_ids", async () => {
    const cust = sb.data.customers.find((c) => sb.data.resources(c.info.customer_id).some((r) => r.is_main_resource === 0))!;
    const id = cust.info.customer_id;
    const all = expectOk("ListPayPerUseCustomerResources", await op(sb, "ListPayPerUseCustomerResources", { customer_id: id, limit: 500 }))["data"] as Res[];
    const list = async (p: Record<string, unknown>) =>
      expectOk("ListPayPerUseCustomerResources", await op(sb, "ListPayPerUseCustomerResources", { customer_id: id, limit: 500, ...p }))["data"] as Res[];

    expect(await list({ only_main_resource: 1 })).toEqual(all.filter((r) => r.is_main_resource === 1));
    expect(await list({ only_main_resource: 0 })).toEqual(all);
    expect(await list({ status_list: [2] })).toEqual(all.filter((r) => r.status === 2));
    expect(await list({ status_list: [4, 5] })).toEqual(all.filter((r) => r.status === 4 || r.status === 5));
    const begin = "2026-03-05T00:00:00Z";
    const end = "2026-03-20T00:00:00Z";
    expect(await list({ expire_time_begin: begin, expire_time_end: end })).toEqual(all.filter((r) => r.expire_time >= begin && r.expire_time <= end));
    expect(await list({ service_type_code: "hws.service.type.ebs" })).toEqual(all.filter((r) => r.service_type_code === "hws.service.type.ebs"));
    expectError(await op(sb, "ListPayPerUseCustomerResources", { customer_id: id, service_type_code: "" }), 400, "CBC.0100");

    const main = all.find((r) => r.is_main_resource === 1 && all.some((a) => a.parent_resource_id === r.resource_id))!;
    const withAttached = await list({ resource_ids: [main.resource_id] });
    expect(withAttached).toEqual(all.filter((r) => r.resource_id === main.resource_id || r.parent_resource_id === main.resource_id));
    expect(await list({ resource_ids: [main.resource_id], only_main_resource: 1 })).toEqual([main]);
    const sub = all.find((r) => r.parent_resource_id === main.resource_id)!;
    expect(await list({ resource_ids: [sub.resource_id], only_main_resource: 1 })).toEqual([sub]);
  });

  it("a partner must name a sub-customer", async () => {
    const msg = expectError(await op(sb, "ListPayPerUseCustomerResources", {}), 400, "CBC.0100");
    expect(msg).toContain("customer_id");
    expectError(await op(sb, "ListPayPerUseCustomerResources", { customer_id: "f".repeat(32) }), 400, "CBC.99000035");
    expectError(await op(sb, "ShowRealnameAuthenticationReviewResult", { customer_id: "f".repeat(32) }), 400, "CBC.99000035");
  });
});

describe("request errors", () => {
  it("unknown path or method → 404", async () => {
    expectError(await call(sb, { method: "GET", path: "/v2/nothing/here" }), 404, "APIG.0101");
    expectError(await call(sb, { method: "GET", path: "/v2/partners/sub-customers/query" }), 404, "APIG.0101");
    // The real path is spelled "suscriptions"; the corrected spelling does not exist.
    expectError(await call(sb, { method: "POST", path: "/v2/orders/subscriptions/resources/query", body: {} }), 404, "APIG.0101");
  });

  it("non-JSON body and undocumented or mistyped fields → 400 CBC.0100 naming the field", async () => {
    expectError(await call(sb, { method: "POST", path: "/v2/partners/sub-customers/query", rawBody: "{not json" }), 400, "CBC.0100");
    expectError(await call(sb, { method: "POST", path: "/v2/partners/sub-customers/query", rawBody: "" }), 400, "CBC.0100");
    expect(expectError(await op(sb, "ListSubCustomers", { limt: 5 }), 400, "CBC.0100")).toContain("limt");
    expect(expectError(await op(sb, "ListSubCustomers", { association_type: 2 }), 400, "CBC.0100")).toContain("association_type");
    expect(expectError(await op(sb, "ListSubCustomers", { associated_on_begin: "2026-01-01" }), 400, "CBC.0100")).toContain("associated_on_begin");
    expect(expectError(await op(sb, "ShowRealnameAuthenticationReviewResult", {}), 400, "CBC.0100")).toContain("customer_id");
  });

  it("X-Language switches names between zh_CN (default) and en_US", async () => {
    const zh = expectOk("ListServiceTypes", await op(sb, "ListServiceTypes", { limit: "1" }));
    const en = expectOk("ListServiceTypes", await op(sb, "ListServiceTypes", { limit: "1" }, { headers: { "X-Language": "en_US" } }));
    expect((zh["service_types"] as { service_type_name: string }[])[0]!.service_type_name).toBe("弹性云服务器");
    expect((en["service_types"] as { service_type_name: string }[])[0]!.service_type_name).toBe("Elastic Cloud Server");
  });
});

describe("determinism over HTTP", () => {
  it("same seed and sizes and now → the same answers; another seed → different ones", async () => {
    const snapshot = async (seed: number) => {
      const s = await startSandbox({ seed, customers: 6, resourcesPerCustomer: 8, now: FIXED_NOW });
      try {
        const customers = expectOk("ListSubCustomers", await op(s, "ListSubCustomers", { limit: 100 }));
        const first = (customers["customer_infos"] as { customer_id: string }[])[0]!.customer_id;
        const resources = expectOk("ListPayPerUseCustomerResources", await op(s, "ListPayPerUseCustomerResources", { customer_id: first, limit: 500 }));
        return { customers, resources, credentials: s.credentials };
      } finally {
        await s.close();
      }
    };
    const a = await snapshot(100);
    expect(await snapshot(100)).toEqual(a);
    const b = await snapshot(101);
    expect(b.customers).not.toEqual(a.customers);
    expect(b.credentials).not.toEqual(a.credentials);
  });
});
