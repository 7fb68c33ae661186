/** Pure parts of the sandbox: sliding-window limiter, fault decisions, China-time arithmetic, RNG. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideFault, validateFaults } from "../../../local/sandbox/faults.ts";
import { SlidingWindowLimiter, WINDOW_MS } from "../../../local/sandbox/limiter.ts";
import { Rng } from "../../../local/sandbox/rng.ts";
import { addMonthsChina, chinaDay, chinaDayEnd, formatIamTime, formatUtc, parseUtc } from "../../../local/sandbox/time.ts";

describe("SlidingWindowLimiter", () => {
  it("property: never more than the quota in any rolling second, and refuses only when the window is full", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 120 }), (quota, gaps) => {
        const limiter = new SlidingWindowLimiter();
        const accepted: number[] = [];
        let t = 0;
        for (const g of gaps) {
          t += g;
          const inWindow = accepted.filter((a) => a > t - WINDOW_MS).length;
          const ok = limiter.tryAcquire("k", quota, t);
          expect(ok).toBe(inWindow < quota);
          if (ok) accepted.push(t);
        }
      }),
    );
  });

  it("keeps keys apart and forgets idle ones", () => {
    const l = new SlidingWindowLimiter();
    expect(l.tryAcquire("a", 1, 0)).toBe(true);
    expect(l.tryAcquire("a", 1, 10)).toBe(false);
    expect(l.tryAcquire("b", 1, 10)).toBe(true);
    expect(l.tryAcquire("a", 1, 1000)).toBe(true);
    l.sweep(5000);
    expect(l.keys).toBe(0);
  });
});

describe("fault decisions", () => {
  it("are a pure function of (seed, request number, config)", () => {
    const cfg = { errorRate: 0.2, throttleRate: 0.1, timeoutRate: 0.05, ambiguousRate: 0.3, latencyMs: [5, 50] as [number, number] };
    for (let n = 1; n < 200; n++) expect(decideFault("s", n, cfg, true)).toEqual(decideFault("s", n, cfg, true));
    const a = Array.from({ length: 200 }, (_, n) => decideFault("s", n, cfg, true).before);
    const b = Array.from({ length: 200 }, (_, n) => decideFault("t", n, cfg, true).before);
    expect(a).not.toEqual(b);
  });

  it("hit the configured rates and apply ambiguity to writes only", () => {
    const cfg = { errorRate: 0.2, throttleRate: 0.1, timeoutRate: 0.05, ambiguousRate: 0.5 };
    const n = 4000;
    const ds = Array.from({ length: n }, (_, i) => decideFault(1, i, cfg, true));
    const share = (pred: (d: (typeof ds)[number]) => boolean) => ds.filter(pred).length / n;
    expect(share((d) => d.before === "error")).toBeCloseTo(0.2, 1);
    expect(share((d) => d.before === "throttle")).toBeCloseTo(0.1, 1);
    expect(share((d) => d.before === "timeout")).toBeCloseTo(0.05, 1);
    expect(share((d) => d.after !== undefined)).toBeCloseTo(0.65 * 0.5, 1);
    expect(ds.some((d) => d.after === "ambiguous-500") && ds.some((d) => d.after === "ambiguous-reset")).toBe(true);
    for (let i = 0; i < 500; i++) expect(decideFault(1, i, cfg, false).after).toBeUndefined();
    for (let i = 0; i < 100; i++) {
      const l = decideFault(1, i, { latencyMs: [10, 20] }, false).latencyMs;
      expect(l).toBeGreaterThanOrEqual(10);
      expect(l).toBeLessThanOrEqual(20);
    }
  });

  it("validates the configuration", () => {
    expect(() => validateFaults({ errorRate: 1.5 })).toThrow(/errorRate/);
    expect(() => validateFaults({ errorRate: 0.6, throttleRate: 0.6 })).toThrow(/exceed 1/);
    expect(() => validateFaults({ latencyMs: [50, 10] })).toThrow(/latencyMs/);
    expect(validateFaults(undefined)).toEqual({});
  });
});

describe("time", () => {
  it("formats and parses BSS UTC timestamps and IAM microsecond timestamps", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), (s) => {
        expect(parseUtc(formatUtc(s * 1000))).toBe(s * 1000);
      }),
    );
    expect(parseUtc("2026-02-30T00:00:00Z")).toBeNaN();
    expect(parseUtc("2026-02-01 00:00:00")).toBeNaN();
    expect(formatIamTime(Date.parse("2026-01-05T05:05:17.429Z"))).toBe("2026-01-05T05:05:17.429000Z");
  });

  it("China days end at 15:59:59Z; month arithmetic clamps to the month's end", () => {
    const day = chinaDay(Date.parse("2026-03-01T20:00:00Z")); // already 2 March in China
    expect(formatUtc(chinaDayEnd(day))).toBe("2026-03-02T15:59:59Z");
    expect(formatUtc(addMonthsChina(Date.parse("2026-01-31T15:59:59Z"), 1))).toBe("2026-02-28T15:59:59Z");
    expect(formatUtc(addMonthsChina(Date.parse("2028-01-31T15:59:59Z"), 1))).toBe("2028-02-29T15:59:59Z");
    expect(formatUtc(addMonthsChina(Date.parse("2026-03-15T15:59:59Z"), 12))).toBe("2027-03-15T15:59:59Z");
    expect(formatUtc(addMonthsChina(Date.parse("2026-11-30T15:59:59Z"), 3))).toBe("2027-02-28T15:59:59Z");
  });
});

describe("Rng", () => {
  it("is deterministic per (seed, label) and stays in range", () => {
    const a = new Rng(1, "x");
    const b = new Rng(1, "x");
    const c = new Rng(1, "y");
    const xs = Array.from({ length: 50 }, () => a.next32());
    expect(Array.from({ length: 50 }, () => b.next32())).toEqual(xs);
    expect(Array.from({ length: 50 }, () => c.next32())).not.toEqual(xs);
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.string(), (min, span, label) => {
        const r = new Rng(label, "range");
        for (let i = 0; i < 20; i++) {
          const v = r.int(min, min + span);
          expect(v).toBeGreaterThanOrEqual(min);
          expect(v).toBeLessThanOrEqual(min + span);
        }
      }),
    );
    expect(new Rng(3, "u").uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
