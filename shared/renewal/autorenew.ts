/**
 * Optional auto-renew of due reminders (issue 4) — the pure part: configuration, the queue message,
 * ledger keys, and the decisions (mode, allow-list, price, discount, safety cap). I/O-free.
 *
 *   renewal-scan ──renewal.autorenew──▶ RenewalAutoRenewQueue ──▶ renewal-autorenew
 *
 * Modes: `off` (default: nothing is enqueued), `dry-run` (price only; "would renew X for ¥Y"),
 * `on` (renew + pay). The modes are ordered off < dry-run < on; a message is processed in the mode it
 * was enqueued with, unless the function is now configured lower (then it is dropped and its claim
 * released, so the next scan enqueues it again in the current mode).
 *
 * Coupons are never used (PayOrders `use_coupon: "NO"`, `coupon_infos` omitted as the contract requires):
 * the reference's payment rules (bss-api §6.3) make coupons and discounts mutually exclusive in ways only
 * the coupon's `use_limits` tell (simultaneousUseWith*Discount = 0, minConsumeDiscount → CBC.99003117,
 * voucher + discount coupon → CBC.99003147), and the client has no ListOrderCouponsByOrderId to read them.
 *
 * Discounts (issue 12.3): the discount paid with comes from ListOrderDiscounts for the order just created
 * (ids are per order; the renewal price inquiry's discount ids are not PayOrders ids). One discount at most
 * (`discount_infos` maxItems 1), sent with the type ListOrderDiscounts gives it (no mapping between the
 * inquiry's 605/606/607 and the pay types). A 609 order price adjustment on the order is always used,
 * whatever the rule (the contract: it must be used and cannot be replaced). Otherwise the configured rule
 * picks: `best-offer` the largest saving on this order, `partner` the partner-granted discount (type 3)
 * only, `none` no discount. The renewal inquiry is only the price estimate for the cap and the dry run.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { defineMessage } from "../queue/envelope.ts";
import { type PayDiscountType, utcTime } from "../bss/schemas.ts";
import type { DueReminder } from "./decision.ts";

// ---------------------------------------------------------------------------------------------
// Configuration

export const AUTORENEW_MODES = ["off", "dry-run", "on"] as const;
export const DISCOUNT_RULES = ["best-offer", "partner", "none"] as const;
export type DiscountRule = (typeof DISCOUNT_RULES)[number];
export type AutoRenewMode = (typeof AUTORENEW_MODES)[number];
const modeRank: Record<AutoRenewMode, number> = { off: 0, "dry-run": 1, on: 2 };

export interface AllowList {
  customers: ReadonlySet<string>;
  resources: ReadonlySet<string>;
}

const id = z.string().trim().min(1).max(64).regex(/^[^\s,#]+$/, "must not contain spaces, ',' or '#'");
const allowJson = z.strictObject({ customers: z.array(id).max(10_000).default([]), resources: z.array(id).max(10_000).default([]) });

/**
 * `{"customers": [...], "resources": [...]}` (JSON), or a comma list of `customer:<id>` / `resource:<id>`
 * (main resource ids). Empty = nothing is allowed.
 */
