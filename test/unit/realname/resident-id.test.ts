import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeResidentId, residentIdCheckChar, validateResidentId } from "../../../shared/realname/resident-id.ts";
import { ID_CHECK, NOW, SAMPLE_ID, STANDARD_ID_EXAMPLE, oracleIdCheck, residentIdArb } from "./oracle.ts";

const at = { now: NOW };
const swap = (s: string, i: number, j: number): string => {
  const a = [...s];
  [a[i], a[j]] = [a[j]!, a[i]!];
  return a.join("");
};
const replaceAt = (s: string, i: number, c: string): string => s.slice(0, i) + c + s.slice(i + 1);
const withCheck = (first17: string) => first17 + oracleIdCheck(first17);

describe("validateResidentId: reasons", () => {
  it("accepts the standard's own example and returns the birth date", () => {
    expect(validateResidentId(STANDARD_ID_EXAMPLE, at)).toEqual({ ok: true, value: STANDARD_ID_EXAMPLE, birthDate: "1949-12-31" });
    expect(validateResidentId(SAMPLE_ID, at).ok).toBe(true);
  });

  it("length, naming 15-digit first-generation numbers", () => {
    expect(validateResidentId("", at)).toMatchObject({ ok: false, reason: "length" });
    const r = validateResidentId("110105491231002", at);
    expect(r).toMatchObject({ ok: false, reason: "length" });
    if (!r.ok) expect(r.message).toContain("15-digit");
  });

  it("alphabet: letters in the digits, lower-case x, X not last", () => {
    expect(validateResidentId(replaceAt(SAMPLE_ID, 4, "A"), at)).toMatchObject({ ok: false, reason: "alphabet", position: 5 });
    const lower = validateResidentId("11010519491231002x", at);
    expect(lower).toMatchObject({ ok: false, reason: "alphabet", position: 18 });
    if (!lower.ok) expect(lower.message).toContain("upper-case X");
    expect(validateResidentId(normalizeResidentId(" 11010519491231002x "), at).ok).toBe(true);
    expect(validateResidentId("X" + SAMPLE_ID.slice(1), at)).toMatchObject({ ok: false, reason: "alphabet", position: 1 });
  });

  it("region: unknown province, a province-level code on a mainland number; residence-permit prefixes are fine", () => {
    expect(validateResidentId(withCheck("99010519491231002"), at)).toMatchObject({ ok: false, reason: "region" });
    expect(validateResidentId(withCheck("00010519491231002"), at)).toMatchObject({ ok: false, reason: "region" });
    expect(validateResidentId(withCheck("11000019491231002"), at)).toMatchObject({ ok: false, reason: "region" });
    for (const p of ["810000", "820000", "830000"]) expect(validateResidentId(withCheck(`${p}19900101123`), at).ok).toBe(true);
  });

  it("date: impossible days, leap years, before 1900, in the future (China time)", () => {
    expect(validateResidentId(withCheck("11010519990230002"), at)).toMatchObject({ ok: false, reason: "date" });
    expect(validateResidentId(withCheck("11010519991301002"), at)).toMatchObject({ ok: false, reason: "date" });
    expect(validateResidentId(withCheck("11010519990000002"), at)).toMatchObject({ ok: false, reason: "date" });
    expect(validateResidentId(withCheck("11010520000229002"), at).ok).toBe(true);
    expect(validateResidentId(withCheck("11010519000229002"), at)).toMatchObject({ ok: false, reason: "date" });
    expect(validateResidentId(withCheck("11010518991231002"), at)).toMatchObject({ ok: false, reason: "date" });
    expect(validateResidentId(withCheck("11010520250602002"), at)).toMatchObject({ ok: false, reason: "date" });
    // 2025-06-01T18:00Z is already 2025-06-02 in Beijing: a baby born that day is plausible.
    expect(validateResidentId(withCheck("11010520250602002"), { now: new Date("2025-06-01T18:00:00Z") }).ok).toBe(true);
  });

  it("check character, without repeating the number", () => {
    const bad = replaceAt(SAMPLE_ID, 17, SAMPLE_ID[17] === "1" ? "2" : "1");
    const r = validateResidentId(bad, at);
    expect(r).toMatchObject({ ok: false, reason: "check", position: 18 });
    if (!r.ok) expect(r.message).not.toMatch(/\d{6}/);
  });

  it("residentIdCheckChar refuses non-digits", () => {
    expect(() => residentIdCheckChar("1101051949123100X")).toThrow(RangeError);
  });
});

