/** Auto-renew: the pure decisions (config, allow-list, eligibility, mode, price/discount/cap) and the enqueue step. */
import fc from "fast-check";
import { renderAutoRenewReport } from "../../../shared/notify/templates.ts";
import { describe, expect, it } from "vitest";
import { DEFAULT_RENEWAL_DECISION_CONFIG, decideReminders, type DueReminder } from "../../../shared/renewal/index.ts";
import {
  RenewalAutoRenew,
  autoRenewEligibility,
  autoRenewKeys,
  DISCOUNT_RULES,
  chooseOrderDiscount,
  choosePrice,
  effectiveMode,
  parseAllowList,
  parseAutoRenewSettings,
  payRequest,
  type RenewQuote,
} from "../../../shared/renewal/autorenew.ts";
import { enqueueAutoRenew } from "../../../shared/renewal/autorenew-pipeline.ts";
import { payOrdersRequest } from "../../../shared/bss/schemas.ts";
import { MemLedger, MemQueue } from "./pipeline-fakes.ts";
import { DAY, iso, resource } from "./helpers.ts";

describe("configuration", () => {
  it("is off by default, monthly, cap 1000, best offer", () => {
    const s = parseAutoRenewSettings({});
    expect(s).toMatchObject({ mode: "off", periodType: 2, periodNum: 1, maxAmount: 1000, discount: "best-offer", reportEmail: "" });
    expect(s.allow.customers.size + s.allow.resources.size).toBe(0);
  });

  it("validates the documented period ranges (month 1-11, year 1-3) and the mode", () => {
    expect(parseAutoRenewSettings({ RENEWAL_AUTORENEW_PERIOD_TYPE: "3", RENEWAL_AUTORENEW_PERIOD_NUM: "3" }).periodNum).toBe(3);
    expect(() => parseAutoRenewSettings({ RENEWAL_AUTORENEW_PERIOD_TYPE: "3", RENEWAL_AUTORENEW_PERIOD_NUM: "4" })).toThrow(/PERIOD_NUM: must be 1-3/);
    expect(() => parseAutoRenewSettings({ RENEWAL_AUTORENEW_PERIOD_NUM: "12" })).toThrow(/PERIOD_NUM/);
    expect(() => parseAutoRenewSettings({ RENEWAL_AUTORENEW_PERIOD_TYPE: "1" })).toThrow(/PERIOD_TYPE/);
    expect(() => parseAutoRenewSettings({ RENEWAL_AUTORENEW_MODE: "yes" })).toThrow(/MODE/);
    expect(() => parseAutoRenewSettings({ RENEWAL_AUTORENEW_MAX_AMOUNT: "-1" })).toThrow(/MAX_AMOUNT/);
  });

  it("reads the allow-list as JSON or as a comma list, and rejects anything else", () => {
    const a = parseAllowList('{"customers":["c1"],"resources":["r1","r2"]}');
    expect([...a.customers]).toEqual(["c1"]);
    expect([...a.resources]).toEqual(["r1", "r2"]);
    const b = parseAllowList(" customer:c1 , resource:r9,");
    expect([...b.customers]).toEqual(["c1"]);
    expect([...b.resources]).toEqual(["r9"]);
    expect(() => parseAllowList("c1")).toThrow(/item 1/);
    expect(() => parseAllowList('{"customers":"c1"}')).toThrow(/customers/);
    expect(() => parseAllowList("{nope")).toThrow(/JSON/);
  });

  it("property: a comma list of ids round-trips", () => {
    const idArb = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
    fc.assert(
      fc.property(fc.array(idArb, { maxLength: 8 }), fc.array(idArb, { maxLength: 8 }), (cs, rs) => {
        const a = parseAllowList([...cs.map((c) => `customer:${c}`), ...rs.map((r) => `resource:${r}`)].join(","));
        expect(a.customers).toEqual(new Set(cs));
        expect(a.resources).toEqual(new Set(rs));
      }),
    );
  });
});

const NOW = Date.parse("2026-07-01T02:00:00Z");
function dueFor(customerId: string, resources: Parameters<typeof resource>[0][]): DueReminder[] {
  return decideReminders({ customer: { customer_id: customerId }, resources: resources.map(resource), now: NOW, config: DEFAULT_RENEWAL_DECISION_CONFIG, alreadySent: new Set() }).due;
}

