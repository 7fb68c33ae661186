/**
 * What each BSS operation does to the sandbox state. No I/O except the optional
 * `attachmentExists` hook the caller injects.
 *
 * Every handler receives the request already validated against the BSS contract (contract.ts,
 * rules.ts; not the client's schemas) and returns the response body (undefined for 204), or throws a
 * SandboxError with the documented code. Where the reference marks something (unconfirmed),
 * the conservative reading is taken and commented here.
 */
import type { SandboxOperationName as OperationName, SandboxRequests } from "./requests.ts";
import { kinds, listPrice, resourceTypeByCode, resourceTypes, serviceTypeByCode, serviceTypes, incentivePolicies, type Lang } from "./catalog.ts";
import type { Resource } from "./generate.ts";
import { notSubCustomer, paramError, SandboxError } from "./errors.ts";
import { DEFAULT_REVIEW, type Order, type OrderDiscountOffer, type RealnameApplication, type RealnameKind, type ReviewScript, type SandboxState } from "./state.ts";
import { addMonthsChina, DAY_MS, formatUtc, parseUtc } from "./time.ts";

export type Caller = { kind: "partner" } | { kind: "customer"; customerId: string };

export type EffectName = "ordersCreated" | "ordersPaid" | "realnameSubmissions" | "autoRenewChanges";

export interface OpContext {
  state: SandboxState;
  caller: Caller;
  /** Server clock, epoch ms. */
  now: number;
  lang: Lang;
  attachmentExists?: ((relativePath: string) => Promise<{ size: number } | undefined>) | undefined;
  effect?: (name: EffectName, count?: number) => void;
}

type Params<N extends OperationName> = SandboxRequests[N];
type Handler<N extends OperationName> = (ctx: OpContext, params: Params<N>, pathParams: Record<string, string>) => unknown;

// ---------------------------------------------------------------------------------------------
// Helpers

function page<T>(items: readonly T[], offset: number | undefined, limit: number | undefined): T[] {
  const o = offset ?? 0;
  const l = limit ?? 10; // documented default page size
  return items.slice(o, o + l);
}

const money2 = (v: number): number => Math.round(v * 100) / 100;
const moneyString = (v: number): string => money2(v).toFixed(2);

/** The customer whose resources a call concerns: the token's customer, or the partner's `customer_id`. */
function targetCustomer(ctx: OpContext, customerId: string | undefined): string {
  if (ctx.caller.kind === "customer") return ctx.caller.customerId; // customer_id is ignored for customer callers
  if (customerId === undefined) throw paramError("customer_id is required when a partner lists a customer's resources");
  if (!ctx.state.customer(customerId)) throw notSubCustomer(customerId);
  return customerId;
}

function customerOf(ctx: OpContext): string {
  if (ctx.caller.kind !== "customer") throw new SandboxError(403, "CBC.0155", "this API accepts customer credentials only");
  return ctx.caller.customerId;
}

export function renderResource(r: Resource, lang: Lang): Record<string, unknown> {
  const { kind, ...api } = r;
  const spec = kinds[kind].specs.find((s) => s.code === r.resource_spec_code);
  return {
    ...api,
    service_type_name: serviceTypeByCode.get(r.service_type_code)?.name[lang],
    resource_type_name: resourceTypeByCode.get(r.resource_type_code)?.name[lang],
    product_spec_desc: spec?.desc[lang],
  };
}

function resourcePrice(r: Resource, periodType: 2 | 3, periodNum: number): number {
  const spec = kinds[r.kind].specs.find((s) => s.code === r.resource_spec_code)!;
  return listPrice(spec.monthly, spec.perUnit ? r.spec_size : undefined, periodType, periodNum);
}

function attachedOf(list: readonly Resource[], main: Resource): Resource[] {
  return list.filter((r) => r.parent_resource_id === main.resource_id);
}

