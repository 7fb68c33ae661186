/**
 * The one error class of the BSS client, and the pure helpers that read error information out
 * of BSS / APIG / IAM response bodies.
 *
 * Messages never contain request bodies, credentials or tokens: a message is built from the
 * operation name, the HTTP status, the server's error code and the server's error message.
 */
import type { FailResourceInfo } from "./schemas.ts";

export type { FailResourceInfo };

/**
 * - `http`: the server answered with a non-2xx status (after any retries).
 * - `business`: HTTP 2xx, but the body reports a failure (`error_code`, `fail_resource_infos`, `error_details`).
 * - `network`: no HTTP answer (connection refused, reset, DNS ...), or the caller aborted.
 * - `timeout`: no complete answer within the per-attempt timeout.
 * - `validation`: the request (or client options) failed local validation; nothing was sent.
 * - `invalid-response`: a 2xx answer whose body is not what the catalogue says.
 * - `ambiguous`: a non-idempotent write may or may not have taken effect (5xx, timeout or reset
 *   after the request was sent). It was NOT resent; look the state up before doing anything else.
 */
export type BssErrorKind = "http" | "business" | "network" | "timeout" | "validation" | "invalid-response" | "ambiguous";

/** Codes the client assigns itself when the server gave none. */
export const LocalCode = {
  validation: "LOCAL.VALIDATION",
  timeout: "LOCAL.TIMEOUT",
  network: "LOCAL.NETWORK",
  aborted: "LOCAL.ABORTED",
  invalidResponse: "LOCAL.INVALID_RESPONSE",
  tooManyPages: "LOCAL.TOO_MANY_PAGES",
  orderStatus: "LOCAL.ORDER_STATUS",
} as const;

/** Codes meaning "throttled, nothing was done": safe to retry even for a write. */
export const THROTTLE_CODES: ReadonlySet<string> = new Set(["CBC.0250", "APIG.0308"]);

export interface BssErrorInit {
  operation: string;
  kind: BssErrorKind;
  code: string;
  message: string;
  status?: number | undefined;
  requestId?: string | undefined;
  retryable?: boolean | undefined;
  failures?: FailResourceInfo[] | undefined;
  /** For `business` errors with partial success: the (validated) response body, e.g. the order_ids that were created. */
  partial?: unknown;
  attempts?: number | undefined;
  cause?: unknown;
}

export class BssError extends Error {
  override name = "BssError";
  /** Catalogue operation name (or `IAM.AssumeRole`, or `METHOD /path` for raw calls). */
  readonly operation: string;
  readonly kind: BssErrorKind;
  /** HTTP status of the last answer, if there was one. */
  readonly status: number | undefined;
  /** `CBC.*` / `APIG.*` / `IAM.*` from the server, `HTTP.<status>` when the body had none, or a `LOCAL.*` code. */
  readonly code: string;
  /** The server's request id (`X-Request-Id` & co.) of the last answer, for support tickets. */
  readonly requestId: string | undefined;
  /** Whether trying again later could succeed (true for throttling, 5xx and network trouble on reads). */
  readonly retryable: boolean;
  /** Per-item failures reported inside an HTTP 200 body. */
  readonly failures: FailResourceInfo[] | undefined;
  readonly partial: unknown;
  /** How many HTTP attempts were made (0 when nothing was sent). */
  readonly attempts: number;
  /** The message the server (or the client) gave, without the operation/kind/status/code prefix. */
  readonly detail: string;

  constructor(init: BssErrorInit) {
    super(formatMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.operation = init.operation;
    this.kind = init.kind;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryable = init.retryable ?? false;
    this.failures = init.failures;
    this.partial = init.partial;
    this.attempts = init.attempts ?? 0;
    this.detail = init.message;
  }
}

function formatMessage(init: BssErrorInit): string {
  const status = init.status === undefined ? "" : ` ${init.status}`;
  return `${init.operation} ${init.kind}${status} ${init.code}: ${init.message}`;
}

export const isBssError = (err: unknown): err is BssError => err instanceof BssError;

// ---------------------------------------------------------------------------------------------
// Reading error information out of bodies

export interface ErrorInfo {
  code?: string;
  message?: string;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * The error code and message of a failure body, in the shapes BSS, APIG and IAM use:
 * `{error_code, error_msg}`, `{error: {code, message}}` (IAM/Keystone) and `{code, message}`.
 */
export function errorInfo(body: unknown): ErrorInfo {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return {};
  const b = body as Record<string, unknown>;
  const info: ErrorInfo = {};
  const code = str(b["error_code"]);
  const msg = str(b["error_msg"]) ?? str(b["error_message"]);
  if (code !== undefined) info.code = code;
  if (msg !== undefined) info.message = msg;
  const nested = b["error"];
  if (typeof nested === "object" && nested !== null) {
    const n = nested as Record<string, unknown>;
    const nc = str(n["code"]) ?? str(n["error_code"]);
    if (info.code === undefined && nc !== undefined) info.code = nc;
    const nm = str(n["message"]) ?? str(n["error_msg"]);
    if (info.message === undefined && nm !== undefined) info.message = nm;
  }
  if (info.code === undefined && typeof b["code"] === "string" && /^[A-Z]+\.\d+$/.test(b["code"])) info.code = b["code"];
  if (info.message === undefined && str(b["message"]) !== undefined && info.code !== undefined) info.message = str(b["message"])!;
  return info;
}

/** `CBC.0000` is documented as a success code on some pages. */
const SUCCESS_CODES = new Set(["CBC.0000"]);

export interface BusinessFailure {
  code: string;
  message: string;
  failures: FailResourceInfo[];
}

function itemFailures(list: unknown): FailResourceInfo[] {
  if (!Array.isArray(list)) return [];
  const out: FailResourceInfo[] = [];
  for (const item of list) {
    if (typeof item !== "object" || item === null) continue;
    const i = item as Record<string, unknown>;
    const f: FailResourceInfo = {};
    const code = str(i["error_code"]);
    const msg = str(i["error_msg"]);
    const id = str(i["resource_id"]) ?? str(i["id"]);
    if (code !== undefined) f.error_code = code;
    if (msg !== undefined) f.error_msg = msg;
    if (id !== undefined) f.resource_id = id;
    out.push(f);
  }
  return out;
}

/**
 * A failure reported inside a 2xx body: a top-level `error_code` (other than `CBC.0000`), or a
 * non-empty `fail_resource_infos` / `error_details` list. Undefined when the body reports none.
 */
export function businessFailure(body: unknown): BusinessFailure | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  const failures = [...itemFailures(b["fail_resource_infos"]), ...itemFailures(b["error_details"])];
  const top = errorInfo(body);
  const topCode = str(b["error_code"]);
  if (topCode !== undefined && !SUCCESS_CODES.has(topCode)) {
    return { code: topCode, message: top.message ?? "the response reports an error", failures };
  }
  if (failures.length > 0) {
    const first = failures[0]!;
    const n = failures.length;
    return {
      code: first.error_code ?? "CBC.UNKNOWN",
      message: `${n} item${n === 1 ? "" : "s"} failed` + (first.error_msg ? ` (first: ${first.error_msg})` : ""),
      failures,
    };
  }
  return undefined;
}

/** `path: message` for each zod issue; values are never included (they may be ID numbers). */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[], max = 5): string {
  const parts = issues.slice(0, max).map((i) => (i.path.length ? `${i.path.map(String).join(".")}: ${i.message}` : i.message));
  if (issues.length > max) parts.push(`(${issues.length - max} more)`);
  return parts.join("; ");
}
