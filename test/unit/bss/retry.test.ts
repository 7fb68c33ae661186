import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelay, classify, failedBeforeSending, isTransient, parseRetryAfter, retryDelay } from "../../../shared/bss/retry.ts";
import type { AttemptFailure } from "../../../shared/bss/retry.ts";
import type { Effect } from "../../../shared/bss/operations.ts";

const opts = { baseMs: 100, capMs: 2000, maxRetryAfterMs: 60_000 };

describe("backoff with full jitter", () => {
  it("stays in [0, min(cap, base * 2^(n-1))) for any random value in [0, 1)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, r) => {
        const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** (n - 1));
        const d = backoffDelay(n, opts, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
        expect(Number.isInteger(d)).toBe(true);
      }),
    );
  });

  it("grows exponentially up to the cap (at the top of the jitter range)", () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, opts, top))).toEqual([99, 199, 399, 799, 1599, 1999]);
    expect(backoffDelay(1, opts, () => 0)).toBe(0);
  });

  it("is really jittered: different random values give different delays", () => {
    const seen = new Set([0.1, 0.3, 0.5, 0.7, 0.9].map((r) => backoffDelay(4, opts, () => r)));
    expect(seen.size).toBe(5);
  });

  it("treats a broken random source as 0 rather than producing NaN or a negative delay", () => {
    expect(backoffDelay(3, opts, () => Number.NaN)).toBe(0);
    expect(backoffDelay(3, opts, () => -1)).toBe(0);
    expect(backoffDelay(3, opts, () => 1)).toBe(0);
  });

  it("never waits less than Retry-After", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 120_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, ra, r) => {
        const d = retryDelay(n, ra, opts, () => r);
        expect(d).toBeGreaterThanOrEqual(ra);
        expect(d).toBe(Math.max(ra, backoffDelay(n, opts, () => r)));
      }),
    );
    expect(retryDelay(2, undefined, opts, () => 0.5)).toBe(backoffDelay(2, opts, () => 0.5));
  });
});

describe("Retry-After", () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);
  it("parses delta-seconds", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("5", now)).toBe(5000);
    expect(parseRetryAfter(" 120 ", now)).toBe(120_000);
  });
  it("parses HTTP dates (IMF-fixdate and obsolete forms), past dates mean 0", () => {
    expect(parseRetryAfter("Wed, 01 Jan 2025 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wednesday, 01-Jan-25 12:01:00 GMT", now)).toBe(60_000);
    expect(parseRetryAfter("Wed Jan  1 12:00:10 2025", now)).toBeGreaterThanOrEqual(0); // asctime: local-time, only check it parses
    expect(parseRetryAfter("Tue, 31 Dec 2024 12:00:00 GMT", now)).toBe(0);
  });
  it("rejects what is neither", () => {
    for (const v of [undefined, null, "", "  ", "1.5", "-3", "soon", "5s", "Mon, 99 Foo 2025"]) expect(parseRetryAfter(v, now)).toBeUndefined();
  });
  it("round-trips any delay through both forms", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (secs) => {
        expect(parseRetryAfter(String(secs), now)).toBe(secs * 1000);
        expect(parseRetryAfter(new Date(now + secs * 1000).toUTCString(), now)).toBe(secs * 1000);
      }),
    );
  });
});

