/**
 * Signatures for our own webhooks (inbound from the partner portal, outbound callbacks).
 *
 * Header: `X-Partner-Ops-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + rawBody)>`.
 * Several `v1=` entries may be present (a sender rotating secrets signs with each); several
 * secrets may be active on the receiving side. Comparison is constant-time; timestamps outside the
 * tolerance window (default 300 s, both directions) are refused to stop replays.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const WEBHOOK_SIGNATURE_HEADER = "X-Partner-Ops-Signature";
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface SignWebhookOptions {
  /** Unix time in seconds; default now. */
  timestamp?: number;
}

function hmacHex(secret: string, timestamp: number, body: string | Uint8Array): Buffer {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest();
}

function checkSecret(secret: unknown): asserts secret is string {
  if (typeof secret !== "string" || secret.length < 16) {
    throw new TypeError("webhook secret must be a string of at least 16 characters");
  }
}

/** Returns the `X-Partner-Ops-Signature` header value for `body`, signed with every given secret. */
export function signWebhook(body: string | Uint8Array, secrets: string | readonly string[], options: SignWebhookOptions = {}): string {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  if (list.length === 0) throw new TypeError("signWebhook needs at least one secret");
  const t = options.timestamp ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(t) || t < 0) throw new TypeError("timestamp must be a non-negative integer (unix seconds)");
  return [`t=${t}`, ...list.map((s) => (checkSecret(s), `v1=${hmacHex(s, t, body).toString("hex")}`))].join(",");
}

/**
 * What a webhook signature covers. A request with a body is signed over its raw body; a request
 * without one (GET, a bare POST) over `METHOD SP path` instead, so that a signature made for one
 * resource cannot be replayed against another within the replay window.
 */
export function webhookSignedPayload(method: string, path: string, rawBody: string | Uint8Array | undefined): string | Uint8Array {
  if (rawBody !== undefined && rawBody.length > 0) return rawBody;
  return `${method.toUpperCase()} ${path}`;
}

export type WebhookVerifyFailure = "missing" | "malformed" | "expired" | "mismatch";

export type WebhookVerifyResult =
  | { ok: true; timestamp: number; secretIndex: number }
  | { ok: false; reason: WebhookVerifyFailure; message: string };

export interface VerifyWebhookOptions {
  /** Active secrets, newest first. At least one. */
  secrets: readonly string[];
  /** Replay window in seconds (default 300). */
  toleranceSeconds?: number;
  /** Current unix time in seconds (tests). */
  now?: number;
}

/**
 * Verifies a webhook signature header against the raw body (the exact bytes received).
 * Never throws on hostile input; returns a reason instead.
 */
export function verifyWebhookSignature(
  rawBody: string | Uint8Array,
  header: string | undefined | null,
  options: VerifyWebhookOptions,
): WebhookVerifyResult {
  if (options.secrets.length === 0) throw new TypeError("verifyWebhookSignature needs at least one secret");
  options.secrets.forEach(checkSecret);
  if (!header) return { ok: false, reason: "missing", message: `${WEBHOOK_SIGNATURE_HEADER} header is missing` };
  if (header.length > 4096) return { ok: false, reason: "malformed", message: "signature header is too long" };
  let timestamp: number | undefined;
  const candidates: Buffer[] = [];
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
    } else if (key === "v1" && /^[0-9a-f]{64}$/.test(value)) {
      candidates.push(Buffer.from(value, "hex"));
    }
  }
  if (timestamp === undefined || candidates.length === 0) {
    return { ok: false, reason: "malformed", message: "signature header needs t=<unix seconds> and v1=<hex hmac>" };
  }
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - timestamp) > tolerance) {
    return { ok: false, reason: "expired", message: `signature timestamp is outside the ${tolerance}s window` };
  }
  // Compare every (secret, candidate) pair so timing does not reveal which secret matched.
  let matched = -1;
  options.secrets.forEach((secret, index) => {
    const expected = hmacHex(secret, timestamp, rawBody);
    for (const c of candidates) {
      if (timingSafeEqual(expected, c) && matched === -1) matched = index;
    }
  });
  if (matched === -1) return { ok: false, reason: "mismatch", message: "signature does not match" };
  return { ok: true, timestamp, secretIndex: matched };
}