function renderOrder(o: Order, lang: Lang): Record<string, unknown> {
  const out: Record<string, unknown> = {
    order_id: o.order_id,
    customer_id: o.customer_id,
    service_type_code: o.service_type_code,
    service_type_name: serviceTypeByCode.get(o.service_type_code)?.name[lang],
    source_type: o.source_type,
    status: o.status,
    order_type: o.order_type,
    amount_after_discount: o.amount_after_discount,
    official_amount: o.official_amount,
    measure_id: o.measure_id,
    create_time: o.create_time,
    currency: o.currency,
    amount_info: {
      // discount_type as a string code (607 = partner-authorised discount); type of this nested field unconfirmed.
      discounts: o.discount_amount > 0 ? [{ discount_type: "607", discount_amount: o.discount_amount }] : [],
      flexipurchase_coupon_amount: 0,
      coupon_amount: 0,
      stored_card_amount: 0,
      commission_amount: 0,
      consumed_amount: 0,
    },
  };
  if (o.payment_time) out["payment_time"] = o.payment_time;
  return out;
}

/** Pays an order: status 5, payment time, and the main + attached resources' expiry extended by the period. */
function payOrder(ctx: OpContext, o: Order, discountRate: number): void {
  const { state, now } = ctx;
  o.status = 5;
  o.payment_time = formatUtc(now);
  o.discount_amount = money2(o.official_amount * discountRate);
  o.amount_after_discount = money2(o.official_amount - o.discount_amount);
  const months = o.periodType === 2 ? o.periodNum : o.periodNum * 12;
  const ids = new Set(o.resourceIds);
  for (const r of state.mutableResources(o.customer_id)) {
    if (!ids.has(r.resource_id)) continue;
    // A renewal made in grace or retention counts from the original expiry time.
    const expire = addMonthsChina(parseUtc(r.expire_time), months);
    r.expire_time = formatUtc(expire);
    if (expire > now) r.status = 2;
    r.update_time = formatUtc(now);
  }
  ctx.effect?.("ordersPaid");
}

// ---------------------------------------------------------------------------------------------
// Handlers

const ListSubCustomers: Handler<"ListSubCustomers"> = (ctx, p) => {
  if (p.indirect_partner_id !== undefined) {
    // The sandbox partner has no tier-2 resellers.
    throw new SandboxError(400, "CBC.99000037", `no permission on indirect partner ${p.indirect_partner_id}`);
  }
  for (const [field, value] of [["account_name", p.account_name], ["customer", p.customer]] as const) {
    if (value !== undefined && /\s/.test(value)) throw paramError(`${field} must not contain spaces`);
  }
  const begin = p.associated_on_begin ? parseUtc(p.associated_on_begin) : undefined;
  const end = p.associated_on_end ? parseUtc(p.associated_on_end) : undefined;
  // Fuzzy filters are plain substring matches; case-sensitive (documented for label, unconfirmed for
  // the names, so the stricter reading is used).
  const matches = ctx.state.customers.filter(({ info }) => {
    if (p.customer_id !== undefined && info.customer_id !== p.customer_id) return false;
    if (p.association_type !== undefined && info.association_type !== p.association_type) return false;
    if (p.account_name && !info.account_name.includes(p.account_name)) return false;
    if (p.customer && !(info.customer ?? "").includes(p.customer)) return false;
    if (p.label && !(info.label ?? "").includes(p.label)) return false;
    const at = parseUtc(info.associated_on);
    if (begin !== undefined && at < begin) return false;
    if (end !== undefined && at > end) return false;
    return true;
  });
  return { count: matches.length, customer_infos: page(matches, p.offset, p.limit).map((c) => structuredClone(c.info)) };
};

const ListPayPerUseCustomerResources: Handler<"ListPayPerUseCustomerResources"> = (ctx, p) => {
  const customerId = targetCustomer(ctx, p.customer_id);
  const all = ctx.state.resources(customerId);
  const onlyMain = p.only_main_resource === 1;
  const ids = p.resource_ids && p.resource_ids.length > 0 ? new Set(p.resource_ids) : undefined;
  let orderIds: Set<string> | undefined;
  if (p.order_id !== undefined && p.order_id !== "") {
    const o = ctx.state.order(p.order_id);
    orderIds = new Set(o && o.customer_id === customerId ? o.resourceIds : []);
  }
  const begin = p.expire_time_begin ? parseUtc(p.expire_time_begin) : undefined;
  const end = p.expire_time_end ? parseUtc(p.expire_time_end) : undefined;
  const statuses = p.status_list && p.status_list.length > 0 ? new Set<number>(p.status_list) : undefined;
  const selected = all.filter((r) => {
    if (ids) {
      // A listed id is returned as is (only_main_resource is ignored for sub-resource ids);
      // with only_main_resource=0 the attached resources of listed main resources come along.
      const listed = ids.has(r.resource_id);
      const viaParent = !onlyMain && r.parent_resource_id !== undefined && ids.has(r.parent_resource_id);
      if (!listed && !viaParent) return false;
    } else if (onlyMain && r.is_main_resource !== 1) {
      return false;
    }
    if (orderIds && !orderIds.has(r.resource_id)) return false;
    if (statuses && !statuses.has(r.status)) return false;
    const exp = parseUtc(r.expire_time);
    if (begin !== undefined && exp < begin) return false;
    if (end !== undefined && exp > end) return false;
    if (p.service_type_code !== undefined && r.service_type_code !== p.service_type_code) return false;
    return true;
  });
  return { total_count: selected.length, data: page(selected, p.offset, p.limit).map((r) => renderResource(r, ctx.lang)) };
};

