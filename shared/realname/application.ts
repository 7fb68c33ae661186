/**
 * The partner portal's `POST /realname/applications` body: schema and field-level validation.
 *
 * Field names follow the BSS request bodies (bss-api.md §8–§10, shared/bss/schemas.ts), including
 * BSS's spelling `legel_name` / `legel_id_number`; `xaccount_type` and (for enterprises)
 * `identify_type` are filled in by the service. Attachments come either inline (base64, small
 * total) or as upload slots (role + size; the service answers with presigned URLs).
 *
 * `validateApplication` reports every bad field at once, as `{ field: "a.b[0]", message }`.
 * Messages never repeat identifiers, names or file contents.
 */
import { z } from "zod";
import { DOCUMENT_ROLES, VERIFIED_TYPES, requiredDocuments, type DocumentRole, type DocumentSelector, type HwcSite, type VerifiedType } from "./documents.ts";
import { ACCEPTED_CONTENT_TYPES, MAX_FILE_BYTES, fileTypeForContentType } from "./files.ts";
import { checkAddress, checkHostName, normaliseHostName } from "./callback-target.ts";
import { normalizeResidentId, validateResidentId } from "./resident-id.ts";
import { normalizeUscc, validateUscc } from "./uscc.ts";

/**
 * Cap on the decoded total of inline attachments. Lambda request payloads are limited to 6 MB and
 * base64 inflates by a third: 4 MiB decoded ≈ 5.6 MB encoded, leaving room for the other fields.
 */
export const MAX_INLINE_TOTAL_BYTES = 4 * 1024 * 1024;
/** BSS accepts at most 4 files per application. */
export const MAX_FILES = 4;

export const APPLICATION_TYPES = ["enterprise", "change", "individual"] as const;
export type ApplicationType = (typeof APPLICATION_TYPES)[number];
export const CERTIFICATE_TYPES = [0, 1, 2, 3, 4, 99] as const;
export type CertificateType = (typeof CERTIFICATE_TYPES)[number];

// ---------------------------------------------------------------------------------------------
// Output types

export interface EnterprisePerson {
  legel_name: string;
  legel_id_number: string;
  certifier_role?: "legalPerson";
}
export interface BankCardInfo {
  bank_account: string;
  areacode: string;
  mobile: string;
  verification_code: string;
}
export interface InlineAttachment {
  role: DocumentRole;
  /** Decoded bytes. */
  content: Buffer;
  content_type?: string;
  file_name?: string;
}
export interface UploadSlotRequest {
  role: DocumentRole;
  /** Declared size in bytes (the presigned PUT is signed for exactly this length). */
  size: number;
  content_type?: string;
  file_name?: string;
}
export type Attachments = { mode: "inline"; files: InlineAttachment[] } | { mode: "upload"; files: UploadSlotRequest[] };

interface Common {
  customer_id: string;
  callback_url?: string;
  attachments: Attachments;
}
export interface EnterpriseApplication extends Common {
  type: "enterprise" | "change";
  certificate_type?: CertificateType;
  corp_name: string;
  verified_number: string;
  reg_country?: string;
  reg_address?: string;
  enterprise_person?: EnterprisePerson;
}
export interface IndividualCertificateApplication extends Common {
  type: "individual";
  identify_type: 0;
  verified_type: VerifiedType;
  name: string;
  verified_number: string;
  change_type?: -1;
}
export interface IndividualBankCardApplication extends Common {
  type: "individual";
  identify_type: 4;
  name: string;
  verified_number: string;
  change_type?: -1;
  bank_card_info: BankCardInfo;
}
export type Application = EnterpriseApplication | IndividualCertificateApplication | IndividualBankCardApplication;

export interface FieldError {
  /** Path in the body, e.g. `enterprise_person.legel_id_number` or `attachments.files[1].role`; `(body)` for the whole body. */
  field: string;
  message: string;
}
export type ValidationResult = { ok: true; value: Application } | { ok: false; errors: FieldError[] };

export interface ValidateOptions {
  /** Host names the callback may point to (exact, case-insensitive). Default: any public https host. */
  callbackHosts?: readonly string[];
  /** Local engine/tests only (PARTNER_OPS_ENGINE=1, never set in AWS): also allow loopback hosts, over http too. */
  allowLoopbackHttpCallback?: boolean;
  /** "Today" for birth-date plausibility (default now). */
  now?: Date;
  /**
   * The Huawei site the partner works on (configuration HWC_SITE; default "cn"). Selects the
   * document rules (intl passport: 2 files) and refuses the bank-card scheme on "intl".
   */
  site?: HwcSite;
}

