/**
 * Random values in a complete Chinese notice (issue 13: exact, or needs-review — never a wrong value
 * published as clean): amounts from 0.01 to 99,999,999,999.99 in each money style, any tax rate the
 * cents make consistent, deadlines anywhere in the range the cross-checks accept, billing periods
 * as single months, ranges across a year end, or FH quarters, application numbers of both flows.
 * The oracle is the facts the notice was written from (notice-gen.ts expectedFields). The same for
 * English notices: USD amounts in each style, deadlines written four ways.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { centsToDecimal, parseInvoiceEmail } from "../../../shared/email/index.ts";
import * as B from "./mime-builder.ts";
import * as G from "./notice-gen.ts";

const pad = (n: number) => String(n).padStart(2, "0");
const month = (i: number) => `${Math.floor(i / 12)}-${pad((i % 12) + 1)}`;

const facts = fc
  .record({
    flow: fc.constantFrom("incentive", "fh") as fc.Arbitrary<"incentive" | "fh">,
    excl: fc.bigInt({ min: 1n, max: 9_000_000_000_000n }),
    ratePercent: fc.constantFrom(0, 1, 3, 6, 9, 13),
    // months since year 0, the message being of 2025-07: periods from 2023-01 up to 2025-08 (the
    // cross-checks accept 36 months back and the next month); one to three months long
    start: fc.integer({ min: 2023 * 12, max: 2025 * 12 + 5 }),
    length: fc.integer({ min: 0, max: 2 }),
    deadlineDays: fc.integer({ min: 0, max: 390 }),
    digits: fc.stringMatching(/^[0-9]{14}$/),
    moneyStyle: fc.constantFrom("yen", "fullwidth", "yuan") as fc.Arbitrary<"yen" | "fullwidth" | "yuan">,
    electronic: fc.boolean(),
  })
  .map((v): { f: G.NoticeFacts; style: "yen" | "fullwidth" | "yuan" } => {
    const tax = (v.excl * BigInt(v.ratePercent) + 50n) / 100n; // round half up, in cents
    const fh = v.flow === "fh";
    // an FH notice states a quarter: the period is that quarter's three months
    const from = fh ? v.start - (v.start % 12) % 3 : v.start;
    const to = fh ? from + 2 : v.start + v.length;
    const sent = Date.UTC(2025, 6, 1);
    const deadline = new Date(sent + v.deadlineDays * 86_400_000).toISOString().slice(0, 10);
    const applicationNo = `${fh ? "FH" : "SF"}${v.digits}`;
    return {
      style: v.moneyStyle,
      f: {
        ...G.baseFacts,
        flow: v.flow,
        applicationNo,
        exclCents: v.excl,
        taxCents: tax,
        amountCents: v.excl + tax,
        ratePercent: v.ratePercent,
        period: { from: month(from), to: month(to) },
        invoiceTypeLabel: v.electronic ? "数电票（增值税专用发票）" : "增值税专用发票（纸质）",
        deadline,
        url: `https://account.huaweicloud.com/obmgr/#/obmgr/incentive/invoicingList?applyNo=${applicationNo}`,
      },
    };
  });

describe("random values in a complete notice", () => {
  it("property: every field comes back exactly, or the notice is needs-review — never a wrong clean value", async () => {
    await fc.assert(
      fc.asyncProperty(facts, fc.constantFrom("text", "table", "paragraphs", "columns"), async ({ f, style }, layout) => {
        const part = layout === "text" ? B.textPart(G.zhPlain(f, style), "plain", "utf-8", "base64") : B.textPart(G.zhHtml(f, layout, style), "html", "utf-8", "quoted-printable");
        const raw = B.message(
          ["From: system@info.huaweicloud.com", `Subject: ${B.encodedWord("【华为云】激励开票通知", "utf-8")}`, "Date: Tue, 01 Jul 2025 10:00:00 +0800", "Message-ID: <v@info.huaweicloud.com>"],
          part,
        );
        const r = await parseInvoiceEmail(raw);
        expect(["invoice-notice", "needs-review"]).toContain(r.notice.kind);
        if (r.notice.kind === "invoice-notice") expect(r.notice).toMatchObject(G.expectedFields(f));
        // these values are all well-formed and consistent: nothing should need a person
        expect(r.notice.review?.reasons ?? []).toEqual([]);
        expect(r.notice).toMatchObject(G.expectedFields(f));
      }),
      { numRuns: 200 },
    );
  });

  it("property: English notice — amount in each USD style, deadline as ISO, day-first, month-first or stated slashes", async () => {
    const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: 99_999_999_999n }),
        fc.constantFrom("USD {a}", "US$ {a}", "US${a}", "{a} USD", "USD{a}"),
        fc.integer({ min: 0, max: 380 }),
        fc.constantFrom("iso", "day-first", "month-first", "stated slashes"),
        fc.integer({ min: 2023 * 12, max: 2025 * 12 + 5 }),
        async (cents, amountStyle, days, dateStyle, periodMonth) => {
          const decimal = centsToDecimal(cents);
          const [i, f] = decimal.split(".");
          const amount = amountStyle.replace("{a}", `${i!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${f}`);
          const d = new Date(Date.UTC(2025, 6, 1) + days * 86_400_000);
          const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
          const iso = `${y}-${pad(m)}-${pad(day)}`;
          const deadline =
            dateStyle === "iso" ? iso
            : dateStyle === "day-first" ? `${day} ${MONTHS[m - 1]} ${y}`
            : dateStyle === "month-first" ? `${MONTHS[m - 1]} ${day}, ${y}`
            : `${pad(day)}/${pad(m)}/${y} (DD/MM/YYYY)`;
          const period = month(periodMonth);
          const text = G.enPlain({ partner: "ACME Cloud Ltd.", intouch: "INT2025000001", amount, period, mailbox: "einvoice@huaweicloud.com", url: "https://account-intl.huaweicloud.com/obmgr/#/invoicing?no=INT2025000001", deadline });
          const r = await parseInvoiceEmail(B.message(["From: system@info.huaweicloud.com", "Subject: Billing Notification", "Date: Tue, 01 Jul 2025 10:00:00 +0000"], B.textPart(text, "plain", "utf-8", "quoted-printable")));
          expect(r.notice).toMatchObject({ amount: decimal, currency: "USD", deadline: iso, billingPeriod: { from: period, to: period } });
        },
      ),
      { numRuns: 150 },
    );
  });
});

