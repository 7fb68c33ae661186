import { describe, expect, it } from "vitest";
import { BssError, createBssClient, operations, pagedItems } from "../../../shared/bss/index.ts";
import type { BssClientOptions } from "../../../shared/bss/index.ts";

/** A fetch that must never be reached: these tests are about what happens before sending. */
let fetchCalls = 0;
const noFetch = async (): Promise<Response> => {
  fetchCalls++;
  throw new Error("fetch must not be called");
};
const base: BssClientOptions = { endpoint: "https://bss.example.test", credentials: { ak: "AKEXAMPLE", sk: "SKSECRETVALUE" }, fetch: noFetch };

async function caught(p: Promise<unknown>): Promise<BssError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(BssError);
    return err as BssError;
  }
  throw new Error("expected a rejection");
}

describe("client options", () => {
  it("resolves the cn/intl aliases", () => {
    expect(createBssClient({ ...base, endpoint: "cn" }).endpoint).toBe("https://bss.myhuaweicloud.com");
    expect(createBssClient({ ...base, endpoint: "intl" }).endpoint).toBe("https://bss-intl.myhuaweicloud.com");
    expect(createBssClient({ credentials: { token: "t" } }).endpoint).toBe("https://bss.myhuaweicloud.com");
  });
  it("names the bad option and never echoes a secret", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, endpoint: "mars" }, /endpoint/],
      [{ ...base, credentials: { ak: "AKEXAMPLE", sk: "" } }, /credentials/],
      [{ ...base, credentials: { ak: "AKEXAMPLE", sk: "SKSECRETVALUE", extra: 1 } }, /credentials/],
      [{ ...base, timeoutMs: -1 }, /timeoutMs/],
      [{ ...base, maxAttempts: 0 }, /maxAttempts/],
      [{ ...base, rate: { NoSuchOp: 3 } }, /rate/],
      [{ ...base, rate: 0 }, /rate/],
      [{ ...base, fetch: "nope" }, /fetch/],
      [{ ...base, surprise: true }, /surprise|Unrecognized/],
    ];
    for (const [opts, re] of cases) {
      let err: unknown;
      try {
        createBssClient(opts as BssClientOptions);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BssError);
      expect((err as BssError).kind).toBe("validation");
      expect((err as BssError).message).toMatch(re);
      expect((err as BssError).message).not.toContain("SKSECRETVALUE");
    }
  });
});

describe("request validation happens before anything is sent", () => {
  const client = createBssClient({ ...base, agencyName: "xaccount" });

  it("names the offending field", async () => {
    fetchCalls = 0;
    const e1 = await caught(client.call("ListSubCustomers", { limit: 1000 }));
    expect([e1.kind, e1.code, e1.attempts]).toEqual(["validation", "LOCAL.VALIDATION", 0]);
    expect(e1.message).toMatch(/limit/);
    const e2 = await caught(client.call("RenewalResources", { resource_ids: ["r"], period_type: 3, period_num: 5 }, { customer: { id: "c1" } }));
    expect(e2.message).toMatch(/period_num/);
    // @ts-expect-error a typo that BSS would silently ignore
    const e3 = await caught(client.call("ListSubCustomers", { acount_name: "x" }));
    expect(e3.message).toMatch(/acount_name/);
    const e4 = await caught(
      client.submitRealname("enterprise", {
        customer_id: "c1",
        identify_type: 1,
        verified_file_url: ["a.jpg"],
        corp_name: "Acme",
        verified_number: "91310000MA1234567X",
        xaccount_type: "x",
        enterprise_person: { legel_name: "Zhang San", legel_id_number: "1".repeat(80) },
      }),
    );
    expect(e4.message).toMatch(/enterprise_person\.legel_id_number/);
    expect(e4.message).not.toContain("1".repeat(80));
    expect(fetchCalls).toBe(0);
  });

  it("enforces who may call", async () => {
    const e1 = await caught(client.call("PayOrders", { order_id: "o", use_coupon: "NO", use_discount: "NO" }));
    expect(e1.message).toMatch(/customer-only/);
    const e2 = await caught(client.call("ListSubCustomers", {}, { customer: { id: "c" } }));
    expect(e2.message).toMatch(/partner operation/);
    const noAgency = createBssClient(base);
    const e3 = await caught(noAgency.renewRate({ id: "c" }, { resource_ids: ["r"], period_type: 2, period_num: 1 }));
    expect(e3.message).toMatch(/agencyName/);
    expect(fetchCalls).toBe(0);
  });

  it("checks path parameters", async () => {
    const e = await caught(client.call("AutoRenewalResources", {}, { customer: { id: "c" } }));
    expect(e.message).toMatch(/resource_id is required/);
    const dots = await caught(client.setAutoRenew({ id: "c" }, ".."));
    expect(dots.kind).toBe("validation");
    expect(fetchCalls).toBe(0);
  });

  it("paginate refuses a page size above the documented maximum", async () => {
    const it = client.paginate("ListSubCustomers", {}, { pageSize: 101 });
    const e = await caught(it.next());
    expect(e.message).toMatch(/pageSize/);
  });
});

describe("catalogue consistency", () => {
  it("pagedItems lists exactly the paged operations with their item fields", () => {
    const fromCatalogue = Object.fromEntries(
      Object.entries(operations)
        .filter(([, def]) => "paging" in def && def.paging)
        .map(([name, def]) => [name, (def as { paging: { items: string } }).paging.items]),
    );
    expect(pagedItems).toEqual(fromCatalogue);
  });
});
