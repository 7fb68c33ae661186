/**
 * The HTTP transport under every Huawei call: rate limiter → fresh signature → fetch with a
 * per-attempt timeout → retry decision. It knows nothing about individual operations beyond
 * their effect (read / write / idempotent-write); the client and the IAM token provider build
 * on it, and so does `partner-ops call`.
 */
import { signRequest } from "../signing/index.ts";
import type { Credentials } from "../signing/index.ts";
import { BssError, LocalCode, errorInfo } from "./errors.ts";
import type { RateLimiter, Sleep } from "./limiter.ts";
import { realSleep } from "./limiter.ts";
import type { Effect, HttpMethod } from "./operations.ts";
import type { AttemptFailure, BackoffOptions } from "./retry.ts";
import { DEFAULT_BACKOFF, classify, describeNetworkError, failedBeforeSending, isTransient, parseRetryAfter, retryDelay } from "./retry.ts";
import type { Query } from "./url.ts";
import { buildUrl, cleanQuery } from "./url.ts";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** How a request authenticates: AK/SK signature (signed anew on every attempt) or an IAM token. */
export type TransportAuth = { type: "aksk"; credentials: Credentials } | { type: "token"; token: string };

/** One structured log record per attempt. Never carries credentials, tokens or bodies. */
export interface TransportEvent {
  operation: string;
  method: string;
  /** Encoded path without query. */
  path: string;
  attempt: number;
  /** `ok`: 2xx; `retry`: will be sent again after `delayMs`; `error`: definite failure; `ambiguous`: a write that may have taken effect. */
  outcome: "ok" | "retry" | "error" | "ambiguous";
  status?: number;
  code?: string;
  requestId?: string;
  durationMs: number;
  delayMs?: number;
  /** Short failure description (network error code, "timeout after 10000 ms"). */
  error?: string;
}

export interface TransportOptions {
  /** Base URL, e.g. https://bss.myhuaweicloud.com (a base path is kept). */
  endpoint: string;
  fetch?: FetchLike;
  /** Per-attempt timeout covering the whole response, ms. Default 10 000. */
  timeoutMs?: number;
  /** Total attempts including the first. Default 4. */
  maxAttempts?: number;
  backoff?: Partial<BackoffOptions>;
  limiter?: RateLimiter;
  now?: () => number;
  sleep?: Sleep;
  random?: () => number;
  onEvent?: (event: TransportEvent) => void;
}

export interface TransportRequest {
  /** Name used in errors and events. */
  operation: string;
  method: HttpMethod;
  /** Already-encoded path (see url.ts `expandPath` / `normalisePath`). */
  path: string;
  query?: Query;
  /** JSON-serialisable body; undefined = no body. */
  body?: unknown;
  effect: Effect;
  auth: TransportAuth;
  /** Limiter key and rate; omitted = not rate limited. */
  rate?: { key: string; perSecond: number };
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: Headers;
  /** Raw body text ("" when empty). */
  text: string;
  /** Parsed JSON body; undefined when the body is empty. */
  body: unknown;
  requestId: string | undefined;
  attempts: number;
}

export interface Transport {
  readonly endpoint: string;
  send(request: TransportRequest): Promise<TransportResponse>;
}

const REQUEST_ID_HEADERS = ["x-request-id", "x-openstack-request-id", "x-apig-request-id", "x-trace-id"];

export function requestIdOf(headers: Headers): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const v = headers.get(name);
    if (v) return v;
  }
  return undefined;
}

class TimeoutSignal extends Error {
  override name = "TimeoutError";
}