const ListRenewRateOnPeriod: Handler<"ListRenewRateOnPeriod"> = (ctx, p) => {
  const customerId = customerOf(ctx);
  const list = ctx.state.resources(customerId);
  const seen = new Set<string>();
  const results: { resource_id: string; amount: string }[] = [];
  const fails: { error_code: string; error_msg: string; resource_id: string }[] = [];
  let total = 0;
  for (const id of p.resource_ids) {
    const fail = (code: string, msg: string) => fails.push({ error_code: code, error_msg: msg, resource_id: id });
    if (seen.has(id)) {
      fail("CBC.30050012", "duplicate resource id");
      continue;
    }
    seen.add(id);
    const r = list.find((x) => x.resource_id === id);
    if (!r) fail("CBC.30050009", "resource not found or already deleted");
    else if (r.is_main_resource !== 1) fail("CBC.30050007", "not a main resource");
    else if (ctx.state.pendingOrderFor(customerId, id)) fail("CBC.30050010", "resource is in an order waiting for payment");
    else if (!kinds[r.kind].periods.includes(p.period_type)) fail("CBC.30050008", "no such period type/number for this product");
    else {
      // Attached resources are priced with their main only when include_relative_resources is true
      // (the reference says main and attached are priced together; the flag's default is false).
      let amount = resourcePrice(r, p.period_type, p.period_num);
      if (p.include_relative_resources) for (const a of attachedOf(list, r)) amount += resourcePrice(a, p.period_type, p.period_num);
      total += amount;
      results.push({ resource_id: id, amount: moneyString(amount) });
    }
  }
  const out: Record<string, unknown> = { currency: ctx.state.currency, renew_inquiry_results: results };
  if (results.length > 0) {
    out["official_website_rating_result"] = { official_website_amount: moneyString(total) };
    const d = ctx.state.partnerDiscount(customerId);
    out["optional_discount_rating_results"] = d
      ? [
          {
            discount_id: d.id,
            amount: moneyString(total - money2(total * d.rate)),
            official_website_amount: moneyString(total),
            discount_amount: moneyString(money2(total * d.rate)),
            discount_type: 607,
            discount_name: ctx.lang === "en_US" ? "Partner-granted discount" : "合作伙伴授予折扣",
            best_offer: 1,
          },
        ]
      : [];
  }
  if (fails.length > 0) out["fail_resource_infos"] = fails;
  return out;
};

