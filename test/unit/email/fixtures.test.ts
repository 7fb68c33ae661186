/** The shared invoice-email fixtures: each .eml gives exactly its .expected.json (deep equality). */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InvoiceNoticeV1Schema, intakeOutcome, parseInvoiceEmail } from "../../../shared/email/index.ts";

const dir = new URL("../../fixtures/invoice-emails/", import.meta.url);
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".eml"))
  .map((f) => f.slice(0, -4))
  .sort();
// the setting every check of the fixtures uses (README: --internal-domains …)
const config = { internalDomains: ["shilicloud.example", "xugou-digital.example", "yangli-net.example"] };

describe("invoice-email fixtures", () => {
  it("has all 8 fixtures, each with its expected output", () => {
    expect(names).toHaveLength(8);
  });

  for (const name of names) {
    it(name, async () => {
      const raw = readFileSync(new URL(`${name}.eml`, dir));
      const expected: unknown = JSON.parse(readFileSync(new URL(`${name}.expected.json`, dir), "utf8"));
      const r = await parseInvoiceEmail(raw, config);
      expect(r.quarantine).toBeNull();
      expect(r.notice).toEqual(expected);
      // same keys in the same order as the expected file (JSON output is compared byte for byte by the CLI test)
      expect(Object.keys(r.notice)).toEqual(Object.keys(expected as object));
      expect(InvoiceNoticeV1Schema.safeParse(expected).success).toBe(true);
      expect(r.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType }))).toEqual(r.notice.attachments);
    });
  }

  it("05: the PDF list is returned with its bytes and SHA-256 for storage", async () => {
    const r = await parseInvoiceEmail(readFileSync(new URL("05-cn-incentive-pdf-attachment.eml", dir)), config);
    const pdf = r.attachments[0]!;
    expect(pdf.content.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(pdf.size).toBe(pdf.content.length);
    const { createHash } = await import("node:crypto");
    expect(pdf.sha256).toBe(createHash("sha256").update(pdf.content).digest("hex"));
    expect(intakeOutcome(r)).toMatchObject({ event: "invoice.notice.received", storeNotice: true, storeAttachments: true });
  });

  it("06 without the internal-domain setting: the forward is not trusted", async () => {
    const r = await parseInvoiceEmail(readFileSync(new URL("06-cn-incentive-forwarded-inline.eml", dir)));
    expect(r.notice).toMatchObject({ kind: "rejected", rejectReasons: ["untrusted-sender-domain"], forwarded: true, senderVerified: false });
  });

  it("08: rejected, no notice stored, a rejected event", async () => {
    const r = await parseInvoiceEmail(readFileSync(new URL("08-phishing-lookalike.eml", dir)), config);
    expect(intakeOutcome(r)).toMatchObject({ event: "invoice.notice.rejected", storeNotice: false, storeAttachments: false, quarantine: null });
    expect(r.findings.map((f) => f.code)).toEqual(expect.arrayContaining(["link-text-mismatch", "reply-to-elsewhere", "untrusted-link"]));
  });
});
