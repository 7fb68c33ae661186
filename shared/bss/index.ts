/** The BSS client: every Huawei BSS call in partner-ops goes through here. */
export { createBssClient, clientOptionsSchema, ENDPOINTS, formatBssTime, pagedItems, realnameOperations } from "./client.ts";
export type {
  BssClient,
  BssClientOptions,
  BssEvent,
  CallOptions,
  CustomerRef,
  ItemOf,
  PagedOperation,
  PageRequestOf,
  PaginateOptions,
  PayOutcome,
  RealnameKind,
  RealnameOutcome,
  RenewOutcome,
} from "./client.ts";
export { BssError, LocalCode, THROTTLE_CODES, businessFailure, describeIssues, errorInfo, isBssError } from "./errors.ts";
export type { BssErrorKind, BusinessFailure, ErrorInfo, FailResourceInfo } from "./errors.ts";
export { DEFAULT_IAM_ENDPOINT, createTokenProvider, parseIamTime } from "./iam.ts";
export type { TokenProvider, TokenProviderOptions } from "./iam.ts";
export { DEFAULT_MARGIN_MS, createRateLimiter, realSleep } from "./limiter.ts";
export type { LimiterOptions, RateLimiter, Sleep } from "./limiter.ts";
export { DEFAULT_BACKOFF, backoffDelay, classify, parseRetryAfter, retryDelay } from "./retry.ts";
export type { AttemptFailure, BackoffOptions, Decision } from "./retry.ts";
export { createTransport, requestIdOf } from "./transport.ts";
export type { FetchLike, Transport, TransportAuth, TransportEvent, TransportOptions, TransportRequest, TransportResponse } from "./transport.ts";
export { buildQueryString, buildUrl, expandPath, normalisePath, UrlBuildError } from "./url.ts";
export { operations } from "./operations.ts";
export type { Effect, OperationName, RequestOf, ResponseOf } from "./operations.ts";
