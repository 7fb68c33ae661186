/** Raw HTTP to the sandbox for the contract tests: AK/SK-signed (with X-Domain-Id) or with a customer token. Not the client. */
import type { Sandbox } from "../../local/sandbox/index.ts";
import { signRequest } from "../../shared/signing/index.ts";

export interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

export type Auth = "partner" | { token: string };

export async function raw(sb: Sandbox, method: string, path: string, o: { query?: Record<string, string>; body?: unknown; auth?: Auth; headers?: Record<string, string> } = {}): Promise<Answer | undefined> {
  const qs = o.query && Object.keys(o.query).length > 0 ? `?${new URLSearchParams(o.query).toString()}` : "";
  const url = `${sb.url}${path}${qs}`;
  const body = o.body === undefined ? undefined : JSON.stringify(o.body);
  let headers: Record<string, string> = { "Content-Type": "application/json", ...o.headers };
  const auth = o.auth ?? "partner";
  if (auth === "partner") {
    headers = signRequest({ method, url, headers, ...(body !== undefined ? { body } : {}) }, { ...sb.credentials, domainId: sb.data.partnerDomainId }).headers;
    delete headers["host"];
  } else headers["X-Auth-Token"] = auth.token;
  try {
    const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    return { status: res.status, body: text === "" ? undefined : JSON.parse(text), headers: res.headers };
  } catch {
    return undefined; // connection reset by an injected ambiguous fault: no answer to check
  }
}

