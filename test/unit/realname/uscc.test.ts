import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { USCC_ALPHABET, normalizeUscc, usccCheckChar, validateUscc } from "../../../shared/realname/uscc.ts";
import { SAMPLE_USCC, USCC_CHARS, oracleUsccCheck, oracleUsccValid, usccArb } from "./oracle.ts";

const swap = (s: string, i: number, j: number): string => {
  const a = [...s];
  [a[i], a[j]] = [a[j]!, a[i]!];
  return a.join("");
};
const replaceAt = (s: string, i: number, c: string): string => s.slice(0, i) + c + s.slice(i + 1);

describe("validateUscc: reasons", () => {
  it("accepts a well-known sample and uses the standard's alphabet", () => {
    expect(USCC_ALPHABET).toBe(USCC_CHARS);
    expect(validateUscc(SAMPLE_USCC)).toEqual({ ok: true, value: SAMPLE_USCC });
    expect(SAMPLE_USCC).toBe("91350100M000100Y43");
  });

  it("length", () => {
    for (const s of ["", SAMPLE_USCC.slice(0, 17), SAMPLE_USCC + "0", "9135010057473337"]) {
      const r = validateUscc(s);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason).toBe("length");
        expect(r.message).toContain(`got ${[...s].length}`);
      }
    }
  });

  it("alphabet: I O Z S V, lower case, punctuation, with the position", () => {
    for (const [i, c, hint] of [
      [0, "I", "never uses I, O, Z, S or V"],
      [8, "O", "never uses"],
      [10, "Z", "never uses"],
      [11, "S", "never uses"],
      [12, "V", "never uses"],
      [8, "m", "upper case"],
      [3, "-", "only digits"],
      [3, "０", "only digits"],
    ] as const) {
      const r = validateUscc(replaceAt(SAMPLE_USCC, i, c));
      expect(r).toMatchObject({ ok: false, reason: "alphabet", position: i + 1 });
      if (!r.ok) expect(r.message).toContain(hint);
    }
  });

  it("check character, and the message never repeats the code", () => {
    const bad = replaceAt(SAMPLE_USCC, 17, SAMPLE_USCC[17] === "3" ? "4" : "3");
    const r = validateUscc(bad);
    expect(r).toMatchObject({ ok: false, reason: "check", position: 18 });
    if (!r.ok) expect(r.message).not.toContain(bad.slice(0, 8));
  });

  it("normalizeUscc trims and upper-cases (lower-case input is then accepted)", () => {
    expect(validateUscc(normalizeUscc(`  ${SAMPLE_USCC.toLowerCase()} `)).ok).toBe(true);
    expect(validateUscc(SAMPLE_USCC.toLowerCase()).ok).toBe(false);
  });

  it("usccCheckChar refuses bad input instead of guessing", () => {
    expect(() => usccCheckChar("123")).toThrow(RangeError);
    expect(() => usccCheckChar("91350100M000100I4")).toThrow(/alphabet/);
  });
});

describe("validateUscc: properties against an independent oracle", () => {
  it("every generated valid code passes, and the check character equals the oracle's", () => {
    fc.assert(
      fc.property(usccArb, (code) => {
        expect(validateUscc(code)).toEqual({ ok: true, value: code });
        expect(usccCheckChar(code.slice(0, 17))).toBe(oracleUsccCheck(code.slice(0, 17)));
      }),
      { numRuns: 2000 },
    );
  });

  it("agrees with the oracle on arbitrary 17 characters + any last character", () => {
    fc.assert(
      fc.property(usccArb, fc.constantFrom(...USCC_CHARS), (code, last) => {
        const s = code.slice(0, 17) + last;
        expect(validateUscc(s).ok).toBe(oracleUsccValid(s));
      }),
      { numRuns: 3000 },
    );
  });

  // Guaranteed by the checksum (mod 31 prime, all weights non-zero, neighbours' weights differ):
  it("rejects every single-character substitution within the alphabet, as a check failure", () => {
    fc.assert(
      fc.property(usccArb, fc.integer({ min: 0, max: 17 }), fc.integer({ min: 1, max: 30 }), (code, pos, shift) => {
        const c = USCC_CHARS[(USCC_CHARS.indexOf(code[pos]!) + shift) % 31]!;
        expect(validateUscc(replaceAt(code, pos, c))).toMatchObject({ ok: false, reason: "check" });
      }),
      { numRuns: 3000 },
    );
  });

  it("rejects any substitution by an arbitrary other character (alphabet or check)", () => {
    fc.assert(
      fc.property(usccArb, fc.integer({ min: 0, max: 17 }), fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }), (code, pos, c) => {
        fc.pre(c !== code[pos]);
        const r = validateUscc(replaceAt(code, pos, c));
        expect(r.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it("rejects every transposition of adjacent different characters (including 17↔18)", () => {
    fc.assert(
      fc.property(usccArb, fc.integer({ min: 0, max: 16 }), (code, i) => {
        fc.pre(code[i] !== code[i + 1]);
        expect(validateUscc(swap(code, i, i + 1))).toMatchObject({ ok: false, reason: "check" });
      }),
      { numRuns: 3000 },
    );
  });

  it("exhaustively, on fixed codes: all 18×30 substitutions and all 17 adjacent swaps are caught", () => {
    for (const code of [SAMPLE_USCC, "000000000000000000".slice(0, 17) + oracleUsccCheck("0".repeat(17)), "YYYYYYYYYYYYYYYYY" + oracleUsccCheck("Y".repeat(17))]) {
      expect(validateUscc(code).ok).toBe(true);
      for (let p = 0; p < 18; p++) {
        for (const c of USCC_CHARS) if (c !== code[p]) expect(validateUscc(replaceAt(code, p, c)).ok).toBe(false);
      }
      for (let i = 0; i < 17; i++) if (code[i] !== code[i + 1]) expect(validateUscc(swap(code, i, i + 1)).ok).toBe(false);
    }
  });

  // Not guaranteed (and the test shows the argument is tight): position 1 and the check share weight 1.
  it("does not catch a swap of positions 1 and 18 (both weight 1), exactly as the arithmetic predicts", () => {
    fc.assert(
      fc.property(usccArb, (code) => {
        expect(validateUscc(swap(code, 0, 17)).ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
