/**
 * The fast scanners of the intake (issue 13.4) against plain reference versions written here: the
 * label trie against "every label at every position, longest first", the @-anchored address scan
 * against a scan of the whole text, and the one-pass fold against per-character rules.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_LABELS } from "../../../shared/email/config.ts";
import { compileLabels, LabelIndex, type CompiledLabel } from "../../../shared/email/labels.ts";
import { findEmails } from "../../../shared/email/links.ts";
import { fold, foldWidth } from "../../../shared/email/text.ts";

const labels = compileLabels(DEFAULT_LABELS);
const fields = [...new Set(labels.map((l) => l.field))];

/** The label rule as stated in labels.ts, the slow way. */
function referenceHits(f: string, list: CompiledLabel[]): { field: string; start: number; end: number }[] {
  const word = (c: string | undefined) => c !== undefined && /[a-z0-9]/.test(c);
  const candidates: { field: string; start: number; end: number }[] = [];
  const counts = new Map<CompiledLabel, number>();
  for (let i = 0; i < f.length; i++) {
    for (const l of list) {
      if (!f.startsWith(l.label, i)) continue;
      const end = i + l.label.length;
      const boundary = !l.ascii || ((!word(f[i - 1]) || !word(l.label[0])) && (!word(f[end]) || !word(l.label[l.label.length - 1])));
      if (!boundary || (counts.get(l) ?? 0) >= 64) continue;
      counts.set(l, (counts.get(l) ?? 0) + 1);
      candidates.push({ field: l.field, start: i, end });
    }
  }
  // longest first, then leftmost; a hit overlapping a kept one is dropped
  const order = candidates.map((h, n) => ({ h, n })).sort((a, b) => b.h.end - b.h.start - (a.h.end - a.h.start) || a.h.start - b.h.start || a.n - b.n);
  const kept: typeof candidates = [];
  for (const { h } of order) if (kept.every((k) => k.end <= h.start || h.end <= k.start)) kept.push(h);
  return kept.sort((a, b) => a.start - b.start);
}

/** Two labels run together where the end of one is the start of the other ("amount excluding tax" + "tax rate"). */
const overlapping: string[] = [];
for (const { label: a } of labels) {
  for (const { label: b } of labels) {
    if (a.includes(b) || b.includes(a)) continue;
    for (let k = 1; k < Math.min(a.length, b.length); k++) if (a.endsWith(b.slice(0, k))) overlapping.push(a + b.slice(k));
  }
}

const pieces = [
  ...labels.map((l) => l.label),
  ...overlapping,
  ...labels.map((l) => l.label.slice(0, Math.max(1, l.label.length - 1))),
  ...labels.map((l) => l.label.slice(1)),
  "：", ":", " ", "\t", "\n", "¥10,000.00", "2025-06-30", "a", "x1", "no", "的", "额", "金", "票", "，",
];
const textOf = fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((p) => p.join(""));

describe("scanners against reference versions", () => {
  it("overlapping labels exist in the table (so the property below meets the longest-first choice)", () => {
    expect(overlapping.length).toBeGreaterThan(10);
  });

  it("property: the label index keeps exactly the hits of the longest-first rule", () => {
    fc.assert(
      fc.property(textOf, (text) => {
        const idx = new LabelIndex(text, labels);
        const got = fields.flatMap((field) => idx.hitsOf(field).map((h) => ({ field: h.field, start: h.start, end: h.end }))).sort((a, b) => a.start - b.start);
        expect(got).toEqual(referenceHits(fold(text), labels));
      }),
      { numRuns: 400 },
    );
  });

  it("the per-label cap holds (64 hits of one label at most)", () => {
    const idx = new LabelIndex("申付单号：1\n".repeat(100), labels);
    expect(idx.hitsOf("applicationNo")).toHaveLength(64);
  });

  it("property: addresses found from each @ are those of a scan of the whole text", () => {
    const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+/g;
    const whole = (t: string) =>
      [...t.matchAll(EMAIL)].map((m) => {
        let v = m[0];
        while (v.endsWith(".")) v = v.slice(0, -1);
        return { value: v, start: m.index, end: m.index + v.length };
      });
    const part = fc.constantFrom("a", "b.", "x-y", "@", "@@", ".", "..", "com", "huaweicloud", " ", "，", "\n", "a".repeat(70), "%+", "1");
    fc.assert(
      fc.property(fc.array(part, { maxLength: 30 }), (p) => {
        const t = p.join("");
        expect(findEmails(t)).toEqual(whole(t));
      }),
      { numRuns: 600 },
    );
  });

  it("property: fold and foldWidth follow the per-character rules and keep every offset", () => {
    const one = (c: string, lower: boolean): string => {
      const code = c.charCodeAt(0);
      if (code === 0x3000 || code === 0xa0) return " ";
      if (code === 0xffe5) return "\u00a5";
      if (code >= 0xff01 && code <= 0xff5e) {
        const a = String.fromCharCode(code - 0xfee0);
        return /[A-Z]/.test(a) ? a.toLowerCase() : a;
      }
      return lower ? c : c;
    };
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)),
      fc.constantFrom("Ａ", "ｚ", "１", "：", "（", "\u3000", "\u00a0", "￥", "A", "é", "中", "\ud800", "\udc00"),
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 60 }), (units) => {
        const s = units.join("");
        const width = units.map((c) => one(c, false)).join("");
        expect(foldWidth(s)).toBe(width);
        const folded = fold(s);
        expect(folded.length).toBe(s.length);
        // fold = the same rules after lower-casing (İ first mapped to i so no offset moves)
        expect(folded).toBe(foldWidth(s.replace(/\u0130/g, "i").toLowerCase()));
      }),
      { numRuns: 500 },
    );
  });
});
