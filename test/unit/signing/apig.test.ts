import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  SigningError,
  canonicalUri,
  encodeComponent,
  formatSdkDate,
  parseSdkDate,
  signRequest,
  verifyRequestSignature,
} from "../../../shared/signing/index.ts";

const creds = { ak: "AKTEST0000000001", sk: "sk-test-secret-0000000000000001" };

describe("encodeComponent", () => {
  it("round-trips any well-formed string and emits only unreserved chars and upper-case escapes", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (s) => {
        const e = encodeComponent(s);
        expect(e).toMatch(/^(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*$/);
        expect(decodeURIComponent(e)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it("agrees with encodeURIComponent except for the five characters it leaves raw", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (s) => {
        const expected = encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
        expect(encodeComponent(s)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses a lone surrogate", () => {
    expect(() => encodeComponent("a\uD800b")).toThrow(SigningError);
    expect(() => encodeComponent("\uDC00")).toThrow(SigningError);
  });
});

describe("canonicalUri", () => {
  it("decodes once, encodes once, always ends with a slash", () => {
    expect(canonicalUri("")).toBe("/");
    expect(canonicalUri("/")).toBe("/");
    expect(canonicalUri("/v1/my%20file.txt")).toBe("/v1/my%20file.txt/");
    expect(canonicalUri("/a+b/c%2Fd/")).toBe("/a%2Bb/c%2Fd/");
  });
  it("rejects malformed escapes with a clear error", () => {
    expect(() => canonicalUri("/bad%zz")).toThrow(/malformed percent-encoding in URL path/);
  });
});

describe("X-Sdk-Date", () => {
  it("formats and parses back any second in range", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("1971-01-01T00:00:00Z"), max: new Date("2199-12-31T23:59:59Z"), noInvalidDate: true }), (d) => {
        const s = formatSdkDate(d);
        expect(s).toMatch(/^\d{8}T\d{6}Z$/);
        expect(parseSdkDate(s)).toBe(Math.floor(d.getTime() / 1000) * 1000);
      }),
    );
  });
  it("rejects impossible times instead of normalising them", () => {
    expect(parseSdkDate("20240230T000000Z")).toBeNaN();
    expect(parseSdkDate("20240101T000061Z")).toBeNaN();
    expect(parseSdkDate("2024-01-01T00:00:00Z")).toBeNaN();
  });
});

describe("signRequest", () => {
  it("adds X-Sdk-Date from the clock when absent, and keeps the caller's otherwise", () => {
    const now = () => new Date("2026-11-24T09:15:22.999Z");
    const a = signRequest({ method: "get", url: "https://bss.myhuaweicloud.com/v2/x" }, creds, { now });
    expect(a.method).toBe("GET");
    expect(a.headers["X-Sdk-Date"]).toBe("20261124T091522Z");
    expect(a.headers["host"]).toBe("bss.myhuaweicloud.com");
    const b = signRequest({ method: "GET", url: "https://bss.myhuaweicloud.com/v2/x", headers: { "x-sdk-date": "20240101T000000Z" } }, creds, { now });
    expect(b.headers["x-sdk-date"]).toBe("20240101T000000Z");
    expect(b.headers["X-Sdk-Date"]).toBeUndefined();
    expect(b.headers["Authorization"]).not.toBe(a.headers["Authorization"]);
  });

  it("adds the credential headers and signs them", () => {
    const s = signRequest(
      { method: "POST", url: "https://bss.myhuaweicloud.com/v2/x", headers: { "Content-Type": "application/json;charset=UTF-8" }, body: "{}" },
      { ...creds, securityToken: "tok", domainId: "dom", projectId: "proj" },
      { now: () => new Date(0) },
    );
    expect(s.headers["Content-Type"]).toBe("application/json");
    expect(s.headers["X-Security-Token"]).toBe("tok");
    expect(s.headers["X-Domain-Id"]).toBe("dom");
    expect(s.headers["X-Project-Id"]).toBe("proj");
    expect(s.headers["Authorization"]).toContain("SignedHeaders=content-type;host;x-domain-id;x-project-id;x-sdk-date;x-security-token,");
  });

  it("refuses ambiguous or unsignable input with a clear error", () => {
    expect(() => signRequest({ method: "GET", url: "/relative" }, creds)).toThrow(/absolute URL/);
    expect(() => signRequest({ method: "GET", url: "https://h/x", headers: { "X-A": "1", "x-a": "2" } }, creds)).toThrow(/twice/);
    expect(() => signRequest({ method: "GET", url: "https://h/x", headers: { "X-Sdk-Date": "yesterday" } }, creds)).toThrow(/YYYYMMDDTHHMMSSZ/);
    expect(() => signRequest({ method: "GET", url: "https://h/x" }, { ak: "", sk: "x" })).toThrow(/ak is required/);
    expect(() => signRequest({ method: "GET", url: "https://h/x", headers: { "X-A": "a\r\nb" } }, creds)).toThrow(/line break/);
  });
});

