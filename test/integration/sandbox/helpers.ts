/**
 * Contract-test helpers: raw signed HTTP calls to the sandbox (signRequest + fetch, not the BSS
 * client) and validation of every answer against the catalogue's schemas.
 */
import { expect } from "vitest";
import { operations, type OperationName } from "../../../shared/bss/operations.ts";
import { bssErrorBody, iamTokenResponse } from "../../../shared/bss/schemas.ts";
import { formatSdkDate, signRequest } from "../../../shared/signing/index.ts";
import type { Sandbox } from "../../../local/sandbox/index.ts";

export type Auth = "partner" | "none" | { token: string } | { ak: string; sk: string };

export interface CallOptions {
  method: string;
  path: string;
  /** JSON body (serialised) or raw string body. */
  body?: unknown;
  rawBody?: string;
  query?: Record<string, string | number>;
  auth?: Auth;
  headers?: Record<string, string>;
  /** X-Sdk-Date to sign with (default: now). */
  date?: Date;
  signal?: AbortSignal;
}

export interface CallResult {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

export async function call(sb: Sandbox, o: CallOptions): Promise<CallResult> {
  const qs = o.query ? "?" + new URLSearchParams(Object.entries(o.query).map(([k, v]): [string, string] => [k, String(v)])).toString() : "";
  const url = sb.url + o.path + qs;
  const body = o.rawBody ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
  const auth = o.auth ?? "partner";
  let headers: Record<string, string> = { "Content-Type": "application/json", ...(o.headers ?? {}) };
  if (auth === "partner" || (typeof auth === "object" && "ak" in auth)) {
    // BSS and IAM are global services: AK/SK requests carry X-Domain-Id (the sandbox requires it).
    const creds = { ...(auth === "partner" ? sb.credentials : auth), domainId: sb.data.partnerDomainId };
    if (o.date) headers["X-Sdk-Date"] = formatSdkDate(o.date);
    headers = signRequest({ method: o.method, url, headers, ...(body !== undefined ? { body } : {}) }, creds).headers;
  } else if (typeof auth === "object" && "token" in auth) {
    headers["X-Auth-Token"] = auth.token;
  }
  const res = await fetch(url, { method: o.method, headers, ...(body !== undefined ? { body } : {}), ...(o.signal ? { signal: o.signal } : {}) });
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text !== "") parsed = JSON.parse(text);
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** Calls a catalogue operation by name with its documented method, path and parameter placement. */
export async function op(
  sb: Sandbox,
  name: OperationName,
  params: Record<string, unknown> | undefined,
  extra: Omit<CallOptions, "method" | "path" | "body" | "query"> & { pathParams?: Record<string, string> } = {},
): Promise<CallResult> {
  const def = operations[name];
  let path: string = def.path;
  for (const [k, v] of Object.entries(extra.pathParams ?? {})) path = path.replace(`{${k}}`, encodeURIComponent(v));
  const o: CallOptions = { ...extra, method: def.method, path };
  if (def.params === "body" && params !== undefined) o.body = params;
  if (def.params === "query" && params) o.query = params as Record<string, string | number>;
  return call(sb, o);
}

/** Asserts a success answer with the catalogue's status and a body its response schema accepts. */
export function expectOk(name: OperationName, r: CallResult): Record<string, unknown> {
  const def = operations[name];
  expect(r.status, `${name}: ${r.text}`).toBe(def.successStatus);
  if (def.successStatus === 204) {
    expect(r.text).toBe("");
    return {};
  }
  const v = def.response.safeParse(r.body);
  expect(v.success, v.success ? "" : JSON.stringify(v.error.issues)).toBe(true);
  expect(r.body).not.toHaveProperty("error_code");
  return r.body as Record<string, unknown>;
}

/** Asserts an error answer: status, `{error_code, error_msg}` body, and code. */
export function expectError(r: CallResult, status: number, code: string): string {
  expect(r.status, r.text).toBe(status);
  const v = bssErrorBody.safeParse(r.body);
  expect(v.success, r.text).toBe(true);
  const body = r.body as { error_code: string; error_msg: string };
  expect(body.error_code).toBe(code);
  expect(typeof body.error_msg).toBe("string");
  expect(body.error_msg.length).toBeGreaterThan(0);
  return body.error_msg;
}

/** A customer token through the sandbox's IAM assume_role endpoint. */
export async function customerToken(sb: Sandbox, accountName: string): Promise<string> {
  const r = await call(sb, {
    method: "POST",
    path: "/v3/auth/tokens",
    body: {
      auth: {
        identity: { methods: ["assume_role"], assume_role: { domain_name: accountName, agency_name: sb.xaccountType } },
        scope: { domain: { name: accountName } },
      },
    },
  });
  expect(r.status, r.text).toBe(201);
  expect(iamTokenResponse.safeParse(r.body).success).toBe(true);
  const token = r.headers.get("x-subject-token");
  expect(token).toBeTruthy();
  return token!;
}

export const FIXED_NOW = new Date("2026-03-01T04:00:00Z");
