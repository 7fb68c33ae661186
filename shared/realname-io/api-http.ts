/**
 * The HTTP layer of realname-api as middy middlewares and helpers (the handler only wires them):
 * - `signatureGuard`: the event's shape (zod), then X-Partner-Ops-Signature over the raw bytes —
 *   v2 everywhere, v1 also on create (deprecated) — before any body is parsed; the replay claim is
 *   handed to the route (`verifiedRequest(event).claim`), which calls it before changing anything.
 * - `problem` / `apiErrorMapper`: every 4xx answer is `{error, message, errors:[{field, message}]}`;
 *   errors thrown by middy's own middlewares (unsupported media type, malformed JSON, forbidden
 *   keys, unknown route) are given that shape before http-error-handler turns them into a response.
 * - `reply`: a service result as an HTTP answer (the serializer makes it JSON).
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from "aws-lambda";
import { z } from "zod";
import type { FieldError } from "../realname/application.ts";
import { DEFAULT_TOLERANCE_SECONDS, verifyWebhookSignature, webhookReplayKey, type WebhookSignatureVersion } from "../signing/index.ts";
import type { HttpResult } from "./service.ts";

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyResultV2;

export const CREATE_PATH = "/realname/applications";
const NO_STORE = { "Cache-Control": "no-store" };

/** An error http-error-handler exposes as is: its message is the JSON answer. */
export interface ProblemError extends Error {
  statusCode: number;
  expose: true;
  headers: Record<string, string>;
}

export function problem(statusCode: number, error: string, errors: FieldError[], extra: Record<string, unknown> = {}): ProblemError {
  const body = { error, message: errors[0]?.message ?? error, errors, ...extra };
  return Object.assign(new Error(JSON.stringify(body)), { name: "ProblemError", statusCode, expose: true as const, headers: { ...NO_STORE } });
}

export const INTERNAL_ERROR_BODY = JSON.stringify({
  error: "internal",
  message: "the request could not be completed; try again",
  errors: [{ field: "(request)", message: "the request could not be completed; try again" }],
});

/** The field an answer without its own `errors` list is about (every 4xx names a field and a message). */
const ERROR_FIELDS: ReadonlyMap<string, string> = new Map([
  ["unauthorized", "X-Partner-Ops-Signature"],
  ["request_id_reused", "X-Request-Id"],
  ["not_found", "id"],
  ["expired", "id"],
  ["not_an_upload_application", "id"],
  ["upload_changed", "uploads"],
]);

export function reply(r: HttpResult): Result {
  let body = r.body;
  if (r.statusCode >= 400 && r.statusCode < 500 && !Array.isArray(body["errors"]) && typeof body["message"] === "string") {
    body = { ...body, errors: [{ field: ERROR_FIELDS.get(String(body["error"])) ?? "(request)", message: body["message"] }] };
  }
  if (r.statusCode >= 400 && typeof body["message"] !== "string" && Array.isArray(body["errors"])) {
    body = { ...body, message: (body["errors"] as FieldError[])[0]?.message ?? String(body["error"]) };
  }
  return { statusCode: r.statusCode, headers: { ...NO_STORE }, body: body as unknown as string };
}

const eventSchema = z.object({
  rawPath: z.string().startsWith("/"),
  rawQueryString: z.string().default(""),
  headers: z.record(z.string(), z.string().optional()).default({}),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.object({ http: z.object({ method: z.string().min(1), path: z.string() }) }),
});

export interface VerifiedRequest {
  /** The signed bytes: the event's body string itself when it is text (no copy), else the decoded base64. */
  raw: string | Buffer;
  /** The replay guard: claims the signature; a 401 result when it was used before. Call before any change. */
  claim: () => Promise<HttpResult | undefined>;
}

const verified = new WeakMap<object, VerifiedRequest>();

export function verifiedRequest(event: Event): VerifiedRequest {
  const v = verified.get(event);
  if (!v) throw new Error("internal: signatureGuard did not run for this event");
  return v;
}

export interface SignatureGuardOptions {
  secrets: () => Promise<string[]>;
  claimSignature: (replayKey: string, expiresAt: number) => Promise<boolean>;
  logger: Logger;
}

