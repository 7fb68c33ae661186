/**
 * The whole intake core on messages built by the test (charsets × transfer encodings × MIME
 * structures × layouts, forwards, authenticity headers, limits). No I/O.
 */
import { describe, expect, it } from "vitest";
import { intakeOutcome, InvoiceNoticeV1Schema, parseInvoiceEmail } from "../../../shared/email/index.ts";
import * as B from "./mime-builder.ts";
import * as G from "./notice-gen.ts";

const cfg = { internalDomains: ["shilicloud.example"] };
const SUBJECT = "【华为云】激励开票通知（申付单号：SF20250701000321）";

function huaweiHeaders(cs: string, extra: string[] = []): string[] {
  return [
    `From: ${B.encodedWord("华为云伙伴中心", cs)} <system@info.huaweicloud.com>`,
    "To: finance@shilicloud.example",
    `Subject: ${B.encodedWord(SUBJECT, cs, "Q")}`,
    "Message-ID: <gen-1@info.huaweicloud.com>",
    "Date: Tue, 01 Jul 2025 10:00:00 +0800",
    ...extra,
  ];
}

async function parse(raw: Buffer) {
  const r = await parseInvoiceEmail(raw, cfg);
  expect(InvoiceNoticeV1Schema.safeParse(r.notice).success).toBe(true);
  return r;
}

function expectFacts(notice: Record<string, unknown>, facts: G.NoticeFacts) {
  expect(notice).toMatchObject({ kind: "invoice-notice", ...G.expectedFields(facts) });
}

describe("charsets × transfer encodings (text/plain)", () => {
  for (const cs of ["utf-8", "gbk", "gb18030", "gb2312"]) {
    for (const cte of ["quoted-printable", "base64", "8bit"] as const) {
      it(`${cs} / ${cte}`, async () => {
        const r = await parse(B.message(huaweiHeaders(cs), B.textPart(G.zhPlain(G.baseFacts, "fullwidth"), "plain", cs, cte)));
        expectFacts(r.notice, G.baseFacts);
        expect(r.notice).toMatchObject({ subject: SUBJECT, sender: "system@info.huaweicloud.com", senderVerified: true, site: "cn", language: "zh", flow: "incentive" });
      });
    }
  }

  it("GB18030 four-byte characters survive (names outside GBK)", async () => {
    const facts = { ...G.baseFacts, partner: "成都䶮𠀋科技有限公司" };
    const r = await parse(B.message(huaweiHeaders("gb18030"), B.textPart(G.zhPlain(facts), "plain", "gb18030", "base64")));
    expect(r.notice.partnerName).toBe("成都䶮𠀋科技有限公司");
  });

  it("ISO-8859-1, quoted-printable, English international notice with dd/mm/yyyy deadline", async () => {
    const text = G.enPlain({
      partner: "Société Exemple S.à r.l.",
      intouch: "INT2025070100001",
      amount: "US$ 12,345.60",
      period: "Apr 2025 - Jun 2025",
      mailbox: "fixture-intl@huaweicloud.com",
      url: "https://account-intl.huaweicloud.com/obmgr/#/x?intouchNo=INT2025070100001",
      deadline: "05/08/2025 (dd/mm/yyyy)",
    });
    const r = await parse(
      B.message(
        ["From: HUAWEI CLOUD <noreply@mail01.huawei.com>", `Subject: ${B.encodedWord("Billing Notification – Société", "iso-8859-1", "Q").replace("–", "-")}`],
        B.textPart(text, "plain", "iso-8859-1", "quoted-printable"),
      ),
    );
    expect(r.notice).toMatchObject({
      kind: "invoice-notice",
      site: "intl",
      language: "en",
      partnerName: "Société Exemple S.à r.l.",
      applicationNo: "INT2025070100001",
      amount: "12345.60",
      currency: "USD",
      billingPeriod: { from: "2025-04", to: "2025-06" },
      publicMailbox: "fixture-intl@huaweicloud.com",
      huaweiEntity: { name: "Huawei Services (Hong Kong) Co., Limited", taxId: "FIXTURE-HK-0000002" },
      deadline: "2025-08-05",
      invoiceType: null,
    });
  });
});

