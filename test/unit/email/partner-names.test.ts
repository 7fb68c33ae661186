/**
 * Partner names in the greeting (issue 13: a notice is exact or needs-review, never published clean
 * with a wrong value). Random company names — words that end in a salutation word (Hitachi, Othello),
 * legal forms with dots and commas, ampersands, brackets, digits — in full English and Chinese
 * notices must come back exactly. Names with sentence punctuation (! ; 。) are out of scope: the
 * greeting rule ends a name there.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseInvoiceEmail } from "../../../shared/email/index.ts";
import * as B from "./mime-builder.ts";
import * as G from "./notice-gen.ts";

const LATIN_WORDS = ["Hitachi", "Sushi", "Delhi", "Othello", "Acme", "Nord", "Cloud", "Data", "Hi", "Hello", "Tech", "3M", "O'Brien", "Lee & Sons", "(Asia)", "Pte.", "Co.,", "Ltd.", "Inc.", "GmbH", "S.A.", "Sdn. Bhd.", "Dear", "Partner", "Services", "Müller", "Ça-Va"];
const CJK_WORDS = ["杭州", "样本", "云计算", "您好", "你好", "大家", "科技", "有限公司", "（香港）", "数据", "伙伴", "客户", "华为", "一号", "网络"];

const latinName = fc
  .array(fc.constantFrom(...LATIN_WORDS), { minLength: 1, maxLength: 5 })
  .map((w) => w.join(" "))
  // a lone generic word is a generic greeting, not a company (Dear Partner,)
  // ", hello" at the end is how a salutation follows a name (Dear ACME, hello,): not a name
  .filter((n) => !/^(Partner|Dear|Hi|Hello)$/.test(n) && !/[,.]$/.test(n) && !n.startsWith("(") && !/,\s*(Hi|Hello)$/.test(n));
const cjkName = fc
  .array(fc.constantFrom(...CJK_WORDS), { minLength: 2, maxLength: 5 })
  .map((w) => w.join(""))
  // 尊敬的客户X / 尊敬的伙伴X read as the greetings 尊敬的客户 / 尊敬的伙伴 followed by X
  .filter((n) => !n.includes("（") && !/^(伙伴|客户)/.test(n));
/** 尊敬的X您好 cannot tell a name ending in 您好 from a salutation: such names are left out where nothing separates them. */
const endsInSalutation = (n: string) => /(您好|你好|大家好)$/.test(n);

const huawei = (subject: string) => ["From: system@info.huaweicloud.com", `Subject: ${B.encodedWord(subject, "utf-8", "B")}`, "Message-ID: <n@info.huaweicloud.com>"];

describe("partner names in the greeting", () => {
  it("property: English notice — the name after Dear comes back exactly", async () => {
    await fc.assert(
      fc.asyncProperty(latinName, async (partner) => {
        const text = G.enPlain({ partner, intouch: "INT2025000001", amount: "USD 1,000.00", period: "2025-06", mailbox: "einvoice@huaweicloud.com", url: "https://account-intl.huaweicloud.com/obmgr/#/invoicing?no=INT2025000001", deadline: "2025-08-05" });
        const r = await parseInvoiceEmail(B.message(huawei("Billing Notification"), B.textPart(text, "plain", "utf-8", "quoted-printable")));
        expect(["invoice-notice", "needs-review"]).toContain(r.notice.kind);
        expect(r.notice.partnerName).toBe(partner);
      }),
      { numRuns: 150 },
    );
  });

  it("property: Chinese notice — the name in brackets after the greeting comes back exactly", async () => {
    await fc.assert(
      fc.asyncProperty(cjkName, async (partner) => {
        const text = G.zhPlain({ ...G.baseFacts, partner });
        const r = await parseInvoiceEmail(B.message(huawei("【华为云】激励开票通知"), B.textPart(text, "plain", "utf-8", "base64")));
        expect(r.notice.kind).toBe("invoice-notice");
        expect(r.notice.partnerName).toBe(partner);
      }),
      { numRuns: 100 },
    );
  });

  it("property: 尊敬的<name>，您好 — the salutation is cut, the name kept", async () => {
    await fc.assert(
      fc.asyncProperty(cjkName, fc.constantFrom("，您好！", "您好：", "，你好，", "："), async (partner, tail) => {
        fc.pre(!(endsInSalutation(partner) && (tail === "：" || tail === "您好：")));
        const text = G.zhPlain({ ...G.baseFacts, partner }).replace(/^尊敬的华为云合作伙伴（[^\n]*）：/, `尊敬的${partner}${tail}`);
        const r = await parseInvoiceEmail(B.message(huawei("【华为云】激励开票通知"), B.textPart(text, "plain", "utf-8", "base64")));
        expect(r.notice.kind).toBe("invoice-notice");
        expect(r.notice.partnerName).toBe(partner);
      }),
      { numRuns: 150 },
    );
  });

  it("property: HTML notice — names with &, <, quotes, % and / come back exactly from each layout", async () => {
    const WORDS = ["杭州", "样本", "云计算", "科技", "有限公司", "Acme", "Lee & Sons", "<Tech>", "R&D", "Co., Ltd.", "Müller", '"Q"', "'A'", "100%", "#1", "A/B"];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 4 }).map((w) => w.join(" ")), fc.constantFrom("table", "paragraphs", "columns") as fc.Arbitrary<"table" | "paragraphs" | "columns">, async (partner, layout) => {
        const html = G.zhHtml({ ...G.baseFacts, partner }, layout);
        const r = await parseInvoiceEmail(B.message(huawei("【华为云】激励开票通知"), B.textPart(html, "html", "utf-8", "base64")));
        expect(r.notice.partnerName).toBe(partner);
      }),
      { numRuns: 100 },
    );
  });
});

