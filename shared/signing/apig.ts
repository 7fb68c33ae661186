/**
 * Huawei Cloud APIG request signing, algorithm `SDK-HMAC-SHA256`.
 *
 * The canonical form follows Huawei's documented algorithm and the official signers
 * (see ../shared/reference/signing-and-obs.md, part A). Where the official Node SDK core
 * diverges from the documentation (untrimmed header values, double-encoded paths,
 * locale-ordered headers) this signer follows the documentation: decode once, encode once,
 * trim values, sort by code unit.
 *
 * node:crypto only, no runtime dependencies, no I/O.
 */
import { hash, hkdfSync, timingSafeEqual } from "node:crypto";

export const ALGORITHM = "SDK-HMAC-SHA256";
export const DERIVED_ALGORITHM = "V11-HMAC-SHA256";
export const EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

const DATE_HEADER = "x-sdk-date";
const CONTENT_SHA256_HEADER = "x-sdk-content-sha256";

export type QueryValue = string | number | boolean;

export interface SignableRequest {
  method: string;
  /** Absolute URL as it will be sent. The query is read from here unless `query` is given. */
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /**
   * Decoded query parameters (arrays = repeated keys). When given, they are the truth for the
   * canonical query string and must match what `url` carries on the wire.
   */
  query?: Record<string, QueryValue | readonly QueryValue[]>;
}

export interface Credentials {
  ak: string;
  sk: string;
  securityToken?: string | undefined;
  projectId?: string | undefined;
  domainId?: string | undefined;
}

export interface SignedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface SignatureParts {
  canonicalRequest: string;
  stringToSign: string;
  signedHeaders: string;
  signature: string;
  authorization: string;
}

export interface SignOptions {
  /** Clock used only when the request carries no X-Sdk-Date. */
  now?: () => Date;
  /**
   * Derived AK/SK (`V11-HMAC-SHA256`), only for services configured for it: the signing key is
   * HKDF-SHA256(SK, salt AK, info `<yyyymmdd>/<region>/<service>`) in hex. Not used by BSS.
   */
  derived?: { regionId: string; serviceName: string };
}

/** Thrown for a request or credentials the signer cannot sign correctly. */
export class SigningError extends Error {
  override name = "SigningError";
}

// ---------------------------------------------------------------------------------------------
// Encoding

const HEX = Array.from({ length: 256 }, (_, i) => "%" + i.toString(16).toUpperCase().padStart(2, "0"));
// A-Z a-z 0-9 - _ . ~ stay literal.
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-_.~]/.test(ch)) UNRESERVED[c] = 1;
}

/** Strict percent-encoding of UTF-8 bytes: everything except `A-Z a-z 0-9 - _ . ~`, upper-case hex. */
export function encodeComponent(input: string): string {
  // Fast path: nothing to encode.
  let i = 0;
  const n = input.length;
  for (; i < n; i++) {
    const c = input.charCodeAt(i);
    if (c >= 128 || UNRESERVED[c] === 0) break;
  }
  if (i === n) return input;
  let out = input.slice(0, i);
  for (; i < n; i++) {
    let c = input.charCodeAt(i);
    if (c < 0x80) {
      out += UNRESERVED[c] === 1 ? input[i] : HEX[c];
    } else if (c < 0x800) {
      out += HEX[0xc0 | (c >> 6)]! + HEX[0x80 | (c & 0x3f)]!;
    } else if (c < 0xd800 || c >= 0xe000) {
      out += HEX[0xe0 | (c >> 12)]! + HEX[0x80 | ((c >> 6) & 0x3f)]! + HEX[0x80 | (c & 0x3f)]!;
    } else {
      const next = i + 1 < n ? input.charCodeAt(i + 1) : 0;
      if (c >= 0xdc00 || next < 0xdc00 || next > 0xdfff) {
        throw new SigningError("cannot sign a string containing a lone UTF-16 surrogate");
      }
      i++;
      c = 0x10000 + (((c & 0x3ff) << 10) | (next & 0x3ff));
      out +=
        HEX[0xf0 | (c >> 18)]! +
        HEX[0x80 | ((c >> 12) & 0x3f)]! +
        HEX[0x80 | ((c >> 6) & 0x3f)]! +
        HEX[0x80 | (c & 0x3f)]!;
    }
  }
  return out;
}