const RenewalResources: Handler<"RenewalResources"> = (ctx, p) => {
  const customerId = customerOf(ctx);
  const { state, now } = ctx;
  state.expireOrders(now);
  if (new Set(p.resource_ids).size !== p.resource_ids.length) throw paramError("resource_ids contains a duplicate id");
  const list = state.resources(customerId);
  const fails: { error_code: string; error_msg: string; resource_id: string }[] = [];
  const ok: Resource[] = [];
  for (const id of p.resource_ids) {
    const r = list.find((x) => x.resource_id === id);
    if (!r) fails.push({ error_code: "CBC.99003016", error_msg: "resource not found or already deleted", resource_id: id });
    else if (r.is_main_resource !== 1) fails.push({ error_code: "CBC.30010036", error_msg: "not a main resource; renew its main resource", resource_id: id });
    else if (state.pendingOrderFor(customerId, id)) fails.push({ error_code: "CBC.99003100", error_msg: "resource is in an order waiting for payment", resource_id: id });
    else ok.push(r);
  }
  const badPeriod = ok.find((r) => !kinds[r.kind].periods.includes(p.period_type));
  if (badPeriod) {
    // Listed with HTTP 400 on the customer page (200 on the partner page): the whole request fails.
    throw new SandboxError(400, "CBC.30010069", `renewal period does not exist for resource ${badPeriod.resource_id} (period_type ${p.period_type})`);
  }
  const orderIds: string[] = [];
  for (const main of ok) {
    const group = [main, ...attachedOf(list, main)];
    const official = money2(group.reduce((sum, r) => sum + resourcePrice(r, p.period_type, p.period_num), 0));
    const discount = state.partnerDiscount(customerId);
    const orderId = state.newOrderId(now);
    const discounts = state.orderDiscounts(customerId, orderId);
    const order: Order = {
      order_id: orderId,
      customer_id: customerId,
      service_type_code: main.service_type_code,
      source_type: 1,
      status: 6,
      order_type: 2,
      official_amount: official,
      amount_after_discount: official,
      discount_amount: 0,
      measure_id: 1,
      currency: state.currency,
      create_time: formatUtc(now),
      createdAt: now,
      mainResourceId: main.resource_id,
      resourceIds: group.map((r) => r.resource_id),
      periodType: p.period_type,
      periodNum: p.period_num,
      ...(discount ? { discount } : {}),
      discounts,
    };
    state.addOrder(order);
    ctx.effect?.("ordersCreated");
    // Auto-pay applies the available discount automatically: the 609 price adjustment when there is one, else the best.
    if (p.is_auto_pay === 1) {
      const auto = autoDiscount(discounts);
      if (auto) order.paidDiscountId = auto.id;
      payOrder(ctx, order, auto?.rate ?? 0);
    }
    orderIds.push(order.order_id);
  }
  const out: Record<string, unknown> = { order_ids: orderIds };
  if (fails.length > 0) out["fail_resource_infos"] = fails;
  return out;
};

function resourceGroup(ctx: OpContext, resourceId: string): Resource[] {
  const customerId = customerOf(ctx);
  const list = ctx.state.mutableResources(customerId);
  const r = list.find((x) => x.resource_id === resourceId);
  if (!r) throw new SandboxError(400, "CBC.99003012", `resource ${resourceId} not found`);
  const main = r.is_main_resource === 1 ? r : list.find((x) => x.resource_id === r.parent_resource_id) ?? r;
  return [main, ...attachedOf(list, main)];
}

const AutoRenewalResources: Handler<"AutoRenewalResources"> = (ctx, p, path) => {
  const group = resourceGroup(ctx, path["resource_id"]!);
  const main = group[0]!;
  if (main.status === 4 || main.status === 5) {
    throw new SandboxError(400, "CBC.99003602", "resource is expired or frozen; auto-renew cannot be set");
  }
  const { state } = ctx;
  for (const r of group) {
    if (r.expire_policy !== 3) {
      state.policyBeforeAutoRenew.set(r.resource_id, r.expire_policy);
      r.expire_policy = 3;
      r.update_time = formatUtc(ctx.now);
    }
  }
  // First enable with no value → unlimited (0); re-setting without a value keeps the current count.
  const times = p.auto_renew_times ?? state.autoRenewTimes.get(main.resource_id) ?? 0;
  state.autoRenewTimes.set(main.resource_id, times);
  ctx.effect?.("autoRenewChanges");
  return undefined;
};

const CancelAutoRenewalResources: Handler<"CancelAutoRenewalResources"> = (ctx, _p, path) => {
  const group = resourceGroup(ctx, path["resource_id"]!);
  const main = group[0]!;
  if (main.expire_policy !== 3) throw new SandboxError(400, "CBC.99003605", "auto-renew is not set (already cancelled)");
  const { state } = ctx;
  for (const r of group) {
    if (r.expire_policy === 3) {
      r.expire_policy = state.policyBeforeAutoRenew.get(r.resource_id) ?? 0;
      state.policyBeforeAutoRenew.delete(r.resource_id);
      r.update_time = formatUtc(ctx.now);
    }
  }
  state.autoRenewTimes.delete(main.resource_id);
  ctx.effect?.("autoRenewChanges");
  return undefined;
};

