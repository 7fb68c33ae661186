/**
 * Retry policy of the BSS client, as pure functions: backoff with full jitter, `Retry-After`
 * parsing, and the decision whether a failed attempt may be sent again for an operation's effect.
 *
 * The rule that matters: a `write` (renew, pay, real-name submit) is resent only when the server
 * certainly did not act on it — it was throttled, or the connection was never established.
 * A 5xx, a timeout or a connection reset after sending makes the outcome *ambiguous*: the
 * caller must look the state up instead of resending.
 */
import { THROTTLE_CODES } from "./errors.ts";
import type { Effect } from "./operations.ts";

export interface BackoffOptions {
  /** Ceiling of the first retry's delay, ms. */
  baseMs: number;
  /** Largest ceiling, ms. */
  capMs: number;
  /** A `Retry-After` longer than this is not waited for: the call fails (retryable) instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, capMs: 8_000, maxRetryAfterMs: 60_000 };

/**
 * Full-jitter exponential backoff: a uniformly random delay in [0, min(cap, base * 2^(n-1))),
 * where n = 1 for the first retry. `random` returns a number in [0, 1).
 */
export function backoffDelay(retryNumber: number, options: Pick<BackoffOptions, "baseMs" | "capMs">, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(retryNumber));
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(n - 1, 52));
  const r = random();
  const u = r >= 0 && r < 1 ? r : 0;
  return Math.floor(u * ceiling);
}

const DELTA_SECONDS = /^\s*(\d{1,10})\s*$/;

/**
 * `Retry-After` as milliseconds to wait from `nowMs`: either delta-seconds (`120`) or an
 * HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`; a date in the past means 0). Undefined when absent
 * or unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === "") return undefined;
  const delta = DELTA_SECONDS.exec(v);
  if (delta) return Number(delta[1]) * 1000;
  // HTTP-date: IMF-fixdate and the two obsolete forms; require a weekday/month word so that
  // strings such as "1.5" or "-3" are not taken for dates.
  if (!/[A-Za-z]{3}/.test(v)) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - nowMs);
}

/** The delay before retry number `retryNumber`: the jittered backoff, but never less than Retry-After. */
export function retryDelay(retryNumber: number, retryAfterMs: number | undefined, options: BackoffOptions, random: () => number = Math.random): number {
  const jittered = backoffDelay(retryNumber, options, random);
  return retryAfterMs === undefined ? jittered : Math.max(jittered, retryAfterMs);
}

// ---------------------------------------------------------------------------------------------
// Classification

/** What one failed attempt looked like. */
export type AttemptFailure =
  | { type: "response"; status: number; code?: string | undefined }
  /** `sent: false` = the connection was never established (nothing can have reached the server). */
  | { type: "network"; sent: boolean }
  | { type: "timeout" };

/**
 * - `retry`: send again (after a delay) — the failure is transient and resending is safe.
 * - `fail`: stop; the failure is definite (4xx, or transient but resending is not safe... see `ambiguous`).
 * - `ambiguous`: stop; a write may have taken effect.
 */
export type Decision = "retry" | "fail" | "ambiguous";

/** Throttled: 429 (with a throttling code or none), or a throttling code under any status. */
export function isThrottled(status: number, code: string | undefined): boolean {
  if (code !== undefined && THROTTLE_CODES.has(code)) return true;
  return status === 429 && code === undefined;
}

/** Statuses that say the server did not (fully) handle the request: worth retrying for reads. */
function isTransientStatus(status: number): boolean {
  return status >= 500 && status !== 501 && status !== 505;
}

export function classify(failure: AttemptFailure, effect: Effect): Decision {
  const safeToRepeat = effect === "read" || effect === "idempotent-write";
  switch (failure.type) {
    case "response": {
      if (isThrottled(failure.status, failure.code)) return "retry";
      if (failure.status === 429) return safeToRepeat ? "retry" : "fail";
      if (isTransientStatus(failure.status)) return safeToRepeat ? "retry" : "ambiguous";
      return "fail";
    }
    case "network":
      if (!failure.sent) return "retry";
      return safeToRepeat ? "retry" : "ambiguous";
    case "timeout":
      return safeToRepeat ? "retry" : "ambiguous";
  }
}

/** Whether a failure is of the transient sort (for `BssError.retryable` once attempts are exhausted). */
export function isTransient(failure: AttemptFailure): boolean {
  if (failure.type !== "response") return true;
  return failure.status === 429 || isThrottled(failure.status, failure.code) || isTransientStatus(failure.status);
}

/** Error codes of failures that happen before a connection exists: nothing was sent. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function errorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Whether a `fetch` rejection proves that no request byte reached the server: the connection
 * was refused or could not be opened (fetch reports these as `TypeError: fetch failed` with a
 * `cause` carrying the system error code; several addresses tried → an AggregateError).
 */
export function failedBeforeSending(err: unknown): boolean {
  const cause = typeof err === "object" && err !== null ? (err as { cause?: unknown }).cause : undefined;
  for (const candidate of [cause, err]) {
    const code = errorCode(candidate);
    if (code !== undefined && NOT_SENT_CODES.has(code)) return true;
    const inner = typeof candidate === "object" && candidate !== null ? (candidate as { errors?: unknown }).errors : undefined;
    if (Array.isArray(inner) && inner.length > 0 && inner.every((e) => NOT_SENT_CODES.has(errorCode(e) ?? ""))) return true;
  }
  return false;
}

/** A short, secret-free description of a network error (`ECONNRESET`, `UND_ERR_SOCKET: other side closed`, ...). */
export function describeNetworkError(err: unknown): string {
  const cause = typeof err === "object" && err !== null ? (err as { cause?: unknown }).cause : undefined;
  const c = cause ?? err;
  const code = errorCode(c);
  const message = c instanceof Error ? c.message : typeof c === "string" ? c : "";
  if (code && message && !message.includes(code)) return `${code}: ${message}`;
  return message || code || "network error";
}
