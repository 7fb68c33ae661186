/**
 * State-changing flows over HTTP: renewal price → renew → pay → expiry extended and the order
 * listed; auto-renew on/off; real-name submission and review (approved and rejected).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../local/sandbox/index.ts";
import type { Customer, Resource } from "../../../local/sandbox/generate.ts";
import { addMonthsChina, parseUtc, formatUtc } from "../../../local/sandbox/time.ts";
import { customerToken, expectError, expectOk, FIXED_NOW, op } from "./helpers.ts";

let sb: Sandbox;
const files = new Map<string, number>();

beforeAll(async () => {
  sb = await startSandbox({
    seed: 3,
    customers: 30,
    resourcesPerCustomer: 10,
    now: FIXED_NOW,
    ratePerSecond: 10_000,
    attachmentExists: async (p) => (files.has(p) ? { size: files.get(p)! } : undefined),
  });
});
afterAll(async () => {
  await sb.close();
});

/** A customer with an agency and a main resource with attached resources of the given product. */
function pickCustomer(predicate: (r: Resource, list: readonly Resource[]) => boolean, exclude: Set<string>): { c: Customer; main: Resource } {
  for (const c of sb.data.customers) {
    if (!c.agency || exclude.has(c.info.customer_id)) continue;
    const list = sb.data.resources(c.info.customer_id);
    const main = list.find((r) => r.is_main_resource === 1 && predicate(r, list));
    if (main) {
      exclude.add(c.info.customer_id);
      return { c, main };
    }
  }
  throw new Error("no suitable customer in the seeded data");
}
const used = new Set<string>();
const hasAttached = (r: Resource, list: readonly Resource[]) => r.kind === "vm" && list.some((a) => a.parent_resource_id === r.resource_id);

