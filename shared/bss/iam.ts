/**
 * Customer tokens for customer-only BSS operations (renew, pay, renew-rate, auto-renew).
 *
 * The partner asks IAM (`POST /v3/auth/tokens`, method `assume_role`) for a token of the
 * customer's account through the agency that the partner platform created for it (agency name
 * = the partner's `xaccount_type`). The request is signed with the partner's AK/SK, or carries
 * the partner's own token. The customer token comes back in the `X-Subject-Token` response
 * header; its expiry in the body (`token.expires_at`).
 *
 * Tokens are cached per customer until `marginMs` before they expire, and concurrent requests
 * for the same customer share one exchange. Tokens never appear in errors or events.
 */
import type { Credentials } from "../signing/index.ts";
import { BssError, LocalCode, describeIssues } from "./errors.ts";
import { assumeRoleRequest, iamTokenResponse, listAuthDomainsResponse } from "./schemas.ts";
import type { Transport, TransportAuth } from "./transport.ts";

export const DEFAULT_IAM_ENDPOINT = "https://iam.myhuaweicloud.com";
export const IAM_OPERATION = "IAM.AssumeRole";
export const DEFAULT_TOKEN_MARGIN_MS = 5 * 60_000;

export interface CustomerRef {
  /** Customer id = the customer's domain_id. */
  id: string;
  /** Customer account name (domain name). When given it is used as `domain_name`, else `domain_id` = id. */
  accountName?: string | undefined;
}

export interface TokenProviderOptions {
  /** A transport whose endpoint is the IAM endpoint. */
  transport: Transport;
  /** How the partner authenticates to IAM (a function when the auth needs a lookup first, see partnerAuthResolver). */
  partnerAuth: TransportAuth | ((signal?: AbortSignal) => Promise<TransportAuth>);
  /** Agency name (the partner's xaccount_type). */
  agencyName: string;
  /** Refresh this long before expiry. Default 5 minutes. */
  marginMs?: number;
  /** Limiter rate for IAM calls (per second). Default 10. */
  ratePerSecond?: number;
  now?: () => number;
}

export interface CustomerToken {
  token: string;
  /** ms since epoch */
  expiresAt: number;
}

export interface TokenProvider {
  /** A valid token for the customer, from the cache or from one (shared) IAM exchange. */
  get(customer: CustomerRef, signal?: AbortSignal): Promise<string>;
  /** Forget a customer's token (e.g. after BSS said it is expired). */
  invalidate(customerId: string): void;
  /** Number of IAM exchanges made so far (for tests and metrics). */
  readonly exchanges: number;
}