/** Checks the event's shape and its signature; refuses with 400/401 before any route runs. */
export function signatureGuard(o: SignatureGuardOptions): MiddlewareObj<Event, Result> {
  return {
    before: async (request) => {
      const parsed = eventSchema.safeParse(request.event);
      if (!parsed.success) throw problem(400, "bad_request", [{ field: "(request)", message: "not an API Gateway HTTP API (payload 2.0) event" }]);
      const e = parsed.data;
      const method = e.requestContext.http.method.toUpperCase();
      // A text body is signed as the string the event carries (the HMAC covers its UTF-8 bytes): no
      // Buffer copy of what may be megabytes of inline files.
      const raw: string | Buffer = e.body === undefined ? "" : e.isBase64Encoded ? Buffer.from(e.body, "base64") : e.body;
      const line = { method, path: e.rawPath + (e.rawQueryString ? `?${e.rawQueryString}` : "") };
      const isCreate = method === "POST" && e.rawPath === CREATE_PATH;
      // v1 (body only) is deprecated and never accepted where a body could be moved to another resource.
      const versions: WebhookSignatureVersion[] = isCreate ? ["v2", "v1"] : ["v2"];
      const verdict = verifyWebhookSignature(raw, e.headers["x-partner-ops-signature"], { secrets: await o.secrets(), request: line, versions });
      if (!verdict.ok) {
        o.logger.warn("realname: request refused (signature)", { method, reason: verdict.reason });
        throw problem(401, "unauthorized", [{ field: "X-Partner-Ops-Signature", message: verdict.message }]);
      }
      if (verdict.version === "v1") o.logger.warn("realname: deprecated v1 signature accepted (sign v2: method, path and body)", { method });
      // A header that carried v1 and v2 also claims the nonce-less v1 key, so the same header
      // stripped to its v1 part (accepted on create) is refused as well.
      const nonces = verdict.version === "v2" && isCreate && verdict.presented.includes("v1") ? [verdict.nonce, ""] : [verdict.nonce];
      const claim = async (): Promise<HttpResult | undefined> => {
        const expiresAt = verdict.timestamp + DEFAULT_TOLERANCE_SECONDS + 60;
        let fresh = true;
        for (const n of nonces) fresh = (await o.claimSignature(webhookReplayKey(verdict.timestamp, n, line, raw), expiresAt)) && fresh;
        if (fresh) return undefined;
        o.logger.warn("realname: request refused (signature replayed)", { method });
        return { statusCode: 401, body: { error: "unauthorized", message: "this signature was already used; sign every request anew" } };
      };
      verified.set(request.event, { raw, claim });
    },
  };
}

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The optional X-Request-Id (1-128 printable ASCII characters). */
export function requestIdHeader(event: Event): string | undefined {
  const id = event.headers?.["x-request-id"];
  if (id !== undefined && !REQUEST_ID.test(id)) throw problem(400, "validation_failed", [{ field: "X-Request-Id", message: "must be 1-128 printable ASCII characters" }]);
  return id;
}

/**
 * Gives errors from middy's middlewares (and anything unexpected) the API's answer shape; runs
 * before http-error-handler, which then exposes 4xx messages and answers 500 for the rest.
 */
export function apiErrorMapper(logger: Logger): MiddlewareObj<Event, Result> {
  return {
    onError: (request) => {
      const err = request.error as (Error & { statusCode?: number; expose?: boolean; headers?: Record<string, string>; cause?: { data?: unknown } }) | null;
      if (!err || err.name === "ProblemError") return;
      const status = err.statusCode;
      if (status === undefined || status >= 500) {
        const e = err as Error & { $metadata?: { httpStatusCode?: number } };
        logger.error("realname: request failed", { error: e.name, status: e.$metadata?.httpStatusCode });
        return;
      }
      let mapped: ProblemError;
      if (status === 415) mapped = problem(415, "unsupported_media_type", [{ field: "Content-Type", message: "must be application/json" }]);
      else if (status === 404) mapped = problem(404, "no_route", [{ field: "(route)", message: "no such route" }]);
      else if (/forbidden key/i.test(err.message)) mapped = problem(400, "invalid_body", [{ field: String(err.cause?.data ?? "(body)"), message: "forbidden key in the JSON body (prototype pollution guard)" }]);
      else mapped = problem(400, "invalid_body", [{ field: "(body)", message: "must be a JSON object" }]);
      request.error = mapped;
    },
  };
}
