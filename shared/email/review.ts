/**
 * Cross-checks that decide whether an extracted notice can be published as clean (issue 13). A
 * notice that fails any of them keeps the fields found and becomes kind `needs-review` with the
 * reasons, so a wrong value is never published as clean. Pure.
 */
import { decimalToCents } from "./amounts.ts";
import type { EmailIntakeConfig } from "./config.ts";
import type { Extracted } from "./extract.ts";

export const REVIEW_REASONS = [
  "application-no-missing",
  "amount-missing",
  "currency-missing",
  "partner-name-missing",
  "billing-period-missing",
  "deadline-missing",
  "invoice-list-url-missing",
  "huawei-entity-missing",
  "mailing-address-missing",
  "application-no-format",
  "amount-sum-mismatch",
  "tax-rate-mismatch",
  "deadline-out-of-range",
  "billing-period-out-of-range",
  "invoice-list-url-mismatch",
  "undecodable-text",
] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];

const DAY = 86_400_000;
const requiredSets = new WeakMap<readonly string[], ReadonlySet<string>>();
const requiredOf = (list: readonly string[]): ReadonlySet<string> => {
  let set = requiredSets.get(list);
  if (!set) requiredSets.set(list, (set = new Set(list)));
  return set;
};
const patterns = new Map<string, RegExp>();
const patternOf = (source: string): RegExp => {
  let re = patterns.get(source);
  if (!re) patterns.set(source, (re = new RegExp(source, "u")));
  return re;
};
/** "YYYY-MM" (schema-checked by the extraction) → months since year 0. */
const monthIndex = (ym: string) => Number(ym.slice(0, 4)) * 12 + (Number(ym.slice(5, 7)) - 1);

/**
 * The reasons this extraction needs a person, in REVIEW_REASONS order; [] when it is consistent.
 * `sent` is the message's Date (null: unknown → only absolute ranges are checked).
 */
export function reviewReasons(e: Extracted, sent: Date | null, cfg: EmailIntakeConfig): ReviewReason[] {
  const out = new Set<ReviewReason>();
  const pattern = patternOf(cfg.review.applicationNoPattern);
  if (e.applicationNo === null) out.add("application-no-missing");
  else if (!pattern.test(e.applicationNo)) out.add("application-no-format");
  if (e.amount === null) out.add("amount-missing");
  // every field a Huawei notice always carries (config review.required): missing → a person checks
  const required = requiredOf(cfg.review.required);
  const missing: [keyof Extracted, ReviewReason][] = [
    ["currency", "currency-missing"],
    ["partnerName", "partner-name-missing"],
    ["billingPeriod", "billing-period-missing"],
    ["deadline", "deadline-missing"],
    ["invoiceListUrl", "invoice-list-url-missing"],
    ["huaweiEntity", "huawei-entity-missing"],
  ];
  for (const [field, reason] of missing) if (required.has(field) && e[field] === null) out.add(reason);
  // a paper invoice is posted: where to is part of the notice (or the person reads it on the list page)
  if (cfg.review.paperInvoiceNeedsAddress && e.invoiceType === "vat-special-paper" && (e.mailingAddress === null || e.mailingAddress.address === null)) {
    out.add("mailing-address-missing");
  }

  const amount = e.amount !== null ? decimalToCents(e.amount) : null;
  const excl = e.amountExclTax !== null ? decimalToCents(e.amountExclTax) : null;
  const tax = e.taxAmount !== null ? decimalToCents(e.taxAmount) : null;
  // amount = excl. tax + tax (±0.01); any two of them and the third missing is fine
  if (amount !== null && excl !== null && tax !== null && abs(excl + tax - amount) > 1n) out.add("amount-sum-mismatch");
  if (amount !== null && excl !== null && tax === null && excl > amount) out.add("amount-sum-mismatch");
  // the rate: tax = excl × rate, rounded (± one cent, or 0.1 % of the tax for per-line rounding)
  if (e.taxRate !== null) {
    const rate = Number(e.taxRate);
    const base = excl ?? (amount !== null && tax !== null ? amount - tax : null);
    if (!(rate >= 0 && rate < 1)) out.add("tax-rate-mismatch");
    else if (base !== null && tax !== null) {
      const want = Number(base) * rate;
      if (Math.abs(want - Number(tax)) > Math.max(1, Number(tax) * 0.001)) out.add("tax-rate-mismatch");
    } else if (base !== null && amount !== null && excl !== null) {
      const want = Number(base) * (1 + rate);
      if (Math.abs(want - Number(amount)) > Math.max(1, Number(amount) * 0.001)) out.add("tax-rate-mismatch");
    }
  }
  // dates: a real range around the message's date
  const ref = sent && !Number.isNaN(sent.getTime()) ? sent.getTime() : null;
  if (e.deadline !== null) {
    const d = Date.parse(`${e.deadline}T00:00:00Z`);
    const ok = ref === null ? d >= Date.UTC(2000, 0, 1) && d < Date.UTC(2100, 0, 1) : d >= ref - cfg.review.deadlineDaysBefore * DAY && d <= ref + cfg.review.deadlineDaysAfter * DAY;
    if (!ok) out.add("deadline-out-of-range");
  }
  if (e.billingPeriod !== null) {
    const from = monthIndex(e.billingPeriod.from);
    const to = monthIndex(e.billingPeriod.to);
    let ok = to - from <= 23;
    if (ref !== null) {
      const now = new Date(ref);
      const m = now.getUTCFullYear() * 12 + now.getUTCMonth();
      ok &&= to <= m + 1 && from >= m - cfg.review.periodMonthsBack;
    }
    if (!ok) out.add("billing-period-out-of-range");
  }
  // the invoicing-list link must carry this number (when it carries one at all)
  if (e.invoiceListUrl !== null && e.applicationNo !== null) {
    const tokens = urlTokens(e.invoiceListUrl).filter((t) => pattern.test(t));
    if (tokens.length > 0 && !tokens.includes(e.applicationNo)) out.add("invoice-list-url-mismatch");
  }
  // a character the charset could not decode (U+FFFD) in any value: the value may be wrong
  if (hasReplacementChar(e)) out.add("undecodable-text");
  return REVIEW_REASONS.filter((r) => out.has(r));
}

/** Some string value (at any depth) holds U+FFFD. */
function hasReplacementChar(v: unknown): boolean {
  if (typeof v === "string") return v.includes("\ufffd");
  if (v === null || typeof v !== "object") return false;
  for (const x of Object.values(v)) if (hasReplacementChar(x)) return true;
  return false;
}

const abs = (v: bigint) => (v < 0n ? -v : v);

/** The values of a URL's query (also after a "#…?" fragment) and its path segments. */
function urlTokens(url: string): string[] {
  const out: string[] = [];
  let s = url.slice(0, 2000);
  try {
    s = decodeURIComponent(s);
  } catch {
    /* as written */
  }
  for (const part of s.split(/[?&#/=]/)) if (part) out.push(part);
  return out;
}
