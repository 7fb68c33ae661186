/** The sandbox's operation state machine, without HTTP (validated params go straight in). */
import { describe, expect, it } from "vitest";
import { operations, type OperationName } from "../../../shared/bss/operations.ts";
import { SandboxError } from "../../../local/sandbox/errors.ts";
import { runOperation, setReviewOutcome, type Caller, type OpContext } from "../../../local/sandbox/operations.ts";
import { ORDER_DISCOUNT_TYPES, PAYMENT_WINDOW_MS, SandboxState } from "../../../local/sandbox/state.ts";
import { addMonthsChina, formatUtc, parseUtc } from "../../../local/sandbox/time.ts";

const NOW = Date.parse("2026-03-01T04:00:00Z");

function setup(seed = 4) {
  const state = new SandboxState({ seed, customers: 40, resourcesPerCustomer: 12, now: NOW, xaccountType: "px", realnameBucketConfigured: true });
  let now = NOW;
  const run = async (name: OperationName, caller: Caller, params: unknown, path: Record<string, string> = {}) => {
    const ctx: OpContext = { state, caller, now, lang: "zh_CN" };
    return (await runOperation(name, ctx, operations[name].request.parse(params), path)) as Record<string, unknown>;
  };
  const fails = async (p: Promise<unknown>, code: string) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as SandboxError).code).toBe(code);
  };
  return { state, run, fails, setNow: (t: number) => (now = t) };
}

describe("renewal and payment", () => {
  it("renewing an expired resource counts from its original expiry and puts it back in use", async () => {
    const { state, run } = setup();
    const c = state.customers.find((x) => state.resources(x.info.customer_id).some((r) => r.is_main_resource === 1 && r.status === 5 && r.kind !== "obsPackage"))!;
    const id = c.info.customer_id;
    const main = state.resources(id).find((r) => r.is_main_resource === 1 && r.status === 5 && r.kind !== "obsPackage")!;
    const me: Caller = { kind: "customer", customerId: id };
    const { order_ids } = await run("RenewalResources", me, { resource_ids: [main.resource_id], period_type: 2, period_num: 1 });
    await run("PayOrders", me, { order_id: (order_ids as string[])[0], use_coupon: "NO", use_discount: "NO" });
    const after = state.resources(id).find((r) => r.resource_id === main.resource_id)!;
    expect(after.expire_time).toBe(formatUtc(addMonthsChina(parseUtc(main.expire_time), 1)));
    expect(after.status).toBe(2);
  });

  it("an unpaid order is cancelled after the payment window: paying it fails with CBC.99003110", async () => {
    const { state, run, fails, setNow } = setup();
    const c = state.customers.find((x) => state.resources(x.info.customer_id).some((r) => r.is_main_resource === 1 && r.kind === "vm"))!;
    const me: Caller = { kind: "customer", customerId: c.info.customer_id };
    const main = state.resources(c.info.customer_id).find((r) => r.is_main_resource === 1 && r.kind === "vm")!;
    const { order_ids } = await run("RenewalResources", me, { resource_ids: [main.resource_id], period_type: 2, period_num: 1 });
    setNow(NOW + PAYMENT_WINDOW_MS + 1000);
    await fails(run("PayOrders", me, { order_id: (order_ids as string[])[0], use_coupon: "NO", use_discount: "NO" }), "CBC.99003110");
    expect(state.orders[0]!.status).toBe(4);
    // The resource is free again.
    const again = await run("RenewalResources", me, { resource_ids: [main.resource_id], period_type: 2, period_num: 1 });
    expect(again["order_ids"]).toHaveLength(1);
  });

  it("another customer's order is invalid for this customer (CBC.30000010); the partner sees both, each customer only its own", async () => {
    const { state, run, fails } = setup();
    const withVm = state.customers.filter((x) => state.resources(x.info.customer_id).some((r) => r.is_main_resource === 1 && r.kind === "vm")).slice(0, 2);
    const ids: string[] = [];
    for (const c of withVm) {
      const main = state.resources(c.info.customer_id).find((r) => r.is_main_resource === 1 && r.kind === "vm")!;
      const r = await run("RenewalResources", { kind: "customer", customerId: c.info.customer_id }, { resource_ids: [main.resource_id], period_type: 3, period_num: 1 });
      ids.push((r["order_ids"] as string[])[0]!);
    }
    const [a, b] = withVm.map((c): Caller => ({ kind: "customer", customerId: c.info.customer_id }));
    await fails(run("PayOrders", a!, { order_id: ids[1], use_coupon: "NO", use_discount: "NO" }), "CBC.30000010");
    const partner = await run("ListCustomerOrders", { kind: "partner" }, {});
    expect((partner["order_infos"] as { order_id: string }[]).map((o) => o.order_id).sort()).toEqual([...ids].sort());
    const own = await run("ListCustomerOrders", b!, { customer_id: withVm[0]!.info.customer_id });
    expect((own["order_infos"] as { order_id: string }[]).map((o) => o.order_id)).toEqual([ids[1]]);
    await fails(run("ListCustomerOrders", { kind: "partner" }, { create_time_begin: "2024-01-01T00:00:00Z", create_time_end: "2026-01-01T00:00:00Z" }), "CBC.0100");
  });

  it("auto-renew cannot be set on an expired or frozen resource (CBC.99003602)", async () => {
    const { state, run, fails } = setup();
    const c = state.customers.find((x) => state.resources(x.info.customer_id).some((r) => r.is_main_resource === 1 && r.status !== 2))!;
    const main = state.resources(c.info.customer_id).find((r) => r.is_main_resource === 1 && r.status !== 2)!;
    await fails(run("AutoRenewalResources", { kind: "customer", customerId: c.info.customer_id }, {}, { resource_id: main.resource_id }), "CBC.99003602");
  });
});

