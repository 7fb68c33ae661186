/**
 * Redaction for anything that may reach a log line: secrets, tokens, signatures, AK/SK, Chinese
 * resident ID numbers, phone numbers. Pure and I/O-free.
 *
 * Two rules:
 * - by key: a property whose name looks sensitive (see SENSITIVE_KEY) is replaced as a whole;
 * - by value: inside any string, APIG/SigV4 Authorization values and 18-digit ID numbers are masked.
 */

export const REDACTED = "[REDACTED]";

/**
 * Property names whose values are never logged. Matched against the key with `_`/`-` removed and
 * lower-cased, so `HWC_SK`, `hwcSk`, `x-security-token`, `idNumber`, `id_card_no` all match.
 */
const SENSITIVE_KEY =
  /(secret|password|passwd|token|authorization|signature|credential|cookie|privatekey|accesskey|secretkey|apikey|sessionkey|idnumber|idcard|idno|certificatenumber|certno|identitynumber|mobile|phone|^ak$|^sk$|sk$|ak$)/;

/** Keys ending in ak/sk catch `hwcAk`, `obs_sk`, but would also catch words like "break"/"task"/"desk". */
const SAFE_KEYS = new Set(["break", "task", "desk", "disk", "risk", "ask", "mask", "peak", "leak", "weak", "speak", "tasks", "oak"]);

function normalise(key: string): string {
  return key.replace(/[_\-\s.]/g, "").toLowerCase();
}

/** True when a property with this name must not be logged. */
export function isSensitiveKey(key: string): boolean {
  const k = normalise(key);
  if (k.length === 0 || SAFE_KEYS.has(k)) return false;
  return SENSITIVE_KEY.test(k);
}

const AUTH_VALUE = /\b(SDK-HMAC-SHA256|AWS4-HMAC-SHA256|V11-HMAC-SHA256|Bearer|Basic)\s+[^\s"',;]+(?:,\s*[A-Za-z]+=[^\s"',;]+)*/g;
// 18-character PRC resident identity number (17 digits + digit or X), not part of a longer number.
const ID_NUMBER = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;

/** Masks secrets that appear inside free text. */
export function redactString(value: string): string {
  return value.replace(AUTH_VALUE, (_m, scheme: string) => `${scheme} ${REDACTED}`).replace(ID_NUMBER, REDACTED);
}

/**
 * Returns a deep copy of `value` with sensitive properties replaced by `[REDACTED]` and secrets in
 * strings masked. Handles cycles, Errors (name/message/stack kept, masked), Maps, Sets and Buffers
 * (never printed: replaced by a length note).
 */
export function redact(value: unknown, maxDepth = 12): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return redactString(v);
    if (v === null || typeof v !== "object") return v;
    if (seen.has(v)) return "[Circular]";
    if (depth >= maxDepth) return "[Truncated]";
    seen.add(v);
    if (v instanceof Uint8Array) return `[${v.byteLength} bytes]`;
    if (v instanceof Date) return v;
    if (v instanceof Error) {
      const out: Record<string, unknown> = { name: v.name, message: redactString(v.message) };
      if (v.stack) out["stack"] = redactString(v.stack);
      for (const [k, val] of Object.entries(v)) out[k] = isSensitiveKey(k) ? REDACTED : walk(val, depth + 1);
      return out;
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v instanceof Map) return walk(Object.fromEntries(v), depth);
    if (v instanceof Set) return walk([...v], depth);
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) out[k] = isSensitiveKey(k) && typeof val !== "boolean" ? REDACTED : walk(val, depth + 1);
    return out;
  };
  return walk(value, 0);
}

/**
 * A JSON.stringify replacer that applies the same rules. Used by the logger so that every
 * attribute, including nested ones added by callers, is redacted at serialisation time.
 */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== "" && typeof value !== "boolean" && value !== undefined && isSensitiveKey(key)) return REDACTED;
  if (typeof value === "string") return redactString(value);
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (typeof value === "bigint") return value.toString();
  if (isSerialisedBuffer(value)) return `[${value.data.length} bytes]`;
  return value;
}

/** `Buffer#toJSON()` output, which JSON.stringify hands to the replacer instead of the Buffer. */
function isSerialisedBuffer(v: unknown): v is { type: "Buffer"; data: number[] } {
  return typeof v === "object" && v !== null && (v as { type?: unknown }).type === "Buffer" && Array.isArray((v as { data?: unknown }).data);
}
