/**
 * The BSS client: typed calls built from the operation catalogue (operations.ts), with request
 * validation before sending, response validation after, customer tokens for customer-only
 * operations, offset pagination, and safe wrappers for the three writes that must never be
 * resent blindly (renew, pay, real-name submit).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { FailResourceInfo } from "./errors.ts";
import { BssError, LocalCode, businessFailure, describeIssues, isBssError } from "./errors.ts";
import type { CustomerRef, TokenProvider } from "./iam.ts";
import { DEFAULT_IAM_ENDPOINT, DEFAULT_TOKEN_MARGIN_MS, createTokenProvider, partnerAuthResolver } from "./iam.ts";
import type { RateLimiter, Sleep } from "./limiter.ts";
import { DEFAULT_MARGIN_MS, createRateLimiter } from "./limiter.ts";
import type { OperationDef, OperationName, RequestOf, ResponseOf } from "./operations.ts";
import { operations } from "./operations.ts";
import type { CustomerOrder } from "./schemas.ts";
import type { FetchLike, Transport, TransportAuth, TransportEvent } from "./transport.ts";
import { createTransport } from "./transport.ts";
import type { Query } from "./url.ts";
import { UrlBuildError, expandPath } from "./url.ts";

export type { CustomerRef };

export const ENDPOINTS = {
  cn: "https://bss.myhuaweicloud.com",
  intl: "https://bss-intl.myhuaweicloud.com",
} as const;

// ---------------------------------------------------------------------------------------------
// Options

const fn = <T>(what: string) => z.custom<T>((v) => typeof v === "function", `${what} must be a function`);
const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const operationNames = Object.keys(operations) as [OperationName, ...OperationName[]];

const credentialsSchema = z.union(
  [
    z.strictObject({
      ak: z.string().min(1),
      sk: z.string().min(1),
      securityToken: z.string().min(1).optional(),
      domainId: z.string().min(1).optional(),
    }),
    z.strictObject({ token: z.string().min(1) }),
  ],
  { error: "must be {ak, sk, securityToken?, domainId?} or {token}" },
);

export const clientOptionsSchema = z.strictObject({
  /** "cn" (https://bss.myhuaweicloud.com), "intl" (https://bss-intl.myhuaweicloud.com) or a URL. */
  endpoint: z.union([z.literal("cn"), z.literal("intl"), httpUrl]).default("cn"),
  iamEndpoint: httpUrl.default(DEFAULT_IAM_ENDPOINT),
  credentials: credentialsSchema,
  /** Agency used for customer tokens (the partner's xaccount_type). Required for customer-only operations. */
  agencyName: z.string().min(1).max(64).optional(),
  timeoutMs: z.number().int().positive().default(10_000),
  maxAttempts: z.number().int().min(1).max(10).default(4),
  /** Requests per second: one number for every operation, or per operation (others keep the catalogue's rate). */
  rate: z.union([z.number().positive(), z.partialRecord(z.enum(operationNames), z.number().positive())]).optional(),
  /** Limiter jitter margin, ms, absolute (see limiter.ts): floor(r) + 1 consecutive requests span >= 1000 + rateMarginMs ms. Default DEFAULT_MARGIN_MS (100). */
  rateMarginMs: z.number().min(0).max(1000).default(DEFAULT_MARGIN_MS),
  /** Rate for IAM token exchanges, per second. Default 10. */
  iamRate: z.number().positive().default(10),
  retry: z
    .strictObject({
      baseMs: z.number().min(0).optional(),
      capMs: z.number().min(0).optional(),
      maxRetryAfterMs: z.number().min(0).optional(),
    })
    .optional(),
  /** Customer tokens are refreshed this long before they expire. Default 5 minutes. */
  tokenMarginMs: z.number().int().min(0).default(DEFAULT_TOKEN_MARGIN_MS),
  /** paginate() stops with an error after this many pages (a server that never ends). Default 1000. */
  maxPages: z.number().int().positive().default(1000),
  /** renewResources' lookup window starts this long before the call (clock skew allowance). Default 30 s. */
  reconcileSkewMs: z.number().int().min(0).default(30_000),
  /** Share one limiter between clients of the same process. */
  limiter: z.custom<RateLimiter>((v) => typeof v === "object" && v !== null && typeof (v as RateLimiter).acquire === "function").optional(),
  fetch: fn<FetchLike>("fetch").optional(),
  now: fn<() => number>("now").optional(),
  sleep: fn<Sleep>("sleep").optional(),
  random: fn<() => number>("random").optional(),
  onEvent: fn<(event: BssEvent) => void>("onEvent").optional(),
});