describe("eligibility and mode", () => {
  const allow = parseAllowList("customer:c1,resource:r-other");
  const [due] = dueFor("c1", [{ resource_id: "r1", expire_time: iso(NOW + 5 * DAY) }]);
  const [dueOther] = dueFor("c2", [{ resource_id: "r-other", expire_time: iso(NOW + 5 * DAY) }]);
  const [dueDenied] = dueFor("c2", [{ resource_id: "r2", expire_time: iso(NOW + 5 * DAY) }]);
  const [synthetic] = dueFor("c1", [{ resource_id: "disk", is_main_resource: 0, parent_resource_id: "gone", expire_time: iso(NOW + 5 * DAY) }]);

  it("needs mode ≠ off, the customer or the main resource on the allow-list, and a real master", () => {
    expect(autoRenewEligibility("off", allow, due!)).toEqual({ eligible: false, reason: "mode-off" });
    expect(autoRenewEligibility("dry-run", allow, due!)).toEqual({ eligible: true });
    expect(autoRenewEligibility("on", allow, dueOther!)).toEqual({ eligible: true });
    expect(autoRenewEligibility("on", allow, dueDenied!)).toEqual({ eligible: false, reason: "not-allowed" });
    expect(synthetic).toBeDefined();
    expect(autoRenewEligibility("on", allow, synthetic!)).toEqual({ eligible: false, reason: "no-master" });
  });

  it("processes a message in its own mode unless the configuration is now lower", () => {
    expect(effectiveMode("on", "on")).toBe("on");
    expect(effectiveMode("dry-run", "on")).toBe("dry-run");
    expect(effectiveMode("on", "dry-run")).toBeUndefined();
    expect(effectiveMode("dry-run", "off")).toBeUndefined();
  });
});

describe("price, discount and cap", () => {
  const quote = (discounts: RenewQuote["optional_discount_rating_results"]): RenewQuote => ({
    currency: "CNY",
    renew_inquiry_results: [{ resource_id: "r1", amount: "200.00" }],
    official_website_rating_result: { official_website_amount: "200.00" },
    optional_discount_rating_results: discounts,
  });

  it("estimates with the inquiry's cheapest discount the rule allows (informational: never a PayOrders id)", () => {
    const d = choosePrice(quote([{ discount_id: "d7", amount: "170.00", discount_type: 607, best_offer: 1 }, { discount_id: "d5", amount: "160.00", discount_type: 605, best_offer: 0 }]), "r1", "best-offer", 1000);
    expect(d).toMatchObject({ renew: true, amount: 160, official: 200, estimate: { renewRateType: 605, amount: 160 } });
    expect(JSON.stringify(d)).not.toContain('"d5"');
    expect(choosePrice(quote([{ discount_id: "d7", amount: "170", discount_type: 607 }, { discount_id: "d5", amount: "160", discount_type: 605 }]), "r1", "partner", 1000)).toMatchObject({ amount: 170, estimate: { renewRateType: 607 } });
    expect(choosePrice(quote([{ discount_id: "d7", amount: "170", discount_type: 607 }]), "r1", "none", 1000)).toMatchObject({ amount: 200 });
    expect(choosePrice(quote(undefined), "r1", "best-offer", 1000)).toMatchObject({ renew: true, amount: 200 });
  });

  it("skips above the cap (on the estimate), and without a price", () => {
    const q = quote([{ discount_id: "d7", amount: "170", discount_type: 607, best_offer: 1 }]);
    expect(choosePrice(q, "r1", "best-offer", 170)).toMatchObject({ renew: true, amount: 170 });
    expect(choosePrice(q, "r1", "best-offer", 169.99)).toMatchObject({ renew: false, reason: "over-cap", amount: 170 });
    expect(choosePrice(q, "r1", "none", 199)).toMatchObject({ renew: false, reason: "over-cap", amount: 200 });
    expect(choosePrice({ currency: "CNY" }, "r1", "best-offer", 1000)).toMatchObject({ renew: false, reason: "no-price" });
  });

  it("property: the estimate never exceeds the cap nor the official price", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(605, 606, 607, 700), fc.constantFrom(...DISCOUNT_RULES), (officialCents, pct, capCents, type, rule) => {
        const official = officialCents / 100;
        const disc = Math.round(officialCents * (100 - pct)) / 10_000;
        const q: RenewQuote = { currency: "CNY", renew_inquiry_results: [{ resource_id: "r1", amount: official.toFixed(2) }], optional_discount_rating_results: [{ discount_id: "d", amount: disc.toFixed(2), discount_type: type, best_offer: 1 }] };
        const d = choosePrice(q, "r1", rule, capCents / 100);
        if (d.renew) {
          expect(d.amount).toBeLessThanOrEqual(capCents / 100);
          expect(d.amount).toBeLessThanOrEqual(official);
        }
      }),
    );
  });
});