const PayOrders: Handler<"PayOrders"> = (ctx, p) => {
  const customerId = customerOf(ctx);
  const { state, now } = ctx;
  state.expireOrders(now);
  const o = state.order(p.order_id);
  if (!o || o.customer_id !== customerId) throw new SandboxError(400, "CBC.30000010", `invalid order ${p.order_id}`);
  if (o.status !== 6) {
    if (o.cancelReason === "deadline") throw new SandboxError(400, "CBC.99003110", "the payment deadline has passed; submit the order again");
    throw new SandboxError(400, "CBC.99003106", "the order status has changed and it cannot be paid");
  }
  if (p.use_coupon === "YES") {
    // Sandbox customers hold no coupons; no specific code is documented for an unknown coupon id
    // (unconfirmed), so this is a parameter error.
    throw paramError(`coupon ${p.coupon_infos?.[0]?.id ?? ""} is not available to this order`);
  }
  // Discounts are the order's own (ListOrderDiscounts): an id from elsewhere (the renewal inquiry, another
  // order) or a wrong type is refused; a 609 price adjustment on the order must be the one used.
  const offers = o.discounts ?? [];
  const mandatory = offers.find((d) => d.type === 609);
  let rate = 0;
  if (p.use_discount === "YES") {
    const d = p.discount_infos![0]!;
    const offer = offers.find((x) => x.id === d.id);
    if (!offer || offer.type !== d.type) throw new SandboxError(400, "CBC.99003108", "the selected discount does not apply to this order");
    if (mandatory && offer !== mandatory) throw new SandboxError(400, "CBC.99003108", "the order carries a 609 price adjustment, which must be used and cannot be replaced");
    rate = offer.rate;
    o.paidDiscountId = offer.id;
  } else if (mandatory) {
    // No dedicated code is documented for leaving the mandatory 609 out (unconfirmed): CBC.99003108.
    throw new SandboxError(400, "CBC.99003108", "the order carries a 609 price adjustment, which must be used");
  }
  payOrder(ctx, o, rate);
  return undefined;
};

/** What auto-pay (is_auto_pay 1) applies: the 609 price adjustment when present, else the largest discount. */
function autoDiscount(offers: readonly OrderDiscountOffer[]): OrderDiscountOffer | undefined {
  return offers.find((d) => d.type === 609) ?? [...offers].sort((a, b) => b.rate - a.rate)[0];
}

const ListOrderDiscounts: Handler<"ListOrderDiscounts"> = (ctx, p) => {
  const customerId = customerOf(ctx);
  ctx.state.expireOrders(ctx.now);
  const o = ctx.state.order(p.order_id);
  if (!o || o.customer_id !== customerId) throw new SandboxError(400, "CBC.30000010", `invalid order ${p.order_id}`);
  // Only a pending order has discounts to choose from (unconfirmed: the reference lists no code for other states).
  if (o.status !== 6) return { discounts: [] };
  return {
    discounts: (o.discounts ?? []).map((d) => {
      const amount = money2(o.official_amount * d.rate);
      return {
        discount_id: d.id,
        discount_value: d.type === 609 ? moneyString(amount) : String(1 - d.rate),
        discount_type: d.type,
        orders: [
          {
            order_id: o.order_id,
            order_line_items: [
              {
                order_line_item_ids: [`${o.order_id}-1`],
                discount_mode: d.type === 609 ? 2 : 0,
                discount_amount: amount,
                discount_ratio: Math.round((1 - d.rate) * 10_000) / 10_000,
              },
            ],
          },
        ],
      };
    }),
  };
};