export type BssClientOptions = z.input<typeof clientOptionsSchema>;

/** Structured log records: one per HTTP attempt, one per reconciliation. No secrets, tokens or bodies. */
export type BssEvent =
  | ({ type: "attempt" } & TransportEvent)
  | { type: "reconcile"; operation: string; result: "found" | "not-found" | "retried" | "failed"; detail: string };

// ---------------------------------------------------------------------------------------------
// Types

export interface CallOptions {
  pathParams?: Record<string, string>;
  /** Required for customer-only operations; for "either" operations it makes the call as the customer. */
  customer?: CustomerRef;
  signal?: AbortSignal;
}

/** Paged operations and the response field holding their items (checked against the catalogue in tests). */
export const pagedItems = {
  ListSubCustomers: "customer_infos",
  ListPayPerUseCustomerResources: "data",
  ListCustomerOrders: "order_infos",
  ListServiceTypes: "service_types",
  ListResourceTypes: "resource_types",
  ListIncentiveDiscountPolicies: "policies",
} as const satisfies Partial<Record<OperationName, string>>;

export type PagedOperation = keyof typeof pagedItems;
type ItemsOf<N extends PagedOperation> = ResponseOf<N>[(typeof pagedItems)[N] & keyof ResponseOf<N>];
export type ItemOf<N extends PagedOperation> = NonNullable<ItemsOf<N>> extends readonly (infer I)[] ? I : never;
export type PageRequestOf<N extends PagedOperation> = Omit<RequestOf<N>, "limit">;

export interface PaginateOptions {
  /** Items per page; default min(catalogue maxLimit, 100). */
  pageSize?: number;
  customer?: CustomerRef;
  signal?: AbortSignal;
}

export interface RenewOutcome {
  /** Orders the renewal created (to be paid unless is_auto_pay was 1). */
  orderIds: string[];
  /** Resources BSS refused (fail_resource_infos) while others were renewed. */
  failures: FailResourceInfo[];
  /** True when the renew answer was lost (ambiguous) and `orderIds` come from ListCustomerOrders. */
  reconciled: boolean;
  /** The ambiguous failure that was reconciled. */
  ambiguous?: BssError;
}

export interface PayOutcome {
  orderId: string;
  paid: true;
  /** True when the pay answer was lost and the paid state was confirmed by ListCustomerOrders. */
  reconciled: boolean;
  /** True when the lookup showed the order still unpaid and it was paid with a second request. */
  retried: boolean;
}

export const realnameOperations = {
  enterprise: "CreateEnterpriseRealnameAuthentication",
  "enterprise-change": "ChangeEnterpriseRealnameAuthentication",
  individual: "CreatePersonalRealnameAuth",
} as const;
export type RealnameKind = keyof typeof realnameOperations;

export interface RealnameOutcome {
  submitted: true;
  /** From the submit answer: 1 = transferred to manual review (0 documented too; other values passed on). Absent when reconciled. */
  isReview?: number;
  /** From the review-result lookup (reconciled only): 0 under review, 1 rejected, 2 approved (other values: not final). */
  reviewResult?: number;
  reconciled: boolean;
  retried: boolean;
}

export interface BssClient {
  readonly endpoint: string;
  call<N extends OperationName>(name: N, request: RequestOf<N>, options?: CallOptions): Promise<ResponseOf<N>>;
  paginate<N extends PagedOperation>(name: N, request?: PageRequestOf<N>, options?: PaginateOptions): AsyncGenerator<ItemOf<N>, void, undefined>;