describe("tolerant layouts", () => {
  it("7bit English notice: currency only in the amount label's qualifier, slash deadline", async () => {
    const raw = Buffer.from(
      "From: noreply@mail01.huawei.com\r\nSubject: Billing Notification\r\n\r\nDear ACME Ltd.,\r\nInTouch No.: INT1234567\r\nInvoice Amount (USD): 3,210.50\r\nSettlement Period: 2025-03\r\nDeadline: 18/05/2025\r\n",
    );
    const r = await parse(raw);
    expect(r.notice).toMatchObject({ kind: "needs-review", amount: "3210.50", currency: "USD", site: "intl", deadline: "2025-05-18", partnerName: "ACME Ltd.", billingPeriod: { from: "2025-03", to: "2025-03" } });
    // no invoicing-list link and no Huawei entity: found fields kept, a person checks the rest
    expect(r.notice.review?.reasons).toEqual(["invoice-list-url-missing", "huawei-entity-missing"]);
  });

  it("a Latin salutation word is cut only after a comma: Dear Hitachi stays Hitachi", async () => {
    const notice = (greeting: string) =>
      Buffer.from(`From: noreply@mail01.huawei.com\r\nSubject: Billing Notification\r\n\r\n${greeting}\r\nInTouch No.: INT1234567\r\nInvoice Amount (USD): 3,210.50\r\n`);
    expect((await parse(notice("Dear Hitachi,"))).notice.partnerName).toBe("Hitachi");
    expect((await parse(notice("Dear Othello Hello Ltd,"))).notice.partnerName).toBe("Othello Hello Ltd");
    expect((await parse(notice("Dear Sushi Co, hello,"))).notice.partnerName).toBe("Sushi Co");
    expect((await parse(notice("Dear ACME, hi!"))).notice.partnerName).toBe("ACME");
  });

  it("application number only in the subject", async () => {
    const text = G.zhPlain(G.baseFacts).replace(/申付单号：[^\n]+\n/, "");
    const r = await parse(B.message(huaweiHeaders("utf-8"), B.textPart(text, "plain", "utf-8", "base64")));
    expect(r.notice.applicationNo).toBe("SF20250701000321");
  });
});

