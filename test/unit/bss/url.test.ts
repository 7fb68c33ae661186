import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildQueryString, buildUrl, cleanQuery, expandPath, normalisePath, UrlBuildError } from "../../../shared/bss/url.ts";
import { canonicalQuery } from "../../../shared/signing/index.ts";

describe("expandPath", () => {
  it("encodes path parameters strictly (sub-delims included)", () => {
    expect(expandPath("/v2/x/{resource_id}", { resource_id: "a b*'()!+/%~é" })).toBe("/v2/x/a%20b%2A%27%28%29%21%2B%2F%25~%C3%A9");
  });
  it("requires every placeholder, refuses unknown params and dot segments", () => {
    expect(() => expandPath("/v2/x/{resource_id}", {})).toThrow(/resource_id is required/);
    expect(() => expandPath("/v2/x/{resource_id}", { resource_id: "" })).toThrow(UrlBuildError);
    expect(() => expandPath("/v2/x/{resource_id}", { resource_id: ".." })).toThrow(/\.\./);
    expect(() => expandPath("/v2/x", { resource_id: "a" })).toThrow(/unknown path parameter resource_id/);
  });
  it("round-trips any value through URL parsing", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1 }).filter((s) => s !== "." && s !== ".."), (v) => {
        const url = new URL(buildUrl("https://bss.example.com", expandPath("/v2/x/{id}/y", { id: v })));
        const seg = url.pathname.split("/")[3]!;
        expect(decodeURIComponent(seg)).toBe(v);
        expect(url.pathname.split("/").length).toBe(5);
      }),
    );
  });
});

describe("normalisePath", () => {
  it("decodes once and re-encodes strictly", () => {
    expect(normalisePath("/v2/orders/customer-orders/details/A%20B(1)")).toBe("/v2/orders/customer-orders/details/A%20B%281%29");
    expect(normalisePath("/v2/a b")).toBe("/v2/a%20b");
  });
  it("refuses relative paths, queries, dot segments and bad escapes", () => {
    for (const p of ["v2/x", "/v2/x?a=1", "/v2/../x", "/v2/%2e%2e/x", "/v2/%zz"]) expect(() => normalisePath(p)).toThrow(UrlBuildError);
  });
});

describe("query string", () => {
  it("encodes strictly, repeats keys for arrays, drops undefined/null and empty arrays, keeps empty strings", () => {
    expect(buildQueryString({ a: "x y+z", b: [2, 1], c: undefined, d: null, e: [], f: "", g: true, "h k": "*" })).toBe(
      "a=x%20y%2Bz&b=2&b=1&f=&g=true&h%20k=%2A",
    );
  });
  it("property: round-trips through URLSearchParams, and agrees with the signer's canonical form", () => {
    const key = fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 });
    const scalar = fc.oneof(fc.string({ unit: "grapheme", maxLength: 12 }), fc.integer(), fc.boolean());
    const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.constant(undefined));
    fc.assert(
      fc.property(fc.dictionary(key, value), (query) => {
        const qs = buildQueryString(query);
        expect(qs).toMatch(/^[A-Za-z0-9\-_.~%=&]*$/); // nothing but unreserved characters and escapes
        const parsed = new URLSearchParams(qs);
        const expected = cleanQuery(query);
        const got: Record<string, string | string[]> = {};
        for (const k of new Set(parsed.keys())) {
          const all = parsed.getAll(k);
          got[k] = Array.isArray(expected[k]) ? all : all[0]!;
        }
        expect(got).toEqual(expected);
        // The signer, reading the same URL, sees exactly these pairs.
        const pairs = new Map(Object.entries(expected).map(([k, v]) => [k, Array.isArray(v) ? v : [v]] as const));
        const fromUrl = new Map<string, string[]>();
        for (const [k, v] of parsed) fromUrl.set(k, [...(fromUrl.get(k) ?? []), v]);
        expect(canonicalQuery(fromUrl)).toBe(canonicalQuery(pairs));
      }),
    );
  });
});

describe("buildUrl", () => {
  it("keeps a base path, drops trailing slashes, appends the query", () => {
    expect(buildUrl("https://bss.myhuaweicloud.com", "/v2/a")).toBe("https://bss.myhuaweicloud.com/v2/a");
    expect(buildUrl("http://127.0.0.1:8080/bss/", "/v2/a", { limit: 10 })).toBe("http://127.0.0.1:8080/bss/v2/a?limit=10");
  });
  it("refuses odd endpoints", () => {
    for (const e of ["bss.myhuaweicloud.com", "ftp://x", "https://x/?a=1", "https://x/#f"]) expect(() => buildUrl(e, "/v2")).toThrow(UrlBuildError);
    expect(() => buildUrl("https://x", "v2")).toThrow(UrlBuildError);
  });
});
