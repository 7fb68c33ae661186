/**
 * Cross-checks of an extracted notice (issue 13, shared/email/review.ts). Oracles: amounts built
 * from integer cents here (excl + tax, tax = round(excl × rate)), dates relative to a fixed message
 * date, URLs written here.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { centsToDecimal, resolveEmailConfig } from "../../../shared/email/index.ts";
import type { Extracted } from "../../../shared/email/extract.ts";
import { reviewReasons } from "../../../shared/email/review.ts";

const cfg = resolveEmailConfig({});
const sent = new Date("2025-07-01T02:00:00Z");
const clean: Extracted = {
  partnerName: "杭州样本云计算有限公司",
  applicationNo: "SF20250701000321",
  amount: "12720.00",
  amountExclTax: "12000.00",
  taxAmount: "720.00",
  currency: "CNY",
  taxRate: "0.06",
  invoiceType: "vat-special-paper",
  invoiceTypeLabel: "增值税专用发票（纸质）",
  billingPeriod: { from: "2025-04", to: "2025-06" },
  mailingAddress: { recipient: "赵样本", phone: "0851-00000000", address: "贵州省贵安新区示例路1号", postcode: "550000" },
  publicMailbox: null,
  invoiceListUrl: "https://account.huaweicloud.com/obmgr/#/obmgr/incentive/invoicingList?applyNo=SF20250701000321",
  huaweiEntity: { name: "华为云计算技术有限公司", taxId: "91520900000000008A" },
  deadline: "2025-08-01",
};

describe("reviewReasons", () => {
  it("a consistent notice needs no review", () => {
    expect(reviewReasons(clean, sent, cfg)).toEqual([]);
  });

  it("a paper invoice without a mailing address needs a person (it is posted); an electronic one does not", () => {
    expect(reviewReasons({ ...clean, mailingAddress: null }, sent, cfg)).toEqual(["mailing-address-missing"]);
    expect(reviewReasons({ ...clean, mailingAddress: { recipient: "赵样本", phone: null, address: null, postcode: null } }, sent, cfg)).toEqual(["mailing-address-missing"]);
    expect(reviewReasons({ ...clean, mailingAddress: null, invoiceType: "vat-special-electronic" }, sent, cfg)).toEqual([]);
    const off = resolveEmailConfig({ review: { paperInvoiceNeedsAddress: false } });
    expect(reviewReasons({ ...clean, mailingAddress: null }, sent, off)).toEqual([]);
  });

  it.each([
    [{ applicationNo: null }, ["application-no-missing"]],
    [{ amount: null }, ["amount-missing"]],
    [{ applicationNo: "SF2025070100032）" }, ["application-no-format", "invoice-list-url-mismatch"]],
    [{ applicationNo: "申付单号" }, ["application-no-format", "invoice-list-url-mismatch"]],
    [{ amount: "12720.02" }, ["amount-sum-mismatch"]],
    [{ taxRate: "0.09" }, ["tax-rate-mismatch"]],
    [{ taxRate: "6" }, ["tax-rate-mismatch"]],
    [{ deadline: "2028-08-01" }, ["deadline-out-of-range"]],
    [{ deadline: "2025-05-01" }, ["deadline-out-of-range"]],
    [{ billingPeriod: { from: "2019-01", to: "2019-03" } }, ["billing-period-out-of-range"]],
    [{ billingPeriod: { from: "2025-04", to: "2025-12" } }, ["billing-period-out-of-range"]],
    [{ invoiceListUrl: "https://account.huaweicloud.com/obmgr/#/obmgr/incentive/invoicingList?applyNo=SF20250701000999" }, ["invoice-list-url-mismatch"]],
    [{ currency: null }, ["currency-missing"]],
  ] as [Partial<Extracted>, string[]][])("%o → %o", (change, reasons) => {
    expect(reviewReasons({ ...clean, ...change }, sent, cfg)).toEqual(reasons);
  });

  it("a URL without any number, or one carrying the same number, is fine; amounts ±0.01 are fine", () => {
    expect(reviewReasons({ ...clean, invoiceListUrl: "https://account.huaweicloud.com/obmgr/#/obmgr/incentive/invoicingList" }, sent, cfg)).toEqual([]);
    expect(reviewReasons({ ...clean, amount: "12720.01" }, sent, cfg)).toEqual([]);
  });

  it("property: excl + round(excl × rate) = amount never needs review; any other amount (≥ 0.02 off) does", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 100n, max: 10_000_000_000n }), fc.constantFrom(1, 3, 6, 9, 13), fc.bigInt({ min: 2n, max: 1_000_000n }), fc.boolean(), (excl, pct, off, up) => {
        const tax = (excl * BigInt(pct) + 50n) / 100n;
        const e = { ...clean, amountExclTax: centsToDecimal(excl), taxAmount: centsToDecimal(tax), amount: centsToDecimal(excl + tax), taxRate: String(pct / 100) };
        expect(reviewReasons(e, sent, cfg)).toEqual([]);
        const wrong = { ...e, amount: centsToDecimal(excl + tax + (up ? off : -off)) };
        expect(reviewReasons(wrong, sent, cfg)).toContain("amount-sum-mismatch");
      }),
      { numRuns: 300 },
    );
  });
});