describe("MIME structures and HTML layouts", () => {
  for (const layout of ["table", "paragraphs", "columns"] as const) {
    it(`HTML ${layout} in related (inline logo) in alternative in mixed (RFC 2231 PDF)`, async () => {
      const html = B.textPart(G.zhHtml(G.baseFacts, layout, "yuan"), "html", "gb18030", "base64");
      const logo = B.binaryPart(Buffer.from("89504e470d0a1a0a", "hex"), "image/png", ["Content-ID: <logo@huaweicloud>", "Content-Disposition: inline; filename=logo.png"]);
      const pdfBytes = Buffer.from("%PDF-1.4\n% test list\n");
      const pdf = B.binaryPart(pdfBytes, "application/pdf", [`Content-Disposition: attachment;\r\n ${B.rfc2231Filename("开票清单 SF20250701000321.pdf")}`]);
      const raw = B.message(huaweiHeaders("gb18030"), B.multipart("mixed", [B.multipart("alternative", [B.textPart("请用支持HTML的客户端查看。", "plain", "utf-8", "8bit"), B.multipart("related", [html, logo])]), pdf]));
      const r = await parse(raw);
      expectFacts(r.notice, G.baseFacts);
      expect(r.notice.attachments).toEqual([{ filename: "开票清单 SF20250701000321.pdf", contentType: "application/pdf" }]);
      expect(r.attachments).toHaveLength(1);
      expect(r.attachments[0]!.content.equals(pdfBytes)).toBe(true);
      expect(r.attachments[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(r.attachments[0]!.safeFilename).toBe("开票清单 SF20250701000321.pdf");
    });
  }

  it("FH quarterly payment: 付款申请编号, quarter, e-invoice to a public mailbox", async () => {
    const facts: G.NoticeFacts = {
      ...G.baseFacts,
      flow: "fh",
      applicationNo: "FH2025Q1000088",
      url: "https://account.huaweicloud.com/obmgr/#/obmgr/fh/invoicingList?applyNo=FH2025Q1000088",
      period: { from: "2025-01", to: "2025-03" },
      mailing: null,
      mailbox: "fixture-fh@huaweicloud.com",
      invoiceTypeLabel: "增值税专用发票（电子专票）",
    };
    const r = await parse(B.message(huaweiHeaders("utf-8"), B.textPart(G.zhPlain(facts), "plain", "utf-8", "quoted-printable")));
    expectFacts(r.notice, facts);
    expect(r.notice.flow).toBe("fh");
    expect(r.notice.invoiceType).toBe("vat-special-electronic");
  });

  it("amount written in Chinese capitals (大写) next to the figures", async () => {
    const text = G.zhPlain(G.baseFacts).replace(/开票金额（含税）：[^\n]+/, "开票金额（含税）：人民币壹万贰仟柒佰贰拾元整");
    const r = await parse(B.message(huaweiHeaders("utf-8"), B.textPart(text, "plain", "utf-8", "base64")));
    expect(r.notice.amount).toBe("12720.00");
  });
});

describe("forwards", () => {
  const inner = () => B.message(huaweiHeaders("utf-8"), B.textPart(G.zhPlain(G.baseFacts), "plain", "utf-8", "base64"));
  const colleague = (subject: string, part: B.Part, from = "shili.wang@shilicloud.example") =>
    B.message([`From: ${B.encodedWord("王示例", "utf-8")} <${from}>`, "To: finance@shilicloud.example", `Subject: ${B.encodedWord(subject, "utf-8")}`], part);

  for (const disposition of ["attachment", "inline", null] as const) {
    it(`forward as attachment (message/rfc822, disposition ${disposition ?? "none"})`, async () => {
      const pdf = B.binaryPart(Buffer.from("%PDF-1.4"), "application/pdf", ['Content-Disposition: attachment; filename="list.pdf"']);
      const innerWithPdf = B.message(huaweiHeaders("utf-8"), B.multipart("mixed", [B.textPart(G.zhPlain(G.baseFacts), "plain", "utf-8", "base64"), pdf]));
      const r = await parse(colleague("Fwd: 开票通知", B.multipart("mixed", [B.textPart("请处理附件中的开票通知。", "plain", "utf-8", "8bit"), B.rfc822Part(innerWithPdf, disposition)])));
      expectFacts(r.notice, G.baseFacts);
      expect(r.notice).toMatchObject({ subject: "Fwd: 开票通知", sender: "system@info.huaweicloud.com", forwarded: true, senderVerified: false });
      expect(r.notice.attachments).toEqual([{ filename: "list.pdf", contentType: "application/pdf" }]);
    });
  }

  it("Outlook-style Chinese inline forward without a marker line", async () => {
    const body = `请处理。\n\n________________________________\n发件人: 华为云 <system@info.huaweicloud.com>\n发送时间: 2025年7月1日 10:00\n收件人: finance@shilicloud.example\n主题: ${SUBJECT}\n\n${G.zhPlain(G.baseFacts)}`;
    const r = await parse(colleague(`转发: ${SUBJECT}`, B.textPart(body, "plain", "gbk", "base64")));
    expectFacts(r.notice, G.baseFacts);
    expect(r.notice).toMatchObject({ sender: "system@info.huaweicloud.com", forwarded: true, senderVerified: false });
  });

  it("Exchange / Outlook separator rule: the forward is found even when the subject does not say so", async () => {
    const block = (keys: [string, string, string, string]) =>
      `________________________________\n${keys[0]}: 华为云 <system@info.huaweicloud.com>\n${keys[1]}: Tuesday, July 1, 2025 10:00 AM\n${keys[2]}: finance@shilicloud.example\n${keys[3]}: ${SUBJECT}\n\n${G.zhPlain(G.baseFacts)}`;
    for (const keys of [["From", "Sent", "To", "Subject"], ["发件人", "发送时间", "收件人", "主题"]] as [string, string, string, string][]) {
      // a transport rule or a client that keeps the subject as it was
      const r = await parse(colleague(SUBJECT, B.textPart(block(keys), "plain", "utf-8", "quoted-printable")));
      expectFacts(r.notice, G.baseFacts);
      expect(r.notice).toMatchObject({ kind: "invoice-notice", sender: "system@info.huaweicloud.com", forwarded: true, senderVerified: false });
    }
    // a rule of underscores with no header block after it is only a rule: the colleague's own message
    const plain = await parse(colleague(SUBJECT, B.textPart(`________________________________\n\n${G.zhPlain(G.baseFacts)}`, "plain", "utf-8", "8bit")));
    expect(plain.notice).toMatchObject({ kind: "rejected", forwarded: false, rejectReasons: ["untrusted-sender-domain"] });
  });

  it("Outlook on the web: <hr> and bold From/Sent/To/Subject under a FW: subject", async () => {
    const owa = `<div>请处理</div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr"><b>From:</b> 华为云 &lt;system@info.huaweicloud.com&gt;<br><b>Sent:</b> Tuesday, July 1, 2025 10:00 AM<br><b>To:</b> finance@shilicloud.example<br><b>Subject:</b> ${SUBJECT}</div>`;
    const html = G.zhHtml(G.baseFacts, "table").replace("<body>", `<body>${owa}`);
    const r = await parse(colleague(`FW: ${SUBJECT}`, B.textPart(html, "html", "utf-8", "base64")));
    expectFacts(r.notice, G.baseFacts);
    expect(r.notice).toMatchObject({ sender: "system@info.huaweicloud.com", forwarded: true });
  });

  it("a forward from outside the partner's domains is rejected", async () => {
    const r = await parse(colleague("Fwd: 开票通知", B.multipart("mixed", [B.textPart("FYI", "plain", "utf-8", "7bit"), B.rfc822Part(inner(), "attachment")]), "someone@gmail.example"));
    expect(r.notice).toMatchObject({ kind: "rejected", rejectReasons: ["untrusted-sender-domain"], forwarded: true });
    expect(intakeOutcome(r)).toMatchObject({ event: "invoice.notice.rejected", storeNotice: false });
  });

  it("a colleague forwarding something that claims a non-Huawei original is rejected", async () => {
    const fake = B.message(["From: system@huaweicloud-partner.example", `Subject: ${B.encodedWord(SUBJECT, "utf-8")}`], B.textPart(G.zhPlain(G.baseFacts), "plain", "utf-8", "base64"));
    const r = await parse(colleague("Fwd: 开票通知", B.multipart("mixed", [B.textPart("FYI", "plain", "utf-8", "7bit"), B.rfc822Part(fake, "attachment")])));
    expect(r.notice).toMatchObject({ kind: "rejected", rejectReasons: ["untrusted-sender-domain"], sender: "system@huaweicloud-partner.example" });
  });
});

describe("authenticity", () => {
  const plain = () => B.textPart(G.zhPlain(G.baseFacts), "plain", "utf-8", "base64");

  it.each([
    ["X-SES-Spam-Verdict: FAIL", "spam-verdict"],
    ["X-SES-Virus-Verdict: FAIL", "virus-verdict"],
    ["Authentication-Results: amazonses.com; spf=fail smtp.mailfrom=info.huaweicloud.com; dkim=pass; dmarc=pass", "spf-fail"],
    ["Authentication-Results: amazonses.com; spf=pass; dkim=fail header.i=@huaweicloud.com; dmarc=fail header.from=info.huaweicloud.com", "dkim-fail"],
    ["Received-SPF: fail (domain of info.huaweicloud.com does not designate 192.0.2.1 as permitted sender)", "spf-fail"],
  ])("%s → rejected (%s)", async (header, reason) => {
    const r = await parse(B.message(huaweiHeaders("utf-8", [header]), plain()));
    expect(r.notice.kind).toBe("rejected");
    expect(r.notice.rejectReasons).toContain(reason);
  });

  it("passing verdicts change nothing; a second passing DKIM signature outweighs a failing one", async () => {
    const r = await parse(
      B.message(
        huaweiHeaders("utf-8", ["X-SES-Spam-Verdict: PASS", "X-SES-Virus-Verdict: PASS", "Authentication-Results: amazonses.com; spf=pass; dkim=fail; dkim=pass; dmarc=pass"]),
        plain(),
      ),
    );
    expect(r.notice.kind).toBe("invoice-notice");
  });

  it("a virus verdict rejects even a mail that does not look like a notice", async () => {
    const r = await parse(B.message(["From: news@info.huaweicloud.com", "Subject: hello", "X-SES-Virus-Verdict: FAIL"], B.textPart("hello", "plain", "utf-8", "7bit")));
    expect(r.notice).toMatchObject({ kind: "rejected", rejectReasons: ["virus-verdict"] });
  });

  it("a Huawei notice whose link leaves the allow-list is rejected; one whose caption lies is too", async () => {
    const bad = G.zhHtml({ ...G.baseFacts, url: "https://huaweicloud.com.invoice-portal.example/list" }, "table");
    const r1 = await parse(B.message(huaweiHeaders("utf-8"), B.textPart(bad, "html", "utf-8", "base64")));
    expect(r1.notice).toMatchObject({ kind: "rejected", rejectReasons: ["untrusted-link-domain"], senderVerified: true });
    const lying = G.zhHtml(G.baseFacts, "table").replace("查看开票清单</a>", "https://account.huaweicloud.com/obmgr/</a>").replace(G.baseFacts.url, "https://support.huaweicloud.com/x");
    const r2 = await parse(B.message(huaweiHeaders("utf-8"), B.textPart(lying, "html", "utf-8", "base64")));
    expect(r2.notice.rejectReasons).toEqual(["link-text-mismatch"]);
    const relaxed = await parseInvoiceEmail(B.message(huaweiHeaders("utf-8"), B.textPart(lying, "html", "utf-8", "base64")), { ...cfg, rejectOnLinkTextMismatch: false });
    // with the mismatch rule off it is accepted; the link no longer names the list, so no list URL → review
    expect(relaxed.notice).toMatchObject({ kind: "needs-review", invoiceListUrl: null, review: { reasons: ["invoice-list-url-missing"] } });
  });

  it("a Huawei mail without application number and amount is not an invoice notice", async () => {
    const r = await parse(B.message(huaweiHeaders("utf-8"), B.textPart("尊敬的合作伙伴：\n开票清单功能已上线。", "plain", "utf-8", "8bit")));
    expect(r.notice).toMatchObject({ kind: "not-invoice", rejectReasons: [], site: null, flow: null });
    expect(intakeOutcome(r).event).toBeNull();
  });

  it("allow-lists are configuration", async () => {
    const raw = B.message(["From: billing@partner-portal.example", `Subject: ${B.encodedWord(SUBJECT, "utf-8")}`], B.textPart(G.zhPlain({ ...G.baseFacts, url: "https://partner-portal.example/list" }), "plain", "utf-8", "base64"));
    expect((await parseInvoiceEmail(raw, cfg)).notice.kind).toBe("rejected");
    const r = await parseInvoiceEmail(raw, { huaweiDomains: ["partner-portal.example"] });
    expect(r.notice).toMatchObject({ kind: "invoice-notice", senderVerified: true });
  });

  it("labels are configuration", async () => {
    const text = G.zhPlain(G.baseFacts).replace("申付单号：", "结算单据号：");
    const raw = B.message(huaweiHeaders("utf-8"), B.textPart(text, "plain", "utf-8", "base64"));
    // the subject still names it, so clear the subject for this check
    const noSubject = Buffer.from(raw.toString("latin1").replace(/^Subject:[^\n]*\n(?: [^\n]*\n)*/m, "Subject: x\r\n"), "latin1");
    expect((await parseInvoiceEmail(noSubject, cfg)).notice.applicationNo).toBeNull();
    const labels = { applicationNo: ["结算单据号"] };
    expect((await parseInvoiceEmail(noSubject, { ...cfg, labels })).notice.applicationNo).toBe("SF20250701000321");
  });
});

describe("limits, quarantine and idempotency", () => {
  it("a message over the size limit is quarantined without parsing its body, headers still read", async () => {
    const raw = B.message(huaweiHeaders("utf-8"), B.textPart(G.zhPlain(G.baseFacts), "plain", "utf-8", "base64"));
    const r = await parseInvoiceEmail(raw, { maxMessageBytes: 1000 });
    expect(r.quarantine?.reason).toBe("message-too-large");
    expect(r.notice).toMatchObject({ kind: "rejected", rejectReasons: ["message-too-large"], subject: SUBJECT, sender: "system@info.huaweicloud.com" });
    expect(InvoiceNoticeV1Schema.safeParse(r.notice).success).toBe(true);
    expect(intakeOutcome(r)).toMatchObject({ event: "invoice.notice.rejected", quarantine: { reason: "message-too-large" } });
  });

  it("a MIME tree over the part limit is quarantined as unparseable", async () => {
    const parts = Array.from({ length: 1100 }, (_, i) => B.textPart(`p${i}`, "plain", "utf-8", "7bit"));
    const r = await parseInvoiceEmail(B.message(huaweiHeaders("utf-8"), B.multipart("mixed", parts)), cfg);
    expect(r.quarantine?.reason).toBe("unparseable-message");
    expect(r.notice.rejectReasons).toEqual(["unparseable-message"]);
  });

  it("the same bytes give the same keys; keys are per kind (notice / rejected / quarantine) of Message-ID, source and body", async () => {
    const raw = B.message(huaweiHeaders("utf-8"), B.textPart(G.zhPlain(G.baseFacts), "plain", "utf-8", "base64"));
    const [a, b] = await Promise.all([parseInvoiceEmail(raw, cfg), parseInvoiceEmail(Buffer.from(raw), cfg)]);
    expect(a.contentHash).toBe(b.contentHash);
    expect(a.idempotencyKey).toMatch(/^notice:[0-9a-f]{64}$/);
    expect(a.idempotencyKey).toBe(b.idempotencyKey);
    expect(a.notice).toEqual(b.notice);
    // a relay adding a header on top: same notice
    const relayed = await parseInvoiceEmail(Buffer.concat([Buffer.from("Received: from mx2\r\n"), raw]), cfg);
    expect(relayed.idempotencyKey).toBe(a.idempotencyKey);
    // another Message-ID, another body, or another (untrusted) sender: another key
    const noId = Buffer.from(raw.toString("latin1").replace(/^Message-ID:[^\n]*\n/m, ""), "latin1");
    const c = await parseInvoiceEmail(noId, cfg);
    expect(c.idempotencyKey).toMatch(/^notice:/);
    expect(c.idempotencyKey).not.toBe(a.idempotencyKey);
    const fake = await parseInvoiceEmail(Buffer.from(raw.toString("latin1").replace(/^From:[^\n]*\n/m, "From: <billing@huaweicloud-invoice.example>\r\n"), "latin1"), cfg);
    expect(fake.notice.kind).toBe("rejected");
    expect(fake.idempotencyKey).toMatch(/^rejected:[0-9a-f]{64}$/);
    const cut = await parseInvoiceEmail(raw.subarray(0, 40), cfg);
    expect(cut.idempotencyKey.startsWith("notice:")).toBe(false);
    expect(intakeOutcome(a)).toMatchObject({ event: "invoice.notice.received", storeNotice: true, storeAttachments: false });
  });
});