const ListCustomerOrders: Handler<"ListCustomerOrders"> = (ctx, p) => {
  const { state, now } = ctx;
  state.expireOrders(now);
  if (p.indirect_partner_id !== undefined) {
    throw new SandboxError(400, "CBC.99000037", `no permission on indirect partner ${p.indirect_partner_id}`);
  }
  const window = (b: string | undefined, e: string | undefined, name: string): [number | undefined, number | undefined] => {
    const bt = b ? parseUtc(b) : undefined;
    const et = e ? parseUtc(e) : undefined;
    if (bt !== undefined && et !== undefined && et - bt > 366 * DAY_MS) throw paramError(`${name}_begin and ${name}_end must be at most one year apart`);
    return [bt, et];
  };
  const [cb, ce] = window(p.create_time_begin, p.create_time_end, "create_time");
  const [pb, pe] = window(p.payment_time_begin, p.payment_time_end, "payment_time");
  const own = ctx.caller.kind === "customer" ? ctx.caller.customerId : undefined;
  const wanted = p.order_id?.toUpperCase();
  let list = state.orders.filter((o) => {
    if (own !== undefined && o.customer_id !== own) return false;
    if (own === undefined && p.customer_id !== undefined && o.customer_id !== p.customer_id) return false;
    if (wanted && o.order_id !== wanted) return false;
    if (p.status !== undefined && o.status !== p.status) return false;
    if (p.order_type !== undefined && String(o.order_type) !== p.order_type) return false;
    if (p.service_type_code && o.service_type_code !== p.service_type_code) return false;
    if (cb !== undefined && o.createdAt < cb) return false;
    if (ce !== undefined && o.createdAt > ce) return false;
    if (pb !== undefined || pe !== undefined) {
      if (!o.payment_time) return false;
      const pt = parseUtc(o.payment_time);
      if (pb !== undefined && pt < pb) return false;
      if (pe !== undefined && pt > pe) return false;
    }
    return true;
  });
  // method=sub_customer lists orders paid for enterprise sub-accounts; the sandbox has none.
  if (p.method === "sub_customer") list = [];
  // Default order: newest first (undocumented default; unconfirmed). Ties keep creation order.
  const indexed = list.map((o, i) => [o, i] as const);
  const dir = p.order_by === "createTime" ? 1 : -1;
  indexed.sort((a, b) => (a[0].createdAt - b[0].createdAt) * dir || a[1] - b[1]);
  const sorted = indexed.map(([o]) => o);
  return { total_count: sorted.length, order_infos: page(sorted, p.offset, p.limit).map((o) => renderOrder(o, ctx.lang)) };
};

// ---------------------------------------------------------------------------------------------
// Real-name

const ALLOWED_EXTENSIONS = ["jpg", "jpeg", "bmp", "png", "gif", "pdf"];
const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

async function checkAttachments(ctx: OpContext, files: readonly string[], expected: number, what: string): Promise<void> {
  if (files.length !== expected) {
    // The documented file order implies the count; a mismatch is a parameter error.
    throw paramError(`verified_file_url must list exactly ${expected} file(s) for ${what}, got ${files.length}`);
  }
  for (const f of files) {
    // Extensions are matched case-sensitively in lower case (names are case-sensitive; the list is lower case).
    const ext = /\.([^./]+)$/.exec(f)?.[1];
    if (!ext || !ALLOWED_EXTENSIONS.includes(ext)) {
      throw new SandboxError(400, "CBC.99000100", `attachment ${f} has an unsupported format (jpg, jpeg, bmp, png, gif, pdf)`);
    }
  }
  if (!ctx.attachmentExists) return;
  for (const f of files) {
    const found = await ctx.attachmentExists(f);
    if (!found) {
      // No dedicated code is documented for a missing object; reported as a parameter error (unconfirmed).
      throw paramError(`attachment ${f} was not found under the bucket's download/ folder`);
    }
    if (found.size > MAX_ATTACHMENT_BYTES) throw new SandboxError(400, "CBC.99000099", `attachment ${f} is larger than 10 MB`);
  }
}

function finalizeReview(ctx: OpContext, app: RealnameApplication, result: "approved" | "rejected", opinion?: string): void {
  const c = ctx.state.customer(app.customer_id);
  app.state = result;
  ctx.state.reviewScripts.delete(app.customer_id);
  if (!c) return;
  if (result === "approved") {
    c.info.verified_status = "2";
    c.info.customer_type = app.kind === "individual" ? 0 : 1;
    const name = app.kind === "individual" ? app.request["name"] : app.request["corp_name"];
    if (typeof name === "string") c.info.customer = name;
    if (app.kind !== "individual") {
      // reg_country/reg_address: omitted = not assigned (kept as it was), a value = set, "" (change call only) = set to empty.
      const reg = { ...ctx.state.registration.get(app.customer_id) };
      for (const k of ["reg_country", "reg_address"] as const) {
        const v = app.request[k];
        if (typeof v === "string") reg[k] = v;
      }
      ctx.state.registration.set(app.customer_id, reg);
    }
  } else {
    app.opinion = opinion ?? "证件照片不清晰，请重新上传。";
    // A rejected change leaves the customer's existing individual verification in place.
    c.info.verified_status = app.kind === "change" ? (app.previous.verified_status as "2") : "1";
    c.info.customer_type = app.previous.customer_type as -1 | 0 | 1;
  }
}

