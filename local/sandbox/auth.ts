/**
 * Who is calling: an APIG-signed request with the partner's AK/SK, or an `X-Auth-Token` the
 * sandbox's IAM endpoint issued for a customer (assume_role). Pure apart from token randomness.
 *
 * Error codes (the gateway's, as Huawei documents them in its APIG FAQ/error tables):
 * every AK/SK failure — no credentials, malformed Authorization, unknown AK, wrong signature,
 * X-Sdk-Date malformed or more than maxSkewMs from the server clock — is 401 `APIG.0301`
 * "Incorrect IAM authentication information: …". A token that is unknown or expired is
 * 401 `CBC.0154` (the BSS code for an illegal/expired token).
 */
import { randomBytes } from "node:crypto";
import { verifyRequestSignature } from "../../shared/signing/index.ts";
import { SandboxError } from "./errors.ts";
import type { Caller } from "./operations.ts";

export interface TokenRecord {
  customerId: string;
  issuedAt: number;
  expiresAt: number;
  projectId?: string;
}

export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();
  /** Every token ever issued, in order (expired ones too): tests check that none reaches a log. */
  readonly issued: string[] = [];

  issue(record: TokenRecord): string {
    // Opaque and unguessable, shaped like IAM's PKI tokens (they start with "MII").
    const token = `MIIsandbox${randomBytes(48).toString("base64url")}`;
    this.tokens.set(token, record);
    this.issued.push(token);
    return token;
  }

  lookup(token: string): TokenRecord | undefined {
    return this.tokens.get(token);
  }

  /** Drops expired tokens. */
  sweep(now: number): void {
    for (const [k, v] of this.tokens) if (v.expiresAt <= now) this.tokens.delete(k);
  }

  get size(): number {
    return this.tokens.size;
  }
}

export interface AuthRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

export interface AuthConfig {
  ak: string;
  sk: string;
  partnerDomainId: string;
  maxSkewMs: number;
  now: number;
  tokens: TokenStore;
  /**
   * AK/SK requests to a global service (BSS, IAM) must carry X-Domain-Id, as Huawei's SDK always sends
   * it there (the exact gateway answer without it is unconfirmed: the sandbox uses APIG.0301).
   * Off only for GET /v3/auth/domains, the call that finds the id.
   */
  requireDomainId: boolean;
}

export type AuthResult = { ok: true; caller: Caller; account: string } | { ok: false; error: SandboxError };

const header = (h: AuthRequest["headers"], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v.join(",") : v;
};

const apig = (detail: string): AuthResult => ({
  ok: false,
  error: new SandboxError(401, "APIG.0301", `Incorrect IAM authentication information: ${detail}`),
});

/** Authenticates a BSS request. Node lower-cases header names, so lookups are lower case. */
export function authenticate(req: AuthRequest, cfg: AuthConfig): AuthResult {
  const token = header(req.headers, "x-auth-token");
  if (token !== undefined) {
    const rec = cfg.tokens.lookup(token.trim());
    if (!rec) return { ok: false, error: new SandboxError(401, "CBC.0154", "x_auth_token is illegal") };
    if (rec.expiresAt <= cfg.now) return { ok: false, error: new SandboxError(401, "CBC.0154", "x_auth_token is expired") };
    return { ok: true, caller: { kind: "customer", customerId: rec.customerId }, account: rec.customerId };
  }
  const v = verifyPartnerSignature(req, cfg);
  if (!v.ok) return apig(v.detail);
  return { ok: true, caller: { kind: "partner" }, account: cfg.partnerDomainId };
}

/** Verifies the partner's AK/SK signature (shared by BSS and the IAM token endpoint). */
export function verifyPartnerSignature(req: AuthRequest, cfg: AuthConfig): { ok: true } | { ok: false; detail: string } {
  if (header(req.headers, "authorization") === undefined) return { ok: false, detail: "x-auth-token not found and the request is not signed" };
  const result = verifyRequestSignature(
    { method: req.method, url: req.url, headers: req.headers, body: req.body },
    { secretFor: (ak) => (ak === cfg.ak ? cfg.sk : undefined), maxSkewMs: cfg.maxSkewMs, now: () => cfg.now },
  );
  if (!result.ok) {
    const detail: Record<typeof result.reason, string> = {
      missing: "x-auth-token not found and the request is not signed",
      malformed: `authorization is malformed (${result.message})`,
      "unknown-ak": "Get secretKey failed, ak not exist",
      date: "X-Sdk-Date is malformed",
      skew: "X-Sdk-Date is too far from the server time",
      mismatch: "verify aksk signature fail",
    };
    return { ok: false, detail: detail[result.reason] };
  }
  const domainId = header(req.headers, "x-domain-id");
  if (domainId === undefined && cfg.requireDomainId) {
    return { ok: false, detail: "X-Domain-Id is required with AK/SK on a global service" };
  }
  if (domainId !== undefined && domainId.trim() !== cfg.partnerDomainId) {
    return { ok: false, detail: "X-Domain-Id does not match the access key's account" };
  }
  return { ok: true };
}