describe("issue 12.3: the discount paid with comes from ListOrderDiscounts for the order", () => {
  const line = (amount: number) => ({ order_line_item_ids: ["l1"], discount_mode: 0, discount_amount: amount, discount_ratio: 0.9 });
  const disc = (id: string, type: number, saving: number, orderId = "O1") => ({ discount_id: id, discount_value: "0.9", discount_type: type, orders: [{ order_id: orderId, order_line_items: [line(saving)] }] });

  it("best-offer takes the largest saving on this order, with the type exactly as listed (no mapping)", () => {
    const list = [disc("p3", 3, 10), disc("c2", 2, 25), disc("x0", 0, 5)];
    expect(chooseOrderDiscount(list, "O1", "best-offer")).toEqual({ id: "c2", type: 2, saving: 25 });
    expect(payRequest("O1", chooseOrderDiscount(list, "O1", "best-offer"))).toEqual({ order_id: "O1", use_coupon: "NO", use_discount: "YES", discount_infos: [{ id: "c2", type: 2 }] });
  });

  it("equal savings: the lowest id, whatever order the answer lists them in", () => {
    const a = disc("sbx-od-3-c5", 3, 12.5);
    const b = disc("sbx-od-2-6b", 2, 12.5);
    expect(chooseOrderDiscount([a, b], "O1", "best-offer")).toMatchObject({ id: "sbx-od-2-6b" });
    expect(chooseOrderDiscount([b, a], "O1", "best-offer")).toMatchObject({ id: "sbx-od-2-6b" });
  });

  it("partner takes only the partner-granted discount (3); none takes nothing", () => {
    const list = [disc("p3", 3, 10), disc("c2", 2, 25)];
    expect(chooseOrderDiscount(list, "O1", "partner")).toMatchObject({ id: "p3", type: 3 });
    expect(chooseOrderDiscount([disc("c2", 2, 25)], "O1", "partner")).toBeUndefined();
    expect(chooseOrderDiscount(list, "O1", "none")).toBeUndefined();
    expect(payRequest("O1", undefined)).toEqual({ order_id: "O1", use_coupon: "NO", use_discount: "NO" });
  });

  it("a 609 price adjustment on the order is used whatever the rule, even when another saves more", () => {
    const list = [disc("c2", 2, 50), disc("adj", 609, 3)];
    for (const rule of DISCOUNT_RULES) expect(chooseOrderDiscount(list, "O1", rule)).toEqual({ id: "adj", type: 609, saving: 3 });
  });

  it("ignores discounts for other orders, undocumented types, and type 1 (in the intl pay enum only)", () => {
    expect(chooseOrderDiscount([disc("other", 2, 99, "O2"), disc("new", 777, 99), disc("contract", 1, 99)], "O1", "best-offer")).toBeUndefined();
    expect(chooseOrderDiscount([disc("other", 609, 1, "O2")], "O1", "none")).toBeUndefined();
  });

  it("property: the PayOrders body follows the contract's use_coupon/use_discount rules and names a listed discount of this order", () => {
    const discountArb = fc.record({
      discount_id: fc.string({ minLength: 1, maxLength: 8 }),
      discount_type: fc.constantFrom(0, 1, 2, 3, 609, 605, 777),
      orders: fc.array(fc.record({ order_id: fc.constantFrom("O1", "o1", "O2"), order_line_items: fc.array(fc.record({ discount_amount: fc.integer({ min: 0, max: 10_000 }).map((c) => c / 100) }), { maxLength: 3 }) }), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(fc.array(discountArb, { maxLength: 6 }), fc.constantFrom(...DISCOUNT_RULES), (list, rule) => {
        const chosen = chooseOrderDiscount(list, "O1", rule);
        const body = payRequest("O1", chosen);
        expect(payOrdersRequest.safeParse(body).success).toBe(true);
        expect(body.use_coupon).toBe("NO");
        expect("coupon_infos" in body).toBe(false);
        expect(body.use_discount === "YES").toBe(body.discount_infos !== undefined);
        const forOrder = list.filter((d) => [0, 2, 3, 609].includes(d.discount_type) && (d.orders.length === 0 || d.orders.some((o) => o.order_id.toLowerCase() === "o1")));
        if (forOrder.some((d) => d.discount_type === 609)) expect(body.discount_infos?.[0]?.type).toBe(609);
        if (body.discount_infos) {
          expect(body.discount_infos).toHaveLength(1);
          expect(forOrder.some((d) => d.discount_id === body.discount_infos![0]!.id && d.discount_type === body.discount_infos![0]!.type)).toBe(true);
        }
        if (rule === "none" && !forOrder.some((d) => d.discount_type === 609)) expect(body.use_discount).toBe("NO");
      }),
      { numRuns: 500 },
    );
  });

  it("renders 'would renew X for ¥Y' for a dry run", () => {
    const r = renderAutoRenewReport(
      { state: "dry-run", wouldRenew: true, customerId: "c1", mainResourceId: "r1", resourceName: "ecs-1", expireTime: "2026-07-08T15:59:59Z", amount: 170, currency: "CNY", period: { type: 2, num: 1 } },
      { language: "en", timeZone: "Asia/Shanghai" },
    );
    expect(r.text).toContain("would renew ecs-1 (r1) for 1 month for ¥170.00");
    expect(r.subject).toContain("[dry-run]");
  });
});

describe("enqueueAutoRenew (from the scan)", () => {
  const customer = { customerId: "c1", accountName: "acct-1" };
  const due = dueFor("c1", [
    { resource_id: "r1", expire_time: iso(NOW + 5 * DAY) },
    { resource_id: "r2", expire_time: iso(NOW + 20 * DAY) },
    { resource_id: "r3", expire_time: iso(NOW + 5 * DAY), expire_policy: 3 },
  ]);
  const settings = (mode: "off" | "dry-run" | "on") => ({ mode, allow: parseAllowList("customer:c1") });

  it("enqueues one request per eligible main resource and expiry, once; nothing when off", async () => {
    const ledger = new MemLedger();
    const q = new MemQueue();
    expect(await enqueueAutoRenew({ scanId: "s1", runDate: "2026-07-01", customer, due, settings: settings("off"), ledger, publish: q.publish })).toEqual({ eligible: 0, enqueued: 0, alreadyClaimed: 0 });
    const r1 = await enqueueAutoRenew({ scanId: "s1", runDate: "2026-07-01", customer, due, settings: settings("on"), ledger, publish: q.publish });
    expect(r1).toEqual({ eligible: 2, enqueued: 2, alreadyClaimed: 0 }); // r3 has BSS auto-renew on (not even due)
    const msgs = q.sent.map((e) => RenewalAutoRenew.parse(e).data);
    expect(msgs.map((m) => m.mainResourceId).sort()).toEqual(["r1", "r2"]);
    expect(msgs.every((m) => m.mode === "on" && m.customer.accountName === "acct-1")).toBe(true);
    expect(ledger.keys("autorenew#")).toEqual([autoRenewKeys.on("c1", "r1", iso(NOW + 5 * DAY)), autoRenewKeys.on("c1", "r2", iso(NOW + 20 * DAY))].sort());
    // a later scan (another day, another window) does not enqueue again
    const r2 = await enqueueAutoRenew({ scanId: "s2", runDate: "2026-07-02", customer, due, settings: settings("on"), ledger, publish: q.publish });
    expect(r2).toEqual({ eligible: 2, enqueued: 0, alreadyClaimed: 2 });
    expect(q.sent).toHaveLength(2);
    // dry-run records are separate: the on-records do not block a dry run and vice versa
    const r3 = await enqueueAutoRenew({ scanId: "s3", runDate: "2026-07-02", customer, due, settings: settings("dry-run"), ledger, publish: q.publish });
    expect(r3.enqueued).toBe(2);
    expect(ledger.keys("autorenew-dry-run#")).toHaveLength(2);
  });

  it("releases the claims it could not publish, and the redelivered scan enqueues them again", async () => {
    const ledger = new MemLedger();
    const q = new MemQueue();
    q.failAllNext(false);
    await expect(enqueueAutoRenew({ scanId: "s1", runDate: "2026-07-01", customer, due, settings: settings("on"), ledger, publish: q.publish })).rejects.toThrow(/not published/);
    expect(ledger.keys("autorenew#")).toEqual([]);
    const again = await enqueueAutoRenew({ scanId: "s1", runDate: "2026-07-01", customer, due, settings: settings("on"), ledger, publish: q.publish });
    expect(again.enqueued).toBe(2);
    // same scan redelivered after a lost publish answer: published again with the same envelope ids
    const ids = q.sent.map((e) => e.id);
    const third = await enqueueAutoRenew({ scanId: "s1", runDate: "2026-07-01", customer, due, settings: settings("on"), ledger, publish: q.publish });
    expect(third.enqueued).toBe(2);
    expect(q.sent.slice(2).map((e) => e.id)).toEqual(ids);
  });
});
