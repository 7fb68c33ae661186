/** planIntake: key layout, event envelopes, quarantine plan and determinism (pure). */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  InvoiceNoticeReceived,
  InvoiceNoticeRejected,
  intakeKeys,
  noticeIdOf,
  parseInvoiceEmail,
  planIntake,
  type InvoiceNoticeResult,
} from "../../../shared/email/index.ts";

const dir = new URL("../../fixtures/invoice-emails/", import.meta.url);
const config = { internalDomains: ["shilicloud.example", "xugou-digital.example", "yangli-net.example"] };
const fixture = (name: string) => parseInvoiceEmail(readFileSync(new URL(`${name}.eml`, dir)), config);
const ctx = { bucket: "mail", sourceKey: "inbound/abc", now: new Date("2026-01-02T03:04:05Z") };

describe("planIntake", () => {
  it("05 (notice with a PDF): attachments first, notice.json last, a valid received event without the mailing address", async () => {
    const r = await fixture("05-cn-incentive-pdf-attachment");
    const plan = planIntake({ kind: "parsed", result: r }, ctx);
    const id = createHash("sha256").update(r.idempotencyKey).digest("hex").slice(0, 32);
    expect(plan.noticeId).toBe(id);
    expect(plan.ledgerKey).toBe(`invoice-email#${id}`);
    expect(plan.puts.map((p) => p.key)).toEqual([`notices/${id}/attachments/01-开票清单_SF20250612000901.pdf`, `notices/${id}/notice.json`]);
    expect(Buffer.from(plan.puts[0]!.body as Uint8Array).equals(r.attachments[0]!.content)).toBe(true);
    expect(JSON.parse(plan.puts[1]!.body as string)).toEqual(r.notice);
    expect(plan.copy).toBeNull();
    const event = InvoiceNoticeReceived.parse(JSON.stringify(plan.event));
    expect(event.id).toBe(`invoice.notice.received:${id}`);
    expect(event.data).toMatchObject({ noticeKey: `notices/${id}/notice.json`, source: { bucket: "mail", key: "inbound/abc" } });
    expect(event.data.summary).toMatchObject({ applicationNo: "SF20250612000901", amount: "21200.00", currency: "CNY" });
    expect(event.data.attachments[0]).toMatchObject({ sha256: r.attachments[0]!.sha256, size: r.attachments[0]!.size });
    expect(JSON.stringify(event)).not.toContain("610000"); // postcode/phone/recipient stay in storage
    expect(plan.outcome).toMatchObject({ kind: "invoice-notice", event: { id: event.id }, duplicateOf: null, quarantineKey: null });
    expect(plan.outcomeKey).toBe("outcomes/inbound/abc.json");
  });

  it("07 (not an invoice): nothing to claim, write or publish but the outcome record", async () => {
    const plan = planIntake({ kind: "parsed", result: await fixture("07-not-invoice-marketing") }, ctx);
    expect([plan.kind, plan.ledgerKey, plan.event, plan.copy, plan.puts]).toEqual(["not-invoice", null, null, null, []]);
    expect(plan.outcome.kind).toBe("not-invoice");
  });

  it("08 (phishing): a rejected event with the reasons, no notice, no quarantine", async () => {
    const r = await fixture("08-phishing-lookalike");
    const plan = planIntake({ kind: "parsed", result: r }, ctx);
    expect(plan.puts).toEqual([]);
    const event = InvoiceNoticeRejected.parse(plan.event);
    expect(event.data.reasons).toEqual(r.notice.rejectReasons);
    expect(event.data.quarantineKey).toBeNull();
  });

  it("too large: quarantine copy + reason file, a rejected event, keyed by the object (not read)", () => {
    const plan = planIntake({ kind: "too-large", size: 5000, limit: 1000 }, ctx);
    const id = noticeIdOf("object:mail/inbound/abc");
    expect(plan.copy).toEqual({ from: "inbound/abc", to: `quarantine/${id}/message.eml`, contentType: "message/rfc822" });
    expect(plan.puts.map((p) => p.key)).toEqual([`quarantine/${id}/reason.json`]);
    expect(JSON.parse(plan.puts[0]!.body as string)).toMatchObject({ reason: "message-too-large", source: { key: "inbound/abc" }, sizeBytes: 5000 });
    const event = InvoiceNoticeRejected.parse(plan.event);
    expect(event.data).toMatchObject({ reasons: ["message-too-large"], contentHash: null, quarantineKey: `quarantine/${id}/message.eml` });
  });

  it("unparseable (quarantined by the parser): copy + reason and a rejected event", async () => {
    const r = await parseInvoiceEmail(Buffer.alloc(64), { maxMessageBytes: 10 });
    const plan = planIntake({ kind: "parsed", result: r }, ctx);
    expect(plan.copy?.to).toBe(intakeKeys.quarantineMessage(plan.noticeId));
    expect(InvoiceNoticeRejected.parse(plan.event).data.reasons).toEqual(["message-too-large"]);
  });

  it("the same message from another object at another time: same notice id, keys and event id", async () => {
    const r = await fixture("01-cn-incentive-alt-utf8-qp");
    const a = planIntake({ kind: "parsed", result: r }, ctx);
    const b = planIntake({ kind: "parsed", result: r }, { bucket: "mail", sourceKey: "inbound/other", now: new Date() });
    expect(b.noticeId).toBe(a.noticeId);
    expect(b.event!.id).toBe(a.event!.id);
    expect(b.puts.map((p) => p.key)).toEqual(a.puts.map((p) => p.key));
    expect(b.outcomeKey).not.toBe(a.outcomeKey);
  });

  it("property: attachment keys are distinct, under the notice's folder, even when names repeat", async () => {
    const base = await fixture("05-cn-incentive-pdf-attachment");
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom("a.pdf", "清单.pdf", "a.pdf", "x"), { minLength: 1, maxLength: 12 }), async (names) => {
        const result: InvoiceNoticeResult = {
          ...base,
          attachments: names.map((n) => ({ ...base.attachments[0]!, filename: n, safeFilename: n })),
        };
        const plan = planIntake({ kind: "parsed", result }, ctx);
        const keys = plan.puts.map((p) => p.key).slice(0, -1);
        expect(new Set(keys).size).toBe(names.length);
        for (const k of keys) expect(k.startsWith(`notices/${plan.noticeId}/attachments/`)).toBe(true);
        expect(InvoiceNoticeReceived.parse(plan.event).data.attachments.map((a) => a.key)).toEqual(keys);
      }),
      { numRuns: 50 },
    );
  });
});
