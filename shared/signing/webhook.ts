/**
 * Signatures for our own webhooks (inbound from the partner portal, outbound callbacks).
 *
 * Header: `X-Partner-Ops-Signature: t=<unix seconds>,n=<nonce>,v2=<hex>` where
 *   v2 = HMAC-SHA256(secret, "v2\n" + t + "\n" + n + "\n" + METHOD + "\n" + path[?query] + "\n" + rawBody)
 * binds the request's method, path (with its query string, as sent) and body together, so a
 * signature made for one route or resource is worthless on another. The nonce (8-64 characters
 * of A-Z a-z 0-9 _ -, random per signing) lets a receiver refuse a header it has seen before
 * while two genuine identical requests in the same second still differ.
 *
 * The older form `v1=<hex HMAC-SHA256(secret, t + "." + rawBody)>` covers the body only. Outbound
 * callbacks (which are not routes of ours) still use it; inbound, realname-api accepts it on
 * `POST /realname/applications` only, for a deprecation period (see README "Security").
 *
 * Several `v1=`/`v2=` entries may be present (a sender rotating secrets signs with each); several
 * secrets may be active on the receiving side. Comparison is constant-time; timestamps outside the
 * tolerance window (default 300 s, both directions) are refused. Refusing a signature seen before
 * within that window is the receiver's job ({@link webhookReplayKey} names what was signed).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const WEBHOOK_SIGNATURE_HEADER = "X-Partner-Ops-Signature";
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type WebhookSignatureVersion = "v1" | "v2";

/** What a v2 signature binds besides the body: the request line as sent. */
export interface WebhookRequestLine {
  /** HTTP method, any case (upper-cased when signing). */
  method: string;
  /** Path and query string as sent, e.g. `/realname/applications/abc` or `/x?a=1`. No scheme or host. */
  path: string;
}

export interface SignWebhookOptions {
  /** Unix time in seconds; default now. */
  timestamp?: number;
  /** Sign a v2 signature bound to this request line (inbound requests). Without it: v1, body only. */
  request?: WebhookRequestLine;
  /** v2 nonce; default 16 random bytes, base64url. */
  nonce?: string;
}

const NONCE = /^[A-Za-z0-9_-]{8,64}$/;

function checkRequestLine(r: WebhookRequestLine): void {
  if (!/^[A-Za-z]{1,16}$/.test(r.method)) throw new TypeError("webhook request method must be 1-16 letters");
  if (!r.path.startsWith("/") || /[\s\u0000-\u001f\u007f]/.test(r.path)) throw new TypeError("webhook request path must start with / and contain no spaces or control characters");
}

function mac(version: WebhookSignatureVersion, secret: string, timestamp: number, body: string | Uint8Array, request: WebhookRequestLine | undefined, nonce: string): Buffer {
  const h = createHmac("sha256", secret);
  if (version === "v1") h.update(`${timestamp}.`);
  else h.update(`v2\n${timestamp}\n${nonce}\n${request!.method.toUpperCase()}\n${request!.path}\n`);
  return updateText(h, body).digest();
}

/**
 * Feeds a body to a hash or HMAC; a string goes in 64 Ki-character slices (never splitting a
 * surrogate pair), because one update() of a multi-megabyte string first makes a UTF-8 copy of all
 * of it (an inline real-name upload is ~5 MB). Same bytes, same digest.
 */
export function updateText<H extends { update(data: string | Uint8Array): H }>(h: H, body: string | Uint8Array): H {
  if (typeof body !== "string" || body.length <= 65_536) return h.update(body);
  for (let i = 0; i < body.length; ) {
    let end = Math.min(body.length, i + 65_536);
    const last = body.charCodeAt(end - 1);
    if (end < body.length && last >= 0xd800 && last <= 0xdbff) end--;
    h.update(body.slice(i, end));
    i = end;
  }
  return h;
}

function checkSecret(secret: unknown): asserts secret is string {
  if (typeof secret !== "string" || secret.length < 16) {
    throw new TypeError("webhook secret must be a string of at least 16 characters");
  }
}

/**
 * Returns the `X-Partner-Ops-Signature` header value for `body`, signed with every given secret:
 * v2 (method + path + body) when `options.request` is given, else v1 (body only).
 */
export function signWebhook(body: string | Uint8Array, secrets: string | readonly string[], options: SignWebhookOptions = {}): string {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  if (list.length === 0) throw new TypeError("signWebhook needs at least one secret");
  const t = options.timestamp ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(t) || t < 0) throw new TypeError("timestamp must be a non-negative integer (unix seconds)");
  const version: WebhookSignatureVersion = options.request ? "v2" : "v1";
  if (options.request) checkRequestLine(options.request);
  const nonce = version === "v2" ? (options.nonce ?? randomBytes(16).toString("base64url")) : "";
  if (version === "v2" && !NONCE.test(nonce)) throw new TypeError("nonce must be 8-64 characters of A-Z a-z 0-9 _ -");
  const macs = list.map((s) => (checkSecret(s), `${version}=${mac(version, s, t, body, options.request, nonce).toString("hex")}`));
  return [`t=${t}`, ...(version === "v2" ? [`n=${nonce}`] : []), ...macs].join(",");
}