async function submitRealname(ctx: OpContext, kind: RealnameKind, p: Record<string, unknown> & { customer_id: string; xaccount_type: string; verified_file_url: string[] }): Promise<unknown> {
  const { state } = ctx;
  const c = state.customer(p.customer_id);
  if (!c) throw notSubCustomer(p.customer_id);
  if (p.xaccount_type !== state.options.xaccountType) {
    // No specific code documented for a wrong platform id; CBC.0101 "parameter invalid" (unconfirmed).
    throw new SandboxError(400, "CBC.0101", "xaccount_type does not match the partner's platform id");
  }
  if (!state.realnameBucketConfigured) {
    throw new SandboxError(400, "CBC.99005030", "real-name attachment upload is not enabled or the bucket authorisation failed");
  }
  const status = c.info.verified_status;
  if (status === "0" || (kind !== "change" && status === "2")) {
    throw new SandboxError(400, "CBC.99007188", "the customer is already verified or under review");
  }
  if (kind === "change" && !(status === "2" && c.info.customer_type === 0)) {
    // Only a verified individual can change to enterprise; CBC.99007004 "business precondition failed".
    throw new SandboxError(400, "CBC.99007004", "only a verified individual customer can change to enterprise verification");
  }
  if (kind === "individual") {
    const bank = p["identify_type"] === 4;
    // A passport takes 2 files on the international site (data page, holding photo), 3 in China.
    const passportIntl = state.options.site === "intl" && p["verified_type"] === 3;
    await checkAttachments(ctx, p.verified_file_url, bank ? 1 : passportIntl ? 2 : 3, bank ? "bank-card verification" : "certificate verification");
  } else {
    const person = p["enterprise_person"] !== undefined;
    await checkAttachments(ctx, p.verified_file_url, person ? 3 : 1, person ? "a certificate plus the legal person's ID card" : "a company certificate");
  }
  const script: ReviewScript = state.reviewScripts.get(c.info.customer_id) ?? DEFAULT_REVIEW;
  const app: RealnameApplication = {
    customer_id: c.info.customer_id,
    kind,
    submittedAt: ctx.now,
    polls: 0,
    state: "pending",
    script,
    request: structuredClone(p),
    previous: { verified_status: c.info.verified_status, customer_type: c.info.customer_type },
  };
  state.realname.set(c.info.customer_id, app);
  c.info.verified_status = "0";
  ctx.effect?.("realnameSubmissions");
  if ((script.afterPolls ?? 2) <= 0 && script.result !== "pending") finalizeReview(ctx, app, script.result, script.opinion);
  return { is_review: 1 };
}

const CreateEnterpriseRealnameAuthentication: Handler<"CreateEnterpriseRealnameAuthentication"> = (ctx, p) => submitRealname(ctx, "enterprise", p);
const ChangeEnterpriseRealnameAuthentication: Handler<"ChangeEnterpriseRealnameAuthentication"> = (ctx, p) => submitRealname(ctx, "change", p);
const CreatePersonalRealnameAuth: Handler<"CreatePersonalRealnameAuth"> = (ctx, p) => submitRealname(ctx, "individual", p);

const ShowRealnameAuthenticationReviewResult: Handler<"ShowRealnameAuthenticationReviewResult"> = (ctx, p) => {
  const c = ctx.state.customer(p.customer_id);
  if (!c) throw notSubCustomer(p.customer_id);
  const app = ctx.state.realname.get(p.customer_id);
  if (!app) return {}; // nothing submitted through the API: 200 without review_result
  if (app.state === "pending") {
    app.polls++;
    const s = app.script;
    if (s.result !== "pending" && app.polls > (s.afterPolls ?? 2)) finalizeReview(ctx, app, s.result, s.opinion);
  }
  if (app.state === "pending") return { review_result: 0 };
  if (app.state === "rejected") return { review_result: 1, opinion: app.opinion };
  return { review_result: 2 };
};

/** Scripts the review outcome of a customer's pending (or next) application. */
export function setReviewOutcome(ctx: OpContext, customerId: string, outcome: ReviewScript): void {
  ctx.state.reviewScripts.set(customerId, outcome);
  const app = ctx.state.realname.get(customerId);
  if (app && app.state === "pending") {
    app.script = outcome;
    if (outcome.result !== "pending" && app.polls >= (outcome.afterPolls ?? 2)) finalizeReview(ctx, app, outcome.result, outcome.opinion);
  }
}

