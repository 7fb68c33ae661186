/**
 * MIME mutation fuzzer (issue 11, "keep them closed"): a fixed-seed slice of mutated fixtures —
 * byte flips, truncation, duplicated/soup headers, charset / transfer-encoding / content-type swaps,
 * damaged boundaries, broken RFC 2047 words, nesting (forward as attachment and inline, up to 4
 * levels), long hostile lines — each parsed under a per-input bound enforced by the intake itself
 * (MIME parse timeout + extraction budget, shared/email/budget.ts). The long run (≥ 20,000 mutants,
 * count and slowest input printed) is `node bench/fuzz-email.ts --mutants-only`.
 *
 * Oracle: schema v1 (zod), the kind/reason invariants, and the bound: nothing here may end in
 * parse-timeout or extraction-over-budget under generous limits, nor in internal-error.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvoiceNoticeV1Schema, parseInvoiceEmail, resolveEmailConfig } from "../../shared/email/index.ts";
import { applyMutation, loadFixtures, mutantInput } from "../unit/email/fuzz-inputs.ts";

const SEED = 20_261_206;
const COUNT = 300;
const config = resolveEmailConfig({
  internalDomains: ["shilicloud.example", "xugou-digital.example", "yangli-net.example"],
  parseTimeoutMs: 5_000,
  extractionBudget: { ms: 5_000 },
});

describe("MIME mutation fuzzer (seeded slice)", () => {
  const fixtures = loadFixtures();

  it(`${COUNT} mutants of the fixtures: schema-v1 every time, within the per-input bound, no internal error`, async () => {
    const inputs = fc.sample(mutantInput(fixtures), { numRuns: COUNT, seed: SEED });
    const kinds = new Map<string, number>();
    let maxSteps = 0;
    for (const [i, raw] of inputs.entries()) {
      const r = await parseInvoiceEmail(raw, config);
      const where = `seed ${SEED} #${i} (${raw.length} bytes)`;
      expect(InvoiceNoticeV1Schema.safeParse(r.notice).success, where).toBe(true);
      expect(["parse-timeout", "extraction-over-budget", "internal-error"], `${where}: ${r.quarantine?.detail}`).not.toContain(r.quarantine?.reason);
      expect(r.notice.kind === "rejected", where).toBe(r.notice.rejectReasons.length > 0);
      if (r.quarantine) expect(r.notice.rejectReasons, where).toEqual([r.quarantine.reason]);
      if (r.work) maxSteps = Math.max(maxSteps, r.work.steps / Math.max(1, raw.length));
      const k = r.quarantine ? `quarantine:${r.quarantine.reason}` : r.notice.kind;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    // the slice reaches every outcome, so it exercises more than the parser's front door
    expect(kinds.get("invoice-notice") ?? 0).toBeGreaterThan(0);
    expect(kinds.get("rejected") ?? 0).toBeGreaterThan(0);
    expect(kinds.get("not-invoice") ?? 0).toBeGreaterThan(0);
    // work stays proportional to the input (steps per input byte)
    expect(maxSteps).toBeLessThan(100);
  });

  it("each new mutation keeps a notice findable: a fixture nested 3 deep (attached) is still the same notice", async () => {
    const f05 = fixtures.find((b) => b.includes("20250612092045.31e8d0"))!;
    const plain = await parseInvoiceEmail(f05, config);
    const nested = await parseInvoiceEmail(applyMutation(f05, { op: "nest", depth: 3, inline: false }, fixtures), config);
    expect(nested.notice.kind).toBe("invoice-notice");
    expect(nested.notice.forwarded).toBe(true);
    expect({ ...nested.notice, forwarded: false, senderVerified: true, subject: plain.notice.subject }).toEqual(plain.notice);
  });

  it("a long hostile line in a new part (100 KB of \")\"): within the bound, still recognised as a notice", async () => {
    const f01 = fixtures[0]!;
    const r = await parseInvoiceEmail(applyMutation(f01, { op: "longLine", pattern: ")", size: 100_000, html: false }, fixtures), config);
    expect(r.quarantine).toBeNull();
    // recognised as a notice (rejected: the wrapper makes it a forward by Huawei itself, not by the partner)
    expect(r.notice.kind).toBe("rejected");
    expect(r.notice.rejectReasons).toEqual(["untrusted-sender-domain"]);
    expect(r.work!.chars).toBeGreaterThan(100_000);
  });
});