describe("renew → pay", () => {
  it("creates a pending renewal order, pays it, extends the main and attached resources, lists the order", async () => {
    const { c, main } = pickCustomer(hasAttached, used);
    const id = c.info.customer_id;
    const token = await customerToken(sb, c.info.account_name);
    const group = sb.data.resources(id).filter((r) => r.resource_id === main.resource_id || r.parent_resource_id === main.resource_id);
    const before = new Map(group.map((r) => [r.resource_id, r.expire_time]));

    const rate = expectOk("ListRenewRateOnPeriod", await op(sb, "ListRenewRateOnPeriod", { resource_ids: [main.resource_id], period_type: 2, period_num: 3, include_relative_resources: true }, { auth: { token } }));
    const quoted = (rate["renew_inquiry_results"] as { resource_id: string; amount: unknown }[])[0]!;
    expect(typeof quoted.amount).toBe("string");
    expect(quoted.amount).toMatch(/^\d+\.\d{2}$/);
    const again = expectOk("ListRenewRateOnPeriod", await op(sb, "ListRenewRateOnPeriod", { resource_ids: [main.resource_id], period_type: 2, period_num: 3, include_relative_resources: true }, { auth: { token } }));
    expect(again).toEqual(rate); // deterministic prices

    const renew = expectOk("RenewalResources", await op(sb, "RenewalResources", { resource_ids: [main.resource_id], period_type: 2, period_num: 3 }, { auth: { token } }));
    const orderIds = renew["order_ids"] as string[];
    expect(orderIds).toHaveLength(1);
    expect(renew["fail_resource_infos"]).toBeUndefined();
    const orderId = orderIds[0]!;
    expect(sb.stats.effects.ordersCreated).toBeGreaterThanOrEqual(1);

    // Pending: listed with status 6 / order_type 2 for the partner and for the customer; not yet extended.
    const partnerView = expectOk("ListCustomerOrders", await op(sb, "ListCustomerOrders", { customer_id: id }));
    const pending = (partnerView["order_infos"] as { order_id: string; status: number; order_type: number; official_amount: number }[])[0]!;
    expect(pending).toMatchObject({ order_id: orderId, status: 6, order_type: 2 });
    expect(pending.official_amount.toFixed(2)).toBe(quoted.amount);
    const customerView = expectOk("ListCustomerOrders", await op(sb, "ListCustomerOrders", { status: "6" }, { auth: { token } }));
    expect((customerView["order_infos"] as { order_id: string }[]).map((o) => o.order_id)).toEqual([orderId]);
    for (const r of sb.data.resources(id)) if (before.has(r.resource_id)) expect(r.expire_time).toBe(before.get(r.resource_id));

    // While the order waits for payment the resource cannot be renewed again.
    const locked = expectOk("RenewalResources", await op(sb, "RenewalResources", { resource_ids: [main.resource_id], period_type: 2, period_num: 1 }, { auth: { token } }));
    expect(locked["order_ids"]).toEqual([]);
    expect(locked["fail_resource_infos"]).toEqual([expect.objectContaining({ error_code: "CBC.99003100", resource_id: main.resource_id })]);

    // The order's own discounts: a 609 price adjustment must be used (issue 12.3); otherwise none is taken here.
    const offers = expectOk("ListOrderDiscounts", await op(sb, "ListOrderDiscounts", { order_id: orderId }, { auth: { token } }))["discounts"] as { discount_id: string; discount_type: number }[];
    const adj = offers.find((d) => d.discount_type === 609);
    if (adj) expectError(await op(sb, "PayOrders", { order_id: orderId, use_coupon: "NO", use_discount: "NO" }, { auth: { token } }), 400, "CBC.99003108");
    const pay = adj ? { use_discount: "YES", discount_infos: [{ id: adj.discount_id, type: 609 }] } : { use_discount: "NO" };
    expectOk("PayOrders", await op(sb, "PayOrders", { order_id: orderId, use_coupon: "NO", ...pay }, { auth: { token } }));
    for (const r of sb.data.resources(id)) {
      if (!before.has(r.resource_id)) continue;
      expect(r.expire_time).toBe(formatUtc(addMonthsChina(parseUtc(before.get(r.resource_id)!), 3)));
      expect(r.status).toBe(2);
    }
    const listed = expectOk("ListPayPerUseCustomerResources", await op(sb, "ListPayPerUseCustomerResources", { customer_id: id, resource_ids: [main.resource_id] }));
    for (const r of listed["data"] as { resource_id: string; expire_time: string }[]) {
      expect(r.expire_time).toBe(formatUtc(addMonthsChina(parseUtc(before.get(r.resource_id)!), 3)));
    }
    const paid = expectOk("ListCustomerOrders", await op(sb, "ListCustomerOrders", { order_id: orderId.toLowerCase() }));
    const o = (paid["order_infos"] as { status: number; payment_time?: string }[])[0]!;
    expect(o.status).toBe(5);
    expect(o.payment_time).toMatch(/Z$/);

    // Paying twice: the order is no longer pending. Unknown order: invalid.
    expectError(await op(sb, "PayOrders", { order_id: orderId, use_coupon: "NO", use_discount: "NO" }, { auth: { token } }), 400, "CBC.99003106");
    expectError(await op(sb, "PayOrders", { order_id: "CS0000000000XXXXX", use_coupon: "NO", use_discount: "NO" }, { auth: { token } }), 400, "CBC.30000010");
  });

  it("is_auto_pay=1 pays at once with the available discount", async () => {
    const { c, main } = pickCustomer((r) => r.kind === "vm", used);
    const token = await customerToken(sb, c.info.account_name);
    const before = main.expire_time;
    const renew = expectOk("RenewalResources", await op(sb, "RenewalResources", { resource_ids: [main.resource_id], period_type: 3, period_num: 1, is_auto_pay: 1 }, { auth: { token } }));
    const orderId = (renew["order_ids"] as string[])[0]!;
    const order = sb.data.orders.find((o) => o.order_id === orderId)!;
    expect(order.status).toBe(5);
    const r = sb.data.resources(c.info.customer_id).find((x) => x.resource_id === main.resource_id)!;
    expect(r.expire_time).toBe(formatUtc(addMonthsChina(parseUtc(before), 12)));
    if (c.info.association_type === "2") expect(order.amount_after_discount).toBeLessThan(order.official_amount);
  });

  it("reports per-resource failures and rejects invalid periods and payment options", async () => {
    const { c, main } = pickCustomer(hasAttached, used);
    const token = await customerToken(sb, c.info.account_name);
    const list = sb.data.resources(c.info.customer_id);
    const attached = list.find((r) => r.parent_resource_id === main.resource_id)!;
    const r = expectOk("RenewalResources", await op(sb, "RenewalResources", { resource_ids: [attached.resource_id, "no-such-resource"], period_type: 2, period_num: 1 }, { auth: { token } }));
    expect(r["order_ids"]).toEqual([]);
    expect(r["fail_resource_infos"]).toEqual([
      expect.objectContaining({ resource_id: attached.resource_id, error_code: "CBC.30010036" }),
      expect.objectContaining({ resource_id: "no-such-resource", error_code: "CBC.99003016" }),
    ]);
    // Month range 1-11, year range 1-3: outside → parameter error naming period_num.
    expect(expectError(await op(sb, "RenewalResources", { resource_ids: [main.resource_id], period_type: 2, period_num: 12 }, { auth: { token } }), 400, "CBC.0100")).toContain("period_num");
    expectError(await op(sb, "RenewalResources", { resource_ids: [main.resource_id], period_type: 3, period_num: 4 }, { auth: { token } }), 400, "CBC.0100");
    expectError(await op(sb, "RenewalResources", { resource_ids: [main.resource_id], period_type: 1, period_num: 1 }, { auth: { token } }), 400, "CBC.0100");

    const renew = expectOk("RenewalResources", await op(sb, "RenewalResources", { resource_ids: [main.resource_id], period_type: 2, period_num: 1 }, { auth: { token } }));
    const orderId = (renew["order_ids"] as string[])[0]!;
    // use_coupon/use_discount rules of the schema.
    expectError(await op(sb, "PayOrders", { order_id: orderId, use_coupon: "YES", use_discount: "NO" }, { auth: { token } }), 400, "CBC.0100");
    expectError(await op(sb, "PayOrders", { order_id: orderId, use_coupon: "NO", use_discount: "NO", discount_infos: [{ id: "d", type: 3 }] }, { auth: { token } }), 400, "CBC.0100");
    expectError(await op(sb, "PayOrders", { order_id: orderId, use_coupon: "NO", use_discount: "YES", discount_infos: [{ id: "not-offered", type: 3 }] }, { auth: { token } }), 400, "CBC.99003108");
    expect(sb.data.orders.find((o) => o.order_id === orderId)!.status).toBe(6);
  });

  it("a yearly-only product refuses a monthly renewal with CBC.30010069", async () => {
    const { c, main } = pickCustomer((r) => r.kind === "obsPackage", used);
    const token = await customerToken(sb, c.info.account_name);
    expectError(await op(sb, "RenewalResources", { resource_ids: [main.resource_id], period_type: 2, period_num: 1 }, { auth: { token } }), 400, "CBC.30010069");
    const rate = expectOk("ListRenewRateOnPeriod", await op(sb, "ListRenewRateOnPeriod", { resource_ids: [main.resource_id], period_type: 2, period_num: 1 }, { auth: { token } }));
    expect(rate["fail_resource_infos"]).toEqual([expect.objectContaining({ error_code: "CBC.30050008" })]);
  });
});