/** A review of an application made before (in the console, or an old rejection): not sent through this API. */
export interface EarlierReview {
  result: "approved" | "rejected" | "pending";
  opinion?: string;
  kind?: RealnameKind;
}

/**
 * Puts an earlier application's review on record for a customer (issue 12.5): the review-result API
 * answers with the latest review whatever application it belongs to, so a client must not take it
 * as the answer to its own submission. The customer's verified status follows the review (pending →
 * "0" under review, approved → "2", rejected → "1").
 */
export function seedEarlierReview(ctx: OpContext, customerId: string, review: EarlierReview): void {
  const c = ctx.state.customer(customerId);
  if (!c) throw new RangeError(`no sandbox customer ${customerId}`);
  const kind = review.kind ?? "individual";
  const app: RealnameApplication = {
    customer_id: customerId,
    kind,
    submittedAt: ctx.now,
    polls: 0,
    state: review.result,
    ...(review.result === "rejected" ? { opinion: review.opinion ?? "证件照片不清晰，请重新上传。" } : {}),
    script: { result: "pending" }, // an earlier application under review stays so until scripted otherwise
    request: { origin: "console" },
    previous: { verified_status: c.info.verified_status, customer_type: c.info.customer_type },
  };
  ctx.state.realname.set(customerId, app);
  c.info.verified_status = review.result === "pending" ? "0" : review.result === "approved" ? "2" : "1";
  if (review.result === "approved") c.info.customer_type = kind === "individual" ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// Product catalogue

const ListServiceTypes: Handler<"ListServiceTypes"> = (ctx, p) => {
  const list = serviceTypes.filter((s) => !p.service_type_name || s.name[ctx.lang].includes(p.service_type_name));
  return {
    total_count: list.length,
    service_types: page(list, p.offset, p.limit).map((s) => ({ service_type_name: s.name[ctx.lang], service_type_code: s.code, abbreviation: s.abbreviation })),
  };
};

const ListResourceTypes: Handler<"ListResourceTypes"> = (ctx, p) => ({
  total_count: resourceTypes.length,
  resource_types: page(resourceTypes, p.offset, p.limit).map((r) => ({
    resource_type_code: r.code,
    resource_type_name: r.name[ctx.lang],
    resource_type_desc: r.desc[ctx.lang],
    service_type_code: r.serviceType,
  })),
});

const ListIncentiveDiscountPolicies: Handler<"ListIncentiveDiscountPolicies"> = (ctx, p) => {
  // service_type_code: not sent → no filter; "" → filter on the empty code (matches nothing).
  const list = incentivePolicies.filter((x) => p.service_type_code === undefined || x.serviceType === p.service_type_code);
  return {
    total_count: list.length,
    policies: page(list, p.offset, p.limit).map((x) => ({
      service_type_code: x.serviceType,
      service_type_name: serviceTypeByCode.get(x.serviceType)?.name[ctx.lang],
      incentive_policy: x.incentivePolicy,
      allow_discount: x.allowDiscount,
    })),
  };
};

export const handlers: { [N in OperationName]?: Handler<N> } = {
  ListSubCustomers,
  ListPayPerUseCustomerResources,
  ListRenewRateOnPeriod,
  RenewalResources,
  AutoRenewalResources,
  CancelAutoRenewalResources,
  PayOrders,
  ListOrderDiscounts,
  ListCustomerOrders,
  CreateEnterpriseRealnameAuthentication,
  ChangeEnterpriseRealnameAuthentication,
  CreatePersonalRealnameAuth,
  ShowRealnameAuthenticationReviewResult,
  ListServiceTypes,
  ListResourceTypes,
  ListIncentiveDiscountPolicies,
};

/** Runs an operation on already-validated parameters. */
export async function runOperation(name: OperationName, ctx: OpContext, params: unknown, pathParams: Record<string, string> = {}): Promise<unknown> {
  const h = handlers[name] as Handler<OperationName> | undefined;
  if (!h) throw new SandboxError(404, "APIG.0101", "The API does not exist.");
  return await h(ctx, params as Params<OperationName>, pathParams);
}