export function parseAllowList(text: string): AllowList {
  const t = text.trim();
  if (t === "") return { customers: new Set(), resources: new Set() };
  if (t.startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(t);
    } catch {
      throw new AutoRenewConfigError("RENEWAL_AUTORENEW_ALLOW is not valid JSON");
    }
    const r = allowJson.safeParse(json);
    if (!r.success) throw new AutoRenewConfigError(`RENEWAL_AUTORENEW_ALLOW: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
    return { customers: new Set(r.data.customers), resources: new Set(r.data.resources) };
  }
  const customers = new Set<string>();
  const resources = new Set<string>();
  for (const [i, raw] of t.split(",").entries()) {
    const token = raw.trim();
    if (token === "") continue;
    const m = /^(customer|resource):(.*)$/.exec(token);
    const v = m ? id.safeParse(m[2]) : undefined;
    if (!m || !v?.success) throw new AutoRenewConfigError(`RENEWAL_AUTORENEW_ALLOW item ${i + 1}: expected customer:<id> or resource:<main resource id>`);
    (m[1] === "customer" ? customers : resources).add(v.data);
  }
  return { customers, resources };
}

export class AutoRenewConfigError extends Error {
  override name = "AutoRenewConfigError";
}

export const autoRenewEnvSchema = z
  .object({
    /** off (default) | dry-run | on. */
    RENEWAL_AUTORENEW_MODE: z.enum(AUTORENEW_MODES).default("off"),
    /** Allow-list (see parseAllowList). */
    RENEWAL_AUTORENEW_ALLOW: z.string().max(200_000).default(""),
    /** 2 = month, 3 = year. */
    RENEWAL_AUTORENEW_PERIOD_TYPE: z.enum(["2", "3"]).default("2").transform((v) => Number(v) as 2 | 3),
    /** month 1-11, year 1-3. */
    RENEWAL_AUTORENEW_PERIOD_NUM: z.coerce.number().int().min(1).max(11).default(1),
    /** Safety cap per order, in the account's currency (yuan on the China site). Above it → skipped. */
    RENEWAL_AUTORENEW_MAX_AMOUNT: z.coerce.number().positive().max(10_000_000).default(1000),
    /** best-offer (default): the order's discount with the largest saving; partner: the partner-granted one only; none: no discount. A 609 price adjustment is always used. */
    RENEWAL_AUTORENEW_DISCOUNT: z.enum(DISCOUNT_RULES).default("best-offer"),
    /** Recipient of outcome reports for customers without an account manager ('' = log only). */
    RENEWAL_AUTORENEW_REPORT_EMAIL: z.union([z.literal(""), z.email()]).default(""),
  })
  .superRefine((v, ctx) => {
    const max = v.RENEWAL_AUTORENEW_PERIOD_TYPE === 2 ? 11 : 3;
    if (v.RENEWAL_AUTORENEW_PERIOD_NUM > max) {
      ctx.addIssue({ code: "custom", path: ["RENEWAL_AUTORENEW_PERIOD_NUM"], message: `must be 1-${max} for period type ${v.RENEWAL_AUTORENEW_PERIOD_TYPE}` });
    }
  });

export interface AutoRenewSettings {
  mode: AutoRenewMode;
  allow: AllowList;
  periodType: 2 | 3;
  periodNum: number;
  maxAmount: number;
  discount: DiscountRule;
  reportEmail: string;
}

/** Reads the RENEWAL_AUTORENEW_* variables (handlers call it once per cold start). */
export function parseAutoRenewSettings(env: NodeJS.ProcessEnv): AutoRenewSettings {
  const input: Record<string, string> = {};
  for (const k of ["RENEWAL_AUTORENEW_MODE", "RENEWAL_AUTORENEW_ALLOW", "RENEWAL_AUTORENEW_PERIOD_TYPE", "RENEWAL_AUTORENEW_PERIOD_NUM", "RENEWAL_AUTORENEW_MAX_AMOUNT", "RENEWAL_AUTORENEW_DISCOUNT", "RENEWAL_AUTORENEW_REPORT_EMAIL"]) {
    const v = env[k];
    if (v !== undefined && v !== "") input[k] = v;
  }
  const r = autoRenewEnvSchema.safeParse(input);
  if (!r.success) throw new AutoRenewConfigError(`invalid auto-renew configuration: ${r.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join("; ")}`);
  const d = r.data;
  return {
    mode: d.RENEWAL_AUTORENEW_MODE,
    allow: parseAllowList(d.RENEWAL_AUTORENEW_ALLOW),
    periodType: d.RENEWAL_AUTORENEW_PERIOD_TYPE,
    periodNum: d.RENEWAL_AUTORENEW_PERIOD_NUM,
    maxAmount: d.RENEWAL_AUTORENEW_MAX_AMOUNT,
    discount: d.RENEWAL_AUTORENEW_DISCOUNT,
    reportEmail: d.RENEWAL_AUTORENEW_REPORT_EMAIL,
  };
}

// ---------------------------------------------------------------------------------------------
// Which reminders get an auto-renew request

export function isAllowed(allow: AllowList, customerId: string, mainResourceId: string): boolean {
  return allow.customers.has(customerId) || allow.resources.has(mainResourceId);
}

export type NotEligible = "mode-off" | "not-allowed" | "no-master" | "auto-renew-on";

/**
 * Whether a due reminder may be auto-renewed: mode not off, allow-listed, a real main resource
 * (a synthetic group has no renewable master), and BSS auto-renew not already on.
 */
export function autoRenewEligibility(mode: AutoRenewMode, allow: AllowList, r: DueReminder): { eligible: true } | { eligible: false; reason: NotEligible } {
  if (mode === "off") return { eligible: false, reason: "mode-off" };
  if (!isAllowed(allow, r.customerId, r.mainResourceId)) return { eligible: false, reason: "not-allowed" };
  if (r.synthetic !== null || r.master === null) return { eligible: false, reason: "no-master" };
  if (r.master.expire_policy === 3) return { eligible: false, reason: "auto-renew-on" };
  return { eligible: true };
}

/** The mode a message is processed in, or undefined when the configuration is now lower (drop it). */
export function effectiveMode(messageMode: Exclude<AutoRenewMode, "off">, configured: AutoRenewMode): Exclude<AutoRenewMode, "off"> | undefined {
  return modeRank[configured] < modeRank[messageMode] ? undefined : messageMode;
}

// ---------------------------------------------------------------------------------------------
// Message and ledger keys

export const RenewalAutoRenew = defineMessage(
  "renewal.autorenew",
  1,
  z.strictObject({
    mode: z.enum(["dry-run", "on"]),
    runDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    customer: z.strictObject({
      customerId: z.string().min(1).max(64),
      accountName: z.string().max(64).optional(),
      /** Contact for the outcome report (the directory's account manager), never logged. */
      reportTo: z.email().optional(),
    }),
    mainResourceId: z.string().min(1).max(64),
    /** The expiry the reminder was decided on; a different current expiry means "renewed elsewhere". */
    expireTime: utcTime,
    window: z.string().min(1).max(16),
    region: z.string().max(64).optional(),
    resourceName: z.string().max(256).optional(),
    serviceTypeCode: z.string().max(64).optional(),
  }),
);
export type RenewalAutoRenewMessage = ReturnType<typeof RenewalAutoRenew.parse>;

const enc = (s: string) => s.replace(/%/g, "%25").replace(/#/g, "%23");

export const autoRenewKeys = {
  /** The state record of one (customer, main resource, expiry); `on` mode. */
  on: (customerId: string, resourceId: string, expireTime: string) => `autorenew#${enc(customerId)}#${enc(resourceId)}#${expireTime}`,
  /** Dry-run has its own records, so that switching to `on` later still renews. */
  dryRun: (customerId: string, resourceId: string, expireTime: string) => `autorenew-dry-run#${enc(customerId)}#${enc(resourceId)}#${expireTime}`,
  /** One outcome report per state record and final state. */
  report: (stateKey: string, state: string) => `autorenew-report#${stateKey}#${state}`,
} as const;

export function stateKeyOf(mode: "dry-run" | "on", m: { customer: { customerId: string }; mainResourceId: string; expireTime: string }): string {
  return (mode === "on" ? autoRenewKeys.on : autoRenewKeys.dryRun)(m.customer.customerId, m.mainResourceId, m.expireTime);
}

export function autoRenewEnvelopeId(stateKey: string): string {
  return `renewal-autorenew-${createHash("sha256").update(stateKey).digest("hex").slice(0, 40)}`;
}

// ---------------------------------------------------------------------------------------------
// Price, discount and cap

/** ListRenewRateOnPeriod answer fields the decision reads (amounts are strings in yuan). */
export interface RenewQuote {
  currency?: string | undefined;
  renew_inquiry_results?: { resource_id: string; amount: string }[] | undefined;
  official_website_rating_result?: { official_website_amount?: string | undefined } | undefined;
  optional_discount_rating_results?: { discount_id: string; amount: string; discount_type: number; best_offer?: 0 | 1 | undefined; discount_name?: string | undefined }[] | undefined;
}

export interface PriceChoice {
  /** Estimated cost (official price, or the inquiry's discounted amount under the rule). */
  amount: number;
  official: number;
  currency: string;
  /** The inquiry's discount the estimate assumes (informational: the paid discount comes from the order). */
  estimate?: { renewRateType: number; amount: number; name?: string | undefined } | undefined;
}

export type PriceDecision = ({ renew: true } & PriceChoice) | ({ renew: false; reason: "over-cap" | "no-price" } & Partial<PriceChoice>);

const num = (s: string | number | undefined): number | undefined => {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
};

/** Inquiry discount types the rule may count on for the estimate: 607 partner-set for `partner`, any for `best-offer`. */
const estimateTypes: Record<DiscountRule, ReadonlySet<number> | undefined> = { "best-offer": undefined, partner: new Set([606, 607]), none: new Set() };

/** Estimated price of the main resource (attached included) under the rule, and the cap check. Pure. */
export function choosePrice(quote: RenewQuote, mainResourceId: string, rule: DiscountRule, maxAmount: number): PriceDecision {
  const currency = quote.currency ?? "CNY";
  const line = quote.renew_inquiry_results?.find((r) => r.resource_id === mainResourceId);
  const official = num(line?.amount) ?? num(quote.official_website_rating_result?.official_website_amount);
  if (official === undefined || official < 0) return { renew: false, reason: "no-price", currency };
  const allowed = estimateTypes[rule];
  const best = (quote.optional_discount_rating_results ?? [])
    .filter((d) => allowed === undefined || allowed.has(d.discount_type))
    .map((d) => ({ d, amount: num(d.amount) }))
    .filter((x): x is { d: NonNullable<RenewQuote["optional_discount_rating_results"]>[number]; amount: number } => x.amount !== undefined && x.amount >= 0 && x.amount <= official)
    .sort((a, b) => a.amount - b.amount)[0];
  const estimate = best ? { renewRateType: best.d.discount_type, amount: best.amount, ...(best.d.discount_name ? { name: best.d.discount_name } : {}) } : undefined;
  const amount = estimate ? estimate.amount : official;
  const choice: PriceChoice = { amount, official, currency, ...(estimate ? { estimate } : {}) };
  if (amount > maxAmount) return { renew: false, reason: "over-cap", ...choice };
  return { renew: true, ...choice };
}

/** A ListOrderDiscounts entry as the decision reads it. */
export interface OrderDiscountLike {
  discount_id: string;
  discount_type: number;
  orders?: { order_id: string; order_line_items?: { discount_amount?: number | undefined }[] | undefined }[] | undefined;
}

/** The discount a payment uses: id and type exactly as ListOrderDiscounts gave them, and the saving on this order. */
export interface ChosenDiscount {
  id: string;
  type: PayDiscountType;
  saving: number;
}

/** ListOrderDiscounts / PayOrders discount types. */
export const DISCOUNT_TYPE_NAMES: Readonly<Record<PayDiscountType, string>> = {
  0: "promotional discount",
  1: "contract discount",
  2: "commercial discount",
  3: "partner-granted discount",
  609: "order price adjustment",
};

/**
 * Types sent to PayOrders: those both sites' pay enums take (0, 2, 3) plus the mandatory 609. Type 1
 * (contract discount) is in the intl pay enum only, so it is not chosen (valid on both sites); a type
 * not documented yet is never sent.
 */
export const PAYABLE_DISCOUNT_TYPES: ReadonlySet<number> = new Set([0, 2, 3, 609]);

function savingOn(d: OrderDiscountLike, orderId: string): number {
  const entries = d.orders?.filter((o) => o.order_id.toLowerCase() === orderId.toLowerCase()) ?? [];
  let sum = 0;
  for (const e of entries) for (const l of e.order_line_items ?? []) sum += num(l.discount_amount) ?? 0;
  return Math.round(sum * 100) / 100;
}

/**
 * Picks the discount to pay `orderId` with from its ListOrderDiscounts answer. Pure.
 * - a 609 order price adjustment listed for the order is always used (mandatory, irreplaceable);
 * - otherwise `none` → no discount; `partner` → the partner-granted discount (type 3) with the largest
 *   saving; `best-offer` → the discount with the largest saving of a payable type (ties: lowest id).
 * A discount that names other orders only is ignored; one that names none is taken as the order's (the
 * answer is for this order).
 */
export function chooseOrderDiscount(discounts: readonly OrderDiscountLike[], orderId: string, rule: DiscountRule): ChosenDiscount | undefined {
  const candidates = discounts
    .filter((d) => PAYABLE_DISCOUNT_TYPES.has(d.discount_type) && d.discount_id !== "")
    .filter((d) => !d.orders || d.orders.length === 0 || d.orders.some((o) => o.order_id.toLowerCase() === orderId.toLowerCase()))
    .map((d) => ({ id: d.discount_id, type: d.discount_type as PayDiscountType, saving: savingOn(d, orderId) }))
    .sort((a, b) => b.saving - a.saving || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const mandatory = candidates.find((d) => d.type === 609);
  if (mandatory) return mandatory;
  if (rule === "none") return undefined;
  return candidates.find((d) => rule === "best-offer" || d.type === 3);
}

/** PayOrders v3 body: never coupons (coupon_infos omitted); the chosen discount, or none (discount_infos omitted). */
export function payRequest(
  orderId: string,
  discount: Pick<ChosenDiscount, "id" | "type"> | undefined,
): { order_id: string; use_coupon: "NO"; use_discount: "YES" | "NO"; discount_infos?: { id: string; type: PayDiscountType }[] } {
  return discount
    ? { order_id: orderId, use_coupon: "NO", use_discount: "YES", discount_infos: [{ id: discount.id, type: discount.type }] }
    : { order_id: orderId, use_coupon: "NO", use_discount: "NO" };
}

// ---------------------------------------------------------------------------------------------
// Outcome report (rendered from the report templates: shared/notify/templates.ts renderAutoRenewReport)

export type FinalState = "dry-run" | "paid" | "skipped" | "failed";

export interface OutcomeReport {
  state: FinalState;
  customerId: string;
  mainResourceId: string;
  resourceName?: string | undefined;
  region?: string | undefined;
  expireTime: string;
  amount?: number | undefined;
  currency?: string | undefined;
  discountName?: string | undefined;
  wouldRenew?: boolean | undefined;
  reason?: string | undefined;
  code?: string | undefined;
  orderIds?: string[] | undefined;
  period: { type: 2 | 3; num: number };
}

