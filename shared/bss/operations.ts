/**
 * The catalogue of BSS operations partner-ops uses: one entry per API with its method, URI,
 * where the parameters go, who may call it, whether a retry is safe, its documented rate limit,
 * paging, and its request/response schemas. The BSS client and the BSS sandbox are both built
 * from this table, so the two cannot drift apart silently.
 */
import type { z } from "zod";
import * as s from "./schemas.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/**
 * `read`: no side effect, retry freely.
 * `write`: may have taken effect when the response is lost (renew, pay, real-name submit):
 * never retried blindly; an ambiguous failure is resolved by looking the state up.
 * `idempotent-write`: a write whose repetition has the same effect (set/cancel auto-renew).
 */
export type Effect = "read" | "write" | "idempotent-write";

/** Who may call: the partner's credentials, or a customer's (via assume_role token). */
export type Caller = "partner" | "customer" | "either";

export interface Paging {
  /** Response field holding the page's items. */
  items: string;
  /** Response field holding the total count. */
  total: string;
  /** Largest documented (or, where marked in schemas.ts, assumed) `limit`. */
  maxLimit: number;
}

export interface OperationDef<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  name: string;
  method: HttpMethod;
  /** URI template; `{resource_id}` style placeholders come from `pathParams`. */
  path: string;
  /** Where the validated request goes: JSON body, query string, or nowhere (path only). */
  params: "body" | "query" | "none";
  pathParams?: readonly string[];
  caller: Caller;
  effect: Effect;
  /** Documented flow-control quota, requests per second per account per API. */
  ratePerSecond: number;
  /** HTTP status on success (204 = empty body). */
  successStatus: 200 | 204;
  paging?: Paging;
  request: Req;
  response: Res;
}

const op = <Req extends z.ZodType, Res extends z.ZodType>(def: OperationDef<Req, Res>): OperationDef<Req, Res> => def;