describe("verifyRequestSignature", () => {
  const now = Date.parse("2026-11-24T10:00:00Z");
  const sign = (body = '{"a":1}', extra: Record<string, string> = {}) =>
    signRequest(
      { method: "POST", url: "https://bss.myhuaweicloud.com/v2/partners/sub-customers/query?limit=10", headers: { "content-type": "application/json", ...extra }, body },
      creds,
      { now: () => new Date(now) },
    );
  const received = (s: ReturnType<typeof sign>, patch: Partial<{ url: string; body: string; headers: Record<string, string> }> = {}) => ({
    method: s.method,
    url: patch.url ?? s.url,
    headers: patch.headers ?? Object.fromEntries(Object.entries(s.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: patch.body ?? String(s.body),
  });
  const opts = { secretFor: (ak: string) => (ak === creds.ak ? creds.sk : undefined), now: () => now };

  it("accepts what signRequest produced", () => {
    expect(verifyRequestSignature(received(sign()), opts)).toEqual({ ok: true, ak: creds.ak, sdkDate: "20261124T100000Z" });
  });

  it("rejects tampered body, query, headers, unknown keys, skew and missing auth", () => {
    const s = sign();
    expect(verifyRequestSignature(received(s, { body: '{"a":2}' }), opts)).toMatchObject({ ok: false, reason: "mismatch" });
    expect(verifyRequestSignature(received(s, { url: s.url.replace("limit=10", "limit=11") }), opts)).toMatchObject({ ok: false, reason: "mismatch" });
    const h = received(s).headers;
    expect(verifyRequestSignature(received(s, { headers: { ...h, "content-type": "text/plain" } }), opts)).toMatchObject({ ok: false, reason: "mismatch" });
    expect(verifyRequestSignature(received(s), { ...opts, secretFor: () => undefined })).toMatchObject({ ok: false, reason: "unknown-ak" });
    expect(verifyRequestSignature(received(s), { ...opts, now: () => now + 16 * 60_000 })).toMatchObject({ ok: false, reason: "skew" });
    expect(verifyRequestSignature(received(s), { ...opts, now: () => now - 16 * 60_000 })).toMatchObject({ ok: false, reason: "skew" });
    expect(verifyRequestSignature(received(s), { ...opts, now: () => now + 14 * 60_000 })).toMatchObject({ ok: true });
    const { authorization: _, ...noAuth } = h;
    expect(verifyRequestSignature(received(s, { headers: noAuth }), opts)).toMatchObject({ ok: false, reason: "missing" });
    expect(verifyRequestSignature(received(s, { headers: { ...h, authorization: "Bearer x" } }), opts)).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("any single-byte change of the body is detected", () => {
    const s = sign('{"customer_id":"abc","limit":100}');
    fc.assert(
      fc.property(fc.nat({ max: String(s.body).length - 1 }), fc.integer({ min: 1, max: 94 }), (pos, delta) => {
        const body = String(s.body);
        const c = String.fromCharCode(32 + ((body.charCodeAt(pos) - 32 + delta) % 95));
        const tampered = body.slice(0, pos) + c + body.slice(pos + 1);
        expect(verifyRequestSignature(received(s, { body: tampered }), opts)).toMatchObject({ ok: false, reason: "mismatch" });
      }),
    );
  });
});

describe("hmacSha256Hex", () => {
  it("equals node:crypto's HMAC for any key and message, including keys longer than a block", async () => {
    const { createHmac } = await import("node:crypto");
    const { hmacSha256Hex } = await import("../../../shared/signing/apig.ts");
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 100 }), fc.string({ unit: "grapheme", maxLength: 300 }), (key, msg) => {
        expect(hmacSha256Hex(key, msg)).toBe(createHmac("sha256", key).update(msg, "utf8").digest("hex"));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("URL handling", () => {
  it("signs exactly what WHATWG URL (fetch) would send, fast path or not", () => {
    const parts = (url: string) => signRequest({ method: "GET", url, headers: { "X-Sdk-Date": "20240101T000000Z" } }, creds).headers["Authorization"];
    const viaWhatwg = (url: string) => {
      const u = new URL(url);
      return parts(`${u.protocol}//${u.host}${u.pathname}${u.search}`);
    };
    for (const url of [
      "https://BSS.MyHuaweiCloud.com:443/v2/x?a=1",
      "http://127.0.0.1:80/v2/x",
      "https://h.example.com/a/./b/../c?x=%20",
      "https://h.example.com/a\\b",
      "https://h.example.com",
      "https://h.example.com?q=1",
      "https://h.example.com/%2E%2E/x",
      "https://user@h.example.com:8443/p#frag",
    ]) {
      expect(parts(url), url).toBe(viaWhatwg(url));
    }
  });
});