/**
 * A key naming what a signature vouched for (time, nonce, request line, body), the same whichever
 * secret signed it: a receiver stores it for the replay window and refuses it when seen again.
 * A v1 signature has no nonce (pass ""); where v1 is accepted, a header that carried v1 and v2
 * should also claim the key without nonce, so the same header stripped to its v1 part is refused. SHA-256 hex; it reveals nothing of the body.
 */
export function webhookReplayKey(timestamp: number, nonce: string, request: WebhookRequestLine, body: string | Uint8Array): string {
  return updateText(createHash("sha256").update(`${timestamp}\n${nonce}\n${request.method.toUpperCase()}\n${request.path}\n`), body).digest("hex");
}

export type WebhookVerifyFailure = "missing" | "malformed" | "expired" | "mismatch" | "version";

export type WebhookVerifyResult =
  | {
      ok: true;
      timestamp: number;
      secretIndex: number;
      version: WebhookSignatureVersion;
      /** "" for v1 */
      nonce: string;
      /** Versions the header carried (a sender in transition sends v1 and v2). */
      presented: WebhookSignatureVersion[];
    }
  | { ok: false; reason: WebhookVerifyFailure; message: string };

export interface VerifyWebhookOptions {
  /** Active secrets, newest first. At least one. */
  secrets: readonly string[];
  /** The request line received; needed to check v2 signatures. */
  request?: WebhookRequestLine;
  /** Versions accepted here (default: v2 when `request` is given, else v1). */
  versions?: readonly WebhookSignatureVersion[];
  /** Replay window in seconds (default 300). */
  toleranceSeconds?: number;
  /** Current unix time in seconds (tests). */
  now?: number;
}

/**
 * Verifies a webhook signature header against the raw body (the exact bytes received) and, for
 * v2, the request line. Never throws on hostile input; returns a reason instead.
 */
export function verifyWebhookSignature(
  rawBody: string | Uint8Array,
  header: string | undefined | null,
  options: VerifyWebhookOptions,
): WebhookVerifyResult {
  if (options.secrets.length === 0) throw new TypeError("verifyWebhookSignature needs at least one secret");
  options.secrets.forEach(checkSecret);
  const versions = options.versions ?? (options.request ? ["v2"] : ["v1"]);
  if (versions.includes("v2") && !options.request) throw new TypeError("verifying v2 signatures needs the request line");
  if (!header) return { ok: false, reason: "missing", message: `${WEBHOOK_SIGNATURE_HEADER} header is missing` };
  if (header.length > 4096) return { ok: false, reason: "malformed", message: "signature header is too long" };
  let timestamp: number | undefined;
  let nonce: string | undefined;
  const candidates: { version: WebhookSignatureVersion; mac: Buffer }[] = [];
  const seenVersions = new Set<WebhookSignatureVersion>();
  for (const item of header.split(",")) {
    const eq = item.indexOf("=");
    if (eq === -1) continue;
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === "t") {
      if (!/^\d{1,12}$/.test(value) || timestamp !== undefined) {
        return { ok: false, reason: "malformed", message: "signature timestamp is malformed" };
      }
      timestamp = Number(value);
    } else if (key === "n") {
      if (!NONCE.test(value) || nonce !== undefined) return { ok: false, reason: "malformed", message: "signature nonce n= must be 8-64 characters of A-Z a-z 0-9 _ -" };
      nonce = value;
    } else if ((key === "v1" || key === "v2") && /^[0-9a-f]{64}$/.test(value)) {
      seenVersions.add(key);
      if (versions.includes(key)) candidates.push({ version: key, mac: Buffer.from(value, "hex") });
    }
  }
  if (timestamp === undefined || seenVersions.size === 0) {
    return { ok: false, reason: "malformed", message: `signature header needs t=<unix seconds> and ${versions.map((v) => `${v}=<hex hmac>`).join(" or ")}` };
  }
  if (candidates.some((c) => c.version === "v2") && nonce === undefined) {
    return { ok: false, reason: "malformed", message: "a v2 signature needs n=<nonce> in the header" };
  }
  if (candidates.length === 0) {
    return { ok: false, reason: "version", message: `this route accepts only ${versions.join(" or ")} signatures (v2 signs method, path and body)` };
  }
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - timestamp) > tolerance) {
    return { ok: false, reason: "expired", message: `signature timestamp is outside the ${tolerance}s window` };
  }
  // Compare every (secret, candidate) pair so timing does not reveal which secret matched.
  let matched: { index: number; version: WebhookSignatureVersion } | undefined;
  options.secrets.forEach((secret, index) => {
    const expected: Partial<Record<WebhookSignatureVersion, Buffer>> = {};
    for (const c of candidates) {
      const e = (expected[c.version] ??= mac(c.version, secret, timestamp, rawBody, options.request, c.version === "v2" ? nonce! : ""));
      // v2 first: prefer the stronger match when a sender sent both.
      if (timingSafeEqual(e, c.mac) && (matched === undefined || (matched.version === "v1" && c.version === "v2" && matched.index === index))) {
        matched = { index, version: c.version };
      }
    }
  });
  if (!matched) return { ok: false, reason: "mismatch", message: "signature does not match" };
  return { ok: true, timestamp, secretIndex: matched.index, version: matched.version, nonce: matched.version === "v2" ? nonce! : "", presented: [...seenVersions].sort() as WebhookSignatureVersion[] };
}