describe("real-name review scripts", () => {
  it("'pending' stays under review however often it is polled, until re-scripted", async () => {
    const { state, run } = setup();
    const c = state.customers.find((x) => x.info.verified_status === "-1")!;
    const id = c.info.customer_id;
    state.reviewScripts.set(id, { result: "pending" });
    await run("CreateEnterpriseRealnameAuthentication", { kind: "partner" }, {
      customer_id: id, identify_type: 1, verified_file_url: ["a.jpg"], corp_name: "测试公司", verified_number: "1", xaccount_type: "px",
    });
    for (let i = 0; i < 5; i++) expect(await run("ShowRealnameAuthenticationReviewResult", { kind: "partner" }, { customer_id: id })).toEqual({ review_result: 0 });
    setReviewOutcome({ state, caller: { kind: "partner" }, now: NOW, lang: "zh_CN" }, id, { result: "rejected", afterPolls: 0 });
    expect(state.customer(id)!.info.verified_status).toBe("1");
    const r = await run("ShowRealnameAuthenticationReviewResult", { kind: "partner" }, { customer_id: id });
    expect(r["review_result"]).toBe(1);
    expect(typeof r["opinion"]).toBe("string");
  });
});

describe("order discounts (issue 12.3)", () => {
  it("every documented ListOrderDiscounts type is issued, ids are unique per order, and a reseller's order always has its partner discount", () => {
    const state = new SandboxState({ seed: 9, customers: 20, resourcesPerCustomer: 1, now: NOW, xaccountType: "px", realnameBucketConfigured: true });
    const types = new Set<number>();
    const ids = new Set<string>();
    let offers = 0;
    for (const c of state.customers) {
      for (let i = 0; i < 40; i++) {
        const list = state.orderDiscounts(c.info.customer_id, `CS2606010000${c.info.customer_id.slice(0, 4)}${i}`);
        for (const d of list) {
          types.add(d.type);
          ids.add(d.id);
          offers++;
          expect(d.rate).toBeGreaterThan(0);
          expect(d.rate).toBeLessThan(1);
        }
        expect(list.some((d) => d.type === 3)).toBe(c.info.association_type === "2");
      }
    }
    expect([...types].sort((a, b) => a - b)).toEqual([...ORDER_DISCOUNT_TYPES]);
    expect(ids.size).toBe(offers);
  });
});