describe("auto-renew", () => {
  it("set turns expire_policy to 3 on the main and attached resources; cancel restores it; cancelling twice fails", async () => {
    const { c, main } = pickCustomer((r, list) => hasAttached(r, list) && r.expire_policy !== 3 && r.status === 2, used);
    const id = c.info.customer_id;
    const token = await customerToken(sb, c.info.account_name);
    const before = main.expire_policy;
    const group = () => sb.data.resources(id).filter((r) => r.resource_id === main.resource_id || r.parent_resource_id === main.resource_id);
    expectError(await op(sb, "CancelAutoRenewalResources", undefined, { auth: { token }, pathParams: { resource_id: main.resource_id } }), 400, "CBC.99003605");
    expectOk("AutoRenewalResources", await op(sb, "AutoRenewalResources", { auto_renew_times: 2 }, { auth: { token }, pathParams: { resource_id: main.resource_id } }));
    expect(group().map((r) => r.expire_policy)).toEqual(group().map(() => 3));
    // Setting again is idempotent.
    expectOk("AutoRenewalResources", await op(sb, "AutoRenewalResources", {}, { auth: { token }, pathParams: { resource_id: main.resource_id } }));
    expectOk("CancelAutoRenewalResources", await op(sb, "CancelAutoRenewalResources", undefined, { auth: { token }, pathParams: { resource_id: main.resource_id } }));
    expect(group().map((r) => r.expire_policy)).toEqual(group().map(() => before));
    expectError(await op(sb, "CancelAutoRenewalResources", undefined, { auth: { token }, pathParams: { resource_id: main.resource_id } }), 400, "CBC.99003605");
    expectError(await op(sb, "AutoRenewalResources", {}, { auth: { token }, pathParams: { resource_id: "nope" } }), 400, "CBC.99003012");
  });
});

