/**
 * Fuzz: mutated fixtures and random bytes never make the parser throw, and the result is always a
 * valid schema-v1 notice. Internal errors (our bugs, caught by the last-resort guard) count as failures.
 * The long run (≥ 100,000 inputs) is bench/fuzz-email.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvoiceNoticeV1Schema, parseInvoiceEmail } from "../../../shared/email/index.ts";
import { fuzzInput, loadFixtures } from "./fuzz-inputs.ts";

const fixtures = loadFixtures();
const config = { internalDomains: ["shilicloud.example", "xugou-digital.example", "yangli-net.example"] };

describe("invoice-email fuzz", () => {
  it("1,500 hostile inputs: never throws, always schema-v1, no internal errors", async () => {
    const kinds = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fuzzInput(fixtures), async (raw) => {
        const r = await parseInvoiceEmail(raw, config);
        const v = InvoiceNoticeV1Schema.safeParse(r.notice);
        expect(v.success, v.success ? "" : JSON.stringify(v.error.issues)).toBe(true);
        expect(r.quarantine?.reason === "internal-error" ? r.quarantine.detail : null).toBeNull();
        expect(r.contentHash).toMatch(/^[0-9a-f]{64}$/);
        // attachments to store only ever come with a notice, and match its list
        expect(r.attachments.length).toBe(r.notice.attachments.length);
        kinds.set(r.notice.kind, (kinds.get(r.notice.kind) ?? 0) + 1);
      }),
      { numRuns: 1500, seed: 20250418 },
    );
    // the mutations are mild enough that some inputs still parse as real notices
    expect(kinds.get("invoice-notice") ?? 0).toBeGreaterThan(0);
    expect(kinds.get("not-invoice") ?? 0).toBeGreaterThan(0);
  });

  it("a random seed on every run (different inputs each time)", async () => {
    await fc.assert(
      fc.asyncProperty(fuzzInput(fixtures), async (raw) => {
        const r = await parseInvoiceEmail(raw, config);
        expect(InvoiceNoticeV1Schema.safeParse(r.notice).success).toBe(true);
        expect(r.quarantine?.reason).not.toBe("internal-error");
      }),
      { numRuns: 300 },
    );
  });
});

describe("pathological bodies (quadratic scans would exceed the test timeout)", () => {
  const N = 200_000;
  const text = (body: string) => Buffer.from(`From: system@info.huaweicloud.com\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`);
  const html = (body: string) => Buffer.from(`From: system@info.huaweicloud.com\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${body}`);
  const cases: [string, Buffer][] = [
    ["blanks after a year", text("2025" + " ".repeat(N) + "x")],
    ["blanks after an amount", text("开票金额：1" + " ".repeat(N) + "x")],
    ["one long CJK line", text("开票金额".repeat(N / 4))],
    ["repeated labels", text("税额：".repeat(N / 3))],
    ["a long tabbed line", text("申付单号\t".repeat(N / 5))],
    ["dates on one line", text("2025-01-01 ".repeat(N / 11))],
    ["address-like soup", text("a@b.".repeat(N / 4))],
    ["capital numerals", text("开票金额：" + "壹".repeat(N))],
    ["forward markers", text("---------- Forwarded message ---------\nFrom: a@b.example\n".repeat(N / 50))],
    ["unbalanced attribute quotes", html("<a x='".repeat(N / 6))],
    ["many links", html("<a href='https://evil.example/'>x</a>".repeat(N / 35))],
    ["deep nesting", html("<div>".repeat(N / 5))],
  ];
  for (const [name, raw] of cases) {
    it(name, async () => {
      const r = await parseInvoiceEmail(raw, config);
      expect(InvoiceNoticeV1Schema.safeParse(r.notice).success).toBe(true);
      expect(r.quarantine).toBeNull();
    });
  }
});