function decodeComponent(input: string, what: string): string {
  if (input.indexOf("%") === -1) return input;
  try {
    return decodeURIComponent(input);
  } catch {
    throw new SigningError(`malformed percent-encoding in ${what}: ${JSON.stringify(input)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Canonical parts

/** Canonical URI: decode each path segment, encode it strictly, always end with "/". */
export function canonicalUri(pathname: string): string {
  if (pathname === "" || pathname === "/") return "/";
  if (PLAIN_PATH_RE.test(pathname)) return pathname.endsWith("/") ? pathname : pathname + "/";
  const segments = pathname.split("/");
  let out = "";
  for (let i = 0; i < segments.length; i++) {
    if (i > 0) out += "/";
    out += encodeComponent(decodeComponent(segments[i]!, "URL path"));
  }
  return out.endsWith("/") ? out : out + "/";
}

const PLAIN_PATH_RE = /^[A-Za-z0-9\-_.~/]*$/;

type QueryPairs = Map<string, string[]>;

function parseRawQuery(search: string): QueryPairs {
  const pairs: QueryPairs = new Map();
  const raw = search.startsWith("?") ? search.slice(1) : search;
  if (raw === "") return pairs;
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = decodeComponent(eq === -1 ? part : part.slice(0, eq), "query key");
    const value = eq === -1 ? "" : decodeComponent(part.slice(eq + 1), "query value");
    const list = pairs.get(key);
    if (list) list.push(value);
    else pairs.set(key, [value]);
  }
  return pairs;
}

function queryFromObject(query: NonNullable<SignableRequest["query"]>): QueryPairs {
  const pairs: QueryPairs = new Map();
  for (const key in query) {
    if (!Object.hasOwn(query, key)) continue;
    const value = query[key];
    if (value === undefined || value === null) {
      throw new SigningError(`query parameter ${JSON.stringify(key)} is ${String(value)}; omit it instead`);
    }
    const list = Array.isArray(value) ? value.map(String) : [typeof value === "string" ? value : String(value)];
    if (list.length > 0) pairs.set(key, list);
  }
  return pairs;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Canonical query string: keys by raw code-unit order, repeated values sorted, strict encoding, `=` always kept. */
export function canonicalQuery(pairs: QueryPairs): string {
  if (pairs.size === 0) return "";
  const keys = Array.from(pairs.keys());
  if (keys.length > 1) keys.sort(byCodeUnit);
  let out = "";
  for (const key of keys) {
    const encodedKey = encodeComponent(key);
    const values = pairs.get(key)!;
    const sorted = values.length > 1 ? [...values].sort(byCodeUnit) : values;
    for (const v of sorted) out += (out === "" ? "" : "&") + encodedKey + "=" + encodeComponent(v);
  }
  return out;
}

function sha256Hex(data: string | Uint8Array): string {
  return hash("sha256", data, "hex");
}

// HMAC-SHA256 (RFC 2104) over the one-shot hash(): the padded keys of the few secrets a process
// signs with are computed once, which makes a signature about twice as cheap as createHmac().
interface PaddedKey {
  inner: Buffer;
  /** The inner pad as a string when all its bytes are ASCII (UTF-8 encodes it to the same bytes). */
  innerAscii: string | undefined;
  /** The outer key pad followed by room for the inner hash. */
  outerInput: Buffer;
}
const keyCache = new Map<string, PaddedKey>();
function paddedKey(sk: string): PaddedKey {
  let key = keyCache.get(sk);
  if (key === undefined) {
    let raw = Buffer.from(sk, "utf8");
    if (raw.length > 64) raw = hash("sha256", raw, "buffer");
    const inner = Buffer.alloc(64, 0x36);
    const outerInput = Buffer.alloc(96, 0x5c);
    for (let i = 0; i < raw.length; i++) {
      inner[i]! ^= raw[i]!;
      outerInput[i]! ^= raw[i]!;
    }
    const innerAscii = inner.every((b) => b < 0x80) ? inner.toString("latin1") : undefined;
    key = { inner, innerAscii, outerInput };
    if (keyCache.size >= 16) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(sk, key);
  }
  return key;
}

/** Lower-case hex HMAC-SHA256 of a UTF-8 message. */
export function hmacSha256Hex(secret: string, message: string): string {
  const k = paddedKey(secret);
  let innerHash: Buffer;
  if (k.innerAscii !== undefined) {
    innerHash = hash("sha256", k.innerAscii + message, "buffer");
  } else {
    // Key pad and message in one buffer (UTF-8 needs at most 3 bytes per UTF-16 code unit).
    const innerInput = Buffer.allocUnsafe(64 + 3 * message.length);
    k.inner.copy(innerInput, 0);
    const n = innerInput.write(message, 64, "utf8");
    innerHash = hash("sha256", innerInput.subarray(0, 64 + n), "buffer");
  }
  // The outer pad is fixed per key: only the 32 bytes after it change (synchronous, so reusing it is safe).
  innerHash.copy(k.outerInput, 64);
  return hash("sha256", k.outerInput, "hex");
}

/** Formats a Date as X-Sdk-Date (`YYYYMMDDTHHMMSSZ`, UTC, milliseconds truncated). */
export function formatSdkDate(date: Date): string {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new SigningError("clock returned an invalid date");
  // Every request of the same second carries the same value: format once per second.
  const second = Math.floor(t / 1000);
  if (second !== lastSecond) {
    lastDate = date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    lastSecond = second;
  }
  return lastDate;
}
let lastSecond = Number.NaN;
let lastDate = "";

/** Parses an X-Sdk-Date value; returns milliseconds since epoch or NaN when malformed. */
export function parseSdkDate(value: string): number {
  if (value.length !== 16 || value.charCodeAt(8) !== 84 /* T */ || value.charCodeAt(15) !== 90 /* Z */) return Number.NaN;
  const n = (from: number, to: number): number => {
    let v = 0;
    for (let i = from; i < to; i++) {
      const c = value.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return Number.NaN;
      v = v * 10 + c;
    }
    return v;
  };
  const y = n(0, 4), mo = n(4, 6), d = n(6, 8), h = n(9, 11), mi = n(11, 13), s = n(13, 15);
  if (Number.isNaN(y + mo + d + h + mi + s)) return Number.NaN;
  // Reject values Date.UTC would silently normalise (month 13, 30 February, second 61 ...).
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return Number.NaN;
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  return new Date(t).getUTCDate() === d ? t : Number.NaN;
}

// ---------------------------------------------------------------------------------------------
// Signing

interface UrlParts {
  host: string;
  pathname: string;
  search: string;
}

const SIMPLE_URL_RE = /^(https?):\/\/([a-z0-9.-]+)(:\d{1,5})?(\/[^?#]*)?(\?[^#]*)?(#.*)?$/i;
const DEFAULT_PORT: Record<string, string> = { http: ":80", https: ":443" };

/**
 * host, path and query of an absolute URL, as WHATWG URL (and so fetch) would send them. Plain
 * http(s) URLs with an ASCII host and no dot segments take a fast path; anything else goes
 * through `new URL`.
 */
function splitUrl(raw: string): UrlParts {
  const m = SIMPLE_URL_RE.exec(raw);
  if (m && !/\/\.\.?(?:\/|$)|\\|%2e/i.test(m[4] ?? "")) {
    const scheme = m[1]!.toLowerCase();
    const port = m[3] === undefined || m[3] === DEFAULT_PORT[scheme] ? "" : m[3];
    return { host: m[2]!.toLowerCase() + port, pathname: m[4] || "/", search: m[5] ?? "" };
  }
  try {
    const u = new URL(raw);
    return { host: u.host, pathname: u.pathname, search: u.search };
  } catch {
    throw new SigningError(`request.url is not an absolute URL: ${JSON.stringify(raw)}`);
  }
}

/** Headers as sent (caller's spelling) and the spelling used for each lower-case name. */
interface HeaderSet {
  headers: Record<string, string>;
  nameOf: Map<string, string>;
}
function setHeader(h: HeaderSet, name: string, value: string): void {
  const lower = name.toLowerCase();
  const existing = h.nameOf.get(lower);
  if (existing !== undefined && existing !== name) delete h.headers[existing];
  h.nameOf.set(lower, name);
  h.headers[name] = value;
}
function getHeader(h: HeaderSet, lower: string): string | undefined {
  const name = h.nameOf.get(lower);
  return name === undefined ? undefined : h.headers[name];
}

interface Prepared {
  method: string;
  headers: Record<string, string>;
  parts: SignatureParts;
}

function prepare(request: SignableRequest, credentials: Credentials, options: SignOptions): Prepared {
  if (!credentials || typeof credentials.ak !== "string" || credentials.ak === "") {
    throw new SigningError("credentials.ak is required");
  }
  if (typeof credentials.sk !== "string" || credentials.sk === "") {
    throw new SigningError("credentials.sk is required");
  }
  const method = request.method.toUpperCase();
  const url = splitUrl(request.url);

  // Output headers keep the caller's spelling; lookups are case-insensitive.
  const h: HeaderSet = { headers: {}, nameOf: new Map() };
  const headers = h.headers;
  const nameOf = h.nameOf;
  const set = (name: string, value: string): void => setHeader(h, name, value);
  const get = (lower: string): string | undefined => getHeader(h, lower);

  const given = request.headers;
  for (const name in given) {
    if (!Object.hasOwn(given, name)) continue;
    const value = given[name];
    if (value === undefined || value === null) continue;
    const lower = name.toLowerCase();
    if (lower === "authorization") continue; // never re-sign an old signature
    if (nameOf.has(lower)) {
      throw new SigningError(`header ${JSON.stringify(name)} is given twice with different letter case`);
    }
    const text = String(value);
    if (text.indexOf("\n") !== -1 || text.indexOf("\r") !== -1) {
      throw new SigningError(`header ${JSON.stringify(name)} contains a line break`);
    }
    set(name, text);
  }

  // Content-Type: JSON bodies are sent as exactly application/json (what the gateway and the
  // official SDK expect); any other declared type carries an unsigned payload unless the caller
  // supplied the real hash.
  const contentType = get("content-type");
  if (contentType !== undefined) {
    if (contentType.includes("application/json")) {
      set(nameOf.get("content-type")!, "application/json");
    } else if (get(CONTENT_SHA256_HEADER) === undefined) {
      set("X-Sdk-Content-Sha256", UNSIGNED_PAYLOAD);
    }
  }

  if (credentials.securityToken) set("X-Security-Token", credentials.securityToken);
  if (credentials.projectId) set("X-Project-Id", credentials.projectId);
  if (credentials.domainId) set("X-Domain-Id", credentials.domainId);

  let sdkDate = get(DATE_HEADER);
  if (sdkDate === undefined) {
    sdkDate = formatSdkDate((options.now ?? (() => new Date()))());
    set("X-Sdk-Date", sdkDate);
  } else if (Number.isNaN(parseSdkDate(sdkDate.trim()))) {
    throw new SigningError(`X-Sdk-Date must be a UTC time formatted YYYYMMDDTHHMMSSZ, got ${JSON.stringify(sdkDate)}`);
  } else {
    sdkDate = sdkDate.trim();
  }
  if (get("host") === undefined) set("host", url.host);

  // Canonical headers: every header we send, except a multipart content-type (boundary unknown).
  const names: string[] = [];
  for (const lower of nameOf.keys()) {
    if (lower === "content-type" && get(lower)!.includes("multipart/form-data")) continue;
    names.push(lower);
  }
  names.sort(byCodeUnit);
  const parts = computeSignatureParts({
    method,
    url,
    query: request.query ? queryFromObject(request.query) : undefined,
    signedHeaderNames: names,
    headerValue: get,
    body: request.body,
    sdkDate,
    ak: credentials.ak,
    sk: credentials.sk,
    derived: options.derived,
  });
  const authorization = parts.authorization;
  headers["Authorization"] = authorization;
  return { method, headers, parts };
}

interface PartsInput {
  method: string;
  url: UrlParts;
  /** Decoded query; when absent it is parsed from `url.search`. */
  query?: QueryPairs | undefined;
  /** Lower-case, unique, sorted by code unit. */
  signedHeaderNames: string[];
  headerValue: (lowerName: string) => string | undefined;
  body: string | Uint8Array | undefined;
  sdkDate: string;
  ak: string;
  sk: string;
  derived?: SignOptions["derived"];
}

/** The canonical request, string to sign and signature for an already-assembled request. */
function computeSignatureParts(input: PartsInput): SignatureParts {
  const names = input.signedHeaderNames;
  let canonicalHeaders = "";
  for (const lower of names) canonicalHeaders += lower + ":" + (input.headerValue(lower) ?? "").trim() + "\n";
  const signedHeaders = names.join(";");
  const explicitHash = input.headerValue(CONTENT_SHA256_HEADER);
  const payloadHash =
    explicitHash !== undefined
      ? explicitHash.trim()
      : input.body === undefined || input.body.length === 0
        ? EMPTY_BODY_SHA256
        : sha256Hex(input.body);
  const canonicalRequest =
    input.method + "\n" +
    canonicalUri(input.url.pathname) + "\n" +
    canonicalQuery(input.query ?? parseRawQuery(input.url.search)) + "\n" +
    canonicalHeaders + "\n" +
    signedHeaders + "\n" +
    payloadHash;
  if (input.derived) {
    const scope = `${input.sdkDate.slice(0, 8)}/${input.derived.regionId}/${input.derived.serviceName}`;
    const stringToSign = DERIVED_ALGORITHM + "\n" + input.sdkDate + "\n" + scope + "\n" + sha256Hex(canonicalRequest);
    const key = Buffer.from(hkdfSync("sha256", input.sk, input.ak, scope, 32)).toString("hex");
    const signature = hmacSha256Hex(key, stringToSign);
    const authorization = `${DERIVED_ALGORITHM} Credential=${input.ak}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return { canonicalRequest, stringToSign, signedHeaders, signature, authorization };
  }
  const stringToSign = ALGORITHM + "\n" + input.sdkDate + "\n" + sha256Hex(canonicalRequest);
  const signature = hmacSha256Hex(input.sk, stringToSign);
  const authorization = `${ALGORITHM} Access=${input.ak}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { canonicalRequest, stringToSign, signedHeaders, signature, authorization };
}

/**
 * Signs a request with AK/SK. Returns the request exactly as it must be sent: the caller's
 * headers (content-type normalised for JSON), plus `host`, `X-Sdk-Date` (the caller's if present,
 * else now), `X-Security-Token` / `X-Project-Id` / `X-Domain-Id` when the credentials carry them,
 * `X-Sdk-Content-Sha256` for non-JSON bodies, and `Authorization`.
 */
export function signRequest(request: SignableRequest, credentials: Credentials, options: SignOptions = {}): SignedRequest {
  const { headers, method } = prepare(request, credentials, options);
  const signed: SignedRequest = { method, url: request.url, headers };
  if (request.body !== undefined) signed.body = request.body;
  return signed;
}

/** The intermediate strings of a signature: for debugging a rejected request and for test vectors. */
export function explainSignature(request: SignableRequest, credentials: Credentials, options: SignOptions = {}): SignatureParts {
  return prepare(request, credentials, options).parts;
}

export interface ParsedAuthorization {
  algorithm: string;
  access: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses an `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…` header; undefined if malformed. */
export function parseAuthorization(value: string): ParsedAuthorization | undefined {
  const m = /^(SDK-HMAC-SHA256) Access=([^,\s]+), SignedHeaders=([^,\s]+), Signature=([0-9a-f]{64})$/.exec(value.trim());
  if (!m) return undefined;
  return { algorithm: m[1]!, access: m[2]!, signedHeaders: m[3]!.split(";"), signature: m[4]! };
}

export interface ReceivedRequest {
  method: string;
  /** Absolute URL as received (scheme and host are not signed; the `host` header is). */
  url: string;
  /** Header values as received; names in any case. */
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array | string;
}

export type VerifyResult =
  | { ok: true; ak: string; sdkDate: string }
  | { ok: false; reason: "missing" | "malformed" | "unknown-ak" | "date" | "skew" | "mismatch"; message: string };

export interface VerifyOptions {
  /** Secret for an access key, or undefined when the key is unknown. */
  secretFor: (ak: string) => string | undefined;
  /** Allowed distance between X-Sdk-Date and now, in ms (default 15 minutes). */
  maxSkewMs?: number;
  now?: () => number;
}

/**
 * Verifies an APIG-signed request as a gateway would: recomputes the signature over the headers
 * the client says it signed (host and x-sdk-date must be among them), checks the clock skew,
 * and compares in constant time.
 */
export function verifyRequestSignature(req: ReceivedRequest, options: VerifyOptions): VerifyResult {
  const lowerHeaders = new Map<string, string>();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    lowerHeaders.set(k.toLowerCase(), Array.isArray(v) ? v.join(",") : v);
  }
  const auth = lowerHeaders.get("authorization");
  if (!auth) return { ok: false, reason: "missing", message: "Authorization header is missing" };
  const parsed = parseAuthorization(auth);
  if (!parsed) return { ok: false, reason: "malformed", message: "Authorization header is malformed" };
  if (!parsed.signedHeaders.includes("host") || !parsed.signedHeaders.includes(DATE_HEADER)) {
    return { ok: false, reason: "malformed", message: "SignedHeaders must include host and x-sdk-date" };
  }
  for (const name of parsed.signedHeaders) {
    if (!lowerHeaders.has(name)) return { ok: false, reason: "malformed", message: `signed header ${name} is missing` };
  }
  const sdkDate = lowerHeaders.get(DATE_HEADER)!.trim();
  const t = parseSdkDate(sdkDate);
  if (Number.isNaN(t)) return { ok: false, reason: "date", message: "X-Sdk-Date is malformed" };
  const now = (options.now ?? Date.now)();
  if (Math.abs(now - t) > (options.maxSkewMs ?? 15 * 60_000)) {
    return { ok: false, reason: "skew", message: "X-Sdk-Date is too far from the server clock" };
  }
  const sk = options.secretFor(parsed.access);
  if (sk === undefined) return { ok: false, reason: "unknown-ak", message: "unknown access key" };
  let url: UrlParts;
  try {
    url = splitUrl(req.url);
  } catch {
    return { ok: false, reason: "malformed", message: "request URL is malformed" };
  }
  let expected: SignatureParts;
  try {
    expected = computeSignatureParts({
      method: req.method.toUpperCase(),
      url,
      signedHeaderNames: [...new Set(parsed.signedHeaders)].sort(byCodeUnit),
      headerValue: (lower) => lowerHeaders.get(lower),
      body: req.body,
      sdkDate,
      ak: parsed.access,
      sk,
    });
  } catch (err) {
    return { ok: false, reason: "malformed", message: (err as Error).message };
  }
  const a = Buffer.from(expected.signature, "hex");
  const b = Buffer.from(parsed.signature, "hex");
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    return { ok: false, reason: "mismatch", message: "signature does not match" };
  }
  return { ok: true, ak: parsed.access, sdkDate };
}
