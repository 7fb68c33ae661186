/**
 * The mailing address of a paper invoice in the layouts issue 13 names: a block of labelled lines,
 * one line with separators (；, |, ，, after a caption), English labels — each must come back exactly
 * — and inside a sentence, which the label table does not read: that notice must not be published as
 * clean without its address (needs-review, mailing-address-missing). Values are random picks.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseInvoiceEmail } from "../../../shared/email/index.ts";
import * as B from "./mime-builder.ts";
import * as G from "./notice-gen.ts";

const mailing = fc.record({
  recipient: fc.constantFrom("赵样本", "钱示例（财务部）", "孙测试", "李某 收票组", "Jane Doe"),
  phone: fc.constantFrom("0851-00000000", "010 8888 0000", "+86 138 0000 0000", "400-000-0000", "(852) 0000 0000"),
  address: fc.constantFrom("贵州省贵安新区示例路1号 示例中心B座", "北京市海淀区样本大街 88 号 A 座 10 层", "广东省深圳市龙岗区坂田示例基地", "上海市浦东新区演示路 100 弄 5 号"),
  postcode: fc.constantFrom("550000", "100094", "518129", "200120"),
});
type Mailing = { recipient: string; phone: string; address: string; postcode: string };

const LAYOUTS: Record<string, (m: Mailing) => string> = {
  block: (m) => `【发票邮寄地址】\n收件人：${m.recipient}\n联系电话：${m.phone}\n邮寄地址：${m.address}\n邮政编码：${m.postcode}`,
  "block, short labels": (m) => `发票邮寄信息\n收件地址：${m.address}\n邮编：${m.postcode}\n收件人：${m.recipient}\n电话：${m.phone}`,
  "one line, ；": (m) => `发票邮寄信息：收件人：${m.recipient}；联系电话：${m.phone}；邮寄地址：${m.address}；邮政编码：${m.postcode}`,
  "one line, |": (m) => `收件人：${m.recipient} | 电话：${m.phone} | 邮寄地址：${m.address} | 邮编：${m.postcode}`,
  "one line, ，": (m) => `邮寄地址：${m.address}，邮编：${m.postcode}，收件人：${m.recipient}，电话：${m.phone}`,
  english: (m) => `Mailing Address: ${m.address}\nRecipient: ${m.recipient}\nTel: ${m.phone}\nPostcode: ${m.postcode}`,
};

const notice = (block: string) => {
  const text = G.zhPlain({ ...G.baseFacts, mailing: null }).replace("请在", `${block}\n\n请在`);
  return B.message(["From: system@info.huaweicloud.com", "Subject: 【华为云】激励开票通知", "Message-ID: <m@info.huaweicloud.com>"], B.textPart(text, "plain", "utf-8", "base64"));
};

describe("mailing address of a paper invoice", () => {
  for (const [name, layout] of Object.entries(LAYOUTS)) {
    it(`property: ${name} — the address comes back exactly`, async () => {
      await fc.assert(
        fc.asyncProperty(mailing, async (m) => {
          const r = await parseInvoiceEmail(notice(layout(m)));
          expect(r.notice.kind).toBe("invoice-notice");
          expect(r.notice.mailingAddress).toEqual(m);
        }),
        { numRuns: 30 },
      );
    });
  }

  it("property: inside a sentence — not read, so never clean: needs-review with mailing-address-missing", async () => {
    await fc.assert(
      fc.asyncProperty(mailing, async (m) => {
        const r = await parseInvoiceEmail(notice(`请将纸质发票寄至${m.address}（${m.postcode}），${m.recipient}收，电话${m.phone}。`));
        expect(r.notice.kind).toBe("needs-review");
        expect(r.notice.review?.reasons).toEqual(["mailing-address-missing"]);
        expect(r.notice.amount).toBe("12720.00");
      }),
      { numRuns: 20 },
    );
  });

  it("the buyer's own address (地址：… in the invoicing details) is never taken for the mailing address", async () => {
    const text = G.zhPlain({ ...G.baseFacts, mailing: null }).replace(/(纳税人识别号：[^\n]*\n)/, "$1地址：贵州省贵安新区华为云数据中心\n电话：0851-11111111\n");
    expect(text).toContain("地址：贵州省贵安新区华为云数据中心");
    const r = await parseInvoiceEmail(B.message(["From: system@info.huaweicloud.com", "Subject: 开票通知"], B.textPart(text, "plain", "utf-8", "base64")));
    expect(r.notice).toMatchObject({ kind: "needs-review", mailingAddress: null });
    expect(r.notice.review?.reasons).toEqual(["mailing-address-missing"]);
  });

  it("an electronic invoice (数电票) is not posted: no address, still clean", async () => {
    const text = G.zhPlain({ ...G.baseFacts, mailing: null, invoiceTypeLabel: "数电票（增值税专用发票）" });
    const r = await parseInvoiceEmail(B.message(["From: system@info.huaweicloud.com", "Subject: 开票通知"], B.textPart(text, "plain", "utf-8", "base64")));
    expect(r.notice).toMatchObject({ kind: "invoice-notice", invoiceType: "vat-special-electronic", mailingAddress: null });
  });
});
