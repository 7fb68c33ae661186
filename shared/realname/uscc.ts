/**
 * Unified social credit code (统一社会信用代码), GB 32100-2015.
 *
 * 18 characters from a 31-character alphabet (digits and upper-case letters without I, O, Z, S, V).
 * Each character has the value of its index in that alphabet. Positions 1–17 carry weights
 * 3^(i-1) mod 31; the 18th character is chosen so that the weighted sum of all 18 characters
 * (the check character has weight 1) is a multiple of 31.
 *
 * Why every single substitution and every adjacent transposition is caught (31 is prime):
 * - substitution at position i changes the sum by (c' - c)·w_i with 0 < |c' - c| < 31 and
 *   w_i ≢ 0, so the sum stops being ≡ 0 (mod 31);
 * - swapping positions i, i+1 (i ≤ 16) changes it by (c_{i+1} - c_i)(w_i - w_{i+1}) =
 *   (c_{i+1} - c_i)·(-2·w_i), non-zero when the characters differ; swapping 17 and 18 changes it
 *   by (c_18 - c_17)(w_17 - 1) = 27·(c_18 - c_17), also non-zero.
 * Not caught: e.g. swapping positions 1 and 18 (both weight 1).
 */

/** The 31 characters of GB 32100 in value order. */
export const USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

const WEIGHTS: readonly number[] = Array.from({ length: 17 }, (_, i) => {
  let w = 1;
  for (let k = 0; k < i; k++) w = (w * 3) % 31;
  return w;
});

export type UsccFailure = "length" | "alphabet" | "check";

export type UsccResult =
  | { ok: true; value: string }
  | { ok: false; reason: UsccFailure; message: string; position?: number };

/** The check character for the first 17 characters (which must already be in the alphabet). */
export function usccCheckChar(first17: string): string {
  if (first17.length !== 17) throw new RangeError("usccCheckChar needs exactly 17 characters");
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_ALPHABET.indexOf(first17[i] as string);
    if (v < 0) throw new RangeError(`character ${i + 1} is not in the GB 32100 alphabet`);
    sum += v * (WEIGHTS[i] as number);
  }
  return USCC_ALPHABET[(31 - (sum % 31)) % 31] as string;
}

/**
 * Validates an exact string (no trimming or case folding: use {@link normalizeUscc} first when
 * reading user input).
 */
export function validateUscc(code: string): UsccResult {
  const chars = [...code];
  if (chars.length !== 18) {
    return { ok: false, reason: "length", message: `must be 18 characters, got ${chars.length}` };
  }
  for (let i = 0; i < 18; i++) {
    const ch = chars[i] as string;
    if (!USCC_ALPHABET.includes(ch)) {
      const hint = /^[IOZSV]$/.test(ch)
        ? ` (GB 32100 never uses I, O, Z, S or V)`
        : /^[a-z]$/.test(ch)
          ? " (letters must be upper case)"
          : "";
      return {
        ok: false,
        reason: "alphabet",
        position: i + 1,
        message: `character ${i + 1} is not allowed${hint}; only digits and A-H J-N P-R T U W-Y are used`,
      };
    }
  }
  const expected = usccCheckChar(code.slice(0, 17));
  if (code[17] !== expected) {
    return {
      ok: false,
      reason: "check",
      position: 18,
      message: "check character (18th) does not match the GB 32100 checksum; the code is mistyped",
    };
  }
  return { ok: true, value: code };
}

/** Trim and upper-case (printed codes are upper case; users often type lower case). */
export function normalizeUscc(input: string): string {
  return input.trim().toUpperCase();
}
