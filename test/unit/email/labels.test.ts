import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findAmount } from "../../../shared/email/amounts.ts";
import { DEFAULT_LABELS, resolveEmailConfig } from "../../../shared/email/config.ts";
import { bodySource, compile, extractFields } from "../../../shared/email/extract.ts";
import { compileLabels, LabelIndex } from "../../../shared/email/labels.ts";
import { htmlToText } from "../../../shared/email/text.ts";

const labels = compileLabels(DEFAULT_LABELS);
const index = (text: string) => new LabelIndex(text, labels);
const amountOf = (idx: LabelIndex, field: string) => idx.find(field, (v) => findAmount(v.raw)?.value ?? null);

describe("label index", () => {
  it("a longer label hides the shorter one inside it (不含税金额 is not 含税金额)", () => {
    const idx = index("不含税金额：¥10,000.00\n含税金额：¥10,600.00");
    expect(amountOf(idx, "amountExclTax")).toBe("10000.00");
    expect(amountOf(idx, "amount")).toBe("10600.00");
  });

  it("several label/value pairs on one line end at the next label", () => {
    const idx = index("    其中不含税金额：¥10,000.00，税额：¥600.00");
    expect(amountOf(idx, "amountExclTax")).toBe("10000.00");
    expect(amountOf(idx, "taxAmount")).toBe("600.00");
  });

  it("skips a bracketed qualifier and any separator", () => {
    for (const t of ["开票金额（含税）：¥1.00", "开票金额(含税): ¥1.00", "开票金额\t¥1.00", "Invoice Amount (USD)   1.00", "开票金额 ＝ ¥1.00"]) {
      expect(amountOf(index(t), "amount"), t).toBe("1.00");
    }
  });

  it("takes the next line when the label stands alone, but not when that line is another label", () => {
    const idx = index("【查看开票清单】\nhttps://account.huaweicloud.com/x\n申付单号\n税额：¥1.00");
    expect(idx.find("invoiceListUrl", (v) => v.raw)).toBe("https://account.huaweicloud.com/x");
    expect(idx.find("applicationNo", (v) => v.raw)).toBeNull();
  });

  it("ASCII labels match whole words only", () => {
    const idx = index("Telephone: 123456\nZIPPED: 99999");
    expect(idx.hitsOf("phone").map((h) => idx.text.slice(h.start, h.end))).toEqual(["Telephone"]);
    expect(idx.hitsOf("postcode")).toEqual([]);
  });

  it("a label table (header row of labels, value row below) gives each column its value", () => {
    const { text } = htmlToText("<table><tr><th>申付单号</th><th>开票金额（含税）</th><th>税率</th></tr><tr><td>SF1</td><td>¥2.00</td><td>6%</td></tr></table>");
    const idx = index(text);
    expect(idx.find("applicationNo", (v) => v.raw)).toBe("SF1");
    expect(amountOf(idx, "amount")).toBe("2.00");
    expect(idx.find("taxRate", (v) => v.raw)).toBe("6%");
  });

  it("free-text fields need a clear label: not inside a sentence", () => {
    const c = compile(resolveEmailConfig());
    const ex = (t: string) => extractFields(bodySource("text", t, []), c);
    expect(ex("贵司财务联系人（开票清单显示）：刘测试\n邮寄地址：北京市示例路1号").mailingAddress?.recipient).toBeNull();
    expect(ex("收件人：刘测试\n邮寄地址：北京市示例路1号").mailingAddress?.recipient).toBe("刘测试");
    expect(ex("发票类型：增值税专用发票（电子专票）；请勿开普票").invoiceTypeLabel).toBe("增值税专用发票（电子专票）");
  });

  it("property: every amount label, any separator style, any money format → the value", () => {
    const sep = fc.constantFrom("：", ":", ": ", "\t", " ", "（含税）：", "\n");
    const money = fc.bigInt({ min: 1n, max: 10n ** 10n }).map((c) => ({ c, s: `¥${(Number(c) / 100).toFixed(2)}` }));
    fc.assert(
      fc.property(fc.constantFrom(...DEFAULT_LABELS.amount), sep, money, fc.constantFrom("", "【申付信息】\n", "申付单号：SF1\n"), (label, s, m, before) => {
        const idx = index(`${before}${label}${s}${m.s}\n币种：人民币`);
        expect(amountOf(idx, "amount")).toBe((Number(m.c) / 100).toFixed(2));
      }),
      { numRuns: 500 },
    );
  });

  it("property: labels are matched whatever the width and case of ASCII", () => {
    const toFull = (s: string) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    fc.assert(
      fc.property(fc.constantFrom(...DEFAULT_LABELS.applicationNo), fc.constantFrom("lower", "upper", "full"), (label, mode) => {
        const l = mode === "lower" ? label.toLowerCase() : mode === "upper" ? label.toUpperCase() : toFull(label);
        expect(index(`${l}: INT2025000001`).find("applicationNo", (v) => v.raw)).toBe("INT2025000001");
      }),
    );
  });
});