/** Parses IAM's `expires_at` (`2025-01-01T12:00:00.000000Z`, any fraction length) to ms. */
export function parseIamTime(value: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/.exec(value.trim());
  if (!m) return Number.NaN;
  const frac = (m[2] ?? "").slice(0, 3).padEnd(3, "0");
  const zone = m[3] === "Z" ? "Z" : m[3]!.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  return Date.parse(`${m[1]}.${frac}${zone}`);
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const now = options.now ?? Date.now;
  const marginMs = options.marginMs ?? DEFAULT_TOKEN_MARGIN_MS;
  const rate = options.ratePerSecond ?? 10;
  const cache = new Map<string, CustomerToken>();
  const inflight = new Map<string, Promise<CustomerToken>>();
  let exchanges = 0;

  async function exchange(customer: CustomerRef): Promise<CustomerToken> {
    const assumeRole = customer.accountName
      ? { domain_name: customer.accountName, agency_name: options.agencyName }
      : { domain_id: customer.id, agency_name: options.agencyName };
    const scope = customer.accountName ? { domain: { name: customer.accountName } } : { domain: { id: customer.id } };
    const parsedReq = assumeRoleRequest.safeParse({ auth: { identity: { methods: ["assume_role"], assume_role: assumeRole }, scope } });
    if (!parsedReq.success) {
      throw new BssError({ operation: IAM_OPERATION, kind: "validation", code: LocalCode.validation, message: describeIssues(parsedReq.error.issues) });
    }
    exchanges++;
    // Creating a token changes nothing on the server: safe to retry like a read.
    const res = await options.transport.send({
      operation: IAM_OPERATION,
      method: "POST",
      path: "/v3/auth/tokens",
      body: parsedReq.data,
      effect: "read",
      auth: typeof options.partnerAuth === "function" ? await options.partnerAuth() : options.partnerAuth,
      rate: { key: "iam:assume-role", perSecond: rate },
    });
    const token = res.headers.get("x-subject-token");
    const common = { operation: IAM_OPERATION, status: res.status, requestId: res.requestId, attempts: res.attempts };
    if (!token) {
      throw new BssError({ ...common, kind: "invalid-response", code: LocalCode.invalidResponse, message: "IAM answered without an X-Subject-Token header" });
    }
    const body = iamTokenResponse.safeParse(res.body);
    if (!body.success) {
      throw new BssError({ ...common, kind: "invalid-response", code: LocalCode.invalidResponse, message: `IAM token body: ${describeIssues(body.error.issues)}` });
    }
    const expiresAt = parseIamTime(body.data.token.expires_at);
    if (Number.isNaN(expiresAt)) {
      throw new BssError({ ...common, kind: "invalid-response", code: LocalCode.invalidResponse, message: "IAM token.expires_at is not a timestamp" });
    }
    return { token, expiresAt };
  }

  return {
    async get(customer, signal) {
      const key = customer.id;
      const cached = cache.get(key);
      if (cached && now() < cached.expiresAt - marginMs) return cached.token;
      let pending = inflight.get(key);
      if (!pending) {
        // The shared exchange is not tied to one caller's signal: each caller only stops waiting.
        pending = exchange(customer)
          .then((t) => {
            cache.set(key, t);
            return t;
          })
          .finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      return (await abortable(pending, signal)).token;
    },
    invalidate(customerId) {
      cache.delete(customerId);
    },
    get exchanges() {
      return exchanges;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// X-Domain-Id

export const DOMAINS_OPERATION = "KeystoneListAuthDomains";

/**
 * The partner's auth for BSS and IAM (both global services). With AK/SK, Huawei's SDK always sends
 * `X-Domain-Id` (the account id) and, when it is not configured, looks it up once with
 * `GET /v3/auth/domains` (KeystoneListAuthDomains, signed without it) and caches it. This does the
 * same: the first caller starts the lookup, concurrent callers share it, later ones get the cached
 * value; a failed lookup is not cached (the next call tries again). A token needs no domain id.
 */
export function partnerAuthResolver(
  auth: { type: "token"; token: string } | { type: "aksk"; credentials: Credentials },
  iam: Transport,
): { get(signal?: AbortSignal): Promise<TransportAuth>; readonly lookups: number } {
  if (auth.type === "token") return { get: async () => auth, lookups: 0 };
  let domainId = auth.credentials.domainId;
  let pending: Promise<string> | undefined;
  let lookups = 0;
  const lookup = async (): Promise<string> => {
    lookups++;
    const res = await iam.send({
      operation: DOMAINS_OPERATION,
      method: "GET",
      path: "/v3/auth/domains",
      effect: "read",
      auth: { type: "aksk", credentials: { ...auth.credentials, domainId: undefined } },
      rate: { key: "iam:domains", perSecond: 10 },
    });
    const body = listAuthDomainsResponse.safeParse(res.body);
    const id = body.success ? body.data.domains?.find((d) => d.id !== undefined && d.id !== "")?.id : undefined;
    if (!id) {
      throw new BssError({
        operation: DOMAINS_OPERATION,
        kind: "invalid-response",
        status: res.status,
        code: LocalCode.invalidResponse,
        message: body.success ? "IAM listed no account (domain) for these credentials" : `IAM domains body: ${describeIssues(body.error.issues)}`,
        requestId: res.requestId,
        attempts: res.attempts,
      });
    }
    return id;
  };
  return {
    async get() {
      if (domainId === undefined) {
        // Shared by concurrent callers, so not tied to one caller's signal.
        pending ??= lookup().finally(() => {
          pending = undefined;
        });
        domainId = await pending;
      }
      return { type: "aksk", credentials: { ...auth.credentials, domainId } };
    },
    get lookups() {
      return lookups;
    },
  };
}