describe("classification", () => {
  const effects: Effect[] = ["read", "idempotent-write", "write"];
  const table: [AttemptFailure, Record<Effect, string>][] = [
    [{ type: "response", status: 429, code: "CBC.0250" }, { read: "retry", "idempotent-write": "retry", write: "retry" }],
    [{ type: "response", status: 429, code: "APIG.0308" }, { read: "retry", "idempotent-write": "retry", write: "retry" }],
    [{ type: "response", status: 429 }, { read: "retry", "idempotent-write": "retry", write: "retry" }],
    [{ type: "response", status: 429, code: "CBC.99008040" }, { read: "retry", "idempotent-write": "retry", write: "fail" }],
    [{ type: "response", status: 500, code: "CBC.0999" }, { read: "retry", "idempotent-write": "retry", write: "ambiguous" }],
    [{ type: "response", status: 502 }, { read: "retry", "idempotent-write": "retry", write: "ambiguous" }],
    [{ type: "response", status: 503 }, { read: "retry", "idempotent-write": "retry", write: "ambiguous" }],
    [{ type: "response", status: 504 }, { read: "retry", "idempotent-write": "retry", write: "ambiguous" }],
    [{ type: "response", status: 501 }, { read: "fail", "idempotent-write": "fail", write: "fail" }],
    [{ type: "response", status: 400, code: "CBC.0100" }, { read: "fail", "idempotent-write": "fail", write: "fail" }],
    [{ type: "response", status: 401, code: "CBC.0154" }, { read: "fail", "idempotent-write": "fail", write: "fail" }],
    [{ type: "response", status: 403, code: "CBC.0151" }, { read: "fail", "idempotent-write": "fail", write: "fail" }],
    [{ type: "response", status: 404 }, { read: "fail", "idempotent-write": "fail", write: "fail" }],
    [{ type: "network", sent: false }, { read: "retry", "idempotent-write": "retry", write: "retry" }],
    [{ type: "network", sent: true }, { read: "retry", "idempotent-write": "retry", write: "ambiguous" }],
    [{ type: "timeout" }, { read: "retry", "idempotent-write": "retry", write: "ambiguous" }],
  ];
  for (const [failure, expected] of table) {
    it(`${JSON.stringify(failure)}`, () => {
      for (const e of effects) expect([e, classify(failure, e)]).toEqual([e, expected[e]]);
    });
  }
  it("a write is never retried unless the request certainly did not take effect", () => {
    fc.assert(
      fc.property(fc.integer({ min: 300, max: 599 }), fc.option(fc.constantFrom("CBC.0250", "APIG.0308", "CBC.0999", "CBC.0100"), { nil: undefined }), (status, code) => {
        const d = classify({ type: "response", status, code }, "write");
        const throttled = code === "CBC.0250" || code === "APIG.0308" || (status === 429 && code === undefined);
        expect(d === "retry").toBe(throttled);
        if (status >= 500 && status !== 501 && status !== 505 && !throttled) expect(d).toBe("ambiguous");
      }),
    );
  });
  it("marks transient failures retryable", () => {
    expect(isTransient({ type: "response", status: 503 })).toBe(true);
    expect(isTransient({ type: "response", status: 429, code: "X.1" })).toBe(true);
    expect(isTransient({ type: "response", status: 400 })).toBe(false);
    expect(isTransient({ type: "timeout" })).toBe(true);
  });
});

describe("failedBeforeSending", () => {
  const fetchError = (cause: unknown) => Object.assign(new TypeError("fetch failed"), { cause });
  const sysErr = (code: string) => Object.assign(new Error(code), { code });
  it("recognises connect-phase failures", () => {
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]) {
      expect(failedBeforeSending(fetchError(sysErr(code)))).toBe(true);
    }
    const agg = Object.assign(new AggregateError([sysErr("ECONNREFUSED"), sysErr("EHOSTUNREACH")]), {});
    expect(failedBeforeSending(fetchError(agg))).toBe(true);
  });
  it("treats everything else as possibly sent", () => {
    for (const code of ["ECONNRESET", "UND_ERR_SOCKET", "EPIPE", "UND_ERR_HEADERS_TIMEOUT"]) expect(failedBeforeSending(fetchError(sysErr(code)))).toBe(false);
    expect(failedBeforeSending(fetchError(new AggregateError([sysErr("ECONNREFUSED"), sysErr("ECONNRESET")])))).toBe(false);
    expect(failedBeforeSending(new TypeError("fetch failed"))).toBe(false);
    expect(failedBeforeSending("weird")).toBe(false);
  });
});