export function createTransport(options: TransportOptions): Transport {
  const endpoint = options.endpoint;
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = options.maxAttempts ?? 4;
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...options.backoff };
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const limiter = options.limiter;
  if (!(timeoutMs > 0)) throw new RangeError("timeoutMs must be > 0");
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError("maxAttempts must be an integer >= 1");

  const emit = (event: TransportEvent): void => {
    if (!options.onEvent) return;
    try {
      options.onEvent(event);
    } catch {
      // a logging hook must never break a call
    }
  };

  async function send(req: TransportRequest): Promise<TransportResponse> {
    const url = buildUrl(endpoint, req.path, req.query);
    const query = cleanQuery(req.query);
    const bodyText = req.body === undefined ? undefined : JSON.stringify(req.body);
    const base = { operation: req.operation, method: req.method, path: req.path };

    const aborted = (attempts: number, sent: boolean): BssError => {
      if (sent && req.effect === "write") {
        return new BssError({
          operation: req.operation,
          kind: "ambiguous",
          code: LocalCode.aborted,
          message: "aborted by the caller after the request was sent; it may have taken effect",
          attempts,
          cause: req.signal?.reason,
        });
      }
      return new BssError({ operation: req.operation, kind: "network", code: LocalCode.aborted, message: "aborted by the caller", attempts, cause: req.signal?.reason });
    };

    for (let attempt = 1; ; attempt++) {
      if (req.signal?.aborted) throw aborted(attempt - 1, false);
      if (limiter && req.rate) {
        try {
          await limiter.acquire(req.rate.key, req.rate.perSecond, req.signal);
        } catch (err) {
          if (req.signal?.aborted) throw aborted(attempt - 1, false);
          throw err;
        }
      }

      // A fresh signature (fresh X-Sdk-Date) for every attempt.
      const headers: Record<string, string> = { "Content-Type": "application/json", ...req.headers };
      let sendHeaders: Record<string, string>;
      if (req.auth.type === "aksk") {
        const signed = signRequest(
          { method: req.method, url, headers, query, ...(bodyText !== undefined ? { body: bodyText } : {}) },
          req.auth.credentials,
          { now: () => new Date(now()) },
        );
        sendHeaders = signed.headers;
      } else {
        sendHeaders = { ...headers, "X-Auth-Token": req.auth.token };
      }
      delete sendHeaders["host"]; // fetch sets Host itself (same value as signed)

      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new TimeoutSignal(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
      const signal = req.signal ? AbortSignal.any([req.signal, controller.signal]) : controller.signal;
      const started = now();

      let failure: AttemptFailure;
      let failureText: string;
      let cause: unknown;
      let response: Response | undefined;
      let text = "";
      try {
        response = await doFetch(url, {
          method: req.method,
          headers: sendHeaders,
          ...(bodyText !== undefined ? { body: bodyText } : {}),
          signal,
          redirect: "manual",
        });
        text = await response.text();
      } catch (err) {
        cause = err;
      } finally {
        clearTimeout(timer);
      }
      const durationMs = now() - started;

      if (response === undefined || cause !== undefined) {
        // No (complete) answer.
        if (req.signal?.aborted) throw aborted(attempt, true);
        if (controller.signal.aborted) {
          failure = { type: "timeout" };
          failureText = `timeout after ${timeoutMs} ms`;
        } else {
          const sent = response !== undefined || !failedBeforeSending(cause);
          failure = { type: "network", sent };
          failureText = describeNetworkError(cause);
        }
      } else {
        const status = response.status;
        const requestId = requestIdOf(response.headers);
        let body: unknown;
        let parseFailed = false;
        if (text.trim() !== "") {
          try {
            body = JSON.parse(text);
          } catch {
            parseFailed = true;
          }
        }
        if (status >= 200 && status < 300) {
          if (parseFailed) {
            emit({ ...base, attempt, outcome: "error", status, code: LocalCode.invalidResponse, ...(requestId ? { requestId } : {}), durationMs });
            throw new BssError({
              operation: req.operation,
              kind: "invalid-response",
              status,
              code: LocalCode.invalidResponse,
              message: `HTTP ${status} with a body that is not JSON (content-type ${response.headers.get("content-type") ?? "none"})`,
              requestId,
              attempts: attempt,
            });
          }
          emit({ ...base, attempt, outcome: "ok", status, ...(requestId ? { requestId } : {}), durationMs });
          return { status, headers: response.headers, text, body, requestId, attempts: attempt };
        }
        const info = errorInfo(body);
        const code = info.code ?? `HTTP.${status}`;
        failure = { type: "response", status, code: info.code };
        failureText = info.message ?? `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ""}`;
        const decision = classify(failure, req.effect);
        const common = { operation: req.operation, status, code, requestId, attempts: attempt };
        const ev = { ...base, attempt, status, code, ...(requestId ? { requestId } : {}), durationMs };
        if (decision === "retry" && attempt < maxAttempts) {
          const retryAfter = parseRetryAfter(response.headers.get("retry-after"), now());
          if (retryAfter === undefined || retryAfter <= backoff.maxRetryAfterMs) {
            const delayMs = retryDelay(attempt, retryAfter, backoff, random);
            emit({ ...ev, outcome: "retry", delayMs });
            await sleepOrAbort(delayMs, attempt);
            continue;
          }
          emit({ ...ev, outcome: "error" });
          throw new BssError({ ...common, kind: "http", message: `${failureText} (Retry-After ${Math.ceil(retryAfter / 1000)} s exceeds the client's limit)`, retryable: true });
        }
        if (decision === "ambiguous") {
          emit({ ...ev, outcome: "ambiguous" });
          throw new BssError({
            ...common,
            kind: "ambiguous",
            message: `${failureText} — the write may have taken effect; it was not resent`,
          });
        }
        emit({ ...ev, outcome: "error" });
        throw new BssError({ ...common, kind: "http", message: failureText, retryable: isTransient(failure) });
      }

      // Network failure or timeout.
      const decision = classify(failure, req.effect);
      const kind = failure.type === "timeout" ? "timeout" : "network";
      const code = failure.type === "timeout" ? LocalCode.timeout : LocalCode.network;
      const ev = { ...base, attempt, code, durationMs, error: failureText };
      if (decision === "retry" && attempt < maxAttempts) {
        const delayMs = retryDelay(attempt, undefined, backoff, random);
        emit({ ...ev, outcome: "retry", delayMs });
        await sleepOrAbort(delayMs, attempt);
        continue;
      }
      if (decision === "ambiguous") {
        emit({ ...ev, outcome: "ambiguous" });
        throw new BssError({
          operation: req.operation,
          kind: "ambiguous",
          code,
          message: `${failureText} — the write may have taken effect; it was not resent`,
          attempts: attempt,
          cause,
        });
      }
      emit({ ...ev, outcome: "error" });
      throw new BssError({ operation: req.operation, kind, code, message: failureText, retryable: true, attempts: attempt, cause });
    }

    async function sleepOrAbort(ms: number, attempt: number): Promise<void> {
      try {
        await sleep(ms, req.signal);
      } catch (err) {
        if (req.signal?.aborted) throw aborted(attempt, false);
        throw err;
      }
    }
  }

  return { endpoint, send };
}