  // thin conveniences
  listSubCustomers(request?: RequestOf<"ListSubCustomers">): Promise<ResponseOf<"ListSubCustomers">>;
  subCustomers(request?: PageRequestOf<"ListSubCustomers">, options?: PaginateOptions): AsyncGenerator<ItemOf<"ListSubCustomers">, void, undefined>;
  listCustomerResources(customerId: string, request?: Omit<RequestOf<"ListPayPerUseCustomerResources">, "customer_id">): Promise<ResponseOf<"ListPayPerUseCustomerResources">>;
  customerResources(
    customerId: string,
    request?: Omit<PageRequestOf<"ListPayPerUseCustomerResources">, "customer_id">,
    options?: PaginateOptions,
  ): AsyncGenerator<ItemOf<"ListPayPerUseCustomerResources">, void, undefined>;
  listCustomerOrders(request?: RequestOf<"ListCustomerOrders">): Promise<ResponseOf<"ListCustomerOrders">>;
  renewRate(customer: CustomerRef, request: RequestOf<"ListRenewRateOnPeriod">): Promise<ResponseOf<"ListRenewRateOnPeriod">>;
  /** ListOrderDiscounts as the customer: the discounts PayOrders accepts for this pending order. */
  orderDiscounts(customer: CustomerRef, orderId: string): Promise<ResponseOf<"ListOrderDiscounts">>;
  setAutoRenew(customer: CustomerRef, resourceId: string, autoRenewTimes?: number): Promise<void>;
  cancelAutoRenew(customer: CustomerRef, resourceId: string): Promise<void>;
  reviewResult(customerId: string): Promise<ResponseOf<"ShowRealnameAuthenticationReviewResult">>;

  // Safe wrappers for the unsafe writes: an "ambiguous" failure is resolved by a lookup, never by a blind resend.
  /**
   * RenewalResources as the customer. Takes a snapshot of the customer's recent renewal orders
   * first (one read); if the renew answer is lost, the orders that appeared since are the ones
   * this call created (assumes no concurrent renewal for the same customer). Partial failures
   * (fail_resource_infos with some orders created) are returned, not thrown.
   */
  renewResources(customer: CustomerRef, request: RequestOf<"RenewalResources">, options?: { signal?: AbortSignal }): Promise<RenewOutcome>;
  /** PayOrders as the customer. On an ambiguous answer: order status 5 → paid; 6 → pays once more; else throws. */
  payOrder(customer: CustomerRef, request: RequestOf<"PayOrders">, options?: { signal?: AbortSignal }): Promise<PayOutcome>;
  /** Real-name submission. On an ambiguous answer: a review_result on record → submitted; none → submits once more. */
  submitRealname<K extends RealnameKind>(kind: K, request: RequestOf<(typeof realnameOperations)[K]>, options?: { signal?: AbortSignal }): Promise<RealnameOutcome>;

  /** Number of IAM token exchanges so far. */
  readonly tokenExchanges: number;
  /** Number of X-Domain-Id lookups (GET /v3/auth/domains) so far: at most one per client once it succeeds. */
  readonly domainLookups: number;
}

// ---------------------------------------------------------------------------------------------
// Helpers

const validationError = (operation: string, message: string): BssError =>
  new BssError({ operation, kind: "validation", code: LocalCode.validation, message });

/** UTC `yyyy-MM-ddTHH:mm:ssZ` (BSS's time format, no milliseconds). */
export function formatBssTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function parseBssTime(value: string | undefined): number {
  if (!value) return Number.NaN;
  return Date.parse(value);
}

function accountKey(credentials: { ak: string } | { token: string }): string {
  const material = "ak" in credentials ? `ak:${credentials.ak}` : `token:${credentials.token}`;
  return createHash("sha256").update(material).digest("hex").slice(0, 12);
}

// ---------------------------------------------------------------------------------------------
// The client