describe("real-name", () => {
  const enterprise = (customerId: string, urls: string[], extra: Record<string, unknown> = {}) => ({
    customer_id: customerId,
    identify_type: 1,
    certificate_type: 0,
    verified_file_url: urls,
    corp_name: "沙箱测试科技有限公司",
    verified_number: "91110000000000000X",
    xaccount_type: sb.xaccountType,
    ...extra,
  });
  const unverified = () => sb.data.customers.filter((c) => c.info.verified_status === "-1" || c.info.verified_status === "1");
  const review = async (customerId: string) =>
    expectOk("ShowRealnameAuthenticationReviewResult", await op(sb, "ShowRealnameAuthenticationReviewResult", { customer_id: customerId }));
  const status = async (customerId: string) =>
    ((expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", { customer_id: customerId }))["customer_infos"] as { verified_status: string }[])[0]!).verified_status;

  it("enterprise submission → under review → approved after two polls; verified_status follows", async () => {
    const c = unverified()[0]!;
    const id = c.info.customer_id;
    files.set(`app-1/${id}/licence.jpg`, 200_000);
    expect(await review(id)).toEqual({}); // nothing submitted yet: no review_result
    const r = expectOk("CreateEnterpriseRealnameAuthentication", await op(sb, "CreateEnterpriseRealnameAuthentication", enterprise(id, [`app-1/${id}/licence.jpg`])));
    expect(r).toEqual({ is_review: 1 });
    expect(await status(id)).toBe("0");
    expectError(await op(sb, "CreateEnterpriseRealnameAuthentication", enterprise(id, [`app-1/${id}/licence.jpg`])), 400, "CBC.99007188");
    expect(await review(id)).toEqual({ review_result: 0 });
    expect(await review(id)).toEqual({ review_result: 0 });
    expect(await review(id)).toEqual({ review_result: 2 });
    expect(await status(id)).toBe("2");
    expect(sb.data.realname.get(id)!.request["verified_file_url"]).toEqual([`app-1/${id}/licence.jpg`]);
  });

  it("a scripted rejection carries the opinion; the customer may submit again", async () => {
    const c = unverified()[1]!;
    const id = c.info.customer_id;
    const urls = ["p/front.png", "p/back.png", "p/hand.png"];
    for (const u of urls) files.set(u, 1000);
    sb.control.setReviewOutcome(id, { result: "rejected", opinion: "ID image unreadable", afterPolls: 1 });
    const body = { customer_id: id, identify_type: 0, verified_type: 3, verified_file_url: urls, name: "测试用户", verified_number: "E12345678", xaccount_type: sb.xaccountType };
    expectOk("CreatePersonalRealnameAuth", await op(sb, "CreatePersonalRealnameAuth", body));
    expect(await review(id)).toEqual({ review_result: 0 });
    expect(await review(id)).toEqual({ review_result: 1, opinion: "ID image unreadable" });
    expect(await status(id)).toBe("1");
    // Resubmission uses the default outcome again.
    expectOk("CreatePersonalRealnameAuth", await op(sb, "CreatePersonalRealnameAuth", body));
    expect(await status(id)).toBe("0");
  });

  it("checks sub-customer, platform id, bucket, status, file count, format, existence and size", async () => {
    const c = unverified()[2]!;
    const id = c.info.customer_id;
    files.set("ok.pdf", 5_000);
    files.set("big.png", 10 * 1024 * 1024 + 1);
    expectError(await op(sb, "CreateEnterpriseRealnameAuthentication", enterprise("f".repeat(32), ["ok.pdf"])), 400, "CBC.99000035");
    expectError(await op(sb, "CreateEnterpriseRealnameAuthentication", enterprise(id, ["ok.pdf"], { xaccount_type: "someone_else" })), 400, "CBC.0101");
    sb.control.setRealnameBucketConfigured(false);
    expectError(await op(sb, "CreateEnterpriseRealnameAuthentication", enterprise(id, ["ok.pdf"])), 400, "CBC.99005030");
    sb.control.setRealnameBucketConfigured(true);
    expectError(await op(sb, "CreateEnterpriseRealnameAuthentication", enterprise(id, ["ok.pdf", "ok.pdf"])), 400, "CBC.0100");
    expectError(await op(sb, "CreateEnterpriseRealnameAuthentication", enterprise(id, ["doc.tiff"])), 400, "CBC.99000100");
    expect(expectError(await op(sb, "CreateEnterpriseRealnameAuthentication", enterprise(id, ["missing.jpg"])), 400, "CBC.0100")).toContain("missing.jpg");
    expectError(await op(sb, "CreateEnterpriseRealnameAuthentication", enterprise(id, ["big.png"])), 400, "CBC.99000099");
    expect(expectError(await op(sb, "CreateEnterpriseRealnameAuthentication", enterprise(id, ["ok.pdf"], { enterprise_person: { legal_name: "x", legel_id_number: "1" } })), 400, "CBC.0100")).toContain("legal_name");
    const verified = sb.data.customers.find((x) => x.info.verified_status === "2")!;
    expectError(await op(sb, "CreateEnterpriseRealnameAuthentication", enterprise(verified.info.customer_id, ["ok.pdf"])), 400, "CBC.99007188");
    expect(await status(id)).not.toBe("0"); // nothing was submitted
  });

  it("change (PUT) moves a verified individual to enterprise; others are refused", async () => {
    const individual = sb.data.customers.find((x) => x.info.verified_status === "2" && x.info.customer_type === 0)!;
    const enterpriseCustomer = sb.data.customers.find((x) => x.info.verified_status === "2" && x.info.customer_type === 1)!;
    files.set("chg/licence.jpg", 10);
    expectError(await op(sb, "ChangeEnterpriseRealnameAuthentication", { ...enterprise(enterpriseCustomer.info.customer_id, ["chg/licence.jpg"]), change_type: 1 }), 400, "CBC.99007004");
    const id = individual.info.customer_id;
    sb.control.setReviewOutcome(id, { result: "approved", afterPolls: 0 });
    // "" is "set to empty" in the change call only (contract); the create call refuses it.
    expectError(await op(sb, "CreateEnterpriseRealnameAuthentication", enterprise(id, ["chg/licence.jpg"], { reg_country: "" })), 400, "CBC.0100");
    expectOk(
      "ChangeEnterpriseRealnameAuthentication",
      await op(sb, "ChangeEnterpriseRealnameAuthentication", { ...enterprise(id, ["chg/licence.jpg"]), change_type: 1, reg_country: "", reg_address: "" }),
    );
    expect(await review(id)).toEqual({ review_result: 2 });
    expect(sb.data.customer(id)!.info.customer_type).toBe(1);
    expect(sb.data.registration.get(id)).toEqual({ reg_country: "", reg_address: "" });
  });
});
