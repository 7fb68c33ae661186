/**
 * Issue 11.4: every regex/loop of the invoice-email extraction that reads mail text is linear, and
 * the whole extraction runs under a budget (shared/email/budget.ts). Each hostile body below used to
 * take tens of seconds (a 32k-space line in an inline-forward header: 44 s; 82 KB of ")" after a URL:
 * 21 s). The assertions are on the budget mechanism, not on a stopwatch: a generous wall-time budget
 * (which the quadratic code blew by far, so it quarantined them) and a work-step count that must stay
 * proportional to the input size.
 */
import { describe, expect, it } from "vitest";
import { parseInvoiceEmail, resolveEmailConfig } from "../../shared/email/index.ts";
import { findUrls } from "../../shared/email/links.ts";
import { splitHeaderLine } from "../../shared/email/forward.ts";
import { Budget, withBudget } from "../../shared/email/budget.ts";

const N = 100_000;
/** Hostile bodies (≈ 100 K characters each). */
const HOSTILE: Record<string, string> = {
  "long blank line": " ".repeat(N),
  "long tab line": "\t".repeat(N),
  "blanks then a colon": `${" ".repeat(N)}:`,
  "blanks then a letter": `${" \u3000".repeat(N / 2)}x`,
  "closing brackets after a URL": `http://a.huaweicloud.com/${")".repeat(N)}`,
  "opening brackets after a URL": `http://a.huaweicloud.com/${"(".repeat(N)}`,
  "square brackets after a URL": `http://a.huaweicloud.com/${"]".repeat(N)} x`,
  "dots after a URL, mid-line": `http://a.huaweicloud.com/${".".repeat(N)} x`,
  "commas after a greeting": `尊敬的${"，".repeat(N)}x`,
  "quote marks": ">".repeat(N),
  "header-like lines": "From: a\n".repeat(N / 8),
  "forward markers": "-----Original Message-----\n".repeat(N / 27),
  "separator rules and header lines": "__________\nFrom: a@b.c\nSent: x\n".repeat(N / 32),
  "zeros in a rate": `税率：0.${"0".repeat(N)}1%`,
  "digits and separators": "1,000".repeat(N / 5),
  "labels": "申付单号：".repeat(N / 5),
  "overlapping labels": "amount excluding tax ".repeat(N / 21),
  "dates": "2025年1".repeat(N / 6),
  "addresses": "a@b.".repeat(N / 4),
  "at signs, then one address": `${"@".repeat(N)} a@b.com`,
  "failed addresses, then one": `${"a@".repeat(N / 2)}b.com`,
  "angle brackets": "<".repeat(N),
  "entities": "&#".repeat(N / 2),
};

const cfg = resolveEmailConfig({ extractionBudget: { ms: 5_000 } });
const headers = (kind: string) =>
  `From: <system@info.huaweicloud.com>\r\nTo: finance@example.com\r\nSubject: Fwd: 开票通知\r\nMessage-ID: <x@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/${kind}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n`;
const mail = (body: string, kind: "plain" | "html") =>
  Buffer.from(`${headers(kind)}${Buffer.from(`开票通知 申付单号：SF20250701000321\n${body}\n金额：¥1.00`).toString("base64")}\r\n`);

describe("linear extraction on hostile bodies (issue 11.4)", () => {
  for (const [name, body] of Object.entries(HOSTILE)) {
    for (const kind of ["plain", "html"] as const) {
      it(`${name} (${kind}): within the budget, work proportional to the size`, async () => {
        const r = await parseInvoiceEmail(mail(body, kind), cfg);
        expect(r.quarantine?.reason, r.quarantine?.detail).not.toBe("extraction-over-budget");
        expect(r.work).toBeDefined();
        expect(r.work!.steps).toBeLessThanOrEqual(60 * body.length);
        expect(r.work!.chars).toBeLessThanOrEqual(2 * (body.length + 200));
      });
    }
  }

  it("the two reported cases, on the functions themselves, inside a budget", async () => {
    const budget = new Budget({ ms: 5_000, steps: 10 * N, chars: N });
    await withBudget(budget, async () => {
      expect(splitHeaderLine(" ".repeat(32_000))).toBeNull();
      expect(splitHeaderLine(`${" ".repeat(32_000)}From : a@b.c`)).toEqual({ key: "From", value: "a@b.c" });
      expect(findUrls(`see http://a.example/x${")".repeat(82_000)}`)).toEqual([{ value: "http://a.example/x", start: 4, end: 22 }]);
      expect(findUrls("(http://a.example/(x))).")[0]!.value).toBe("http://a.example/(x)");
    });
    budget.checkClock("end");
  });
});

describe("over budget → quarantined with a reason, never dropped", () => {
  const body = "开票通知\n申付单号：SF20250701000321\n金额：¥10,600.00\n".repeat(50);
  for (const [limit, over] of [
    ["steps", { steps: 500 }],
    ["chars", { chars: 100 }],
    ["ms", { ms: 1 }],
  ] as const) {
    it(`${limit}`, async () => {
      const slowClock = limit === "ms";
      const c = resolveEmailConfig({ extractionBudget: over });
      const raw = mail(slowClock ? body.repeat(200) : body, "plain");
      const r = await parseInvoiceEmail(raw, c);
      expect(r.notice.kind).toBe("rejected");
      expect(r.quarantine?.reason).toBe("extraction-over-budget");
      expect(r.notice.rejectReasons).toEqual(["extraction-over-budget"]);
      expect(r.quarantine?.detail).toMatch(limit === "ms" ? /took more than 1 ms/ : limit === "steps" ? /more than 500 work steps/ : /more than 100 characters/);
      expect(r.idempotencyKey).toMatch(/^quarantine:/);
      expect(r.messageId).toBe("<x@example.com>");
    });
  }
});
