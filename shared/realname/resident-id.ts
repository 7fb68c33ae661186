/**
 * Citizen identification number (公民身份号码), GB 11643-1999; the same 18-character format is used
 * by the residence permits for Hong Kong/Macao (prefix 81/82) and Taiwan (83) residents.
 *
 * Layout: 6-digit address code (GB/T 2260) · 8-digit birth date YYYYMMDD · 3-digit sequence ·
 * check character (0-9 or X) computed with ISO 7064 MOD 11-2: the digit positions i = 1..17
 * carry weights 2^(18-i) mod 11, the check has weight 1 and the weighted sum of all 18 values
 * (X = 10) is ≡ 1 (mod 11).
 *
 * Why every single substitution and every adjacent transposition is caught (11 is prime):
 * - a digit changed at position i ≤ 17 alters the sum by (d' - d)·w_i with 0 < |d' - d| ≤ 9 < 11
 *   and w_i ≢ 0; a changed check character alters it by at most ±10, never 0 (mod 11);
 * - swapping positions i, i+1 (i ≤ 16): (d_{i+1} - d_i)(w_i - w_{i+1}) with w_{i+1} = w_i/2, so
 *   the factor is d-difference · w_i/2 ≢ 0; swapping 17 and 18 (weights 2 and 1) changes the sum
 *   by d_18 - d_17 ≢ 0 — or moves an X into a digit position, which the alphabet check rejects.
 * Not caught: e.g. swapping positions i and i+10 (the weights repeat with period 10).
 * 15-digit first-generation numbers (no check digit) are refused.
 */

const WEIGHTS: readonly number[] = Array.from({ length: 17 }, (_, i) => {
  let w = 1;
  for (let k = 0; k < 17 - i; k++) w = (w * 2) % 11;
  return w;
});
const CHECK_CHARS = "10X98765432"; // index: weighted sum mod 11

/**
 * First two digits of valid address codes: the 31 mainland provinces, Taiwan (71, GB/T 2260) and
 * the residence-permit prefixes 81 (Hong Kong), 82 (Macao), 83 (Taiwan).
 */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  "11", "12", "13", "14", "15",
  "21", "22", "23",
  "31", "32", "33", "34", "35", "36", "37",
  "41", "42", "43", "44", "45", "46",
  "50", "51", "52", "53", "54",
  "61", "62", "63", "64", "65",
  "71", "81", "82", "83",
]);

/** Earliest birth year accepted as plausible. */
export const MIN_BIRTH_YEAR = 1900;

export type ResidentIdFailure = "length" | "alphabet" | "region" | "date" | "check";

export type ResidentIdResult =
  | { ok: true; value: string; birthDate: string }
  | { ok: false; reason: ResidentIdFailure; message: string; position?: number };

/** The check character for 17 digits. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError("residentIdCheckChar needs exactly 17 digits");
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] as number);
  return CHECK_CHARS[sum % 11] as string;
}

export interface ResidentIdOptions {
  /** "Today" for the not-in-the-future check (default: the current time). */
  now?: Date;
}

/**
 * Validates an exact string (no trimming or case folding: use {@link normalizeResidentId} first
 * when reading user input). Messages never repeat the number.
 */
export function validateResidentId(id: string, options: ResidentIdOptions = {}): ResidentIdResult {
  const chars = [...id];
  if (chars.length !== 18) {
    const old = chars.length === 15 && /^\d{15}$/.test(id) ? " (15-digit first-generation numbers are not accepted)" : "";
    return { ok: false, reason: "length", message: `must be 18 characters, got ${chars.length}${old}` };
  }
  for (let i = 0; i < 17; i++) {
    if (!/^\d$/.test(chars[i] as string)) {
      return { ok: false, reason: "alphabet", position: i + 1, message: `character ${i + 1} must be a digit` };
    }
  }
  if (!/^[\dX]$/.test(chars[17] as string)) {
    const hint = chars[17] === "x" ? " (use upper-case X)" : "";
    return { ok: false, reason: "alphabet", position: 18, message: `the last character must be a digit or X${hint}` };
  }
  if (!PROVINCE_CODES.has(id.slice(0, 2))) {
    return { ok: false, reason: "region", position: 1, message: "the first two digits are not a valid province code" };
  }
  if (id.slice(2, 6) === "0000" && !["81", "82", "83"].includes(id.slice(0, 2))) {
    // Mainland numbers name a county-level area; only the residence-permit prefixes use xx0000.
    return { ok: false, reason: "region", position: 3, message: "digits 1-6 are not a county-level address code" };
  }
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const now = options.now ?? new Date();
  const birth = new Date(Date.UTC(y, m - 1, d));
  const real = m >= 1 && m <= 12 && d >= 1 && birth.getUTCFullYear() === y && birth.getUTCMonth() === m - 1 && birth.getUTCDate() === d;
  if (!real) {
    return { ok: false, reason: "date", position: 7, message: "digits 7-14 are not a valid calendar date (YYYYMMDD)" };
  }
  // Compare in China time: a person born "today" in UTC+8 may still be "tomorrow" in UTC.
  const todayCn = new Date(now.getTime() + 8 * 3600_000);
  const todayUtcMidnight = Date.UTC(todayCn.getUTCFullYear(), todayCn.getUTCMonth(), todayCn.getUTCDate());
  if (y < MIN_BIRTH_YEAR || birth.getTime() > todayUtcMidnight) {
    return { ok: false, reason: "date", position: 7, message: `the birth date (digits 7-14) must be between ${MIN_BIRTH_YEAR} and today` };
  }
  if (residentIdCheckChar(id.slice(0, 17)) !== id[17]) {
    return {
      ok: false,
      reason: "check",
      position: 18,
      message: "check character (18th) does not match the GB 11643 (ISO 7064 MOD 11-2) checksum; the number is mistyped",
    };
  }
  return { ok: true, value: id, birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}` };
}

/** Trim and upper-case the trailing x. */
export function normalizeResidentId(input: string): string {
  return input.trim().toUpperCase();
}