export function createBssClient(input: BssClientOptions): BssClient {
  const parsed = clientOptionsSchema.safeParse(input);
  if (!parsed.success) throw validationError("createBssClient", describeIssues(parsed.error.issues));
  const o = parsed.data;
  const endpoint = o.endpoint === "cn" || o.endpoint === "intl" ? ENDPOINTS[o.endpoint] : o.endpoint;
  const now = o.now ?? Date.now;
  const limiter = o.limiter ?? createRateLimiter({ now, marginMs: o.rateMarginMs, ...(o.sleep ? { sleep: o.sleep } : {}) });
  const account = accountKey(o.credentials);
  const configuredAuth: { type: "token"; token: string } | Extract<TransportAuth, { type: "aksk" }> =
    "token" in o.credentials
      ? { type: "token", token: o.credentials.token }
      : {
          type: "aksk",
          credentials: {
            ak: o.credentials.ak,
            sk: o.credentials.sk,
            securityToken: o.credentials.securityToken,
            domainId: o.credentials.domainId,
          },
        };
  const onEvent = o.onEvent;
  const common = {
    timeoutMs: o.timeoutMs,
    maxAttempts: o.maxAttempts,
    limiter,
    now,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.sleep ? { sleep: o.sleep } : {}),
    ...(o.random ? { random: o.random } : {}),
    ...(o.retry ? { backoff: o.retry } : {}),
    ...(onEvent ? { onEvent: (e: TransportEvent) => onEvent({ type: "attempt", ...e }) } : {}),
  };
  const transport: Transport = createTransport({ endpoint, ...common });
  const iamTransport: Transport = createTransport({ endpoint: o.iamEndpoint, ...common });
  // BSS and IAM are global services: AK/SK calls carry X-Domain-Id, looked up once when not configured.
  const partner = partnerAuthResolver(configuredAuth, iamTransport);
  let tokens: TokenProvider | undefined;
  const tokenProvider = (operation: string): TokenProvider => {
    if (!o.agencyName) throw validationError(operation, "agencyName (the partner's xaccount_type) is required to act as a customer");
    tokens ??= createTokenProvider({
      transport: iamTransport,
      partnerAuth: () => partner.get(),
      agencyName: o.agencyName,
      marginMs: o.tokenMarginMs,
      ratePerSecond: o.iamRate,
      now,
    });
    return tokens;
  };

  const rateFor = (name: OperationName, def: OperationDef): number => {
    if (typeof o.rate === "number") return o.rate;
    return o.rate?.[name] ?? def.ratePerSecond;
  };

  const reconcileEvent = (operation: string, result: "found" | "not-found" | "retried" | "failed", detail: string): void => {
    if (!onEvent) return;
    try {
      onEvent({ type: "reconcile", operation, result, detail });
    } catch {
      // ignore
    }
  };

  async function call<N extends OperationName>(name: N, request: RequestOf<N>, options: CallOptions = {}): Promise<ResponseOf<N>> {
    const def = (operations as Record<string, OperationDef>)[name];
    if (!def) throw validationError(String(name), "unknown operation");
    const req = def.request.safeParse(request ?? {});
    if (!req.success) throw validationError(name, `invalid request: ${describeIssues(req.error.issues)}`);

    const customer = options.customer;
    if (customer !== undefined && (typeof customer.id !== "string" || customer.id === "")) {
      throw validationError(name, "customer.id is required");
    }
    if (def.caller === "customer" && !customer) {
      throw validationError(name, "this operation is customer-only: pass { customer: { id, accountName? } }");
    }
    if (def.caller === "partner" && customer) {
      throw validationError(name, "this is a partner operation: do not pass a customer");
    }
    let path: string;
    try {
      path = expandPath(def.path, options.pathParams ?? {});
    } catch (err) {
      if (err instanceof UrlBuildError) throw validationError(name, err.message);
      throw err;
    }

    const send = async (auth: TransportAuth) =>
      transport.send({
        operation: name,
        method: def.method,
        path,
        ...(def.params === "query" ? { query: req.data as Query } : {}),
        ...(def.params === "body" ? { body: req.data } : {}),
        effect: def.effect,
        auth,
        rate: { key: `${customer ? `customer:${customer.id}` : `partner:${account}`}:${name}`, perSecond: rateFor(name, def) },
        ...(options.signal ? { signal: options.signal } : {}),
      });

    let res;
    if (customer) {
      const provider = tokenProvider(name);
      const token = await provider.get(customer, options.signal);
      try {
        res = await send({ type: "token", token });
      } catch (err) {
        // An expired/revoked customer token is refused before anything happens: get a new one, once.
        if (isBssError(err) && err.kind === "http" && (err.status === 401 || err.code === "CBC.0154")) {
          provider.invalidate(customer.id);
          res = await send({ type: "token", token: await provider.get(customer, options.signal) });
        } else {
          throw err;
        }
      }
    } else {
      res = await send(await partner.get(options.signal));
    }

    const body = res.body === undefined ? {} : res.body;
    const meta = { operation: name, status: res.status, requestId: res.requestId, attempts: res.attempts };
    const failure = businessFailure(body);
    const out = def.response.safeParse(body);
    if (failure) {
      throw new BssError({
        ...meta,
        kind: "business",
        code: failure.code,
        message: failure.message,
        failures: failure.failures.length > 0 ? failure.failures : undefined,
        partial: out.success ? out.data : undefined,
      });
    }
    if (!out.success) {
      throw new BssError({ ...meta, kind: "invalid-response", code: LocalCode.invalidResponse, message: describeIssues(out.error.issues) });
    }
    return out.data as ResponseOf<N>;
  }

  async function* paginate<N extends PagedOperation>(
    name: N,
    request: PageRequestOf<N> = {} as PageRequestOf<N>,
    options: PaginateOptions = {},
  ): AsyncGenerator<ItemOf<N>, void, undefined> {
    const def = operations[name] as OperationDef;
    const paging = def.paging;
    if (!paging) throw validationError(name, "operation is not paged");
    const pageSize = options.pageSize ?? Math.min(paging.maxLimit, 100);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > paging.maxLimit) {
      throw validationError(name, `pageSize must be an integer in [1, ${paging.maxLimit}]`);
    }
    const start = (request as { offset?: number | string }).offset;
    let offset = start === undefined ? 0 : Number(start);
    const callOptions: CallOptions = {
      ...(options.customer ? { customer: options.customer } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    for (let page = 0; ; page++) {
      if (page >= o.maxPages) {
        throw new BssError({
          operation: name,
          kind: "invalid-response",
          code: LocalCode.tooManyPages,
          message: `stopped after ${o.maxPages} pages (offset ${offset}): the server keeps returning full pages`,
        });
      }
      const res = (await call(name, { ...request, offset, limit: pageSize } as RequestOf<N>, callOptions)) as Record<string, unknown>;
      const items = (res[paging.items] as ItemOf<N>[] | undefined) ?? [];
      const total = res[paging.total];
      for (const item of items) yield item;
      offset += items.length;
      if (items.length === 0) return;
      if (typeof total === "number") {
        if (offset >= total) return;
      } else if (items.length < pageSize) {
        return;
      }
    }
  }

  async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  }

  const unresolved = (original: BssError, why: string, cause?: unknown): BssError =>
    new BssError({
      operation: original.operation,
      kind: "ambiguous",
      status: original.status,
      code: original.code,
      requestId: original.requestId,
      attempts: original.attempts,
      message: `${original.detail}; ${why}`,
      cause: cause ?? original,
    });

  /** Renewal orders of a customer created at or after `sinceMs` (partner view, not cancelled; records without an order_id ignored). */
  async function renewalOrdersSince(customer: CustomerRef, sinceMs: number, signal?: AbortSignal): Promise<(CustomerOrder & { order_id: string })[]> {
    const orders = await collect(
      paginate(
        "ListCustomerOrders",
        { customer_id: customer.id, order_type: "2", create_time_begin: formatBssTime(sinceMs) },
        { pageSize: 100, ...(signal ? { signal } : {}) },
      ),
    );
    return orders.filter((order): order is CustomerOrder & { order_id: string } => {
      if (order.order_id === undefined) return false;
      if (order.customer_id !== undefined && order.customer_id !== customer.id) return false;
      if (order.order_type !== undefined && String(order.order_type) !== "2") return false;
      if (order.status === 4) return false; // cancelled: nothing to pay
      const created = parseBssTime(order.create_time);
      return Number.isNaN(created) || created >= sinceMs;
    });
  }

  async function renewResources(customer: CustomerRef, request: RequestOf<"RenewalResources">, opts: { signal?: AbortSignal } = {}): Promise<RenewOutcome> {
    const signalOpt = opts.signal ? { signal: opts.signal } : {};
    // Validate first: nothing (not even the snapshot) is sent for a malformed request.
    const checked = operations.RenewalResources.request.safeParse(request);
    if (!checked.success) throw validationError("RenewalResources", `invalid request: ${describeIssues(checked.error.issues)}`);
    // The window for a later lookup starts a little before the call (clock skew), floored to the
    // second (BSS times have no milliseconds). Renewal orders already in that window are noted
    // now, so that a lookup after an ambiguous answer only reports orders this call created.
    const since = Math.floor((now() - o.reconcileSkewMs) / 1000) * 1000;
    const before = new Set((await renewalOrdersSince(customer, since, opts.signal)).map((x) => x.order_id));
    try {
      const res = await call("RenewalResources", request, { customer, ...signalOpt });
      return { orderIds: res.order_ids ?? [], failures: [], reconciled: false };
    } catch (err) {
      if (!isBssError(err)) throw err;
      if (err.kind === "business") {
        const partial = err.partial as ResponseOf<"RenewalResources"> | undefined;
        if (partial?.order_ids && partial.order_ids.length > 0) {
          return { orderIds: partial.order_ids, failures: err.failures ?? [], reconciled: false };
        }
        throw err;
      }
      if (err.kind !== "ambiguous") throw err;
      // The renewal may or may not have created orders: look them up. Never resend.
      let orders: { order_id: string }[];
      try {
        orders = (await renewalOrdersSince(customer, since, opts.signal)).filter((x) => !before.has(x.order_id));
      } catch (lookupErr) {
        reconcileEvent("RenewalResources", "failed", "renewal-order lookup failed");
        throw unresolved(err, `looking up renewal orders failed too (${(lookupErr as Error).message})`, lookupErr);
      }
      reconcileEvent("RenewalResources", orders.length > 0 ? "found" : "not-found", `${orders.length} new renewal order(s)`);
      return { orderIds: orders.map((x) => x.order_id), failures: [], reconciled: true, ambiguous: err };
    }
  }

  async function orderStatus(customer: CustomerRef, orderId: string, signal?: AbortSignal): Promise<number | undefined> {
    const res = await call("ListCustomerOrders", { customer_id: customer.id, order_id: orderId }, signal ? { signal } : {});
    const order = (res.order_infos ?? []).find((x) => x.order_id?.toLowerCase() === orderId.toLowerCase());
    return order?.status;
  }

  async function payOrder(customer: CustomerRef, request: RequestOf<"PayOrders">, opts: { signal?: AbortSignal } = {}): Promise<PayOutcome> {
    const signalOpt = opts.signal ? { signal: opts.signal } : {};
    const orderId = request.order_id;
    let first: BssError;
    try {
      await call("PayOrders", request, { customer, ...signalOpt });
      return { orderId, paid: true, reconciled: false, retried: false };
    } catch (err) {
      if (!isBssError(err) || err.kind !== "ambiguous") throw err;
      first = err;
    }
    const lookup = async (ambiguous: BssError): Promise<number | undefined> => {
      try {
        return await orderStatus(customer, orderId, opts.signal);
      } catch (lookupErr) {
        reconcileEvent("PayOrders", "failed", "order lookup failed");
        throw unresolved(ambiguous, `looking the order up failed too (${(lookupErr as Error).message})`, lookupErr);
      }
    };
    const status = await lookup(first);
    if (status === 5) {
      reconcileEvent("PayOrders", "found", "order is paid");
      return { orderId, paid: true, reconciled: true, retried: false };
    }
    if (status !== 6) {
      reconcileEvent("PayOrders", "failed", `order status ${status ?? "unknown"}`);
      if (status === undefined || status === 3) throw unresolved(first, status === undefined ? "the order was not found by the lookup" : "the order is still processing");
      throw new BssError({
        operation: "PayOrders",
        kind: "business",
        code: LocalCode.orderStatus,
        message: `after an ambiguous payment the order is in status ${status}, neither paid (5) nor pending payment (6)`,
        cause: first,
      });
    }
    // Still pending payment: the first request did not take effect, so one more is safe.
    reconcileEvent("PayOrders", "retried", "order still pending payment; paying once more");
    try {
      await call("PayOrders", request, { customer, ...signalOpt });
      return { orderId, paid: true, reconciled: true, retried: true };
    } catch (err) {
      if (!isBssError(err)) throw err;
      // Whatever happened, the order's status is the truth.
      const again = await lookup(err.kind === "ambiguous" ? err : first);
      if (again === 5) return { orderId, paid: true, reconciled: true, retried: true };
      throw err;
    }
  }

  async function submitRealname<K extends RealnameKind>(
    kind: K,
    request: RequestOf<(typeof realnameOperations)[K]>,
    opts: { signal?: AbortSignal } = {},
  ): Promise<RealnameOutcome> {
    const name = realnameOperations[kind] as (typeof realnameOperations)[RealnameKind];
    if (!name) throw validationError("submitRealname", `unknown kind ${String(kind)}`);
    const signalOpt = opts.signal ? { signal: opts.signal } : {};
    const submit = async (): Promise<ResponseOf<"CreatePersonalRealnameAuth">> =>
      call(name, request as RequestOf<typeof name>, signalOpt) as Promise<ResponseOf<"CreatePersonalRealnameAuth">>;
    let first: BssError;
    try {
      const res = await submit();
      return { submitted: true, ...(res.is_review !== undefined ? { isReview: res.is_review } : {}), reconciled: false, retried: false };
    } catch (err) {
      if (!isBssError(err) || err.kind !== "ambiguous") throw err;
      first = err;
    }
    const customerId = (request as { customer_id: string }).customer_id;
    const lookup = async (ambiguous: BssError): Promise<number | undefined> => {
      try {
        return (await call("ShowRealnameAuthenticationReviewResult", { customer_id: customerId }, signalOpt)).review_result;
      } catch (lookupErr) {
        reconcileEvent(name, "failed", "review-result lookup failed");
        throw unresolved(ambiguous, `looking the review result up failed too (${(lookupErr as Error).message})`, lookupErr);
      }
    };
    const result = await lookup(first);
    if (result !== undefined) {
      reconcileEvent(name, "found", `review_result ${result}`);
      return { submitted: true, reviewResult: result, reconciled: true, retried: false };
    }
    // No application on record: the submission did not arrive; submitting once more is safe
    // (BSS refuses a duplicate with CBC.99007188 anyway).
    reconcileEvent(name, "retried", "no application on record; submitting once more");
    try {
      const res = await submit();
      return { submitted: true, ...(res.is_review !== undefined ? { isReview: res.is_review } : {}), reconciled: true, retried: true };
    } catch (err) {
      if (!isBssError(err)) throw err;
      if (err.kind === "ambiguous" || err.code === "CBC.99007188") {
        const again = await lookup(err.kind === "ambiguous" ? err : first);
        if (again !== undefined) return { submitted: true, reviewResult: again, reconciled: true, retried: true };
      }
      throw err;
    }
  }

  return {
    endpoint,
    call,
    paginate,
    listSubCustomers: (request = {}) => call("ListSubCustomers", request),
    subCustomers: (request, options) => paginate("ListSubCustomers", request, options),
    listCustomerResources: (customerId, request = {}) => call("ListPayPerUseCustomerResources", { ...request, customer_id: customerId }),
    customerResources: (customerId, request = {}, options) => paginate("ListPayPerUseCustomerResources", { ...request, customer_id: customerId }, options),
    listCustomerOrders: (request = {}) => call("ListCustomerOrders", request),
    renewRate: (customer, request) => call("ListRenewRateOnPeriod", request, { customer }),
    orderDiscounts: (customer, orderId) => call("ListOrderDiscounts", { order_id: orderId }, { customer }),
    setAutoRenew: async (customer, resourceId, autoRenewTimes) => {
      await call("AutoRenewalResources", autoRenewTimes === undefined ? {} : { auto_renew_times: autoRenewTimes }, { customer, pathParams: { resource_id: resourceId } });
    },
    cancelAutoRenew: async (customer, resourceId) => {
      await call("CancelAutoRenewalResources", {}, { customer, pathParams: { resource_id: resourceId } });
    },
    reviewResult: (customerId) => call("ShowRealnameAuthenticationReviewResult", { customer_id: customerId }),
    renewResources,
    payOrder,
    submitRealname,
    get tokenExchanges() {
      return tokens?.exchanges ?? 0;
    },
    get domainLookups() {
      return partner.lookups;
    },
  };
}