export const operations = {
  ListSubCustomers: op({
    name: "ListSubCustomers",
    method: "POST",
    path: "/v2/partners/sub-customers/query",
    params: "body",
    caller: "partner",
    effect: "read",
    ratePerSecond: 10,
    successStatus: 200,
    paging: { items: "customer_infos", total: "count", maxLimit: 100 },
    request: s.listSubCustomersRequest,
    response: s.listSubCustomersResponse,
  }),
  ListPayPerUseCustomerResources: op({
    name: "ListPayPerUseCustomerResources",
    method: "POST",
    path: "/v2/orders/suscriptions/resources/query",
    params: "body",
    caller: "either",
    effect: "read",
    ratePerSecond: 10,
    successStatus: 200,
    paging: { items: "data", total: "total_count", maxLimit: 500 },
    request: s.listResourcesRequest,
    response: s.listResourcesResponse,
  }),
  ListRenewRateOnPeriod: op({
    name: "ListRenewRateOnPeriod",
    method: "POST",
    path: "/v2/bills/ratings/period-resources/renew-rate",
    params: "body",
    caller: "customer",
    effect: "read",
    ratePerSecond: 10,
    successStatus: 200,
    request: s.renewRateRequest,
    response: s.renewRateResponse,
  }),
  RenewalResources: op({
    name: "RenewalResources",
    method: "POST",
    path: "/v2/orders/subscriptions/resources/renew",
    params: "body",
    caller: "customer",
    effect: "write",
    ratePerSecond: 10,
    successStatus: 200,
    request: s.renewalRequest,
    response: s.renewalResponse,
  }),
  AutoRenewalResources: op({
    name: "AutoRenewalResources",
    method: "POST",
    path: "/v2/orders/subscriptions/resources/autorenew/{resource_id}",
    params: "body",
    pathParams: ["resource_id"],
    caller: "customer",
    effect: "idempotent-write",
    ratePerSecond: 10,
    successStatus: 204, // response model is empty; exact status unconfirmed
    request: s.autoRenewRequest,
    response: s.emptyResponse,
  }),
  CancelAutoRenewalResources: op({
    name: "CancelAutoRenewalResources",
    method: "DELETE",
    path: "/v2/orders/subscriptions/resources/autorenew/{resource_id}",
    params: "none",
    pathParams: ["resource_id"],
    caller: "customer",
    effect: "idempotent-write",
    ratePerSecond: 10,
    successStatus: 204, // response model is empty; exact status unconfirmed
    request: s.emptyResponse,
    response: s.emptyResponse,
  }),
  PayOrders: op({
    name: "PayOrders",
    method: "POST",
    path: "/v3/orders/customer-orders/pay",
    params: "body",
    caller: "customer",
    effect: "write",
    ratePerSecond: 10,
    successStatus: 204, // empty body on success; "likely 204" per the reference
    request: s.payOrdersRequest,
    response: s.emptyResponse,
  }),
  ListOrderDiscounts: op({
    name: "ListOrderDiscounts",
    method: "GET",
    path: "/v2/orders/customer-orders/order-discounts",
    params: "query",
    caller: "customer",
    effect: "read",
    ratePerSecond: 10, // documented default
    successStatus: 200,
    request: s.listOrderDiscountsRequest,
    response: s.listOrderDiscountsResponse,
  }),
  ListCustomerOrders: op({
    name: "ListCustomerOrders",
    method: "GET",
    path: "/v2/orders/customer-orders",
    params: "query",
    caller: "either",
    effect: "read",
    ratePerSecond: 10,
    successStatus: 200,
    paging: { items: "order_infos", total: "total_count", maxLimit: 100 },
    request: s.listCustomerOrdersRequest,
    response: s.listCustomerOrdersResponse,
  }),
  CreateEnterpriseRealnameAuthentication: op({
    name: "CreateEnterpriseRealnameAuthentication",
    method: "POST",
    path: "/v2/customers/realname-auths/enterprise",
    params: "body",
    caller: "partner",
    effect: "write",
    ratePerSecond: 10,
    successStatus: 200,
    request: s.enterpriseRealnameRequest,
    response: s.realnameApplyResponse,
  }),
  ChangeEnterpriseRealnameAuthentication: op({
    name: "ChangeEnterpriseRealnameAuthentication",
    method: "PUT",
    path: "/v2/customers/realname-auths/enterprise",
    params: "body",
    caller: "partner",
    effect: "write",
    ratePerSecond: 10,
    successStatus: 200,
    request: s.changeEnterpriseRealnameRequest,
    response: s.realnameApplyResponse,
  }),
  CreatePersonalRealnameAuth: op({
    name: "CreatePersonalRealnameAuth",
    method: "POST",
    path: "/v2/customers/realname-auths/individual",
    params: "body",
    caller: "partner",
    effect: "write",
    ratePerSecond: 10,
    successStatus: 200,
    request: s.individualRealnameRequest,
    response: s.realnameApplyResponse,
  }),
  ShowRealnameAuthenticationReviewResult: op({
    name: "ShowRealnameAuthenticationReviewResult",
    method: "GET",
    path: "/v2/customers/realname-auths/result",
    params: "query",
    caller: "partner",
    effect: "read",
    ratePerSecond: 10,
    successStatus: 200,
    request: s.reviewResultRequest,
    response: s.reviewResultResponse,
  }),
  ListServiceTypes: op({
    name: "ListServiceTypes",
    method: "GET",
    path: "/v2/products/service-types",
    params: "query",
    caller: "either",
    effect: "read",
    ratePerSecond: 10,
    successStatus: 200,
    paging: { items: "service_types", total: "total_count", maxLimit: 1000 },
    request: s.listServiceTypesRequest,
    response: s.listServiceTypesResponse,
  }),
  ListResourceTypes: op({
    name: "ListResourceTypes",
    method: "GET",
    path: "/v2/products/resource-types",
    params: "query",
    caller: "either",
    effect: "read",
    ratePerSecond: 10,
    successStatus: 200,
    paging: { items: "resource_types", total: "total_count", maxLimit: 1000 },
    request: s.listResourceTypesRequest,
    response: s.listResourceTypesResponse,
  }),
  ListIncentiveDiscountPolicies: op({
    name: "ListIncentiveDiscountPolicies",
    method: "GET",
    path: "/v2/products/incentive-discount-policies",
    params: "query",
    caller: "partner",
    effect: "read",
    ratePerSecond: 10,
    successStatus: 200,
    paging: { items: "policies", total: "total_count", maxLimit: 100 },
    request: s.listIncentivePoliciesRequest,
    response: s.listIncentivePoliciesResponse,
  }),
} as const;

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export type RequestOf<N extends OperationName> = z.input<Operations[N]["request"]>;
export type ResponseOf<N extends OperationName> = z.output<Operations[N]["response"]>;

/** Fills `{name}` placeholders with URL-encoded values. */
export function expandPath(def: OperationDef, pathParams: Record<string, string> = {}): string {
  return def.path.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const v = pathParams[name];
    if (v === undefined || v === "") throw new TypeError(`${def.name}: path parameter ${name} is required`);
    return encodeURIComponent(v);
  });
}