// ---------------------------------------------------------------------------------------------
// Schemas (shape and single-field rules; cross-field rules are in validateApplication)

const HAS_LETTER = /\p{L}/u;

/**
 * Characters a name, a company name or an address must not contain: C0/C1 controls (NUL, ESC of
 * ANSI escape sequences, line breaks, tab), Unicode line/paragraph separators, bidirectional
 * controls (overrides, embeddings, isolates, marks that can reorder what a reviewer reads), and
 * other invisible format characters (zero-width, BOM, soft hyphen… — Unicode category Cf). Lone
 * surrogates are checked apart (String.prototype.isWellFormed).
 */
const UNSAFE_TEXT = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** Why `s` is not safe plain text, or undefined. Linear; names no character of the input beyond its code point. */
export function unsafeTextProblem(s: string): string | undefined {
  if (!s.isWellFormed()) return "must be well-formed Unicode text (no lone surrogates)";
  const m = UNSAFE_TEXT.exec(s);
  if (!m) return undefined;
  const cp = m[0].codePointAt(0)!;
  const what =
    cp === 0 ? "NUL" : cp === 0x1b ? "an escape (ANSI) character" : cp === 0x0a || cp === 0x0d || cp === 0x85 || cp === 0x2028 || cp === 0x2029 ? "a line break"
      : (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200e || cp === 0x200f || cp === 0x061c ? "a bidirectional control"
      : cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ? "a control character" : "an invisible format character";
  return `must not contain ${what} (U+${cp.toString(16).toUpperCase().padStart(4, "0")})`;
}

const safeText = (schema: z.ZodString) =>
  schema.superRefine((s, ctx) => {
    const problem = unsafeTextProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const personOrCorpName = safeText(z.string().trim().min(1).max(255)).refine((s) => HAS_LETTER.test(s), "must contain letters, not only digits, spaces or punctuation");

const residentId = z.string().trim().min(1).max(32);

const enterprisePersonSchema = z.strictObject({
  legel_name: personOrCorpName,
  legel_id_number: residentId,
  certifier_role: z.literal("legalPerson").optional(),
});

const contentType = z
  .string()
  .max(100)
  .refine((s) => fileTypeForContentType(s) !== undefined, `must be one of ${ACCEPTED_CONTENT_TYPES.join(", ")}`);
const fileName = z.string().min(1).max(255);
const role = z.enum(DOCUMENT_ROLES);

/** Strict standard base64 with padding; linear scans only (bodies can carry ~5.6 MB of it). */
function base64Problem(s: string): string | undefined {
  if (/^data:/i.test(s)) return "send only the base64 data, without a data: URL prefix";
  if (s.length === 0) return "the file is empty";
  if (/[^A-Za-z0-9+/=]/.test(s)) {
    return /\s/.test(s)
      ? "base64 must not contain spaces or line breaks"
      : "not valid base64 (standard alphabet A-Z a-z 0-9 + / with = padding)";
  }
  const eq = s.indexOf("=");
  const paddingOk = eq === -1 || eq === s.length - 1 || (eq === s.length - 2 && s.endsWith("="));
  if (s.length % 4 !== 0 || !paddingOk) return "not valid base64 (standard alphabet A-Z a-z 0-9 + / with = padding)";
  return undefined;
}
const base64Content = z.string().superRefine((s, ctx) => {
  const problem = base64Problem(s);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const inlineFile = z.strictObject({ role, content_base64: base64Content, content_type: contentType.optional(), file_name: fileName.optional() });
const uploadSlot = z.strictObject({
  role,
  size: z
    .number()
    .int()
    .min(1, "the file is empty")
    .max(MAX_FILE_BYTES, `must be at most ${MAX_FILE_BYTES} bytes (10 MB, the BSS limit per file)`),
  content_type: contentType.optional(),
  file_name: fileName.optional(),
});

const attachments = z.discriminatedUnion("mode", [
  // Counts are checked in validateApplication: a failing array-length check would hide the items' own errors.
  z.strictObject({ mode: z.literal("inline"), files: z.array(inlineFile) }),
  z.strictObject({ mode: z.literal("upload"), files: z.array(uploadSlot) }),
]);

const common = {
  customer_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '-' or '_' (the customer's account id)"),
  callback_url: z.string().min(1).max(2048).optional(),
  attachments,
};

const enterpriseShape = {
  ...common,
  identify_type: z.literal(1).optional(),
  certificate_type: z.literal(CERTIFICATE_TYPES).optional(),
  corp_name: personOrCorpName,
  verified_number: z.string().trim().min(1).max(64),
  reg_country: z.string().regex(/^[A-Z]{2}$/, "must be a 2-letter upper-case country code, e.g. CN").optional(),
  reg_address: safeText(z.string().trim().min(1).max(512)).optional(),
  enterprise_person: enterprisePersonSchema.optional(),
};

const schemas = {
  enterprise: z.strictObject({ type: z.literal("enterprise"), ...enterpriseShape }),
  change: z.strictObject({ type: z.literal("change"), ...enterpriseShape, change_type: z.literal(1).optional() }),
  individual: z.strictObject({
    type: z.literal("individual"),
    ...common,
    identify_type: z.literal([0, 4]),
    verified_type: z.literal(VERIFIED_TYPES).optional(),
    name: personOrCorpName,
    verified_number: z.string().trim().min(1).max(32),
    change_type: z.literal(-1).optional(),
    bank_card_info: z
      .strictObject({
        bank_account: z
          .string()
          .transform((s) => s.replace(/[\s]/g, ""))
          .pipe(z.string().regex(/^[0-9A-Za-z][0-9A-Za-z-]{0,63}$/, "must be letters, digits and '-' (starting with a letter or digit), at most 64")),
        areacode: z
          .string()
          .transform((s) => s.trim())
          .pipe(z.enum(["0086", "86", "+86"], { error: "must be 0086: the bank-card method uses an SMS code, which BSS sends to mainland China numbers only" })),
        mobile: z.string().trim().regex(/^1\d{10}$/, "must be an 11-digit mainland China mobile number"),
        verification_code: z.string().trim().regex(/^[0-9A-Za-z]{4,10}$/, "must be the 4-10 character SMS code"),
      })
      .optional(),
  }),
} as const;

/** The zod schema for each application type (shape only; use validateApplication for the full rules). */
export const applicationSchemas = schemas;

// ---------------------------------------------------------------------------------------------
// Error formatting

type Path = readonly PropertyKey[];

export function formatPath(path: Path): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out === "" ? "(body)" : out;
}

/** A Map, not an object literal: a key such as `__proto__` or `constructor` must find nothing. */
const UNKNOWN_FIELD_HINTS: ReadonlyMap<string, string> = new Map([
  ["legal_name", "unknown field; BSS spells it legel_name"],
  ["legal_id_number", "unknown field; BSS spells it legel_id_number"],
  ["xaccount_type", "set by the service, do not send it"],
  ["verified_file_url", "set by the service from the attachments, do not send it"],
  ["content", "unknown field; send the file as content_base64"],
]);

function describeType(expected: string): string {
  switch (expected) {
    case "int":
      return "an integer";
    case "object":
      return "an object";
    case "array":
      return "an array";
    default:
      return `a ${expected}`;
  }
}

function valueAt(root: unknown, path: Path): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function list(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}

/** One error per field (the first issue zod found for it). */
function toFieldErrors(issues: readonly z.core.$ZodIssue[], root: unknown): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const iss of issues) {
    if (iss.code === "unrecognized_keys") {
      for (const k of iss.keys) {
        const field = formatPath([...iss.path, k]);
        if (!seen.has(field)) out.push({ field, message: UNKNOWN_FIELD_HINTS.get(k) ?? "unknown field" });
        seen.add(field);
      }
      continue;
    }
    const field = formatPath(iss.path);
    if (seen.has(field)) continue;
    seen.add(field);
    const present = valueAt(root, iss.path) !== undefined;
    let message: string;
    switch (iss.code) {
      case "invalid_type":
        message = present ? `must be ${describeType(iss.expected)}` : "required";
        break;
      case "invalid_value":
        message = present ? (iss.values.length === 1 ? `must be ${list(iss.values)}` : `must be one of ${list(iss.values)}`) : "required";
        if (iss.message && !iss.message.startsWith("Invalid")) message = iss.message;
        break;
      case "invalid_union":
        {
          const options = (iss as { options?: unknown }).options;
          message = Array.isArray(options) ? (present ? `must be one of ${list(options)}` : "required") : "invalid value";
        }
        break;
      case "too_small":
        message =
          iss.message && !/^Too small/.test(iss.message)
            ? iss.message
            : iss.origin === "string"
              ? Number(iss.minimum) === 1
                ? "must not be empty"
                : `must be at least ${iss.minimum} characters`
              : iss.origin === "array"
                ? `must have at least ${iss.minimum} item(s)`
                : `must be at least ${iss.minimum}`;
        break;
      case "too_big":
        message =
          iss.message && !/^Too big/.test(iss.message)
            ? iss.message
            : iss.origin === "string"
              ? `must be at most ${iss.maximum} characters`
              : iss.origin === "array"
                ? `must have at most ${iss.maximum} item(s)`
                : `must be at most ${iss.maximum}`;
        break;
      default:
        message = iss.message;
    }
    out.push({ field, message });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cross-field rules

function decodedLength(b64: string): number {
  const pad = b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
  return (b64.length / 4) * 3 - pad;
}

function checkCallbackUrl(value: string, options: ValidateOptions): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute https:// URL";
  }
  const host = normaliseHostName(url.hostname);
  const allowLoopback = options.allowLoopbackHttpCallback === true;
  // Local engine/tests only: http to this machine (a portal stub).
  const loopbackHttp = allowLoopback && url.protocol === "http:" && (host === "localhost" || isLoopbackLiteral(host));
  if (url.protocol !== "https:" && !loopbackHttp) return "must use https://";
  if (url.username !== "" || url.password !== "") return "must not contain a user name or password";
  if (url.hash !== "") return "must not contain a #fragment";
  // Names and literal addresses here; what a name resolves to is checked again when connecting.
  const target = checkHostName(url.hostname, { allowLoopback });
  if (!target.ok) return target.message;
  if (options.callbackHosts !== undefined && !options.callbackHosts.some((h) => normaliseHostName(h) === host) && !loopbackHttp) {
    return "host is not in the configured list of callback hosts";
  }
  return undefined;
}

function isLoopbackLiteral(host: string): boolean {
  const v = checkAddress(host, { allowLoopback: false });
  return !v.ok && checkAddress(host, { allowLoopback: true }).ok;
}

/**
 * Whether an enterprise's `verified_number` must be a valid unified social credit code (GB 32100).
 * Business licences (certificate_type 0) carry one, and BSS's default when the type is omitted is
 * the business licence. Since 2015 the other certificates (public institution, social organisation,
 * law-enforcement qualification) carry the same 18-character code, and an organisation code (4) is
 * its 9 characters 9-17: so any 18-character number is checked as a credit code whatever the type;
 * shorter ones (an old organisation code, "other" documents) are not.
 */
function usccExpected(certificateType: unknown, number: string): boolean {
  if (certificateType === 0 || certificateType === undefined) return true;
  return normalizeUscc(number).length === 18;
}

/** Format rules for `verified_number` of an individual, by certificate. */
function checkIndividualNumber(identifyType: 0 | 4, verifiedType: VerifiedType | undefined, number: string, now: Date | undefined): string | undefined {
  const n = number.toUpperCase();
  const asResidentId = (prefixes: readonly string[] | undefined, what: string): string | undefined => {
    const r = validateResidentId(n, now ? { now } : {});
    if (!r.ok) return `not a valid ${what}: ${r.message}`;
    if (prefixes && !prefixes.some((p) => n.startsWith(p))) return `not a valid ${what}: must start with ${prefixes.join(" or ")}`;
    return undefined;
  };
  if (identifyType === 4) return asResidentId(undefined, "resident ID number");
  switch (verifiedType) {
    case 3:
      return /^[A-Z0-9]{5,20}$/.test(n) ? undefined : "passport number must be 5-20 letters or digits";
    case 5:
      return /^[HM]\d{8}(\d{2})?$/.test(n) ? undefined : "travel permit number must be H (Hong Kong) or M (Macao) followed by 8 or 10 digits";
    case 6:
      return /^(\d{8}|\d{10}(\([A-Z]\))?)$/.test(n) ? undefined : "Taiwan travel permit number must be 8 digits (or 10 digits on older permits)";
    case 9:
      return asResidentId(["810000", "820000"], "Hong Kong/Macao residence permit number");
    case 10:
      return asResidentId(["830000"], "Taiwan residence permit number");
    default:
      return undefined;
  }
}

/**
 * Validates a parsed JSON body. On success the value is normalised: identifiers trimmed and
 * upper-cased, inline attachments decoded to Buffers, `areacode` as `0086`.
 */
export function validateApplication(body: unknown, options: ValidateOptions = {}): ValidationResult {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return { ok: false, errors: [{ field: "(body)", message: "must be a JSON object" }] };
  }
  const raw = body as Record<string, unknown>;
  const site: HwcSite = options.site ?? "cn";
  const type = raw["type"];
  if (typeof type !== "string" || !(APPLICATION_TYPES as readonly string[]).includes(type)) {
    const errors: FieldError[] = [{ field: "type", message: type === undefined ? `required: one of ${list(APPLICATION_TYPES)}` : `must be one of ${list(APPLICATION_TYPES)}` }];
    return { ok: false, errors };
  }
  const schema = schemas[type as ApplicationType];
  const parsed = schema.safeParse(body);
  const errors: FieldError[] = parsed.success ? [] : toFieldErrors(parsed.error.issues, body);
  const failed = new Set(errors.map((e) => e.field));
  const add = (field: string, message: string): void => {
    if (!failed.has(field)) {
      errors.push({ field, message });
      failed.add(field);
    }
  };
  const str = (k: string): string | undefined => (typeof raw[k] === "string" && !failed.has(k) ? (raw[k] as string).trim() : undefined);

  // Callback URL.
  const cb = str("callback_url");
  if (cb !== undefined) {
    const m = checkCallbackUrl(cb, options);
    if (m) add("callback_url", m);
  }

  // Identifiers that depend on other fields.
  let selector: DocumentSelector | undefined;
  if (type === "enterprise" || type === "change") {
    const vn = str("verified_number");
    if (vn !== undefined && usccExpected(raw["certificate_type"], vn)) {
      const r = validateUscc(normalizeUscc(vn));
      if (!r.ok) {
        const why = raw["certificate_type"] === 0 ? "required for certificate_type 0, business licence" : raw["certificate_type"] === undefined ? "certificate_type omitted: a business licence is assumed" : "an 18-character certificate number is a credit code";
        add("verified_number", `not a valid unified social credit code (${why}): ${r.message}`);
      }
    }
    const person = raw["enterprise_person"];
    if (person !== null && typeof person === "object" && !failed.has("enterprise_person.legel_id_number")) {
      const id = (person as Record<string, unknown>)["legel_id_number"];
      if (typeof id === "string") {
        const r = validateResidentId(normalizeResidentId(id), options.now ? { now: options.now } : {});
        if (!r.ok) add("enterprise_person.legel_id_number", `not a valid resident ID number: ${r.message}`);
      }
    }
    if (!failed.has("enterprise_person")) selector = { type, enterprise_person: raw["enterprise_person"] };
  } else {
    const it = raw["identify_type"];
    const vt = raw["verified_type"];
    if (it === 4 && site === "intl") {
      add("identify_type", "must be 0 (personal certificate): the international site has no bank-card scheme (identify_type 4)");
    } else if (it === 0 || it === 4) {
      if (it === 0 && vt === undefined) add("verified_type", `required when identify_type is 0: one of ${list(VERIFIED_TYPES)}`);
      if (it === 4 && vt !== undefined) add("verified_type", "only used with identify_type 0 (personal certificate)");
      if (it === 4 && raw["bank_card_info"] === undefined) add("bank_card_info", "required when identify_type is 4 (bank card)");
      if (it === 0 && raw["bank_card_info"] !== undefined) add("bank_card_info", "only used with identify_type 4 (bank card)");
      const vtOk = it === 4 || (VERIFIED_TYPES as readonly unknown[]).includes(vt);
      const vn = str("verified_number");
      if (vtOk && vn !== undefined) {
        const m = checkIndividualNumber(it, vt as VerifiedType | undefined, vn, options.now);
        if (m) add("verified_number", m);
      }
      if (vtOk && !failed.has("verified_type")) {
        selector = it === 4 ? { type: "individual", identify_type: 4 } : { type: "individual", identify_type: 0, verified_type: vt as VerifiedType };
      }
    }
  }

  // Attachments: exactly the required roles, once each; inline total under the cap.
  const att = raw["attachments"];
  const files = att !== null && typeof att === "object" ? (att as Record<string, unknown>)["files"] : undefined;
  if (Array.isArray(files)) {
    if (files.length === 0) add("attachments.files", "must list at least one file");
    if (files.length > MAX_FILES) add("attachments.files", `must list at most ${MAX_FILES} files (the BSS limit)`);
    const seen = new Map<string, number>();
    const needed = selector ? requiredDocuments(selector, site) : undefined;
    files.forEach((f, i) => {
      const r = f !== null && typeof f === "object" ? (f as Record<string, unknown>)["role"] : undefined;
      const field = `attachments.files[${i}].role`;
      if (typeof r !== "string" || failed.has(field)) return;
      if (seen.has(r)) add(field, `role ${JSON.stringify(r)} is given twice (also attachments.files[${seen.get(r)}])`);
      else seen.set(r, i);
      if (needed && (DOCUMENT_ROLES as readonly string[]).includes(r) && !needed.includes(r as DocumentRole)) {
        add(field, `role ${JSON.stringify(r)} is not needed for this application (needed: ${needed.join(", ")})`);
      }
    });
    if (needed && !failed.has("attachments.files")) {
      const missing = needed.filter((r) => !seen.has(r));
      if (missing.length > 0) add("attachments.files", `missing document(s): ${missing.join(", ")} (needed, in order: ${needed.join(", ")})`);
    }
    if ((att as Record<string, unknown>)["mode"] === "inline") {
      let total = 0;
      files.forEach((f, i) => {
        const c = f !== null && typeof f === "object" ? (f as Record<string, unknown>)["content_base64"] : undefined;
        const field = `attachments.files[${i}].content_base64`;
        if (typeof c !== "string" || failed.has(field)) return;
        const n = decodedLength(c);
        total += n;
        if (n > MAX_FILE_BYTES) add(field, `the file is ${n} bytes; the limit is ${MAX_FILE_BYTES} bytes (10 MB) per file`);
      });
      if (total > MAX_INLINE_TOTAL_BYTES) {
        add(
          "attachments.files",
          `inline attachments total ${total} bytes decoded; the limit is ${MAX_INLINE_TOTAL_BYTES} bytes (4 MiB) because ` +
            `request payloads are capped at 6 MB and base64 adds a third. Use attachments.mode "upload" for larger files`,
        );
      }
    }
  }

  if (errors.length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, value: normalise(parsed.data as unknown as Record<string, unknown>) };
}

function normalise(d: Record<string, unknown>): Application {
  const out: Record<string, unknown> = { ...d };
  delete out["identify_type"];
  const att = d["attachments"] as { mode: "inline"; files: { role: DocumentRole; content_base64: string; content_type?: string; file_name?: string }[] } | { mode: "upload"; files: UploadSlotRequest[] };
  const ct = <T extends { content_type?: string }>(f: T): T =>
    f.content_type === undefined ? f : { ...f, content_type: (f.content_type.split(";")[0] ?? "").trim().toLowerCase() };
  out["attachments"] =
    att.mode === "inline"
      ? {
          mode: "inline",
          files: att.files.map(({ content_base64, ...rest }) => ({ ...ct(rest), content: Buffer.from(content_base64, "base64") })),
        }
      : { mode: "upload", files: att.files.map((f) => ct({ ...f })) };
  if (typeof d["callback_url"] === "string") out["callback_url"] = d["callback_url"].trim();
  if (d["type"] === "individual") {
    out["identify_type"] = d["identify_type"];
    out["verified_number"] = String(d["verified_number"]).toUpperCase();
    const bank = d["bank_card_info"] as BankCardInfo | undefined;
    if (bank) out["bank_card_info"] = { ...bank, areacode: "0086" };
  } else {
    if (usccExpected(d["certificate_type"], String(d["verified_number"]))) out["verified_number"] = normalizeUscc(String(d["verified_number"]));
    delete out["change_type"];
    const person = d["enterprise_person"] as EnterprisePerson | undefined;
    if (person) out["enterprise_person"] = { ...person, legel_id_number: normalizeResidentId(person.legel_id_number) };
  }
  return out as unknown as Application;
}
