/**
 * Masking for log lines and audit entries: identifiers, names, card and phone numbers never
 * appear in full, and file contents never appear at all.
 *
 * Masks use a fixed run of 8 asterisks, so the length of the hidden part is not revealed:
 * an 18-character ID number or credit code keeps its first 4 and last 4 characters
 * (`1101********1234`), shorter identifiers keep less.
 */
import { validateResidentId } from "./resident-id.ts";
import { validateUscc } from "./uscc.ts";

const STARS = "********";

/** Identifier (ID number, credit code, passport/permit number): 15+ chars keep 4+4, 10–14 keep 2+2, 5–9 keep 1+1, shorter nothing. */
export function maskIdentifier(value: string): string {
  const chars = [...value.trim()];
  const n = chars.length;
  const keep = n >= 15 ? 4 : n >= 10 ? 2 : n >= 5 ? 1 : 0;
  if (keep === 0) return STARS;
  return chars.slice(0, keep).join("") + STARS + chars.slice(n - keep).join("");
}

export const maskIdNumber = maskIdentifier;
export const maskCreditCode = maskIdentifier;

/** Person or company name: first character only (`张*`, `J*`). */
export function maskName(value: string): string {
  const first = [...value.trim()][0];
  return first === undefined ? STARS : `${first}**`;
}

/** Bank account: last 4 characters only. */
export function maskBankAccount(value: string): string {
  const chars = [...value.replace(/[\s-]/g, "")];
  return chars.length >= 8 ? STARS + chars.slice(-4).join("") : STARS;
}

/** Mobile number: first 3 and last 2 digits of 11 (`138******78`-style, fixed stars). */
export function maskMobile(value: string): string {
  const chars = [...value.replace(/\s/g, "")];
  return chars.length >= 7 ? chars.slice(0, 3).join("") + STARS + chars.slice(-2).join("") : STARS;
}

export interface RedactTextOptions {
  /** Exact values to hide wherever they occur (e.g. the applicant's name). */
  known?: readonly (string | undefined)[];
}

const ID_LIKE = /(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])/g;
/** USCC layout even when mistyped: 2 code characters, a 6-digit region, 10 more characters of the alphabet. */
const USCC_SHAPE = /^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$/;
const DIGIT_RUN = /(?<![0-9])[0-9][0-9 -]{10,}[0-9](?![0-9])/g;
const MOBILE = /(?<![0-9])1[3-9][0-9]{9}(?![0-9])/g;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Masks sensitive values inside free text (e.g. a BSS error message, a review opinion for the
 * audit trail): 18-character tokens that pass the resident-ID or USCC checksum, digit runs of 12
 * or more (card numbers, old 15-digit IDs), mainland mobile numbers, and every `known` value.
 */
export function redactText(text: string, options: RedactTextOptions = {}): string {
  let out = text;
  const known = (options.known ?? []).filter((k): k is string => typeof k === "string" && k.trim().length >= 2);
  // Longest first so a value containing another is hidden as a whole.
  for (const k of [...known].sort((a, b) => b.length - a.length)) {
    out = out.replace(new RegExp(escapeRegExp(k.trim()), "giu"), (m) => (/^[0-9A-Za-z]+$/.test(m) && m.length >= 5 ? maskIdentifier(m) : maskName(m)));
  }
  // UUIDs (application and request ids) are kept whole: their digit groups are not card numbers.
  return out
    .split(UUID)
    .map((part, i) => (i % 2 === 1 ? part : redactPatterns(part)))
    .join("");
}

const UUID = /((?<![0-9A-Fa-f-])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f-]))/;

function redactPatterns(text: string): string {
  return text
    .replace(ID_LIKE, (m) => {
      const u = m.toUpperCase();
      const sensitive = /^\d{17}[\dX]$/.test(u) || USCC_SHAPE.test(u) || validateResidentId(u).ok || validateUscc(u).ok;
      return sensitive ? maskIdentifier(m) : m;
    })
    .replace(DIGIT_RUN, (m) => {
      const digits = m.replace(/[ -]/g, "");
      return digits.length >= 12 ? maskIdentifier(digits) : m;
    })
    .replace(MOBILE, (m) => maskMobile(m));
}

/** Keys whose values are always masked in {@link redactForLog}, and how. */
const FIELD_MASKS: Readonly<Record<string, (v: string) => string>> = {
  verified_number: maskIdentifier,
  legel_id_number: maskIdentifier,
  legal_id_number: maskIdentifier,
  id_number: maskIdentifier,
  name: maskName,
  legel_name: maskName,
  legal_name: maskName,
  corp_name: maskName,
  bank_account: maskBankAccount,
  mobile: maskMobile,
  verification_code: () => STARS,
  reg_address: () => STARS,
};

/** Keys whose values are replaced by their size only. */
const CONTENT_KEYS = new Set(["content", "content_base64", "body", "bytes", "data"]);

/**
 * A copy of `value` safe to log: sensitive fields masked by name, file contents replaced by their
 * length, Buffers/typed arrays replaced by their length, every other string passed through
 * {@link redactText}. Cycles and very deep structures are cut.
 */
export function redactForLog(value: unknown, options: RedactTextOptions = {}): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, key: string | undefined, depth: number): unknown => {
    if (typeof v === "string") {
      if (key !== undefined && CONTENT_KEYS.has(key)) return `[${v.length} chars omitted]`;
      const mask = key !== undefined ? FIELD_MASKS[key] : undefined;
      return mask ? mask(v) : redactText(v, options);
    }
    if (v === null || typeof v !== "object") return v;
    if (ArrayBuffer.isView(v)) return `[${v.byteLength} bytes omitted]`;
    if (v instanceof ArrayBuffer) return `[${v.byteLength} bytes omitted]`;
    if (v instanceof Date) return v.toISOString();
    if (seen.has(v)) return "[cycle]";
    if (depth > 8) return "[too deep]";
    seen.add(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, key, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x, k, depth + 1);
    return out;
  };
  return walk(value, undefined, 0);
}

/**
 * Known sensitive values of an application (names, numbers), for `redactText(..., { known })`
 * when a message might quote them.
 */
export function sensitiveValues(application: Record<string, unknown>): string[] {
  const out: string[] = [];
  const push = (v: unknown): void => {
    if (typeof v === "string" && v.trim() !== "") out.push(v);
  };
  push(application["verified_number"]);
  push(application["name"]);
  push(application["corp_name"]);
  push(application["reg_address"]);
  const p = application["enterprise_person"];
  if (p && typeof p === "object") {
    push((p as Record<string, unknown>)["legel_name"]);
    push((p as Record<string, unknown>)["legel_id_number"]);
  }
  const b = application["bank_card_info"];
  if (b && typeof b === "object") {
    push((b as Record<string, unknown>)["bank_account"]);
    push((b as Record<string, unknown>)["mobile"]);
  }
  return out;
}