describe("validateResidentId: properties against an independent oracle", () => {
  it("every generated valid number passes (mainland and residence permits) and the check equals the oracle's", () => {
    fc.assert(
      fc.property(residentIdArb(), (id) => {
        expect(validateResidentId(id, at).ok).toBe(true);
        expect(residentIdCheckChar(id.slice(0, 17))).toBe(oracleIdCheck(id.slice(0, 17)));
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(residentIdArb(["81", "82", "83"]), (id) => validateResidentId(id, at).ok), { numRuns: 300 });
  });

  it("accepts a number iff its last character is the oracle's (other parts fixed and plausible)", () => {
    fc.assert(
      fc.property(residentIdArb(), fc.constantFrom(...ID_CHECK), (id, last) => {
        expect(validateResidentId(id.slice(0, 17) + last, at).ok).toBe(last === id[17]);
      }),
      { numRuns: 2000 },
    );
  });

  // Guaranteed by MOD 11-2 (11 prime, weights non-zero, neighbours' weights differ by a factor 2):
  it("rejects every single-character substitution (digit or X); sequence/check positions fail on the check", () => {
    fc.assert(
      fc.property(residentIdArb(), fc.integer({ min: 0, max: 17 }), fc.constantFrom(..."0123456789X"), (id, pos, c) => {
        fc.pre(c !== id[pos]);
        const r = validateResidentId(replaceAt(id, pos, c), at);
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(["alphabet", "region", "date", "check"]).toContain(r.reason);
          if (pos >= 14 && c !== "X") expect(r.reason).toBe("check");
          if (pos < 17 && c === "X") expect(r.reason).toBe("alphabet");
        }
      }),
      { numRuns: 4000 },
    );
  });

  it("rejects every transposition of adjacent different characters (17↔18 included)", () => {
    fc.assert(
      fc.property(residentIdArb(), fc.integer({ min: 0, max: 16 }), (id, i) => {
        fc.pre(id[i] !== id[i + 1]);
        const r = validateResidentId(swap(id, i, i + 1), at);
        expect(r.ok).toBe(false);
        if (!r.ok && i >= 14) expect(["check", "alphabet"]).toContain(r.reason);
      }),
      { numRuns: 4000 },
    );
  });

  it("the checksum alone also catches them: exhaustive over all positions and digit pairs", () => {
    // Independent of date/region rules: compare check characters of mutated first-17 strings.
    const base = SAMPLE_ID.slice(0, 17);
    for (let p = 0; p < 17; p++) {
      for (const d of "0123456789") {
        if (d === base[p]) continue;
        expect(residentIdCheckChar(replaceAt(base, p, d))).not.toBe(SAMPLE_ID[17]);
      }
    }
    for (let i = 0; i < 16; i++) {
      if (base[i] === base[i + 1]) continue;
      expect(residentIdCheckChar(swap(base, i, i + 1))).not.toBe(SAMPLE_ID[17]);
    }
  });

  // Not guaranteed: weights repeat every 10 positions (2^10 ≡ 1 mod 11), so i ↔ i+10 swaps keep the checksum.
  it("does not catch swaps of positions i and i+10 at checksum level, as the arithmetic predicts", () => {
    fc.assert(
      fc.property(residentIdArb(), fc.integer({ min: 0, max: 6 }), (id, i) => {
        const first17 = swap(id.slice(0, 17), i, i + 10);
        expect(residentIdCheckChar(first17)).toBe(id[17]);
      }),
      { numRuns: 300 },
    );
  });
});
