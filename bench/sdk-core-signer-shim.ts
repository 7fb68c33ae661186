/**
 * Bench-only stand-in for shared/signing/index.ts: the same exports, but `signRequest` is built on
 * @huaweicloud/huaweicloud-sdk-core's AKSKSigner (as bench/signing.ts calls it). bench/bundle.ts
 * bundles each function a second time with shared/bss's signing import redirected here, to measure
 * what our signer saves in bundle size and cold-start init. Never shipped: sdk-core is a devDependency.
 *
 * Everything else (encodeComponent, webhook signing, …) is re-exported from the real module; an
 * explicit export wins over `export *`, so only signRequest is replaced.
 */
import { AKSKSigner } from "@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js";
import type { Credentials, SignableRequest, SignedRequest, SignOptions } from "../shared/signing/index.ts";

export * from "../shared/signing/index.ts";

type SdkQuery = Record<string, string | string[]>;
interface SdkRequest {
  endpoint: string;
  method: string;
  headers: Record<string, string>;
  queryParams: SdkQuery;
  data: unknown;
}
// The published typings want a full ICredential and IHttpRequest; the signer reads only these fields.
// (No module-level statement here, so that a bundle that never calls signRequest drops the shim.)
type SdkSign = (request: SdkRequest, credential: { getAk(): string; getSk(): string }) => Record<string, string>;

function headerName(headers: Record<string, string>, lower: string): string | undefined {
  return Object.keys(headers).find((k) => k.toLowerCase() === lower);
}

/** Same contract as shared/signing signRequest for the requests shared/bss sends (JSON or no body). */
export function signRequest(request: SignableRequest, credentials: Credentials, options: SignOptions = {}): SignedRequest {
  if (options.derived) throw new Error("sdk-core shim: derived signing is not supported");
  const url = new URL(request.url);
  // No prototype: a parameter may be called "valueOf" or "__proto__".
  const queryParams: SdkQuery = Object.create(null) as SdkQuery;
  if (request.query) {
    for (const [k, v] of Object.entries(request.query)) queryParams[k] = Array.isArray(v) ? v.map(String) : String(v);
  } else {
    for (const [k, v] of url.searchParams) {
      const prev = queryParams[k];
      queryParams[k] = prev === undefined ? v : [prev, v].flat();
    }
  }

  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers ?? {})) if (k.toLowerCase() !== "authorization") headers[k] = v;
  const ct = headerName(headers, "content-type");
  if (ct && headers[ct]!.includes("application/json")) headers[ct] = "application/json";
  // HcClient adds these before calling the signer; do the same.
  if (credentials.securityToken) headers["X-Security-Token"] = credentials.securityToken;
  if (credentials.projectId) headers["X-Project-Id"] = credentials.projectId;
  if (credentials.domainId) headers["X-Domain-Id"] = credentials.domainId;
  const dateKey = headerName(headers, "x-sdk-date");
  if (dateKey === undefined) {
    const now = (options.now ?? (() => new Date()))();
    headers["X-Sdk-Date"] = now.toISOString().replace(/[-:]|\.\d{3}/g, "");
  } else if (dateKey !== "X-Sdk-Date") {
    headers["X-Sdk-Date"] = headers[dateKey]!;
    delete headers[dateKey];
  }

  // sdk-core hashes JSON.stringify(data): hand it the parsed body, and make sure that reproduces the bytes sent.
  let data: unknown;
  if (request.body !== undefined && request.body.length > 0) {
    if (typeof request.body !== "string") throw new Error("sdk-core shim: only JSON string bodies are supported");
    data = JSON.parse(request.body);
    if (JSON.stringify(data) !== request.body) throw new Error("sdk-core shim: body is not in JSON.stringify form");
  }
  const signed = (AKSKSigner.sign as unknown as SdkSign).call(
    AKSKSigner,
    { endpoint: `${url.protocol}//${url.host}${url.pathname}`, method: request.method.toUpperCase(), headers, queryParams, data },
    { getAk: () => credentials.ak, getSk: () => credentials.sk },
  );
  const out: SignedRequest = { method: request.method.toUpperCase(), url: request.url, headers: signed };
  if (request.body !== undefined) out.body = request.body;
  return out;
}
