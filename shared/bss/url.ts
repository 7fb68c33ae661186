/**
 * URL building for BSS requests (pure): path templates, strictly encoded query strings, and
 * endpoint joining. Everything is percent-encoded with the signer's strict table
 * (only `A-Z a-z 0-9 - _ . ~` literal, upper-case hex), so what goes on the wire is exactly
 * what the canonical request describes and `+`, `*`, `'`, `(`, `)`, `!` can never be misread.
 */
import { encodeComponent } from "../signing/index.ts";
import type { QueryValue } from "../signing/index.ts";

export type Query = Record<string, QueryValue | readonly QueryValue[] | undefined | null>;

/** Thrown for a path or query the client refuses to build (a programming error or bad input). */
export class UrlBuildError extends Error {
  override name = "UrlBuildError";
}

/**
 * Fills `{name}` placeholders with strictly encoded values. Every placeholder must be given a
 * non-empty value; `.` and `..` are refused (URL normalisation would silently change the path).
 */
export function expandPath(template: string, params: Readonly<Record<string, string>> = {}): string {
  const used = new Set<string>();
  const out = template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = params[name];
    if (typeof v !== "string" || v === "") throw new UrlBuildError(`path parameter ${name} is required`);
    if (v === "." || v === "..") throw new UrlBuildError(`path parameter ${name} cannot be "." or ".."`);
    used.add(name);
    return encodeComponent(v);
  });
  for (const name of Object.keys(params)) {
    if (!used.has(name)) throw new UrlBuildError(`unknown path parameter ${name}`);
  }
  return out;
}

/**
 * Normalises a raw path typed by a person (CLI): each segment is decoded once and re-encoded
 * strictly. Must start with `/`; no query, no fragment, no dot segments.
 */
export function normalisePath(path: string): string {
  if (!path.startsWith("/")) throw new UrlBuildError("path must start with /");
  if (/[?#]/.test(path)) throw new UrlBuildError("path must not contain ? or # (pass query parameters separately)");
  return path
    .split("/")
    .map((seg) => {
      let decoded: string;
      try {
        decoded = decodeURIComponent(seg);
      } catch {
        throw new UrlBuildError("path has malformed percent-encoding");
      }
      if (decoded === "." || decoded === "..") throw new UrlBuildError("path must not contain . or .. segments");
      return encodeComponent(decoded);
    })
    .join("/");
}

/**
 * The decoded query the request really carries: undefined/null values and empty arrays dropped
 * (BSS treats "not sent" differently from "" and null — §1.8), numbers and booleans stringified.
 */
export function cleanQuery(query: Query | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!query) return out;
  for (const key of Object.keys(query)) {
    const value = query[key];
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      const list = (value as readonly QueryValue[]).filter((v) => v !== undefined && v !== null).map(String);
      if (list.length > 0) out[key] = list;
    } else {
      out[key] = String(value);
    }
  }
  return out;
}

/** `k=v&k2=v2` in key insertion order, repeated keys for arrays, strict encoding, no leading `?`. */
export function buildQueryString(query: Query | undefined): string {
  const clean = cleanQuery(query);
  const parts: string[] = [];
  for (const key of Object.keys(clean)) {
    const value = clean[key]!;
    const k = encodeComponent(key);
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${k}=${encodeComponent(v)}`);
  }
  return parts.join("&");
}

/**
 * Joins an endpoint (`https://host[:port][/base]`) with an already-encoded path and a query.
 * A base path on the endpoint is kept (useful behind a proxy or for the sandbox).
 */
export function buildUrl(endpoint: string, encodedPath: string, query?: Query): string {
  let base: URL;
  try {
    base = new URL(endpoint);
  } catch {
    throw new UrlBuildError("endpoint is not an absolute URL");
  }
  if (base.protocol !== "https:" && base.protocol !== "http:") throw new UrlBuildError("endpoint must be http(s)");
  if (base.search || base.hash) throw new UrlBuildError("endpoint must not carry a query or fragment");
  if (!encodedPath.startsWith("/")) throw new UrlBuildError("path must start with /");
  const prefix = base.pathname.replace(/\/+$/, "");
  const qs = buildQueryString(query);
  return `${base.origin}${prefix}${encodedPath}${qs ? `?${qs}` : ""}`;
}
