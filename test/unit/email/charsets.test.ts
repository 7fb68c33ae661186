/**
 * Charset handling as a property: random text in each charset, under each transfer encoding and
 * RFC 2047 encoding, comes back exactly (subject, partner name, attachment file name).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseInvoiceEmail } from "../../../shared/email/index.ts";
import * as B from "./mime-builder.ts";
import * as G from "./notice-gen.ts";

// characters every one of GB2312/GBK/GB18030 can encode, plus full-width forms
const GB2312 = [..."北京上海深圳示例样本科技网络信息数据云计算服务有限公司股份集团华为测试虚构成都南京杭州广州一二三四五六七八九十（）：，。、《》￥"];
// GBK adds traditional and rarer characters; GB18030 adds 4-byte ones (CJK Ext-A/B, ¥ as U+00A5 …)
const GBK = [...GB2312, ..."龍鑫堃喆昇璟瑄"];
const GB18030 = [...GBK, ..."䶮𠀋𪚥㐀"];
const LATIN1 = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêëàâäôöûüçñÉÀßøå. -&"];

const cases: { charset: string; pool: string[] }[] = [
  { charset: "utf-8", pool: GB18030 },
  { charset: "gb2312", pool: GB2312 },
  { charset: "gbk", pool: GBK },
  { charset: "gb18030", pool: GB18030 },
  { charset: "iso-8859-1", pool: LATIN1 },
];

const name = (pool: string[]) =>
  fc
    .array(fc.constantFrom(...pool), { minLength: 2, maxLength: 16 })
    .map((cs) => cs.join("").trim())
    .filter((s) => s.length >= 2 && !/^[（）：，。、《》 .&-]|[（）：，。、《》 .&-]$/u.test(s) && !s.includes("（") && !s.includes("）"));

describe("charset round trip (property)", () => {
  for (const { charset, pool } of cases) {
    for (const cte of ["quoted-printable", "base64", "8bit"] as const) {
      it(`${charset} / ${cte}: subject, greeting name and RFC 2231 file name come back exactly`, async () => {
        await fc.assert(
          fc.asyncProperty(name(pool), fc.constantFrom("B", "Q") as fc.Arbitrary<"B" | "Q">, async (partner, mode) => {
            const subject = `开票通知 ${partner}`;
            const isLatin = charset === "iso-8859-1";
            const facts = { ...G.baseFacts, partner };
            const body = isLatin
              ? `Dear ${partner},\n\nInTouch No.: INT2025000001\nInvoice Amount: USD 1,000.00\n`
              : G.zhPlain(facts);
            const subj = isLatin ? `Billing Notification ${partner}` : subject;
            const pdf = B.binaryPart(Buffer.from("%PDF-1.4"), "application/pdf", [`Content-Disposition: attachment;\r\n ${B.rfc2231Filename(`${partner}.pdf`)}`]);
            const raw = B.message(
              ["From: system@info.huaweicloud.com", `Subject: ${B.encodedWord(subj, charset, mode)}`],
              B.multipart("mixed", [B.textPart(body, "plain", charset, cte), pdf]),
            );
            const r = await parseInvoiceEmail(raw);
            expect(r.notice.subject).toBe(subj);
            // the Latin body is a minimal notice (no list link, entity, period or deadline): kept, for review
            expect(r.notice.kind).toBe(isLatin ? "needs-review" : "invoice-notice");
            expect(r.notice.partnerName).toBe(partner);
            expect(r.notice.attachments).toEqual([{ filename: `${partner}.pdf`, contentType: "application/pdf" }]);
          }),
          { numRuns: 25 },
        );
      });
    }
  }
});
